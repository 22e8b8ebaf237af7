package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/limabar/limabar/app/lastsnap"
	"github.com/limabar/limabar/scripts/testenv"
)

// trayInstances is how many instances the tray shows in the tray figures.
const trayInstances = 10

// stubLimactl lists the instance folders of LIMA_HOME as limactl does
// (Running when ha.pid exists), instantly: the tray figures measure
// LimaBar, not limactl, whose own cost is measured apart (refresh.go).
const stubLimactl = `#!/bin/sh
home="${LIMA_HOME:-$HOME/.lima}"
case "$1" in
list)
	for d in "$home"/*/; do
		[ -f "$d/lima.yaml" ] || continue
		n=${d%/}; n=${n##*/} # no basename: a fork per instance is not instant
		st=Stopped
		[ -f "$d/ha.pid" ] && st=Running
		printf '{"name":"%s","status":"%s","dir":"%s"}\n' "$n" "$st" "${d%/}"
	done ;;
start | stop) ;;
*) echo "stub limactl: unknown command $1" >&2; exit 1 ;;
esac
`

// limactlUnit is the unit Lima v1.2.1's `limactl start-at-login` writes.
const limactlUnit = `[Unit]
Description=Lima - Linux virtual machines, with a focus on running containers.
Documentation=man:lima(1)

[Service]
ExecStart=%s start %%i --foreground
WorkingDirectory=%%h
Type=simple
TimeoutSec=10
Restart=on-failure

[Install]
WantedBy=default.target
`

// trayEnv is one user's desktop: a systemd user manager, the session bus
// that manager runs and is on (as on a desktop with dbus-user-session), an
// X display and a LIMA_HOME with trayInstances instances. The tray runs as
// that user, as LimaBar refuses to run as root on Linux.
type trayEnv struct {
	h        *harness
	sd       *testenv.Systemd
	bus      string
	conn     *dbus.Conn
	display  string
	limaHome string
	unitDir  string
	stub     string
	root     string
	logs     string
	names    []string
}

func newTrayEnv(h *harness) *trayEnv {
	e := &trayEnv{h: h}
	e.sd = testenv.SystemdUser(h, testenv.SystemdOptions{User: limaUser})
	e.bus = e.sd.UserBus(h)
	e.display = testenv.Xvfb(h)
	conn, err := dialBus(e.bus)
	if err != nil {
		h.Fatal(err)
	}
	h.Cleanup(func() { conn.Close() })
	e.conn = conn
	e.limaHome = filepath.Join(e.sd.Home, ".lima")
	e.unitDir = filepath.Join(e.sd.ConfigHome, "systemd", "user")
	for _, d := range []string{filepath.Dir(e.unitDir), e.unitDir, filepath.Join(e.unitDir, "default.target.wants")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			h.Fatal(err)
		}
		e.chown(d)
	}
	for i := range trayInstances {
		name := fmt.Sprintf("vm-%02d", i)
		testenv.LimaInstance(h, e.limaHome, name)
		e.names = append(e.names, name)
	}
	e.stub = filepath.Join(e.sd.Home, "bin", "limactl")
	if err := os.MkdirAll(filepath.Dir(e.stub), 0o755); err != nil {
		h.Fatal(err)
	}
	if err := os.WriteFile(e.stub, []byte(stubLimactl), 0o755); err != nil {
		h.Fatal(err)
	}
	e.root = filepath.Join(e.sd.Home, "testroot")
	if err := os.Mkdir(e.root, 0o755); err != nil {
		h.Fatal(err)
	}
	e.chown(e.root)
	e.logs = h.TempDir()
	return e
}

// chown gives a file to the tray's user, as the user's own tools would
// have made it.
func (e *trayEnv) chown(path string) {
	if err := os.Lchown(path, e.sd.UID, e.sd.GID); err != nil {
		e.h.Fatal(err)
	}
}

// proc is a program the benchmark started.
type proc struct {
	name  string
	cmd   *exec.Cmd
	began time.Time
	done  chan struct{}
	log   string
}

