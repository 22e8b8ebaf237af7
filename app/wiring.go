package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/limabar/limabar/app/cli"
	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// newLive reads the host and builds the Service the app and the command line
// share. asUser, when running as root, makes the engine act for that account
// (a boot job made over SSH or by a configuration tool).
func newLive(logger *slog.Logger, asUser string) (*state.Live, *hostenv.Host, error) {
	host, err := hostenv.Detect(hostenv.Options{Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	if host.IsRoot && host.Platform == autostart.Linux {
		// User units and lingering belong to the user; root writing into a
		// user's home leaves root-owned folders behind.
		return nil, nil, errors.New("run limabar as the user who owns the instances, not as root: on Linux their units live in that user's systemd")
	}
	if asUser != "" && host.IsRoot {
		if err := host.ActAs(asUser); err != nil {
			return nil, nil, err
		}
	}
	r := runner.Exec{Logger: logger}
	env, err := host.Env(r)
	if err != nil {
		return nil, nil, err
	}
	engine, err := autostart.New(env)
	if err != nil {
		return nil, nil, err
	}
	live := &state.Live{
		Platform:   host.Platform,
		Lima:       &lima.Client{Limactl: host.Limactl, LimaHome: host.LimaHome, Runner: limaRunner(host, logger)},
		Engine:     engine,
		LimactlErr: host.LimactlErr,
		Logger:     logger,
		// limactl refuses to run as root; as root, instances are found by
		// their folders instead.
		ByFolder: host.IsRoot,
		// A missing LIMA_HOME (an external volume not mounted yet) is shown
		// and refuses new registrations, but never stops the app or the
		// removal of a stale registration.
		SetupErr: host.CheckLimaHome(),
	}
	return live, host, nil
}

// limaRunner runs limactl with LIMA_HOME set to the one LimaBar uses, which
// may come from settings or the login shell rather than the environment.
func limaRunner(host *hostenv.Host, logger *slog.Logger) runner.Runner {
	return runner.Exec{Logger: logger, Env: host.LimactlEnviron()}
}

func newBackend(user string) (cli.Backend, error) {
	live, _, err := newLive(slog.New(slog.DiscardHandler), user)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return live, nil
}
