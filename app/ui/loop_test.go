package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// The loop tests run the loop on its goroutine with a clock and an
// executor the test drives: every event comes from the test, and after
// Sync the loop waits for the next one, so the test reads what the loop
// did without sleeping or polling. The fakes talk over channels.

// manualClock fires its timers when the test moves it on.
type manualClock struct {
	added chan timer
	now   time.Duration
	armed []timer
}

type timer struct {
	at time.Duration
	f  func()
}

func newManualClock() *manualClock { return &manualClock{added: make(chan timer, 100)} }

// AfterFunc runs on the loop.
func (c *manualClock) AfterFunc(d time.Duration, f func()) { c.added <- timer{at: d, f: f} }

// advance moves the clock on by d and fires the timers due, in order of
// their time; the loop must be synced first.
func (c *manualClock) advance(d time.Duration) {
	for {
		select {
		case t := <-c.added:
			t.at += c.now
			c.armed = append(c.armed, t)
			continue
		default:
		}
		break
	}
	c.now += d
	slices.SortStableFunc(c.armed, func(a, b timer) int { return int(a.at - b.at) })
	for len(c.armed) > 0 && c.armed[0].at <= c.now {
		t := c.armed[0]
		c.armed = c.armed[1:]
		t.f()
	}
}

// manualExecutor keeps the tasks until the test runs them.
type manualExecutor struct{ tasks chan func() }

func (e *manualExecutor) Go(task func()) { e.tasks <- task }

// one runs the first task handed over.
func (e *manualExecutor) one() { (<-e.tasks)() }

// run runs the tasks handed over, and those handed over meanwhile; the
// loop must be synced first.
func (e *manualExecutor) run() int {
	n := 0
	for {
		select {
		case task := <-e.tasks:
			task()
			n++
		default:
			return n
		}
	}
}

// loopService is a Service whose answers the test sets between steps.
type loopService struct {
	hang   bool
	snap   chan state.Snapshot // the next snapshots, one per read
	last   state.Snapshot
	calls  chan string
	errs   map[string]error
	panics map[string]any
	res    map[string]autostart.Result
}

func newLoopService() *loopService {
	return &loopService{snap: make(chan state.Snapshot, 100), calls: make(chan string, 100),
		errs: map[string]error{}, panics: map[string]any{}, res: map[string]autostart.Result{}}
}

func (s *loopService) Snapshot(ctx context.Context) state.Snapshot {
	if s.hang {
		// limactl that never answers: only the read's bound ends it.
		<-ctx.Done()
		return state.Snapshot{Platform: autostart.Linux, Limactl: "/usr/bin/limactl", ListErr: "limactl list: " + ctx.Err().Error()}
	}
	select {
	case s.last = <-s.snap:
	default:
	}
	return s.last
}

func (s *loopService) call(key string) (autostart.Result, error) {
	s.calls <- key
	if p := s.panics[key]; p != nil {
		panic(p)
	}
	return s.res[key], s.errs[key]
}

func (s *loopService) Enable(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	return s.call(fmt.Sprintf("enable %s %s", c, name))
}
func (s *loopService) Disable(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	return s.call(fmt.Sprintf("disable %s %s", c, name))
}
func (s *loopService) Repair(_ context.Context, name string) (autostart.Result, error) {
	return s.call("repair " + name)
}
func (s *loopService) Start(_ context.Context, name string) error {
	_, err := s.call("start " + name)
	return err
}
func (s *loopService) Stop(context.Context, string) error                              { return nil }
func (s *loopService) Restart(context.Context, string) error                           { return nil }
func (s *loopService) SetSelfStart(context.Context, bool) error                        { return nil }
func (s *loopService) TryAgain(context.Context, string, autostart.Condition) error     { return nil }
func (s *loopService) StopRetrying(context.Context, string, autostart.Condition) error { return nil }
func (s *loopService) FixStale(context.Context, string) error                          { return nil }
func (s *loopService) WatchHealth(context.Context, func()) error                       { return nil }
func (s *loopService) StateDir() string                                                { return "" }
func (s *loopService) WatchDirs() []string                                             { return nil }

