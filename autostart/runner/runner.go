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
	"os/exec"
	"strings"
)

// Runner runs one external command and returns its standard output.
// A failing command returns an *Error that carries its stderr.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
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

// ExitCode returns the exit code of a failed command, or -1 when err is not
// a command that ran and exited.
func ExitCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.ExitCode
	}
	return -1
}

// Exec runs real commands. Env, when not nil, replaces the environment of the
// child; Stdin, when not nil, is fed to it.
type Exec struct {
	Env    []string
	Stdin  []byte
	Logger *slog.Logger
}

// Run implements Runner.
func (x Exec) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	logger := x.Logger
	if logger == nil {
		logger = slog.Default()
	}
	argv := append([]string{name}, args...)
	logger.Debug("exec", "argv", argv)
	cmd := exec.CommandContext(ctx, name, args...)
	if x.Env != nil {
		cmd.Env = x.Env
	}
	if x.Stdin != nil {
		cmd.Stdin = bytes.NewReader(x.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Exited() {
			code = ee.ExitCode()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		logger.Debug("exec failed", "argv", argv, "code", code, "stderr", stderr.String())
		return stdout.Bytes(), &Error{Argv: argv, ExitCode: code, Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}
