package state

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/runner"
)

// TestCurrentHealthForgetsFailuresOfAnEarlierRegistration: a failure
// from before the registration file was written is history; one after
// it, one being restarted, or one whose time or file is unknown stays.
func TestCurrentHealthForgetsFailuresOfAnEarlierRegistration(t *testing.T) {
	dir := t.TempDir()
	unit := filepath.Join(dir, "lima-vm@dev.service")
	write(t, unit, "[Unit]\n")
	written := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	if err := os.Chtimes(unit, written, written); err != nil {
		t.Fatal(err)
	}
	before, after := written.Add(-time.Minute), written.Add(time.Minute)
	for _, tc := range []struct {
		name string
		h    health.Health
		path string
		want health.State
	}{
		{"failed before the registration", health.Health{State: health.Failed, Since: before, ExitCode: 1, Reason: "qemu missing"}, unit, health.Stopped},
		{"failing before the registration", health.Health{State: health.Failing, Since: before, Restarts: 4}, unit, health.Stopped},
		{"failed after the registration", health.Health{State: health.Failed, Since: after}, unit, health.Failed},
		{"failing after the registration", health.Health{State: health.Failing, Since: after}, unit, health.Failing},
		{"restarting now", health.Health{State: health.Failing, Restarting: true, Since: before}, unit, health.Failing},
		{"failure without a time", health.Health{State: health.Failed}, unit, health.Failed},
		{"registration file gone", health.Health{State: health.Failed, Since: before}, filepath.Join(dir, "gone.service"), health.Failed},
		{"no registration file", health.Health{State: health.Failed, Since: before}, "", health.Failed},
		{"running", health.Health{State: health.Running, Since: before}, unit, health.Running},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := currentHealth(tc.h, tc.path)
			if got.State != tc.want {
				t.Fatalf("state %q, want %q", got.State, tc.want)
			}
			if tc.want == health.Stopped && (got.Reason != "" || got.ExitCode != 0 || got.Restarts != 0 || !got.Since.IsZero()) {
				t.Errorf("the old failure's details remain: %+v", got)
			}
			if tc.want == tc.h.State && got != tc.h {
				t.Errorf("got %+v, want it unchanged: %+v", got, tc.h)
			}
		})
	}
}

// TestLaunchdFailureBeforeThePlistIsHistory: on a Mac, launchd keeps a
// loaded job's last exit when its plist is written again; the log the
// failed run wrote is older than the new plist, so the snapshot shows
// the job stopped, and a run that fails after it shows as failed again.
func TestLaunchdFailureBeforeThePlistIsHistory(t *testing.T) {
	tmp := t.TempDir()
	home := filepath.Join(tmp, "Users", "alice")
	dir := filepath.Join(home, ".lima", "default")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := &runner.Fake{Responses: []runner.Response{
		{Match: []string{"/opt/homebrew/bin/limactl", "list", "--json"}, Stdout: `{"name":"default","status":"Stopped","dir":"` + dir + `"}` + "\n"},
		// The same job block as TestLaunchdHealth's.
		{Match: []string{"launchctl", "print", "gui/501/io.lima-vm.autostart.default"}, Stdout: "gui/501/io.lima-vm.autostart.default = {\n\tstate = not running\n\truns = 1\n\tlast exit code = 1\n}\n"},
		// Turning Start at Login on: launchctl enable, and the override it leaves.
		{Match: []string{"launchctl", "enable", "gui/501/io.lima-vm.autostart.default"}},
		{Match: []string{"launchctl", "print-disabled", "gui/501"}, Stdout: "disabled services = {\n\t\"io.lima-vm.autostart.default\" => enabled\n}\n"},
	}}
	engine, err := autostart.New(autostart.Env{
		Platform: autostart.Darwin, Home: home, StateDir: filepath.Join(home, "Library", "Application Support", "LimaBar"),
		LaunchDaemonsDir: filepath.Join(tmp, "Library", "LaunchDaemons"), UID: 501, User: "alice",
		Limactl: "/opt/homebrew/bin/limactl", LimaHome: filepath.Join(home, ".lima"),
		Tools:  autostart.Tools{Launchctl: "launchctl", Plutil: "plutil"},
		Runner: fake,
	})
	if err != nil {
		t.Fatal(err)
	}
	live := &Live{Platform: autostart.Darwin, Lima: &lima.Client{Limactl: "/opt/homebrew/bin/limactl", LimaHome: filepath.Join(home, ".lima"), Runner: fake},
		Engine: engine, Health: &LaunchdHealth{Runner: fake, Launchctl: "launchctl", UID: 501}}
	ctx := context.Background()

	logFile := filepath.Join(dir, "launchd.stderr.log")
	write(t, logFile, `time="2026-12-03T22:00:00Z" level=fatal msg="qemu-system-aarch64 not found"`+"\n")
	failedAt := time.Now().Add(-time.Hour)
	if err := os.Chtimes(logFile, failedAt, failedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := live.Enable(ctx, "default", autostart.Login); err != nil {
		t.Fatal(err)
	}
	healthOf := func() *health.Health {
		t.Helper()
		s := live.Snapshot(ctx)
		if len(s.Instances) != 1 || s.Instances[0].Health == nil {
			t.Fatalf("snapshot %+v, want default with its health", s)
		}
		return s.Instances[0].Health
	}
	if h := healthOf(); h.State != health.Stopped {
		t.Errorf("a failure logged before the plist was written: %+v, want stopped", h)
	}
	again := time.Now().Add(time.Minute)
	if err := os.Chtimes(logFile, again, again); err != nil {
		t.Fatal(err)
	}
	if h := healthOf(); h.State != health.Failed || h.Reason != "qemu-system-aarch64 not found" {
		t.Errorf("a failure logged after the plist was written: %+v, want failed with its reason", h)
	}
}