// calls returns the calls made so far.
func (s *loopService) called() []string {
	var out []string
	for {
		select {
		case c := <-s.calls:
			out = append(out, c)
		default:
			return out
		}
	}
}

// loopDesktop records what it is told.
type loopDesktop struct{ told chan string }

func (d *loopDesktop) rec(s string) error        { d.told <- s; return nil }
func (d *loopDesktop) OpenURL(u string) error    { return d.rec("url " + u) }
func (d *loopDesktop) OpenFolder(p string) error { return d.rec("folder " + p) }
func (d *loopDesktop) OpenFile(p string) error   { return d.rec("file " + p) }
func (d *loopDesktop) OpenTerminal(argv []string) error {
	return d.rec("terminal " + strings.Join(argv, " "))
}
func (d *loopDesktop) Notify(t, m string) error { return d.rec("notify " + t + ": " + m) }
func (d *loopDesktop) Alert(t, m string) error  { return d.rec("alert " + t + ": " + m) }
func (d *loopDesktop) NotifyAction(t, m, l string, _ func()) error {
	return d.rec("notify " + t + ": " + m + " [" + l + "]")
}

func (d *loopDesktop) got() []string {
	var out []string
	for {
		select {
		case s := <-d.told:
			out = append(out, s)
		default:
			return out
		}
	}
}

// lastMenu is a LastMenu in memory.
type lastMenu struct {
	load  *state.Snapshot
	saved chan state.Snapshot
}

func (l *lastMenu) Load() (state.Snapshot, bool) {
	if l.load == nil {
		return state.Snapshot{}, false
	}
	return *l.load, true
}
func (l *lastMenu) Save(s state.Snapshot) { l.saved <- s }

type loopHarness struct {
	t       *testing.T
	loop    *Loop
	svc     *loopService
	desktop *loopDesktop
	clock   *manualClock
	exec    *manualExecutor
	box     *Mailbox
	last    *lastMenu
	quits   chan struct{}
	watched chan []string
	menu    menu.Menu
}

func newLoopHarness(t *testing.T, last *state.Snapshot, opts ...func(*Config)) *loopHarness {
	h := &loopHarness{
		t: t, svc: newLoopService(), desktop: &loopDesktop{told: make(chan string, 100)},
		clock: newManualClock(), exec: &manualExecutor{tasks: make(chan func(), 100)}, box: NewMailbox(),
		last: &lastMenu{load: last, saved: make(chan state.Snapshot, 100)}, quits: make(chan struct{}, 10),
		watched: make(chan []string, 10),
	}
	cfg := Config{
		Service: h.svc, Desktop: h.desktop, Mailbox: h.box, Last: h.last, Clock: h.clock, Executor: h.exec,
		Quit:  func() { h.quits <- struct{}{} },
		Watch: func(_ context.Context, homes []string, _ func(Event)) { h.watched <- homes },
	}
	for _, o := range opts {
		o(&cfg)
	}
	h.loop = New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); <-h.loop.Done() })
	go h.loop.Run(ctx)
	h.sync()
	return h
}

// sync waits for the loop to handle what was sent, and takes the newest
// menu it drew.
func (h *loopHarness) sync() {
	h.loop.Sync()
	if m, _ := h.box.take(); m != nil {
		h.menu = *m
	}
}

// step runs the tasks handed over and syncs, until none is left.
func (h *loopHarness) step() {
	h.sync()
	for h.exec.run() > 0 {
		h.sync()
	}
}

func (h *loopHarness) item(path ...string) menu.Item {
	h.t.Helper()
	items := append(append(append([]menu.Item(nil), h.menu.Instances...), h.menu.Header...), h.menu.Footer...)
	for i, p := range path {
		found := false
		for _, it := range items {
			if strings.HasPrefix(it.Title, p) || (i == 0 && strings.Contains(it.Title, p)) {
				if i == len(path)-1 {
					return it
				}
				items, found = it.Children, true
				break
			}
		}
		if !found {
			break
		}
	}
	h.t.Fatalf("no item %q in the menu %+v", path, h.menu)
	return menu.Item{}
}

