package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/lastsnap"
	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/app/ui"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/runner"
)

// fakeToolkit stands in for the tray at the seam runGUI uses: Run draws on
// a fakeView at once and returns after Quit.
type fakeToolkit struct {
	view     *timedView
	quitOnce sync.Once
	quit     chan struct{}
}

func newFakeToolkit() *fakeToolkit {
	return &fakeToolkit{view: &timedView{began: time.Now(), drawn: make(chan struct{}, 100)}, quit: make(chan struct{})}
}

func (k *fakeToolkit) Run(_ func(menu.Action), ready func(ui.View), _ func()) {
	go ready(k.view)
	<-k.quit
}

func (k *fakeToolkit) Quit() { k.quitOnce.Do(func() { close(k.quit) }) }

// timedView records each menu drawn and when.
type timedView struct {
	began time.Time
	mu    sync.Mutex
	menus []menu.Menu
	at    []time.Duration
	drawn chan struct{}
}

func (v *timedView) Render(m menu.Menu) {
	v.mu.Lock()
	v.menus = append(v.menus, m)
	v.at = append(v.at, time.Since(v.began))
	v.mu.Unlock()
	select {
	case v.drawn <- struct{}{}:
	default:
	}
}

// first returns the first menu whose header says what, and when it was
// drawn; it waits up to timeout for it.
func (v *timedView) first(t *testing.T, what string, timeout time.Duration) time.Duration {
	t.Helper()
	deadline := time.After(timeout)
	for {
		v.mu.Lock()
		for i, m := range v.menus {
			if hasTitle(m.Header, what) {
				v.mu.Unlock()
				return v.at[i]
			}
		}
		n := len(v.menus)
		v.mu.Unlock()
		select {
		case <-v.drawn:
		case <-deadline:
			t.Fatalf("no menu saying %q within %s (%d menus drawn)", what, timeout, n)
		}
	}
}

