package autostart

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/jobenv"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/autostart/systemd"
)

// world is a Runner that does to the disk what the real commands do, so that
// a test can compare everything on disk before and after a failed change:
// `systemctl --user enable` links the unit into TARGET.wants for each
// WantedBy=, `disable` removes those links, `loginctl enable-linger` creates
// the linger file. launchctl keeps its state out of the home folder and only
// answers. A step named in fail fails every time it is called, the way a
// broken bus or a refused polkit does.
type world struct {
	env  *Env
	mu   sync.Mutex
	fail [][]string
	// failOnce fails only the first call of each listed step, the way a
	// manager that is restarting does.
	failOnce [][]string
	failed   map[string]bool
	calls    []string
	// stderr, when set, is what a failing step says instead of a broken
	// bus (for example polkit's refusal).
	stderr string
}

func (w *world) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	argv := append([]string{name}, args...)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, strings.Join(argv, " "))
	for _, p := range w.fail {
		if hasArgvPrefix(argv, p) {
			return nil, w.stepError(argv)
		}
	}
	for _, p := range w.failOnce {
		key := strings.Join(p, " ")
		if hasArgvPrefix(argv, p) && !w.failed[key] {
			if w.failed == nil {
				w.failed = map[string]bool{}
			}
			w.failed[key] = true
			return nil, w.stepError(argv)
		}
	}
	switch {
	case hasArgvPrefix(argv, []string{"systemctl", "--user", "enable"}):
		return nil, w.link(args[len(args)-1])
	case hasArgvPrefix(argv, []string{"systemctl", "--user", "disable"}):
		return nil, w.unlink(args[len(args)-1])
	case hasArgvPrefix(argv, []string{"loginctl", "enable-linger"}):
		if err := os.MkdirAll(w.env.LingerDir, 0o755); err != nil {
			return nil, err
		}
		return nil, os.WriteFile(filepath.Join(w.env.LingerDir, args[1]), nil, 0o644)
	case hasArgvPrefix(argv, []string{"loginctl", "disable-linger"}):
		return nil, os.RemoveAll(filepath.Join(w.env.LingerDir, args[1]))
	}
	return nil, nil
}

func (w *world) stepError(argv []string) error {
	msg := w.stderr
	if msg == "" {
		msg = "Failed to connect to bus: Connection refused"
	}
	return &runner.Error{Argv: argv, ExitCode: 1, Stderr: msg, Err: errors.New("exit status 1")}
}

func hasArgvPrefix(argv, prefix []string) bool {
	return len(prefix) <= len(argv) && reflect.DeepEqual(argv[:len(prefix)], prefix)
}

// link does what systemctl enable does with the [Install] section.
func (w *world) link(unit string) error {
	dir := w.env.UnitDir()
	f, err := os.Open(filepath.Join(dir, unit))
	if err != nil {
		return fmt.Errorf("Failed to enable unit: Unit file %s does not exist.", unit)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "WantedBy=")
		if !ok {
			continue
		}
		for _, target := range strings.Fields(v) {
			wants := filepath.Join(dir, target+".wants")
			if err := os.MkdirAll(wants, 0o755); err != nil {
				return err
			}
			os.Remove(filepath.Join(wants, unit))
			if err := os.Symlink(filepath.Join(dir, unit), filepath.Join(wants, unit)); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

func (w *world) unlink(unit string) error {
	links, _ := filepath.Glob(filepath.Join(w.env.UnitDir(), "*.wants", unit))
	for _, l := range links {
		if err := os.Remove(l); err != nil {
			return err
		}
	}
	return nil
}

// tree is every file and link under a folder with its content, mode or
// target: what "nothing changed on disk" is checked against. Folders are
// left out: an empty LaunchAgents folder created on the way is no change a
// service manager or the menu can see.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link → " + target
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = fmt.Sprintf("%v %q", fi.Mode().Perm(), data)
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", root, err)
	}
	return out
}

