package plan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/runner"
)

// dirFiles writes plainly and fails the operations named in fail
// ("write PATH", "remove PATH").
type dirFiles struct {
	fail map[string]bool
	ops  *[]string
}

func (d dirFiles) WriteFile(path string, data []byte, perm os.FileMode) error {
	*d.ops = append(*d.ops, "write "+filepath.Base(path))
	if d.fail["write "+path] {
		return &os.PathError{Op: "write", Path: path, Err: errors.New("no space left on device")}
	}
	if err := os.WriteFile(path, data, perm); err != nil {
		return err
	}
	return os.Chmod(path, perm)
}

func (d dirFiles) Remove(path string) error {
	*d.ops = append(*d.ops, "remove "+filepath.Base(path))
	if d.fail["remove "+path] {
		return &os.PathError{Op: "remove", Path: path, Err: os.ErrPermission}
	}
	err := os.Remove(path)
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

// recordingElevator records the scripts it runs and fails those named.
type recordingElevator struct {
	ops  *[]string
	fail map[string]error
}

func (e recordingElevator) RunAsRoot(_ context.Context, script, _ string) error {
	*e.ops = append(*e.ops, "root "+script)
	return e.fail[script]
}

// snapshot is every file under dir with its mode and content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi.Mode().Perm().String() + " " + string(data)
	}
	return out
}

// fiveSteps is a plan with one step of each kind that changes something.
func fiveSteps(dir string) Plan {
	return Plan{Subject: `instance "default"`, Steps: []Step{
		WriteFile{Purpose: "write the unit", Path: filepath.Join(dir, "unit"), Data: []byte("new unit\n"), Mode: 0o644,
			Existed: true, Old: []byte("old unit\n"), OldMode: 0o600},
		Command{Purpose: "enable the unit", Argv: []string{"systemctl", "--user", "enable", "u"}, Undo: []string{"systemctl", "--user", "disable", "u"}},
		RemoveFile{Purpose: "remove the agent", Path: filepath.Join(dir, "agent"), Old: []byte("agent\n"), OldMode: 0o640},
		Linger{On: true, User: "alice", Loginctl: "loginctl"},
		Privileged{Purpose: "install the daemon", Script: "install", Prompt: "LimaBar wants to", Undo: "remove", UndoPrompt: "LimaBar undoes"},
	}}
}

