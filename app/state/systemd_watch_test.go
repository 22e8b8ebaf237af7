//go:build linux

package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/scripts/testenv"
)

// churnUnits is how many unrelated units start and stop in the tests, as
// a desktop starts a unit or scope per application.
const churnUnits = 30

// received records the signals delivered to the process on SystemdHealth's
// connections, and says when one more arrived.
type received struct {
	mu      sync.Mutex
	signals []*dbus.Message
	more    chan struct{}
}

func newReceived() *received { return &received{more: make(chan struct{}, 1)} }

func (r *received) intercept(m *dbus.Message) {
	if m.Type != dbus.TypeSignal {
		return
	}
	r.mu.Lock()
	r.signals = append(r.signals, m)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

// since returns the signals from the n-th on.
func (r *received) since(n int) []*dbus.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*dbus.Message(nil), r.signals[n:]...)
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.signals)
}

// waitFor waits until a signal from the n-th on satisfies ok.
func (r *received) waitFor(t *testing.T, n int, what string, ok func(*dbus.Message) bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		for _, m := range r.since(n) {
			if ok(m) {
				return
			}
		}
		select {
		case <-r.more:
		case <-timeout:
			t.Fatalf("no signal %s after 20s", what)
		}
	}
}

// describe is a signal in one line: member, path and arguments.
func describe(m *dbus.Message) string {
	member, _ := m.Headers[dbus.FieldMember].Value().(string)
	path, _ := m.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	return fmt.Sprintf("%s %s %v", member, path, m.Body)
}

// concerns reports whether signal m is about unit: a change of its
// properties, one of its jobs, or the manager's own Reloading.
func concerns(m *dbus.Message, unit string) bool {
	member, _ := m.Headers[dbus.FieldMember].Value().(string)
	path, _ := m.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	switch {
	case path == dbus.ObjectPath("/org/freedesktop/systemd1/unit/"+sdbus.PathBusEscape(unit)):
		return true
	case member == "JobRemoved" || member == "JobNew":
		return len(m.Body) > 2 && m.Body[2] == unit
	case member == "NameAcquired" || member == "Reloading":
		return true
	}
	return false
}

// inactive reports whether m says unit became inactive.
func inactive(m *dbus.Message, unit string) bool {
	path, _ := m.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	if path != dbus.ObjectPath("/org/freedesktop/systemd1/unit/"+sdbus.PathBusEscape(unit)) || len(m.Body) < 2 {
		return false
	}
	props, ok := m.Body[1].(map[string]dbus.Variant)
	return ok && props["ActiveState"].Value() == "inactive"
}

// watchWorld is a user manager with one unit of LimaBar's, a template of
// unrelated units, and a watcher on it whose received signals are
// recorded.
type watchWorld struct {
	t       *testing.T
	sd      *testenv.Systemd
	unit    string
	in      autostart.Instance
	h       *SystemdHealth
	got     *received
	changed chan struct{}
}

func newWatchWorld(t *testing.T, userBus bool, in autostart.Instance) *watchWorld {
	sd := testenv.SystemdUser(t, testenv.SystemdOptions{})
	w := &watchWorld{t: t, sd: sd, unit: UnitName(in), in: in,
		got: newReceived(), changed: make(chan struct{}, 1)}
	dir := filepath.Join(sd.ConfigHome, "systemd", "user")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	units := map[string]string{
		w.unit:           "[Service]\nExecStart=/bin/sleep 3600\n",
		"churn@.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
	}
	for name, text := range units {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bus := testenv.SessionBus(t) // a session bus without systemd
	if userBus {
		bus = sd.UserBus(t)
	} else if out, err := sd.Systemctl("daemon-reload"); err != nil {
		t.Fatalf("daemon-reload: %v: %s", err, out)
	}
	t.Setenv("XDG_RUNTIME_DIR", sd.RuntimeDir)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus)
	h, err := connectSystemdHealth(context.Background(), nil, nil, dbus.WithIncomingInterceptor(w.got.intercept))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	w.h = h
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- h.WatchHealth(ctx, func() {
			select {
			case w.changed <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("WatchHealth: %v", err)
		}
	})
	return w
}

// heard waits until the watcher called changed.
func (w *watchWorld) heard(what string) {
	w.t.Helper()
	select {
	case <-w.changed:
	case <-time.After(20 * time.Second):
		w.t.Fatalf("the watcher did not hear %s after 20s", what)
	}
}

