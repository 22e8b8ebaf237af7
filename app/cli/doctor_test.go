package cli

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/problem"
)

// regsBackend is a machine with the instances limactl lists and the
// registration files on disk; Disable removes a file, as the engine does,
// unless told to fail or to leave it.
type regsBackend struct {
	noPlans
	instances []state.Instance
	regs      []autostart.Registration
	regsErr   error
	failOn    autostart.Condition // Disable of this condition fails
	keep      bool                // Disable succeeds but leaves the file
	disabled  []string
	repaired  []string
}

func (b *regsBackend) Snapshot(context.Context) state.Snapshot {
	return state.Snapshot{Limactl: "/usr/local/bin/limactl", Instances: b.instances}
}

func (b *regsBackend) EnableAs(context.Context, string, autostart.Condition, autostart.EnableOptions) (autostart.Result, error) {
	return autostart.Result{}, errors.New("not used")
}

func (b *regsBackend) Disable(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	b.disabled = append(b.disabled, name+" "+string(c))
	// As the program's Service does for an instance limactl does not list.
	warning := fmt.Sprintf("no instance named %q (instances: default); removing the registration anyway", name)
	if c == b.failOn {
		return autostart.Result{Warning: warning}, fmt.Errorf("failed to remove the LaunchDaemon for instance %q: launchctl bootout: Input/output error", name)
	}
	if !b.keep {
		b.regs = slices.DeleteFunc(b.regs, func(r autostart.Registration) bool { return r.Name == name && r.Condition == c })
	}
	return autostart.Result{Changed: true, Message: name + " will no longer start at " + string(c), Warning: warning}, nil
}

func (b *regsBackend) Repair(_ context.Context, name string) (autostart.Result, error) {
	b.repaired = append(b.repaired, name)
	for i := range b.instances {
		if b.instances[i].Name == name {
			b.instances[i].Autostart.Login.Problems = nil
		}
	}
	return autostart.Result{Changed: true, Message: name + ": login registration rewritten"}, nil
}

func (b *regsBackend) Registered(context.Context) ([]autostart.Registration, error) {
	return slices.Clone(b.regs), b.regsErr
}

const (
	agents  = "/Users/alice/Library/LaunchAgents/"
	daemons = "/Library/LaunchDaemons/"
)

// machine has "default", registered and listed, with no problems; "gone",
// deleted with both a daemon and an agent left (boot first, as the engine
// orders them); "old", deleted with an agent left; and "elsewhere", which
// limactl does not list but whose job passes another LIMA_HOME that holds
// it.
func machine() *regsBackend {
	return &regsBackend{
		instances: []state.Instance{{Instance: lima.Instance{Name: "default", Status: "Running", Dir: "/Users/alice/.lima/default"},
			Autostart: autostart.Status{Login: autostart.CondStatus{Enabled: true, Supported: true, Path: agents + "io.lima-vm.autostart.default.plist"}}}},
		regs: []autostart.Registration{
			{Name: "default", Condition: autostart.Login, Path: agents + "io.lima-vm.autostart.default.plist"},
			{Name: "elsewhere", Condition: autostart.Login, Path: agents + "io.lima-vm.autostart.elsewhere.plist", OtherLimaHome: "/Volumes/VMs"},
			{Name: "gone", Condition: autostart.Boot, Path: daemons + "io.lima-vm.daemon.gone.plist"},
			{Name: "gone", Condition: autostart.Login, Path: agents + "io.lima-vm.autostart.gone.plist"},
			{Name: "old", Condition: autostart.Login, Path: agents + "io.lima-vm.autostart.old.plist"},
		},
	}
}

func TestDoctorReportsRegistrationsOfMissingInstances(t *testing.T) {
	b := machine()
	code, stdout, stderr := run(b, "doctor")
	want := "gone: the registration starts instance gone, which no longer exists: /Library/LaunchDaemons/io.lima-vm.daemon.gone.plist (instance-missing)\n" +
		"gone: the registration starts instance gone, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.gone.plist (instance-missing)\n" +
		"old: the registration starts instance old, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.old.plist (instance-missing)\n" +
		"Run `limabar doctor --fix` to repair.\n"
	if code != 3 || stdout != want || stderr != "" {
		t.Errorf("got exit %d, stdout\n%s\nstderr %q; want 3 and\n%s", code, stdout, stderr, want)
	}
	if len(b.disabled) != 0 {
		t.Errorf("doctor without --fix disabled %q", b.disabled)
	}
}

