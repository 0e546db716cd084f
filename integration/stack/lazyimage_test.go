package stack

import (
	"sync"
	"time"
)

// lazyImage is an image built once per test binary run, on first use, for
// every test that needs it. build returns its name, or noDocker when no
// engine answers (a skip, not a failure), or an error.
type lazyImage struct {
	build func() (name string, noDocker bool, err error)

	once     sync.Once
	name     string // "" if it could not be built
	err      string // why not
	noDocker bool
	took     time.Duration
}

// get builds the image on first use and returns its name, or why the test
// must skip (no Docker engine), or why it must fail.
func (l *lazyImage) get() (name, skip, fail string) {
	l.once.Do(func() {
		began := time.Now()
		var err error
		l.name, l.noDocker, err = l.build()
		if err != nil {
			l.err = err.Error()
		}
		l.took = time.Since(began)
	})
	switch {
	case l.noDocker:
		return "", "SKIP: " + l.err, ""
	case l.name == "":
		return "", "", l.err
	}
	return l.name, "", ""
}
