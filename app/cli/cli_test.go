package cli

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/plan"
)

// warningBackend answers every Disable with the same warning, the way the
// program's Service does when limactl cannot confirm the instance.
type warningBackend struct {
	noPlans
	warning string
	err     error
	calls   []autostart.Condition
}

func (b *warningBackend) Snapshot(context.Context) state.Snapshot { return state.Snapshot{} }

func (b *warningBackend) EnableAs(context.Context, string, autostart.Condition, autostart.EnableOptions) (autostart.Result, error) {
	return autostart.Result{}, errors.New("not used")
}

func (b *warningBackend) Disable(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	b.calls = append(b.calls, c)
	if b.err != nil {
		return autostart.Result{Warning: b.warning}, b.err
	}
	return autostart.Result{Changed: true, Message: name + " will no longer start at " + string(c), Warning: b.warning}, nil
}

func (b *warningBackend) Repair(context.Context, string) (autostart.Result, error) {
	return autostart.Result{}, errors.New("not used")
}

func (b *warningBackend) Registered(context.Context) ([]autostart.Registration, error) {
	return nil, errors.New("not used")
}

// noPlans is the dry run of a Backend whose tests make none.
type noPlans struct{}

func (noPlans) PlanEnable(context.Context, string, autostart.Condition, autostart.EnableOptions) (autostart.Plan, error) {
	return autostart.Plan{}, errors.New("not used")
}

func (noPlans) PlanDisable(context.Context, string, autostart.Condition) (autostart.Plan, error) {
	return autostart.Plan{}, errors.New("not used")
}

func (noPlans) PlanRepair(context.Context, string) (autostart.Plan, error) {
	return autostart.Plan{}, errors.New("not used")
}

func run(b Backend, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	c := &CLI{Stdout: &out, Stderr: &errb, User: "alice", Backend: func(string) (Backend, error) { return b, nil }}
	code = c.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestDisableWarnsOnce(t *testing.T) {
	b := &warningBackend{warning: "limactl list printed something unexpected:\n level=fatal; removing the registration anyway"}
	code, stdout, stderr := run(b, "disable", "--condition=all", "default")
	if code != 0 {
		t.Errorf("got exit %d, want 0", code)
	}
	if want := "limabar: warning: limactl list printed something unexpected: level=fatal; removing the registration anyway\n"; stderr != want {
		t.Errorf("got stderr %q, want %q", stderr, want)
	}
	if want := "default will no longer start at boot\ndefault will no longer start at login\n"; stdout != want {
		t.Errorf("got stdout %q, want %q", stdout, want)
	}
}

func TestDisableWithoutWarningIsQuiet(t *testing.T) {
	code, _, stderr := run(&warningBackend{}, "disable", "--condition=login", "default")
	if code != 0 || stderr != "" {
		t.Errorf("got exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
}

// TestDisableFailureIsOneLine keeps the rule that an error is one line on
// stderr: the warning of a change that failed is not printed besides it.
func TestDisableFailureIsOneLine(t *testing.T) {
	b := &warningBackend{warning: "LIMA_HOME /x does not exist; removing the registration anyway",
		err: errors.New(`failed to disable the LaunchAgent for instance "default": launchctl disable: Input/output error`)}
	code, _, stderr := run(b, "disable", "--condition=login", "default")
	if want := "limabar: failed to disable the LaunchAgent for instance \"default\": launchctl disable: Input/output error\n"; code != 1 || stderr != want {
		t.Errorf("got exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

// TestCancelledWithUndoFailureIsReported: a cancelled prompt says nothing
// was changed only when the steps before it were all taken back.
func TestCancelledWithUndoFailureIsReported(t *testing.T) {
	undone := &plan.StepError{Subject: `instance "default"`, Step: plan.Privileged{Purpose: "remove the LaunchDaemon"}, Err: autostart.ErrCancelled}
	b := &warningBackend{err: undone}
	code, _, stderr := run(b, "disable", "--condition=boot", "default")
	if want := "limabar: cancelled: the administrator prompt was dismissed; nothing was changed\n"; code != 1 || stderr != want {
		t.Errorf("got %d %q, want 1 %q", code, stderr, want)
	}
	lost := &plan.StepError{Subject: `instance "default"`, Step: plan.Privileged{Purpose: "remove the LaunchDaemon"}, Err: autostart.ErrCancelled,
		UndoErrs: []error{errors.New("/a could not be removed again: permission denied")}}
	b = &warningBackend{err: lost}
	code, _, stderr = run(b, "disable", "--condition=boot", "default")
	if want := "limabar: failed to remove the LaunchDaemon for instance \"default\": cancelled by the user, and /a could not be removed again: permission denied\n"; code != 1 || stderr != want {
		t.Errorf("got %d %q, want 1 %q", code, stderr, want)
	}
}

// TestDisableNamesItsConditions: a bad --condition of disable names all
// three it takes, enable's the two.
func TestDisableNamesItsConditions(t *testing.T) {
	for _, tt := range []struct{ verb, want string }{
		{"disable", "limabar: unknown condition \"bogus\": want login, boot or all\n"},
		{"enable", "limabar: unknown condition \"bogus\": want login or boot\n"},
	} {
		b := &warningBackend{}
		code, _, stderr := run(b, tt.verb, "--condition=bogus", "dev")
		if code != 2 || stderr != tt.want || len(b.calls) != 0 {
			t.Errorf("%s: exit %d, stderr %q, calls %q; want 2, %q and no call", tt.verb, code, stderr, b.calls, tt.want)
		}
	}
}

// TestNoUserManagerSaysWhy: systemctl --user without XDG_RUNTIME_DIR
// (a shell from su or runuser) fails with "Failed to connect to bus: No
// medium found"; the one line says why first, then systemctl's words.
func TestNoUserManagerSaysWhy(t *testing.T) {
	const failed = `failed to enable the unit for instance "dev": systemctl --user enable --no-reload lima-vm@dev.service: Failed to connect to bus: No medium found`
	for _, tt := range []struct {
		name, runtimeDir string
		platform         autostart.Platform
		want             string
	}{
		{"no XDG_RUNTIME_DIR", "", autostart.Linux,
			"limabar: cannot reach your systemd user manager: XDG_RUNTIME_DIR is not set, as in a shell from su or sudo; log in as alice (a desktop, SSH, or machinectl shell alice@): " + failed + "\n"},
		{"another cause", "/run/user/1000", autostart.Linux, "limabar: " + failed + "\n"},
		{"a Mac", "", autostart.Darwin, "limabar: " + failed + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			b := &warningBackend{err: errors.New(failed)}
			c := &CLI{Stdout: &out, Stderr: &errb, User: "alice", Platform: tt.platform,
				Getenv:  func(k string) string { return map[string]string{"XDG_RUNTIME_DIR": tt.runtimeDir}[k] },
				Backend: func(string) (Backend, error) { return b, nil }}
			if code := c.Run(context.Background(), []string{"disable", "--condition=login", "dev"}); code != 1 || errb.String() != tt.want {
				t.Errorf("exit %d, stderr\n%q\nwant 1 and\n%q", code, errb.String(), tt.want)
			}
		})
	}
}