// treeDiff lists what differs between two trees, one line each.
func treeDiff(before, after map[string]string) []string {
	var d []string
	for k, v := range before {
		switch w, ok := after[k]; {
		case !ok:
			d = append(d, "removed "+k)
		case w != v:
			d = append(d, "changed "+k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			d = append(d, "added "+k)
		}
	}
	sort.Strings(d)
	return d
}

// Starting states of a fault case.
func (f *fixture) limactlAgent(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile("launchd/testdata/limactl-agent.plist")
	must(t, err)
	data = []byte(strings.ReplaceAll(string(data), "/Users/alice/.lima/default", f.inst.Dir))
	must(t, os.MkdirAll(filepath.Dir(f.agentPath()), 0o755))
	must(t, os.WriteFile(f.agentPath(), data, 0o644))
}

func (f *fixture) ourAgent(t *testing.T) {
	t.Helper()
	data, err := launchd.Encode(launchd.Agent(launchd.Params{Name: "default", InstanceDir: f.inst.Dir, Limactl: f.limctl, Home: f.env.Home, User: f.env.User}))
	must(t, err)
	must(t, os.MkdirAll(filepath.Dir(f.agentPath()), 0o755))
	must(t, os.WriteFile(f.agentPath(), data, 0o644))
}

func (f *fixture) installedDaemon(t *testing.T) {
	t.Helper()
	must(t, os.MkdirAll(f.env.LaunchDaemonsDir, 0o755))
	must(t, os.WriteFile(f.daemonPath(), []byte("<plist>installed by the privileged script</plist>"), 0o644))
}

// limactlUnit is the unit Lima v1.2.1's start-at-login writes, enabled.
func (f *fixture) limactlUnit(t *testing.T, w *world) {
	t.Helper()
	unit := "[Unit]\nDescription=Lima\n\n[Service]\nExecStart=" + f.limctl + " start %i --foreground\n" +
		"WorkingDirectory=%h\nType=simple\nTimeoutSec=10\nRestart=on-failure\n\n[Install]\nWantedBy=default.target\n"
	must(t, os.MkdirAll(filepath.Dir(f.unitPath()), 0o755))
	must(t, os.WriteFile(f.unitPath(), []byte(unit), 0o644))
	must(t, w.link("lima-vm@default.service"))
}

// limactlUnitNotEnabled is limactl's unit file without the link that
// enabling it makes.
func (f *fixture) limactlUnitNotEnabled(t *testing.T, w *world) {
	t.Helper()
	f.limactlUnit(t, w)
	must(t, w.unlink("lima-vm@default.service"))
}

// oldLimaUnit is the unit an old Lima wrote, wanted by multi-user.target and
// enabled there.
func (f *fixture) oldLimaUnit(t *testing.T, w *world) {
	t.Helper()
	f.limactlUnit(t, w)
	old, err := os.ReadFile(f.unitPath())
	must(t, err)
	must(t, w.unlink("lima-vm@default.service"))
	must(t, os.WriteFile(f.unitPath(), bytes.Replace(old, []byte("default.target"), []byte("multi-user.target"), 1), 0o644))
	must(t, w.link("lima-vm@default.service"))
}

func (f *fixture) ourUnit(t *testing.T, w *world) {
	t.Helper()
	data, err := systemd.Unit(systemd.Params{Limactl: f.limctl, PATH: jobenv.PATH(f.limctl)})
	must(t, err)
	must(t, os.MkdirAll(filepath.Dir(f.unitPath()), 0o755))
	must(t, os.WriteFile(f.unitPath(), data, 0o644))
	must(t, w.link("lima-vm@default.service"))
}

// lingerOurs is lingering that LimaBar turned on, with its record.
func (f *fixture) lingerOurs(t *testing.T) {
	t.Helper()
	must(t, os.MkdirAll(f.env.LingerDir, 0o755))
	must(t, os.WriteFile(filepath.Join(f.env.LingerDir, f.env.User), nil, 0o644))
	must(t, os.MkdirAll(f.env.StateDir, 0o755))
	must(t, os.WriteFile(filepath.Join(f.env.StateDir, "linger.json"),
		[]byte(`{"user":"`+f.env.User+`","turnedOnByLimaBar":true}`+"\n"), 0o644))
}

// daemonElevator stands in for the administrator dialog and root: it
// installs or removes the daemon file the script names, or fails.
func (f *fixture) daemonElevator(t *testing.T, fail error) {
	f.elev.err = fail
	f.elev.run = func(script string) error {
		if strings.Contains(script, "bootstrap") {
			must(t, os.MkdirAll(f.env.LaunchDaemonsDir, 0o755))
			return os.WriteFile(f.daemonPath(), []byte("<plist>new daemon</plist>"), 0o644)
		}
		return os.Remove(f.daemonPath())
	}
}

// scriptFailure is how the osascript elevator reports a failed privileged
// script.
var scriptFailure = &elevate.ScriptError{Via: "osascript", Status: 1,
	Message: "launchctl bootstrap failed: Bootstrap failed: 5: Input/output error"}

// TestFaultAtEachExternalStep makes each external step of enable and disable
// fail in turn and checks that everything on disk is as it was before and
// that the error names the step and the instance. A registration half made
// would start a VM the menu shows as off, or the other way round.
func TestFaultAtEachExternalStep(t *testing.T) {
	type faultCase struct {
		name     string
		platform Platform
		setup    func(t *testing.T, f *fixture, w *world)
		// do is the change that meets the failure.
		do   func(m *Manager, inst Instance) error
		fail []string // argv prefix of the failing step
		// elevator, when set, is how the privileged script fails.
		elevator error
		// want are the words the error must hold besides the instance name.
		want []string
	}
	enable := func(c Condition) func(*Manager, Instance) error {
		return func(m *Manager, inst Instance) error {
			_, err := m.Enable(context.Background(), inst, c, EnableOptions{})
			return err
		}
	}
	disable := func(c Condition) func(*Manager, Instance) error {
		return func(m *Manager, inst Instance) error {
			_, err := m.Disable(context.Background(), inst, c)
			return err
		}
	}
	nothing := func(*testing.T, *fixture, *world) {}
	launchctlEnable := []string{"launchctl", "enable", "gui/501/io.lima-vm.autostart.default"}
	launchctlDisable := []string{"launchctl", "disable", "gui/501/io.lima-vm.autostart.default"}
	sdEnable := []string{"systemctl", "--user", "enable", "--no-reload", "lima-vm@default.service"}
	sdDisable := []string{"systemctl", "--user", "disable", "--no-reload", "lima-vm@default.service"}
	lingerOn := []string{"loginctl", "enable-linger"}
	lingerOff := []string{"loginctl", "disable-linger"}
	cases := []faultCase{
		{name: "darwin/enable login/new agent/launchctl enable", platform: Darwin, setup: nothing,
			do: enable(Login), fail: launchctlEnable, want: []string{"launchctl enable gui/501/io.lima-vm.autostart.default", "Connection refused"}},
		{name: "darwin/enable login/rewrite limactl agent/launchctl enable", platform: Darwin,
			setup: func(t *testing.T, f *fixture, _ *world) { f.limactlAgent(t) },
			do:    enable(Login), fail: launchctlEnable, want: []string{"launchctl enable", "LaunchAgent"}},
		{name: "darwin/disable login/launchctl disable", platform: Darwin,
			setup: func(t *testing.T, f *fixture, _ *world) { f.ourAgent(t) },
			do:    disable(Login), fail: launchctlDisable, want: []string{"launchctl disable gui/501/io.lima-vm.autostart.default"}},
		{name: "darwin/enable boot/elevator", platform: Darwin, setup: nothing,
			do: enable(Boot), elevator: scriptFailure, want: []string{"install the LaunchDaemon", "privileged script", "launchctl bootstrap"}},
		{name: "darwin/enable boot over login/elevator", platform: Darwin,
			setup: func(t *testing.T, f *fixture, _ *world) { f.ourAgent(t) },
			do:    enable(Boot), elevator: scriptFailure, want: []string{"install the LaunchDaemon", "privileged script"}},
		{name: "darwin/enable login over boot/launchctl enable", platform: Darwin,
			setup: func(t *testing.T, f *fixture, _ *world) { f.installedDaemon(t) },
			do:    enable(Login), fail: launchctlEnable, want: []string{"launchctl enable gui/501/io.lima-vm.autostart.default"}},
		{name: "darwin/enable login over boot/elevator", platform: Darwin,
			setup: func(t *testing.T, f *fixture, _ *world) { f.installedDaemon(t) },
			do:    enable(Login), elevator: scriptFailure, want: []string{"remove the LaunchDaemon", "privileged script"}},
		{name: "darwin/enable login over boot/elevator cancelled", platform: Darwin,
			setup: func(t *testing.T, f *fixture, _ *world) { f.installedDaemon(t) },
			do:    enable(Login), elevator: elevate.ErrCancelled, want: []string{"cancelled"}},
		{name: "darwin/disable boot/elevator", platform: Darwin,
			setup: func(t *testing.T, f *fixture, _ *world) { f.installedDaemon(t) },
			do:    disable(Boot), elevator: scriptFailure, want: []string{"remove the LaunchDaemon", "privileged script"}},

		{name: "linux/enable login/new unit/enable", platform: Linux, setup: nothing,
			do: enable(Login), fail: sdEnable, want: []string{"systemctl --user enable --no-reload lima-vm@default.service"}},
		{name: "linux/enable login/rewrite limactl unit/enable", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.limactlUnit(t, w) },
			do:    enable(Login), fail: sdEnable, want: []string{"systemctl --user enable --no-reload lima-vm@default.service"}},
		{name: "linux/disable login/disable", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.ourUnit(t, w) },
			do:    disable(Login), fail: sdDisable, want: []string{"systemctl --user disable --no-reload lima-vm@default.service"}},
		{name: "linux/enable boot/enable-linger", platform: Linux, setup: nothing,
			do: enable(Boot), fail: lingerOn, want: []string{"loginctl enable-linger", "lingering"}},
		{name: "linux/enable boot over login/enable-linger", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.ourUnit(t, w) },
			do:    enable(Boot), fail: lingerOn, want: []string{"loginctl enable-linger"}},
		// The unit is rewritten and enabled before lingering is asked
		// for; a refusal must put the old unit and its links back.
		{name: "linux/enable boot/rewrite limactl unit/enable-linger", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.limactlUnit(t, w) },
			do:    enable(Boot), fail: lingerOn, want: []string{"loginctl enable-linger", "nothing was changed"}},
		{name: "linux/enable boot/rewrite limactl unit not enabled/enable-linger", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.limactlUnitNotEnabled(t, w) },
			do:    enable(Boot), fail: lingerOn, want: []string{"loginctl enable-linger", "nothing was changed"}},
		{name: "linux/enable boot/rewrite old Lima's multi-user.target unit/enable-linger", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.oldLimaUnit(t, w) },
			do:    enable(Boot), fail: lingerOn, want: []string{"loginctl enable-linger", "nothing was changed"}},
		{name: "linux/enable boot/rewrite limactl unit/enable", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.limactlUnit(t, w) },
			do:    enable(Boot), fail: sdEnable, want: []string{"systemctl --user enable --no-reload lima-vm@default.service"}},
		{name: "linux/disable boot/disable", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.ourUnit(t, w); f.lingerOurs(t) },
			do:    disable(Boot), fail: sdDisable, want: []string{"systemctl --user disable --no-reload lima-vm@default.service"}},
		{name: "linux/enable login over boot/disable-linger", platform: Linux,
			setup: func(t *testing.T, f *fixture, w *world) { f.ourUnit(t, w); f.lingerOurs(t) },
			do:    enable(Login), fail: lingerOff, want: []string{"loginctl disable-linger", "lingering"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.platform)
			w := &world{env: &f.env}
			if tc.fail != nil {
				w.fail = [][]string{tc.fail}
			}
			f.env.Runner = w
			f.daemonElevator(t, tc.elevator)
			f.rebuild(t)
			tc.setup(t, f, w)
			before := tree(t, f.tmp)

			err := tc.do(f.m, f.inst)
			if err == nil {
				t.Fatalf("the change succeeded although %q failed; calls %q", tc.fail, w.calls)
			}
			if tc.elevator == elevate.ErrCancelled {
				if !errors.Is(err, ErrCancelled) {
					t.Errorf("got %v, want ErrCancelled", err)
				}
			} else if !strings.Contains(err.Error(), `"default"`) {
				t.Errorf("got %q, want the instance name in it", err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to say %q", err, s)
				}
			}
			if d := treeDiff(before, tree(t, f.tmp)); len(d) != 0 {
				t.Errorf("the disk changed although the change failed: %q\ncalls: %q", d, w.calls)
			}
		})
	}
}

