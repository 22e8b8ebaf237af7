package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/app/ui"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// fakeService is a Service whose calls are recorded and can be held until
// the test releases them.
type fakeService struct {
	mu    sync.Mutex
	snap  state.Snapshot
	calls []string
	// hold, when set for a call name ("enable login default"), blocks
	// that call until the channel is closed.
	hold map[string]chan struct{}
	errs map[string]error
	// panics, when set for a call name, makes that call panic with it.
	panics map[string]any
	res    map[string]autostart.Result
	// snapshotHold blocks Snapshot until closed.
	snapshotHold chan struct{}
	snapshots    int
}

func newFakeService(insts ...state.Instance) *fakeService {
	return &fakeService{
		snap: state.Snapshot{
			Platform: autostart.Linux, Limactl: "/usr/bin/limactl", LimaHome: "/home/u/lima",
			Instances: insts, SelfStartSupported: true,
		},
		hold:   map[string]chan struct{}{},
		errs:   map[string]error{},
		panics: map[string]any{},
		res:    map[string]autostart.Result{},
	}
}

func (f *fakeService) call(name string) error {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	h := f.hold[name]
	err := f.errs[name]
	p := f.panics[name]
	f.mu.Unlock()
	if h != nil {
		<-h
	}
	if p != nil {
		panic(p)
	}
	return err
}

func (f *fakeService) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeService) Snapshot(ctx context.Context) state.Snapshot {
	f.mu.Lock()
	h := f.snapshotHold
	f.snapshots++
	f.mu.Unlock()
	if h != nil {
		select {
		case <-h:
		case <-ctx.Done():
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.snap
	s.Instances = append([]state.Instance(nil), f.snap.Instances...)
	return s
}

func (f *fakeService) setEnabled(name string, c autostart.Condition, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.snap.Instances {
		if f.snap.Instances[i].Name != name {
			continue
		}
		if c == autostart.Boot {
			f.snap.Instances[i].Autostart.Boot.Enabled = on
		} else {
			f.snap.Instances[i].Autostart.Login.Enabled = on
		}
	}
}

func (f *fakeService) Enable(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	key := fmt.Sprintf("enable %s %s", c, name)
	if err := f.call(key); err != nil {
		return autostart.Result{}, err
	}
	f.setEnabled(name, c, true)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.res[key], nil
}

func (f *fakeService) Disable(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	if err := f.call(fmt.Sprintf("disable %s %s", c, name)); err != nil {
		return autostart.Result{}, err
	}
	f.setEnabled(name, c, false)
	return autostart.Result{Changed: true}, nil
}

func (f *fakeService) Repair(_ context.Context, name string) (autostart.Result, error) {
	return autostart.Result{}, f.call("repair " + name)
}
func (f *fakeService) Start(_ context.Context, name string) error   { return f.call("start " + name) }
func (f *fakeService) Stop(_ context.Context, name string) error    { return f.call("stop " + name) }
func (f *fakeService) Restart(_ context.Context, name string) error { return f.call("restart " + name) }
func (f *fakeService) SetSelfStart(_ context.Context, on bool) error {
	return f.call(fmt.Sprint("self-start ", on))
}
func (f *fakeService) WatchDirs() []string { return nil }
func (f *fakeService) TryAgain(_ context.Context, name string, c autostart.Condition) error {
	return f.call("try-again " + name + " " + string(c))
}
func (f *fakeService) StopRetrying(_ context.Context, name string, c autostart.Condition) error {
	return f.call("stop-retrying " + name + " " + string(c))
}
func (f *fakeService) FixStale(_ context.Context, name string) error {
	return f.call("fix-stale " + name)
}
func (f *fakeService) WatchHealth(context.Context, func()) error { return nil }
func (f *fakeService) StateDir() string                          { return "" }

var _ state.Service = (*fakeService)(nil)

// changes lets a test wait for the next change of something the app
// writes: take next before reading, then wait on it if what was read is not
// yet what the test waits for.
type changes struct {
	mu sync.Mutex
	ch chan struct{}
}

// next returns a channel closed at the next change.
func (c *changes) next() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

func (c *changes) changed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

// fakeView keeps the last menu drawn.
type fakeView struct {
	mu      sync.Mutex
	last    menu.Menu
	n       int
	drawing changes
}

func (v *fakeView) Render(m menu.Menu) {
	v.mu.Lock()
	v.last = m
	v.n++
	v.mu.Unlock()
	v.drawing.changed()
}

func (v *fakeView) menu() menu.Menu {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last
}

// fakeDesktop records what would have been shown or opened.
type fakeDesktop struct {
	mu  sync.Mutex
	got []string
	// panicNotify makes Notify panic after recording the notification.
	panicNotify bool
	// clicks holds the onClick of each NotifyAction, in order.
	clicks []func()
	told   changes
}

func (d *fakeDesktop) rec(s string) error {
	d.mu.Lock()
	d.got = append(d.got, s)
	d.mu.Unlock()
	d.told.changed()
	return nil
}
func (d *fakeDesktop) OpenURL(u string) error    { return d.rec("url " + u) }
func (d *fakeDesktop) OpenFolder(p string) error { return d.rec("folder " + p) }
func (d *fakeDesktop) OpenFile(p string) error   { return d.rec("file " + p) }
func (d *fakeDesktop) OpenTerminal(argv []string) error {
	return d.rec("terminal " + strings.Join(argv, " "))
}
func (d *fakeDesktop) Notify(t, m string) error {
	d.rec("notify " + t + ": " + m)
	d.mu.Lock()
	p := d.panicNotify
	d.mu.Unlock()
	if p {
		panic("notification service went away")
	}
	return nil
}
func (d *fakeDesktop) NotifyAction(t, m, label string, onClick func()) error {
	d.mu.Lock()
	d.clicks = append(d.clicks, onClick)
	d.mu.Unlock()
	return d.rec("notify " + t + ": " + m + " [" + label + "]")
}
func (d *fakeDesktop) Alert(t, m string) error { return d.rec("alert " + t + ": " + m) }

// click runs the onClick of the i-th notification with an action, as a
// click on it would.
func (d *fakeDesktop) click(i int) {
	d.mu.Lock()
	fn := d.clicks[i]
	d.mu.Unlock()
	fn()
}
func (d *fakeDesktop) Got() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.got...)
}

