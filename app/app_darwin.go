//go:build darwin

package main

import (
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/autostart/elevate"
)

// In the app, the administrator dialog runs in-process through NSAppleScript
// so that it names LimaBar; the command line keeps osascript, since nothing
// runs the main queue there.
func init() {
	if macos.InProcessAdminPromptReliable {
		adminDialog = func() elevate.Elevator { return macos.AdminPrompt{} }
	}
}
