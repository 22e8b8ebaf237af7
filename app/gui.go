package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/notified"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/app/watch"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/runner"
)

// Timings of the app. Variables so that tests can shorten them.
var (
	// waitingAfter is how long a refresh may take before the menu says
	// it is waiting for limactl.
	waitingAfter = 2 * time.Second
	// snapshotTimeout bounds one refresh even if the Service does not
	// bound its own commands.
	snapshotTimeout = 60 * time.Second
	// reloadQuiet is how long systemd's reload after a change waits for
	// another change to share it, and reloadMax how long at most.
	reloadQuiet = 300 * time.Millisecond
	reloadMax   = 5 * time.Second
	// finishTimeout bounds what is left of a change (a reload of
	// systemd), so that a hung systemctl cannot hold the exit for ever.
	finishTimeout = 60 * time.Second
	// quitWait is how long the program waits, when it ends, for actions
	// in flight to finish their change.
	quitWait = 10 * time.Second
)

// macDesktop is the Mac's desktop: NSWorkspace (app/macos) for URLs and
// folders, which returns at once, and osascript and open (tray.MacCommands)
// for the rest. An alert and Terminal's Automation permission wait for the
// user; in a child process that wait never holds the main thread, which
// must stay free to draw the menu.
type macDesktop struct {
	*tray.MacCommands
}

var _ tray.Desktop = macDesktop{}

func (d macDesktop) OpenURL(u string) error       { return macos.OpenURL(u) }
func (d macDesktop) OpenFolder(path string) error { return macos.OpenFolder(path) }

// runGUI runs the menu-bar app until the user quits or ctx ends. It must be
// called on the main goroutine: macOS draws menus only there. The icon and
// its menu ("Reading Lima instances…") come first; the rest of the start-up
// (startService) runs behind them and fills the menu when it is done.
func runGUI(ctx context.Context, host *hostenv.Host, logger *slog.Logger, kit toolkit) error {
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no graphical session (DISPLAY and WAYLAND_DISPLAY are unset): use the command line, see limabar help")
	}
	unlock, err := lockSingleInstance()
	if err != nil {
		return err
	}
	defer unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var desktop tray.Desktop = tray.NewXDG(runner.Exec{Logger: logger})
	if host.Platform == autostart.Darwin {
		desktop = macDesktop{&tray.MacCommands{Cmd: tray.SystemCommands(runner.Exec{Logger: logger}), Osascript: host.Osascript()}}
	}
	svc := newLateService(host.Platform)
	g := newGUI(svc, desktop, logger)
	g.quit = kit.Quit
	// A signal at any moment of the start-up quits: the toolkit keeps a
	// Quit that comes before it is ready.
	go func() {
		<-ctx.Done()
		kit.Quit()
	}()
	logger.Info("menu-bar app starting", "platform", host.Platform)
	if host.Platform == autostart.Linux && runtime.GOOS == "linux" {
		go watchTray(ctx, logger, os.Stderr, os.Getenv("DISPLAY"))
	}
	go svc.connect(ctx, logger, func(ctx context.Context) (state.Service, error) {
		return startService(ctx, host, logger)
	})
	g.begin(ctx)
	kit.Run(g.click, g.show)
	g.finishBeforeExit()
	logger.Info("menu-bar app stopped")
	return nil
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

// view draws menus; *tray.Tray is the real one.
type view interface {
	Render(menu.Menu)
}