// TestFaultReloadKeepsTheChange: systemd is reloaded once the unit and its
// links are in place (Plan.After). A manager that cannot be reloaded reads
// them at the next login or boot anyway, so the change stays made and the
// error says both.
func TestFaultReloadKeepsTheChange(t *testing.T) {
	for _, tc := range []struct {
		name       string
		setup      func(*testing.T, *fixture, *world)
		cond       Condition
		enable     bool
		login      bool
		boot       bool
		madeSaying string
	}{
		{name: "enable login/new unit", setup: func(*testing.T, *fixture, *world) {}, cond: Login, enable: true, login: true,
			madeSaying: "default will start at login, but failed to reload systemd"},
		{name: "enable login/rewrite limactl unit", setup: func(t *testing.T, f *fixture, w *world) { f.limactlUnit(t, w) },
			cond: Login, enable: true, login: true, madeSaying: "default will start at login, but failed to reload systemd"},
		{name: "enable boot/new unit", setup: func(*testing.T, *fixture, *world) {}, cond: Boot, enable: true, boot: true,
			madeSaying: "default will start at boot, but failed to reload systemd"},
		{name: "disable login", setup: func(t *testing.T, f *fixture, w *world) { f.ourUnit(t, w) }, cond: Login,
			madeSaying: "default will no longer start at login, but failed to reload systemd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Linux)
			w := &world{env: &f.env, fail: [][]string{{"systemctl", "--user", "daemon-reload"}}}
			f.env.Runner = w
			f.rebuild(t)
			tc.setup(t, f, w)
			var err error
			if tc.enable {
				_, err = f.m.Enable(context.Background(), f.inst, tc.cond, EnableOptions{})
			} else {
				_, err = f.m.Disable(context.Background(), f.inst, tc.cond)
			}
			if err == nil || !strings.Contains(err.Error(), tc.madeSaying) || !strings.Contains(err.Error(), "systemctl --user daemon-reload") ||
				strings.Contains(err.Error(), "nothing was changed") {
				t.Fatalf("got %v, want it to say %q and name the command", err, tc.madeSaying)
			}
			st, serr := f.m.Status(context.Background(), f.inst)
			must(t, serr)
			if st.Login.Enabled != tc.login || st.Boot.Enabled != tc.boot {
				t.Errorf("got status login %v boot %v, want login %v boot %v; calls %q", st.Login.Enabled, st.Boot.Enabled, tc.login, tc.boot, w.calls)
			}
			if last := w.calls[len(w.calls)-1]; last != "systemctl --user daemon-reload" && !tc.boot {
				t.Errorf("the reload was not the last step: %q", w.calls)
			}
		})
	}
}

