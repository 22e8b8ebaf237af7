package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/app/ui"
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
// (an alert, Terminal with its Automation prompt) runs in osascript child
// processes, never in a call into AppKit, which would run on the main
// thread; the notification is posted off the caller's goroutine (outside a
// bundle, as here, by osascript run to its end, whose failure is logged);
// the log file opens with open.
func TestMacDesktopWaitsInChildProcesses(t *testing.T) {
	var started [][]string
	r := runner.NewFake(t, runner.Response{Match: []string{"/usr/bin/osascript", "-e"}})
	d := macos.NewDesktop(&tray.MacCommands{Cmd: tray.Commands{
		LookPath: func(name string) (string, error) { return "/usr/bin/" + name, nil },
		Start:    func(argv []string) error { started = append(started, argv); return nil },
		Getenv:   func(string) string { return "" },
	}}, r, nil)
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
	// The notification is posted by then.
	d.Close()
	want := []string{"/usr/bin/osascript", "/usr/bin/osascript", "/usr/bin/open"}
	var got []string
	for _, argv := range started {
		got = append(got, argv[0])
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("started %q, want the programs %q", started, want)
	}
	wantRun := []string{"/usr/bin/osascript -e display notification \"now starts at login\" with title \"default\""}
	if got := r.Argvs(); strings.Join(got, "\n") != strings.Join(wantRun, "\n") {
		t.Errorf("ran %q, want the notification %q", got, wantRun)
	}
}

// appKit stands in for getlantern/systray on a Mac, as AppKit runs it: one
// main thread runs the draws and Quit, each waiting for it
// (performSelectorOnMainThread:…waitUntilDone:YES); Quit is [NSApp
// terminate:], which runs the exit callback (applicationWillTerminate,
// systray's onExit) on the main thread and then exits the process, so Run
// never returns (systray_darwin.m; getlantern/systray#212).
type appKit struct {
	main        chan func()
	terminating chan struct{} // closed as the exit callback begins
	menus       chan menu.Menu
	onClick     chan func(menu.Action)
	exit        func()
}

func newAppKit() *appKit {
	return &appKit{main: make(chan func()), terminating: make(chan struct{}),
		menus: make(chan menu.Menu, 1000), onClick: make(chan func(menu.Action), 1)}
}

func (k *appKit) do(fn func()) {
	done := make(chan struct{})
	k.main <- func() { defer close(done); fn() }
	<-done
}

func (k *appKit) Run(onClick func(menu.Action), ready func(ui.View), exit func()) {
	k.exit = exit
	k.onClick <- onClick
	go ready(appKitView{k})
	for fn := range k.main {
		fn()
	}
}

func (k *appKit) Quit() {
	k.do(func() {
		close(k.terminating)
		k.exit()
		os.Exit(0)
	})
}

type appKitView struct{ k *appKit }

func (v appKitView) Render(m menu.Menu) { v.k.do(func() { v.k.menus <- m }) }

// appKitRunner is the Mac's commands for the program in appKit: limactl
// lists default, every launchctl call succeeds, and the administrator
// dialog stays open until the app is terminating, then is answered with
// the password. Each command is written to a file as it runs.
type appKitRunner struct {
	limaHome string
	argv     *os.File
	opened   chan struct{}
	quitting <-chan struct{}
	once     sync.Once
}

func (r *appKitRunner) RunStderr(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	line, _, _ = strings.Cut(line, "\n")
	fmt.Fprintln(r.argv, line)
	switch name {
	case "/opt/homebrew/bin/limactl":
		return []byte(`{"name":"default","status":"Stopped","dir":"` + filepath.Join(r.limaHome, "default") + `"}` + "\n"), nil, nil
	case "/usr/bin/osascript":
		r.once.Do(func() { close(r.opened) })
		// The password is typed a moment after the quit: long enough
		// for a process that ended without waiting to be gone.
		<-r.quitting
		<-time.After(answerAfterQuit)
	}
	return nil, nil, nil
}

func (r *appKitRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, _, err := r.RunStderr(ctx, name, args...)
	return out, err
}

// answerAfterQuit is how long after the quit the administrator dialog of
// TestQuitDuringTheBootPromptOnAMac is answered.
const answerAfterQuit = 500 * time.Millisecond

// appKitChildVar names the folder of TestQuitDuringTheBootPromptOnAMac's
// child process.
const appKitChildVar = "LIMABAR_APPKIT_CHILD"

