// Command osascript stands in for /usr/bin/osascript in tests on Linux. It
// accepts exactly the AppleScript LimaBar sends (`do shell script "…" with
// prompt "…" with administrator privileges`), decodes the string literals the
// way AppleScript does, records the prompt, and runs the shell text with
// /bin/sh as the administrator dialog would after a password. It cannot
// make the script root, so it tells the fake launchctl that its caller is
// root (FAKE_EUID=0), as launchd would see it.
//
// FAKE_OSASCRIPT_CANCEL=1 answers like a dismissed dialog instead.
//
// It also takes the notification LimaBar shows on a Mac (`display
// notification "…" with title "…"`), records it as a line
// "osascript notification title=… message=…" and shows nothing.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/limabar/limabar/autostart/quote"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != "-e" {
		fmt.Fprintln(os.Stderr, "fake osascript: want -e SCRIPT")
		os.Exit(2)
	}
	src := os.Args[2]
	if rest, ok := strings.CutPrefix(src, "display notification "); ok {
		notification(rest)
		return
	}
	const head = "do shell script "
	if !strings.HasPrefix(src, head) {
		fail("expected do shell script")
	}
	shell, rest, err := quote.UnquoteAppleScript(src[len(head):])
	if err != nil {
		fail(err.Error())
	}
	const mid = " with prompt "
	if !strings.HasPrefix(rest, mid) {
		fail("expected with prompt")
	}
	prompt, rest, err := quote.UnquoteAppleScript(rest[len(mid):])
	if err != nil {
		fail(err.Error())
	}
	if rest != " with administrator privileges" {
		fail(fmt.Sprintf("unexpected tail %q", rest))
	}
	record("osascript prompt=" + prompt)
	if os.Getenv("FAKE_OSASCRIPT_CANCEL") == "1" {
		fmt.Fprintln(os.Stderr, "0:205: execution error: User canceled. (-128)")
		os.Exit(1)
	}
	cmd := exec.Command("/bin/sh", "-c", shell)
	cmd.Env = append(os.Environ(), "FAKE_EUID=0")
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "0:100: execution error: the script failed: %v (1)\n", err)
		os.Exit(1)
	}
}

// notification records a display notification, from the message literal
// on.
func notification(src string) {
	message, rest, err := quote.UnquoteAppleScript(src)
	if err != nil {
		fail(err.Error())
	}
	const mid = " with title "
	if !strings.HasPrefix(rest, mid) {
		fail("expected with title")
	}
	title, rest, err := quote.UnquoteAppleScript(rest[len(mid):])
	if err != nil {
		fail(err.Error())
	}
	if rest != "" {
		fail(fmt.Sprintf("unexpected tail %q", rest))
	}
	record(fmt.Sprintf("osascript notification title=%s message=%s", title, message))
}

// record appends a line to FAKE_LOG, when it is set.
func record(line string) {
	log := os.Getenv("FAKE_LOG")
	if log == "" {
		return
	}
	f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fail(err.Error())
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "fake osascript: %s\n", msg)
	os.Exit(2)
}
