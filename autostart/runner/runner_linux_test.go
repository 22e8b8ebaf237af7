package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func init() {
	// terminal is run as the foreground job of a terminal, as limabar is
	// on the command line. Changing the terminal's settings, as sudo does
	// to hide the password, works only from the terminal's foreground
	// group; from another group the command would be stopped and hang.
	helpers["terminal"] = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, err := Exec{}.Run(ctx, "/bin/sh", "-c", "stty -echo </dev/tty && stty echo </dev/tty && echo ok")
		if err != nil {
			return fmt.Errorf("a command that changes the terminal's settings: %w", err)
		}
		if ownGroup() {
			return fmt.Errorf("ownGroup() is true for the foreground job of a terminal")
		}
		fmt.Print(string(out))
		return nil
	}
	// background is a job of a terminal that is not in the foreground.
	helpers["background"] = func() error {
		if !ownGroup() {
			return fmt.Errorf("ownGroup() is false for a background job of a terminal")
		}
		fmt.Println("ok")
		return nil
	}
}

// openPty returns the two ends of a new pseudo-terminal.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the pty: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// runOnTerminal runs a helper with a new pseudo-terminal as its
// controlling terminal, in the terminal's foreground group unless
// foreground is false.
func runOnTerminal(t *testing.T, name string, foreground bool) string {
	t.Helper()
	_, slave := openPty(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	cmd.Stdin = slave
	if !foreground {
		// A shell with job control (set -m) runs a background job in a
		// group of its own, and the terminal keeps the shell's group in
		// the foreground.
		cmd = exec.Command("/bin/sh", "-c", `set -m; "$0" -test.run='^$' & wait $!`, os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"="+name)
		cmd.Stdin = slave
	}
	// Setctty makes the terminal the controlling terminal of the new
	// session, with the session's group in the foreground.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("helper %s hung: %s", name, stderr.String())
	}
	if err != nil {
		t.Fatalf("helper %s: %v: %s", name, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// TestExecOnATerminalKeepsTheForegroundGroup: on the command line, a
// command must be able to use the terminal (sudo asking for the password).
func TestExecOnATerminalKeepsTheForegroundGroup(t *testing.T) {
	if got := runOnTerminal(t, "terminal", true); got != "ok" {
		t.Errorf("got %q, want ok", got)
	}
}

// TestExecInABackgroundJobUsesAGroupOfItsOwn: a background job of a
// terminal does not use the terminal, so its commands get a process group
// of their own and a timeout kills everything they started.
func TestExecInABackgroundJobUsesAGroupOfItsOwn(t *testing.T) {
	if got := runOnTerminal(t, "background", false); got != "ok" {
		t.Errorf("got %q, want ok", got)
	}
}