// TestFaultDisableBootKeepsProgress pins the one step whose failure is
// reported without a rollback: turning lingering off after the unit was
// removed. The instance no longer starts at boot, which is what was asked;
// the error says lingering is still on, and the record stays so that a
// later change can still turn it off.
func TestFaultDisableBootKeepsProgress(t *testing.T) {
	f := newFixture(t, Linux)
	w := &world{env: &f.env, fail: [][]string{{"loginctl", "disable-linger"}}}
	f.env.Runner = w
	f.rebuild(t)
	f.ourUnit(t, w)
	f.lingerOurs(t)
	_, err := f.m.Disable(context.Background(), f.inst, Boot)
	if err == nil || !strings.Contains(err.Error(), "no longer starts at boot") || !strings.Contains(err.Error(), "loginctl disable-linger") {
		t.Fatalf("got %v, want it to say the instance no longer starts at boot and that disable-linger failed", err)
	}
	if exists(f.unitPath()) {
		t.Error("the unit is still there")
	}
	if !exists(filepath.Join(f.env.LingerDir, f.env.User)) || !exists(filepath.Join(f.env.StateDir, "linger.json")) {
		t.Error("lingering or its record is gone although disable-linger failed")
	}
	st, serr := f.m.Status(context.Background(), f.inst)
	must(t, serr)
	if st.Login.Enabled || st.Boot.Enabled {
		t.Errorf("got status %+v, want neither condition on", st)
	}
}