// TestExecutorUndoesInReverse fails each of five steps in turn: the steps
// before it are undone last first, the files are byte for byte what they
// were, and the error names the step and the subject.
func TestExecutorUndoesInReverse(t *testing.T) {
	for _, tc := range []struct {
		failing string
		files   map[string]bool
		resp    []runner.Response
		elev    map[string]error
		want    []string // the operations, in order
		errHas  []string
	}{
		{failing: "write the unit", files: map[string]bool{"write @/unit": true},
			want:   []string{"write unit"},
			errHas: []string{"failed to write the unit for instance \"default\"", "no space left on device", "nothing was changed"}},
		{failing: "enable the unit", resp: []runner.Response{{Match: []string{"systemctl", "--user", "enable"}, ExitCode: 1, Stderr: "Failed to connect to bus"}},
			want: []string{"write unit", "systemctl --user enable u",
				"write unit"},
			errHas: []string{"failed to enable the unit", "Failed to connect to bus", "nothing was changed"}},
		{failing: "remove the agent", files: map[string]bool{"remove @/agent": true},
			want: []string{"write unit", "systemctl --user enable u", "remove agent",
				"systemctl --user disable u", "write unit"},
			errHas: []string{"failed to remove the agent", "permission denied"}},
		{failing: "turn lingering on", resp: []runner.Response{{Match: []string{"loginctl", "enable-linger"}, ExitCode: 1, Stderr: "Access denied"}},
			want: []string{"write unit", "systemctl --user enable u", "remove agent", "loginctl enable-linger alice",
				"write agent", "systemctl --user disable u", "write unit"},
			errHas: []string{"failed to turn lingering on", "turning lingering on for alice was refused", "Access denied", "nothing was changed"}},
		{failing: "install the daemon", elev: map[string]error{"install": errors.New("launchctl bootstrap failed")},
			want: []string{"write unit", "systemctl --user enable u", "remove agent", "loginctl enable-linger alice", "root install",
				"loginctl disable-linger alice", "write agent", "systemctl --user disable u", "write unit"},
			errHas: []string{"failed to install the daemon", "launchctl bootstrap failed", "nothing was changed"}},
	} {
		t.Run(tc.failing, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, "unit"), []byte("old unit\n"), 0o600))
			must(t, os.WriteFile(filepath.Join(dir, "agent"), []byte("agent\n"), 0o640))
			must(t, os.Chmod(filepath.Join(dir, "agent"), 0o640))
			before := snapshot(t, dir)

			var ops []string
			fail := map[string]bool{}
			for k := range tc.files {
				fail[strings.Replace(k, "@", dir, 1)] = true
			}
			fake := commands(t, tc.resp...)
			x := Executor{Files: dirFiles{fail: fail, ops: &ops}, Runner: fake, Elevator: recordingElevator{ops: &ops, fail: tc.elev}}
			// The runner's calls go in the same list as the file operations.
			x.Runner = opsRunner{fake, &ops}

			err := x.Run(context.Background(), fiveSteps(dir))
			var se *StepError
			if !errors.As(err, &se) || se.Step.What() != tc.failing {
				t.Fatalf("got %v, want a StepError at %q", err, tc.failing)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to say %q", err, s)
				}
			}
			if !reflect.DeepEqual(ops, tc.want) {
				t.Errorf("got operations\n%q\nwant\n%q", ops, tc.want)
			}
			if after := snapshot(t, dir); !reflect.DeepEqual(after, before) {
				t.Errorf("files are\n%q\nwant what they were\n%q", after, before)
			}
		})
	}
}

// commands is a fake runner that answers failing first and then lets the
// commands of this file's plans succeed, printing nothing, as systemctl
// --user daemon-reload, loginctl and launchctl enable and disable do.
func commands(t *testing.T, failing ...runner.Response) *runner.Fake {
	f := runner.NewFake(t, failing...)
	for _, argv := range [][]string{
		{"systemctl", "--user", "enable", "u"}, {"systemctl", "--user", "disable", "u"}, {"systemctl", "--user", "daemon-reload"},
		{"loginctl", "enable-linger", "alice"}, {"loginctl", "disable-linger", "alice"},
		{"launchctl", "enable", "gui/501/x"}, {"launchctl", "disable", "gui/501/x"},
	} {
		f.Expect(runner.Response{Match: argv})
	}
	return f
}

// opsRunner records each command in the list the files record in.
type opsRunner struct {
	r   runner.Runner
	ops *[]string
}

func (o opsRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	*o.ops = append(*o.ops, strings.Join(append([]string{name}, args...), " "))
	return o.r.Run(ctx, name, args...)
}

// TestExecutorAllStepsDone runs the five steps through: nothing is undone
// and the privileged undo script never runs.
func TestExecutorAllStepsDone(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "unit"), []byte("old unit\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "agent"), []byte("agent\n"), 0o640))
	var ops []string
	x := Executor{Files: dirFiles{ops: &ops}, Runner: opsRunner{commands(t), &ops}, Elevator: recordingElevator{ops: &ops}}
	must(t, x.Run(context.Background(), fiveSteps(dir)))
	want := []string{"write unit", "systemctl --user enable u", "remove agent", "loginctl enable-linger alice", "root install"}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("got %q, want %q", ops, want)
	}
	if got := snapshot(t, dir); !reflect.DeepEqual(got, map[string]string{"unit": "-rw-r--r-- new unit\n"}) {
		t.Errorf("got files %q", got)
	}
}

// cancelAt is a runner whose user presses Ctrl-C during the command that
// starts with step: that command fails, and every command after it sees
// ctx, the way os/exec refuses to start one on a done context.
type cancelAt struct {
	step   string
	cancel context.CancelFunc
	ops    *[]string
}

