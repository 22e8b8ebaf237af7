package launchdmodel

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/limabar/limabar/autostart/launchd"
)

// TestNoDesktop: over SSH to a Mac nobody is logged in to, every call on
// gui/UID answers 125 in the words real Macs print, user/UID works, and
// nothing changes in the gui domain.
func TestNoDesktop(t *testing.T) {
	dir := t.TempDir()
	agent := filepath.Join(dir, "io.lima-vm.autostart.default.plist")
	data, err := launchd.Encode(limaJob("io.lima-vm.autostart.default", 0, onFailure()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(agent, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m := New(NewFakeClock(), os.ReadFile)
	m.NoDesktop = true
	const target = "gui/501/io.lima-vm.autostart.default"
	for _, tc := range []struct {
		args   []string
		stderr string // verbatim from the sources in domain.go
	}{
		// buildkite/docs#1770: `/bin/launchctl enable gui/501/homebrew.mxcl.gitlab-runner` exited with 125.
		{[]string{"enable", target}, "Could not enable service: 125: Domain does not support specified action\n"},
		// nix-community/home-manager#4413.
		{[]string{"bootstrap", "gui/501", agent}, "Bootstrap failed: 125: Domain does not support specified action\n"},
		// NousResearch/hermes-agent#30586.
		{[]string{"kickstart", "gui/501/ai.hermes.gateway"}, "Could not kickstart service \"ai.hermes.gateway\": 125: Domain does not support specified action\n"},
		// duh17/oppi#38: probing gui/<uid> returns exit status 125.
		{[]string{"print", "gui/501"}, "Domain does not support specified action\n"},
		{[]string{"print-disabled", "gui/501"}, "Domain does not support specified action\n"},
		{[]string{"disable", target}, "Could not disable service: 125: Domain does not support specified action\n"},
		{[]string{"bootout", target}, "Boot-out failed: 125: Domain does not support specified action\n"},
	} {
		res := m.LaunchctlAs(501, tc.args...)
		if res.Code != 125 || res.Stderr != tc.stderr || res.Stdout != "" {
			t.Errorf("launchctl %q: exit %d, stdout %q, stderr %q; want 125, %q", tc.args, res.Code, res.Stdout, res.Stderr, tc.stderr)
		}
	}
	if s := m.Summary(); len(s) != 0 {
		t.Errorf("the refused calls changed launchd: %q", s)
	}
	// The user domain exists over SSH: the same agent loads there.
	if res := m.LaunchctlAs(501, "bootstrap", "user/501", agent); res.Code != 0 {
		t.Errorf("bootstrap user/501: exit %d: %s", res.Code, res.Stderr)
	}
	if j, ok := m.Job("user/501/io.lima-vm.autostart.default"); !ok || j.State != Running {
		t.Errorf("user/501 job %+v, loaded %v; want running", j, ok)
	}
	// With a desktop login, gui/UID is there again.
	m.NoDesktop = false
	if res := m.LaunchctlAs(501, "enable", target); res.Code != 0 {
		t.Errorf("enable with a desktop login: exit %d: %s", res.Code, res.Stderr)
	}
}

// TestSystemNeedsRoot: anyone may read the system domain, only root may
// change it; a user may change only its own user and gui domains.
func TestSystemNeedsRoot(t *testing.T) {
	dir := t.TempDir()
	daemon := filepath.Join(dir, "io.lima-vm.daemon.default.plist")
	data, err := launchd.Encode(limaJob("io.lima-vm.daemon.default", 0, onFailure()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(daemon, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m := New(NewFakeClock(), os.ReadFile)
	const target = "system/io.lima-vm.daemon.default"
	m.Load("system", daemon, limaJob("io.lima-vm.daemon.default", 0, onFailure()))
	if err := m.ProcessExits(target, 1); err != nil {
		t.Fatal(err)
	}
	before := m.Summary()
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		// Alkenso/sLaunchctl#1: a daemon's bootout without sudo.
		{[]string{"bootout", target}, "Boot-out failed: 1: Operation not permitted\n"},
		// DeterminateSystems/nix-installer#1344 prints this form for error 1.
		{[]string{"kickstart", target}, "Could not kickstart service \"io.lima-vm.daemon.default\": 1: Operation not permitted\n"},
		{[]string{"kickstart", "-k", target}, "Could not kickstart service \"io.lima-vm.daemon.default\": 1: Operation not permitted\n"},
		{[]string{"bootstrap", "system", daemon}, "Bootstrap failed: 1: Operation not permitted\n"},
		{[]string{"enable", target}, "Could not enable service: 1: Operation not permitted\n"},
		{[]string{"disable", target}, "Could not disable service: 1: Operation not permitted\n"},
		{[]string{"enable", "gui/502/io.lima-vm.autostart.other"}, "Could not enable service: 1: Operation not permitted\n"},
		{[]string{"bootstrap", "user/502", daemon}, "Bootstrap failed: 1: Operation not permitted\n"},
	} {
		res := m.LaunchctlAs(501, tc.args...)
		if res.Code != 1 || res.Stderr != tc.stderr {
			t.Errorf("launchctl %q as 501: exit %d, stderr %q; want 1, %q", tc.args, res.Code, res.Stderr, tc.stderr)
		}
	}
	if after := m.Summary(); !slices.Equal(after, before) {
		t.Errorf("refused calls changed launchd:\n%q\nwant\n%q", after, before)
	}
	for _, args := range [][]string{{"print", target}, {"print-disabled", "system"}} {
		if res := m.LaunchctlAs(501, args...); res.Code != 0 {
			t.Errorf("launchctl %q as 501: exit %d: %s; anyone may read the system domain", args, res.Code, res.Stderr)
		}
	}
	if res := m.LaunchctlAs(0, "kickstart", target); res.Code != 0 {
		t.Fatalf("kickstart as root: exit %d: %s", res.Code, res.Stderr)
	}
	if j, _ := m.Job(target); j.State != Running || j.Runs != 2 {
		t.Errorf("after root's kickstart the job is %s after %d runs, want running after 2", j.State, j.Runs)
	}
	var got []string
	for _, c := range m.CallsOf("kickstart") {
		got = append(got, c.String())
	}
	want := []string{
		"uid 501: launchctl kickstart " + target,
		"uid 501: launchctl kickstart -k " + target,
		"uid 0: launchctl kickstart " + target,
	}
	if !slices.Equal(got, want) {
		t.Errorf("kickstart calls %q, want %q", got, want)
	}
}
