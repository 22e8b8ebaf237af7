package elevate

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/runner"
)

func TestOsascript(t *testing.T) {
	const script = `echo "hi" > '/tmp/x'`
	const prompt = "LimaBar wants to make default start at boot."
	wantArgv := []string{"/usr/bin/osascript", "-e",
		`do shell script "echo \"hi\" > '/tmp/x'" with prompt "LimaBar wants to make default start at boot." with administrator privileges`}

	for _, tc := range []struct {
		name      string
		resp      runner.Response
		cancelled bool
		// msg is what the error must say, "" for success.
		msg    string
		status int
	}{
		{name: "success"},
		{
			name:      "cancelled",
			resp:      runner.Response{Stderr: "0:205: execution error: User canceled. (-128)\n", ExitCode: 1},
			cancelled: true,
			msg:       "cancelled",
		},
		{
			name:   "script failed",
			resp:   runner.Response{Stderr: "0:100: execution error: launchctl bootstrap failed: Input/output error\rlimabar: launchctl bootstrap failed (1)\n", ExitCode: 1},
			msg:    "the privileged script failed (via osascript): launchctl bootstrap failed: Input/output error\nlimabar: launchctl bootstrap failed",
			status: 1,
		},
		{
			name:   "a script that prints the cancel number is not a cancel",
			resp:   runner.Response{Stderr: "0:100: execution error: limabar: got (-128) (3)\n", ExitCode: 1},
			msg:    "the privileged script failed (via osascript): limabar: got (-128)",
			status: 3,
		},
		{
			name:   "unexpected answer",
			resp:   runner.Response{Stderr: "osascript: no such component\n", ExitCode: 2},
			msg:    "the privileged script failed (via osascript): osascript: no such component",
			status: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// osascript prints nothing when the script prints nothing.
			tc.resp.Match = wantArgv
			f := runner.NewFake(t, tc.resp)
			err := Osascript{Runner: f}.RunAsRoot(context.Background(), script, prompt)
			if !reflect.DeepEqual(f.Calls, [][]string{wantArgv}) {
				t.Errorf("calls %q, want %q", f.Calls, [][]string{wantArgv})
			}
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrCancelled) != tc.cancelled {
				t.Errorf("errors.Is(%v, ErrCancelled) = %v, want %v", err, !tc.cancelled, tc.cancelled)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
			if tc.cancelled {
				return
			}
			var se *ScriptError
			if !errors.As(err, &se) || se.Status != tc.status {
				t.Errorf("err = %#v, want a ScriptError with status %d", err, tc.status)
			}
			var re *runner.Error
			if !errors.As(err, &re) {
				t.Errorf("err = %v does not carry the *runner.Error", err)
			}
			if strings.Contains(err.Error(), "do shell script") {
				t.Errorf("err = %q repeats the whole AppleScript", err)
			}
		})
	}
	t.Run("path", func(t *testing.T) {
		f := runner.NewFake(t, runner.Response{Match: []string{"osascript", "-e"}})
		if err := (Osascript{Runner: f, Path: "osascript"}).RunAsRoot(context.Background(), "true", "Why?"); err != nil {
			t.Fatal(err)
		}
		if got := f.Calls[0][0]; got != "osascript" {
			t.Errorf("ran %q, want osascript", got)
		}
	})
}

func TestSudoAndDirect(t *testing.T) {
	const script = "set -eu\n'launchctl' 'bootout' 'system/x'\n"
	for _, tc := range []struct {
		name string
		el   func(runner.Runner) Elevator
		argv []string
		via  string
	}{
		{"sudo", func(r runner.Runner) Elevator { return Sudo{Runner: r} }, []string{"/usr/bin/sudo", "/bin/sh", "-c", script}, "sudo"},
		{"sudo on PATH", func(r runner.Runner) Elevator { return Sudo{Runner: r, Path: "sudo"} }, []string{"sudo", "/bin/sh", "-c", script}, "sudo"},
		{"sudo path", func(r runner.Runner) Elevator { return Sudo{Runner: r, Path: "/opt/sudo"} }, []string{"/opt/sudo", "/bin/sh", "-c", script}, "sudo"},
		{"direct", func(r runner.Runner) Elevator { return Direct{Runner: r} }, []string{"/bin/sh", "-c", script}, "sh"},
		{"direct shell", func(r runner.Runner) Elevator { return Direct{Runner: r, Shell: "sh"} }, []string{"sh", "-c", script}, "sh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := runner.NewFake(t, runner.Response{Match: tc.argv})
			if err := tc.el(f).RunAsRoot(context.Background(), script, "Why?"); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Calls, [][]string{tc.argv}) {
				t.Errorf("calls %q, want %q", f.Calls, [][]string{tc.argv})
			}

			f = runner.NewFake(t, runner.Response{Match: tc.argv, Stderr: "limabar: launchctl disable failed\n", ExitCode: 1})
			err := tc.el(f).RunAsRoot(context.Background(), script, "Why?")
			want := "the privileged script failed (via " + tc.via + "): limabar: launchctl disable failed"
			if err == nil || err.Error() != want {
				t.Errorf("err = %v, want %q", err, want)
			}
			if errors.Is(err, ErrCancelled) {
				t.Error("a failure reported as cancelled")
			}
		})
	}
}

func TestDirectRunsTheShell(t *testing.T) {
	ctx := context.Background()
	if err := (Direct{}).RunAsRoot(ctx, "exit 0", ""); err != nil {
		t.Fatalf("err = %v", err)
	}
	err := Direct{Runner: runner.Exec{}}.RunAsRoot(ctx, "echo 'limabar: mv failed' >&2; exit 3", "")
	var se *ScriptError
	if !errors.As(err, &se) || se.Status != 3 || se.Message != "limabar: mv failed" {
		t.Errorf("err = %#v, want status 3 and the script's stderr", err)
	}
	err = Direct{Shell: "/nonexistent/sh"}.RunAsRoot(ctx, "exit 0", "")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/sh") {
		t.Errorf("err = %v, want the missing shell named", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := (Direct{}).RunAsRoot(cancelled, "exit 0", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
