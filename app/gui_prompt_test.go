package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/runner"
)

// promptHold is how long the administrator dialog stays open in the test:
// long against what the checks made while it is open may take.
const promptHold = 5 * time.Second

// mainThread stands in for the Mac's main thread: one goroutine that runs
// what is sent to it, one thing at a time, while the sender waits, as
// systray's performSelectorOnMainThread:…waitUntilDone:YES does for every
// menu change and for Quit. Anything that held it would freeze the menu.
type mainThread struct {
	work chan func()
}

func newMainThread(t *testing.T) *mainThread {
	m := &mainThread{work: make(chan func())}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for {
			select {
			case fn := <-m.work:
				fn()
			case <-ctx.Done():
				return
			}
		}
	}()
	return m
}

// do runs fn on the main thread and waits for it.
func (m *mainThread) do(fn func()) {
	done := make(chan struct{})
	m.work <- func() { defer close(done); fn() }
	<-done
}

// mainThreadView draws on the main thread, as the tray does on a Mac.
type mainThreadView struct {
	main *mainThread
	fakeView
}

func (v *mainThreadView) Render(m menu.Menu) {
	v.main.do(func() { v.fakeView.Render(m) })
}

// promptRunner is the runner of the whole Mac program: the engine's
// launchctl and plutil, limactl, and the osascript of the administrator
// dialog, which stays open until the test has made its checks and
// promptHold has passed, and is then cancelled by the user.
type promptRunner struct {
	*runner.Fake
	opened   chan struct{} // closed when the dialog opens
	release  chan struct{} // closed by the test when its checks are done
	answered chan struct{} // closed when the dialog has been answered
	once     sync.Once
}

func (p *promptRunner) RunStderr(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	if name == "/usr/bin/osascript" {
		p.once.Do(func() { close(p.opened) })
		hold := time.After(promptHold)
		<-p.release
		<-hold
		defer close(p.answered)
	}
	return p.Fake.RunStderr(ctx, name, args...)
}

func (p *promptRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, _, err := p.RunStderr(ctx, name, args...)
	return out, err
}