// slowShell is a login shell whose startup files hang for ten minutes,
// longer than any deadline of these tests, and leave a child holding its
// output open. The bound kills its process group.
func slowShell(t *testing.T) string {
	t.Helper()
	shell := filepath.Join(t.TempDir(), "zsh")
	if err := os.WriteFile(shell, []byte("#!/bin/sh\nsleep 600 &\nsleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return shell
}

// macHost is a Mac's host as Probe reads it for an app started from
// Finder: no limactl on PATH, no LIMA_HOME, so the login shell is needed.
func macHost(t *testing.T, shell string, logger *slog.Logger) *hostenv.Host {
	t.Helper()
	home := t.TempDir()
	h, err := hostenv.Probe(hostenv.Options{
		Platform: autostart.Darwin,
		Getenv:   func(k string) string { return map[string]string{"HOME": home, "SHELL": shell}[k] },
		LookPath: func(string) (string, error) { return "", errors.New("not found") },
		Geteuid:  func() int { return 501 },
		Logger:   logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// guiEnv gives runGUI a display to check for and a private lock folder.
func guiEnv(t *testing.T) {
	t.Setenv("DISPLAY", ":limabar-test")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
}

// TestMenuBeforeTheLoginShell: the menu is drawn before the login shell is
// done, saying it reads the instances, while a login shell that hangs with
// a child holding its output is bounded; then the menu fills, once the
// bound has passed (the shell itself would hang for longer than the test
// waits).
func TestMenuBeforeTheLoginShell(t *testing.T) {
	guiEnv(t)
	host := macHost(t, slowShell(t), nil)
	if !host.NeedsLoginShell() {
		t.Fatal("the host does not need the login shell; the test would prove nothing")
	}
	kit := newFakeToolkit()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runGUI(ctx, host, slog.New(slog.DiscardHandler), kit, func() {}) }()

	if at := kit.view.first(t, "Reading Lima instances…", 30*time.Second); at >= hostenv.LoginShellLimit {
		t.Errorf("the first menu came after %s, not before the login shell's %s bound", at, hostenv.LoginShellLimit)
	}
	filled := kit.view.first(t, "Lima is not installed", 60*time.Second)
	if filled < hostenv.LoginShellLimit {
		t.Errorf("the menu filled after %s, before the %s bound", filled, hostenv.LoginShellLimit)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runGUI did not return after its context ended")
	}
}

// TestLastMenuBeforeTheLoginShell: with a snapshot kept from the last run
// in the state folder, the first menu, drawn before the login shell is
// done, shows its instances, marked as being refreshed.
func TestLastMenuBeforeTheLoginShell(t *testing.T) {
	guiEnv(t)
	host := macHost(t, slowShell(t), nil)
	last := state.Snapshot{Platform: autostart.Darwin, Limactl: "/opt/homebrew/bin/limactl", LimaHome: filepath.Join(host.Home, ".lima"),
		Instances: []state.Instance{{Instance: lima.Instance{Name: "default", Status: lima.StatusStopped, Dir: filepath.Join(host.Home, ".lima", "default")}}}}
	lastsnap.New(host.StateDir(), nil).Save(last)
	kit := newFakeToolkit()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runGUI(ctx, host, slog.New(slog.DiscardHandler), kit, func() {}) }()
	kit.view.first(t, menu.RefreshingLine, 5*time.Second)
	kit.view.mu.Lock()
	first := kit.view.menus[0]
	kit.view.mu.Unlock()
	if !hasTitle(first.Header, menu.RefreshingLine) || !hasTitle(first.Instances, "default") {
		t.Errorf("first menu: header %q, instances %q; want the last one, marked", titles(first.Header), titles(first.Instances))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestQuitDuringStartUp: a quit while the login shell still runs ends the
// app at once, without waiting for the shell.
func TestQuitDuringStartUp(t *testing.T) {
	guiEnv(t)
	host := macHost(t, slowShell(t), nil)
	kit := newFakeToolkit()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runGUI(ctx, host, slog.New(slog.DiscardHandler), kit, func() {}) }()
	kit.view.first(t, "Reading Lima instances…", 5*time.Second)
	began := time.Now()
	cancel()
	select {
	case <-done:
		if took := time.Since(began); took > 2*time.Second {
			t.Errorf("quitting took %s, want within 2s", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runGUI did not return after its context ended")
	}
}

// TestDebugLogsEveryCommand: with LIMABAR_DEBUG=1 each kind of external
// command (the login shell, launchctl, osascript, limactl, systemctl, a
// desktop opener) leaves a line with its argv, exit status and duration.
func TestDebugLogsEveryCommand(t *testing.T) {
	var buf commandLog
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bin := t.TempDir()
	stub := func(name, body string) string {
		p := filepath.Join(bin, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shell := stub("zsh", `exec /bin/sh -c "$4"`+"\n")
	limactl := stub("limactl", `[ "$1" = list ] && printf '{"name":"default","status":"Stopped","dir":"%s/default"}\n' "$LIMA_HOME"`+"\nexit 0\n")
	stub("systemctl", "exit 0\n")
	stub("xdg-open", "exit 0\n")
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))

	ctx := context.Background()
	t.Run("login shell", func(t *testing.T) {
		host := macHost(t, shell, logger)
		if err := host.Complete(ctx); err != nil {
			t.Fatal(err)
		}
		buf.want(t, shell+" -l -i -c", "0")
	})
	t.Run("launchctl", func(t *testing.T) {
		if runtime.GOOS == "darwin" {
			t.Skip("the real launchctl would change this Mac's login items")
		}
		host := macHost(t, shell, logger)
		// launchctl is absent here: the failed run is logged too.
		selfStarter(host, logger).Enable()
		buf.want(t, "/bin/launchctl ", "")
	})
	t.Run("osascript", func(t *testing.T) {
		if runtime.GOOS == "darwin" {
			t.Skip("the real osascript would ask this Mac for an administrator password")
		}
		// The administrator prompt of a Mac desktop session: absent here,
		// so its failed run is what is logged.
		host := macHost(t, shell, logger)
		host.Session = elevate.SessionGUI
		env, err := host.Env(runner.Exec{Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		env.Elevator.RunAsRoot(ctx, "true", "LimaBar wants to test")
		buf.want(t, "/usr/bin/osascript -e", "")
	})
	t.Run("limactl and systemctl", func(t *testing.T) {
		home := t.TempDir()
		limaHome := filepath.Join(home, ".lima")
		os.MkdirAll(filepath.Join(limaHome, "default"), 0o755)
		host, err := hostenv.Detect(hostenv.Options{
			Platform: autostart.Linux,
			Getenv: func(k string) string {
				return map[string]string{"HOME": home, "LIMACTL": limactl, "LIMA_HOME": limaHome}[k]
			},
			Geteuid: func() int { return 1000 },
			Logger:  logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		live, err := newLive(host, logger, "")
		if err != nil {
			t.Fatal(err)
		}
		live.Snapshot(ctx)
		buf.want(t, limactl+" list --json", "0")
		live.Enable(ctx, "default", autostart.Login)
		buf.want(t, "systemctl --user", "0")
	})
	t.Run("desktop opener", func(t *testing.T) {
		if err := tray.NewXDG(runner.Exec{Logger: logger}).OpenURL("https://lima-vm.io/"); err != nil {
			t.Fatal(err)
		}
		buf.wait(t, "xdg-open https://lima-vm.io/", "0")
	})
}

// commandLog is the debug log of the commands, read while they write.
type commandLog struct{ syncBuffer }

// line returns the log line that ends the command argvPrefix (argv as the
// log prints it) with exit status exit ("" for any).
func (b *commandLog) line(argvPrefix, exit string) string {
	for l := range strings.Lines(b.String()) {
		if !strings.Contains(l, "argv=\"["+argvPrefix) && !strings.Contains(l, "argv=["+argvPrefix) {
			continue
		}
		if !strings.Contains(l, "msg=\"exec done\"") && !strings.Contains(l, "msg=\"exec failed\"") {
			continue
		}
		if strings.Contains(l, " took=") && (exit == "" && strings.Contains(l, " exit=") || strings.Contains(l, " exit="+exit+" ")) {
			return l
		}
	}
	return ""
}

func (b *commandLog) want(t *testing.T, argvPrefix, exit string) {
	t.Helper()
	if b.line(argvPrefix, exit) == "" {
		t.Errorf("no debug line for %q with exit %q and its duration; log:\n%s", argvPrefix, exit, b.String())
	}
}

// wait is want for a command that runs on its own goroutine.
func (b *commandLog) wait(t *testing.T, argvPrefix, exit string) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		next := b.written.next()
		if b.line(argvPrefix, exit) != "" {
			return
		}
		select {
		case <-next:
		case <-deadline.C:
			b.want(t, argvPrefix, exit)
			return
		}
	}
}

// TestSecondInstanceExits: a second LimaBar of the same user says that one
// runs and ends, instead of adding a second icon.
func TestSecondInstanceExits(t *testing.T) {
	guiEnv(t)
	unlock, err := lockSingleInstance()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	host := macHost(t, slowShell(t), nil)
	kit := newFakeToolkit()
	err = runGUI(context.Background(), host, slog.New(slog.DiscardHandler), kit, func() {})
	if err == nil || err.Error() != "LimaBar is already running" {
		t.Errorf("runGUI: %v, want LimaBar is already running", err)
	}
}
