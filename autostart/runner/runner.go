// Package runner is the one seam between LimaBar and the external commands it
// drives (launchctl, systemctl, loginctl, osascript, limactl). Every call goes
// through a Runner so that tests can inject a fake that records the exact argv
// and scripts the answer, and so that the real runner can put the command's
// own stderr into the error the user sees.
package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Runner runs one external command and returns its standard output.
// A failing command returns an *Error that carries its stderr.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// StderrRunner is a Runner that also hands back the standard error of a
// command that succeeded. Some commands report problems only there while
// exiting 0: `limactl list` prints `instance "X" has errors` with the reason
// as a warning on stderr and nothing but an empty object in its JSON.
type StderrRunner interface {
	Runner
	RunStderr(ctx context.Context, name string, args ...string) (stdout, stderr []byte, err error)
}

// RunStderr runs a command with r and returns its standard output and
// standard error. When r cannot hand back the stderr of a command that
// succeeded, stderr is nil then; a failed command's stderr is in its *Error
// either way.
func RunStderr(ctx context.Context, r Runner, name string, args ...string) (stdout, stderr []byte, err error) {
	if sr, ok := r.(StderrRunner); ok {
		return sr.RunStderr(ctx, name, args...)
	}
	stdout, err = r.Run(ctx, name, args...)
	return stdout, nil, err
}

// Error is a failed external command: its argv, exit code and stderr.
type Error struct {
	Argv     []string
	ExitCode int // -1 when the command did not run or was killed
	Stdout   string
	Stderr   string
	Err      error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = strings.TrimSpace(e.Stdout)
	}
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("%s: %s", strings.Join(e.Argv, " "), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// WaitDelay is how long Exec waits, after a command was killed or exited,
// for the standard output and error to close. A child that the command left
// behind and that still holds them open (a wrapper script's background job)
// would otherwise keep Run waiting for as long as it lives, and a timeout
// would not end the call. A command that exited 0 and left such a child is
// a success: what it printed until then is its answer.
const WaitDelay = 2 * time.Second

// Exec runs real commands. Env, when not nil, replaces the environment of the
// child; Stdin, when not nil, is fed to it.
//
// When ctx ends, the command is killed with everything it started in its
// process group (see ownGroup), and Run returns at most WaitDelay later.
type Exec struct {
	Env    []string
	Stdin  []byte
	Logger *slog.Logger
}

var _ StderrRunner = Exec{}

// Run implements Runner.
func (x Exec) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	stdout, _, err := x.RunStderr(ctx, name, args...)
	return stdout, err
}

// RunStderr implements StderrRunner.
func (x Exec) RunStderr(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	logger := x.Logger
	if logger == nil {
		logger = slog.Default()
	}
	argv := append([]string{name}, args...)
	logger.Debug("exec", "argv", argv)
	began := time.Now()
	cmd := exec.CommandContext(ctx, name, args...)
	if x.Env != nil {
		cmd.Env = x.Env
	}
	if x.Stdin != nil {
		cmd.Stdin = bytes.NewReader(x.Stdin)
	}
	if ownGroup() {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error {
			// The group's id is the command's pid. Killing the group
			// also ends what the command started and left running.
			err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			if errors.Is(err, syscall.ESRCH) {
				return os.ErrProcessDone
			}
			return err
		}
	}
	cmd.WaitDelay = WaitDelay
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		logger.Debug("exec: a child still held the output after the command exited", "argv", argv)
		err = nil
	}
	if err != nil {
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Exited() {
			code = ee.ExitCode()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		logger.Debug("exec failed", "argv", argv, "exit", code, "took", time.Since(began), "stderr", stderr.String())
		return stdout.Bytes(), stderr.Bytes(), &Error{Argv: argv, ExitCode: code, Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
	}
	logger.Debug("exec done", "argv", argv, "exit", 0, "took", time.Since(began))
	return stdout.Bytes(), stderr.Bytes(), nil
}

// ownGroup reports whether a command should run in a process group of its
// own, so that a timeout can kill it together with whatever it started. That
// is the case for the menu-bar app, a service or CI, which have no
// controlling terminal, and for a background job of a shell.
//
// It is not the case when this process is the foreground job of a terminal
// (limabar on the command line): a command in another group would be a
// background job there, and the terminal stops a background job that touches
// it, so `sudo` could not ask for the password and would hang. Such a
// command stays in the terminal's foreground group, where Ctrl-C reaches it
// too; on a timeout only the command itself is killed, and WaitDelay still
// bounds the wait for what it left behind.
func ownGroup() bool {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return true // no controlling terminal
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	if err != nil {
		return true
	}
	return fg != unix.Getpgrp()
}