// wait returns what the desktop was told once it was told n things, or
// what it was told by a generous deadline.
func (d *fakeDesktop) wait(n int) []string {
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		next := d.told.next()
		if got := d.Got(); len(got) >= n {
			return got
		}
		select {
		case <-next:
		case <-deadline.C:
			return d.Got()
		}
	}
}

// testGUI is the GUI as the program runs it, the loop of app/ui, with an
// executor that counts the work in flight so that a test can wait for it
// to end.
type testGUI struct {
	cfg  ui.Config
	loop *ui.Loop
	exec *countingExecutor
}

func newGUI(svc state.Service, desktop tray.Desktop, logger *slog.Logger) *testGUI {
	g := &testGUI{exec: &countingExecutor{}}
	g.cfg = ui.Config{Service: svc, Desktop: desktop, Logger: logger, Executor: g.exec, Version: version}
	return g
}

// start runs the loop and draws on v, as the toolkit's ready does.
func (g *testGUI) start(ctx context.Context, v ui.View) {
	g.cfg.Mailbox = ui.NewMailbox()
	g.loop = ui.New(g.cfg)
	go g.loop.Run(ctx)
	go g.cfg.Mailbox.Serve(v)
	g.loop.Send(ui.ToolkitReady{})
}

func (g *testGUI) click(a menu.Action) { g.loop.Click(a) }

// idle waits until no work is in flight and the loop has handled every
// event the work sent: the tasks started are done, the loop has handled
// what they sent (Sync), and that started no other task.
func (g *testGUI) idle() {
	for {
		started := g.exec.count()
		g.exec.wait()
		g.loop.Sync()
		if g.exec.count() == started {
			return
		}
	}
}

// stop ends the loop and waits for its work.
func (g *testGUI) stop(cancel func()) {
	cancel()
	<-g.loop.Done()
	g.exec.wait()
}

// countingExecutor runs each task on a goroutine and counts those running;
// once held, it keeps the tasks until the test runs them.
type countingExecutor struct {
	mu      sync.Mutex
	started int
	n       int
	zero    chan struct{}
	holding bool
	held    []func()
}

