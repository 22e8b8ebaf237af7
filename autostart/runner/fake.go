package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Fake is a Runner for tests. It records every argv it is asked to run and
// answers from Responses: the first entry whose Match prefix equals the start
// of the argv wins. Unmatched commands succeed with empty output.
type Fake struct {
	mu        sync.Mutex
	Calls     [][]string
	Responses []Response
}

var _ StderrRunner = (*Fake)(nil)

// Response is a scripted answer of the Fake.
type Response struct {
	Match    []string // argv prefix, name first
	Stdout   string
	Stderr   string
	ExitCode int // non-zero makes the call fail
}

// Run implements Runner.
func (f *Fake) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	stdout, _, err := f.RunStderr(ctx, name, args...)
	return stdout, err
}

// RunStderr implements StderrRunner: a matching Response's Stderr comes
// back whether the call fails or not.
func (f *Fake) RunStderr(_ context.Context, name string, args ...string) ([]byte, []byte, error) {
	argv := append([]string{name}, args...)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, argv)
	for _, r := range f.Responses {
		if hasPrefix(argv, r.Match) {
			if r.ExitCode != 0 {
				return []byte(r.Stdout), []byte(r.Stderr), &Error{Argv: argv, ExitCode: r.ExitCode, Stdout: r.Stdout, Stderr: r.Stderr,
					Err: errors.New("exit status " + fmt.Sprint(r.ExitCode))}
			}
			return []byte(r.Stdout), []byte(r.Stderr), nil
		}
	}
	return nil, nil, nil
}

// Argvs returns the recorded calls, each joined with spaces.
func (f *Fake) Argvs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.Calls))
	for i, c := range f.Calls {
		out[i] = strings.Join(c, " ")
	}
	return out
}

func hasPrefix(argv, prefix []string) bool {
	if len(prefix) > len(argv) {
		return false
	}
	for i := range prefix {
		if argv[i] != prefix[i] {
			return false
		}
	}
	return true
}
