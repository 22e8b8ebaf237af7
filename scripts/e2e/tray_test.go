//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/limabar/limabar/scripts/testenv"
)

// The tray tests run the real limabar menu-bar app as an unprivileged user
// against a real systemd user manager, under Xvfb, on a private session bus,
// and read and click its menu as a D-Bus client of com.canonical.dbusmenu,
// the way a desktop's panel does.

// trayStubLimactl lists the instance folders of LIMA_HOME as limactl does:
// Running with an ha.pid, Broken when lima.yaml starts with "BROKEN",
// Stopped otherwise. It records each call in $STUB_LOG and hangs while
// $LIMA_HOME/.hang exists.
const trayStubLimactl = `#!/bin/sh
printf '%s\n' "$*" >> "$STUB_LOG"
home="${LIMA_HOME:-$HOME/.lima}"
case "$1" in
list)
	[ -e "$home/.hang" ] && exec sleep 3600
	for d in "$home"/*/; do
		d=${d%/}
		[ -f "$d/lima.yaml" ] || continue
		n=${d##*/}
		if head -c 6 "$d/lima.yaml" | grep -q BROKEN; then
			printf '{"name":"%s","status":"Broken","dir":"%s","errors":["lima.yaml: yaml: line 1: did not find expected key"]}\n' "$n" "$d"
		elif [ -f "$d/ha.pid" ]; then
			printf '{"name":"%s","status":"Running","dir":"%s","vmType":"qemu","arch":"x86_64","cpus":4,"memory":4294967296}\n' "$n" "$d"
		else
			printf '{"name":"%s","status":"Stopped","dir":"%s","vmType":"qemu","arch":"x86_64","cpus":4,"memory":4294967296}\n' "$n" "$d"
		fi
	done ;;
start | stop) ;;
*) echo "stub limactl: unknown command $1" >&2; exit 1 ;;
esac
`

// trayFakeLoginctl turns lingering on and off by the file under the test
// root, as systemd-logind does, and refuses while $FAKE_STATE/refuse exists.
const trayFakeLoginctl = `#!/bin/sh
[ -e "$FAKE_STATE/refuse" ] && { echo "Could not $1: Access denied" >&2; exit 1; }
dir="$LIMABAR_TEST_ROOT/var/lib/systemd/linger"
case "$1" in
enable-linger) mkdir -p "$dir" && : > "$dir/$2" ;;
disable-linger) rm -f "$dir/$2" ;;
*) exit 1 ;;
esac
`

// trayWorld is what every app run of the tray tests shares.
type trayWorld struct {
	t       *testing.T
	sd      *testenv.Systemd
	bus     string
	display string
	bin     string // folder of the stub limactl and fake loginctl
	root    string // LIMABAR_TEST_ROOT
	state   string // FAKE_STATE
	stubLog string
}

func newTrayWorld(t *testing.T) *trayWorld {
	t.Helper()
	for _, p := range []string{"dbus-daemon", "Xvfb", "setpriv"} {
		_, err := exec.LookPath(p)
		testenv.Need(t, err == nil, p+" is not installed (run scripts/deps.sh)")
	}
	sd := testenv.SystemdUser(t, testenv.SystemdOptions{User: unprivileged})
	w := &trayWorld{
		t:       t,
		sd:      sd,
		display: testenv.Xvfb(t),
		bin:     filepath.Join(sd.Home, "bin"),
		root:    filepath.Join(sd.Home, "testroot"),
		state:   filepath.Join(sd.Home, "fake-state"),
		stubLog: filepath.Join(sd.Home, "limactl-calls.log"),
	}
	w.bus = testenv.SharedSessionBus(t)
	w.write(filepath.Join(w.bin, "limactl"), trayStubLimactl, 0o755)
	w.write(filepath.Join(w.bin, "loginctl"), trayFakeLoginctl, 0o755)
	w.mkdir(w.root)
	w.mkdir(w.state)
	return w
}

// stopGroup ends a process group started with Setsid: SIGTERM, then SIGKILL
// after a grace period, and waits for the leader to be reaped.
func stopGroup(pid int, done <-chan struct{}) {
	syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
	// Whatever the group left behind (a hung stub's sleep) goes too, and
	// so does the rest of the session: limabar runs each command in a
	// process group of its own, and one still hanging when the app ended
	// is in no group the kill above reaches.
	syscall.Kill(-pid, syscall.SIGKILL)
	killSession(pid)
}

