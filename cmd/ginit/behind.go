package main

import (
	"os"

	"github.com/ginit-dev/ginit/internal/cli"
	"github.com/ginit-dev/ginit/internal/log"
	"github.com/ginit-dev/ginit/reaper"
)

// defaultSubreaper registers ginit as a child subreaper when it is not
// PID 1 and the user did not say otherwise. Behind another init (docker run
// --init, ECS initProcessEnabled, podman --init) the app's orphans would
// otherwise go to that init, which cannot drain them: the wrapped job would
// be lost exactly as under tini. A failure here is not fatal, since the user
// did not ask for it: the warning that follows says what is lost.
func defaultSubreaper(cfg *cli.Config, lg *log.Logger) bool {
	if os.Getpid() == 1 || cfg.NoSubreaper {
		return false
	}
	if err := reaper.SetSubreaper(); err != nil {
		lg.Warn("setup", "cannot register as a child subreaper", log.Str("error", err.Error()))
		return false
	}
	lg.Debug("setup", "not PID 1: registered as a child subreaper (GINIT_SUBREAPER=0 turns this off)")
	return true
}
