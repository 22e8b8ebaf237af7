package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/app/ui"
	"github.com/limabar/limabar/autostart"
)

// toolkit is what runGUI needs from the tray: Run draws it and runs its
// event loop on the main goroutine until Quit, calling ready once it can
// draw and exit when it ends; Quit may come from any goroutine at any
// time, before Run too. On a Mac the process ends right after exit, and
// Run never returns. systrayToolkit is the real one; tests stand in for it
// at this seam, the one the macOS build uses too.
type toolkit interface {
	Run(onClick func(menu.Action), ready func(ui.View), exit func())
	Quit()
}

type systrayToolkit struct{}

func (systrayToolkit) Run(onClick func(menu.Action), ready func(ui.View), exit func()) {
	tray.Run(tray.Options{Icons: tray.DefaultIcons(), OnClick: onClick, OnExit: exit}, func(t *tray.Tray) { ready(t) })
}

func (systrayToolkit) Quit() { tray.Quit() }

// lateService is the Service while the start-up is still under way: the
// menu is drawn before the login shell has answered, and every call waits
// for the real Service (or the start-up's failure) instead of failing.
type lateService struct {
	platform autostart.Platform
	ready    chan struct{}
	once     sync.Once
	svc      state.Service
	err      error
}

var _ state.Service = (*lateService)(nil)

func newLateService(p autostart.Platform) *lateService {
	return &lateService{platform: p, ready: make(chan struct{})}
}

// connect runs start and hands its Service, or its error, to every call
// waiting. A panic in start becomes its error: the app stays up to say so.
func (l *lateService) connect(ctx context.Context, logger *slog.Logger, start func(context.Context) (state.Service, error)) {
	var svc state.Service
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				logger.Error("start-up panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				svc, err = nil, ui.PanicError(p)
			}
		}()
		svc, err = start(ctx)
	}()
	if err != nil {
		logger.Error("cannot start", "err", err)
		err = fmt.Errorf("LimaBar could not start: %w", err)
	}
	l.once.Do(func() {
		l.svc, l.err = svc, err
		close(l.ready)
	})
}

// wait returns the Service once the start-up is done.
func (l *lateService) wait(ctx context.Context) (state.Service, error) {
	select {
	case <-l.ready:
		return l.svc, l.err
	case <-ctx.Done():
		return nil, fmt.Errorf("LimaBar is still starting: %w", ctx.Err())
	}
}

func (l *lateService) Snapshot(ctx context.Context) state.Snapshot {
	svc, err := l.wait(ctx)
	if err != nil {
		return state.Snapshot{Platform: l.platform, Limactl: "limactl", ListErr: err.Error()}
	}
	return svc.Snapshot(ctx)
}

// Restat implements state.Restater once the Service does.
func (l *lateService) Restat(ctx context.Context, prev state.Snapshot) state.Snapshot {
	svc, err := l.wait(ctx)
	if err != nil {
		return state.Snapshot{Platform: l.platform, Limactl: "limactl", ListErr: err.Error()}
	}
	if r, ok := svc.(state.Restater); ok {
		return r.Restat(ctx, prev)
	}
	return svc.Snapshot(ctx)
}

func (l *lateService) Enable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	svc, err := l.wait(ctx)
	if err != nil {
		return autostart.Result{}, err
	}
	return svc.Enable(ctx, name, c)
}

func (l *lateService) Disable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	svc, err := l.wait(ctx)
	if err != nil {
		return autostart.Result{}, err
	}
	return svc.Disable(ctx, name, c)
}

// EnableTakingOver implements state.TakeOverEnabler where the Service
// does; else it is Enable, which the engine refuses while brew services
// starts the profile.
func (l *lateService) EnableTakingOver(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	svc, err := l.wait(ctx)
	if err != nil {
		return autostart.Result{}, err
	}
	if t, ok := svc.(state.TakeOverEnabler); ok {
		return t.EnableTakingOver(ctx, name, c)
	}
	return svc.Enable(ctx, name, c)
}

func (l *lateService) Repair(ctx context.Context, name string) (autostart.Result, error) {
	svc, err := l.wait(ctx)
	if err != nil {
		return autostart.Result{}, err
	}
	return svc.Repair(ctx, name)
}

// instanceCall waits for the Service and runs one of its instance calls.
func (l *lateService) instanceCall(ctx context.Context, call func(state.Service) error) error {
	svc, err := l.wait(ctx)
	if err != nil {
		return err
	}
	return call(svc)
}

func (l *lateService) Start(ctx context.Context, name string) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.Start(ctx, name) })
}

func (l *lateService) Stop(ctx context.Context, name string) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.Stop(ctx, name) })
}

func (l *lateService) Restart(ctx context.Context, name string) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.Restart(ctx, name) })
}

func (l *lateService) SetSelfStart(ctx context.Context, on bool) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.SetSelfStart(ctx, on) })
}

// started is the Service once the start-up is done, nil before it or when
// it failed.
func (l *lateService) started() state.Service {
	select {
	case <-l.ready:
		return l.svc
	default:
		return nil
	}
}

// WatchDirs is asked after the first snapshot, so after the start-up.
func (l *lateService) WatchDirs() []string {
	if s := l.started(); s != nil {
		return s.WatchDirs()
	}
	return nil
}

func (l *lateService) TryAgain(ctx context.Context, name string, c autostart.Condition) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.TryAgain(ctx, name, c) })
}

func (l *lateService) StopRetrying(ctx context.Context, name string, c autostart.Condition) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.StopRetrying(ctx, name, c) })
}

func (l *lateService) FixStale(ctx context.Context, name string) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.FixStale(ctx, name) })
}

// WatchHealth waits for the start-up, like the snapshot it follows.
func (l *lateService) WatchHealth(ctx context.Context, changed func()) error {
	return l.instanceCall(ctx, func(s state.Service) error { return s.WatchHealth(ctx, changed) })
}

// StateDir is asked after the first snapshot, so after the start-up.
func (l *lateService) StateDir() string {
	if s := l.started(); s != nil {
		return s.StateDir()
	}
	return ""
}
