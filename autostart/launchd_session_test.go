package autostart

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

// sessionFixture is a Mac reached over SSH: the host found no desktop
// login, and launchd (the model) has, or has not, a gui/501 domain.
func sessionFixture(t *testing.T, desktop bool) (*fixture, *launchdmodel.Runner, *launchdmodel.Model) {
	f := newFixture(t, Darwin)
	m := launchdmodel.New(launchdmodel.NewFakeClock(), os.ReadFile)
	m.NoDesktop = !desktop
	r := &launchdmodel.Runner{Model: m, Launchctl: "launchctl", UID: 501}
	f.env.Runner = r
	f.env.NoDesktop = true
	f.rebuild(t)
	return f, r, m
}

// TestDarwinLoginWithoutDesktop: over SSH, with no gui/501 domain, Start
// at login writes the agent for the next desktop login, succeeds and says
// so; launchd is asked only whether the domain is there. Turning it off
// removes the agent.
func TestDarwinLoginWithoutDesktop(t *testing.T) {
	f, r, m := sessionFixture(t, false)
	ctx := context.Background()
	res, err := f.m.Enable(ctx, f.inst, Login, EnableOptions{})
	if err != nil {
		t.Fatalf("enable over SSH: %v", err)
	}
	want := "default will start at the next desktop login (nobody is logged in at the desktop now, so launchd was not asked; it loads " + f.agentPath() + " at login)"
	if !res.Changed || res.Message != want {
		t.Errorf("result %+v, want changed with %q", res, want)
	}
	if _, err := os.Stat(f.agentPath()); err != nil {
		t.Fatalf("no agent on disk: %v", err)
	}
	if got, want := r.Calls(), []string{"launchctl print-disabled gui/501"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if s := m.Summary(); len(s) != 0 {
		t.Errorf("launchd changed: %q", s)
	}
	st, err := f.m.Status(ctx, f.inst)
	must(t, err)
	if !st.Login.Enabled || len(st.Login.Problems) != 0 {
		t.Errorf("status %+v, want login on without problems", st.Login)
	}

	n := len(r.Calls())
	res, err = f.m.Disable(ctx, f.inst, Login)
	if err != nil {
		t.Fatalf("disable over SSH: %v", err)
	}
	if !res.Changed || res.Message != "default will no longer start at login" {
		t.Errorf("disable result %+v", res)
	}
	if _, err := os.Stat(f.agentPath()); !os.IsNotExist(err) {
		t.Errorf("agent still there: %v", err)
	}
	if got, want := r.Calls()[n:], []string{"launchctl print-disabled gui/501"}; !slices.Equal(got, want) {
		t.Errorf("disable calls %q, want %q", got, want)
	}
}

// TestDarwinLoginDesktopBehindAnother: the host found the console another
// user's, but launchd has gui/501 (the user is logged in at the desktop
// behind fast user switching): the agent is enabled as usual.
func TestDarwinLoginDesktopBehindAnother(t *testing.T) {
	f, r, m := sessionFixture(t, true)
	res, err := f.m.Enable(context.Background(), f.inst, Login, EnableOptions{})
	must(t, err)
	if res.Message != "default will start at login" {
		t.Errorf("message %q", res.Message)
	}
	want := []string{"launchctl print-disabled gui/501", "launchctl enable gui/501/io.lima-vm.autostart.default"}
	if got := r.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if d, ok := m.Disabled("gui/501", "io.lima-vm.autostart.default"); !ok || d {
		t.Errorf("override disabled=%v present=%v, want an enable override", d, ok)
	}
}

// TestDarwinLoginWithoutDesktopHostUnaware: a host that took the session
// for a desktop one asks launchd for gui/501 straight away, and launchd's
// 125 is reported, naming the instance, with nothing left on disk.
func TestDarwinLoginWithoutDesktopHostUnaware(t *testing.T) {
	f, _, _ := sessionFixture(t, false)
	f.env.NoDesktop = false
	f.rebuild(t)
	_, err := f.m.Enable(context.Background(), f.inst, Login, EnableOptions{})
	if err == nil || !strings.Contains(err.Error(), `"default"`) || !strings.Contains(err.Error(), "125: Domain does not support specified action") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(f.agentPath()); !os.IsNotExist(err) {
		t.Errorf("agent left after the rollback: %v", err)
	}
}