func (e *countingExecutor) Go(task func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.holding {
		e.held = append(e.held, task)
		return
	}
	e.n++
	e.started++
	go func() {
		defer e.done()
		task()
	}()
}

func (e *countingExecutor) done() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n--
	if e.n == 0 && e.zero != nil {
		close(e.zero)
		e.zero = nil
	}
}

// count is the number of tasks started so far.
func (e *countingExecutor) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.started
}

// wait returns once no task runs.
func (e *countingExecutor) wait() {
	for {
		e.mu.Lock()
		if e.n == 0 {
			e.mu.Unlock()
			return
		}
		if e.zero == nil {
			e.zero = make(chan struct{})
		}
		ch := e.zero
		e.mu.Unlock()
		<-ch
	}
}

// hold keeps the tasks from now on; take returns those kept.
func (e *countingExecutor) hold() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.holding = true
}

func (e *countingExecutor) take() []func() {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.held
	e.held = nil
	return t
}

type harness struct {
	t       *testing.T
	svc     *fakeService
	view    *fakeView
	desktop *fakeDesktop
	g       *testGUI
	quits   chan struct{}
}

func newHarness(t *testing.T, svc *fakeService, opts ...func(*ui.Config)) *harness {
	t.Helper()
	return newHarnessOf(t, svc, svc, opts...)
}

// newHarnessOf is newHarness with a Service that wraps fs.
func newHarnessOf(t *testing.T, svc state.Service, fs *fakeService, opts ...func(*ui.Config)) *harness {
	t.Helper()
	h := &harness{t: t, svc: fs, view: &fakeView{}, desktop: &fakeDesktop{}, quits: make(chan struct{}, 4)}
	h.g = newGUI(svc, h.desktop, nil)
	h.g.cfg.Quit = func() { h.quits <- struct{}{} }
	for _, o := range opts {
		o(&h.g.cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { h.g.stop(cancel) })
	h.g.start(ctx, h.view)
	return h
}

// item finds an item by path of title prefixes: instance title, child
// title.
func find(items []menu.Item, path ...string) (menu.Item, bool) {
	for _, it := range items {
		if strings.Contains(it.Title, path[0]) {
			if len(path) == 1 {
				return it, true
			}
			return find(it.Children, path[1:]...)
		}
	}
	return menu.Item{}, false
}

// waitFor waits, for a generous deadline, for a drawn menu of which cond
// holds.
func (h *harness) waitFor(what string, cond func(menu.Menu) bool) menu.Menu {
	h.t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		next := h.view.drawing.next()
		m := h.view.menu()
		if cond(m) {
			return m
		}
		select {
		case <-next:
		case <-deadline.C:
			h.t.Fatalf("timed out waiting for %s; menu header %v, instances %v", what, titles(m.Header), titles(m.Instances))
		}
	}
}

func titles(items []menu.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

func (h *harness) click(path ...string) {
	h.t.Helper()
	it, ok := find(h.view.menu().Instances, path...)
	if !ok {
		it, ok = find(append(h.view.menu().Header, h.view.menu().Footer...), path...)
	}
	if !ok {
		h.t.Fatalf("no item %q in the menu", path)
	}
	h.g.click(it.Action)
}

func stopped(name string) state.Instance {
	return state.Instance{
		Instance: lima.Instance{Name: name, Status: lima.StatusStopped, Dir: "/home/u/lima/" + name},
		Autostart: autostart.Status{
			Login: autostart.CondStatus{Supported: true},
			Boot:  autostart.CondStatus{Supported: true},
		},
	}
}

func hasTitle(items []menu.Item, title string) bool {
	_, ok := find(items, title)
	return ok
}

func TestTwoQuickClicksRunOneOperation(t *testing.T) {
	svc := newFakeService(stopped("default"))
	release := make(chan struct{})
	svc.hold["enable login default"] = release
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })

	login, _ := find(h.view.menu().Instances, "default", "Start at Login")
	h.g.click(login.Action)
	h.g.click(login.Action)
	m := h.waitFor("the busy switch", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Login")
		return it.Title == "Start at Login — Enabling…"
	})
	it, _ := find(m.Instances, "default", "Start at Login")
	if !it.Checked || it.Enabled {
		t.Errorf("busy switch: checked=%t enabled=%t, want a disabled ticked box", it.Checked, it.Enabled)
	}
	close(release)
	h.waitFor("the switch on", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Login")
		return it.Title == "Start at Login" && it.Checked && it.Enabled
	})
	h.g.idle()
	if got := svc.Calls(); len(got) != 1 || got[0] != "enable login default" {
		t.Errorf("calls: got %q, want one enable", got)
	}
}

