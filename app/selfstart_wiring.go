package main

import (
	"log/slog"
	"os"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/selfstart"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart/runner"
)

// selfStarter is "Open LimaBar at Login" for this host, or nil when the
// program cannot tell where it lives. Its launchctl calls are logged like
// every other command.
func selfStarter(host *hostenv.Host, logger *slog.Logger) state.SelfStarter {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return selfstart.LoginItem{
		Platform:   host.Platform,
		Home:       host.Home,
		ConfigHome: host.ConfigHome,
		Executable: exe,
		Bundle:     selfstart.BundleOf(exe),
		UID:        host.UID,
		Launchctl:  host.Tools().Launchctl,
		Runner:     runner.Exec{Logger: logger},
	}
}