// newMacLive builds the Service exactly as the program does on a Mac desktop
// (hostenv's Env, the engine, limactl), with every command going to r and
// every path under a temporary folder.
func newMacLive(t *testing.T, r runner.Runner) *state.Live {
	t.Helper()
	tmp := t.TempDir()
	home := filepath.Join(tmp, "Users", "alice")
	limaHome := filepath.Join(home, ".lima")
	for _, name := range []string{"default", "other"} {
		if err := os.MkdirAll(filepath.Join(limaHome, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	host := &hostenv.Host{
		Platform: autostart.Darwin,
		Root:     filepath.Join(tmp, "root"),
		Home:     home,
		// The boot daemon's UserName must be an account of this machine.
		UID:      65534,
		User:     "nobody",
		Limactl:  "/opt/homebrew/bin/limactl",
		LimaHome: limaHome,
		Session:  elevate.SessionGUI,
		Logger:   slog.New(slog.DiscardHandler),
	}
	env, err := host.Env(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := env.Elevator.(elevate.Osascript); !ok {
		t.Fatalf("the Mac desktop's elevator is %T, want elevate.Osascript", env.Elevator)
	}
	engine, err := autostart.New(env)
	if err != nil {
		t.Fatal(err)
	}
	return &state.Live{
		Platform: autostart.Darwin,
		Lima:     &lima.Client{Limactl: host.Limactl, LimaHome: limaHome, Runner: r},
		Engine:   engine,
	}
}

// TestAdminPromptLeavesTheMenuUsable: while the administrator dialog for
// one instance's Start at Boot is open, the menu still draws, the item
// being changed shows it is busy, another instance can be switched, and
// Quit, which goes through the main thread like every menu change, is
// done while the dialog is still open.
func TestAdminPromptLeavesTheMenuUsable(t *testing.T) {
	limaHome := "" // filled in below, for limactl's answer
	r := &promptRunner{
		Fake:     runner.NewFake(t),
		opened:   make(chan struct{}),
		release:  make(chan struct{}),
		answered: make(chan struct{}),
	}
	live := newMacLive(t, r)
	limaHome = live.Engine.Env().LimaHome
	r.Responses = []runner.Response{
		{Match: []string{"/opt/homebrew/bin/limactl", "list", "--json"}, Stdout: `{"name":"default","status":"Stopped","dir":"` + filepath.Join(limaHome, "default") + `"}` + "\n" +
			`{"name":"other","status":"Stopped","dir":"` + filepath.Join(limaHome, "other") + `"}` + "\n"},
		{Match: []string{"/usr/bin/osascript"}, Stderr: "0:1523: execution error: User canceled. (-128)\n", ExitCode: 1},
		// other's login agent: enable prints nothing, and launchd then
		// holds the enable override it leaves.
		{Match: []string{"/bin/launchctl", "enable", "gui/65534/io.lima-vm.autostart.other"}},
		{Match: []string{"/bin/launchctl", "print-disabled", "gui/65534"},
			Stdout: "disabled services = {\n\t\"io.lima-vm.autostart.other\" => enabled\n}\n"},
	}

	main := newMainThread(t)
	view := &mainThreadView{main: main}
	desktop := &fakeDesktop{}
	g := newGUI(live, desktop, nil)
	quitted := make(chan struct{})
	g.cfg.Quit = func() { main.do(func() { close(quitted) }) }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { g.stop(cancel) })
	g.start(ctx, view)
	h := &harness{t: t, view: &view.fakeView, g: g}

	h.waitFor("both instances", func(m menu.Menu) bool {
		return hasTitle(m.Instances, "default") && hasTitle(m.Instances, "other")
	})
	h.click("default", "Start at Boot")
	select {
	case <-r.opened:
	case <-time.After(10 * time.Second):
		t.Fatalf("the administrator dialog was never opened; calls %q, menu %+v", r.Argvs(), view.menu())
	}
	opened := time.Now()

	h.waitFor("default's Start at Boot busy and other still listed", func(m menu.Menu) bool {
		it, ok := find(m.Instances, "default", "Start at Boot")
		return ok && strings.Contains(it.Title, "Enabling…") && hasTitle(m.Instances, "other")
	})

	h.click("other", "Start at Login")
	agent := filepath.Join(live.Engine.Env().Home, "Library", "LaunchAgents", "io.lima-vm.autostart.other.plist")
	h.waitFor("other's Start at Login on", func(m menu.Menu) bool {
		it, ok := find(m.Instances, "other", "Start at Login")
		return ok && it.Checked && !strings.Contains(it.Title, "…")
	})
	if _, err := os.Stat(agent); err != nil {
		t.Errorf("other's login agent was not written while the dialog was open: %v", err)
	}

	// The dialog stays open until the test releases it, below: Quit
	// done by the deadline was done with the dialog open.
	h.click("Quit LimaBar")
	select {
	case <-quitted:
	case <-time.After(10 * time.Second):
		t.Fatal("Quit was not done within 10s with the dialog open")
	}
	select {
	case <-r.answered:
		t.Fatal("the dialog was answered before the checks ended: they did not run while it was open")
	default:
	}
	close(r.release)

	select {
	case <-r.answered:
	case <-time.After(promptHold + 10*time.Second):
		t.Fatal("the dialog was never answered")
	}
	if held := time.Since(opened); held < promptHold {
		t.Errorf("the dialog was open for %s, want at least %s", held, promptHold)
	}
	g.idle()
	m := h.waitFor("default's Start at Boot idle again", func(m menu.Menu) bool {
		it, ok := find(m.Instances, "default", "Start at Boot")
		return ok && it.Title == "Start at Boot"
	})
	if it, _ := find(m.Instances, "default", "Start at Boot"); it.Checked {
		t.Error("default's Start at Boot is on after the dialog was cancelled")
	}
	if hasTitle(m.Header, "⚠") {
		t.Errorf("the cancelled dialog shows as a failure: %q", titles(m.Header))
	}
	if got := desktop.Got(); len(got) != 0 {
		t.Errorf("the cancelled dialog told the desktop %q", got)
	}
}

// TestMacDesktopWaitsInChildProcesses: on a Mac, what waits for the user
// (an alert, Terminal with its Automation prompt) and the passing
// notification are osascript child processes, never a call into AppKit,
// which would run on the main thread.
func TestMacDesktopWaitsInChildProcesses(t *testing.T) {
	var started [][]string
	d := macDesktop{&tray.MacCommands{Cmd: tray.Commands{
		LookPath: func(name string) (string, error) { return "/usr/bin/" + name, nil },
		Start:    func(argv []string) error { started = append(started, argv); return nil },
		Getenv:   func(string) string { return "" },
	}}}
	calls := []struct {
		name string
		call func() error
	}{
		{"alert", func() error { return d.Alert("Could not enable Start at Boot for default", "limactl: not found") }},
		{"terminal", func() error { return d.OpenTerminal([]string{"/opt/homebrew/bin/limactl", "shell", "default"}) }},
		{"notification", func() error { return d.Notify("default", "now starts at login") }},
		{"log file", func() error { return d.OpenFile("/Users/alice/.lima/default/ha.stderr.log") }},
	}
	for _, c := range calls {
		if err := c.call(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	want := []string{"/usr/bin/osascript", "/usr/bin/osascript", "/usr/bin/osascript", "/usr/bin/open"}
	var got []string
	for _, argv := range started {
		got = append(got, argv[0])
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("started %q, want the programs %q", started, want)
	}
}
