package ui

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/notified"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/app/watch"
	"github.com/limabar/limabar/autostart"
)

// LastMenu keeps the last snapshot read, so that the next start draws it at
// once (marked as being refreshed) instead of an empty menu.
type LastMenu interface {
	Load() (state.Snapshot, bool)
	Save(state.Snapshot)
}

// NoLastMenu keeps nothing.
type NoLastMenu struct{}

func (NoLastMenu) Load() (state.Snapshot, bool) { return state.Snapshot{}, false }
func (NoLastMenu) Save(state.Snapshot)          {}

// Clock is the loop's time: timers only, Update has none.
type Clock interface {
	AfterFunc(d time.Duration, f func())
}

// RealClock is the system's.
type RealClock struct{}

func (RealClock) AfterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }

// Executor runs the effects' work off the loop.
type Executor interface {
	Go(task func())
}

// GoExecutor runs each task on a goroutine of its own.
type GoExecutor struct{}

func (GoExecutor) Go(task func()) { go task() }

// Config is what the loop needs.
type Config struct {
	Service state.Service
	Desktop tray.Desktop
	Logger  *slog.Logger
	Mailbox *Mailbox
	// Quit asks the toolkit to end; it may wait for the main thread, so
	// it runs off the loop.
	Quit     func()
	Last     LastMenu
	Clock    Clock
	Executor Executor
	Timings  Timings
	Version  string
	// SnapshotTimeout bounds one read even if the Service does not bound
	// its own commands; FinishTimeout, what is left of a change.
	SnapshotTimeout, FinishTimeout time.Duration
	// Watch watches the folders and the service manager until ctx ends,
	// sending their changes; nil for the real watchers.
	Watch func(ctx context.Context, homes []string, send func(Event))
}

// Loop is the one goroutine that owns the GUI's state.
type Loop struct {
	cfg    Config
	events chan Event
	done   chan struct{}
	ctx    context.Context
	// record is the notified failures, opened on the loop at the first
	// notice (the Service's state folder is known then).
	record *notified.Record
	// state is touched by Run's goroutine only.
	state State
}

// New returns a loop; Run runs it.
func New(cfg Config) *Loop {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Last == nil {
		cfg.Last = NoLastMenu{}
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Executor == nil {
		cfg.Executor = GoExecutor{}
	}
	if cfg.Timings == (Timings{}) {
		cfg.Timings = DefaultTimings
	}
	if cfg.SnapshotTimeout == 0 {
		cfg.SnapshotTimeout = 60 * time.Second
	}
	if cfg.FinishTimeout == 0 {
		cfg.FinishTimeout = 60 * time.Second
	}
	if cfg.Quit == nil {
		cfg.Quit = func() {}
	}
	if cfg.Mailbox == nil {
		cfg.Mailbox = NewMailbox()
	}
	return &Loop{cfg: cfg, events: make(chan Event), done: make(chan struct{})}
}

// Done is closed when the loop has ended.
func (l *Loop) Done() <-chan struct{} { return l.done }

// Send hands e to the loop; it returns at once once the loop has ended.
func (l *Loop) Send(e Event) {
	select {
	case l.events <- e:
	case <-l.done:
	}
}

// Click hands a clicked item to the loop. It never waits for more than the
// loop taking it.
func (l *Loop) Click(a menu.Action) { l.Send(Clicked{Action: a}) }

// syncEvent is handled by the loop itself: done is closed once every event
// sent before it has been handled.
type syncEvent struct{ done chan struct{} }

func (syncEvent) event() {}

// Sync returns once the loop has handled every event sent before, or has
// ended.
func (l *Loop) Sync() {
	done := make(chan struct{})
	l.Send(syncEvent{done})
	select {
	case <-done:
	case <-l.done:
	}
}

// Gone is the toolkit's exit callback's first half: drawing stops, and the
// loop finishes what is in flight; Done is closed when it has (the caller
// bounds the wait).
func (l *Loop) Gone() {
	l.cfg.Mailbox.Close()
	l.Send(ToolkitGone{})
}

// Run runs the loop until everything in flight has finished after the
// toolkit went, or ctx ends. ctx also bounds the reads and watchers.
func (l *Loop) Run(ctx context.Context) {
	defer close(l.done)
	l.ctx = ctx
	l.state = NewState(l.cfg.Timings)
	started := Started{}
	if s, ok := l.cfg.Last.Load(); ok {
		started.Last = &s
	}
	if l.handle(started) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-l.events:
			if s, ok := e.(syncEvent); ok {
				close(s.done)
				continue
			}
			if l.handle(e) {
				return
			}
		}
	}
}

// handle applies e and carries out the effects; it reports whether the
// loop ends.
func (l *Loop) handle(e Event) bool {
	var effects []Effect
	l.state, effects = Update(l.state, e)
	stop := false
	for _, ef := range effects {
		if _, ok := ef.(Stop); ok {
			stop = true
			continue
		}
		l.carryOut(ef)
	}
	return stop
}