// gui owns the state the menu is drawn from and carries out clicks. Data
// flows one way: a snapshot and what is in flight go into menu.Build, the
// menu goes to the view, a click becomes a Service call on its own
// goroutine, and its end asks for a new snapshot.
type gui struct {
	svc     state.Service
	desktop tray.Desktop
	logger  *slog.Logger
	quit    func()
	view    view

	waitingAfter time.Duration

	refreshes chan struct{} // one pending refresh at most
	renderMu  sync.Mutex    // one render at a time, always of the newest state

	mu   sync.Mutex
	snap *state.Snapshot
	// full says that the pending refresh must list the instances again;
	// without it, a refresh reads the registrations of the instances
	// shown (state.Restater), which is all a registration change alters.
	full        bool
	busy        map[menu.Slot]menu.Action
	settling    map[menu.Slot]int // slot → reads started when its action ended
	reads       int
	reading     int            // the read in progress, 0 when none
	shown       int            // the last read drawn
	shownCh     chan struct{}  // closed, and replaced, when a read is drawn
	failures    []menu.Failure // newest first
	lastFailure int
	waiting     bool
	watching    bool
	// autostartQueue serialises registration changes per instance, in
	// the order of the clicks: the two switches of one instance touch each
	// other's files, and the last click must win. It holds the channel the
	// newest change closes when it ends.
	autostartQueue map[string]chan struct{}
	wg             sync.WaitGroup
	// reload is a reload of the service manager that waits for the
	// clicks to pause (reloadSoon), for reloadFor; reloadTimer runs it.
	reload      func(context.Context) error
	reloadFor   menu.Action
	reloadTimer *time.Timer
	reloadSince time.Time
	reloadGen   int        // counts reload timers, so a late one knows it is old
	reloading   sync.Mutex // held while a reload runs
	// quitting is closed when the program is about to end.
	quitting chan struct{}
	// notified remembers the autostart failures the user was told about;
	// opened at the first refresh, in the Service's state folder.
	notified *notified.Record
}

func newGUI(svc state.Service, desktop tray.Desktop, logger *slog.Logger) *gui {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &gui{
		svc:            svc,
		desktop:        desktop,
		logger:         logger,
		quit:           func() {},
		waitingAfter:   waitingAfter,
		refreshes:      make(chan struct{}, 1),
		busy:           map[menu.Slot]menu.Action{},
		settling:       map[menu.Slot]int{},
		shownCh:        make(chan struct{}),
		quitting:       make(chan struct{}),
		autostartQueue: map[string]chan struct{}{},
	}
}

// start shows the menu at once and keeps it up to date until ctx ends.
func (g *gui) start(ctx context.Context, v view) {
	g.begin(ctx)
	g.show(v)
}

// begin reads the first snapshot and keeps reading on request until ctx
// ends. It needs no view: what it reads before there is one is drawn by
// show.
func (g *gui) begin(ctx context.Context) {
	go g.refreshLoop(ctx)
	g.requestRefresh()
}

// show gives the menu its view and draws the newest state on it at once.
func (g *gui) show(v view) {
	g.renderMu.Lock()
	g.view = v
	g.renderMu.Unlock()
	g.render()
}

// requestRefresh asks for a snapshot with the instances listed again.
func (g *gui) requestRefresh() {
	g.mu.Lock()
	g.full = true
	g.mu.Unlock()
	g.requestRestat()
}

// requestRestat asks for the registrations and their health to be read
// again, for the instances shown: after a change of a registration,
// which alters nothing limactl lists.
func (g *gui) requestRestat() {
	select {
	case g.refreshes <- struct{}{}:
	default: // one is pending already; it will see this change too
	}
}

func (g *gui) refreshLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.refreshes:
		}
		g.refresh(ctx)
	}
}

// read reads the snapshot the pending request asked for.
func (g *gui) read(ctx context.Context) state.Snapshot {
	g.mu.Lock()
	full, prev := g.full || g.snap == nil, g.snap
	g.full = false
	g.mu.Unlock()
	if r, ok := g.svc.(state.Restater); ok && !full {
		return r.Restat(ctx, *prev)
	}
	return g.svc.Snapshot(ctx)
}

