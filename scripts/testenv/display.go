package testenv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// daemonStartTimeout bounds the wait for dbus-daemon and Xvfb to say they
// are ready.
const daemonStartTimeout = 20 * time.Second

// busConfig is a session bus without service activation: nothing can make
// it start programs of its own (an accessibility bus, a notification
// daemon) that would outlive the test.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// sharedBusConfig is busConfig open to every local user: a test or a
// benchmark running as root talks to an app that runs as another user.
// Like busConfig, it takes the address to listen on.
const sharedBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// SharedSessionBus is SessionBus that every local user may connect to, so
// that the test (root) and the app (an unprivileged user, as LimaBar
// refuses root on Linux) share it.
func SharedSessionBus(t testing.TB) string {
	t.Helper()
	return sessionBus(t, sharedBusConfig, true)
}

// SessionBus starts a private D-Bus session bus for the test and returns
// its address (unix:path=/tmp/limabar-bus-…/bus), for
// DBUS_SESSION_BUS_ADDRESS. Only the test's own user may connect. The bus
// is stopped, and its folder removed, when the test ends.
func SessionBus(t testing.TB) string {
	t.Helper()
	return sessionBus(t, busConfig, false)
}

func sessionBus(t testing.TB, conf string, shared bool) string {
	t.Helper()
	daemon := needProgram(t, "dbus-daemon")
	dir, err := os.MkdirTemp(tmpRoot, "limabar-bus-")
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	t.Cleanup(func() { removeAll(t, dir) })
	socket := filepath.Join(dir, "bus")
	config := filepath.Join(dir, "session.conf")
	// MkdirTemp names hold only characters that need no escaping in XML or
	// in a D-Bus address.
	if err := os.WriteFile(config, fmt.Appendf(nil, conf, "unix:path="+socket), 0o644); err != nil {
		t.Fatalf("session bus: %v", err)
	}
	cmd := exec.Command(daemon, "--config-file="+config, "--nofork", "--nopidfile", "--print-address=3")
	line, p, err := startAndRead(cmd, filepath.Join(dir, "dbus-daemon.log"))
	if p != nil {
		t.Cleanup(func() { p.stop(5 * time.Second) })
	}
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	if shared {
		// The other user reaches the root-owned socket.
		for path, mode := range map[string]os.FileMode{dir: 0o755, socket: 0o777} {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatalf("session bus: %v", err)
			}
		}
	}
	return line
}

// Xvfb starts a virtual X server for the test on the first free display
// number and returns the display (":N") for DISPLAY. The server is stopped
// when the test ends.
func Xvfb(t testing.TB) string {
	t.Helper()
	xvfb := needProgram(t, "Xvfb")
	logDir := t.TempDir()
	// -displayfd picks a free display and writes its number once the
	// server accepts connections; -noreset keeps the server as it is when
	// the last client leaves.
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset")
	line, p, err := startAndRead(cmd, filepath.Join(logDir, "xvfb.log"))
	if p != nil {
		t.Cleanup(func() {
			if p.stop(5 * time.Second) {
				t.Logf("xvfb: killed after it ignored SIGTERM")
			}
		})
	}
	if err != nil {
		t.Fatalf("xvfb: %v", err)
	}
	if _, err := strconv.Atoi(line); err != nil {
		t.Fatalf("xvfb: display number %q: %v", line, err)
	}
	return ":" + line
}

// startAndRead starts cmd with a pipe as file descriptor 3 and returns the
// first line the program writes there, which both dbus-daemon
// (--print-address=3) and Xvfb (-displayfd 3) do once they are ready. The
// process is returned whenever it was started, so the caller can stop it.
func startAndRead(cmd *exec.Cmd, logPath string) (string, *process, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	cmd.ExtraFiles = []*os.File{w}
	p, err := startProcess(cmd, logPath)
	w.Close()
	if err != nil {
		return "", nil, err
	}
	if err := r.SetReadDeadline(time.Now().Add(daemonStartTimeout)); err != nil {
		return "", p, err
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSpace(line)
	if err != nil || line == "" {
		if p.exited() {
			return "", p, fmt.Errorf("%s exited before it was ready (%v); log:\n%s", filepath.Base(cmd.Path), p.err, p.logTail())
		}
		return "", p, fmt.Errorf("%s not ready after %s (%v); log:\n%s", filepath.Base(cmd.Path), daemonStartTimeout, err, p.logTail())
	}
	return line, p, nil
}