// killSession sends SIGKILL to every process of session sid.
func killSession(sid int) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session …; comm may hold spaces.
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(f) > 3 && f[3] == strconv.Itoa(sid) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

func (w *trayWorld) chown(path string) {
	w.t.Helper()
	if err := os.Lchown(path, w.sd.UID, w.sd.GID); err != nil {
		w.t.Fatal(err)
	}
}

// mkdir creates a folder (and its parents under the user's home) owned by
// the user, as the user's own tools would.
func (w *trayWorld) mkdir(dir string) {
	w.t.Helper()
	var missing []string
	for d := dir; d != w.sd.Home && d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		w.t.Fatal(err)
	}
	for _, d := range missing {
		w.chown(d)
	}
}

func (w *trayWorld) write(path, content string, mode os.FileMode) {
	w.t.Helper()
	w.mkdir(filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		w.t.Fatal(err)
	}
	w.chown(path)
}

// instance creates an instance folder with a lima.yaml.
func (w *trayWorld) instance(limaHome, name, yaml string) string {
	w.t.Helper()
	dir := filepath.Join(limaHome, name)
	w.write(filepath.Join(dir, "lima.yaml"), yaml, 0o644)
	return dir
}

// stubCalls counts the limactl calls so far.
func (w *trayWorld) stubCalls() int {
	data, _ := os.ReadFile(w.stubLog)
	return strings.Count(string(data), "\n")
}

// trayApp is one running limabar menu-bar app.
type trayApp struct {
	t       *testing.T
	pid     int
	done    chan struct{}
	log     string // stdout and stderr
	logFile string // the app's own log
	conn    *dbus.Conn
	menu    dbus.BusObject
}

// start runs limabar with no arguments as the user, with extra environment,
// and waits until its menu is on the bus.
func (w *trayWorld) start(extra ...string) *trayApp {
	w.t.Helper()
	a := w.launch(extra...)
	var err error
	a.conn, err = dbus.Connect(w.bus)
	if err != nil {
		w.t.Fatalf("connect to the session bus: %v", err)
	}
	w.t.Cleanup(func() { a.conn.Close() })
	a.menu = a.findMenu()
	return a
}

// launch runs limabar with no arguments as the user, with extra
// environment, and returns at once.
func (w *trayWorld) launch(extra ...string) *trayApp {
	w.t.Helper()
	env := append(w.sd.Env(),
		"DISPLAY="+w.display,
		"DBUS_SESSION_BUS_ADDRESS="+w.bus,
		"NO_AT_BRIDGE=1",
		"PATH="+w.bin+":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		"LIMACTL="+filepath.Join(w.bin, "limactl"),
		"STUB_LOG="+w.stubLog,
		"FAKE_STATE="+w.state,
		"LIMABAR_TEST_ROOT="+w.root,
		"LIMABAR_DEBUG=1",
		"XDG_STATE_HOME="+filepath.Join(w.sd.Home, ".local", "state"),
	)
	env = append(env, extra...)
	a := &trayApp{
		t:       w.t,
		done:    make(chan struct{}),
		log:     filepath.Join(w.t.TempDir(), "limabar.out"),
		logFile: filepath.Join(w.sd.Home, ".local", "state", "limabar", "limabar.log"),
	}
	logf, err := os.Create(a.log)
	if err != nil {
		w.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command("setpriv", "--reuid="+strconv.Itoa(w.sd.UID), "--regid="+strconv.Itoa(w.sd.GID),
		"--init-groups", "--", bins.limabar)
	cmd.Env = env
	cmd.Dir = w.sd.Home
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("start limabar: %v", err)
	}
	a.pid = cmd.Process.Pid
	go func() { cmd.Wait(); close(a.done) }()
	w.t.Cleanup(a.stop)
	return a
}

// stop ends the app and everything it started; on failure it shows the
// app's log.
func (a *trayApp) stop() {
	stopGroup(a.pid, a.done)
	if a.t.Failed() {
		for _, f := range []string{a.log, a.logFile} {
			data, _ := os.ReadFile(f)
			if len(data) > 8000 {
				data = data[len(data)-8000:]
			}
			a.t.Logf("%s:\n%s", f, data)
		}
	}
}