// refresh reads a snapshot and shows it. While the read takes long the
// menu keeps the last snapshot and says it is waiting.
func (g *gui) refresh(ctx context.Context) {
	g.mu.Lock()
	g.reads++
	read := g.reads
	g.reading = read
	g.mu.Unlock()

	slow := time.AfterFunc(g.waitingAfter, func() {
		g.mu.Lock()
		late := g.reading == read // not if the read ended meanwhile
		g.waiting = g.waiting || late
		g.mu.Unlock()
		if late {
			g.logger.Warn("limactl is slow to answer")
			g.render()
		}
	})
	rctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	began := time.Now()
	s := g.read(rctx)
	cancel()
	slow.Stop()
	if ctx.Err() != nil {
		return
	}
	g.logger.Debug("refreshed", "instances", len(s.Instances), "took", time.Since(began),
		"list_error", s.ListErr, "limactl_error", s.LimactlErr)

	g.mu.Lock()
	if s.ListErr != "" && g.snap != nil && len(g.snap.Instances) > 0 {
		g.logger.Warn("keeping the last instances listed", "instances", len(g.snap.Instances), "list_error", s.ListErr)
	}
	s = s.KeepLastInstances(g.snap)
	g.snap = &s
	g.reading = 0
	g.waiting = false
	// Actions that ended before this read began are now reflected in
	// it: their items can leave the busy state.
	for slot, endedAt := range g.settling {
		if endedAt < read {
			delete(g.busy, slot)
			delete(g.settling, slot)
		}
	}
	startWatch := !g.watching
	g.watching = true
	g.mu.Unlock()
	// Notify before drawing, so that a menu showing a failure means the
	// failure has been notified (or was before).
	g.notifyHealth(s)
	g.render()
	g.mu.Lock()
	g.shown = read
	close(g.shownCh)
	g.shownCh = make(chan struct{})
	g.mu.Unlock()
	if startWatch {
		g.startWatch(ctx, s.LimaHome)
	}
}

// waitShown waits until a read that began after read number after has
// been drawn, or for at most limit.
func (g *gui) waitShown(after int, limit time.Duration) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		g.mu.Lock()
		done, ch := g.shown > after, g.shownCh
		g.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			return
		case <-g.quitting:
			return
		}
	}
}

// notifyHealth tells the user, once, of each registered job that failed:
// not at every refresh, and not again after a restart of LimaBar while the
// same failure stands (the record is kept in the state folder). A job in
// the middle of a restart is not notified yet: it may come up.
func (g *gui) notifyHealth(s state.Snapshot) {
	if g.notified == nil {
		g.notified = notified.Open(g.svc.StateDir())
	}
	for _, in := range s.Instances {
		if in.Health == nil {
			continue
		}
		h, c := in.Health, in.HealthCondition
		job := in.Name + "/" + string(c)
		switch {
		case h.State == health.Running || h.State == health.Stopped:
			if err := g.notified.Clear(job); err != nil {
				g.logger.Warn("cannot update the notified failures", "err", err)
			}
		case h.Bad() && !h.Restarting:
			first, err := g.notified.First(job, h.Key(in.Name, string(c), g.notified.Boot))
			if err != nil {
				g.logger.Warn("cannot update the notified failures", "err", err)
			}
			if first {
				g.logger.Warn("autostart failed", "instance", in.Name, "condition", string(c),
					"state", string(h.State), "reason", h.Reason, "exit", h.ExitCode, "restarts", h.Restarts)
				g.notifyFailure(in, h, c)
			}
		}
	}
}

