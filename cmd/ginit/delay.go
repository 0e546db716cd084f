package main

import (
	"syscall"

	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/signals"
)

// --stop-delay holds a stop signal while the orchestrator takes the app out
// of its load balancer (ECS deregisters the task from its ALB target group,
// Kubernetes removes the pod from its Endpoints); meanwhile the app keeps
// serving the requests still routed to it. This is the preStop sleep that
// distroless and scratch images cannot run. The grace period counts from
// the signal's arrival, delay included, which is why the delay must be
// shorter than --grace (cli refuses one that is not).

// beginDelay holds the stop signal until the delay passes.
func (s *supervisor) beginDelay() {
	until := s.stop.at.Add(s.cfg.StopDelay)
	s.delay.set(s.sys, until)
	s.log.Report("delay", "stop signal received; holding it for --stop-delay while the app keeps serving",
		append(s.stopFields(), log.Ms("delay_ms", s.cfg.StopDelay), log.Str("until", log.Stamp(until)))...)
}

// onDelayEnd: the delay has passed; deliver the held signal.
func (s *supervisor) onDelayEnd() {
	s.endDelay("the delay passed")
	s.deliverStop("stop delay over; delivered", log.Ms("delayed_ms", s.stop.delayEnd.Sub(s.stop.at)))
}

// cutDelay: a different stop signal during the delay (SIGQUIT after
// SIGTERM) is the operator insisting. It is delivered at once, instead of
// the held one: the app gets one stop signal, the one that asks more.
func (s *supervisor) cutDelay(recv, out syscall.Signal) {
	s.endDelay("cut short by " + signals.Name(out))
	s.stop.held = s.stop.sig
	s.stop.sig, s.stop.recv = out, recv
	s.deliverStop("different stop signal during the delay; delivered at once",
		log.Ms("delayed_ms", s.stop.delayEnd.Sub(s.stop.at)), log.Str("held", signals.Name(s.stop.held)))
}

// childExitedInDelay: nothing is left to hold the signal for; the drain
// that follows proceeds as usual.
func (s *supervisor) childExitedInDelay() {
	s.endDelay("the main child exited")
	s.log.Report("delay", "main child exited during the stop delay; draining now",
		log.Ms("delayed_ms", s.stop.delayEnd.Sub(s.stop.at)))
}

// endDelay stops the delay and notes when and why, for the report.
func (s *supervisor) endDelay(how string) {
	s.delay.stop()
	s.stop.delayEnd, s.stop.delayHow = s.now(), how
}
