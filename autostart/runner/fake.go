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
// of the argv wins. It fails closed: a command no Response matches is an
// error naming its argv, so a test says what it expects to be run and
// what each command answers, and cannot pass on the empty output of a
// command it never thought of.
type Fake struct {
	mu         sync.Mutex
	Calls      [][]string
	Responses  []Response
	unexpected []string
}

// TB is the part of testing.TB that NewFake uses.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// NewFake returns a Fake answering from responses that also fails t at its
// end when a command no Response matched was run, so that code which
// swallows the error (a status probe taking a failed launchctl for "no
// override") cannot hide an undeclared command.
func NewFake(t TB, responses ...Response) *Fake {
	t.Helper()
	f := &Fake{Responses: responses}
	t.Cleanup(func() {
		if u := f.Unexpected(); len(u) != 0 {
			t.Errorf("commands the test did not declare were run: %q", u)
		}
	})
	return f
}

// Expect adds responses after the ones already declared.
func (f *Fake) Expect(responses ...Response) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Responses = append(f.Responses, responses...)
}

// Unexpected returns the commands, joined with spaces, that no Response
// matched.
func (f *Fake) Unexpected() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.unexpected...)
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
	f.unexpected = append(f.unexpected, strings.Join(argv, " "))
	return nil, nil, fmt.Errorf("unexpected command %q: no Response of the fake runner matches it", argv)
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