// startWatch refreshes the menu whenever LIMA_HOME or a registration folder
// changes. Without it the menu still refreshes after each action and on
// Refresh.
func (g *gui) startWatch(ctx context.Context, limaHome string) {
	var dirs []watch.Dir
	for _, d := range g.svc.WatchDirs() {
		wd := watch.Dir{Path: d}
		if limaHome != "" && filepath.Clean(d) == filepath.Clean(limaHome) {
			wd.Names = watch.InstanceNames
		}
		dirs = append(dirs, wd)
	}
	w, err := watch.New(dirs, watch.Options{Logger: g.logger})
	if err != nil {
		g.logger.Warn("changes made outside LimaBar will show only after Refresh", "err", err)
		return
	}
	g.logger.Debug("watching", "folders", w.Watched())
	go func() {
		// A change in LIMA_HOME (an instance, its ha.pid) lists the
		// instances again; one in a registration folder only reads the
		// registrations of the instances shown.
		err := w.RunChanges(ctx, func(c watch.Change) {
			if limaHome == "" || c.Touches(limaHome) {
				g.requestRefresh()
			} else {
				g.requestRestat()
			}
		})
		if err != nil {
			g.logger.Warn("stopped watching for changes", "err", err)
		}
	}()
	go func() {
		if err := g.svc.WatchHealth(ctx, g.requestRestat); err != nil {
			g.logger.Warn("failed autostarts will show only after a refresh", "err", err)
		}
	}()
}

// render draws the newest state. Renders are serialised and each builds
// from the state at its own time, so a slow render can never draw over a
// newer one with older data.
func (g *gui) render() {
	g.renderMu.Lock()
	defer g.renderMu.Unlock()
	g.mu.Lock()
	in := menu.Input{
		Snapshot: g.snap,
		Busy:     maps.Clone(g.busy),
		Failures: slices.Clone(g.failures),
		Waiting:  g.waiting,
		Version:  version,
	}
	g.mu.Unlock()
	if g.view != nil {
		g.view.Render(menu.Build(in))
	}
}

// click handles a clicked item. It runs on the tray's click goroutine and
// never blocks: work goes to a goroutine of its own.
func (g *gui) click(a menu.Action) {
	g.logger.Debug("click", "action", a.Kind.String(), "instance", a.Instance, "condition", string(a.Condition))
	switch a.Kind {
	case menu.None:
		return
	case menu.Quit:
		g.quit()
		return
	case menu.Refresh:
		g.requestRefresh()
		return
	case menu.ShowFailure:
		g.showFailure(a.Failure)
		return
	case menu.ShowText:
		go g.desktop.Alert("LimaBar", a.Target)
		return
	}
	slot, guarded := a.Slot()
	var after, done chan struct{}
	if guarded {
		g.mu.Lock()
		if running, ok := g.busy[slot]; ok {
			g.mu.Unlock()
			g.logger.Debug("ignoring a click while the same thing is in flight",
				"action", a.Kind.String(), "running", running.Kind.String(), "instance", a.Instance)
			return
		}
		g.busy[slot] = a
		if changesRegistration(a) {
			after, done = g.autostartQueue[a.Instance], make(chan struct{})
			g.autostartQueue[a.Instance] = done
		}
		g.mu.Unlock()
		g.render()
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if done != nil {
			defer g.dequeue(a.Instance, done)
		}
		// Last resort for a panic outside the action itself (perform
		// has its own): the program goes on and the item leaves its busy
		// state.
		defer func() {
			if p := recover(); p != nil {
				g.recovered(a, slot, guarded, p)
			}
		}()
		if after != nil {
			<-after
		}
		g.run(a, slot, guarded)
	}()
}

// panicError is what a panic in an action becomes: the menu shows it as
// that action's failure, the log has the stack.
func panicError(p any) error {
	return fmt.Errorf("internal error in LimaBar (%v); the log has the details", p)
}

