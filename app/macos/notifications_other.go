//go:build !darwin

package macos

import (
	"log/slog"

	"github.com/limabar/limabar/app/macnotify"
)

// notificationCenter is nil outside macOS: the Mac desktop of the tests'
// macOS mode shows its notifications with the osascript the host names.
func notificationCenter(*slog.Logger) macnotify.Center { return nil }
