package macnotify

import (
	"context"
	"fmt"

	"github.com/limabar/limabar/autostart/quote"
	"github.com/limabar/limabar/autostart/runner"
)

// Osascript is the Fallback outside an app bundle: osascript's display
// notification, run to its end so that a failure to start it or a non-zero
// exit comes back with osascript's own message. An exit status of 0 does not
// mean the notification was shown: macOS 14 and 15 drop it silently until
// Script Editor may notify (gen2brain/beeep#67, cline/cline#3097).
type Osascript struct {
	// Runner runs osascript.
	Runner runner.Runner
	// Path is the osascript program; "" is /usr/bin/osascript.
	Path string
}

// Argv is the command that displays the notification.
func (o Osascript) Argv(title, body string) []string {
	prog := o.Path
	if prog == "" {
		prog = "/usr/bin/osascript"
	}
	return []string{prog, "-e", "display notification " + quote.AppleScript(body) + " with title " + quote.AppleScript(title)}
}

// Notify implements Fallback.
func (o Osascript) Notify(ctx context.Context, title, body string) error {
	argv := o.Argv(title, body)
	if _, err := o.Runner.Run(ctx, argv[0], argv[1:]...); err != nil {
		return fmt.Errorf("osascript display notification: %w", err)
	}
	return nil
}