func TestClickAfterTheActionEndsUsesTheNewState(t *testing.T) {
	svc := newFakeService(stopped("default"))
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.click("default", "Start at Login")
	h.waitFor("the switch on", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Login")
		return it.Title == "Start at Login" && it.Checked
	})
	h.click("default", "Start at Login")
	h.waitFor("the switch off", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Login")
		return it.Title == "Start at Login" && !it.Checked
	})
	h.g.idle()
	want := []string{"enable login default", "disable login default"}
	if got := svc.Calls(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("calls: got %q, want %q", got, want)
	}
}

func TestFailureShowsInTheMenuAndAsANotification(t *testing.T) {
	svc := newFakeService(stopped("default"))
	svc.errs["enable boot default"] = errors.New("loginctl enable-linger: access denied")
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.click("default", "Start at Boot")
	const line = "⚠ default: access denied — Start at Boot not turned on"
	// The switch stays busy until a snapshot read after the failure is
	// shown; then it is back off, with the failure line still there.
	h.waitFor("the failure line and the switch back off", func(m menu.Menu) bool {
		boot, _ := find(m.Instances, "default", "Start at Boot")
		return hasTitle(m.Header, line) && !boot.Checked && boot.Title == "Start at Boot"
	})
	h.g.idle()
	if got := h.desktop.Got(); len(got) != 1 || got[0] != "notify default: access denied — Start at Boot not turned on: loginctl enable-linger: access denied" {
		t.Errorf("desktop: got %q, want one notification", got)
	}

	// Clicking the line shows the whole text and dismisses it.
	h.click(line)
	h.waitFor("the line to go", func(m menu.Menu) bool { return !hasTitle(m.Header, "⚠") })
	if got := h.desktop.wait(2); len(got) != 2 || !strings.HasPrefix(got[1], "alert Could not enable Start at Boot for default:") {
		t.Errorf("desktop: got %q, want an alert", got)
	}

	// Succeeding later clears an older failure of the same switch.
	svc.mu.Lock()
	delete(svc.errs, "enable boot default")
	svc.mu.Unlock()
	h.g.click(menu.Action{Kind: menu.Enable, Instance: "default", Condition: autostart.Boot})
	h.waitFor("boot on", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Boot")
		return it.Checked && it.Title == "Start at Boot" && len(m.Header) == 1
	})
}

func TestCancelledPasswordPromptIsNotAFailure(t *testing.T) {
	svc := newFakeService(stopped("default"))
	svc.errs["enable boot default"] = fmt.Errorf("asking for the password: %w", autostart.ErrCancelled)
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.click("default", "Start at Boot")
	h.g.idle()
	m := h.waitFor("the switch idle", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Boot")
		return it.Title == "Start at Boot"
	})
	if hasTitle(m.Header, "⚠") {
		t.Errorf("a cancelled prompt shows as a failure: %q", titles(m.Header))
	}
	if got := h.desktop.Got(); len(got) != 0 {
		t.Errorf("a cancelled prompt told the desktop %q", got)
	}
}

func TestSwitchOverIsAnnounced(t *testing.T) {
	in := stopped("default")
	in.Autostart.Boot.Enabled = true
	svc := newFakeService(in)
	svc.res["enable login default"] = autostart.Result{Changed: true, SwitchedFrom: "boot", Message: "default now starts at login instead of at boot"}
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.click("default", "Start at Login")
	h.g.idle()
	if got := h.desktop.Got(); len(got) != 1 || got[0] != "notify default: default now starts at login instead of at boot" {
		t.Errorf("desktop: got %q", got)
	}
}

