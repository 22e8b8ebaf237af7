package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/limabar/limabar/app/cli"
	"github.com/limabar/limabar/app/colima"
	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	names "github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/runner"
)

// refuseRoot stops LimaBar run as root on Linux before anything is shown.
func refuseRoot(host *hostenv.Host) error {
	// The rule (cli.AccountRule) is stated once, for the app and the
	// command line alike.
	return cli.AccountRule(cli.Who{Platform: host.Platform, Root: host.IsRoot, Self: host.User}, "", "")
}

// newLive builds the Service the app and the command line share from a host
// read once (hostenv.Detect, or Probe and Complete). asUser, when running
// as root, makes the engine act for that account (a boot job made over SSH
// or by a configuration tool). Every command runs through a runner that
// logs to logger.
func newLive(host *hostenv.Host, logger *slog.Logger, asUser string) (*state.Live, error) {
	if err := refuseRoot(host); err != nil {
		return nil, err
	}
	if asUser != "" && host.IsRoot {
		if err := host.ActAs(asUser); err != nil {
			return nil, err
		}
	}
	r := runner.Exec{Logger: logger}
	env, err := host.Env(r)
	if err != nil {
		return nil, err
	}
	engine, err := autostart.New(env)
	if err != nil {
		return nil, err
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
	attachColima(live, host, logger)
	attachHealth(live, host, env, logger)
	return live, nil
}

// attachColima lets the Service list Colima's profiles (limactl on
// Colima's Lima home) and run colima for them, with the COLIMA_HOME found.
func attachColima(live *state.Live, host *hostenv.Host, logger *slog.Logger) {
	if host.ColimaHome == "" {
		return
	}
	live.Colima = &colima.Client{
		Colima: host.Colima,
		Home:   host.ColimaHome,
		Limactl: &lima.Client{Limactl: host.Limactl, LimaHome: names.LimaHome(host.ColimaHome),
			Runner: runner.Exec{Logger: logger, Env: host.ColimaLimactlEnviron()}},
		Runner: runner.Exec{Logger: logger, Env: host.ColimaEnviron()},
	}
	live.ColimaErr = host.ColimaErr
}

// attachHealth gives the Service the service manager's view of the
// registered jobs: the user's systemd over D-Bus on Linux, `launchctl
// print` on a Mac. Without it the menu shows registrations but not whether they
// worked.
func attachHealth(live *state.Live, host *hostenv.Host, env autostart.Env, logger *slog.Logger) {
	if host.Platform == autostart.Darwin {
		r := runner.Exec{Logger: logger}
		live.Process = state.PsProcess{Runner: r}
		live.Health = &state.LaunchdHealth{Runner: r, Launchctl: host.Tools().Launchctl, UID: host.UID, Process: live.Process,
			Elevator: env.Elevator, ScriptTools: env.ScriptTools, LaunchAgents: env.LaunchAgentsDir(), StateDir: env.StateDir}
		return
	}
	h, err := state.ConnectSystemdHealth(context.Background(), runner.Exec{Logger: logger}, logger)
	if err != nil {
		logger.Info("autostart health not available", "err", err)
		return
	}
	live.Health = h
}

// limaRunner runs limactl with LIMA_HOME set to the one LimaBar uses, which
// may come from settings or the login shell rather than the environment.
func limaRunner(host *hostenv.Host, logger *slog.Logger) runner.Runner {
	return runner.Exec{Logger: logger, Env: host.LimactlEnviron()}
}

// newBackend reads the host once and builds the command line's Service.
// LIMABAR_DEBUG=1 logs each external command to stderr.
func newBackend(user string) (cli.Backend, error) {
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv(debugVar) == "1" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	host, err := hostenv.Detect(hostenv.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	live, err := newLive(host, logger, user)
	if err != nil {
		return nil, err
	}
	return live, nil
}