func (h *loopHarness) has(title string) bool {
	for _, it := range h.menu.Header {
		if strings.HasPrefix(it.Title, title) {
			return true
		}
	}
	return false
}

func (h *loopHarness) click(path ...string) {
	h.t.Helper()
	it := h.item(path...)
	if it.Action.Kind == menu.None || !it.Enabled {
		h.t.Fatalf("%q offers nothing: %+v", path, it)
	}
	h.loop.Click(it.Action)
	h.sync()
}

func (h *loopHarness) stopped() bool {
	select {
	case <-h.loop.Done():
		return true
	default:
		return false
	}
}

func TestLoopClickBusyUntilALaterReadIsDrawn(t *testing.T) {
	h := newLoopHarness(t, nil)
	if !h.has("Reading Lima instances…") {
		t.Fatalf("first menu %q, want it to say it reads", h.header())
	}
	h.svc.snap <- snap("default")
	h.step()
	if got := <-h.watched; !slices.Equal(got, []string{"/home/u/lima"}) {
		t.Errorf("watching %q", got)
	}
	h.click("default", "Start at Login")
	if it := h.item("default", "Start at Login"); it.Title != "Start at Login — Enabling…" || it.Enabled {
		t.Fatalf("after the click: %+v, want busy", it)
	}
	// The action runs; the read begun after it is still held.
	h.exec.one()
	h.sync()
	if it := h.item("default", "Start at Login"); it.Title != "Start at Login — Enabling…" {
		t.Errorf("before the read after the action is drawn: %+v, want still busy", it)
	}
	on := snap("default")
	on.Instances[0].Autostart.Login.Enabled = true
	h.svc.snap <- on
	h.step()
	if it := h.item("default", "Start at Login"); it.Title != "Start at Login" || !it.Checked || !it.Enabled {
		t.Errorf("after the read: %+v, want on and idle", it)
	}
	if got := h.svc.called(); !slices.Equal(got, []string{"enable login default"}) {
		t.Errorf("calls %q", got)
	}
}

func TestLoopLastClickWins(t *testing.T) {
	h := newLoopHarness(t, nil)
	h.svc.snap <- snap("default")
	h.step()
	h.click("default", "Start at Login")
	h.click("default", "Start at Boot")
	if n := len(h.exec.tasks); n != 1 {
		t.Fatalf("%d tasks for two changes of one instance, want the first alone", n)
	}
	h.step()
	if got := h.svc.called(); !slices.Equal(got, []string{"enable login default", "enable boot default"}) {
		t.Errorf("calls %q, want the clicks in order", got)
	}
}

func TestLoopSlowReadSaysItWaits(t *testing.T) {
	h := newLoopHarness(t, nil)
	h.clock.advance(2*time.Second - 1)
	h.sync()
	if h.has("Waiting for limactl…") {
		t.Fatal("waiting before 2s")
	}
	h.clock.advance(1)
	h.sync()
	if !h.has("Waiting for limactl…") {
		t.Fatalf("header %q after 2s, want it to say it waits", h.header())
	}
	h.svc.snap <- snap("default")
	h.step()
	if h.has("Waiting for limactl…") || !h.has("0 of 1 instance running") {
		t.Errorf("header %q after the answer", h.header())
	}
}

// TestLoopReadIsBounded: a read that limactl never answers ends at
// SnapshotTimeout with its error in the menu.
func TestLoopReadIsBounded(t *testing.T) {
	h := newLoopHarness(t, nil, func(c *Config) { c.SnapshotTimeout = time.Millisecond })
	h.svc.hang = true
	h.step()
	if !h.has("⚠ context deadline exceeded — instances not listed") {
		t.Errorf("header %q, want the list's failure", h.header())
	}
}