// fullDisk is the Files seam of a disk that is full: every write fails
// with ENOSPC after the first ok writes, as the real writer would when its
// temporary file cannot grow. Removing still works.
type fullDisk struct {
	ok     int
	writes int
}

func (d *fullDisk) WriteFile(path string, data []byte, perm os.FileMode) error {
	d.writes++
	if d.writes > d.ok {
		return &fs.PathError{Op: "write", Path: filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-1"), Err: syscall.ENOSPC}
	}
	return OSFiles{}.WriteFile(path, data, perm)
}

func (d *fullDisk) Remove(path string) error { return OSFiles{}.Remove(path) }

// TestFaultDiskFull writes every registration on a full disk: the change
// fails with the system's own words, nothing is enabled for the file that
// could not be written, and nothing on disk changes, the links systemctl
// keeps included.
func TestFaultDiskFull(t *testing.T) {
	for _, tc := range []struct {
		name     string
		platform Platform
		cond     Condition
		setup    func(t *testing.T, f *fixture, w *world)
	}{
		{"darwin/login/new", Darwin, Login, func(*testing.T, *fixture, *world) {}},
		{"darwin/login/rewrite limactl agent", Darwin, Login, func(t *testing.T, f *fixture, _ *world) { f.limactlAgent(t) }},
		{"linux/login/new", Linux, Login, func(*testing.T, *fixture, *world) {}},
		{"linux/login/rewrite limactl unit", Linux, Login, func(t *testing.T, f *fixture, w *world) { f.limactlUnit(t, w) }},
		{"linux/login/rewrite old Lima's multi-user.target unit", Linux, Login, func(t *testing.T, f *fixture, w *world) { f.oldLimaUnit(t, w) }},
		{"linux/boot/new", Linux, Boot, func(*testing.T, *fixture, *world) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.platform)
			w := &world{env: &f.env}
			f.env.Runner = w
			f.env.Files = &fullDisk{}
			f.rebuild(t)
			tc.setup(t, f, w)
			before := tree(t, f.tmp)
			_, err := f.m.Enable(context.Background(), f.inst, tc.cond, EnableOptions{})
			if err == nil {
				t.Fatal("enable succeeded on a full disk")
			}
			for _, s := range []string{`"default"`, "no space left on device", "failed to write"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to say %q", err, s)
				}
			}
			// Nothing is reloaded or enabled for a file that was not
			// written; an enable may only take back a disable that came
			// before the write, and a reload then follows it.
			disables, undone := 0, false
			for _, c := range w.calls {
				switch {
				case strings.Contains(c, " disable "):
					disables++
				case strings.Contains(c, " enable") && disables > 0:
					disables--
					undone = true
				case strings.Contains(c, "daemon-reload") && undone:
				case strings.Contains(c, " enable") || strings.Contains(c, "linger") || strings.Contains(c, "daemon-reload"):
					t.Errorf("got call %q after the failed write, want none; calls %q", c, w.calls)
				}
			}
			if d := treeDiff(before, tree(t, f.tmp)); len(d) != 0 {
				t.Errorf("the disk changed: %q", d)
			}
		})
	}
}

