package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// repairBackend has one instance whose login registration has a problem,
// and a Repair that fails with err.
type repairBackend struct {
	listBackend
	err error
}

func (b *repairBackend) Repair(context.Context, string) (autostart.Result, error) {
	return autostart.Result{}, b.err
}

// TestFailureLinesOfListAndDoctor goes over every failure `limabar list`
// and `limabar doctor` print, with messages as the engine, limactl and
// the service managers word them: each is the menu's short form, marked
// ⚠, whose first 60 characters name the instance and the cause, within
// menu.FailureLineWidth, and the whole text follows on an indented line.
func TestFailureLinesOfListAndDoctor(t *testing.T) {
	on := autostart.CondStatus{Supported: true, Enabled: true, Problems: []autostart.Problem{}}
	off := autostart.CondStatus{Supported: true}
	inst := func(name string, f func(*state.Instance)) state.Instance {
		in := state.Instance{Instance: lima.Instance{Name: name, Status: "Stopped"}, Autostart: autostart.Status{Login: on, Boot: off}}
		f(&in)
		return in
	}
	qemu := `failed to find the QEMU binary for the architecture "x86_64": exec: "qemu-system-x86_64": executable file not found in $PATH`
	listed := &listBackend{snap: state.Snapshot{Limactl: "/usr/bin/limactl", Instances: []state.Instance{
		inst("default", func(in *state.Instance) {
			in.Health, in.HealthCondition = &health.Health{State: health.Failing, Reason: "qemu-system-x86_64 not found", ExitCode: 1, Restarts: 4}, autostart.Login
		}),
		inst("k3s", func(in *state.Instance) {
			in.Health, in.HealthCondition = &health.Health{State: health.Failed, Reason: qemu, ExitCode: 1}, autostart.Boot
		}),
		inst("a-rather-long-instance-name-for-k3s", func(in *state.Instance) {
			in.Health, in.HealthCondition = &health.Health{State: health.Failed, Signal: 9}, autostart.Login
		}),
		inst("yaml", func(in *state.Instance) {
			in.Status = "Broken"
			in.Errors = []string{"failed to unmarshal YAML (main file /home/alice/.lima/yaml/lima.yaml): [2:12] mapping value is not allowed in this context\n  >  2 | images: x: y"}
		}),
		inst("unread", func(in *state.Instance) {
			in.AutostartErr = "cannot read /home/alice/.config/systemd/user/lima-vm@unread.service: permission denied"
		}),
	}}}
	problem := autostart.CondStatus{Supported: true, Enabled: true, Problems: []autostart.Problem{{Code: "path-missing", Message: "the unit has no PATH"}}}
	repair := &repairBackend{
		listBackend: listBackend{snap: state.Snapshot{Limactl: "/usr/bin/limactl", Instances: []state.Instance{
			{Instance: lima.Instance{Name: "default", Status: "Stopped"}, Autostart: autostart.Status{Login: problem, Boot: off}},
		}}},
		err: errors.New(`failed to write the unit for instance "default": open /home/alice/.config/systemd/user/lima-vm@default.service: read-only file system; nothing was changed`),
	}
	removal := machine()
	removal.failOn = autostart.Boot
	cleared := clearing()
	cleared.err = errors.New(`instance "default": cannot reset lima-vm@default.service: Access denied`)

	tests := []struct {
		name string
		b    Backend
		args []string
		// want is, for each failure, the instance, what its first 60
		// characters must hold, and what its indented line must hold.
		want [][3]string
	}{
		{"list", listed, []string{"list"}, [][3]string{
			{"default", "qemu-system-x86_64 not found", "the autostart job keeps failing: qemu-system-x86_64 not found (exit 1) (failing)"},
			{"k3s", `"qemu-system-x86_64": executable file not found`, qemu},
			{"a-rather-long-instance-name-for-k3s", "killed by signal 9", "the autostart job did not start (killed by signal 9) (failed)"},
			{"yaml", "mapping value is not allowed in this context", "[2:12] mapping value is not allowed in this context > 2 | images: x: y"},
			{"unread", "permission denied", "autostart state unknown: cannot read /home/alice/.config/systemd/user/lima-vm@unread.service: permission denied"},
		}},
		{"doctor", listed, []string{"doctor"}, [][3]string{
			{"default", "qemu-system-x86_64 not found", "the autostart job keeps failing: qemu-system-x86_64 not found (exit 1) (failing)"},
			{"k3s", `"qemu-system-x86_64": executable file not found`, qemu},
			{"a-rather-long-instance-name-for-k3s", "killed by signal 9", "the autostart job did not start (killed by signal 9) (failed)"},
		}},
		{"doctor --fix, a repair refused", repair, []string{"doctor", "--fix"}, [][3]string{
			{"default", "read-only file system", "lima-vm@default.service: read-only file system; nothing was changed"},
		}},
		{"doctor --fix, a removal that failed", removal, []string{"doctor", "--fix"}, [][3]string{
			{"gone", "Input/output error", `failed to remove the LaunchDaemon for instance "gone": launchctl bootout: Input/output error`},
		}},
		{"doctor --fix, a failure systemd keeps", cleared, []string{"doctor", "--fix"}, [][3]string{
			{"default", "qemu-system-x86_64 not found", "the autostart job keeps failing"},
			{"default", "Access denied", "cannot reset lima-vm@default.service: Access denied"},
		}},
		{"doctor --fix, where a failure stays", failedBackend(), []string{"doctor", "--fix"}, [][3]string{
			{"default", "qemu-system-x86_64 not found", "the autostart job keeps failing"},
			{"default", "the failure is shown until the job runs again", "fix the cause, then start the instance"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stdout, stderr := run(tt.b, tt.args...)
			lines := strings.Split(stdout, "\n")
			var got [][2]string
			for i, l := range lines {
				if strings.HasPrefix(l, "⚠") {
					next := ""
					if i+1 < len(lines) {
						next = lines[i+1]
					}
					got = append(got, [2]string{l, next})
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d failure lines, want %d; stdout:\n%s\nstderr: %s", len(got), len(tt.want), stdout, stderr)
			}
			for i, w := range tt.want {
				line, full := got[i][0], got[i][1]
				head := string([]rune(line)[:min(len([]rune(line)), menu.FailureWidth)])
				if !strings.HasPrefix(head, "⚠ "+w[0]+": ") {
					t.Errorf("line %q does not begin with the instance %s", line, w[0])
				}
				if !strings.Contains(head, w[1]) {
					t.Errorf("line %q: its first %d characters %q do not hold the cause %q", line, menu.FailureWidth, head, w[1])
				}
				if n := len([]rune(line)); n > menu.FailureLineWidth {
					t.Errorf("line %q is %d characters, more than %d", line, n, menu.FailureLineWidth)
				}
				if !strings.HasPrefix(full, "    ") || !strings.Contains(full, w[2]) {
					t.Errorf("after %q comes %q, want the whole text, indented, holding %q", line, full, w[2])
				}
			}
		})
	}
}
