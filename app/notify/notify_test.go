package notify

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/limabar/limabar/scripts/testenv"
)

// connect returns a Notifier on a private session bus with a recording
// notification server, or only the bus when server is false.
func connect(t *testing.T, server bool) (*Notifier, *testenv.NotificationServer) {
	t.Helper()
	addr := testenv.SessionBus(t)
	var srv *testenv.NotificationServer
	if server {
		srv = testenv.StartNotificationServer(t, addr)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	n, err := Connect("LimaBar")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, srv
}

func TestNotify(t *testing.T) {
	n, srv := connect(t, true)
	id, err := n.Notify(context.Background(), "No tray", "Install the extension <b>now</b> & \"restart\"")
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1, 10*time.Second)
	want := testenv.Notification{ID: id, AppName: "LimaBar", Summary: "No tray", Body: "Install the extension <b>now</b> & \"restart\"", Actions: []string{}}
	if len(got) != 1 || !equal(got[0], want) {
		t.Fatalf("server received %+v, want exactly %+v", got, want)
	}
	if id != 1 {
		t.Errorf("id = %d, want the server's 1", id)
	}
}

func equal(a, b testenv.Notification) bool {
	return a.ID == b.ID && a.AppName == b.AppName && a.Summary == b.Summary && a.Body == b.Body && slices.Equal(a.Actions, b.Actions)
}

func TestNotifyActionClick(t *testing.T) {
	n, srv := connect(t, true)
	clicked := make(chan uint32, 4)
	ctx := context.Background()
	first, err := n.NotifyAction(ctx, "autostart failed", "default: exit 1", "Show log", func() { clicked <- 1 })
	if err != nil {
		t.Fatal(err)
	}
	second, err := n.NotifyAction(ctx, "autostart failed", "other: exit 1", "Show log", func() { clicked <- 2 })
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 2, 10*time.Second)
	if want := []string{"default", "Show log"}; !slices.Equal(got[0].Actions, want) {
		t.Errorf("actions = %q, want %q", got[0].Actions, want)
	}

	if err := srv.Click(second, "Show log"); err != nil {
		t.Fatal(err)
	}
	select {
	case which := <-clicked:
		if which != 2 {
			t.Fatalf("clicking notification %d ran the callback of notification %d", second, which)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("clicking the action ran no callback")
	}

	// A closed notification forgets its callback: a late click does
	// nothing. The close and the click travel in order on the bus, and a
	// click on the other notification afterwards shows the late one was
	// seen and ignored.
	if err := srv.Close(first); err != nil {
		t.Fatal(err)
	}
	if err := srv.Click(first, "default"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Click(second, "default"); err != nil {
		t.Fatal(err)
	}
	select {
	case which := <-clicked:
		if which != 2 {
			t.Fatalf("a click on closed notification %d ran its callback", first)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("clicking the notification itself ran no callback")
	}
}

func TestNotifyWithoutService(t *testing.T) {
	n, _ := connect(t, false)
	_, err := n.Notify(context.Background(), "t", "b")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestNewKeepsCallersConnection(t *testing.T) {
	addr := testenv.SessionBus(t)
	testenv.StartNotificationServer(t, addr)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := New(conn, "LimaBar")
	if _, err := n.NotifyAction(context.Background(), "t", "b", "Open", func() {}); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if !conn.Connected() {
		t.Fatal("Close closed the caller's connection")
	}
	if _, err := New(conn, "LimaBar").Notify(context.Background(), "again", "b"); err != nil {
		t.Fatalf("the connection no longer works after Close: %v", err)
	}
}
