package macos

import (
	"log/slog"

	"github.com/limabar/limabar/app/macnotify"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/autostart/runner"
)

// Desktop is the Mac's desktop of the menu-bar app. URLs and folders open
// through NSWorkspace, which returns at once. Notifications are LimaBar's
// own, from its bundle through the User Notifications framework
// (app/macnotify decides; notificationCenter is the framework), with
// osascript only outside a bundle. What waits for the user (an alert,
// Terminal's Automation permission) runs in osascript, a child process
// (tray.MacCommands), so that the wait never holds the main thread, which
// draws the menu.
//
// Only the menu-bar app builds one: the command line never touches the
// notification center.
type Desktop struct {
	*tray.MacCommands
	notifier *macnotify.Notifier
	native   bool
}

var _ tray.Desktop = (*Desktop)(nil)

// NewDesktop returns the Mac's desktop: cmds starts open and osascript; r
// runs cmds.Osascript to its end for a notification outside a bundle, so
// that its failure reaches the log. Close ends its notifications.
func NewDesktop(cmds *tray.MacCommands, r runner.Runner, logger *slog.Logger) *Desktop {
	if logger == nil {
		logger = slog.Default()
	}
	centerHook()
	return newDesktop(cmds, r, notificationCenter(logger), logger)
}

// newDesktop is NewDesktop with center standing for the framework (nil
// outside a bundle).
func newDesktop(cmds *tray.MacCommands, r runner.Runner, center macnotify.Center, logger *slog.Logger) *Desktop {
	fallback := macnotify.Osascript{Runner: r, Path: cmds.Osascript}
	return &Desktop{
		MacCommands: cmds,
		native:      center != nil,
		notifier: macnotify.New(macnotify.Options{
			Center:   center,
			Fallback: fallback.Notify,
			Logger:   logger,
		}),
	}
}

// Native says whether notifications go through the notification center
// (LimaBar runs from its bundle) rather than osascript.
func (d *Desktop) Native() bool { return d.native }

// OpenURL implements tray.Desktop with NSWorkspace.
func (d *Desktop) OpenURL(u string) error { return OpenURL(u) }

// OpenFolder implements tray.Desktop with NSWorkspace.
func (d *Desktop) OpenFolder(path string) error { return OpenFolder(path) }

// Notify implements tray.Desktop. It returns once the notification is
// queued: the permission prompt, the framework and osascript are waited
// for on the notifier's goroutine, which logs what fails.
func (d *Desktop) Notify(title, message string) error {
	return d.notifier.Notify(title, message)
}

// NotifyAction implements tray.Desktop: the notification has a button
// labelled label, and a click on it or on the notification runs onClick on
// a goroutine of its own, as on Linux. Outside a bundle it is a plain
// osascript notification.
func (d *Desktop) NotifyAction(title, message, label string, onClick func()) error {
	return d.notifier.NotifyAction(title, message, label, onClick)
}

// Close posts the notifications still queued and stops.
func (d *Desktop) Close() { d.notifier.Close() }