func TestLoopClicksShareOneReload(t *testing.T) {
	h := newLoopHarness(t, nil)
	h.svc.snap <- snap("default", "k3s", "docker")
	h.step()
	reloads := make(chan string, 10)
	for _, name := range []string{"default", "k3s", "docker"} {
		h.svc.res["enable login "+name] = autostart.Result{Changed: true, PendingReloads: true,
			Pending: func(context.Context) error { reloads <- name; return nil }}
	}
	h.click("default", "Start at Login")
	h.step()
	h.clock.advance(299 * time.Millisecond)
	h.click("k3s", "Start at Login")
	h.step()
	h.clock.advance(299 * time.Millisecond)
	h.step()
	if len(reloads) != 0 {
		t.Fatal("the reload ran while the clicks went on")
	}
	h.clock.advance(time.Millisecond)
	h.step()
	if got := <-reloads; got != "k3s" || len(reloads) != 0 {
		t.Errorf("reload of %q, want one, the newest's", got)
	}

	// Clicks every 200 ms: the reload runs 5 s after the first.
	h.svc.res["disable login default"] = autostart.Result{Changed: true, PendingReloads: true,
		Pending: func(context.Context) error { reloads <- "default off"; return nil }}
	for i := range 26 {
		name := []string{"default", "docker"}[i%2]
		h.click(name, "Start at Login")
		h.step()
		if len(reloads) > 0 {
			if i != 25 {
				t.Errorf("reload after %d clicks, want it at 5s", i+1)
			}
			break
		}
		h.clock.advance(200 * time.Millisecond)
		h.step()
	}
	if len(reloads) != 1 {
		t.Errorf("%d reloads after 5s of clicks, want 1", len(reloads))
	}
}

func TestLoopStartWaitsForTheReload(t *testing.T) {
	h := newLoopHarness(t, nil)
	h.svc.snap <- snap("default")
	h.step()
	ran := make(chan string, 10)
	h.svc.res["enable login default"] = autostart.Result{Changed: true, PendingReloads: true,
		Pending: func(context.Context) error { ran <- "reload"; return nil }}
	h.click("default", "Start at Login")
	h.step()
	h.click("default", "Start")
	// The reload is handed over; Start waits for it.
	if n := len(h.exec.tasks); n != 1 {
		t.Fatalf("%d tasks, want the reload alone", n)
	}
	h.exec.one()
	if got := h.svc.called(); !slices.Equal(got, []string{"enable login default"}) {
		t.Errorf("calls %q before the reload ended, want no start", got)
	}
	h.sync()
	h.step()
	if got := h.svc.called(); !slices.Equal(got, []string{"start default"}) || len(ran) != 1 {
		t.Errorf("after the reload: calls %q, %d reloads", got, len(ran))
	}
}

func TestLoopPanicIsAFailureAndFreesItsSlot(t *testing.T) {
	h := newLoopHarness(t, nil)
	h.svc.snap <- snap("default")
	h.step()
	h.svc.panics["start default"] = "index out of range [3] with length 3"
	h.click("default", "Start")
	h.step()
	if !h.has("⚠ default: internal error in LimaBar") {
		t.Errorf("header %q, want the failure", h.header())
	}
	if it := h.item("default", "Start"); it.Title != "Start" || !it.Enabled {
		t.Errorf("Start %+v, want it offered again", it)
	}
	if got := h.desktop.got(); len(got) != 1 || !strings.HasPrefix(got[0], "notify default: internal error in LimaBar") {
		t.Errorf("desktop %q, want one notification", got)
	}
}

func TestLoopOneNotificationPerFailedAutostart(t *testing.T) {
	h := newLoopHarness(t, nil)
	failing := snap("default")
	failing.Instances[0].Autostart.Login.Enabled = true
	failing.Instances[0].Health = &health.Health{State: health.Failing, Reason: "qemu not found", ExitCode: 1}
	failing.Instances[0].HealthCondition = autostart.Login
	h.svc.snap <- failing
	h.step()
	h.loop.Send(HealthChanged{})
	h.sync()
	h.svc.snap <- failing
	h.step()
	want := "notify default: qemu not found — keeps failing at login: Open LimaBar's menu to try again or show the log. [Show Log]"
	if got := h.desktop.got(); len(got) != 1 || got[0] != want {
		t.Errorf("desktop %q, want one notification %q", got, want)
	}
}