// TestQuitDuringTheBootPromptOnAMac: on a Mac, Quit while "Start at Boot"
// waits at the administrator prompt finishes the change inside the exit
// callback, before the process ends: default, registered at login, ends
// registered at boot only (the prompt's daemon, the login agent removed).
// The single-instance lock is released, and the log ends with the line
// that says the app stopped. The program runs in a child process with the
// appKit stand-in, whose Quit exits the process as AppKit does.
func TestQuitDuringTheBootPromptOnAMac(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestAppKitChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), appKitChildVar+"="+dir, "XDG_RUNTIME_DIR="+dir, "TMPDIR="+filepath.Join(dir, "tmp"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child process: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "--- PASS") || strings.Contains(string(out), "--- FAIL") {
		t.Fatalf("the child's test ended instead of its process:\n%s", out)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%v; the child said:\n%s", err, out)
		}
		return string(b)
	}

	var prompts, removals int
	for l := range strings.Lines(read("argv")) {
		switch {
		case strings.HasPrefix(l, "/usr/bin/osascript -e do shell script"):
			prompts++
		case strings.TrimSpace(l) == "/bin/launchctl disable gui/65534/io.lima-vm.autostart.default" && prompts == 1:
			removals++
		}
	}
	if prompts != 1 || removals != 1 {
		t.Errorf("%d prompts, then %d removals of the login agent; want the boot daemon installed once and the login agent removed after it:\n%s", prompts, removals, read("argv"))
	}
	if _, err := os.Stat(read("agent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the login agent is still there (%v): default is registered twice", err)
	}

	if got := read("relock"); got != "free" {
		t.Errorf("taking the lock again at the end of the exit callback: %s", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", dir)
	unlock, err := lockSingleInstance()
	if err != nil {
		t.Errorf("after the process: %v", err)
	} else {
		unlock()
	}

	lines := strings.Split(strings.TrimSpace(read("log")), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, `msg="menu-bar app stopped"`) {
		t.Errorf("the log ends with %q, want the app stopped", last)
	}
	if !strings.Contains(read("log"), `msg="action done" action=enable instance=default condition=boot`) {
		t.Errorf("the log does not have the change done:\n%s", read("log"))
	}
}

// TestAppKitChild is the child process of
// TestQuitDuringTheBootPromptOnAMac; run by itself it does nothing.
func TestAppKitChild(t *testing.T) {
	dir := os.Getenv(appKitChildVar)
	if dir == "" {
		return
	}
	kit := newAppKit()
	argv, err := os.Create(filepath.Join(dir, "argv"))
	if err != nil {
		t.Fatal(err)
	}
	r := &appKitRunner{argv: argv, opened: make(chan struct{}), quitting: kit.terminating}
	live := newMacLive(t, r)
	r.limaHome = live.Engine.Env().LimaHome
	if _, err := live.Enable(context.Background(), "default", autostart.Login); err != nil {
		t.Fatal(err)
	}
	agent := filepath.Join(live.Engine.Env().Home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")
	if _, err := os.Stat(agent); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "agent"), []byte(agent), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(logFile, nil))
	stopped := func() {
		relock := "free"
		if unlock, err := lockSingleInstance(); err != nil {
			relock = err.Error()
		} else {
			unlock()
		}
		os.WriteFile(filepath.Join(dir, "relock"), []byte(relock), 0o600)
		logFile.Close()
	}

	go func() {
		click := <-kit.onClick
		for m := range kit.menus {
			login, _ := find(m.Instances, "default", "Start at Login")
			boot, _ := find(m.Instances, "default", "Start at Boot")
			if login.Checked && boot.Enabled && boot.Action.Kind == menu.Enable {
				click(boot.Action)
				break
			}
		}
		go func() {
			for range kit.menus {
			}
		}()
		<-r.opened
		click(menu.Action{Kind: menu.Quit})
	}()
	err = runMenu(context.Background(), menuApp{
		platform: autostart.Darwin,
		desktop:  &fakeDesktop{},
		logger:   logger,
		kit:      kit,
		start:    func(context.Context) (state.Service, error) { return live, nil },
		last:     ui.NoLastMenu{},
		stopped:  stopped,
	})
	t.Fatalf("runMenu returned (%v): on a Mac the process ends in the exit callback", err)
}
