package elevate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/limabar/limabar/autostart/runner"
)

var (
	_ Elevator = Osascript{}
	_ Elevator = Sudo{}
	_ Elevator = Direct{}
)

// ScriptError is a privileged script that could not be run or failed. Its
// message is the script's own stderr (or the prompt's complaint), not the
// command line, which holds the whole script and would drown it.
type ScriptError struct {
	// Via names how the script was run: osascript, sudo or the shell.
	Via string
	// Status is the script's exit status, -1 when unknown.
	Status int
	// Message is what the script or the prompt wrote on stderr.
	Message string
	// Err is the underlying failure, usually a *runner.Error.
	Err error
}

func (e *ScriptError) Error() string {
	msg := e.Message
	if msg == "" && e.Status >= 0 {
		msg = "exit status " + strconv.Itoa(e.Status)
	}
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("the privileged script failed (via %s): %s", e.Via, msg)
}

func (e *ScriptError) Unwrap() error { return e.Err }

// scriptError turns a failed run into a ScriptError. Errors that are not a
// command that ran (a cancelled context, a missing program) keep their own
// text.
func scriptError(via string, err error) error {
	var re *runner.Error
	if !errors.As(err, &re) || re.ExitCode < 0 {
		return fmt.Errorf("failed to run the privileged script via %s: %w", via, err)
	}
	msg := strings.TrimSpace(re.Stderr)
	if msg == "" {
		msg = strings.TrimSpace(re.Stdout)
	}
	return &ScriptError{Via: via, Status: re.ExitCode, Message: msg, Err: err}
}

func orExec(r runner.Runner) runner.Runner {
	if r == nil {
		return runner.Exec{}
	}
	return r
}

// Osascript asks for the administrator password with the standard macOS
// dialog, through `osascript -e 'do shell script … with administrator
// privileges'`. It works from any process in the user's GUI session,
// including a command line in Terminal, and needs no helper tool.
type Osascript struct {
	Runner runner.Runner
	// Path is osascript; empty means /usr/bin/osascript.
	Path string
}

// userCanceled is AppleScript's "User canceled." error number. A do shell
// script's exit status is 0 to 255, so only the dialog can report it.
const userCanceled = -128

// osascriptError matches osascript's report of a failed script, such as
// "0:205: execution error: limabar: launchctl bootstrap failed (1)"; for do
// shell script the message is the script's stderr and the number its exit
// status.
var osascriptError = regexp.MustCompile(`(?s)^\d+:\d+: execution error: (.*) \((-?\d+)\)$`)

// RunAsRoot implements Elevator. A dismissed dialog returns ErrCancelled.
//
// osascript is a child process that the caller's goroutine waits for, so
// the dialog holds no thread of the caller's but that goroutine's: the
// menu-bar app stays usable while it is open.
func (o Osascript) RunAsRoot(ctx context.Context, script, prompt string) error {
	_, err := orExec(o.Runner).Run(ctx, orDefault(o.Path, "/usr/bin/osascript"), "-e", DoShellScript(script, prompt))
	if err == nil {
		return nil
	}
	err = scriptError("osascript", err)
	var se *ScriptError
	if !errors.As(err, &se) {
		return err
	}
	// The dialog's do shell script ends every line with a carriage return.
	se.Message = strings.TrimSpace(strings.ReplaceAll(se.Message, "\r", "\n"))
	if m := osascriptError.FindStringSubmatch(se.Message); m != nil {
		se.Message = strings.TrimSpace(m[1])
		se.Status, _ = strconv.Atoi(m[2])
	}
	if se.Status == userCanceled {
		return ErrCancelled
	}
	return err
}

// Sudo runs the script with `sudo /bin/sh -c SCRIPT`, which asks for the
// password on the terminal: the way over SSH, as limactl does it.
type Sudo struct {
	Runner runner.Runner
	// Path is sudo; empty means /usr/bin/sudo, where macOS keeps it, so
	// that a program on the user's PATH never gets the password. Tests that
	// put a fake sudo on PATH ask for it by name: "sudo".
	Path string
}

// RunAsRoot implements Elevator. sudo shows its own password prompt, so
// prompt is not used.
func (s Sudo) RunAsRoot(ctx context.Context, script, _ string) error {
	return runScript(ctx, s.Runner, "sudo", orDefault(s.Path, "/usr/bin/sudo"), "/bin/sh", "-c", script)
}

// Direct runs the script with `/bin/sh -c SCRIPT` in the current process's
// rights: for a process that is already root (`sudo limabar …`, or a
// configuration tool), where a password prompt would be pointless.
type Direct struct {
	Runner runner.Runner
	// Shell is the shell; empty means /bin/sh.
	Shell string
}

// RunAsRoot implements Elevator; prompt is not used.
func (d Direct) RunAsRoot(ctx context.Context, script, _ string) error {
	return runScript(ctx, d.Runner, "sh", orDefault(d.Shell, "/bin/sh"), "-c", script)
}

// runScript runs the command that runs a script as root, reporting a
// failure as a ScriptError of via.
func runScript(ctx context.Context, r runner.Runner, via, name string, args ...string) error {
	if _, err := orExec(r).Run(ctx, name, args...); err != nil {
		return scriptError(via, err)
	}
	return nil
}

// orDefault is path, or def when path is empty.
func orDefault(path, def string) string {
	if path == "" {
		return def
	}
	return path
}
