package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// userBusConfig is sharedBusConfig for a bus that the user manager starts
// through its dbus.socket (systemd: takes the listening socket it passes).
var userBusConfig = fmt.Sprintf(sharedBusConfig, "systemd:")

// UserBus starts the manager's session bus as a desktop has it: the bus at
// $XDG_RUNTIME_DIR/bus that the manager itself runs (dbus-user-session's
// dbus.socket and dbus.service), on which the manager registers
// org.freedesktop.systemd1. It waits until systemd is on the bus and
// returns the bus's address. The bus is open to every local user (see
// SharedSessionBus) and has no service activation; it stops with the
// manager.
func (s *Systemd) UserBus(t testing.TB) string {
	t.Helper()
	daemon := needProgram(t, "dbus-daemon")
	socket := filepath.Join(s.RuntimeDir, "bus")
	Need(t, exists(socket), "the user manager has no dbus.socket at "+socket+" (install dbus-user-session)")
	conf := filepath.Join(s.Home, "user-bus.conf")
	dropIn := filepath.Join(s.ConfigHome, "systemd", "user", "dbus.service.d")
	if err := os.MkdirAll(dropIn, 0o755); err != nil {
		t.Fatalf("user bus: %v", err)
	}
	// The folders belong to the user, as if the user's tools made them.
	for d := dropIn; d != s.ConfigHome; d = filepath.Dir(d) {
		if err := os.Chown(d, s.UID, s.GID); err != nil {
			t.Fatalf("user bus: %v", err)
		}
	}
	service := fmt.Sprintf("[Service]\nExecStart=\nExecStart=%s --config-file=%s --nofork --nopidfile\n", daemon, conf)
	for path, text := range map[string]string{conf: userBusConfig, filepath.Join(dropIn, "testenv.conf"): service} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatalf("user bus: %v", err)
		}
	}
	for _, cmd := range [][]string{{"daemon-reload"}, {"start", "dbus.service"}} {
		if out, err := s.Systemctl(cmd...); err != nil {
			t.Fatalf("user bus: systemctl --user %v: %v: %s", cmd, err, out)
		}
	}
	address := "unix:path=" + socket
	if err := waitName(address, "org.freedesktop.systemd1", systemdStartTimeout); err != nil {
		t.Fatalf("user bus: %v", err)
	}
	return address
}

// waitName waits until name has an owner on the bus at address, hearing
// NameOwnerChanged rather than asking again and again.
func waitName(address, name string, limit time.Duration) error {
	conn, err := dbus.Connect(address)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	if err := conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, name)); err != nil {
		return err
	}
	var owned bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned); err != nil {
		return err
	}
	timeout := time.After(limit)
	for !owned {
		select {
		case sig := <-ch:
			if len(sig.Body) == 3 && sig.Body[2] != "" {
				owned = true
			}
		case <-timeout:
			return fmt.Errorf("%s not on the bus after %s", name, limit)
		}
	}
	return nil
}