func (l *Loop) carryOut(ef Effect) {
	log := l.cfg.Logger
	switch ef := ef.(type) {
	case Draw:
		if !l.state.Gone {
			l.cfg.Mailbox.Post(menu.Build(l.state.Input(l.cfg.Version)))
		}
	case Log:
		log.Log(context.Background(), ef.Level, ef.Msg, ef.Args...)
	case After:
		l.cfg.Clock.AfterFunc(ef.D, func() { l.Send(ef.Event) })
	case Read:
		l.cfg.Executor.Go(func() { l.read(ef) })
	case Run:
		l.cfg.Executor.Go(func() {
			began := time.Now()
			res, err := performRecovering(log, l.cfg, ef)
			l.Send(ActionDone{Action: ef.Action, Result: res, Err: err, Took: time.Since(began)})
		})
	case RunStep:
		l.cfg.Executor.Go(func() {
			began := time.Now()
			err := l.finish(ef.Action, ef.Pending)
			l.Send(StepDone{Action: ef.Action, Err: err, Took: time.Since(began)})
		})
	case RunReload:
		l.cfg.Executor.Go(func() {
			l.Send(ReloadDone{Action: ef.Action, Err: l.finish(ef.Action, ef.Pending)})
		})
	case Notify:
		l.cfg.Executor.Go(func() {
			recovering(log, "notification", func() {
				if err := l.cfg.Desktop.Notify(ef.Title, ef.Msg); err != nil {
					log.Debug("no notification shown", "err", err)
				}
			})
		})
	case Alert:
		l.cfg.Executor.Go(func() {
			recovering(log, "alert", func() {
				if err := l.cfg.Desktop.Alert(ef.Title, ef.Msg); err != nil {
					log.Warn("cannot show the error", "err", err)
				}
			})
		})
	case HealthNotices:
		if l.record == nil {
			l.record = notified.Open(l.cfg.Service.StateDir())
		}
		rec := l.record
		l.cfg.Executor.Go(func() {
			recovering(log, "notification", func() { l.tell(rec, ef) })
		})
	case StartWatchers:
		watchFn := l.cfg.Watch
		if watchFn == nil {
			watchFn = l.watch
		}
		// The watchers live as long as the loop: not a task of the
		// executor, whose tasks end.
		go watchFn(l.ctx, ef.Homes, l.Send)
	case SaveLast:
		l.cfg.Executor.Go(func() {
			recovering(log, "keeping the last menu", func() { l.cfg.Last.Save(ef.Snap) })
		})
	case QuitToolkit:
		l.cfg.Executor.Go(l.cfg.Quit)
	}
}

// read reads one snapshot, bounded.
func (l *Loop) read(r Read) {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.SnapshotTimeout)
	defer cancel()
	began := time.Now()
	var s state.Snapshot
	if rs, ok := l.cfg.Service.(state.Restater); ok && !r.Full && r.Prev != nil {
		s = rs.Restat(ctx, *r.Prev)
	} else {
		s = l.cfg.Service.Snapshot(ctx)
	}
	l.Send(ReadDone{Read: r.Read, Snap: s, Took: time.Since(began)})
}

// finish runs what is left of a change (systemd's reload), bounded so that
// a hung systemctl cannot hold the exit for ever; its failure is the
// action's: the change stays made.
func (l *Loop) finish(a menu.Action, pending func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			logPanic(l.cfg.Logger, a, p)
			err = PanicError(p)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.FinishTimeout)
	defer cancel()
	return pending(ctx)
}

// tell notifies each failed autostart of n once: not at every read, and
// not again after a restart of LimaBar while the same failure stands.
// Where the desktop lets a notification be clicked, the click (or its Show
// Log button) goes through the loop like a click in the menu.
func (l *Loop) tell(rec *notified.Record, n HealthNotices) {
	log := l.cfg.Logger
	for _, job := range n.Well {
		if err := rec.Clear(job); err != nil {
			log.Warn("cannot update the notified failures", "err", err)
		}
	}
	for _, no := range n.Failed {
		h := no.Health
		first, err := rec.First(no.Job, h.Key(no.Instance, string(no.Condition), rec.Boot))
		if err != nil {
			log.Warn("cannot update the notified failures", "err", err)
		}
		if !first {
			continue
		}
		log.Warn("autostart failed", "instance", no.Instance, "condition", string(no.Condition),
			"state", string(h.State), "reason", h.Reason, "exit", h.ExitCode, "restarts", h.Restarts)
		if no.Show.Kind == menu.None {
			err = l.cfg.Desktop.Notify(no.Title, no.Msg)
		} else {
			show := no.Show
			err = l.cfg.Desktop.NotifyAction(no.Title, no.Msg, "Show Log", func() { l.Click(show) })
		}
		if err != nil {
			log.Debug("no notification shown", "err", err)
		}
	}
}