// start runs bin on the desktop. Its output goes to a file, so that GTK's
// warnings cannot block it.
func (e *trayEnv) start(name, bin string, extraEnv ...string) *proc {
	e.h.Helper()
	logPath := filepath.Join(e.logs, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano()))
	out, err := os.Create(logPath)
	if err != nil {
		e.h.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command("setpriv", "--reuid="+strconv.Itoa(e.sd.UID), "--regid="+strconv.Itoa(e.sd.GID), "--init-groups", "--", bin)
	cmd.Env = append(e.sd.Env(),
		"DISPLAY="+e.display,
		"DBUS_SESSION_BUS_ADDRESS="+e.bus,
		// No accessibility bus here; without this GTK asks for one at
		// start. Both programs get it.
		"NO_AT_BRIDGE=1",
		"LIMACTL="+e.stub,
		"LIMABAR_TEST_ROOT="+e.root,
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Dir = e.sd.Home
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), log: logPath}
	p.began = time.Now()
	if err := cmd.Start(); err != nil {
		e.h.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	e.h.Cleanup(p.stop)
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the program to quit as a logout would, then kills it.
func (p *proc) stop() {
	if p.exited() {
		return
	}
	syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
}

func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// waitMenu polls the program's menu every interval until ready says yes,
// and returns the time since the program was started.
func (e *trayEnv) waitMenu(p *proc, interval time.Duration, ready func(item) bool) (time.Duration, item) {
	e.h.Helper()
	_, d, m := e.waitMenuFirst(p, interval, ready)
	return d, m
}

// waitMenuFirst is waitMenu that also returns when the first layout, of
// whatever content, was answered.
func (e *trayEnv) waitMenuFirst(p *proc, interval time.Duration, ready func(item) bool) (first, done time.Duration, m item) {
	e.h.Helper()
	c := &menuClient{conn: e.conn, pid: uint32(p.pid())}
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := c.layout()
		if err == nil && first == 0 {
			first = time.Since(p.began)
		}
		if err == nil && ready(m) {
			return first, time.Since(p.began), m
		}
		if p.exited() {
			e.h.Fatalf("%s exited before its menu was ready; output:\n%s", p.name, p.logTail())
		}
		if time.Now().After(deadline) {
			e.h.Fatalf("%s: no menu after 30 s; output:\n%s", p.name, p.logTail())
		}
		time.Sleep(interval)
	}
}

// showsAll is LimaBar's menu listing every instance.
func (e *trayEnv) showsAll(m item) bool {
	got := m.names()
	for _, n := range e.names {
		if !slices.Contains(got, n) {
			return false
		}
	}
	return true
}

// hasQuit is the minimal program's one item.
func hasQuit(m item) bool { return slices.Contains(m.labels(), "Quit") }

// trayFigures measures start-up, idle cost, the reaction to an outside
// change and to a click, in one desktop.
func trayFigures(h *harness, cfg config, bins binaries, r *report) {
	e := newTrayEnv(h)
	r.systemdVersion = systemdVersion()

	// One start of each that is not timed: the caches are warm for both,
	// and LimaBar has kept its last snapshot (app/lastsnap), which it
	// draws first.
	for _, w := range []struct {
		name, bin string
		ready     func(item) bool
	}{{"limabar", bins.limabar, e.showsAll}, {"minimal", bins.minimal, hasQuit}} {
		p := e.start(w.name, w.bin)
		e.waitMenu(p, 10*time.Millisecond, w.ready)
		p.stop()
	}
	_, err := os.Stat(filepath.Join(e.sd.Home, ".local", "state", "limabar", lastsnap.FileName))
	r.startLastSnapshot = err == nil
	// Start to menu, alternating which program goes first so that a warm
	// cache helps both alike.
	for i := range cfg.startRuns {
		order := []string{"limabar", "minimal"}
		if i%2 == 1 {
			order = []string{"minimal", "limabar"}
		}
		for _, name := range order {
			bin, ready := bins.limabar, e.showsAll
			if name == "minimal" {
				bin, ready = bins.minimal, hasQuit
			}
			p := e.start(name, bin)
			first, d, _ := e.waitMenuFirst(p, 2*time.Millisecond, ready)
			p.stop()
			if name == "limabar" {
				r.startLimabar = append(r.startLimabar, d)
				r.startLimabarFirst = append(r.startLimabarFirst, first)
			} else {
				r.startMinimal = append(r.startMinimal, d)
			}
		}
	}
	log.Printf("start to menu: limabar %s, minimal %s", sample(r.startLimabar).median(), sample(r.startMinimal).median())

	// Idle, both programs side by side.
	lb := e.start("limabar", bins.limabar)
	mn := e.start("minimal", bins.minimal)
	e.waitMenu(lb, 10*time.Millisecond, e.showsAll)
	e.waitMenu(mn, 10*time.Millisecond, hasQuit)
	time.Sleep(3 * time.Second) // the first refresh and the watcher settle
	l0, err := readUsage(lb.pid())
	if err != nil {
		h.Fatal(err)
	}
	m0, err := readUsage(mn.pid())
	if err != nil {
		h.Fatal(err)
	}
	time.Sleep(cfg.idle)
	l1, err := readUsage(lb.pid())
	if err != nil {
		h.Fatal(err)
	}
	m1, err := readUsage(mn.pid())
	if err != nil {
		h.Fatal(err)
	}
	r.idle = cfg.idle
	r.idleLimabar, r.idleMinimal = l1.sub(l0), m1.sub(m0)
	log.Printf("idle %s: limabar cpu %s, %d switches, anon %d kB; minimal cpu %s, anon %d kB", cfg.idle,
		r.idleLimabar.Run, r.idleLimabar.Switches, r.idleLimabar.Anon/1024, r.idleMinimal.Run, r.idleMinimal.Anon/1024)
	mn.stop()

	churnFigure(e, lb, cfg, r)
	outsideChanges(e, lb, cfg, r)
	clicks(e, lb, cfg, r)
	lb.stop()
}