func TestSlowLimactlKeepsTheMenuResponsive(t *testing.T) {
	svc := newFakeService(stopped("default"))
	svc.snapshotHold = make(chan struct{})
	h := newHarness(t, svc, func(c *ui.Config) { c.Timings = ui.DefaultTimings; c.Timings.Waiting = 50 * time.Millisecond })
	h.waitFor("the waiting line", func(m menu.Menu) bool { return hasTitle(m.Header, "Waiting for limactl…") })
	if hasTitle(h.view.menu().Header, "Reading Lima instances…") == false {
		t.Errorf("before the first answer the menu should say it is reading: %q", titles(h.view.menu().Header))
	}
	// Refresh and Quit still work while limactl hangs.
	h.click("Refresh")
	h.click("Quit LimaBar")
	select {
	case <-h.quits:
	case <-time.After(10 * time.Second):
		t.Fatal("Quit did nothing while limactl hung")
	}
	close(svc.snapshotHold)
	h.waitFor("the instance", func(m menu.Menu) bool {
		return hasTitle(m.Instances, "default") && !hasTitle(m.Header, "Waiting")
	})
}

// TestAutostartChangesOfOneInstanceAreSerialised: a second switch of an
// instance clicked while the first is still changing runs only once the
// first has ended. Once the menu is drawn, the executor keeps the tasks the
// loop hands it, and the test runs them: after both clicks have been
// handled (Sync), only the first change was handed over; had the second not
// waited, it would be there too. The second is handed over when the first
// ends.
func TestAutostartChangesOfOneInstanceAreSerialised(t *testing.T) {
	svc := newFakeService(stopped("default"))
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.g.idle()
	h.g.exec.hold()
	h.g.click(menu.Action{Kind: menu.Enable, Instance: "default", Condition: autostart.Login})
	h.g.click(menu.Action{Kind: menu.Enable, Instance: "default", Condition: autostart.Boot})
	h.g.loop.Sync()
	tasks := h.g.exec.take()
	if len(tasks) != 1 {
		t.Fatalf("boot ran while login was still changing: %d tasks handed over", len(tasks))
	}
	tasks[0]()
	if got := svc.Calls(); len(got) != 1 {
		t.Errorf("boot ran while login was still changing: %q", got)
	}
	for len(tasks) > 0 {
		h.g.loop.Sync()
		tasks = h.g.exec.take()
		for _, task := range tasks {
			task()
		}
	}
	if got := svc.Calls(); strings.Join(got, "|") != "enable login default|enable boot default" {
		t.Errorf("calls: got %q", got)
	}
}

func TestOpenActions(t *testing.T) {
	in := stopped("default")
	in.Status = lima.StatusRunning
	svc := newFakeService(in)
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.click("default", "Open Shell")
	h.click("default", "Show Log")
	h.click("default", "Open Folder")
	h.g.idle()
	want := []string{
		"terminal /usr/bin/env LIMA_HOME=/home/u/lima /usr/bin/limactl shell default",
		"file /home/u/lima/default/ha.stderr.log",
		"folder /home/u/lima/default",
	}
	got := h.desktop.Got()
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("desktop did not get %q; got %q", w, got)
		}
	}
}

func TestInstallLimaWhenMissing(t *testing.T) {
	svc := newFakeService()
	svc.snap.Limactl = ""
	svc.snap.LimactlErr = "limactl was not found"
	h := newHarness(t, svc)
	h.waitFor("the install line", func(m menu.Menu) bool { return hasTitle(m.Header, "Install Lima…") })
	h.click("Install Lima…")
	h.g.idle()
	if got := h.desktop.Got(); len(got) != 1 || got[0] != "url "+menu.InstallURL {
		t.Errorf("desktop: got %q", got)
	}
}

// syncBuffer is a log destination the test can read while the app writes.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written changes
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.b.Write(p)
	b.mu.Unlock()
	b.written.changed()
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func withLog(buf *syncBuffer) func(*ui.Config) {
	return func(c *ui.Config) { c.Logger = slog.New(slog.NewTextHandler(buf, nil)) }
}

