//go:build testhooks

package macos

import (
	"fmt"
	"os"
)

// Test-only, compiled only with `-tags testhooks`: with
// LIMABAR_TEST_NOTIFICATION_CENTER=fail, the process ends with status
// CenterTouchedExit and CenterTouchedMessage on stderr as soon as anything
// builds the Desktop that opens the notification center. The command
// line's test runs every subcommand so and fails on that status.
const (
	CenterVar            = "LIMABAR_TEST_NOTIFICATION_CENTER"
	CenterTouchedExit    = 97
	CenterTouchedMessage = "limabar: the notification center was opened"
)

// exit ends the process; a variable for the hook's own test.
var exit = os.Exit

func centerHook() {
	if os.Getenv(CenterVar) == "fail" {
		fmt.Fprintln(os.Stderr, CenterTouchedMessage)
		exit(CenterTouchedExit)
	}
}