func TestDoctorJSONReportsRegistrationsOfMissingInstances(t *testing.T) {
	code, stdout, _ := run(machine(), "doctor", "--json")
	want := `[
  {
    "name": "gone",
    "problems": [
      {
        "code": "instance-missing",
        "message": "the registration starts instance gone, which no longer exists: /Library/LaunchDaemons/io.lima-vm.daemon.gone.plist",
        "severity": "broken"
      },
      {
        "code": "instance-missing",
        "message": "the registration starts instance gone, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.gone.plist",
        "severity": "broken"
      }
    ],
    "fixed": false
  },
  {
    "name": "old",
    "problems": [
      {
        "code": "instance-missing",
        "message": "the registration starts instance old, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.old.plist",
        "severity": "broken"
      }
    ],
    "fixed": false
  }
]
`
	if code != 3 || stdout != want {
		t.Errorf("got exit %d, stdout\n%s\nwant 3 and\n%s", code, stdout, want)
	}
}

// TestDoctorFixRemovesRegistrationsOfMissingInstances disables each
// registration of a gone instance by its own condition, boot first, and
// leaves the rest alone. The Service's warning that limactl does not know
// the instance is the reason for the removal, not news, and is not printed.
func TestDoctorFixRemovesRegistrationsOfMissingInstances(t *testing.T) {
	b := machine()
	// An instance that is listed and has a problem is repaired as before.
	b.instances[0].Autostart.Login.Problems = []autostart.Problem{{Code: problem.PathMissing, Message: "the job has no PATH of its own"}}
	code, stdout, stderr := run(b, "doctor", "--fix", "--json")
	want := `[
  {
    "name": "default",
    "problems": [
      {
        "code": "path-missing",
        "message": "the job has no PATH of its own",
        "severity": "degraded"
      }
    ],
    "fixed": true,
    "message": "default: login registration rewritten"
  },
  {
    "name": "gone",
    "problems": [
      {
        "code": "instance-missing",
        "message": "the registration starts instance gone, which no longer exists: /Library/LaunchDaemons/io.lima-vm.daemon.gone.plist",
        "severity": "broken"
      },
      {
        "code": "instance-missing",
        "message": "the registration starts instance gone, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.gone.plist",
        "severity": "broken"
      }
    ],
    "fixed": true,
    "message": "gone will no longer start at boot; gone will no longer start at login"
  },
  {
    "name": "old",
    "problems": [
      {
        "code": "instance-missing",
        "message": "the registration starts instance old, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.old.plist",
        "severity": "broken"
      }
    ],
    "fixed": true,
    "message": "old will no longer start at login"
  }
]
`
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("got exit %d, stdout\n%s\nstderr %q; want 0 and\n%s", code, stdout, stderr, want)
	}
	if want := []string{"gone boot", "gone login", "old login"}; !reflect.DeepEqual(b.disabled, want) {
		t.Errorf("got Disable calls %q, want %q", b.disabled, want)
	}
	if want := []string{"default"}; !reflect.DeepEqual(b.repaired, want) {
		t.Errorf("got Repair calls %q, want %q", b.repaired, want)
	}
	var names []string
	for _, r := range b.regs {
		names = append(names, r.Name)
	}
	if want := []string{"default", "elsewhere"}; !reflect.DeepEqual(names, want) {
		t.Errorf("got registrations of %q left, want %q", names, want)
	}
}

func TestDoctorFixTextSaysWhatWasRemoved(t *testing.T) {
	code, stdout, stderr := run(machine(), "doctor", "--fix")
	want := "gone: the registration starts instance gone, which no longer exists: /Library/LaunchDaemons/io.lima-vm.daemon.gone.plist (instance-missing)\n" +
		"gone: the registration starts instance gone, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.gone.plist (instance-missing)\n" +
		"gone: removed: gone will no longer start at boot; gone will no longer start at login\n" +
		"old: the registration starts instance old, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.old.plist (instance-missing)\n" +
		"old: removed: old will no longer start at login\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("got exit %d, stdout\n%s\nstderr %q; want 0 and\n%s", code, stdout, stderr, want)
	}
}