func TestLoopLastMenuFirst(t *testing.T) {
	h := newLoopHarness(t, ptr(snap("default", "k3s")))
	if !h.has(menu.RefreshingLine) || h.item("k3s").Title != "○ k3s — Stopped" {
		t.Fatalf("first menu %+v %+v, want the last one, marked", h.header(), h.menu.Instances)
	}
	if it := h.item("k3s", "Start at Login"); it.Enabled {
		t.Errorf("a switch of the last menu is offered: %+v", it)
	}
	h.svc.snap <- snap("default")
	h.step()
	if h.has(menu.RefreshingLine) || len(h.menu.Instances) != 1 {
		t.Errorf("after the first read: %q %+v", h.header(), h.menu.Instances)
	}
	select {
	case s := <-h.last.saved:
		if len(s.Instances) != 1 {
			t.Errorf("saved %+v", s)
		}
	default:
		t.Error("the read was not kept for the next start")
	}
}

func TestLoopQuitFinishesWhatIsInFlight(t *testing.T) {
	h := newLoopHarness(t, nil)
	h.svc.snap <- snap("default")
	h.step()
	h.svc.res["enable boot default"] = autostart.Result{Changed: true, Pending: func(context.Context) error { return errors.New("lingering left on") }}
	h.click("default", "Start at Boot")
	h.click("Quit LimaBar")
	// The action and the toolkit's Quit were handed over.
	if n := len(h.exec.tasks); n != 2 {
		t.Fatalf("%d tasks, want the action and Quit", n)
	}
	action, quit := <-h.exec.tasks, <-h.exec.tasks
	quit()
	select {
	case <-h.quits:
	default:
		t.Fatal("the toolkit was not asked to quit")
	}
	h.loop.Gone()
	h.sync()
	if h.stopped() {
		t.Fatal("the loop ended with an action in flight")
	}
	action() // the action ends: what is left of it runs at once
	h.sync()
	if h.stopped() {
		t.Fatal("the loop ended before the rest of the change ran")
	}
	if n := len(h.exec.tasks); n != 1 {
		t.Fatalf("%d tasks after the action, want the rest of the change alone (no read)", n)
	}
	h.exec.one()
	<-h.loop.Done()
	if got := h.svc.called(); !slices.Equal(got, []string{"enable boot default"}) {
		t.Errorf("calls %q", got)
	}
	if m, open := h.box.take(); m != nil || open {
		t.Errorf("after the toolkit went: menu %v, open %t; want nothing to draw", m, open)
	}
}

func TestLoopQuitBeforeTheToolkitIsReady(t *testing.T) {
	h := newLoopHarness(t, nil)
	h.loop.Send(QuitAsked{})
	h.sync()
	h.exec.run()
	select {
	case <-h.quits:
	default:
		t.Fatal("the toolkit was not asked to quit")
	}
	h.loop.Gone()
	<-h.loop.Done()
}

func TestMailboxNewestWins(t *testing.T) {
	b := NewMailbox()
	b.Post(menu.Menu{Tooltip: "1"})
	b.Post(menu.Menu{Tooltip: "2"})
	v := &recordView{drawn: make(chan string, 10)}
	b.Close()
	b.Serve(v) // returns: closed
	if len(v.drawn) != 0 {
		t.Errorf("drawn after Close")
	}
	b = NewMailbox()
	b.Post(menu.Menu{Tooltip: "1"})
	b.Post(menu.Menu{Tooltip: "2"})
	done := make(chan struct{})
	go func() { b.Serve(v); close(done) }()
	if got := <-v.drawn; got != "2" {
		t.Errorf("drew %q first, want the newest", got)
	}
	b.Close()
	<-done
	if len(v.drawn) != 0 {
		t.Errorf("drew %q too", <-v.drawn)
	}
}

type recordView struct{ drawn chan string }

func (v *recordView) Render(m menu.Menu) { v.drawn <- m.Tooltip }

func (h *loopHarness) header() []string {
	var out []string
	for _, it := range h.menu.Header {
		out = append(out, it.Title)
	}
	return out
}
