package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// menuPath is where libayatana-appindicator exports the menu of
// getlantern/systray, whose indicator id is always "systray".
const menuPath = dbus.ObjectPath("/org/ayatana/NotificationItem/systray/Menu")

// item is one node of a com.canonical.dbusmenu layout.
type item struct {
	ID      int32
	Label   string
	Visible bool
	// Separator is a line between items; the toolkit gives it no
	// goroutine, unlike the items.
	Separator bool
	Toggle    string // toggle-type: "checkmark" for the switches
	State     int32  // toggle-state: 1 checked, 0 not
	Children  []item
}

// callTimeout bounds every D-Bus call: a connection of the process that
// does not serve the menu (LimaBar has a second one) never answers.
const callTimeout = 2 * time.Second

func call(obj dbus.BusObject, method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	return obj.CallWithContext(ctx, method, 0, args...)
}

// menuClient reads and clicks the menu of one process, found on the bus by
// its pid: the process is a client of the bus like any other, so this is
// what a panel sees.
type menuClient struct {
	conn *dbus.Conn
	pid  uint32
	dest string
}

func dialBus(addr string) (*dbus.Conn, error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return conn, nil
}

// find looks for the connection of pid that serves the menu. It returns
// false while the process has not exported it yet.
func (c *menuClient) find() bool {
	var names []string
	if err := call(c.conn.BusObject(), "org.freedesktop.DBus.ListNames").Store(&names); err != nil {
		return false
	}
	for _, n := range names {
		if !strings.HasPrefix(n, ":") {
			continue
		}
		var pid uint32
		if err := call(c.conn.BusObject(), "org.freedesktop.DBus.GetConnectionUnixProcessID", n).Store(&pid); err != nil || pid != c.pid {
			continue
		}
		if _, err := layoutOf(c.conn, n); err == nil {
			c.dest = n
			return true
		}
	}
	return false
}

// layout returns the whole menu, or an error while it is not exported.
func (c *menuClient) layout() (item, error) {
	if c.dest == "" && !c.find() {
		return item{}, fmt.Errorf("no menu exported by pid %d yet", c.pid)
	}
	return layoutOf(c.conn, c.dest)
}

func layoutOf(conn *dbus.Conn, dest string) (item, error) {
	c := call(conn.Object(dest, menuPath), "com.canonical.dbusmenu.GetLayout", int32(0), int32(-1), []string{})
	if c.Err != nil {
		return item{}, c.Err
	}
	if len(c.Body) != 2 {
		return item{}, fmt.Errorf("GetLayout answered %d values", len(c.Body))
	}
	return decodeItem(c.Body[1])
}

// click sends what a panel sends when the user clicks an item.
func (c *menuClient) click(id int32) error {
	return call(c.conn.Object(c.dest, menuPath), "com.canonical.dbusmenu.Event",
		id, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
}

// decodeItem reads one (ia{sv}av) layout node.
func decodeItem(v any) (item, error) {
	if vv, ok := v.(dbus.Variant); ok {
		v = vv.Value()
	}
	fields, ok := v.([]any)
	if !ok || len(fields) != 3 {
		return item{}, fmt.Errorf("layout node is %T, want (ia{sv}av)", v)
	}
	id, _ := fields[0].(int32)
	props, _ := fields[1].(map[string]dbus.Variant)
	it := item{ID: id, Visible: true}
	for k, p := range props {
		switch k {
		case "label":
			it.Label, _ = p.Value().(string)
		case "visible":
			it.Visible, _ = p.Value().(bool)
		case "toggle-type":
			it.Toggle, _ = p.Value().(string)
		case "toggle-state":
			it.State, _ = p.Value().(int32)
		case "type":
			t, _ := p.Value().(string)
			it.Separator = t == "separator"
		}
	}
	children, _ := fields[2].([]dbus.Variant)
	for _, ch := range children {
		c, err := decodeItem(ch)
		if err != nil {
			return item{}, err
		}
		it.Children = append(it.Children, c)
	}
	return it, nil
}

// widgets counts the items below it, hidden ones included, separators not:
// the items the tray's pools have made, each with its click goroutine.
func (it item) widgets() int {
	n := 0
	for _, c := range it.Children {
		if !c.Separator {
			n++
		}
		n += c.widgets()
	}
	return n
}

// walk calls f for every visible item below it, depth first.
func (it item) walk(f func(item)) {
	for _, c := range it.Children {
		if !c.Visible {
			continue
		}
		f(c)
		c.walk(f)
	}
}

// instance returns the submenu of the named instance: its title is
// "MARK NAME — STATUS…".
func (it item) instance(name string) (item, bool) {
	var found item
	ok := false
	it.walk(func(c item) {
		if !ok && len(c.Children) > 0 && strings.Contains(c.Label, " "+name+" — ") {
			found, ok = c, true
		}
	})
	return found, ok
}

// switchOf returns the "Start at Login" or "Start at Boot" item of an
// instance. While an action runs its label carries "— Turning on…" and its
// check shows where it is going; settled is true once the label is plain.
func (it item) switchOf(name, title string) (sw item, settled, ok bool) {
	inst, found := it.instance(name)
	if !found {
		return item{}, false, false
	}
	for _, c := range inst.Children {
		if c.Visible && strings.HasPrefix(c.Label, title) {
			return c, c.Label == title, true
		}
	}
	return item{}, false, false
}

// names returns the instance names shown (submenus whose title has " — ").
func (it item) names() []string {
	var out []string
	it.walk(func(c item) {
		if len(c.Children) == 0 || strings.HasPrefix(c.Label, "More Instances") {
			return
		}
		_, rest, ok := strings.Cut(c.Label, " ")
		if !ok {
			return
		}
		if name, _, ok := strings.Cut(rest, " — "); ok {
			out = append(out, name)
		}
	})
	return out
}

// labels returns every visible label, for "the menu answers with X" checks.
func (it item) labels() []string {
	var out []string
	it.walk(func(c item) { out = append(out, c.Label) })
	return out
}
