package tray

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// Hosts says what on the desktop can show LimaBar's icon. systray exports
// the icon as a StatusNotifierItem, which a panel shows once it has
// registered as a host with the org.kde.StatusNotifierWatcher; without
// one, the tray library falls back to an XEmbed icon, which an X11 system
// tray (the owner of the _NET_SYSTEM_TRAY_S<n> selection) shows. GNOME
// Shell has neither unless an extension adds them.
type Hosts struct {
	StatusNotifier bool
	XEmbed         bool
}

// Any reports whether the icon can be seen.
func (h Hosts) Any() bool { return h.StatusNotifier || h.XEmbed }

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = dbus.ObjectPath("/StatusNotifierWatcher")
	hostProperty = watcherName + ".IsStatusNotifierHostRegistered"
)

// StatusNotifierHost reports whether a StatusNotifierWatcher runs on the
// bus and a host (a panel that draws the items) has registered with it.
func StatusNotifierHost(ctx context.Context, conn *dbus.Conn) (bool, error) {
	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned); err != nil {
		return false, fmt.Errorf("ask the session bus for %s: %w", watcherName, err)
	}
	if !owned {
		return false, nil
	}
	var v dbus.Variant
	if err := conn.Object(watcherName, watcherPath).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
		watcherName, "IsStatusNotifierHostRegistered").Store(&v); err != nil {
		return false, fmt.Errorf("read %s: %w", hostProperty, err)
	}
	registered, ok := v.Value().(bool)
	if !ok {
		return false, fmt.Errorf("%s is %s, not a boolean", hostProperty, v.Signature())
	}
	return registered, nil
}

// WatchHosts calls changed with the desktop's Hosts at once, and again each
// time the StatusNotifierWatcher comes or goes or a host registers with it,
// until ctx ends. It polls nothing: the bus tells it. xembed reads the X11
// tray, which is looked at again on each of those events.
func WatchHosts(ctx context.Context, conn *dbus.Conn, xembed func() bool, changed func(Hosts)) error {
	rules := [][]dbus.MatchOption{
		{dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, watcherName)},
		{dbus.WithMatchInterface(watcherName), dbus.WithMatchMember("StatusNotifierHostRegistered")},
		{dbus.WithMatchInterface(watcherName), dbus.WithMatchMember("StatusNotifierHostUnregistered")},
	}
	for _, r := range rules {
		if err := conn.AddMatchSignalContext(ctx, r...); err != nil {
			return fmt.Errorf("watch for a tray: %w", err)
		}
	}
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)
	read := func() Hosts {
		sni, err := StatusNotifierHost(ctx, conn)
		if err != nil {
			sni = false
		}
		return Hosts{StatusNotifier: sni, XEmbed: xembed()}
	}
	changed(read())
	for {
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-signals:
			if !ok {
				return nil
			}
			switch s.Name {
			case "org.freedesktop.DBus.NameOwnerChanged", watcherName + ".StatusNotifierHostRegistered", watcherName + ".StatusNotifierHostUnregistered":
				changed(read())
			}
		}
	}
}
