package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/logfile"
	"github.com/limabar/limabar/app/state"
)

// debugVar set to 1 logs every external command: argv, exit status and
// duration.
const debugVar = "LIMABAR_DEBUG"

// runApp runs the menu-bar app: it reads the host once without running
// anything, opens the log, then shows the tray at once while the rest of
// the start-up (the login shell on a Mac, the engine) runs behind it.
func runApp(ctx context.Context) error {
	host, err := hostenv.Probe(hostenv.Options{})
	if err != nil {
		return err
	}
	if err := refuseRoot(host); err != nil {
		return err
	}
	logger, closeLog := openLog(host.LogPath())
	defer closeLog()
	// Anything that logs without being handed a logger logs here too.
	slog.SetDefault(logger)
	host.SetLogger(logger)
	logger.Info("LimaBar starting", "version", version, "platform", host.Platform, "testMode", host.TestMode)
	return runGUI(ctx, host, logger, systrayToolkit{}, closeLog)
}

// startService is the slow part of the start-up, run behind the tray: the
// login shell (at most once, bounded), then the engine and limactl client.
func startService(ctx context.Context, host *hostenv.Host, logger *slog.Logger) (state.Service, error) {
	if err := host.Complete(ctx); err != nil {
		return nil, err
	}
	live, err := newLive(host, logger, "")
	if err != nil {
		return nil, err
	}
	live.SelfStart = selfStarter(host, logger)
	// The menu shows a change once it is made, and systemd's reload
	// follows (gui.run runs it).
	live.DeferAfter = true
	logger.Info("LimaBar ready", "limactl", host.Limactl, "limaHome", host.LimaHome, "session", string(host.Session))
	return live, nil
}

// openLog opens the rotated log; LIMABAR_DEBUG=1 logs each external command.
// When the log cannot be opened the app still runs, logging to stderr.
func openLog(path string) (*slog.Logger, func()) {
	level := slog.LevelInfo
	if os.Getenv(debugVar) == "1" {
		level = slog.LevelDebug
	}
	var w io.Writer = os.Stderr
	closeFn := func() {}
	if f, err := logfile.Open(path, logfile.DefaultMaxSize); err == nil {
		var once sync.Once
		w, closeFn = f, func() { once.Do(func() { f.Close() }) }
	} else {
		fmt.Fprintf(os.Stderr, "limabar: cannot open the log (%v); logging to stderr\n", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), closeFn
}