// TestPanickingActionIsAFailure: a panic in an action is shown as that
// action's failure and logged with its stack; the app goes on.
func TestPanickingActionIsAFailure(t *testing.T) {
	svc := newFakeService(stopped("default"))
	svc.panics["start default"] = "index out of range [3] with length 3"
	var log syncBuffer
	h := newHarness(t, svc, withLog(&log))
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.click("default", "Start")
	const msg = "internal error in LimaBar (index out of range [3] with length 3); the log has the details"
	m := h.waitFor("the failure line and Start back", func(m menu.Menu) bool {
		start, _ := find(m.Instances, "default", "Start")
		return hasTitle(m.Header, "⚠ default: internal error in LimaBar") && start.Title == "Start" && start.Enabled
	})
	if line, _ := find(m.Header, "⚠ default: internal error in LimaBar"); line.Tooltip != "Could not start default: "+msg {
		t.Errorf("failure line %q says %q, want %q", line.Title, line.Tooltip, "Could not start default: "+msg)
	}
	h.g.idle()
	if got := h.desktop.Got(); len(got) != 1 || got[0] != "notify default: internal error in LimaBar; the log has the detai…: "+msg {
		t.Errorf("desktop: got %q, want one notification of the failure", got)
	}
	for _, want := range []string{`msg="action panicked"`, "instance=default", `panic="index out of range [3] with length 3"`, "performRecovering"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log does not have %q:\n%s", want, log.String())
		}
	}

	// The app still carries out clicks.
	h.click("default", "Start at Login")
	h.waitFor("the switch on", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Login")
		return it.Title == "Start at Login" && it.Checked
	})
}

// TestPanicAfterTheActionFreesTheItem: a panic while reporting an
// outcome (here the desktop's notification) is logged, the failure stays
// shown once, and the switch does not stay busy.
func TestPanicAfterTheActionFreesTheItem(t *testing.T) {
	svc := newFakeService(stopped("default"))
	svc.errs["enable boot default"] = errors.New("loginctl enable-linger: access denied")
	var log syncBuffer
	h := newHarness(t, svc, withLog(&log))
	h.desktop.panicNotify = true
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	h.click("default", "Start at Boot")
	m := h.waitFor("the switch idle with the failure", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Boot")
		return it.Title == "Start at Boot" && it.Enabled && hasTitle(m.Header, "⚠ default: access denied — Start at Boot not turned on")
	})
	h.g.idle()
	n := 0
	for _, it := range m.Header {
		if strings.HasPrefix(it.Title, "⚠") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %d failure lines %q, want the action's one", n, titles(m.Header))
	}
	if !strings.Contains(log.String(), `panic="notification service went away"`) {
		t.Errorf("the panic is not in the log:\n%s", log.String())
	}
	svc.mu.Lock()
	delete(svc.errs, "enable boot default")
	svc.mu.Unlock()
	h.click("default", "Start at Boot")
	h.waitFor("boot on", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Boot")
		return it.Title == "Start at Boot" && it.Checked
	})
}

// TestListFailureKeepsTheLastInstances: when limactl list fails, the menu
// shows the error above the instances it listed last, whose folders and
// logs stay reachable but whose switches and Start/Stop are held,
// until a list works again.
func TestListFailureKeepsTheLastInstances(t *testing.T) {
	in := stopped("default")
	in.Status = lima.StatusRunning
	svc := newFakeService(in)
	h := newHarness(t, svc)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })

	svc.mu.Lock()
	svc.snap.Instances = nil
	svc.snap.ListErr = "limactl list did not answer within 30s"
	svc.mu.Unlock()
	h.click("Refresh")
	m := h.waitFor("the error line", func(m menu.Menu) bool {
		return hasTitle(m.Header, "⚠ limactl list did not answer within 30s — instances not listed")
	})
	if got, want := titles(m.Header), []string{"⚠ limactl list did not answer within 30s — instances not listed", menu.StaleLine}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("header: got %q, want %q", got, want)
	}
	if got := titles(m.Instances); len(got) != 1 || got[0] != "● default — Running" {
		t.Fatalf("instances: got %q, want the last one listed", got)
	}
	// What was read before may have changed since: nothing that acts on
	// it is offered, looking inside is.
	stop, _ := find(m.Instances, "default", "Stop")
	login, _ := find(m.Instances, "default", "Start at Login")
	folder, _ := find(m.Instances, "default", "Open Folder")
	if stop.Enabled || login.Enabled || stop.Tooltip != menu.StaleTooltip || login.Tooltip != menu.StaleTooltip {
		t.Errorf("Stop %+v, Start at Login %+v: want both held, saying why", stop, login)
	}
	if !folder.Enabled {
		t.Errorf("Open Folder is not offered: %+v", folder)
	}

	// A second failure keeps them too.
	svc.mu.Lock()
	svc.snap.ListErr = "limactl list failed: exit status 1"
	svc.mu.Unlock()
	h.click("Refresh")
	m = h.waitFor("the second error", func(m menu.Menu) bool {
		return hasTitle(m.Header, "⚠ limactl list failed: exit status 1 — instances not listed")
	})
	if got := titles(m.Instances); len(got) != 1 || got[0] != "● default — Running" || !hasTitle(m.Header, menu.StaleLine) {
		t.Errorf("after a second failure: header %q, instances %q", titles(m.Header), got)
	}

	svc.mu.Lock()
	svc.snap.ListErr = ""
	svc.snap.Instances = []state.Instance{stopped("default"), stopped("k3s")}
	svc.mu.Unlock()
	h.click("Refresh")
	m = h.waitFor("the new list", func(m menu.Menu) bool { return hasTitle(m.Instances, "k3s") })
	if got, want := titles(m.Header), []string{"0 of 2 instances running"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("header after the list works again: got %q, want %q", got, want)
	}
}

