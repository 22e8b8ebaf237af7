// Package notify shows desktop notifications through the freedesktop
// notification service, org.freedesktop.Notifications on the session bus,
// which every Linux desktop runs (GNOME Shell, Plasma, mako, dunst, …).
// It talks D-Bus itself rather than starting notify-send, so it needs no
// package beyond the desktop's own, learns the notification's id, and can
// hear the click on an action.
package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"

	"github.com/limabar/limabar/app/sessionbus"
)

// The service's well-known name, object and interface, from the Desktop
// Notifications Specification.
const (
	serviceName = "org.freedesktop.Notifications"
	objectPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	iface       = "org.freedesktop.Notifications"
)

// defaultAction is the action key the specification reserves for a click on
// the notification itself rather than on one of its buttons.
const defaultAction = "default"

// ErrUnavailable means no notification service owns its name on the session
// bus (no desktop, or one without notifications).
var ErrUnavailable = errors.New("no notification service on the session bus")

// ErrNoBus means there is no session bus to reach a notification service on.
var ErrNoBus = errors.New("no session bus")

// Notifier sends notifications for one application.
type Notifier struct {
	conn    *dbus.Conn
	appName string
	ownConn bool

	mu        sync.Mutex
	listening bool
	signals   chan *dbus.Signal
	onAction  map[uint32]func()
	closed    bool
	done      chan struct{} // closed by Close; ends serve
}

// Connect opens a connection of its own to the session bus
// (DBUS_SESSION_BUS_ADDRESS), never one it would have to start, for appName's
// notifications. Close ends it.
func Connect(appName string) (*Notifier, error) {
	conn, err := sessionbus.Connect(context.Background())
	if err != nil {
		return nil, fmt.Errorf("notifications: %w: %w", ErrNoBus, err)
	}
	n := New(conn, appName)
	n.ownConn = true
	return n, nil
}

// New sends appName's notifications over conn, which stays the caller's:
// Close does not close it.
func New(conn *dbus.Conn, appName string) *Notifier {
	return &Notifier{conn: conn, appName: appName, onAction: map[uint32]func(){}, done: make(chan struct{})}
}

// Notify shows a notification and returns the id the service gave it.
func (n *Notifier) Notify(ctx context.Context, title, body string) (uint32, error) {
	return n.send(ctx, title, body, nil)
}

// NotifyAction shows a notification with one button labelled label; onClick
// runs, on a goroutine of the Notifier, when the user clicks the button or
// the notification itself. A desktop that shows no buttons still reports a
// click on the notification.
func (n *Notifier) NotifyAction(ctx context.Context, title, body, label string, onClick func()) (uint32, error) {
	if err := n.listen(); err != nil {
		return 0, fmt.Errorf("notification %q: %w", title, err)
	}
	// Holding the lock over the call keeps a click that arrives before
	// the reply waiting until its callback is known.
	n.mu.Lock()
	defer n.mu.Unlock()
	id, err := n.send(ctx, title, body, []string{defaultAction, label})
	if err == nil {
		n.onAction[id] = onClick
	}
	return id, err
}

func (n *Notifier) send(ctx context.Context, title, body string, actions []string) (uint32, error) {
	if actions == nil {
		actions = []string{}
	}
	var id uint32
	call := n.conn.Object(serviceName, objectPath).CallWithContext(ctx, iface+".Notify", 0,
		n.appName, uint32(0), "", title, body, actions, map[string]dbus.Variant{}, int32(-1))
	if err := call.Store(&id); err != nil {
		var derr dbus.Error
		if errors.As(err, &derr) && (derr.Name == "org.freedesktop.DBus.Error.ServiceUnknown" || derr.Name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
			return 0, fmt.Errorf("notification %q: %w", title, ErrUnavailable)
		}
		return 0, fmt.Errorf("notification %q: %w", title, err)
	}
	return id, nil
}

// listen subscribes, once, to the service's ActionInvoked and
// NotificationClosed signals.
func (n *Notifier) listen() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errors.New("the notifier is closed")
	}
	if n.listening {
		return nil
	}
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := n.conn.AddMatchSignal(dbus.WithMatchObjectPath(objectPath), dbus.WithMatchInterface(iface), dbus.WithMatchMember(member)); err != nil {
			return fmt.Errorf("cannot listen for %s: %w", member, err)
		}
	}
	n.signals = make(chan *dbus.Signal, 16)
	n.conn.Signal(n.signals)
	n.listening = true
	go n.serve(n.signals)
	return nil
}

// serve runs the callbacks of clicked notifications and forgets closed ones,
// until Close or the end of the connection (which closes signals).
func (n *Notifier) serve(signals <-chan *dbus.Signal) {
	for {
		var s *dbus.Signal
		select {
		case <-n.done:
			return
		case sig, ok := <-signals:
			if !ok {
				return
			}
			s = sig
		}
		if s.Path != objectPath || len(s.Body) == 0 {
			continue
		}
		id, ok := s.Body[0].(uint32)
		if !ok {
			continue
		}
		n.mu.Lock()
		fn := n.onAction[id]
		switch s.Name {
		case iface + ".ActionInvoked":
		case iface + ".NotificationClosed":
			delete(n.onAction, id)
			fn = nil
		default:
			fn = nil
		}
		n.mu.Unlock()
		if fn != nil {
			fn()
		}
	}
}

// Close stops listening for clicks, and closes the connection if Connect
// opened it.
func (n *Notifier) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	signals := n.signals
	n.mu.Unlock()
	close(n.done)
	if signals != nil {
		n.conn.RemoveSignal(signals)
	}
	if n.ownConn {
		return n.conn.Close()
	}
	return nil
}
