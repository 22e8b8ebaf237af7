// Package elevate builds the one privileged shell script LimaBar ever runs
// (installing or removing a LaunchDaemon for "Start at boot") and the ways to
// run it as root: the macOS administrator dialog, sudo on a terminal, or
// directly when already root.
package elevate

import (
	"context"
	"errors"
)

// ErrCancelled means the user dismissed the administrator prompt (AppleScript
// error -128). Nothing was changed.
var ErrCancelled = errors.New("cancelled by the user")

// Elevator runs a shell script as root. prompt is the sentence shown in an
// administrator dialog, where there is one.
type Elevator interface {
	RunAsRoot(ctx context.Context, script, prompt string) error
}
