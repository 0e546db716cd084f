package oom

import (
	"strconv"
	"time"
)

// Near is how close before a death, at most, an OOM kill must have been
// noted for the death to be blamed on it. The OOM killer's victim dies
// within milliseconds (the kernel frees its memory at once); the margin is
// for a loaded machine and a parent that reaps late. An older kill is of
// another process: a worker a pool master reaped, minutes before an
// operator's SIGKILL.
const Near = 5 * time.Second

// kill is an OOM kill ginit learnt of: it happened after after and by
// seen (the same time when the kernel told ginit as it happened).
type kill struct{ after, seen time.Time }

// pick returns which of kills (noted since ginit's previous reap) to blame
// for a SIGKILL death seen at now of a process started at born (zero if
// unknown): the latest that surely happened within Near before now and
// after born; -1 if none.
func pick(kills []kill, now, born time.Time) int {
	best := -1
	for i, k := range kills {
		if now.Sub(k.after) > Near || k.after.Before(born) {
			continue
		}
		if best < 0 || k.seen.After(kills[best].seen) {
			best = i
		}
	}
	return best
}

// unknown says why no OOM kill is blamed for a SIGKILL death at now, when
// the container has had one: "" when it never had.
func (o *Counter) unknown(now, born time.Time) string {
	l := o.last
	if l.seen.IsZero() {
		return ""
	}
	ago := secs(now.Sub(l.after))
	switch {
	case o.used:
		return "cause unknown; the container's last OOM kill, " + ago + " before, is blamed on another process"
	case l.after != l.seen:
		return "cause unknown; the container had an OOM kill in the " + ago +
			" before, ginit cannot tell when (no OOM events from the kernel here)"
	case !l.seen.After(o.reaped):
		return "cause unknown; the container's last OOM kill was " + ago + " before, and ginit reaped a process since"
	case l.seen.Before(born):
		return "cause unknown; the container's last OOM kill was " + ago + " before, before the process started"
	}
	return "cause unknown; the container's last OOM kill was " + ago + " before, not within " + secs(Near)
}

func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}
