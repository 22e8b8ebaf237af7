package state

import (
	"context"
	"errors"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/runner"
)

// recordingElevator keeps what it was asked to run as root.
type recordingElevator struct {
	scripts, prompts []string
	err              error
}

func (r *recordingElevator) RunAsRoot(_ context.Context, script, prompt string) error {
	r.scripts = append(r.scripts, script)
	r.prompts = append(r.prompts, prompt)
	return r.err
}

// TestTryAgainBootRunsAsRoot: Try Again of a boot job is one privileged
// script, `launchctl kickstart system/LABEL`, with one prompt; launchctl is
// never run as the user, which launchd would refuse. A dismissed prompt
// is a cancellation, not a failure.
func TestTryAgainBootRunsAsRoot(t *testing.T) {
	fake := &runner.Fake{}
	el := &recordingElevator{}
	l := &LaunchdHealth{Runner: fake, Launchctl: "launchctl", UID: 501, Elevator: el, ScriptTools: elevate.DarwinTools}
	in := autostart.Instance{Name: "default", Dir: t.TempDir()}
	if err := l.TryAgain(context.Background(), in, autostart.Boot); err != nil {
		t.Fatal(err)
	}
	want, err := elevate.KickstartScript(elevate.DarwinTools, "io.lima-vm.daemon.default")
	if err != nil {
		t.Fatal(err)
	}
	if len(el.scripts) != 1 || el.scripts[0] != want || el.prompts[0] != "LimaBar wants to start default again." {
		t.Errorf("elevator asked %q with prompts %q, want the kickstart script once", el.scripts, el.prompts)
	}
	if got := fake.Argvs(); len(got) != 0 {
		t.Errorf("launchctl run as the user: %q", got)
	}

	el.err = elevate.ErrCancelled
	if err := l.TryAgain(context.Background(), in, autostart.Boot); !errors.Is(err, autostart.ErrCancelled) {
		t.Errorf("cancelled prompt: %v, want ErrCancelled", err)
	}
	l.Elevator = nil
	if err := l.TryAgain(context.Background(), in, autostart.Boot); !errors.Is(err, elevate.ErrNoPrompt) {
		t.Errorf("no elevator: %v, want ErrNoPrompt", err)
	}
}

// TestLaunchdHealthWithoutDesktop: over SSH launchd answers a print of the
// login agent with 125; its health is unknown with that reason, not an
// error of launchctl.
func TestLaunchdHealthWithoutDesktop(t *testing.T) {
	fake := &runner.Fake{Responses: []runner.Response{
		{Match: []string{"launchctl", "print", "gui/501/io.lima-vm.autostart.default"}, ExitCode: 125, Stderr: "Domain does not support specified action\n"},
	}}
	l := &LaunchdHealth{Runner: fake, Launchctl: "launchctl", UID: 501}
	h := l.Health(context.Background(), autostart.Instance{Name: "default", Dir: t.TempDir()}, autostart.Login)
	if h.State != health.Unknown || h.Reason != NoDesktopReason {
		t.Errorf("health %+v, want unknown: %q", h, NoDesktopReason)
	}
}
