package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/logfile"
)

// runApp runs the menu-bar app: logging to the log file, the Service, then
// the tray until Quit or a signal.
func runApp(ctx context.Context) error {
	probe, err := hostenv.Detect(hostenv.Options{})
	if err != nil {
		return err
	}
	logger, closeLog := openLog(probe.LogPath())
	defer closeLog()
	live, host, err := newLive(logger, "")
	if err != nil {
		logger.Error("cannot start", "err", err)
		return err
	}
	live.SelfStart = selfStarter(host)
	logger.Info("LimaBar starting", "version", version, "platform", host.Platform,
		"limactl", host.Limactl, "limaHome", host.LimaHome, "testMode", host.TestMode)
	return runGUI(ctx, live, host.Platform, logger)
}

// openLog opens the rotated log; LIMABAR_DEBUG=1 logs each external command.
// When the log cannot be opened the app still runs, logging to stderr.
func openLog(path string) (*slog.Logger, func()) {
	level := slog.LevelInfo
	if os.Getenv("LIMABAR_DEBUG") == "1" {
		level = slog.LevelDebug
	}
	var w io.Writer = os.Stderr
	closeFn := func() {}
	if f, err := logfile.Open(path, logfile.DefaultMaxSize); err == nil {
		w, closeFn = f, func() { f.Close() }
	} else {
		fmt.Fprintf(os.Stderr, "limabar: cannot open the log (%v); logging to stderr\n", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), closeFn
}
