// Command opendesktop builds the Mac desktop, as the menu-bar app does: the
// command line's test runs it to show that its stand-in notification center
// sees a process that opens the center.
package main

import (
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/autostart/runner"
)

func main() {
	macos.NewDesktop(&tray.MacCommands{}, runner.Exec{}, nil).Close()
}