// recovered handles a panic that escaped run: it logs it, shows it as a
// failure of a unless run already recorded one, and frees a's slot, so
// that the item does not stay busy for ever.
func (g *gui) recovered(a menu.Action, slot menu.Slot, guarded bool, p any) {
	g.logger.Error("action panicked", "action", a.Kind.String(), "instance", a.Instance,
		"condition", string(a.Condition), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	g.mu.Lock()
	if !slices.ContainsFunc(g.failures, func(f menu.Failure) bool { return f.Action == a }) {
		g.lastFailure++
		g.failures = slices.Insert(g.failures, 0, menu.Failure{ID: g.lastFailure, Action: a, Err: panicError(p).Error()})
	}
	if guarded {
		delete(g.busy, slot)
		delete(g.settling, slot)
	}
	g.mu.Unlock()
	g.render()
	if guarded {
		g.requestRefresh()
	}
}

func changesRegistration(a menu.Action) bool {
	return a.Kind == menu.Enable || a.Kind == menu.Disable || a.Kind == menu.Repair
}

func (g *gui) dequeue(name string, done chan struct{}) {
	g.mu.Lock()
	if g.autostartQueue[name] == done {
		delete(g.autostartQueue, name)
	}
	g.mu.Unlock()
	close(done)
}

// run carries out one action and reports its outcome in the menu.
func (g *gui) run(a menu.Action, slot menu.Slot, guarded bool) {
	began := time.Now()
	res, err := g.performRecovering(a)
	log := g.logger.With("action", a.Kind.String(), "instance", a.Instance, "condition", string(a.Condition), "took", time.Since(began))
	switch {
	case errors.Is(err, autostart.ErrCancelled):
		// The user dismissed the password prompt: nothing changed and
		// nothing went wrong.
		log.Info("cancelled by the user")
		err = nil
	case err != nil:
		log.Error("action failed", "err", err)
	default:
		log.Info("action done", "changed", res.Changed, "message", res.Message)
	}

	g.mu.Lock()
	g.forgetFailures(a)
	if err != nil {
		g.lastFailure++
		g.failures = slices.Insert(g.failures, 0, menu.Failure{ID: g.lastFailure, Action: a, Err: err.Error()})
		if len(g.failures) > 2*menu.MaxFailures {
			g.failures = g.failures[:2*menu.MaxFailures]
		}
	}
	endedAt := g.reads
	if guarded {
		// Keep the item busy until a snapshot read after this point is
		// shown: until then the menu would offer the old choice.
		g.settling[slot] = endedAt
	}
	g.mu.Unlock()

	if err != nil {
		g.notify(menu.FailureLine(a, err.Error()), err.Error())
	} else if res.SwitchedFrom != "" && res.Message != "" {
		g.notify(a.Instance, res.Message)
	}
	g.render()
	if guarded {
		if changesRegistration(a) {
			g.requestRestat()
		} else {
			g.requestRefresh()
		}
	}
	switch {
	case res.Pending != nil && res.PendingReloads:
		g.reloadSoon(a, res.Pending)
	case res.Pending != nil:
		// systemd answers nothing while it reloads, the health read of
		// the new state included: what is left waits until the menu
		// shows the change.
		g.waitShown(endedAt, 10*time.Second)
		g.finish(a, res.Pending)
	}
}

// finishBeforeExit lets the actions in flight finish their changes, for up
// to quitWait, and runs the reload of systemd that waits: a change half
// tidied up (lingering left on, a unit systemd has not seen) would outlive
// the program.
func (g *gui) finishBeforeExit() {
	close(g.quitting)
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(quitWait):
		g.logger.Warn("an action is still running as LimaBar ends")
	}
	g.flushReload()
}

// reloadSoon runs a pending reload of the service manager once no change
// has come for reloadQuiet (at most reloadMax after the first one waiting):
// switches clicked one after another share one reload, and none of those
// clicks waits for systemd, which answers nothing while it reloads (about
// 100 ms for a user manager). Any of the waiting reloads does for all of
// them; the newest one's action owns a failure.
func (g *gui) reloadSoon(a menu.Action, pending func(context.Context) error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reload, g.reloadFor = pending, a
	if g.reloadTimer != nil && time.Since(g.reloadSince) >= reloadMax {
		return // due soon anyway
	}
	if g.reloadTimer == nil || !g.reloadTimer.Stop() {
		// None yet, or it fired and its runReload waits for g.mu (it
		// will take this reload): a timer of this batch's own.
		g.reloadGen++
		gen := g.reloadGen
		g.reloadSince = time.Now()
		g.reloadTimer = time.AfterFunc(reloadQuiet, func() { g.runReload(gen) })
		return
	}
	g.reloadTimer.Reset(reloadQuiet)
}

