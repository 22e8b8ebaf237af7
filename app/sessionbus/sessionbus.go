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
// and registered. It never starts a bus. opts are godbus's options for the
// connection (an interceptor, a handler).
func Connect(ctx context.Context, opts ...dbus.ConnOption) (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup(append([]dbus.ConnOption{dbus.WithContext(ctx)}, opts...)...)
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

// HasOwner reports whether some program owns name on the bus conn is
// connected to, such as org.freedesktop.systemd1 where the user's systemd
// is on the session bus.
func HasOwner(ctx context.Context, conn *dbus.Conn, name string) (bool, error) {
	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned); err != nil {
		return false, fmt.Errorf("session bus: %w", err)
	}
	return owned, nil
}
