package main

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/loginitem"
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/app/selfstart"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// selfStarter is "Open LimaBar at Login" for this host, or nil when the
// program cannot tell where it lives. Its launchctl calls are logged like
// every other command. On a Mac it is the login item of SMAppService.mainApp
// (macOS 13 and later, run from LimaBar.app), which takes over an agent of
// an earlier LimaBar once; elsewhere, and on older macOS, the agent or the
// XDG autostart entry.
func selfStarter(host *hostenv.Host, logger *slog.Logger) state.SelfStarter {
	var service loginitem.Service
	if host.Platform == autostart.Darwin {
		service = macos.MainAppService(logger)
	}
	return selfStarterOf(host, service, logger)
}

// selfStarterOf is selfStarter with service standing for
// SMAppService.mainApp (nil where there is none).
func selfStarterOf(host *hostenv.Host, service loginitem.Service, logger *slog.Logger) state.SelfStarter {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	agent := selfstart.LoginItem{
		Platform:   host.Platform,
		Home:       host.Home,
		ConfigHome: host.ConfigHome,
		Executable: exe,
		Bundle:     selfstart.BundleOf(exe),
		UID:        host.UID,
		Launchctl:  host.Tools().Launchctl,
		Runner:     runner.Exec{Logger: logger},
	}
	if host.Platform != autostart.Darwin {
		return agent
	}
	return loginitem.New(service, agent, filepath.Join(host.StateDir(), "login-item-migrated"), logger)
}
