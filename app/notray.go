package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/limabar/limabar/app/notify"
	"github.com/limabar/limabar/app/sessionbus"
	"github.com/limabar/limabar/app/tray"
)

// What LimaBar says, once, on a Linux desktop that shows no tray icons
// (GNOME without an extension): otherwise it would run and show nothing,
// with no word why.
const (
	noTrayTitle = "LimaBar cannot show its icon"
	noTrayBody  = "This desktop has no system tray. On GNOME, install and enable the " +
		"“AppIndicator and KStatusNotifierItem Support” extension " +
		"(Debian/Ubuntu: gnome-shell-extension-appindicator). " +
		"LimaBar keeps running, and its icon appears as soon as a tray does."
)

// trayGrace is how long a tray may take to appear before LimaBar says there
// is none: at login, LimaBar may start before the panel has registered.
const trayGrace = 2 * time.Second

// trayWatch says once when the desktop has no tray, and logs when one
// appears; the tray library shows the icon then by itself.
type trayWatch struct {
	logger *slog.Logger
	stderr io.Writer
	notify func(ctx context.Context, title, body string) (uint32, error)
	// after runs f once d has passed (time.AfterFunc; tests fire it).
	after func(d time.Duration, f func()) *time.Timer

	mu      sync.Mutex
	present bool
	timer   *time.Timer
	said    sync.Once
}

// watchTray runs a trayWatch on the session bus until ctx ends.
func watchTray(ctx context.Context, logger *slog.Logger, stderr io.Writer, display string) {
	// Never a bus of its own: with none, there is no tray to tell about.
	conn, err := sessionbus.Connect(ctx)
	if err != nil {
		logger.Warn("cannot tell whether the desktop has a system tray", "err", err)
		return
	}
	defer conn.Close()
	w := &trayWatch{logger: logger, stderr: stderr, notify: notify.New(conn, "LimaBar").Notify, after: time.AfterFunc}
	xembed := func() bool {
		ok, err := tray.XEmbedTray(display)
		if err != nil {
			logger.Debug("no X11 system tray", "err", err)
		}
		return ok
	}
	if err := tray.WatchHosts(ctx, conn, xembed, func(h tray.Hosts) { w.changed(ctx, h) }); err != nil {
		logger.Warn("cannot tell whether the desktop has a system tray", "err", err)
	}
	w.mu.Lock()
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
}

// changed takes the desktop's tray hosts as they are now.
func (w *trayWatch) changed(ctx context.Context, h tray.Hosts) {
	w.mu.Lock()
	defer w.mu.Unlock()
	was := w.present
	w.present = h.Any()
	switch {
	case w.present && !was:
		w.logger.Info("system tray found", "statusNotifierHost", h.StatusNotifier, "xembed", h.XEmbed)
	case !w.present && w.timer == nil:
		w.timer = w.after(trayGrace, func() { w.sayIfStillNone(ctx) })
	}
}

// sayIfStillNone tells the user, on stderr, in the log and in a desktop
// notification, once per process, that no tray shows the icon.
func (w *trayWatch) sayIfStillNone(ctx context.Context) {
	w.mu.Lock()
	present := w.present
	w.mu.Unlock()
	if present {
		return
	}
	w.said.Do(func() {
		fmt.Fprintf(w.stderr, "limabar: %s: %s\n", noTrayTitle, noTrayBody)
		w.logger.Warn("no system tray", "hint", noTrayBody)
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := w.notify(ctx, noTrayTitle, noTrayBody); err != nil {
			w.logger.Warn("cannot send a notification", "err", err)
		}
	})
}