func (a *trayApp) exited() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// findMenu waits for the app's connection to the bus (matched by process
// id) and returns its exported menu. Each try is bounded by a short time
// and repeated: GLib answers nothing to a call that reaches the tray's
// connection after its Hello but before GLib has finished setting it up
// (it refuses to send the error reply, with "check_unclosed: assertion
// 'flags & FLAG_INITIALIZED' failed" on stderr), so a call that comes too
// early would otherwise wait out the whole bound. A panel never calls that
// early: it learns of the item only when the item registers.
func (a *trayApp) findMenu() dbus.BusObject {
	a.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if a.exited() {
			a.t.Fatal("limabar exited at start")
		}
		var names []string
		if err := a.conn.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
			a.t.Fatal(err)
		}
		for _, n := range names {
			if !strings.HasPrefix(n, ":") {
				continue
			}
			var pid uint32
			if err := a.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, n).Store(&pid); err != nil || int(pid) != a.pid {
				continue
			}
			obj := a.conn.Object(n, "/org/ayatana/NotificationItem/systray/Menu")
			if _, err := layoutWithin(obj, 2*time.Second); err == nil {
				return obj
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.t.Fatal("limabar's menu did not appear on the session bus")
	return nil
}

// menuNode is one item of a dbusmenu layout.
type menuNode struct {
	ID          int32
	Label       string
	Type        string
	Enabled     bool
	Visible     bool
	ToggleType  string
	ToggleState int32
	Children    []menuNode
}

func layoutOf(obj dbus.BusObject) (menuNode, error) {
	// Bounded: the app has more than one connection to the bus (the tray's,
	// and the one that watches for a tray host), and one that does not
	// answer must fail this call, not hang the test.
	return layoutWithin(obj, 20*time.Second)
}

// layoutWithin reads the menu's layout, or fails after timeout.
func layoutWithin(obj dbus.BusObject, timeout time.Duration) (menuNode, error) {
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	call := obj.CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		return menuNode{}, err
	}
	return toNode(root.ID, root.Props, root.Children), nil
}

func toNode(id int32, props map[string]dbus.Variant, children []dbus.Variant) menuNode {
	n := menuNode{ID: id, Enabled: true, Visible: true}
	for k, v := range props {
		switch k {
		case "label":
			// dbusmenu doubles underscores, which would be mnemonics.
			n.Label = strings.ReplaceAll(v.Value().(string), "__", "_")
		case "type":
			n.Type = v.Value().(string)
		case "enabled":
			n.Enabled = v.Value().(bool)
		case "visible":
			n.Visible = v.Value().(bool)
		case "toggle-type":
			n.ToggleType = v.Value().(string)
		case "toggle-state":
			n.ToggleState = v.Value().(int32)
		}
	}
	for _, c := range children {
		f := c.Value().([]any)
		n.Children = append(n.Children, toNode(f[0].(int32), f[1].(map[string]dbus.Variant), f[2].([]dbus.Variant)))
	}
	return n
}

// shown are the visible children, separators as "---".
func (n menuNode) shown() []menuNode {
	var out []menuNode
	for _, c := range n.Children {
		if c.Visible {
			if c.Type == "separator" {
				c.Label = "---"
			}
			out = append(out, c)
		}
	}
	return out
}

// find returns the visible item whose label starts with each prefix in
// turn, descending into submenus.
func (n menuNode) find(prefixes ...string) (menuNode, bool) {
	for _, c := range n.shown() {
		if strings.HasPrefix(c.Label, prefixes[0]) {
			if len(prefixes) == 1 {
				return c, true
			}
			return c.find(prefixes[1:]...)
		}
	}
	return menuNode{}, false
}

func (n menuNode) labels() []string {
	var out []string
	for _, c := range n.shown() {
		out = append(out, c.Label)
	}
	return out
}