// churnUnits is how many unrelated units start and stop in the churn
// figure.
const churnUnits = 100

// churnFigure counts LimaBar's context switches while churnUnits units that
// are not LimaBar's start and stop, one after the other, as a desktop
// starts a unit per application (transient units, through systemd-run),
// and then in a quiet window of the same length.
func churnFigure(e *trayEnv, lb *proc, cfg config, r *report) {
	var owned bool
	if err := e.conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.systemd1").Store(&owned); err != nil {
		e.h.Fatal(err)
	}
	r.churnSystemdOnBus = owned
	before, err := readUsage(lb.pid())
	if err != nil {
		e.h.Fatal(err)
	}
	began := time.Now()
	for i := range churnUnits {
		unit := fmt.Sprintf("bench-churn-%d.service", i)
		if out, err := e.sd.Run("systemd-run", "--user", "--quiet", "--unit="+unit, "--property=RemainAfterExit=yes", "/bin/true"); err != nil {
			e.h.Fatalf("systemd-run %s: %v: %s", unit, err, out)
		}
	}
	for i := range churnUnits {
		unit := fmt.Sprintf("bench-churn-%d.service", i)
		if out, err := e.sd.Systemctl("stop", unit); err != nil {
			e.h.Fatalf("systemctl stop %s: %v: %s", unit, err, out)
		}
	}
	// A second more, so that what LimaBar does after the last unit is
	// counted too; the quiet window has it as well.
	time.Sleep(time.Second)
	after, err := readUsage(lb.pid())
	if err != nil {
		e.h.Fatal(err)
	}
	r.churnWindow = time.Since(began)
	r.churnLimabar = after.sub(before)
	q0, err := readUsage(lb.pid())
	if err != nil {
		e.h.Fatal(err)
	}
	time.Sleep(r.churnWindow)
	q1, err := readUsage(lb.pid())
	if err != nil {
		e.h.Fatal(err)
	}
	r.churnQuiet = q1.sub(q0)
	log.Printf("churn of %d unrelated units in %s: limabar %d switches; quiet window %d (systemd on the session bus: %v)",
		churnUnits, r.churnWindow.Round(time.Millisecond), r.churnLimabar.Switches, r.churnQuiet.Switches, owned)
}

// outsideChanges writes and removes units as limactl does and times how
// long the menu takes to show each change, polling every 5 ms.
func outsideChanges(e *trayEnv, lb *proc, cfg config, r *report) {
	c := &menuClient{conn: e.conn, pid: uint32(lb.pid())}
	for i := range cfg.changeRuns {
		// Each instance is turned on, then off again.
		name := e.names[(i/2)%len(e.names)]
		unit := "lima-vm@" + name + ".service"
		path := filepath.Join(e.unitDir, unit)
		link := filepath.Join(e.unitDir, "default.target.wants", unit)
		on := i%2 == 0
		began := time.Now()
		if on {
			if err := os.WriteFile(path, fmt.Appendf(nil, limactlUnit, e.stub), 0o644); err != nil {
				e.h.Fatal(err)
			}
			if err := os.Symlink(path, link); err != nil {
				e.h.Fatal(err)
			}
			e.chown(path)
			e.chown(link)
		} else {
			os.Remove(link)
			if err := os.Remove(path); err != nil {
				e.h.Fatal(err)
			}
		}
		want := int32(0)
		if on {
			want = 1
		}
		if err := pollSwitch(c, name, want, 5*time.Millisecond, 10*time.Second); err != nil {
			e.h.Fatalf("outside change %d (%s %s): %v", i, name, map[bool]string{true: "on", false: "off"}[on], err)
		}
		d := time.Since(began)
		if on {
			r.changeOn = append(r.changeOn, d)
		} else {
			r.changeOff = append(r.changeOff, d)
		}
	}
	// Leave no registration behind for the click runs.
	if len(r.changeOn) > len(r.changeOff) {
		name := e.names[((cfg.changeRuns-1)/2)%len(e.names)]
		unit := "lima-vm@" + name + ".service"
		os.Remove(filepath.Join(e.unitDir, "default.target.wants", unit))
		os.Remove(filepath.Join(e.unitDir, unit))
		if err := pollSwitch(c, name, 0, 5*time.Millisecond, 10*time.Second); err != nil {
			e.h.Fatal(err)
		}
	}
	all := append(append(sample{}, r.changeOn...), r.changeOff...)
	log.Printf("outside change → menu: median %s, p95 %s", all.median(), all.p95())
}