// runReload runs the reload that waits, if any; gen is the timer's batch,
// 0 for a flush.
func (g *gui) runReload(gen int) {
	g.mu.Lock()
	pending, a := g.reload, g.reloadFor
	g.reload = nil
	if gen == 0 || gen == g.reloadGen {
		g.reloadTimer = nil
	}
	g.mu.Unlock()
	if pending != nil {
		g.reloading.Lock()
		defer g.reloading.Unlock()
		g.finish(a, pending)
	}
}

// flushReload runs a reload that waits now, and waits for one that runs:
// before the program ends, and before an action that has systemd start
// the VM's unit, which must see the unit as it is on disk.
func (g *gui) flushReload() {
	g.mu.Lock()
	if g.reloadTimer != nil {
		g.reloadTimer.Stop()
	}
	g.mu.Unlock()
	g.runReload(0)
	g.reloading.Lock() // a reload that runs already
	g.reloading.Unlock()
}

// finish runs what is left of a change once the menu shows it (systemd's
// reload). It runs before the next change of the same instance starts
// (the caller holds the instance's place in autostartQueue), and its
// failure is shown as the action's: the change stays made.
func (g *gui) finish(a menu.Action, pending func(context.Context) error) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	err := pending(ctx)
	if err == nil {
		g.logger.Debug("change finished", "action", a.Kind.String(), "instance", a.Instance, "took", time.Since(began))
		return
	}
	g.logger.Error("action failed after the change", "action", a.Kind.String(), "instance", a.Instance, "err", err)
	g.mu.Lock()
	g.lastFailure++
	g.failures = slices.Insert(g.failures, 0, menu.Failure{ID: g.lastFailure, Action: a, Err: err.Error()})
	if len(g.failures) > 2*menu.MaxFailures {
		g.failures = g.failures[:2*menu.MaxFailures]
	}
	g.mu.Unlock()
	g.notify(menu.FailureLine(a, err.Error()), err.Error())
	g.render()
}

// forgetFailures drops earlier failures of what a just finished, whatever
// its outcome: the newest one is the one that counts.
func (g *gui) forgetFailures(a menu.Action) {
	slot, guarded := a.Slot()
	g.failures = slices.DeleteFunc(g.failures, func(f menu.Failure) bool {
		if fs, ok := f.Action.Slot(); guarded && ok {
			return fs == slot
		}
		return f.Action.Kind == a.Kind && f.Action.Instance == a.Instance
	})
}

func (g *gui) notify(title, msg string) {
	if err := g.desktop.Notify(title, msg); err != nil {
		g.logger.Debug("no notification shown", "err", err)
	}
}

// notifyFailure tells of an autostart that failed. Where the desktop lets
// a notification be clicked, the click (or its Show Log button) opens the
// log the menu's Show Log opens, which holds Lima's own words on why: the
// notification's title has only their gist. The click goes through click,
// like the menu's, so that it never holds the notification service's
// goroutine and a failure to open shows in the menu.
func (g *gui) notifyFailure(in state.Instance, h *health.Health, c autostart.Condition) {
	title := in.Name + ": " + menu.HealthLine(h, c)
	const msg = "Open LimaBar's menu to try again or show the log."
	log := menu.LogOf(in)
	if log == "" {
		g.notify(title, msg)
		return
	}
	show := menu.Action{Kind: menu.ShowLog, Instance: in.Name, Target: log}
	if err := g.desktop.NotifyAction(title, msg, "Show Log", func() { g.click(show) }); err != nil {
		g.logger.Debug("no notification shown", "err", err)
	}
}

