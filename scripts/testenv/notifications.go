package testenv

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Notification is one Notify call received by a NotificationServer.
type Notification struct {
	ID      uint32
	AppName string
	Summary string
	Body    string
	Actions []string
}

// NotificationServer stands in for a desktop's notification daemon on a
// test's session bus: it owns org.freedesktop.Notifications, records every
// Notify call exactly as it came, and can report a click on an action as a
// desktop would.
type NotificationServer struct {
	conn *dbus.Conn

	mu    sync.Mutex
	got   []Notification
	added chan struct{} // closed and replaced at each Notify
}

// notificationsObject is what the server exports. Its methods are the
// specification's, with D-Bus errors as the last result.
type notificationsObject struct{ s *NotificationServer }

func (o notificationsObject) Notify(appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	n := Notification{ID: uint32(len(s.got) + 1), AppName: appName, Summary: summary, Body: body, Actions: slices.Clone(actions)}
	s.got = append(s.got, n)
	close(s.added)
	s.added = make(chan struct{})
	return n.ID, nil
}

func (o notificationsObject) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"actions", "body"}, nil
}

func (o notificationsObject) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "limabar-test", "limabar", "1", "1.2", nil
}

func (o notificationsObject) CloseNotification(id uint32) *dbus.Error { return nil }

// StartNotificationServer registers a NotificationServer on the session bus
// at address (see SessionBus). It goes away with the test.
func StartNotificationServer(t testing.TB, address string) *NotificationServer {
	t.Helper()
	conn, err := dbus.Connect(address)
	if err != nil {
		t.Fatalf("notification server: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &NotificationServer{conn: conn, added: make(chan struct{})}
	const path = "/org/freedesktop/Notifications"
	if err := conn.Export(notificationsObject{s}, path, "org.freedesktop.Notifications"); err != nil {
		t.Fatalf("notification server: %v", err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("notification server: cannot own org.freedesktop.Notifications (reply %v): %v", reply, err)
	}
	return s
}

// Received returns the notifications so far, oldest first.
func (s *NotificationServer) Received() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// WaitFor waits until n notifications have arrived, or fails the test after
// timeout.
func (s *NotificationServer) WaitFor(t testing.TB, n int, timeout time.Duration) []Notification {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, added := slices.Clone(s.got), s.added
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-added:
		case <-deadline:
			t.Fatalf("notification server: %d notifications after %v, want %d: %+v", len(got), timeout, n, got)
			return got
		}
	}
}

// Click reports a click on action key of notification id, as the
// ActionInvoked signal a desktop sends.
func (s *NotificationServer) Click(id uint32, key string) error {
	if err := s.conn.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications.ActionInvoked", id, key); err != nil {
		return fmt.Errorf("notification server: %w", err)
	}
	return nil
}

// Close reports that notification id was closed, as a desktop does when it
// expires or is dismissed.
func (s *NotificationServer) Close(id uint32) error {
	if err := s.conn.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications.NotificationClosed", id, uint32(2)); err != nil {
		return fmt.Errorf("notification server: %w", err)
	}
	return nil
}