// restatingService is a fakeService that reads registrations again
// without listing instances (state.Restater), recording each time.
type restatingService struct {
	*fakeService
	restats int
}

func (r *restatingService) Restat(ctx context.Context, prev state.Snapshot) state.Snapshot {
	r.mu.Lock()
	r.restats++
	r.mu.Unlock()
	return r.fakeService.Snapshot(ctx)
}

func (r *restatingService) counts() (snapshots, restats int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snapshots - r.restats, r.restats
}

// TestChangeShowsBeforeItsTidyingUp: a click's checkmark comes from a read
// of the registrations alone, before what is left of the change (systemd's
// reload, Result.Pending) has run; a failure of that is then shown as the
// action's, and the switch stays on, as the change stays made.
func TestChangeShowsBeforeItsTidyingUp(t *testing.T) {
	fs := newFakeService(stopped("default"))
	svc := &restatingService{fakeService: fs}
	reload := make(chan struct{})
	fs.res["enable login default"] = autostart.Result{Changed: true, Message: "default will start at login",
		Pending: func(context.Context) error {
			<-reload
			return errors.New("default will start at login, but failed to reload systemd: Connection refused")
		}}
	h := newHarnessOf(t, svc, fs)
	h.waitFor("the instance", func(m menu.Menu) bool { return hasTitle(m.Instances, "default") })
	listed, _ := svc.counts()

	h.click("default", "Start at Login")
	h.waitFor("the switch on and settled while the reload is held", func(m menu.Menu) bool {
		it, _ := find(m.Instances, "default", "Start at Login")
		return it.Title == "Start at Login" && it.Checked && it.Enabled
	})
	if s, r := svc.counts(); s != listed || r < 1 {
		t.Errorf("after the click: %d listings (was %d), %d reads of the registrations; want the registrations read alone", s, listed, r)
	}
	close(reload)
	// The menu shortens a long line; the notification has it whole.
	const line = "⚠ default: Connection refused — Start at Login on, tidying up failed"
	m := h.waitFor("the reload's failure", func(m menu.Menu) bool { return hasTitle(m.Header, line) })
	if it, _ := find(m.Instances, "default", "Start at Login"); !it.Checked {
		t.Error("the switch went off although the change stays made")
	}
	h.g.idle()
	if got := h.desktop.Got(); len(got) != 1 || !strings.Contains(got[0], "failed to reload systemd") {
		t.Errorf("desktop: got %q, want one notification of the failed reload", got)
	}
}