// showFailure shows the whole text of a failure and removes it from the
// menu: the user has read it.
func (g *gui) showFailure(id int) {
	g.mu.Lock()
	i := slices.IndexFunc(g.failures, func(f menu.Failure) bool { return f.ID == id })
	if i < 0 {
		g.mu.Unlock()
		return
	}
	f := g.failures[i]
	g.failures = slices.Delete(g.failures, i, i+1)
	g.mu.Unlock()
	title, msg := menu.FailureTitle(f.Action), f.Err
	g.render()
	go func() {
		if err := g.desktop.Alert(title, msg); err != nil {
			g.logger.Warn("cannot show the error", "err", err)
		}
	}()
}

// performRecovering is perform with a panic turned into an error: a bug
// met by one action (in the engine, limactl's parsing, a desktop call) is
// that action's failure, shown and logged like any other, and never ends
// the program with every other action in flight.
func (g *gui) performRecovering(a menu.Action) (res autostart.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			g.logger.Error("action panicked", "action", a.Kind.String(), "instance", a.Instance,
				"condition", string(a.Condition), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res, err = autostart.Result{}, panicError(p)
		}
	}()
	return g.perform(a)
}

// perform calls the Service or the desktop for one action. Actions outlive
// a quit on purpose: a VM half started when LimaBar quits keeps starting.
func (g *gui) perform(a menu.Action) (autostart.Result, error) {
	ctx := context.Background()
	switch a.Kind {
	case menu.Start, menu.Restart, menu.TryAgain:
		// limactl start hands a registered instance to systemd, which
		// must have read its unit as it is now.
		g.flushReload()
	}
	switch a.Kind {
	case menu.Start:
		return autostart.Result{}, g.svc.Start(ctx, a.Instance)
	case menu.Stop:
		return autostart.Result{}, g.svc.Stop(ctx, a.Instance)
	case menu.Restart:
		return autostart.Result{}, g.svc.Restart(ctx, a.Instance)
	case menu.Enable:
		return g.svc.Enable(ctx, a.Instance, a.Condition)
	case menu.Disable:
		return g.svc.Disable(ctx, a.Instance, a.Condition)
	case menu.Repair:
		return g.svc.Repair(ctx, a.Instance)
	case menu.SetSelfStart:
		return autostart.Result{}, g.svc.SetSelfStart(ctx, a.On)
	case menu.OpenShell:
		return autostart.Result{}, g.desktop.OpenTerminal(g.shellArgv(a.Instance))
	case menu.ShowLog:
		return autostart.Result{}, g.desktop.OpenFile(a.Target)
	case menu.OpenFolder:
		return autostart.Result{}, g.desktop.OpenFolder(a.Target)
	case menu.OpenURL:
		return autostart.Result{}, g.desktop.OpenURL(a.Target)
	case menu.TryAgain:
		return autostart.Result{}, g.svc.TryAgain(ctx, a.Instance, a.Condition)
	case menu.StopRetrying:
		return autostart.Result{}, g.svc.StopRetrying(ctx, a.Instance, a.Condition)
	case menu.FixStale:
		return autostart.Result{}, g.svc.FixStale(ctx, a.Instance)
	}
	return autostart.Result{}, fmt.Errorf("unknown action %q", a.Kind)
}

// shellArgv is `limactl shell NAME` with the LIMA_HOME LimaBar uses: a
// terminal opened from a GUI app does not have the shell's environment.
func (g *gui) shellArgv(name string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	limactl, home := "limactl", ""
	if g.snap != nil {
		if g.snap.Limactl != "" {
			limactl = g.snap.Limactl
		}
		home = g.snap.LimaHome
	}
	if home == "" {
		return []string{limactl, "shell", name}
	}
	return []string{"/usr/bin/env", "LIMA_HOME=" + home, limactl, "shell", name}
}
