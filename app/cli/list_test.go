package cli

import (
	"context"
	"testing"
	"time"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// listBackend lists fixed instances.
type listBackend struct {
	warningBackend
	snap state.Snapshot
}

func (b *listBackend) Snapshot(context.Context) state.Snapshot { return b.snap }

func (b *listBackend) Registered(context.Context) ([]autostart.Registration, error) {
	return []autostart.Registration{}, nil
}

// TestListCountsLimactlErrors: the PROBLEMS column counts a broken
// lima.yaml as well as a registration's problems, so that `limabar list`
// never shows 0 beside an instance that cannot start; below the table,
// limactl's error in the menu's short form, then whole.
func TestListCountsLimactlErrors(t *testing.T) {
	on := autostart.CondStatus{Supported: true, Enabled: true, Problems: []autostart.Problem{{Code: "path-missing", Message: "no PATH"}}}
	off := autostart.CondStatus{Supported: true}
	b := &listBackend{snap: state.Snapshot{Limactl: "/usr/bin/limactl", Instances: []state.Instance{
		{Instance: lima.Instance{Name: "bad", Status: "Broken", Errors: []string{"lima.yaml: line 3: mapping values are not allowed"}}, Autostart: autostart.Status{Login: off, Boot: off}},
		{Instance: lima.Instance{Name: "default", Status: "Running"}, Autostart: autostart.Status{Login: on, Boot: off}},
	}}}
	code, stdout, stderr := run(b, "list")
	want := "NAME     STATUS   LOGIN  BOOT  HEALTH  PROBLEMS\n" +
		"bad      Broken   off    off   -       1\n" +
		"default  Running  on     off   -       1\n" +
		"\n" +
		"⚠ bad: mapping values are not allowed — limactl reports an error\n" +
		"    lima.yaml: line 3: mapping values are not allowed\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("got exit %d, stdout:\n%s\nstderr %q; want stdout:\n%s", code, stdout, stderr, want)
	}
}

func failedBackend() *listBackend {
	on := autostart.CondStatus{Supported: true, Enabled: true, Path: "/home/a/.config/systemd/user/lima-vm@default.service", Problems: []autostart.Problem{}}
	off := autostart.CondStatus{Supported: true, Path: "/home/a/.config/systemd/user/lima-vm@default.service"}
	h := health.Health{State: health.Failing, Reason: "qemu-system-x86_64 not found", ExitCode: 1, Restarts: 4,
		Since: time.Date(2026, 12, 3, 22, 30, 0, 0, time.UTC)}
	return &listBackend{snap: state.Snapshot{Limactl: "/usr/bin/limactl", Instances: []state.Instance{
		{Instance: lima.Instance{Name: "default", Status: "Stopped", Dir: "/home/a/.lima/default"},
			Autostart: autostart.Status{Login: on, Boot: off}, Health: &h, HealthCondition: autostart.Login},
	}}}
}

func TestListHealth(t *testing.T) {
	code, stdout, _ := run(failedBackend(), "list")
	want := "NAME     STATUS   LOGIN  BOOT  HEALTH   PROBLEMS\n" +
		"default  Stopped  on     off   failing  0\n" +
		"\n" +
		"⚠ default: qemu-system-x86_64 not found — keeps failing at login\n" +
		"    the autostart job keeps failing: qemu-system-x86_64 not found (exit 1) (failing)\n"
	if code != 0 || stdout != want {
		t.Errorf("got exit %d, stdout:\n%s\nwant:\n%s", code, stdout, want)
	}
	code, stdout, _ = run(failedBackend(), "list", "--json")
	wantJSON := `[
  {
    "name": "default",
    "id": "default",
    "tool": "lima",
    "profile": "",
    "status": "Stopped",
    "dir": "/home/a/.lima/default",
    "login": {
      "enabled": true,
      "supported": true,
      "path": "/home/a/.config/systemd/user/lima-vm@default.service",
      "problems": [],
      "health": {
        "state": "failing",
        "reason": "qemu-system-x86_64 not found",
        "exitCode": 1,
        "restarts": 4,
        "since": "2026-12-03T22:30:00Z"
      }
    },
    "boot": {
      "enabled": false,
      "supported": true,
      "path": "/home/a/.config/systemd/user/lima-vm@default.service",
      "problems": [],
      "health": null
    },
    "errors": [],
    "problemCount": 0
  }
]
`
	if code != 0 || stdout != wantJSON {
		t.Errorf("got exit %d, stdout:\n%s\nwant:\n%s", code, stdout, wantJSON)
	}
}

func TestDoctorReportsFailedHealth(t *testing.T) {
	code, stdout, _ := run(failedBackend(), "doctor")
	want := "⚠ default: qemu-system-x86_64 not found — keeps failing at login\n" +
		"    the autostart job keeps failing: qemu-system-x86_64 not found (exit 1) (failing)\n" +
		"default: fix the cause, then start the instance with `limactl start default` (or Try Again in the menu): the failure is shown until the job runs again\n"
	if code != 3 || stdout != want {
		t.Errorf("got exit %d, stdout:\n%s\nwant 3 and:\n%s", code, stdout, want)
	}
}