func (n menuNode) String() string {
	var b strings.Builder
	var walk func(menuNode, int)
	walk = func(n menuNode, depth int) {
		for _, c := range n.shown() {
			b.WriteString(strings.Repeat("  ", depth))
			if !c.Enabled {
				b.WriteString("~")
			}
			if c.ToggleType != "" {
				fmt.Fprintf(&b, "[%s=%d] ", c.ToggleType, c.ToggleState)
			}
			b.WriteString(c.Label + "\n")
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

func (a *trayApp) layout() menuNode {
	a.t.Helper()
	n, err := layoutOf(a.menu)
	if err != nil {
		a.t.Fatalf("GetLayout: %v", err)
	}
	return n
}

// waitFor polls the layout until cond holds and returns it with the time
// it took.
func (a *trayApp) waitFor(what string, timeout time.Duration, cond func(menuNode) bool) (menuNode, time.Duration) {
	a.t.Helper()
	began := time.Now()
	for {
		n := a.layout()
		if cond(n) {
			return n, time.Since(began)
		}
		if time.Since(began) > timeout {
			a.t.Fatalf("after %s, still waiting for %s; the menu is:\n%s", timeout, what, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (a *trayApp) click(n menuNode) {
	a.t.Helper()
	call := a.menu.Call("com.canonical.dbusmenu.Event", 0, n.ID, "clicked", dbus.MakeVariant(""), uint32(0))
	if call.Err != nil {
		a.t.Fatalf("click %q: %v", n.Label, call.Err)
	}
}

// instance finds an instance's submenu by name, whatever its mark, at the
// top level or under More Instances.
func (n menuNode) instance(name string) (menuNode, bool) {
	for _, c := range n.shown() {
		if _, rest, ok := strings.Cut(c.Label, " "); ok && strings.HasPrefix(rest, name+" — ") {
			return c, true
		}
		if strings.HasPrefix(c.Label, "More Instances") {
			if in, ok := c.instance(name); ok {
				return in, true
			}
		}
	}
	return menuNode{}, false
}

// switchState is the toggle-state of a switch of an instance, or -1 while
// the switch is missing or busy.
func switchState(n menuNode, inst, sw string) int32 {
	in, ok := n.instance(inst)
	if !ok {
		return -1
	}
	it, ok := in.find(sw)
	if !ok || it.Label != sw {
		return -1
	}
	return it.ToggleState
}

// item finds an item of an instance's submenu.
func (n menuNode) item(inst, label string) (menuNode, bool) {
	in, ok := n.instance(inst)
	if !ok {
		return menuNode{}, false
	}
	return in.find(label)
}

func (w *trayWorld) isEnabled(unit string) string {
	out, _ := w.sd.Systemctl("is-enabled", unit)
	return strings.TrimSpace(out)
}

// TestTrayMenu drives the menu of the real app through the life of a few
// instances.
//
// Real: a systemd user manager, a session bus and Xvfb. Stand-ins: limactl
// (trayStubLimactl) and loginctl (trayFakeLoginctl).
func TestTrayMenu(t *testing.T) {
	w := newTrayWorld(t)
	limaHome := filepath.Join(w.sd.Home, ".lima")
	units := filepath.Join(w.sd.ConfigHome, "systemd", "user")
	def := w.instance(limaHome, "default", "images: []\n")
	w.write(filepath.Join(def, "ha.pid"), "4242\n", 0o644)
	w.instance(limaHome, "k3s", "images: []\n")
	w.instance(limaHome, "broken", "BROKEN: [\n")
	began := time.Now()
	app := w.start()

	m, took := app.waitFor("the three instances", 15*time.Second, func(n menuNode) bool {
		_, ok := n.find("⚠ broken")
		return ok
	})
	t.Logf("menu with three instances after %s", time.Since(began).Round(time.Millisecond))
	_ = took

	t.Run("one submenu per instance with its status", func(t *testing.T) {
		want := []string{
			"1 of 3 instances running",
			"⚠ broken — Broken · 1 problem",
			"● default — Running",
			"○ k3s — Stopped",
			"---",
			"Open LimaBar at Login",
			"Refresh",
			"LimaBar dev",
			"Quit LimaBar",
		}
		if got := m.labels(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("top level:\n got %q\nwant %q\nmenu:\n%s", got, want, m)
		}
		for _, name := range []string{"⚠ broken", "● default", "○ k3s"} {
			inst, _ := m.find(name)
			if len(inst.shown()) == 0 {
				t.Errorf("%s has no submenu", name)
			}
		}
		if it, ok := m.find("⚠ broken", "⚠ lima.yaml"); !ok || it.Enabled {
			t.Errorf("broken instance: problem line missing (%v) or clickable; submenu %q", !ok, func() []string { b, _ := m.find("⚠ broken"); return b.labels() }())
		}
		if it, _ := m.find("● default", "Open Shell"); !it.Enabled {
			t.Errorf("Open Shell of a running instance is not enabled")
		}
	})

	t.Run("both switches are checkmarks in the right state", func(t *testing.T) {
		for _, name := range []string{"● default", "○ k3s", "⚠ broken"} {
			for _, sw := range []string{"Start at Login", "Start at Boot"} {
				it, ok := m.find(name, sw)
				if !ok {
					t.Errorf("%s: no %q", name, sw)
					continue
				}
				if it.ToggleType != "checkmark" || it.ToggleState != 0 {
					t.Errorf("%s %q: toggle-type %q toggle-state %d, want checkmark 0", name, sw, it.ToggleType, it.ToggleState)
				}
			}
		}
	})

	t.Run("clicking Start at Login registers the instance", func(t *testing.T) {
		login, _ := app.layout().item("k3s", "Start at Login")
		// A quick second click on the same switch must not undo the first.
		app.click(login)
		app.click(login)
		app.waitFor("k3s's login switch on", 10*time.Second, func(n menuNode) bool {
			return switchState(n, "k3s", "Start at Login") == 1
		})
		if _, err := os.Stat(filepath.Join(units, "lima-vm@k3s.service")); err != nil {
			t.Errorf("no unit file: %v", err)
		}
		if got := w.isEnabled("lima-vm@k3s.service"); got != "enabled" {
			t.Errorf("systemctl --user is-enabled: %q, want enabled", got)
		}
		time.Sleep(time.Second)
		if s := switchState(app.layout(), "k3s", "Start at Login"); s != 1 {
			t.Errorf("a second click turned the switch back: toggle-state %d", s)
		}
		if got := w.isEnabled("lima-vm@k3s.service"); got != "enabled" {
			t.Errorf("a second click turned the unit off: %q", got)
		}
	})

	t.Run("a unit registered outside LimaBar shows without a click", func(t *testing.T) {
		unit := filepath.Join(units, "lima-vm@default.service")
		registered := time.Now()
		w.write(unit, "[Unit]\nDescription=Lima - Linux virtual machines, with a focus on running containers.\n\n"+
			"[Service]\nExecStart="+filepath.Join(w.bin, "limactl")+" start default --foreground\n"+
			"WorkingDirectory="+def+"\nType=simple\nTimeoutSec=10\nRestart=on-failure\n\n"+
			"[Install]\nWantedBy=default.target\n", 0o644)
		if _, err := w.sd.Systemctl("daemon-reload"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.sd.Systemctl("enable", "lima-vm@default.service"); err != nil {
			t.Fatal(err)
		}
		app.waitFor("default's login switch on", 30*time.Second, func(n menuNode) bool {
			return switchState(n, "default", "Start at Login") == 1
		})
		took := time.Since(registered)
		// How fast is make bench's to measure; a test only bounds it.
		t.Logf("external registration shown %s after the unit was written", took.Round(time.Millisecond))
	})

	t.Run("a refused Start at Boot shows an error and changes nothing", func(t *testing.T) {
		w.write(filepath.Join(w.state, "refuse"), "", 0o644)
		boot, _ := app.layout().item("k3s", "Start at Boot")
		app.click(boot)
		n, _ := app.waitFor("the error line", 10*time.Second, func(n menuNode) bool {
			_, ok := n.find("⚠ k3s: ")
			return ok && switchState(n, "k3s", "Start at Boot") == 0
		})
		// The instance and the cause (polkit's refusal of lingering)
		// first, then what failed.
		if line, _ := n.find("⚠ k3s: "); !strings.HasPrefix(line.Label, "⚠ k3s: turning lingering on for ") ||
			!strings.Contains(line.Label, " was refused") || !strings.HasSuffix(line.Label, " — Start at Boot not turned on") {
			t.Errorf("error line %q does not say why and what failed", line.Label)
		}
		if s := switchState(n, "k3s", "Start at Login"); s != 1 {
			t.Errorf("the login switch changed after a refused boot: %d", s)
		}
		os.Remove(filepath.Join(w.state, "refuse"))

		// Clicking again, allowed now, switches from login to boot.
		boot, _ = n.item("k3s", "Start at Boot")
		app.click(boot)
		n, _ = app.waitFor("boot on and login off", 10*time.Second, func(n menuNode) bool {
			return switchState(n, "k3s", "Start at Boot") == 1 && switchState(n, "k3s", "Start at Login") == 0
		})
		if _, ok := n.find("⚠ k3s: "); ok {
			t.Errorf("the error line stayed after the switch succeeded:\n%s", n)
		}
	})

	t.Run("instances come and go without a click", func(t *testing.T) {
		if err := os.RemoveAll(filepath.Join(limaHome, "broken")); err != nil {
			t.Fatal(err)
		}
		_, took := app.waitFor("broken to go", 30*time.Second, func(n menuNode) bool {
			_, ok := n.find("⚠ broken")
			return !ok
		})
		t.Logf("removed instance gone after %s", took.Round(time.Millisecond))

		dir := w.instance(limaHome, "newvm", "images: []\n")
		app.waitFor("newvm to appear", 30*time.Second, func(n menuNode) bool {
			_, ok := n.find("○ newvm — Stopped")
			return ok
		})
		w.write(filepath.Join(dir, "ha.pid"), "99\n", 0o644)
		_, took = app.waitFor("newvm running", 30*time.Second, func(n menuNode) bool {
			_, ok := n.find("● newvm — Running")
			return ok
		})
		t.Logf("ha.pid shown after %s", took.Round(time.Millisecond))
	})

	// That the idle app does nothing (no polling of limactl, no spinning)
	// shows only over time: its CPU time and wakeups over an idle minute
	// are figures of make bench (docs/PERFORMANCE.md), not a test here,
	// which would have to wait for nothing to happen.

	t.Run("limactl hanging: the menu says so and still answers", func(t *testing.T) {
		w.write(filepath.Join(limaHome, ".hang"), "", 0o644)
		n, took := app.waitFor("the waiting line", 10*time.Second, func(n menuNode) bool {
			_, ok := n.find("Waiting for limactl…")
			return ok
		})
		t.Logf("waiting line after %s", took.Round(time.Millisecond))
		if _, ok := n.instance("default"); !ok {
			t.Errorf("the last known instances are gone while limactl hangs:\n%s", n)
		}
		refresh, _ := n.find("Refresh")
		app.click(refresh)
		quit, _ := n.find("Quit LimaBar")
		app.click(quit)
		select {
		case <-app.done:
		case <-time.After(5 * time.Second):
			t.Errorf("Quit did not end the app while limactl hung")
		}
	})
}

// brokenLimaYAML does not load: Lima v1.2.1 lists the instance with the
// status "" and errors [{}], and says why only on stderr.
const brokenLimaYAML = "images: [\n  this is: not: valid\n"

// TestTrayRealLimactlBrokenInstance runs the app with Lima v1.2.1's own
// limactl and an instance whose lima.yaml is broken: the menu shows it as
// broken with limactl's reason and offers neither Start nor Stop, and the
// instance beside it is unaffected.
//
// Real: Lima's limactl, a systemd user manager, a session bus and Xvfb.
// Stand-in: loginctl (trayFakeLoginctl).
func TestTrayRealLimactlBrokenInstance(t *testing.T) {
	limactl := testenv.Limactl(t)
	w := newTrayWorld(t)
	limaHome := filepath.Join(w.sd.Home, ".lima")
	w.instance(limaHome, "good", testenv.MinimalLimaYAML)
	w.instance(limaHome, "bad", brokenLimaYAML)
	app := w.start("LIMACTL=" + limactl)
	m, _ := app.waitFor("both instances", 30*time.Second, func(n menuNode) bool {
		_, bad := n.instance("bad")
		_, good := n.instance("good")
		return bad && good
	})

	want := []string{
		"0 of 2 instances running",
		"⚠ bad — Broken · 1 problem",
		"○ good — Stopped",
		"---",
		"Open LimaBar at Login",
		"Refresh",
		"LimaBar dev",
		"Quit LimaBar",
	}
	if got := m.labels(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("top level:\n got %q\nwant %q\nmenu:\n%s", got, want, m)
	}
	bad, _ := m.instance("bad")
	t.Run("the broken instance says why and cannot be started", func(t *testing.T) {
		problem, ok := bad.find("⚠ ")
		if !ok || problem.Enabled || !strings.Contains(problem.Label, "mapping value is not allowed in this context") {
			t.Errorf("want a disabled line with limactl's reason, got %q (found %v); submenu:\n%s", problem.Label, ok, bad)
		}
		if start, ok := bad.find("Start"); !ok || start.Label != "Start" || start.Enabled {
			t.Errorf("want a disabled Start, got %q enabled=%v (found %v); submenu:\n%s", start.Label, start.Enabled, ok, bad)
		}
		for _, l := range bad.labels() {
			if l == "Stop" || l == "Restart" {
				t.Errorf("a broken instance offers %q; submenu:\n%s", l, bad)
			}
		}
	})
	t.Run("the other instance is unaffected", func(t *testing.T) {
		good, _ := m.instance("good")
		if start, ok := good.find("Start"); !ok || start.Label != "Start" || !start.Enabled {
			t.Errorf("good: want an enabled Start; submenu:\n%s", good)
		}
		for _, l := range good.labels() {
			if strings.HasPrefix(l, "⚠") {
				t.Errorf("good shows a problem %q", l)
			}
		}
		for _, sw := range []string{"Start at Login", "Start at Boot"} {
			if it, ok := good.find(sw); !ok || !it.Enabled || it.ToggleType != "checkmark" || it.ToggleState != 0 {
				t.Errorf("good %q: found %v, enabled %v, %s=%d", sw, ok, it.Enabled, it.ToggleType, it.ToggleState)
			}
		}
	})
}

// TestTrayWithoutLimactl shows what a user without Lima sees.
//
// Real: a systemd user manager, a session bus and Xvfb; limactl is missing
// on purpose. Stand-in: loginctl (trayFakeLoginctl).
func TestTrayWithoutLimactl(t *testing.T) {
	w := newTrayWorld(t)
	app := w.start("LIMACTL=" + filepath.Join(w.sd.Home, "nowhere", "limactl"))
	n, _ := app.waitFor("the explanation", 15*time.Second, func(n menuNode) bool {
		_, ok := n.find("Install Lima…")
		return ok
	})
	line, ok := n.find("Lima is not installed")
	if !ok || line.Enabled {
		t.Errorf("want a disabled line saying Lima is not installed; menu:\n%s", n)
	}
	if install, _ := n.find("Install Lima…"); !install.Enabled {
		t.Errorf("Install Lima… is not clickable")
	}
	if got := len(n.shown()); got != 7 {
		t.Errorf("got %d top-level items, want the two lines and LimaBar's own five (its version line among them); menu:\n%s", got, n)
	}
}

// TestTrayManyInstances checks that 200 instances keep the menu usable.
//
// Real: a systemd user manager, a session bus and Xvfb. Stand-ins: limactl
// (trayStubLimactl) and loginctl (trayFakeLoginctl).
func TestTrayManyInstances(t *testing.T) {
	w := newTrayWorld(t)
	limaHome := filepath.Join(w.sd.Home, "many")
	for i := range 200 {
		w.instance(limaHome, fmt.Sprintf("vm%03d", i), "images: []\n")
	}
	began := time.Now()
	app := w.start("LIMA_HOME=" + limaHome)
	n, _ := app.waitFor("200 instances", 60*time.Second, func(n menuNode) bool {
		more, ok := n.find("More Instances (171)")
		return ok && len(more.shown()) == 171
	})
	t.Logf("200 instances shown after %s", time.Since(began).Round(time.Millisecond))
	if got := len(n.shown()); got != 1+30+5 {
		t.Errorf("top level has %d items, want the summary, 30 instance entries and LimaBar's five", got)
	}
	t0 := time.Now()
	app.layout()
	t.Logf("the whole menu read in %s", time.Since(t0).Round(time.Millisecond))
	login, ok := n.item("vm150", "Start at Login")
	if !ok {
		t.Fatalf("no vm150 in More Instances:\n%s", n)
	}
	app.click(login)
	app.waitFor("vm150's login switch on", 90*time.Second, func(n menuNode) bool {
		return switchState(n, "vm150", "Start at Login") == 1
	})
}
