package launchd

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/limabar/limabar/autostart/runner"
)

// TestKindOf: the errors the runner returns for a failed launchctl are
// read by ParseError, wrapped or not; anything else is Other.
func TestKindOf(t *testing.T) {
	failed := func(code int, stderr string) error {
		return &runner.Error{Argv: []string{"launchctl"}, ExitCode: code, Stderr: stderr}
	}
	for _, tc := range []struct {
		name string
		err  error
		want ErrorKind
	}{
		{"none", nil, ""},
		{"print of a job not loaded", failed(113, `Could not find service "io.lima-vm.autostart.default" in domain for user gui: 501`), NotLoaded},
		{"bootout of a job not loaded, wrapped", fmt.Errorf("instance %q: %w", "default", failed(3, "Boot-out failed: 3: No such process")), NotLoaded},
		{"no desktop login", failed(125, "Could not enable service: 125: Domain does not support specified action"), DomainNotSupported},
		{"no desktop login, status only", failed(125, ""), DomainNotSupported},
		{"still loaded", failed(5, "Bootstrap failed: 5: Input/output error"), IOError},
		{"not run", &runner.Error{Argv: []string{"launchctl"}, ExitCode: -1, Err: context.Canceled}, Other},
		{"not a run", errors.New("boom"), Other},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