// TestClicksShareOneReload: clicks on several switches in a row leave one
// reload of systemd, run once the clicks pause (here: when the program
// ends, which runs a reload that still waits), and no click waits for it.
func TestClicksShareOneReload(t *testing.T) {
	svc := newFakeService(stopped("default"), stopped("k3s"))
	var mu sync.Mutex
	var ran []string
	for _, name := range []string{"default", "k3s"} {
		svc.res["enable login "+name] = autostart.Result{Changed: true, PendingReloads: true,
			Pending: func(context.Context) error {
				mu.Lock()
				ran = append(ran, name)
				mu.Unlock()
				return nil
			}}
	}
	h := newHarness(t, svc, func(c *ui.Config) {
		c.Timings = ui.DefaultTimings
		c.Timings.ReloadQuiet, c.Timings.ReloadMax = time.Hour, time.Hour
	})
	h.waitFor("the instances", func(m menu.Menu) bool { return hasTitle(m.Instances, "k3s") })
	for _, name := range []string{"default", "k3s"} {
		h.click(name, "Start at Login")
		h.waitFor(name+" on", func(m menu.Menu) bool {
			it, _ := find(m.Instances, name, "Start at Login")
			return it.Title == "Start at Login" && it.Checked
		})
	}
	h.g.idle()
	mu.Lock()
	before := len(ran)
	mu.Unlock()
	// limactl start hands the instance to systemd, which must have
	// read its unit first: Start runs the reload that waits.
	h.click("default", "Start")
	h.g.idle()
	mu.Lock()
	defer mu.Unlock()
	if before != 0 || len(ran) != 1 || ran[0] != "k3s" {
		t.Errorf("reloads: %d before the pause, then %q; want none, then one (the newest)", before, ran)
	}
	if calls := svc.Calls(); calls[len(calls)-1] != "start default" {
		t.Errorf("calls %q, want the start last", calls)
	}
	// The end of the program runs a reload that waits: none does now.
	mu.Unlock()
	h.g.loop.Gone()
	<-h.g.loop.Done()
	h.g.exec.wait()
	mu.Lock()
	if len(ran) != 1 {
		t.Errorf("a flush with nothing waiting ran %q", ran)
	}
}

// failingAtLogin is an instance whose login job keeps failing.
func failingAtLogin(name string) state.Instance {
	in := stopped(name)
	in.Autostart.Login.Enabled = true
	in.Health = &health.Health{State: health.Failing, Reason: "qemu-system-x86_64 not found", ExitCode: 1, Restarts: 4,
		Since: time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)}
	in.HealthCondition = autostart.Login
	return in
}

func TestHealthFailureNotificationOpensTheLog(t *testing.T) {
	svc := newFakeService(failingAtLogin("default"))
	h := newHarness(t, svc)
	m := h.waitFor("the failure", func(m menu.Menu) bool {
		_, ok := find(m.Instances, "default", "⚠ default: qemu-system-x86_64 not found — keeps failing at login")
		return ok
	})
	showLog, ok := find(m.Instances, "default", "Show Log")
	if !ok {
		t.Fatal("no Show Log in the menu")
	}

	// The notification is sent after the menu is drawn, never before.
	h.g.idle()
	want := "notify default: qemu-system-x86_64 not found — keeps failing at login: " +
		"Open LimaBar's menu to try again or show the log. [Show Log]"
	if got := h.desktop.Got(); len(got) != 1 || got[0] != want {
		t.Fatalf("desktop got %q, want one notification %q", got, want)
	}

	h.desktop.click(0)
	h.g.idle()
	got := h.desktop.Got()
	wantOpen := "file /home/u/lima/default/ha.stderr.log"
	if len(got) != 2 || got[1] != wantOpen {
		t.Fatalf("after the click the desktop got %q, want %q", got, wantOpen)
	}
	if "file "+showLog.Action.Target != wantOpen {
		t.Errorf("the menu's Show Log opens %q, the notification %q", showLog.Action.Target, wantOpen)
	}
}

func TestHealthFailureNotificationWithoutAFolderHasNoAction(t *testing.T) {
	in := failingAtLogin("default")
	in.Dir = ""
	h := newHarness(t, newFakeService(in))
	h.waitFor("the failure", func(m menu.Menu) bool {
		_, ok := find(m.Instances, "default", "⚠ default: qemu-system-x86_64 not found — keeps failing at login")
		return ok
	})
	h.g.idle()
	want := "notify default: qemu-system-x86_64 not found — keeps failing at login: " +
		"Open LimaBar's menu to try again or show the log."
	if got := h.desktop.Got(); len(got) != 1 || got[0] != want {
		t.Fatalf("desktop got %q, want one plain notification %q", got, want)
	}
}
