package launchdmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/limabar/limabar/autostart/runner"
)

// Runner is a runner.Runner that answers launchctl from a Model and hands
// every other command to Next (nil: they succeed with no output). It records
// every argv, so that a test asserts what it was asked.
type Runner struct {
	Model *Model
	// Launchctl is the name the code under test runs launchctl by.
	Launchctl string
	Next      runner.Runner
	// UID is the caller launchd sees: 0, root, unless set.
	UID int

	mu    sync.Mutex
	calls []string
}

var _ runner.StderrRunner = (*Runner)(nil)

// Run implements runner.Runner.
func (r *Runner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	stdout, _, err := r.RunStderr(ctx, name, args...)
	return stdout, err
}

// RunStderr implements runner.StderrRunner.
func (r *Runner) RunStderr(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	argv := append([]string{name}, args...)
	r.mu.Lock()
	r.calls = append(r.calls, strings.Join(argv, " "))
	r.mu.Unlock()
	if name != r.Launchctl {
		if r.Next == nil {
			return nil, nil, nil
		}
		return runner.RunStderr(ctx, r.Next, name, args...)
	}
	res := r.Model.LaunchctlAs(r.UID, args...)
	if res.Code != 0 {
		return []byte(res.Stdout), []byte(res.Stderr), &runner.Error{Argv: argv, ExitCode: res.Code, Stdout: res.Stdout, Stderr: res.Stderr,
			Err: errors.New("exit status " + fmt.Sprint(res.Code))}
	}
	return []byte(res.Stdout), []byte(res.Stderr), nil
}

// Calls returns the recorded calls, each joined with spaces.
func (r *Runner) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}
