package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary run one of the helpers below instead of
// the tests. The tests start it with a session of its own, so that what it
// checks does not depend on whether go test was started from a terminal.
const helperEnv = "RUNNER_TEST_HELPER"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(helper(h))
	}
	os.Exit(m.Run())
}

// helpers print "ok" and facts on stdout, or an error on stderr.
var helpers = map[string]func() error{
	// timeout runs a shell whose background sleep holds stdout open,
	// with a deadline; it prints the time Run took and the sleep's pid.
	"timeout": func() error { return timedRun(`sleep 30 & echo $!; wait`) },
	// escaped is timeout with a child that leaves the process group (the
	// test binary again, as helper detached), so that only WaitDelay can
	// end the wait. It needs no setsid program, which macOS lacks.
	"escaped": func() error {
		os.Setenv(exeEnv, os.Args[0])
		return timedRun(helperEnv + `=detached "$` + exeEnv + `" -test.run='^$' & wait`)
	},
	// detached starts a session of its own, so that it is in no process
	// group of its parent, prints its pid and holds stdout open.
	"detached": func() error {
		if _, err := syscall.Setsid(); err != nil {
			return fmt.Errorf("setsid: %w", err)
		}
		fmt.Println(os.Getpid())
		time.Sleep(30 * time.Second)
		return nil
	},
}

// exeEnv names the test binary for the escaped helper's shell.
const exeEnv = "RUNNER_TEST_EXE"

