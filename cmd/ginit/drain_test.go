package main

import (
	"testing"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
)

// Past the line budget a drain names the first log.ListMax processes it
// signalled and counts the rest: a storm's batch is not kept whole for
// one line.
func TestQuietKeepsNamesUpToTheCap(t *testing.T) {
	procs := func(n int) []proctab.Proc { return make([]proctab.Proc, n) }
	for _, tc := range []struct {
		name       string
		lists      [][]proctab.Proc
		kept, more int
	}{
		{"few", [][]proctab.Proc{procs(3), procs(2)}, 5, 0},
		{"exactly the cap", [][]proctab.Proc{procs(log.ListMax)}, log.ListMax, 0},
		{"a batch", [][]proctab.Proc{procs(10000)}, log.ListMax, 10000 - log.ListMax},
		{"across calls", [][]proctab.Proc{procs(15), procs(10), procs(7)}, log.ListMax, 32 - log.ListMax},
	} {
		var d drainState
		for _, ps := range tc.lists {
			d.quiet(ps)
		}
		if len(d.quietSent) != tc.kept || d.quietMore != tc.more {
			t.Errorf("%s: kept %d, more %d; want %d, %d", tc.name, len(d.quietSent), d.quietMore, tc.kept, tc.more)
		}
	}
}