// pollSwitch waits until the "Start at Login" switch of name is settled at
// want.
func pollSwitch(c *menuClient, name string, want int32, interval, limit time.Duration) error {
	began := time.Now()
	var last item
	for time.Since(began) < limit {
		m, err := c.layout()
		if err == nil {
			if sw, settled, ok := m.switchOf(name, "Start at Login"); ok {
				last = sw
				if settled && sw.State == want {
					return nil
				}
			}
		}
		time.Sleep(interval)
	}
	return fmt.Errorf("the switch of %s is %q (state %d) after %s, want state %d", name, last.Label, last.State, limit, want)
}

// clicks clicks "Start at Login" through D-Bus as a panel does, against the
// real systemd user manager, and times click → settled checkmark; after
// each click systemd must agree with the menu.
func clicks(e *trayEnv, lb *proc, cfg config, r *report) {
	c := &menuClient{conn: e.conn, pid: uint32(lb.pid())}
	// The tray drops clicks on an item for a second after its action
	// changed from outside (app/tray's staleClickWindow), and the outside
	// changes just flipped these switches: let that pass first.
	time.Sleep(1200 * time.Millisecond)
	for i := range cfg.clickRuns {
		name := e.names[i%len(e.names)]
		for _, on := range []bool{true, false} {
			m, err := c.layout()
			if err != nil {
				e.h.Fatal(err)
			}
			sw, settled, ok := m.switchOf(name, "Start at Login")
			if !ok || !settled || (sw.State == 1) == on {
				e.h.Fatalf("click %d: the switch of %s is %q, state %d before the click", i, name, sw.Label, sw.State)
			}
			want := int32(0)
			if on {
				want = 1
			}
			began := time.Now()
			if err := c.click(sw.ID); err != nil {
				e.h.Fatalf("click %d: %v", i, err)
			}
			// The first answer: the switch says it is busy. GTK flips the
			// check of a clicked item by itself, before LimaBar has seen
			// the click, so a plain label with the new state is not yet
			// an answer.
			busy := time.Duration(0)
			for busy == 0 && time.Since(began) < 10*time.Second {
				if m, err := c.layout(); err == nil {
					if _, settled, ok := m.switchOf(name, "Start at Login"); ok && !settled {
						busy = time.Since(began)
					}
				}
				time.Sleep(time.Millisecond)
			}
			if busy == 0 {
				e.h.Fatalf("click %d: the switch of %s never showed it was busy", i, name)
			}
			if err := pollSwitch(c, name, want, 5*time.Millisecond, 20*time.Second); err != nil {
				e.h.Fatalf("click %d: %v; log:\n%s", i, err, lb.logTail())
			}
			d := time.Since(began)
			out, _ := e.sd.Systemctl("is-enabled", "lima-vm@"+name+".service")
			enabled := strings.TrimSpace(out) == "enabled"
			if enabled != on {
				r.clickMismatch++
				log.Printf("click %d: systemd says %q for %s, the menu %v", i, strings.TrimSpace(out), name, on)
			}
			if on {
				r.clickOn = append(r.clickOn, d)
				r.clickBusy = append(r.clickBusy, busy)
			} else {
				r.clickOff = append(r.clickOff, d)
			}
		}
	}
	log.Printf("click → checkmark: enable median %s p95 %s, disable median %s; %d disagreements with systemd",
		sample(r.clickOn).median(), sample(r.clickOn).p95(), sample(r.clickOff).median(), r.clickMismatch)
}

// systemdVersion is the first line of `systemctl --version`.
func systemdVersion() string {
	out, err := exec.Command("systemctl", "--version").Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return line
}