// watch reads the snapshot again whenever one of the Lima homes (LIMA_HOME,
// Colima's) or a registration folder changes, and whenever the service
// manager says a job changed. A home is watched for its instance folders
// only (watch.InstanceNames). Without it the menu still refreshes after
// each action and on Refresh.
func (l *Loop) watch(ctx context.Context, homes []string, send func(Event)) {
	log := l.cfg.Logger
	homes = slices.DeleteFunc(slices.Clone(homes), func(h string) bool { return h == "" })
	isHome := func(d string) bool {
		return slices.ContainsFunc(homes, func(h string) bool { return filepath.Clean(h) == filepath.Clean(d) })
	}
	paths := l.cfg.Service.WatchDirs()
	for _, h := range homes {
		if !slices.ContainsFunc(paths, func(d string) bool { return filepath.Clean(d) == filepath.Clean(h) }) {
			paths = append(paths, h)
		}
	}
	var dirs []watch.Dir
	for _, d := range paths {
		wd := watch.Dir{Path: d}
		if isHome(d) {
			wd.Names = watch.InstanceNames
		}
		dirs = append(dirs, wd)
	}
	w, err := watch.New(dirs, watch.Options{Logger: log})
	if err != nil {
		log.Warn("changes made outside LimaBar will show only after Refresh", "err", err)
	} else {
		log.Debug("watching", "folders", w.Watched())
		go func() {
			if err := w.RunChanges(ctx, func(c watch.Change) { send(FolderChanged{Change: c}) }); err != nil {
				log.Warn("stopped watching for changes", "err", err)
			}
		}()
	}
	if err := l.cfg.Service.WatchHealth(ctx, func() { send(HealthChanged{}) }); err != nil {
		log.Warn("failed autostarts will show only after a refresh", "err", err)
	}
}

// PanicError is what a panic in an action becomes: the menu shows it as
// that action's failure, the log has the stack.
func PanicError(p any) error {
	return fmt.Errorf("internal error in LimaBar (%v); the log has the details", p)
}

func logPanic(log *slog.Logger, a menu.Action, p any) {
	log.Error("action panicked", "action", a.Kind.String(), "instance", a.Instance,
		"condition", string(a.Condition), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
}

// recovering runs fn with a panic logged: a notification service that
// went away must not end the program.
func recovering(log *slog.Logger, what string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			log.Error(what+" panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// performRecovering is perform with a panic turned into an error: a bug
// met by one action (in the engine, limactl's parsing, a desktop call) is
// that action's failure, shown and logged like any other, and never ends
// the program with every other action in flight.
func performRecovering(log *slog.Logger, cfg Config, r Run) (res autostart.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			logPanic(log, r.Action, p)
			res, err = autostart.Result{}, PanicError(p)
		}
	}()
	return perform(cfg, r)
}

// perform calls the Service or the desktop for one action. Actions outlive
// a quit on purpose: a VM half started when LimaBar quits keeps starting.
func perform(cfg Config, r Run) (autostart.Result, error) {
	ctx := context.Background()
	svc, d, a := cfg.Service, cfg.Desktop, r.Action
	switch a.Kind {
	case menu.Start:
		return autostart.Result{}, svc.Start(ctx, a.Instance)
	case menu.Stop:
		return autostart.Result{}, svc.Stop(ctx, a.Instance)
	case menu.Restart:
		return autostart.Result{}, svc.Restart(ctx, a.Instance)
	case menu.Enable:
		// Only a switch that says it takes over from brew services
		// does; else the engine refuses rather than add a second job.
		if t, ok := svc.(state.TakeOverEnabler); ok && a.TakeOver {
			return t.EnableTakingOver(ctx, a.Instance, a.Condition)
		}
		return svc.Enable(ctx, a.Instance, a.Condition)
	case menu.Disable:
		return svc.Disable(ctx, a.Instance, a.Condition)
	case menu.Repair:
		return svc.Repair(ctx, a.Instance)
	case menu.SetSelfStart:
		return autostart.Result{}, svc.SetSelfStart(ctx, a.On)
	case menu.OpenShell:
		return autostart.Result{}, d.OpenTerminal(r.Shell)
	case menu.ShowLog:
		return autostart.Result{}, d.OpenFile(a.Target)
	case menu.OpenFolder:
		return autostart.Result{}, d.OpenFolder(a.Target)
	case menu.OpenURL:
		return autostart.Result{}, d.OpenURL(a.Target)
	case menu.TryAgain:
		return autostart.Result{}, svc.TryAgain(ctx, a.Instance, a.Condition)
	case menu.StopRetrying:
		return autostart.Result{}, svc.StopRetrying(ctx, a.Instance, a.Condition)
	case menu.FixStale:
		return autostart.Result{}, svc.FixStale(ctx, a.Instance)
	}
	return autostart.Result{}, fmt.Errorf("unknown action %q", a.Kind)
}