// TestDoctorFixFailures: a removal that fails, or that leaves the file,
// is reported on the instance with the command's message, the rest goes
// on, and the exit says problems remain.
func TestDoctorFixFailures(t *testing.T) {
	b := machine()
	b.failOn = autostart.Boot
	code, stdout, _ := run(b, "doctor", "--fix")
	want := "gone: the registration starts instance gone, which no longer exists: /Library/LaunchDaemons/io.lima-vm.daemon.gone.plist (instance-missing)\n" +
		"gone: the registration starts instance gone, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.gone.plist (instance-missing)\n" +
		"⚠ gone: Input/output error — not removed\n" +
		"    failed to remove the LaunchDaemon for instance \"gone\": launchctl bootout: Input/output error\n" +
		"old: the registration starts instance old, which no longer exists: /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.old.plist (instance-missing)\n" +
		"old: removed: old will no longer start at login\n"
	if code != 3 || stdout != want {
		t.Errorf("got exit %d, stdout\n%s\nwant 3 and\n%s", code, stdout, want)
	}
	// The login job of "gone" stays: it is what starts the VM until the
	// boot job can be removed too.
	if want := []string{"gone boot", "old login"}; !reflect.DeepEqual(b.disabled, want) {
		t.Errorf("got Disable calls %q, want %q", b.disabled, want)
	}

	b = machine()
	b.keep = true
	code, stdout, _ = run(b, "doctor", "--fix", "--json")
	if code != 3 || !strings.Contains(stdout, `"error": "/Library/LaunchDaemons/io.lima-vm.daemon.gone.plist is still there after the removal"`) ||
		!strings.Contains(stdout, `"error": "/Users/alice/Library/LaunchAgents/io.lima-vm.autostart.old.plist is still there after the removal"`) {
		t.Errorf("got exit %d, stdout\n%s\nwant 3 and each file still there named", code, stdout)
	}
}

func TestDoctorRegistrationsUnreadable(t *testing.T) {
	b := machine()
	b.regsErr = errors.New("failed to list the autostart registrations: open /Library/LaunchDaemons: permission denied")
	code, stdout, stderr := run(b, "doctor")
	if want := "limabar: failed to list the autostart registrations: open /Library/LaunchDaemons: permission denied\n"; code != 1 || stdout != "" || stderr != want {
		t.Errorf("got exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout, stderr, want)
	}
}

func TestDoctorWithoutProblems(t *testing.T) {
	b := machine()
	b.regs = b.regs[:2] // default, and elsewhere in another LIMA_HOME
	code, stdout, _ := run(b, "doctor")
	if code != 0 || stdout != "No problems found.\n" {
		t.Errorf("got exit %d, stdout %q; want 0 and no problems", code, stdout)
	}
}

// TestDoctorLeavesUnverifiedRegistrations: limactl does not list "vms",
// but its job's LIMA_HOME is on a volume that is not mounted, so whether
// the instance still exists cannot be told. doctor says so, and --fix
// leaves the registration alone and says how to remove it.
func TestDoctorLeavesUnverifiedRegistrations(t *testing.T) {
	b := &regsBackend{regs: []autostart.Registration{{
		Name: "vms", Condition: autostart.Login, Path: agents + "io.lima-vm.autostart.vms.plist",
		Unverified: "its LIMA_HOME /Volumes/VMs cannot be read: open /Volumes/VMs: no such file or directory",
	}}}
	want := "vms: limactl does not list instance vms, and it cannot be told whether it still exists (its LIMA_HOME /Volumes/VMs cannot be read: open /Volumes/VMs: no such file or directory): " +
		agents + "io.lima-vm.autostart.vms.plist (instance-unverified)\n"
	code, stdout, _ := run(b, "doctor")
	if code != 3 || stdout != want+"Run `limabar doctor --fix` to repair.\n" {
		t.Errorf("doctor: exit %d, stdout:\n%s", code, stdout)
	}
	code, stdout, _ = run(b, "doctor", "--fix")
	wantFix := want + "⚠ vms: the instance may still exist — not removed\n" +
		"    left alone: the instance may still exist (`limabar disable --condition=all vms` removes it)\n"
	if code != 3 || stdout != wantFix {
		t.Errorf("doctor --fix: exit %d, stdout:\n%s\nwant:\n%s", code, stdout, wantFix)
	}
	if len(b.disabled) != 0 || len(b.regs) != 1 {
		t.Errorf("doctor --fix disabled %q, want nothing touched", b.disabled)
	}
}
