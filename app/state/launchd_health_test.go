package state

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/runner"
)

func TestLaunchdHealth(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "launchd.stderr.log"), `time="2026-12-03T22:00:00Z" level=fatal msg="qemu-system-aarch64 not found"`+"\n")
	fake := runner.NewFake(t, []runner.Response{
		{Match: []string{"launchctl", "print", "gui/501/io.lima-vm.autostart.default"}, Stdout: "gui/501/io.lima-vm.autostart.default = {\n\tstate = not running\n\truns = 1\n\tlast exit code = 1\n}\n"},
		{Match: []string{"launchctl", "print", "system/io.lima-vm.daemon.default"}, ExitCode: 113, Stderr: "Could not find service \"io.lima-vm.daemon.default\" in domain for system"},
		// kickstart and bootout print nothing when they succeed.
		{Match: []string{"launchctl", "kickstart", "gui/501/io.lima-vm.autostart.default"}},
		{Match: []string{"launchctl", "bootout", "gui/501/io.lima-vm.autostart.default"}},
	}...)
	l := &LaunchdHealth{Runner: fake, Launchctl: "launchctl", UID: 501}
	in := autostart.Instance{Name: "default", Dir: dir}
	h := l.Health(context.Background(), in, autostart.Login)
	if h.State != health.Failed || h.ExitCode != 1 || h.Reason != "qemu-system-aarch64 not found" || h.Since.IsZero() ||
		h.Log != filepath.Join(dir, "launchd.stderr.log") {
		t.Errorf("login: %+v", h)
	}
	if h := l.Health(context.Background(), in, autostart.Boot); h.State != health.Stopped {
		t.Errorf("boot not loaded: %+v, want stopped", h)
	}
	if err := l.TryAgain(context.Background(), in, autostart.Login); err != nil {
		t.Fatal(err)
	}
	if err := l.StopRetrying(context.Background(), in, autostart.Login); err != nil {
		t.Fatal(err)
	}
	if err := l.StopRetrying(context.Background(), in, autostart.Boot); !errors.Is(err, ErrStopRetryingBoot) {
		t.Errorf("boot: %v", err)
	}
	want := []string{
		"launchctl print gui/501/io.lima-vm.autostart.default",
		"launchctl print system/io.lima-vm.daemon.default",
		"launchctl kickstart gui/501/io.lima-vm.autostart.default",
		"launchctl bootout gui/501/io.lima-vm.autostart.default",
	}
	if got := fake.Argvs(); !slices.Equal(got, want) {
		t.Errorf("calls\n got %q\nwant %q", got, want)
	}
}

func TestPsProcess(t *testing.T) {
	fake := runner.NewFake(t, []runner.Response{
		{Match: []string{"/bin/ps", "-p", "100"}, Stdout: "/opt/homebrew/bin/limactl\n"},
		{Match: []string{"/bin/ps", "-p", "200"}, ExitCode: 1},
		{Match: []string{"/bin/ps", "-p", "300"}, ExitCode: 2, Stderr: "ps: something else"},
	}...)
	p := PsProcess{Runner: fake}
	for _, tt := range []struct {
		pid  int
		want health.Verdict
	}{{100, health.Live}, {200, health.Stale}, {300, health.Unsure}} {
		if got, _ := health.Judge(strconv.Itoa(tt.pid), p); got != tt.want {
			t.Errorf("pid %d: %v, want %v", tt.pid, got, tt.want)
		}
	}
}

// TestLaunchdHealthKilledKeepsLaunchdsReason: a VM killed by a signal
// whose logs hold no reason line keeps launchd's "killed by SIGKILL"
// (the corpus's `last terminating signal = Killed: 9`), rather than an
// empty reason.
func TestLaunchdHealthKilledKeepsLaunchdsReason(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ha.stderr.log"), `time="2026-12-03T22:00:00Z" level=info msg="Shutting down QEMU"`+"\n")
	fake := &runner.Fake{Responses: []runner.Response{
		{Match: []string{"launchctl", "print", "gui/501/io.lima-vm.autostart.default"},
			Stdout: "gui/501/io.lima-vm.autostart.default = {\n\tstate = not running\n\truns = 1\n\tlast terminating signal = Killed: 9\n}\n"},
	}}
	l := &LaunchdHealth{Runner: fake, Launchctl: "launchctl", UID: 501}
	h := l.Health(context.Background(), autostart.Instance{Name: "default", Dir: dir}, autostart.Login)
	if h.State != health.Failed || h.Signal != 9 || h.Reason != "killed by SIGKILL" || h.Log != "" {
		t.Errorf("got %+v, want failed, killed by SIGKILL, no log", h)
	}
}
