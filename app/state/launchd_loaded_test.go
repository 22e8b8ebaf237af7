package state

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

// TestLaunchdHealthNotLoaded: an agent that is not loaded in the gui
// domain (Lima 2's `limactl stop` boots it out) is stopped, not unknown;
// Stop Retrying leaves its record; Try Again of an agent that is not
// loaded loads it (`launchctl bootstrap`, RunAtLoad starts it) rather than
// failing on `kickstart`'s 113, and the record goes.
func TestLaunchdHealthNotLoaded(t *testing.T) {
	home := t.TempDir()
	agents := filepath.Join(home, "Library", "LaunchAgents")
	stateDir := filepath.Join(home, "state")
	m := launchdmodel.New(launchdmodel.NewFakeClock(), os.ReadFile)
	r := &launchdmodel.Runner{Model: m, Launchctl: "launchctl"}
	l := &LaunchdHealth{Runner: r, Launchctl: "launchctl", UID: 501, LaunchAgents: agents, StateDir: stateDir}
	in := autostart.Instance{Name: "default", Dir: filepath.Join(home, ".lima", "default")}
	ctx := context.Background()
	gui := launchd.GUIDomain(501)
	target := launchd.Target(gui, launchd.AgentLabel("default"))
	path := launchd.PlistPath(agents, launchd.AgentLabel("default"))
	data, err := launchd.Encode(launchd.Agent(launchd.Params{Name: "default", InstanceDir: in.Dir, Limactl: "/opt/homebrew/bin/limactl", Home: home, User: "u"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(agents, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	if h := l.Health(ctx, in, autostart.Login); h.State != health.Stopped {
		t.Errorf("not loaded: %+v, want stopped", h)
	}

	// Loaded at login, failing at every run; Stop Retrying.
	job, err := launchd.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	m.Load(gui, path, job)
	if err := m.ProcessExits(target, 1); err != nil {
		t.Fatal(err)
	}
	if err := l.StopRetrying(ctx, in, autostart.Login); err != nil {
		t.Fatal(err)
	}
	record := autostart.RestartsStoppedPath(stateDir, "default")
	if _, loaded := m.Job(target); loaded {
		t.Fatal("Stop Retrying left the agent loaded")
	}
	if _, err := os.Stat(record); err != nil {
		t.Fatalf("Stop Retrying left no record: %v", err)
	}
	if h := l.Health(ctx, in, autostart.Login); h.State != health.Stopped {
		t.Errorf("after Stop Retrying: %+v, want stopped", h)
	}

	if err := l.TryAgain(ctx, in, autostart.Login); err != nil {
		t.Fatal(err)
	}
	if j, loaded := m.Job(target); !loaded || j.State != launchdmodel.Running || j.Path != path {
		t.Errorf("after Try Again the agent is %+v (loaded %v), want running from %s", j, loaded, path)
	}
	want := []string{
		"launchctl print " + target,
		"launchctl bootout " + target,
		"launchctl print " + target,
		"launchctl kickstart " + target,
		"launchctl bootstrap " + gui + " " + path,
	}
	if got := r.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls\n got %q\nwant %q", got, want)
	}
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Errorf("the record is still there after Try Again: %v", err)
	}
	if h := l.Health(ctx, in, autostart.Login); h.State != health.Running {
		t.Errorf("after Try Again: %+v, want running", h)
	}
}

// TestLaunchdHealthLoadedForgetsRecord: an agent loaded again by other
// means (a new login) drops the record when its health is read, so that a
// later switch off and on does not load it by an old record.
func TestLaunchdHealthLoadedForgetsRecord(t *testing.T) {
	stateDir := t.TempDir()
	m := launchdmodel.New(launchdmodel.NewFakeClock(), os.ReadFile)
	r := &launchdmodel.Runner{Model: m, Launchctl: "launchctl"}
	l := &LaunchdHealth{Runner: r, Launchctl: "launchctl", UID: 501, StateDir: stateDir}
	record := autostart.RestartsStoppedPath(stateDir, "default")
	if err := os.MkdirAll(filepath.Dir(record), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(record, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m.Load(launchd.GUIDomain(501), "/Users/u/Library/LaunchAgents/io.lima-vm.autostart.default.plist",
		launchd.Job{Label: launchd.AgentLabel("default"), ProgramArguments: []string{"/opt/homebrew/bin/limactl", "start", "default", "--foreground"}, RunAtLoad: true})
	if h := l.Health(context.Background(), autostart.Instance{Name: "default"}, autostart.Login); h.State != health.Running {
		t.Errorf("health %+v, want running", h)
	}
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Errorf("the record is still there: %v", err)
	}
}
