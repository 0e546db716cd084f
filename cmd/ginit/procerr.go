package main

import "github.com/ginit-dev/ginit/internal/log"

// procErr warns that a read of /proc failed after start, once per place
// and error: ginit goes on (the error policy in loop.go), with less to go
// on, and an operator should know why a line names fewer processes than
// there were. A nil error is nothing.
func (s *supervisor) procErr(where string, err error) {
	if err == nil {
		return
	}
	key := where + ": " + err.Error()
	if s.procErrSaid[key] {
		return
	}
	if s.procErrSaid == nil {
		s.procErrSaid = map[string]bool{}
	}
	s.procErrSaid[key] = true
	s.log.Warn("proc", "cannot read the process table; going on without it", log.Str("where", where), log.Str("error", err.Error()))
}
