package testenv

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

func TestSessionBus(t *testing.T) {
	t.Parallel()
	var addr string
	t.Run("bus", func(t *testing.T) {
		addr = SessionBus(t)
		conn, err := dbus.Connect(addr)
		if err != nil {
			t.Fatalf("connect to %s: %v", addr, err)
		}
		defer conn.Close()
		const name = "io.github.limabar.HarnessProbe"
		reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
		if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("RequestName(%s) = %v, %v; want primary owner", name, reply, err)
		}
		var names []string
		if err := conn.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(names, name) {
			t.Errorf("ListNames = %q, want it to hold %s", names, name)
		}
	})
	if addr == "" {
		return
	}
	socket, ok := strings.CutPrefix(addr, "unix:path=")
	if !ok {
		t.Fatalf("address %q, want unix:path=…", addr)
	}
	if left := processesMentioning(t, filepath.Dir(socket)); len(left) > 0 {
		t.Errorf("processes %v of the bus still run after the test", left)
	}
	if _, err := os.Lstat(filepath.Dir(socket)); !os.IsNotExist(err) {
		t.Errorf("%s still exists after the test (%v)", filepath.Dir(socket), err)
	}
}

func TestXvfb(t *testing.T) {
	t.Parallel()
	var display string
	var pid int
	t.Run("server", func(t *testing.T) {
		display = Xvfb(t)
		pid = childNamed(t, "Xvfb")
		if err := x11Handshake("/tmp/.X11-unix/X" + strings.TrimPrefix(display, ":")); err != nil {
			t.Errorf("display %s: %v", display, err)
		}
	})
	if display == "" {
		return
	}
	if pid <= 0 || running(pid) {
		t.Errorf("Xvfb (pid %d) still runs after the test", pid)
	}
}

// childNamed returns the pid of the one child of the test process whose
// command is name.
func childNamed(t *testing.T, name string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		open, end := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
		if open < 0 || end < open {
			continue
		}
		rest := strings.Fields(string(stat[end+1:]))
		if string(stat[open+1:end]) == name && len(rest) > 1 && rest[1] == strconv.Itoa(os.Getpid()) {
			found = append(found, pid)
		}
	}
	if len(found) != 1 {
		t.Fatalf("children named %s: %v, want one", name, found)
	}
	return found[0]
}

// x11Handshake opens an X11 connection on the socket and reports whether
// the server accepts it: the real protocol, with no client library.
func x11Handshake(socket string) error {
	conn, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	// Byte order 'l' (little endian), protocol 11.0, no authorization.
	setup := []byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := conn.Write(setup); err != nil {
		return err
	}
	reply := make([]byte, 8)
	if _, err := io.ReadFull(conn, reply); err != nil {
		return err
	}
	if reply[0] != 1 {
		return fmt.Errorf("server refused the connection (status %d)", reply[0])
	}
	return nil
}
