//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// failedJob makes default's unit fail at every start until systemd gives
// up (start-limit-hit), as a login with QEMU missing does, and checks
// that list says so.
func (w *healthWorld) failedJob() {
	w.t.Helper()
	w.write(filepath.Join(w.dir, ".fail"), "", 0o644)
	w.startUnit()
	w.waitSettled()
	if h := w.loginHealth(); h["state"] != "failing" {
		w.t.Fatalf("list --json login.health = %v before the test, want failing", h)
	}
}

// noFailure checks that list, list --json and doctor show no failure of
// default's job.
func (w *healthWorld) noFailure(when string) {
	w.t.Helper()
	if h := w.loginHealth(); h["state"] != "stopped" {
		w.t.Errorf("%s: list --json login.health = %v, want stopped", when, h)
	}
	if r := w.cli("list"); r.code != 0 || strings.Contains(r.stdout, "fail") {
		w.t.Errorf("%s: list: exit %d\n%s", when, r.code, r.stdout)
	}
	if r := w.cli("doctor"); r.code != 0 || r.stdout != "No problems found.\n" {
		w.t.Errorf("%s: doctor: exit %d, stdout %q, want 0 and no problems", when, r.code, r.stdout)
	}
}

// TestPastFailureGoesWithReregistering: a unit that kept failing, then is
// turned off and on again with the command line, has a new registration,
// and its failure is history: list, doctor and the menu (without a
// Refresh) show none, systemd no longer holds the unit failed, and
// nothing started the instance.
func TestPastFailureGoesWithReregistering(t *testing.T) {
	w := newHealthWorld(t)
	app := w.start()
	app.waitFor("the instance", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })
	w.failedJob()
	app.waitFor("the failure on the instance", 10*time.Second, failing)
	starts := w.starts()

	for _, args := range [][]string{{"disable", "--condition=login", "default"}, {"enable", "--condition=login", "default"}} {
		if r := w.cli(args...); r.code != 0 {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	w.noFailure("after disable and enable")
	app.waitFor("the instance starting at login without a warning, with no Refresh", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		_, warned := n.item("default", "⚠")
		return ok && strings.HasSuffix(in.Label, "· starts at login") && !warned
	})
	if state := w.isActive(); state != "inactive" {
		t.Errorf("systemctl --user is-active %s: %q, want inactive (the failure cleared, nothing started)", w.unit, state)
	}
	if got := w.starts(); got != starts {
		t.Errorf("the instance was started %d times by re-registering it", got-starts)
	}
}

// TestPastFailureOfARewrittenUnit: a unit file written again by another
// program (limactl, an editor) after the job failed is a new
// registration too, though systemd still holds the unit failed: list and
// doctor show no failure.
func TestPastFailureOfARewrittenUnit(t *testing.T) {
	w := newHealthWorld(t)
	w.failedJob()
	unitPath := filepath.Join(w.sd.ConfigHome, "systemd", "user", w.unit)
	b, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	w.write(unitPath, string(b), 0o644)
	// The file system stamps a write with a clock that may lag the real
	// one by a tick; the registration's time is now, after the failure.
	now := time.Now()
	if err := os.Chtimes(unitPath, now, now); err != nil {
		t.Fatal(err)
	}
	if out, err := w.sd.Systemctl("daemon-reload"); err != nil {
		t.Fatalf("daemon-reload: %v: %s", err, out)
	}
	if state := w.isActive(); state != "failed" {
		t.Fatalf("systemd holds the unit %q, want failed (the test needs it so)", state)
	}
	w.noFailure("after the unit was rewritten")
}

// TestDoctorFixClearsAFailedJob: doctor says what --fix does for a job
// that failed with a sound registration; --fix clears the failure without
// starting anything and exits 0, and then nothing is left to report.
func TestDoctorFixClearsAFailedJob(t *testing.T) {
	w := newHealthWorld(t)
	w.failedJob()
	starts := w.starts()

	r := w.cli("doctor")
	wantAdvice := "default: fix the cause, then `limabar doctor --fix` clears the failure (it starts nothing) and `limactl start default` starts the instance\n"
	if r.code != 3 || !strings.HasSuffix(r.stdout, wantAdvice) || strings.Contains(r.stdout, "to repair") {
		t.Errorf("doctor: exit %d, stdout:\n%s\nwant 3, ending with:\n%s", r.code, r.stdout, wantAdvice)
	}
	r = w.cli("doctor", "--fix")
	wantFixed := "default: cleared: the failure is forgotten and nothing was started: the job runs at the next login, or `limactl start default` starts the instance now\n"
	if r.code != 0 || !strings.HasSuffix(r.stdout, wantFixed) {
		t.Errorf("doctor --fix: exit %d, stdout:\n%s\nstderr: %s\nwant 0, ending with:\n%s", r.code, r.stdout, r.stderr, wantFixed)
	}
	if state := w.isActive(); state != "inactive" {
		t.Errorf("systemctl --user is-active %s: %q after doctor --fix, want inactive", w.unit, state)
	}
	if got := w.starts(); got != starts {
		t.Errorf("doctor --fix started the instance %d times", got-starts)
	}
	w.noFailure("after doctor --fix")
}

// TestEnableWhenResetFailedFails: forgetting the failures of an earlier
// registration is no part of the registration: when systemctl refuses
// it (as for a unit systemd never loaded), enable succeeds, says nothing
// of it, and the unit is registered.
func TestEnableWhenResetFailedFails(t *testing.T) {
	s := newSandbox(t, "linux")
	s.instance("default")
	s.linuxFakes()
	s.env["FAKE_FAIL"] = "reset-failed"
	r := s.limabar("enable", "--condition=login", "default")
	if r.code != 0 || r.stdout != "default will start at login\n" || r.stderr != "" {
		t.Errorf("got exit %d, stdout %q, stderr %q; want 0 and only that default will start at login", r.code, r.stdout, r.stderr)
	}
	if calls := strings.Join(s.calls(), "\n"); !strings.Contains(calls, "systemctl --user reset-failed lima-vm@default.service") {
		t.Errorf("reset-failed was not run:\n%s", calls)
	}
	if got := cond(s.listJSON()[0], "login"); got["enabled"] != true || len(got["problems"].([]any)) != 0 {
		t.Errorf("login = %v, want enabled without problems", got)
	}
}
