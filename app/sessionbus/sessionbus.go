// Package sessionbus connects to the desktop session's D-Bus bus, and only
// to one that is already there.
//
// godbus's ConnectSessionBus and SessionBusPrivate (and so go-systemd's
// NewUserConnection) start a bus of their own through dbus-launch when the
// environment names none. Such a bus serves nobody: no tray, no
// notification service and no systemd listen on it, and its daemon outlives
// LimaBar. A process without a session bus (a command run over SSH, a
// service) must get an error instead.
package sessionbus

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// Connect opens a private connection to the session bus named by
// DBUS_SESSION_BUS_ADDRESS or found at $XDG_RUNTIME_DIR/bus, authenticated
// and registered. It never starts a bus.
func Connect(ctx context.Context) (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("no session bus: %w", err)
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus: %w", err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus: %w", err)
	}
	return conn, nil
}