func (c cancelAt) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	if err := ctx.Err(); err != nil {
		*c.ops = append(*c.ops, "refused "+line)
		return nil, err
	}
	*c.ops = append(*c.ops, line)
	if strings.HasPrefix(line, c.step) {
		c.cancel()
		return nil, context.Canceled
	}
	return nil, nil
}

// TestExecutorUndoIgnoresCancel: Ctrl-C at the polkit prompt of the last
// command cancels the caller's context; the undo still runs every command.
func TestExecutorUndoIgnoresCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ops []string
	x := Executor{Files: dirFiles{ops: &ops}, Runner: cancelAt{step: "loginctl enable-linger", cancel: cancel, ops: &ops}}
	p := Plan{Subject: `instance "default"`, Steps: []Step{
		OnRollback{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}},
		WriteFile{Purpose: "write the unit", Path: filepath.Join(dir, "unit"), Data: []byte("unit\n"), Mode: 0o644},
		Command{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}},
		Command{Purpose: "enable the unit", Argv: []string{"systemctl", "--user", "enable", "u"}, Undo: []string{"systemctl", "--user", "disable", "u"}},
		Linger{On: true, User: "alice", Loginctl: "loginctl"},
	}}
	err := x.Run(ctx, p)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the cancellation", err)
	}
	want := []string{"write unit", "systemctl --user daemon-reload", "systemctl --user enable u", "loginctl enable-linger alice",
		"systemctl --user disable u", "remove unit", "systemctl --user daemon-reload"}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("got %q, want %q", ops, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "unit")); !os.IsNotExist(err) {
		t.Errorf("the unit is still there (%v)", err)
	}
}

// TestExecutorReportsWhatUndoCouldNotRestore: the old file cannot be put
// back; the error names the failed step and the file that is lost, and no
// longer says that nothing changed.
func TestExecutorReportsWhatUndoCouldNotRestore(t *testing.T) {
	dir := t.TempDir()
	unit := filepath.Join(dir, "unit")
	must(t, os.WriteFile(unit, []byte("old\n"), 0o644))
	var ops []string
	files := dirFiles{fail: map[string]bool{}, ops: &ops}
	fake := commands(t, runner.Response{Match: []string{"systemctl", "--user", "daemon-reload"}, ExitCode: 1, Stderr: "Connection refused"})
	x := Executor{Files: failAfter{files, unit, 1, new(int)}, Runner: fake}
	err := x.Run(context.Background(), Plan{Subject: `instance "default"`, Steps: []Step{
		WriteFile{Purpose: "write the unit", Path: unit, Data: []byte("new\n"), Mode: 0o644, Existed: true, Old: []byte("old\n")},
		Command{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}},
	}})
	for _, s := range []string{"failed to reload systemd for instance \"default\"", "Connection refused", "the previous " + unit + " could not be put back", "no space left"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("got %v, want it to say %q", err, s)
		}
	}
	if err != nil && strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("got %q, which says nothing changed although the old file is lost", err)
	}
}

// failAfter fails writes of path after the first ok ones.
type failAfter struct {
	dirFiles
	path string
	ok   int
	n    *int
}

func (f failAfter) WriteFile(path string, data []byte, perm os.FileMode) error {
	if path == f.path {
		*f.n++
		if *f.n > f.ok {
			return &os.PathError{Op: "write", Path: path, Err: errors.New("no space left on device")}
		}
	}
	return f.dirFiles.WriteFile(path, data, perm)
}