// TestFaultDiskFullAfterFirstWrite fills the disk between the writes of one
// change: the unit is written, then lingering is turned on and its record
// cannot be written. The change must fail and take everything back,
// lingering included; lingering left on would start every registered
// instance at boot.
func TestFaultDiskFullAfterFirstWrite(t *testing.T) {
	f := newFixture(t, Linux)
	w := &world{env: &f.env}
	f.env.Runner = w
	f.env.Files = &fullDisk{ok: 1}
	f.rebuild(t)
	before := tree(t, f.tmp)
	_, err := f.m.Enable(context.Background(), f.inst, Boot, EnableOptions{})
	if err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("got %v, want the failed write of the linger record", err)
	}
	if d := treeDiff(before, tree(t, f.tmp)); len(d) != 0 {
		t.Errorf("the disk changed: %q\ncalls: %q", d, w.calls)
	}
}

// TestFaultDiskFullDuringRollback fills the disk after the new registration
// was written, so that putting the old one back fails too. The old file is
// lost then, and the error must say so rather than only name the first
// failure.
func TestFaultDiskFullDuringRollback(t *testing.T) {
	for _, platform := range []Platform{Darwin, Linux} {
		t.Run(string(platform), func(t *testing.T) {
			f := newFixture(t, platform)
			w := &world{env: &f.env}
			f.env.Runner = w
			f.env.Files = &fullDisk{ok: 1}
			f.rebuild(t)
			if platform == Darwin {
				f.limactlAgent(t)
				w.fail = [][]string{{"launchctl", "enable"}}
			} else {
				f.limactlUnit(t, w)
				w.fail = [][]string{{"systemctl", "--user", "enable"}}
			}
			_, err := f.m.Enable(context.Background(), f.inst, Login, EnableOptions{})
			if err == nil {
				t.Fatal("enable succeeded")
			}
			for _, s := range []string{"Connection refused", "could not be put back", "no space left on device"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to say %q", err, s)
				}
			}
		})
	}
}