func helper(name string) int {
	fn, ok := helpers[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
		return 2
	}
	if err := fn(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

const deadline = 500 * time.Millisecond

func timedRun(script string) error {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	began := time.Now()
	out, err := Exec{}.Run(ctx, "/bin/sh", "-c", script)
	took := time.Since(began)
	if err == nil {
		return fmt.Errorf("the command outlived its deadline without an error: %q", out)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("got error %v, want one that says the deadline passed", err)
	}
	fmt.Printf("ok %d %s", took.Milliseconds(), out)
	return nil
}

// runHelper runs a helper in a session of its own (no controlling
// terminal, as the menu-bar app runs) and returns what it printed after "ok".
func runHelper(t *testing.T, name string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper %s: %v: %s", name, err, stderr.String())
	}
	f := strings.Fields(string(out))
	if len(f) == 0 || f[0] != "ok" {
		t.Fatalf("helper %s printed %q", name, out)
	}
	return f[1:]
}

// gone reports whether pid has ended: no such process, or (where /proc
// tells) a zombie that nobody has reaped yet.
func gone(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return true
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

func waitGone(pid int, within time.Duration) bool {
	end := time.Now().Add(within)
	for !gone(pid) {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func parseFacts(t *testing.T, facts []string) (took time.Duration, pid int) {
	t.Helper()
	if len(facts) != 2 {
		t.Fatalf("helper printed %q, want the time taken and a pid", facts)
	}
	ms, err1 := strconv.Atoi(facts[0])
	pid, err2 := strconv.Atoi(facts[1])
	if err1 != nil || err2 != nil || pid <= 0 {
		t.Fatalf("helper printed %q", facts)
	}
	return time.Duration(ms) * time.Millisecond, pid
}

// TestExecTimeoutKillsWhatTheCommandStarted: a wrapper (here sh) whose
// background child keeps stdout open must not hold Run past its deadline,
// and the child must die with it.
func TestExecTimeoutKillsWhatTheCommandStarted(t *testing.T) {
	took, pid := parseFacts(t, runHelper(t, "timeout"))
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	t.Logf("Run returned after %s", took)
	if took > deadline+time.Second {
		t.Errorf("Run returned %s after its %s deadline was set, want within a second of it", took, deadline)
	}
	if !waitGone(pid, time.Second) {
		t.Errorf("the command's background child (pid %d) outlived the timeout", pid)
	}
}

// TestExecTimeoutWithAChildOutsideTheGroup: a child that left the process
// group cannot be killed with it; WaitDelay still ends the wait.
func TestExecTimeoutWithAChildOutsideTheGroup(t *testing.T) {
	took, pid := parseFacts(t, runHelper(t, "escaped"))
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	// The child printed its pid after it left the group, so the timeout's
	// kill of the group cannot have reached it.
	if gone(pid) {
		t.Errorf("the child outside the group (pid %d) died with the command", pid)
	}
	t.Logf("Run returned after %s", took)
	if limit := deadline + WaitDelay + time.Second; took > limit {
		t.Errorf("Run returned after %s, want within %s (deadline + WaitDelay)", took, limit)
	}
	if took < deadline {
		t.Errorf("Run returned after %s, before the deadline", took)
	}
}

func TestExecRunStderrOnSuccess(t *testing.T) {
	out, stderr, err := Exec{}.RunStderr(context.Background(), "/bin/sh", "-c", "echo out; echo warned >&2")
	if err != nil || string(out) != "out\n" || string(stderr) != "warned\n" {
		t.Errorf("got stdout %q stderr %q err %v, want \"out\\n\" \"warned\\n\" nil", out, stderr, err)
	}
}

func TestExecFailureCarriesStderr(t *testing.T) {
	_, err := Exec{}.Run(context.Background(), "/bin/sh", "-c", "echo 'no such instance' >&2; exit 3")
	var e *Error
	if !errors.As(err, &e) || e.ExitCode != 3 || !strings.Contains(err.Error(), "no such instance") {
		t.Errorf("got %v, want an *Error with exit code 3 and the stderr", err)
	}
}

// onlyRun is a Runner without RunStderr.
type onlyRun struct{}

func (onlyRun) Run(context.Context, string, ...string) ([]byte, error) { return []byte("out"), nil }

func TestRunStderr(t *testing.T) {
	f := &Fake{Responses: []Response{{Match: []string{"limactl", "list"}, Stdout: "{}\n", Stderr: "warning\n"}}}
	out, stderr, err := RunStderr(context.Background(), f, "limactl", "list", "--json")
	if err != nil || string(out) != "{}\n" || string(stderr) != "warning\n" {
		t.Errorf("fake: got %q %q %v", out, stderr, err)
	}
	out, stderr, err = RunStderr(context.Background(), onlyRun{}, "x")
	if err != nil || string(out) != "out" || stderr != nil {
		t.Errorf("plain runner: got %q %q %v, want its stdout and no stderr", out, stderr, err)
	}
}

// TestExecSuccessWithAChildHoldingOutput: a command that answers and exits
// 0, leaving a child that still holds its output (a wrapper that starts a
// daemon), is a success once WaitDelay has passed, not a failure.
func TestExecSuccessWithAChildHoldingOutput(t *testing.T) {
	began := time.Now()
	out, stderr, err := Exec{}.RunStderr(context.Background(), "/bin/sh", "-c", "echo answer; sleep 30 & echo $! >&2; exit 0")
	took := time.Since(began)
	if pid, perr := strconv.Atoi(strings.TrimSpace(string(stderr))); perr == nil {
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	}
	if err != nil || string(out) != "answer\n" {
		t.Errorf("got %q, %v; want the answer and no error", out, err)
	}
	if took > WaitDelay+2*time.Second {
		t.Errorf("took %s, want about WaitDelay (%s)", took, WaitDelay)
	}
}

// recordingTB is the part of a testing.T that NewFake reports to.
type recordingTB struct {
	cleanups []func()
	errors   []string
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestFakeFailsClosed: a command no Response matches is an error naming its
// argv, and NewFake's test fails at its end even when the code under test
// swallowed that error; declared commands are answered and not reported.
func TestFakeFailsClosed(t *testing.T) {
	tb := &recordingTB{}
	f := NewFake(tb, Response{Match: []string{"launchctl", "enable"}})
	if _, err := f.Run(context.Background(), "launchctl", "enable", "gui/501/io.lima-vm.autostart.default"); err != nil {
		t.Errorf("declared command: got %v, want success", err)
	}
	out, err := f.Run(context.Background(), "launchctl", "print-disabled", "gui/501")
	if err == nil || !strings.Contains(err.Error(), `["launchctl" "print-disabled" "gui/501"]`) || out != nil {
		t.Errorf("undeclared command: got %q, %v; want no output and an error naming its argv", out, err)
	}
	if got, want := f.Unexpected(), []string{"launchctl print-disabled gui/501"}; !slices.Equal(got, want) {
		t.Errorf("got unexpected %q, want %q", got, want)
	}
	if len(tb.errors) != 0 || len(tb.cleanups) != 1 {
		t.Fatalf("got %d errors and %d cleanups before the end, want 0 and 1", len(tb.errors), len(tb.cleanups))
	}
	tb.cleanups[0]()
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "launchctl print-disabled gui/501") {
		t.Errorf("at the end: got errors %q, want one naming launchctl print-disabled gui/501", tb.errors)
	}
}
