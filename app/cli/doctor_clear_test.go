package cli

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// clearingBackend is failedBackend on a service manager that can forget
// a failure (systemd): ClearFailure resets the job, or fails, or the job
// fails again at once.
type clearingBackend struct {
	*listBackend
	err        error
	failsAgain bool
	cleared    []string
}

func (b *clearingBackend) ClearsFailures() bool { return true }

func (b *clearingBackend) ClearFailure(_ context.Context, name string, c autostart.Condition) error {
	b.cleared = append(b.cleared, name+" "+string(c))
	if b.err != nil {
		return b.err
	}
	if !b.failsAgain {
		b.snap.Instances[0].Health = &health.Health{State: health.Stopped}
	}
	return nil
}

func clearing() *clearingBackend { return &clearingBackend{listBackend: failedBackend()} }

// failingLine is doctor's report of default's failing job: the short
// form the menu uses, then the whole text.
const failingLine = "⚠ default: qemu-system-x86_64 not found — keeps failing at login\n" +
	"    the autostart job keeps failing: qemu-system-x86_64 not found (exit 1) (failing)\n"

// TestDoctorClearsAFailure: a job that failed with a sound registration
// is not a repair. doctor says what to do; --fix clears the failure and
// starts nothing, and its exit status says whether anything is left.
func TestDoctorClearsAFailure(t *testing.T) {
	t.Run("doctor says what --fix does", func(t *testing.T) {
		b := clearing()
		code, stdout, _ := run(b, "doctor")
		want := failingLine + "default: fix the cause, then `limabar doctor --fix` clears the failure (it starts nothing) and `limactl start default` starts the instance\n"
		if code != 3 || stdout != want {
			t.Errorf("got exit %d, stdout:\n%s\nwant 3 and:\n%s", code, stdout, want)
		}
		if len(b.cleared) != 0 {
			t.Errorf("doctor without --fix cleared %q", b.cleared)
		}
	})
	t.Run("--fix clears it", func(t *testing.T) {
		b := clearing()
		code, stdout, _ := run(b, "doctor", "--fix")
		want := failingLine + "default: cleared: the failure is forgotten and nothing was started: the job runs at the next login, or `limactl start default` starts the instance now\n"
		if code != 0 || stdout != want {
			t.Errorf("got exit %d, stdout:\n%s\nwant 0 and:\n%s", code, stdout, want)
		}
		if !slices.Equal(b.cleared, []string{"default login"}) {
			t.Errorf("cleared %q, want [default login]", b.cleared)
		}
		code, stdout, _ = run(b, "doctor")
		if code != 0 || stdout != "No problems found.\n" {
			t.Errorf("doctor after --fix: exit %d, stdout %q", code, stdout)
		}
	})
	t.Run("--fix --json", func(t *testing.T) {
		code, stdout, _ := run(clearing(), "doctor", "--fix", "--json")
		want := `[
  {
    "name": "default",
    "problems": [],
    "health": {
      "state": "failing",
      "reason": "qemu-system-x86_64 not found",
      "exitCode": 1,
      "restarts": 4,
      "since": "2026-12-03T22:30:00Z"
    },
    "fixed": true,
    "message": "the failure is forgotten and nothing was started: the job runs at the next login, or ` + "`limactl start default`" + ` starts the instance now"
  }
]
`
		if code != 0 || stdout != want {
			t.Errorf("got exit %d, stdout:\n%s\nwant 0 and:\n%s", code, stdout, want)
		}
	})
	t.Run("the job fails again", func(t *testing.T) {
		b := clearing()
		b.failsAgain = true
		code, stdout, _ := run(b, "doctor", "--fix")
		want := failingLine + "⚠ default: qemu-system-x86_64 not found (exit 1) (failing) — not cleared\n" +
			"    the job failed again: the autostart job keeps failing: qemu-system-x86_64 not found (exit 1) (failing)\n"
		if code != 3 || stdout != want {
			t.Errorf("got exit %d, stdout:\n%s\nwant 3 and:\n%s", code, stdout, want)
		}
	})
	t.Run("clearing fails", func(t *testing.T) {
		b := clearing()
		b.err = errors.New(`instance "default": cannot reset lima-vm@default.service: Access denied`)
		code, stdout, _ := run(b, "doctor", "--fix")
		want := failingLine + "⚠ default: Access denied — not cleared\n" +
			"    instance \"default\": cannot reset lima-vm@default.service: Access denied\n"
		if code != 3 || stdout != want {
			t.Errorf("got exit %d, stdout:\n%s\nwant 3 and:\n%s", code, stdout, want)
		}
	})
	t.Run("--fix --dry-run clears nothing", func(t *testing.T) {
		b := clearing()
		code, stdout, _ := run(b, "doctor", "--fix", "--dry-run")
		want := failingLine + "default: fix the cause, then `limabar doctor --fix` clears the failure (it starts nothing) and `limactl start default` starts the instance\n"
		if code != 3 || stdout != want || len(b.cleared) != 0 {
			t.Errorf("got exit %d, cleared %q, stdout:\n%s\nwant 3, nothing cleared and:\n%s", code, b.cleared, stdout, want)
		}
	})
}

// TestDoctorSaysWhatToDoWhereAFailureStays: where the service manager
// keeps a failure until the job runs again (launchd), --fix does not
// pretend: it says what to do, and exits 3.
func TestDoctorSaysWhatToDoWhereAFailureStays(t *testing.T) {
	code, stdout, _ := run(failedBackend(), "doctor", "--fix")
	want := failingLine + "⚠ default: the failure is shown until the job runs again — not cleared\n" +
		"    fix the cause, then start the instance with `limactl start default` (or Try Again in the menu): the failure is shown until the job runs again\n"
	if code != 3 || stdout != want {
		t.Errorf("got exit %d, stdout:\n%s\nwant 3 and:\n%s", code, stdout, want)
	}
}
