// Command probe checks, on a Mac, LimaBar's native pieces from inside an
// app bundle: `scripts/mac-smoke.sh --native` puts it into a copy of the
// built LimaBar.app as the app's executable (same Info.plist, bundle
// identifier and icon), signs the copy ad hoc and runs it. It registers
// the login item through SMAppService.mainApp, reads its status,
// unregisters it and reads it again; then it posts a notification through
// UNUserNotificationCenter, with the Show Log action, as the app does. It
// exits 0 when the login item behaved and the process survived the
// notification; a crash (the framework raising) ends it with a signal.
//
// No one answers the permission prompt on a CI runner: the notification
// may wait for it, and the probe stops waiting after notifyWait.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/limabar/limabar/app/loginitem"
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/autostart/runner"
)

// notifyWait is how long the probe waits for the notification to be posted.
const notifyWait = 30 * time.Second

// Usage: probe [login-item] [notification]   (default: both)
func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if len(args) == 0 {
		args = []string{"login-item", "notification"}
	}
	failed := false
	for _, a := range args {
		switch a {
		case "login-item":
			failed = !checkLoginItem(stdout, logger) || failed
		case "notification":
			failed = !checkNotification(stdout, logger) || failed
		default:
			fmt.Fprintf(stdout, "probe: unknown check %q (want login-item or notification)\n", a)
			return 2
		}
	}
	if failed {
		return 1
	}
	fmt.Fprintln(stdout, "probe: ok")
	return 0
}

// checkLoginItem registers the login item, reads its status, unregisters
// it and reads it again.
func checkLoginItem(stdout io.Writer, logger *slog.Logger) bool {
	svc := macos.MainAppService(logger)
	if svc == nil {
		fmt.Fprintln(stdout, "probe: FAIL: no SMAppService.mainApp (not run from an app bundle, or macOS before 13)")
		return false
	}
	before := svc.Status()
	regErr := svc.Register()
	registered := svc.Status()
	unregErr := svc.Unregister()
	after := svc.Status()
	fmt.Fprintf(stdout, "probe: login item: before %s, after register %s (err %v), after unregister %s (err %v)\n",
		before, registered, regErr, after, unregErr)
	ok := true
	for _, p := range loginItemProblems(registered, after, regErr, unregErr) {
		fmt.Fprintln(stdout, "probe: FAIL:", p)
		ok = false
	}
	return ok
}

// checkNotification posts a notification with the Show Log action through
// the notification center, as the app does.
func checkNotification(stdout io.Writer, logger *slog.Logger) bool {
	ok := true
	r := runner.Exec{Logger: logger}
	d := macos.NewDesktop(&tray.MacCommands{Cmd: tray.SystemCommands(r)}, r, logger)
	if !d.Native() {
		fmt.Fprintln(stdout, "probe: FAIL: the desktop does not use the notification center (not in the bundle?)")
		ok = false
	}
	if err := d.NotifyAction("LimaBar CI", "A notification from LimaBar.app", "Show Log", func() {}); err != nil {
		fmt.Fprintln(stdout, "probe: FAIL: notification:", err)
		ok = false
	}
	closed := make(chan struct{})
	go func() { d.Close(); close(closed) }()
	select {
	case <-closed:
		fmt.Fprintln(stdout, "probe: notification: handled (the log above says whether it was posted or why not)")
	case <-time.After(notifyWait):
		fmt.Fprintf(stdout, "probe: notification: still waiting after %s (for the permission prompt, which no one answers here); the process is alive\n", notifyWait)
	}
	return ok
}

// loginItemProblems checks a register/unregister round: registering gives
// enabled, or requiresApproval where macOS wants the user's approval
// (loginitem's doc); unregistering gives notRegistered.
func loginItemProblems(registered, after loginitem.Status, regErr, unregErr error) []string {
	var p []string
	if regErr != nil {
		p = append(p, fmt.Sprintf("register: %v", regErr))
	}
	if registered != loginitem.Enabled && registered != loginitem.RequiresApproval {
		p = append(p, fmt.Sprintf("status after register: %s, want enabled or requiresApproval", registered))
	}
	if unregErr != nil {
		p = append(p, fmt.Sprintf("unregister: %v", unregErr))
	}
	if after != loginitem.NotRegistered {
		p = append(p, fmt.Sprintf("status after unregister: %s, want notRegistered", after))
	}
	return p
}