// churn starts and stops n unrelated units.
func (w *watchWorld) churn(n int) {
	w.t.Helper()
	var units []string
	for i := range n {
		units = append(units, fmt.Sprintf("churn@%d.service", i))
	}
	for _, verb := range []string{"start", "stop"} {
		if out, err := w.sd.Systemctl(append([]string{verb}, units...)...); err != nil {
			w.t.Fatalf("systemctl %s: %v: %s", verb, err, out)
		}
	}
}

// round starts LimaBar's unit (Try Again), which the watcher must hear,
// then churns unrelated units, then stops LimaBar's unit (Stop Retrying),
// which it must hear too, and returns the signals delivered between the
// start and the moment LimaBar's unit was reported inactive. Systemd sends
// its signals in order and the bus keeps the order of one sender's
// messages to a connection, so every signal of the churn that was to reach
// the process has reached it by then.
func (w *watchWorld) round() []*dbus.Message {
	w.t.Helper()
	ctx := context.Background()
	// The watcher hears systemd, so the churn that follows is sent.
	if err := w.h.TryAgain(ctx, w.in, autostart.Login); err != nil {
		w.t.Fatal(err)
	}
	w.heard("the start of " + w.unit)
	if h := w.h.Health(ctx, w.in, autostart.Login); h.Bad() {
		w.t.Fatalf("health of a running unit: %+v", h)
	}
	from := w.got.count()
	w.churn(churnUnits)
	for len(w.changed) > 0 {
		<-w.changed
	}
	if err := w.h.StopRetrying(ctx, w.in, autostart.Login); err != nil {
		w.t.Fatal(err)
	}
	w.heard("the stop of " + w.unit)
	w.got.waitFor(w.t, from, w.unit+" inactive", func(m *dbus.Message) bool { return inactive(m, w.unit) })
	return w.got.since(from)
}

// TestWatchOnTheSessionBusHearsOnlyLimaBarsUnits: on the session bus with
// the user's systemd on it, the watcher hears its unit start and stop (and
// Try Again and Stop Retrying see their jobs end), while no signal of 30
// unrelated units started and stopped in between reaches the process; for
// a Lima instance's lima-vm@ unit and for a Colima profile's
// limabar-colima@ unit, which the health actions name by the profile.
func TestWatchOnTheSessionBusHearsOnlyLimaBarsUnits(t *testing.T) {
	for _, in := range []autostart.Instance{
		{Name: "default"},
		{Name: "colima-work", Tool: autostart.ToolColima, Profile: "work"},
	} {
		t.Run(UnitName(in), func(t *testing.T) { watchOnTheSessionBus(t, in) })
	}
}

func watchOnTheSessionBus(t *testing.T, in autostart.Instance) {
	w := newWatchWorld(t, true, in)
	if w.h.signals == nil {
		t.Fatal("connected through the private socket although systemd is on the session bus")
	}
	// A second watcher on the same connection, which systemd counts as
	// subscribed already, watches too until it is stopped.
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { second <- w.h.WatchHealth(ctx, func() {}) }()
	signals := w.round()
	select {
	case err := <-second:
		t.Errorf("the second watcher returned before it was stopped: %v", err)
	default:
		cancel()
		if err := <-second; err != nil {
			t.Errorf("the second watcher: %v", err)
		}
	}
	cancel()
	var foreign, own []string
	for _, m := range signals {
		if concerns(m, w.unit) {
			own = append(own, describe(m))
		} else {
			foreign = append(foreign, describe(m))
		}
	}
	if len(foreign) > 0 {
		t.Errorf("%d signals of other units reached the process, among them:\n%s", len(foreign), strings.Join(foreign[:min(len(foreign), 10)], "\n"))
	}
	if len(own) == 0 {
		t.Error("no signal of " + w.unit + " reached the process")
	}
}

// TestWatchThroughThePrivateSocket: with no systemd on the session bus the
// watcher falls back to systemd's private socket, still hears its unit,
// and there every unrelated unit's signals reach the process, which is why
// the session bus comes first.
func TestWatchThroughThePrivateSocket(t *testing.T) {
	w := newWatchWorld(t, false, autostart.Instance{Name: "default"})
	if w.h.signals != nil {
		t.Fatal("connected through the session bus, where systemd is not")
	}
	var foreign int
	for _, m := range w.round() {
		if !concerns(m, w.unit) {
			foreign++
		}
	}
	if foreign < churnUnits {
		t.Errorf("%d signals of other units reached the process through the private socket, want at least one per unit (%d)", foreign, churnUnits)
	}
}