// TestExecutorAfterFailureKeepsChange: a failed tidy-up step undoes
// nothing and says the change was made.
func TestExecutorAfterFailureKeepsChange(t *testing.T) {
	dir := t.TempDir()
	unit := filepath.Join(dir, "unit")
	must(t, os.WriteFile(unit, []byte("u\n"), 0o644))
	var ops []string
	fake := commands(t, runner.Response{Match: []string{"loginctl", "disable-linger"}, ExitCode: 1, Stderr: "Access denied"})
	x := Executor{Files: dirFiles{ops: &ops}, Runner: opsRunner{fake, &ops}}
	err := x.Run(context.Background(), Plan{Subject: `instance "default"`,
		Steps: []Step{RemoveFile{Purpose: "remove the unit", Path: unit, Old: []byte("u\n")}},
		After: []Step{Linger{On: false, User: "alice", Loginctl: "loginctl"}}})
	var se *StepError
	if !errors.As(err, &se) || !se.After || strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("got %v, want a failure of the After step that undoes nothing", err)
	}
	if want := []string{"remove unit", "loginctl disable-linger alice"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("got %q, want %q", ops, want)
	}
}

// TestExecutorCancelledPrompt: a dismissed administrator prompt is
// ErrCancelled, and the steps before it are undone.
func TestExecutorCancelledPrompt(t *testing.T) {
	dir := t.TempDir()
	var ops []string
	x := Executor{Files: dirFiles{ops: &ops}, Runner: opsRunner{commands(t), &ops},
		Elevator: recordingElevator{ops: &ops, fail: map[string]error{"remove": elevate.ErrCancelled}}}
	err := x.Run(context.Background(), Plan{Subject: `instance "default"`, Steps: []Step{
		WriteFile{Purpose: "write the LaunchAgent", Path: filepath.Join(dir, "agent"), Data: []byte("a"), Mode: 0o644},
		Command{Purpose: "enable the LaunchAgent", Argv: []string{"launchctl", "enable", "gui/501/x"}, Undo: []string{"launchctl", "disable", "gui/501/x"}},
		Privileged{Purpose: "remove the LaunchDaemon", Script: "remove"},
	}})
	if !errors.Is(err, elevate.ErrCancelled) {
		t.Fatalf("got %v, want ErrCancelled", err)
	}
	want := []string{"write agent", "launchctl enable gui/501/x", "root remove", "launchctl disable gui/501/x", "remove agent"}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("got %q, want %q", ops, want)
	}
	if got := snapshot(t, dir); len(got) != 0 {
		t.Errorf("files left: %q", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestExecutorOnRollbackNeedsALaterStep: a write that fails right after an
// OnRollback leaves nothing for systemd to re-read, so no reload runs; once
// a later step has completed, the reload runs after its undo.
func TestExecutorOnRollbackNeedsALaterStep(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail map[string]bool
		resp []runner.Response
		want []string
	}{
		{name: "write fails", fail: map[string]bool{"write @/unit": true},
			want: []string{"write unit"}},
		{name: "reload fails", resp: []runner.Response{{Match: []string{"systemctl", "--user", "daemon-reload"}, ExitCode: 1}},
			want: []string{"write unit", "systemctl --user daemon-reload", "remove unit"}},
		{name: "enable fails", resp: []runner.Response{{Match: []string{"systemctl", "--user", "enable"}, ExitCode: 1}},
			want: []string{"write unit", "systemctl --user daemon-reload", "systemctl --user enable u", "systemctl --user daemon-reload", "remove unit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var ops []string
			fail := map[string]bool{}
			for k := range tc.fail {
				fail[strings.Replace(k, "@", dir, 1)] = true
			}
			x := Executor{Files: dirFiles{fail: fail, ops: &ops}, Runner: opsRunner{commands(t, tc.resp...), &ops}}
			err := x.Run(context.Background(), Plan{Subject: "x", Steps: []Step{
				WriteFile{Purpose: "write the unit", Path: filepath.Join(dir, "unit"), Data: []byte("u"), Mode: 0o644},
				OnRollback{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}},
				Command{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}},
				Command{Purpose: "enable the unit", Argv: []string{"systemctl", "--user", "enable", "u"}},
			}})
			if err == nil {
				t.Fatal("the plan succeeded")
			}
			if !reflect.DeepEqual(ops, tc.want) {
				t.Errorf("got %q, want %q", ops, tc.want)
			}
		})
	}
}
