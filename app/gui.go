package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/lastsnap"
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/app/ui"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// quitWait is how long the toolkit's exit callback waits for the work in
// flight (actions, what is left of a change, systemd's reload) to finish.
var quitWait = 10 * time.Second

// runGUI runs the menu-bar app until the user quits or ctx ends. It must be
// called on the main goroutine: macOS draws menus only there. The icon and
// its menu come first; the rest of the start-up (startService) runs behind
// them and fills the menu when it is done. stopped runs last, after the
// line "menu-bar app stopped" (it closes the log).
//
// Everything that must happen before the program ends happens in the
// toolkit's exit callback: on a Mac, systray's quit ([NSApp terminate:])
// runs it and then exits the process, so kit.Run never returns there
// (systray_darwin.m; getlantern/systray#212). The same path runs on Linux,
// where kit.Run returns after it.
func runGUI(ctx context.Context, host *hostenv.Host, logger *slog.Logger, kit toolkit, stopped func()) error {
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no graphical session (DISPLAY and WAYLAND_DISPLAY are unset): use the command line, see limabar help")
	}
	var desktop tray.Desktop = tray.NewXDG(runner.Exec{Logger: logger})
	if host.Platform == autostart.Darwin {
		// Only the menu-bar app builds the Mac's desktop: it opens the
		// notification center, which the command line must never touch.
		// Its notifications, clicks included, go through the loop as
		// the XDG desktop's do: a click on one runs the loop's Show Log.
		r := runner.Exec{Logger: logger}
		mac := macos.NewDesktop(&tray.MacCommands{Cmd: tray.SystemCommands(r), Osascript: host.Osascript()}, r, logger)
		defer mac.Close()
		desktop = mac
		// On a Mac the process ends in the toolkit's exit callback,
		// where no defer runs: what is queued is posted there, before
		// the log closes, for at most quitWait.
		closeLog := stopped
		stopped = func() {
			closeWithin(mac.Close, quitWait, logger)
			closeLog()
		}
	}
	return runMenu(ctx, menuApp{
		platform: host.Platform,
		desktop:  desktop,
		logger:   logger,
		kit:      kit,
		start: func(ctx context.Context) (state.Service, error) {
			return startService(ctx, host, logger)
		},
		last:      lastMenu(host, logger),
		stopped:   stopped,
		watchTray: host.Platform == autostart.Linux && runtime.GOOS == "linux",
	})
}

// menuApp is what runMenu wires together.
type menuApp struct {
	platform autostart.Platform
	desktop  tray.Desktop
	logger   *slog.Logger
	kit      toolkit
	// start is the slow part of the start-up, run behind the menu.
	start     func(context.Context) (state.Service, error)
	last      ui.LastMenu
	stopped   func()
	watchTray bool
}

// runMenu runs the menu: the single-instance lock, the loop of app/ui, the
// start-up behind it, and the toolkit on the calling goroutine.
func runMenu(ctx context.Context, app menuApp) error {
	logger := app.logger
	unlock, err := lockSingleInstance()
	if err != nil {
		return err
	}
	// A signal quits through the toolkit, like Quit in the menu: the
	// loop, the start-up and the watchers end in the exit callback.
	live, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := newLateService(app.platform)
	mailbox := ui.NewMailbox()
	loop := ui.New(ui.Config{
		Service: svc,
		Desktop: app.desktop,
		Logger:  logger,
		Mailbox: mailbox,
		Quit:    app.kit.Quit,
		Last:    app.last,
		Version: version,
	})
	logger.Info("menu-bar app starting", "platform", app.platform)
	if app.watchTray {
		go watchTray(live, logger, os.Stderr, os.Getenv("DISPLAY"))
	}
	go svc.connect(live, logger, app.start)
	go loop.Run(live)
	// A signal at any moment of the start-up quits: the toolkit keeps a
	// Quit that comes before it is ready.
	go func() {
		select {
		case <-ctx.Done():
			loop.Send(ui.QuitAsked{})
		case <-loop.Done():
		}
	}()
	var once sync.Once
	exit := func() {
		once.Do(func() {
			// Drawing stops first: on a Mac this runs on the main
			// thread, which a draw would wait for.
			loop.Gone()
			select {
			case <-loop.Done():
			case <-time.After(quitWait):
				logger.Warn("an action is still running as LimaBar ends")
			}
			cancel()
			unlock()
			logger.Info("menu-bar app stopped")
			app.stopped()
		})
	}
	app.kit.Run(loop.Click, func(v ui.View) {
		go mailbox.Serve(v)
		loop.Send(ui.ToolkitReady{})
	}, exit)
	exit()
	return nil
}

// closeWithin runs closeFn and waits for it for at most d.
func closeWithin(closeFn func(), d time.Duration, logger *slog.Logger) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		closeFn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		logger.Warn("notifications still queued as LimaBar ends")
	}
}

// lastMenu keeps the last menu in LimaBar's state folder, for the next
// start.
func lastMenu(host *hostenv.Host, logger *slog.Logger) ui.LastMenu {
	return lastsnap.New(host.StateDir(), logger)
}

// lockSingleInstance makes a second LimaBar of the same user exit instead
// of adding a second icon.
func lockSingleInstance() (func(), error) {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("limabar-%d.lock", os.Getuid()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create the lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.New("LimaBar is already running")
		}
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
