package main

import (
	"time"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/proctab"
)

// statusEvery is how often ginit says what it is waiting for.
const statusEvery = 10 * time.Second

// alarm is one timer the loop selects on; c is nil while it is not armed.
// Not time.NewTimer, whose chan time.Time breaks the size rule
// (internal/rawfile). A new channel for each setting means a timer that
// fired just before stop can only fill a channel nobody reads.
type alarm struct {
	t  timer
	c  chan struct{}
	at time.Time
}

// set arms the alarm for at, on sys's clock.
func (a *alarm) set(sys system, at time.Time) {
	a.stop()
	c := make(chan struct{}, 1)
	a.t, a.c, a.at = sys.afterFunc(at.Sub(sys.now()), func() { c <- struct{}{} }), c, at
}

func (a *alarm) stop() {
	if a.t != nil {
		a.t.Stop()
	}
	a.t, a.c, a.at = nil, nil, time.Time{}
}

func (a *alarm) armed() bool { return a.c != nil }

// onStatus says, every statusEvery while ginit waits, what for and until when.
func (s *supervisor) onStatus() {
	s.sayQuiet()
	var waiting []proctab.Proc
	if s.phase == stopping {
		all, err := s.list()
		s.procErr("the status line", err)
		for _, p := range all {
			if p.Alive() {
				waiting = append(waiting, p)
			}
		}
	} else {
		waiting = s.heldProcs()
	}
	s.log.Report("wait", "waiting for processes to exit", append([]log.Field{log.Num("count", len(waiting)),
		log.Procs("waiting_for", waiting), log.Ms("waited_ms", s.now().Sub(s.since()))}, s.deadlineFields("deadline_in_ms")...)...)
	s.status.set(s.sys, s.now().Add(statusEvery))
}

// since is when the current wait began: the stop, else the drain.
func (s *supervisor) since() time.Time {
	if s.stop.begun() {
		return s.stop.at
	}
	return s.drain.at
}

// deadlineFields name the deadline in force and the time left under key
// left, or say there is none.
func (s *supervisor) deadlineFields(left string) []log.Field {
	if !s.deadline.armed() {
		return []log.Field{log.Str("deadline", "none")}
	}
	return []log.Field{log.Str("deadline", s.deadlineWhy), log.Ms(left, s.deadline.at.Sub(s.now()))}
}

// setDeadline arms the one deadline; an earlier one already set stands.
func (s *supervisor) setDeadline(at time.Time, why string) {
	if s.deadline.armed() && !at.Before(s.deadline.at) {
		return
	}
	s.deadline.set(s.sys, at)
	s.deadlineWhy = why
}
