package main

import (
	"os"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/selfstart"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart/runner"
)

// selfStarter is "Open LimaBar at Login" for this host, or nil when the
// program cannot tell where it lives.
func selfStarter(host *hostenv.Host) state.SelfStarter {
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
		Runner:     runner.Exec{},
	}
}
