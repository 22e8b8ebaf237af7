//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"howett.net/plist"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/systemd"
)

// snapshot is every file and link under dir with its content, mode or
// target, without the fakes' call log and the fake launchctl's memory of
// what is loaded (see loadedState): what "nothing changed" is checked
// against. Folders are left out, since an empty folder created on the way
// is no change a service manager or the menu can see.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "fake-state" {
			return fs.SkipDir
		}
		if d.IsDir() || rel == "calls.log" {
			return nil
		}
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
		out[rel] = fmt.Sprintf("%v %x", fi.Mode().Perm(), data)
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return out
}

// loadedState is what the fake launchctl's launchd holds: the disable
// overrides and the loaded jobs with their processes. An enable override
// is left out: launchd loads a job with one as with none, and an undo
// that cannot remove the one a failed step's `launchctl enable` left has
// changed nothing that matters.
func (s *sandbox) loadedState() []string {
	s.t.Helper()
	m, _ := s.launchd()
	var out []string
	for _, line := range m.Summary() {
		if !strings.HasSuffix(line, " disabled=false") {
			out = append(out, line)
		}
	}
	return out
}

// changes lists what differs between two snapshots, one line each.
func changes(before, after map[string]string) []string {
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

// linuxFakes puts the recording systemctl and loginctl on the sandbox's PATH.
func (s *sandbox) linuxFakes() {
	s.writeExe(filepath.Join(s.fakes, "systemctl"), fakeSystemctl)
	s.writeExe(filepath.Join(s.fakes, "loginctl"), fakeLoginctl)
}

// mustRun runs limabar and fails the test unless it succeeds.
func (s *sandbox) mustRun(args ...string) {
	s.t.Helper()
	if r := s.limabar(args...); r.code != 0 {
		s.t.Fatalf("limabar %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
}

// TestFaultEachStepRealBinary makes each external step of enable and
// disable fail in the real binary, through the fakes on PATH: afterwards
// every file of the sandbox (home, system folders, the fakes' launchd
// state) is as before, the exit code is 1 and the one line on stderr names
// the step.
func TestFaultEachStepRealBinary(t *testing.T) {
	for _, tc := range []struct {
		name     string
		platform string
		setup    []string // a command run before, to reach the starting state
		args     []string
		fail     string // FAKE_FAIL: the verb that fails
		env      map[string]string
		want     []string
	}{
		{name: "darwin/enable login/launchctl enable", platform: "darwin",
			args: []string{"enable", "--condition=login", "default"}, fail: "enable",
			want: []string{"launchctl enable gui/", "Input/output error"}},
		{name: "darwin/disable login/launchctl disable", platform: "darwin",
			setup: []string{"enable", "--condition=login", "default"},
			args:  []string{"disable", "--condition=login", "default"}, fail: "disable",
			want: []string{"launchctl disable gui/", "Input/output error"}},
		{name: "darwin/enable boot/plutil in the privileged script", platform: "darwin",
			args: []string{"enable", "--condition=boot", "default"}, fail: "plutil",
			want: []string{"privileged script", "plutil -lint"}},
		{name: "darwin/enable boot/launchctl enable in the privileged script", platform: "darwin",
			args: []string{"enable", "--condition=boot", "default"}, fail: "enable",
			want: []string{"privileged script", "launchctl enable"}},
		{name: "darwin/enable boot/launchctl bootstrap in the privileged script", platform: "darwin",
			args: []string{"enable", "--condition=boot", "default"}, fail: "bootstrap",
			want: []string{"privileged script", "launchctl bootstrap"}},
		{name: "darwin/enable boot/administrator prompt dismissed", platform: "darwin",
			args: []string{"enable", "--condition=boot", "default"},
			env:  map[string]string{"FAKE_OSASCRIPT_CANCEL": "1"}, want: []string{"cancelled"}},
		{name: "darwin/enable login over boot/launchctl disable in the privileged script", platform: "darwin",
			setup: []string{"enable", "--condition=boot", "default"},
			args:  []string{"enable", "--condition=login", "default"}, fail: "disable",
			want: []string{"privileged script", "launchctl disable"}},
		{name: "darwin/disable boot/administrator prompt dismissed", platform: "darwin",
			setup: []string{"enable", "--condition=boot", "default"},
			args:  []string{"disable", "--condition=boot", "default"},
			env:   map[string]string{"FAKE_OSASCRIPT_CANCEL": "1"}, want: []string{"cancelled"}},

		{name: "linux/enable login/systemctl enable", platform: "linux",
			args: []string{"enable", "--condition=login", "default"}, fail: "enable",
			want: []string{"systemctl --user enable --no-reload lima-vm@default.service", "Access denied"}},
		{name: "linux/disable login/systemctl disable", platform: "linux",
			setup: []string{"enable", "--condition=login", "default"},
			args:  []string{"disable", "--condition=login", "default"}, fail: "disable",
			want: []string{"systemctl --user disable --no-reload lima-vm@default.service"}},
		{name: "linux/enable boot/loginctl enable-linger", platform: "linux",
			args: []string{"enable", "--condition=boot", "default"}, fail: "enable-linger",
			want: []string{"loginctl enable-linger", "nothing was changed"}},
		{name: "linux/enable boot over login/loginctl enable-linger", platform: "linux",
			setup: []string{"enable", "--condition=login", "default"},
			args:  []string{"enable", "--condition=boot", "default"}, fail: "enable-linger",
			want: []string{"loginctl enable-linger"}},
		{name: "linux/enable login over boot/loginctl disable-linger", platform: "linux",
			setup: []string{"enable", "--condition=boot", "default"},
			args:  []string{"enable", "--condition=login", "default"}, fail: "disable-linger",
			want: []string{"loginctl disable-linger"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t, tc.platform)
			s.instance("default")
			if tc.platform == "linux" {
				s.linuxFakes()
			} else {
				os.MkdirAll(filepath.Join(s.root, "Library", "LaunchDaemons"), 0o755)
			}
			if tc.setup != nil {
				s.mustRun(tc.setup...)
			}
			before := snapshot(t, s.dir)
			loaded := s.loadedState()
			s.calls()
			if tc.fail != "" {
				s.env["FAKE_FAIL"] = tc.fail
			}
			for k, v := range tc.env {
				s.env[k] = v
			}
			r := s.limabar(tc.args...)
			if r.code != 1 {
				t.Errorf("got exit %d, want 1 (stderr %q)", r.code, r.stderr)
			}
			if lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("got stderr %q, want one line", r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("got stderr %q, want it to name %q", r.stderr, w)
				}
			}
			if d := changes(before, snapshot(t, s.dir)); len(d) != 0 {
				t.Errorf("the sandbox changed although the change failed: %q\ncalls: %q", d, s.calls())
			}
			t.Run("launchd state", func(t *testing.T) {
				if got := s.loadedState(); strings.Join(got, " ") != strings.Join(loaded, " ") {
					t.Errorf("got launchd state %q, want %q as before", got, loaded)
				}
			})
		})
	}
}

// TestFaultReloadRealBinary: systemd is reloaded after the unit and its
// link are in place, and a failed reload leaves them there: the manager
// reads them at the next login anyway. The exit code is 1 and the one line
// says both what was done and what failed.
func TestFaultReloadRealBinary(t *testing.T) {
	s := newSandbox(t, "linux")
	s.instance("default")
	s.linuxFakes()
	s.env["FAKE_FAIL"] = "daemon-reload"
	r := s.limabar("enable", "--condition=login", "default")
	want := `default will start at login, but failed to reload systemd for instance "default": systemctl --user daemon-reload: Failed to daemon-reload: Access denied`
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("got exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	if got := cond(s.listJSON()[0], "login"); got["enabled"] != true || len(got["problems"].([]any)) != 0 {
		t.Errorf("login = %v, want enabled without problems", got)
	}
}

// TestFaultReadOnlyFolder makes the registration folder read-only for the
// user: enable and disable fail with the system's own words and the path,
// and nothing changes, neither on disk nor in what launchctl or systemctl
// were told to keep.
func TestFaultReadOnlyFolder(t *testing.T) {
	for _, platform := range []string{"darwin", "linux"} {
		t.Run(platform, func(t *testing.T) {
			s := newSandbox(t, platform)
			if s.runsAs().Uid == "0" {
				testNeedsUser(t)
			}
			s.instance("default")
			s.instance("other")
			dir := filepath.Join(s.home, "Library", "LaunchAgents")
			if platform == "linux" {
				s.linuxFakes()
				dir = filepath.Join(s.home, ".config", "systemd", "user")
			}
			s.mustRun("enable", "--condition=login", "default")
			s.calls()
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o755) })
			for _, tc := range []struct {
				name string
				args []string
				path string
			}{
				{"enable", []string{"enable", "--condition=login", "other"}, "other"},
				{"disable", []string{"disable", "--condition=login", "default"}, "default"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := snapshot(t, s.dir)
					r := s.limabar(tc.args...)
					if r.code != 1 || !strings.Contains(r.stderr, "permission denied") || !strings.Contains(r.stderr, dir) ||
						!strings.Contains(r.stderr, `"`+tc.path+`"`) {
						t.Errorf("got exit %d, stderr %q; want 1 and a line naming the instance, %s and permission denied", r.code, r.stderr, dir)
					}
					if d := changes(before, snapshot(t, s.dir)); len(d) != 0 {
						t.Errorf("the sandbox changed: %q", d)
					}
					calls := s.calls()
					// Whatever the service manager was told must have been
					// taken back: an enable is followed by a disable and
					// the other way round, or nothing was told at all.
					var told []string
					for _, c := range calls {
						if strings.HasPrefix(c, "launchctl enable") || strings.HasPrefix(c, "launchctl disable") ||
							strings.HasPrefix(c, "systemctl --user enable") || strings.HasPrefix(c, "systemctl --user disable") {
							told = append(told, c)
						}
					}
					if len(told)%2 != 0 {
						t.Errorf("got service manager calls %q, want none or each taken back", told)
					}
				})
			}
		})
	}
}

// testNeedsUser stops a test that needs an account without root's powers
// over file modes.
func testNeedsUser(t *testing.T) {
	t.Helper()
	t.Fatalf("limabar runs as root here, which ignores folder modes; run the tests as root (limabar then runs as %s) or as an ordinary user", unprivileged)
}

// TestFaultInstanceFolderRemoved removes an instance's folder behind
// LimaBar's back: `list` stops showing it, enabling it says it is gone, and
// its registration can still be removed.
func TestFaultInstanceFolderRemoved(t *testing.T) {
	for _, platform := range []string{"darwin", "linux"} {
		t.Run(platform, func(t *testing.T) {
			s := newSandbox(t, platform)
			if platform == "linux" {
				s.linuxFakes()
			}
			dir := s.instance("gone")
			s.instance("kept")
			s.mustRun("enable", "--condition=login", "gone")
			s.mustRun("enable", "--condition=login", "kept")
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, s.dir)

			t.Run("list", func(t *testing.T) {
				list := s.listJSON()
				if len(list) != 1 || list[0]["name"] != "kept" {
					t.Errorf("got %v, want only kept", list)
				}
			})
			t.Run("enable", func(t *testing.T) {
				r := s.limabar("enable", "--condition=login", "gone")
				if r.code != 1 || !strings.Contains(r.stderr, `no instance named "gone"`) {
					t.Errorf("got exit %d, stderr %q; want 1 and no instance named \"gone\"", r.code, r.stderr)
				}
				if d := changes(before, snapshot(t, s.dir)); len(d) != 0 {
					t.Errorf("the sandbox changed: %q", d)
				}
			})
			t.Run("disable removes the stale registration", func(t *testing.T) {
				s.mustRun("disable", "--condition=login", "gone")
				d := changes(before, snapshot(t, s.dir))
				for _, c := range d {
					if !strings.Contains(c, "gone") || !strings.HasPrefix(c, "removed ") {
						t.Errorf("got change %q, want only the removal of gone's registration", c)
					}
				}
				if len(d) == 0 {
					t.Error("the registration of gone is still there")
				}
			})
		})
	}
}

// fakeSlowSystemctl is fakeSystemctl that first sleeps FAKE_SLEEP seconds,
// which widens the window between writing a unit and enabling it.
var fakeSlowSystemctl = strings.Replace(fakeSystemctl, "#!/bin/sh\n", "#!/bin/sh\n[ -n \"${FAKE_SLEEP:-}\" ] && sleep \"$FAKE_SLEEP\"\n", 1)

// killSeed makes the kill test repeatable: LIMABAR_KILL_SEED=N replays a run.
func killSeed(t *testing.T) uint64 {
	if v := os.Getenv("LIMABAR_KILL_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("LIMABAR_KILL_SEED=%q: %v", v, err)
		}
		return n
	}
	return 20260101
}

// killRuns is how many times each platform's enable or disable is killed.
const killRuns = 200

// killer runs the real binary as the sandbox's user in a process group of
// its own, so that what it started can be waited for after it was killed.
type killer struct {
	s    *sandbox
	argv []string // setpriv prefix, when the tests run as root
}

func newKiller(s *sandbox) *killer {
	k := &killer{s: s}
	if os.Geteuid() == 0 && !s.asRoot {
		u := s.runsAs()
		chownTree(s.t, s.dir, u)
		k.argv = []string{"setpriv", "--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--"}
	}
	return k
}

// run starts limabar with args and, when after is positive, sends it
// SIGKILL after that long. It returns whether it was killed before it ended
// and waits until every process it started has ended too (a killed parent
// leaves its systemctl running, as it would on a real machine).
func (k *killer) run(after time.Duration, extraEnv []string, args ...string) (killed bool, took time.Duration) {
	k.s.t.Helper()
	cmd, errb := k.start(extraEnv, args)
	began := time.Now()
	var timer *time.Timer
	if after > 0 {
		timer = time.AfterFunc(after, func() { kill(cmd) })
	}
	err := cmd.Wait()
	took = time.Since(began)
	if timer != nil {
		timer.Stop()
	}
	killed = k.ended(cmd, err, errb, args)
	return killed, took
}

// kill sends SIGKILL to limabar alone, not to its process group: what it
// started goes on, as it would on a real machine.
func kill(cmd *exec.Cmd) { cmd.Process.Signal(syscall.SIGKILL) }

// start starts limabar with args in a process group of its own.
func (k *killer) start(extraEnv, args []string) (*exec.Cmd, *bytes.Buffer) {
	k.s.t.Helper()
	argv := append(append(append([]string{}, k.argv...), bins.limabar), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(k.s.environ(), extraEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		k.s.t.Fatal(err)
	}
	return cmd, &errb
}

// ended takes limabar's exit, fails the test unless it succeeded or was
// killed, and waits until every process it started has ended too (a
// killed parent leaves its systemctl running, as it would on a real
// machine). It reports whether limabar was killed.
func (k *killer) ended(cmd *exec.Cmd, err error, errb *bytes.Buffer, args []string) (killed bool) {
	k.s.t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() && st.Signal() == syscall.SIGKILL {
			killed = true
		} else {
			k.s.t.Fatalf("limabar %q: %v: %s", args, err, errb.String())
		}
	} else if err != nil {
		k.s.t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for groupAlive(pgid) {
		if time.Now().After(deadline) {
			k.s.t.Fatalf("processes of group %d still running 10s after limabar ended", pgid)
		}
		time.Sleep(time.Millisecond)
	}
	return killed
}

// gate holds limabar at each registration file it writes (the write gate
// of a binary built with -tags testhooks, between the whole temporary file
// and its rename) and at the start of each command it runs (wrappers of the
// stand-in tools, first on PATH): each announces itself with a line, "write
// PATH" or the command's argv, on the enter pipe and waits for a line on
// the go pipe. While the test has not answered, the write or the command is
// in flight: that is how a kill is known to have come in the middle of one.
type gate struct {
	dir     string
	entries chan string
	env     []string // what turns the gate on for one run
}

// gatedWrapper announces a stand-in command and waits before it runs it.
const gatedWrapper = `#!/bin/sh
printf '%s\n' "NAME $*" > "$LIMABAR_TEST_GATE/enter"
read -r _ < "$LIMABAR_TEST_GATE/go"
exec REAL "$@"
`

func newGate(s *sandbox, tools ...string) *gate {
	s.t.Helper()
	g := &gate{dir: filepath.Join(s.dir, "gate"), entries: make(chan string, 16)}
	bin := filepath.Join(g.dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		s.t.Fatal(err)
	}
	// Open to limabar's user, who may not be the test's.
	for _, p := range []string{"enter", "go"} {
		if err := syscall.Mkfifo(filepath.Join(g.dir, p), 0o666); err != nil {
			s.t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(g.dir, p), 0o666); err != nil {
			s.t.Fatal(err)
		}
	}
	for _, name := range tools {
		real := filepath.Join(s.fakes, name)
		if _, err := os.Stat(real); err != nil {
			s.t.Fatalf("no stand-in %s to hold: %v", name, err)
		}
		s.writeExe(filepath.Join(bin, name), strings.NewReplacer("NAME", name, "REAL", real).Replace(gatedWrapper))
	}
	// Held open for reading and writing, so that a writer never waits
	// for the test and the reader never sees the end.
	enter, err := os.OpenFile(filepath.Join(g.dir, "enter"), os.O_RDWR, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { enter.Close() })
	go func() {
		sc := bufio.NewScanner(enter)
		for sc.Scan() {
			g.entries <- sc.Text()
		}
	}()
	g.env = []string{"LIMABAR_TEST_GATE=" + g.dir, "PATH=" + bin + ":" + s.env["PATH"]}
	return g
}

// release lets the write or command held at the gate go on.
func (g *gate) release(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(g.dir, "go"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
}

// runGated runs limabar with the gate on. Every write and command passes
// until the first one announced as target, if any: limabar is sent SIGKILL
// while that one is held, and a held command is then let go on, as a
// command goes on when its parent dies. It returns what was announced, in
// order, and whether limabar was killed at target.
func (k *killer) runGated(g *gate, target string, args ...string) (seen []string, killed bool) {
	k.s.t.Helper()
	cmd, errb := k.start(g.env, args)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case entry := <-g.entries:
			seen = append(seen, entry)
			if entry != target {
				g.release(k.s.t)
				continue
			}
			kill(cmd)
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				// Not left held at the gate for ever.
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				k.s.t.Fatalf("limabar %q still running 10s after SIGKILL at %q", args, entry)
			}
			if !strings.HasPrefix(entry, "write ") {
				g.release(k.s.t)
			}
			return seen, k.ended(cmd, err, errb, args)
		case err := <-done:
			if k.ended(cmd, err, errb, args) {
				k.s.t.Fatalf("limabar %q was killed, but not by the test", args)
			}
			return seen, false
		}
	}
}

// groupAlive reports whether a process of group pgid is still running. A
// killed parent's children are reaped by init, which may take its time;
// zombies have done everything they will do, so they do not count.
func groupAlive(pgid int) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

// registration is how the kill test sees one registration file.
type registration struct {
	path     string
	tmpRE    *regexp.Regexp // the engine's temporary files beside it
	decode   func([]byte) error
	old, new []byte // written by limactl, written by LimaBar
}

// TestFaultKill9 kills `limabar enable` and `limabar disable` with SIGKILL,
// killRuns times per platform. Two runs in three are killed while a write
// of the registration or a command is known to be in flight: the gate
// holds limabar there (see gate), the test kills it while held, and each
// write and command of each scenario is one of the points, in turn; at
// least half of all runs must have been killed so. The other runs are
// killed at seeded random moments. After each kill the registration must
// be the old file or the new one, whole and parseable, never a partial
// one; a kill during the write leaves the old one, with the whole new one
// beside it; the only leftovers allowed are the engine's dot-prefixed
// temporary files; and `limabar list` must agree with the files.
func TestFaultKill9(t *testing.T) {
	seed := killSeed(t)
	for _, platform := range []string{"linux", "darwin"} {
		t.Run(platform, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(len(platform))))
			s := newSandbox(t, platform)
			s.instance("default")
			reg := registration{}
			var agentDir string
			held := []string{"launchctl", "plutil", "chown"}
			if platform == "linux" {
				held = []string{"systemctl", "loginctl"}
				s.writeExe(filepath.Join(s.fakes, "systemctl"), fakeSlowSystemctl)
				s.writeExe(filepath.Join(s.fakes, "loginctl"), fakeLoginctl)
				agentDir = filepath.Join(s.home, ".config", "systemd", "user")
				reg.path = filepath.Join(agentDir, "lima-vm@default.service")
				reg.tmpRE = regexp.MustCompile(`^\.lima-vm@default\.service\.tmp-[0-9]+$`)
				reg.decode = func(b []byte) error {
					f, err := systemd.Parse(b)
					if err != nil {
						return err
					}
					_, err = systemd.Inspect(f)
					return err
				}
				// The unit Lima v1.2.1's start-at-login writes.
				reg.old = []byte("[Unit]\nDescription=Lima - Linux virtual machines, with a focus on running containers.\n" +
					"Documentation=man:lima(1)\n\n[Service]\nExecStart=" + s.limactl + " start %i --foreground\n" +
					"WorkingDirectory=%h\nType=simple\nTimeoutSec=10\nRestart=on-failure\n\n[Install]\nWantedBy=default.target\n")
			} else {
				agentDir = filepath.Join(s.home, "Library", "LaunchAgents")
				reg.path = filepath.Join(agentDir, "io.lima-vm.autostart.default.plist")
				reg.tmpRE = regexp.MustCompile(`^\.io\.lima-vm\.autostart\.default\.plist\.tmp-[0-9]+$`)
				reg.decode = func(b []byte) error {
					_, err := launchd.Decode(b)
					if err != nil {
						return err
					}
					var v map[string]any
					_, err = plist.Unmarshal(b, &v)
					return err
				}
				old, err := os.ReadFile(filepath.Join(repoRoot(), "autostart", "launchd", "testdata", "limactl-agent.plist"))
				if err != nil {
					t.Fatal(err)
				}
				reg.old = []byte(strings.ReplaceAll(string(old), "/Users/alice/.lima/default", filepath.Join(s.limaHome, "default")))
			}
			k := newKiller(s)
			// Undisturbed enables give the new file and the length of a
			// run, within which the kills are spread.
			var durations []time.Duration
			for range 5 {
				os.Remove(reg.path)
				if killed, took := k.run(0, []string{"FAKE_SLEEP=0.005"}, "enable", "--condition=login", "default"); !killed {
					durations = append(durations, took)
				}
			}
			sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
			window := durations[len(durations)/2] * 12 / 10
			newData, err := os.ReadFile(reg.path)
			if err != nil {
				t.Fatalf("the undisturbed enable wrote nothing: %v", err)
			}
			reg.new = newData
			if bytes.Equal(reg.new, reg.old) {
				t.Fatal("the old and the new registration are the same; the test could not tell them apart")
			}

			scenarios := []string{"enable over nothing", "enable over limactl's file", "disable"}
			// setUp writes a scenario's starting state, as limactl or an
			// earlier LimaBar would have left it, and returns limabar's
			// arguments.
			setUp := func(scenario string) []string {
				os.Remove(reg.path)
				var before []byte
				switch scenario {
				case "enable over limactl's file":
					before = reg.old
				case "disable":
					before = reg.new
				}
				if before != nil {
					if err := os.WriteFile(reg.path, before, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if scenario == "disable" {
					return []string{"disable", "default"}
				}
				return []string{"enable", "--condition=login", "default"}
			}
			// The points to kill at: what each scenario writes and runs,
			// in order, all let through once.
			g := newGate(s, held...)
			points := map[string][]string{}
			for _, sc := range scenarios {
				seen, _ := k.runGated(g, "", setUp(sc)...)
				if sc != "disable" && !slices.ContainsFunc(seen, func(e string) bool { return e == "write "+reg.path }) {
					t.Fatalf("%s: the write of %s was not held at the gate (announced %q); is limabar built with -tags testhooks?", sc, reg.path, seen)
				}
				points[sc] = seen
				t.Logf("%s: %d points to kill at: %q", sc, len(seen), seen)
			}
			tempFiles := func() map[string]string {
				out := map[string]string{}
				entries, _ := os.ReadDir(agentDir)
				for _, e := range entries {
					if reg.tmpRE.MatchString(e.Name()) {
						data, _ := os.ReadFile(filepath.Join(agentDir, e.Name()))
						out[e.Name()] = string(data)
					}
				}
				return out
			}

			type outcome struct{ scenario, result string }
			counts := map[outcome]int{}
			killedRuns, inFlight := 0, 0
			heldKills := map[string]int{} // scenario + " at " + point
			gatedRuns := map[string]int{}
			var inRun, inList time.Duration
			began := time.Now()
			for run := range killRuns {
				scenario := scenarios[rng.IntN(3)]
				args := setUp(scenario)
				t0 := time.Now()
				var killed bool
				at := "" // the write or command in flight when killed, if known
				if run%3 != 2 {
					at = points[scenario][gatedRuns[scenario]%len(points[scenario])]
					gatedRuns[scenario]++
					temps := tempFiles()
					seen, k9 := k.runGated(g, at, args...)
					killed = k9
					if !killed {
						t.Errorf("run %d (%s): limabar ended without reaching %q; it announced %q", run, scenario, at, seen)
						at = ""
					} else {
						inFlight++
						heldKills[scenario+" at "+at]++
					}
					if strings.HasPrefix(at, "write ") {
						// Killed between the whole temporary file and
						// its rename: the new content is beside the
						// registration, not in it.
						whole := false
						for name, data := range tempFiles() {
							if _, old := temps[name]; !old && data == string(reg.new) {
								whole = true
							}
						}
						if !whole {
							t.Errorf("run %d (%s): killed during the write, but no new temporary file holds the new registration", run, scenario)
						}
					}
				} else {
					delay := time.Duration(rng.Int64N(int64(window))) + time.Millisecond
					sleep := fmt.Sprintf("FAKE_SLEEP=0.00%d", 1+rng.IntN(9))
					killed, _ = k.run(delay, []string{sleep}, args...)
				}
				inRun += time.Since(t0)
				if killed {
					killedRuns++
				}
				data, err := os.ReadFile(reg.path)
				var result string
				switch {
				case errors.Is(err, fs.ErrNotExist):
					result = "absent"
				case err != nil:
					t.Fatalf("run %d: %v", run, err)
				case bytes.Equal(data, reg.new):
					result = "new"
				case bytes.Equal(data, reg.old):
					result = "old"
				default:
					t.Fatalf("run %d (%s, killed at %q): the registration is neither the old nor the new file:\n%s", run, scenario, at, data)
				}
				if result != "absent" {
					if err := reg.decode(data); err != nil {
						t.Errorf("run %d: %s does not parse: %v", run, reg.path, err)
					}
				}
				allowed := map[string][]string{
					"enable over nothing":        {"absent", "new"},
					"enable over limactl's file": {"old", "new"},
					"disable":                    {"new", "absent"},
				}[scenario]
				if strings.HasPrefix(at, "write ") {
					// The rename had not happened: the registration is
					// what it was.
					allowed = allowed[:1]
				}
				if !contains(allowed, result) {
					t.Errorf("run %d (%s, killed %s): got %s, want one of %q", run, scenario, map[bool]string{true: "at " + at, false: "at a random moment"}[at != ""], result, allowed)
				}
				counts[outcome{scenario, fmt.Sprintf("%s, %s", result, map[bool]string{true: "killed", false: "finished"}[killed])}]++

				t0 = time.Now()
				r := s.limabar("list", "--json")
				inList += time.Since(t0)
				var list []listEntry
				if err := json.Unmarshal([]byte(r.stdout), &list); r.code != 0 || err != nil || len(list) != 1 {
					t.Fatalf("run %d: list --json: exit %d, %v: %s%s", run, r.code, err, r.stdout, r.stderr)
				}
				if got, want := list[0].Login.Enabled, result != "absent"; got != want {
					t.Errorf("run %d: list says login enabled=%v, want %v (file %s)", run, got, want, result)
				}
				if result == "new" && platform == "darwin" && len(list[0].Login.Problems) != 0 {
					// A kill between `launchctl disable` and the removal of
					// the file, or between the file and `launchctl enable`
					// after such a run, leaves launchd's disable override
					// on the new file: shown as such, and Repair clears it.
					override := len(list[0].Login.Problems) == 1 && list[0].Login.Problems[0].Code == "disabled-override"
					if !killed || !override {
						t.Errorf("run %d: got problems %v for the file LimaBar writes, want none", run, list[0].Login.Problems)
					}
				}
				if result == "new" && platform == "linux" {
					// The unit is whole; whether systemctl enable ran
					// before the kill shows as not-enabled, and only so.
					_, linkErr := os.Lstat(filepath.Join(agentDir, "default.target.wants", "lima-vm@default.service"))
					var codes []string
					for _, p := range list[0].Login.Problems {
						codes = append(codes, p.Code)
					}
					want := []string(nil)
					if linkErr != nil {
						want = []string{"not-enabled"}
					}
					if strings.Join(codes, ",") != strings.Join(want, ",") {
						t.Errorf("run %d: got problems %q, want %q (link: %v)", run, codes, want, linkErr)
					}
				}
				if result == "old" && len(list[0].Login.Problems) == 0 {
					t.Errorf("run %d: limactl's file shows no problems", run)
				}
			}
			// What is left beside the registration.
			entries, err := os.ReadDir(agentDir)
			if err != nil {
				t.Fatal(err)
			}
			temps := 0
			for _, e := range entries {
				switch {
				case e.Name() == filepath.Base(reg.path) || e.IsDir():
				case reg.tmpRE.MatchString(e.Name()):
					temps++
				default:
					t.Errorf("got %s left in %s, want only the registration and the engine's temporary files", e.Name(), agentDir)
				}
			}
			// The share of runs known to have been killed mid-write or
			// mid-command, and every point of every scenario hit.
			if inFlight*2 < killRuns {
				t.Errorf("got %d of %d runs killed while a write or a command was held in flight, want at least %d", inFlight, killRuns, (killRuns+1)/2)
			}
			for _, sc := range scenarios {
				for _, p := range points[sc] {
					if heldKills[sc+" at "+p] == 0 {
						t.Errorf("%s: never killed while %q was in flight", sc, p)
					}
				}
			}
			var lines []string
			for at, n := range heldKills {
				lines = append(lines, fmt.Sprintf("killed during %s: %d", at, n))
			}
			for o, n := range counts {
				lines = append(lines, fmt.Sprintf("%s → %s: %d", o.scenario, o.result, n))
			}
			sort.Strings(lines)
			t.Logf("seed %d, %d runs in %s (%s in the killed commands, %s in list; kill window %s): "+
				"%d killed before they ended, %d of them while a write or a command was held in flight; %d temporary files left behind\n%s",
				seed, killRuns, time.Since(began).Round(time.Millisecond), inRun.Round(time.Millisecond), inList.Round(time.Millisecond),
				window.Round(time.Millisecond), killedRuns, inFlight, temps, strings.Join(lines, "\n"))
		})
	}
}

// listEntry is the part of `limabar list --json` the fault tests read.
type listEntry struct {
	Name  string `json:"name"`
	Login struct {
		Enabled  bool `json:"enabled"`
		Problems []struct {
			Code string `json:"code"`
		} `json:"problems"`
	} `json:"login"`
	Boot struct {
		Enabled bool `json:"enabled"`
	} `json:"boot"`
}

// raceLimabar builds limabar with the race detector, for the concurrency
// test: the detector only sees races in code built with it. The folder is
// open to all, since the app runs as an unprivileged user.
func raceLimabar(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "limabar-e2e-race-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "limabar")
	began := time.Now()
	cmd := exec.Command("go", "build", "-race", "-tags", "testhooks", "-o", bin, "./app")
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -race -tags testhooks ./app: %v\n%s", err, out)
	}
	t.Logf("built limabar with -race in %s", time.Since(began).Round(time.Millisecond))
	return bin
}

// withBinary runs start with bins.limabar pointing at bin.
func withBinary(bin string, start func() *trayApp) *trayApp {
	old := bins.limabar
	bins.limabar = bin
	defer func() { bins.limabar = old }()
	return start()
}

// settledSwitches waits until no switch of the named instances is busy and
// the menu stays the same for three polls in a row, and returns it.
func settledSwitches(t *testing.T, app *trayApp, names []string, timeout time.Duration) menuNode {
	t.Helper()
	began := time.Now()
	var last string
	same := 0
	for {
		n := app.layout()
		var state strings.Builder
		busy := false
		for _, name := range names {
			for _, sw := range []string{"Start at Login", "Start at Boot"} {
				s := switchState(n, name, sw)
				if s < 0 {
					busy = true
				}
				fmt.Fprintf(&state, "%s/%s=%d ", name, sw, s)
			}
		}
		if !busy && state.String() == last {
			same++
			if same == 3 {
				return n
			}
		} else {
			same = 0
		}
		last = state.String()
		if time.Since(began) > timeout {
			t.Fatalf("the switches did not settle within %s:\n%s", timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// register clicks an instance's Start at Login and waits until the unit and
// its link are on disk and the menu has settled. Waiting for the checkmark
// alone is not enough: GTK flips the check of a clicked item by itself,
// before LimaBar has even seen the click.
func register(t *testing.T, w *trayWorld, app *trayApp, name string) {
	t.Helper()
	login, ok := app.layout().item(name, "Start at Login")
	if !ok {
		t.Fatalf("no Start at Login for %s:\n%s", name, app.layout())
	}
	app.click(login)
	units := filepath.Join(w.sd.ConfigHome, "systemd", "user")
	unit := "lima-vm@" + name + ".service"
	app.waitFor(name+" registered", 10*time.Second, func(n menuNode) bool {
		_, err1 := os.Stat(filepath.Join(units, unit))
		_, err2 := os.Lstat(filepath.Join(units, "default.target.wants", unit))
		return err1 == nil && err2 == nil
	})
	n := settledSwitches(t, app, []string{name}, 10*time.Second)
	if s := switchState(n, name, "Start at Login"); s != 1 {
		t.Fatalf("got %s's Start at Login %d after registering, want 1", name, s)
	}
}

// clickSeed makes the click order of the concurrency test repeatable.
const clickSeed = 20260102

// actionsDone reads the app's log: per instance, the kinds of the actions
// it carried out ("enable", "disable", …), in the order they ended. The
// actions of one instance run one after another, so this is also the order
// they ran in.
func actionsDone(t *testing.T, logFile string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	kind, inst := regexp.MustCompile(` action=(\S+)`), regexp.MustCompile(` instance=(\S+)`)
	out := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, `msg="action done"`) {
			continue
		}
		k, i := kind.FindStringSubmatch(line), inst.FindStringSubmatch(line)
		if k == nil || i == nil {
			t.Fatalf("an action without its kind or instance in the log: %q", line)
		}
		out[i[1]] = append(out[i[1]], k[1])
	}
	return out
}

// TestFaultTrayConcurrentClicks sends 500 clicks, in waves as fast as D-Bus
// carries them, spread over both switches of 20 instances, to a limabar built with
// the race detector, against the real systemd user manager. Afterwards
// every instance must have seen at least one action (the app's log says
// which it carried out; clicks on a busy switch are ignored), each
// instance's registration must be what the last of them asked for, every
// checkmark must equal what is on disk and what systemd reports, no click
// may have failed, and the race detector must have nothing to say.
func TestFaultTrayConcurrentClicks(t *testing.T) {
	bin := raceLimabar(t)
	w := newTrayWorld(t)
	limaHome := filepath.Join(w.sd.Home, ".lima")
	units := filepath.Join(w.sd.ConfigHome, "systemd", "user")
	var names []string
	for i := range 20 {
		name := fmt.Sprintf("c%02d", i)
		w.instance(limaHome, name, "images: []\n")
		names = append(names, name)
	}
	app := withBinary(bin, func() *trayApp { return w.start() })
	n, _ := app.waitFor("20 instances", 30*time.Second, func(n menuNode) bool {
		_, ok := n.instance(names[len(names)-1])
		return ok
	})
	var targets []menuNode
	for _, name := range names {
		for _, sw := range []string{"Start at Login", "Start at Boot"} {
			it, ok := n.item(name, sw)
			if !ok {
				t.Fatalf("no %q for %s:\n%s", sw, name, n)
			}
			targets = append(targets, it)
		}
	}

	// The clicks go in waves: a switch is disabled while its action runs,
	// and GTK drops clicks on a disabled item before LimaBar sees them, so
	// one burst of 500 would mostly hit busy switches.
	const clicks, waves, senders = 500, 5, 4
	rng := rand.New(rand.NewPCG(clickSeed, 0))
	order := make([]menuNode, clicks)
	for i := range order {
		order[i] = targets[rng.IntN(len(targets))]
	}
	began := time.Now()
	errs := make(chan error, clicks)
	per := clicks / waves
	for wave := range waves {
		var wg sync.WaitGroup
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := wave*per + s; i < (wave+1)*per; i += senders {
					call := app.menu.Call("com.canonical.dbusmenu.Event", 0, order[i].ID, "clicked", dbus.MakeVariant(""), uint32(0))
					if call.Err != nil {
						errs <- fmt.Errorf("click %d on %q: %w", i, order[i].Label, call.Err)
					}
				}
			}()
		}
		wg.Wait()
		time.Sleep(300 * time.Millisecond)
	}
	close(errs)
	sent := time.Since(began)
	for err := range errs {
		t.Error(err)
	}
	final := settledSwitches(t, app, names, 90*time.Second)
	t.Logf("%d clicks sent in %d waves in %s by %d senders (seed %d); settled %s after the first",
		clicks, waves, sent.Round(time.Millisecond), senders, clickSeed, time.Since(began).Round(time.Millisecond))

	acted := actionsDone(t, app.logFile)
	t.Run("every instance saw an action", func(t *testing.T) {
		for _, name := range names {
			if len(acted[name]) == 0 {
				t.Errorf("%s: no click led to an action; actions per instance: %v", name, acted)
			}
		}
	})
	t.Run("the final state is the last click's", func(t *testing.T) {
		for _, name := range names {
			var last string
			for _, k := range acted[name] {
				if k == "enable" || k == "disable" {
					last = k
				}
			}
			if last == "" {
				continue // reported above
			}
			_, err := os.Stat(filepath.Join(units, "lima-vm@"+name+".service"))
			if registered := err == nil; registered != (last == "enable") {
				t.Errorf("%s: got registered %v, but the last click carried out was %s (of %q)", name, registered, last, acted[name])
			}
		}
	})
	t.Run("checkmarks equal the disk and systemd", func(t *testing.T) {
		_, err := os.Stat(filepath.Join(w.root, "var", "lib", "systemd", "linger", w.sd.User))
		lingering := err == nil
		on := 0
		for _, name := range names {
			unit := "lima-vm@" + name + ".service"
			_, err := os.Stat(filepath.Join(units, unit))
			registered := err == nil
			login, boot := switchState(final, name, "Start at Login") == 1, switchState(final, name, "Start at Boot") == 1
			if want := registered && !lingering; login != want {
				t.Errorf("%s: got Start at Login %v, want %v (unit %v, lingering %v)", name, login, want, registered, lingering)
			}
			if want := registered && lingering; boot != want {
				t.Errorf("%s: got Start at Boot %v, want %v (unit %v, lingering %v)", name, boot, want, registered, lingering)
			}
			enabled := w.isEnabled(unit) == "enabled"
			if enabled != registered {
				t.Errorf("%s: systemctl --user is-enabled says enabled=%v, but the unit file exists=%v", name, enabled, registered)
			}
			if registered {
				on++
			}
		}
		t.Logf("at the end: %d of %d instances registered, lingering %v", on, len(names), lingering)
	})
	t.Run("no click failed", func(t *testing.T) {
		for _, l := range final.labels() {
			if strings.HasPrefix(l, "⚠") {
				t.Errorf("got failure line %q, want none", l)
			}
		}
	})
	t.Run("race detector", func(t *testing.T) {
		app.stop()
		out, err := os.ReadFile(app.log)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "DATA RACE") {
			t.Errorf("the race detector found races:\n%s", out)
		}
		logData, _ := os.ReadFile(app.logFile)
		t.Logf("actions carried out: %d; clicks ignored while the same switch was busy: %d",
			strings.Count(string(logData), "action done"), strings.Count(string(logData), "ignoring a click"))
	})
}

// listHold holds each `limactl list` of the tray's stub limactl while its
// hold file exists: the call announces its pid on the enter pipe and waits
// on a pipe of its own, go.PID, until the test writes a line to it. The
// menu cannot catch up with a change to LIMA_HOME while its list is held.
type listHold struct {
	dir     string
	entries chan string
}

// heldLimactl is the stub limactl behind the hold.
const heldLimactl = `#!/bin/sh
if [ "$1" = list ] && [ -e HOLD/hold ]; then
	mkfifo -m 666 HOLD/go.$$
	printf '%s\n' $$ > HOLD/enter
	read -r _ < HOLD/go.$$
	rm -f HOLD/go.$$
fi
exec STUB "$@"
`

func newListHold(t *testing.T, w *trayWorld) *listHold {
	t.Helper()
	h := &listHold{dir: filepath.Join(w.sd.Home, "hold"), entries: make(chan string, 16)}
	w.mkdir(h.dir)
	// The app's user makes its pipes here.
	if err := os.Chmod(h.dir, 0o777); err != nil {
		t.Fatal(err)
	}
	enter := filepath.Join(h.dir, "enter")
	if err := syscall.Mkfifo(enter, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(enter, 0o666); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(enter, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	go func() {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			h.entries <- sc.Text()
		}
	}()
	stub := filepath.Join(w.bin, "limactl-stub")
	w.write(stub, trayStubLimactl, 0o755)
	w.write(filepath.Join(w.bin, "limactl"), strings.NewReplacer("HOLD", h.dir, "STUB", stub).Replace(heldLimactl), 0o755)
	return h
}

// on holds every `limactl list` from now on.
func (h *listHold) on(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "hold"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wait returns the pids of the next n held calls.
func (h *listHold) wait(t *testing.T, n int) []string {
	t.Helper()
	var pids []string
	for len(pids) < n {
		select {
		case pid := <-h.entries:
			pids = append(pids, pid)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d held limactl list calls in 10s, want %d", len(pids), n)
		}
	}
	return pids
}

// off stops holding and lets the held calls go on.
func (h *listHold) off(t *testing.T, pids []string) {
	t.Helper()
	if err := os.Remove(filepath.Join(h.dir, "hold")); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		f, err := os.OpenFile(filepath.Join(h.dir, "go."+pid), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Write([]byte("\n"))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestFaultTrayInstanceRemoved removes instance folders while the menu is
// open: a click that reaches LimaBar before its menu caught up (its
// `limactl list` is held until then) fails with a message naming the
// instance, and nothing else changes; the app keeps running.
func TestFaultTrayInstanceRemoved(t *testing.T) {
	w := newTrayWorld(t)
	limaHome := filepath.Join(w.sd.Home, ".lima")
	units := filepath.Join(w.sd.ConfigHome, "systemd", "user")
	for _, name := range []string{"a1", "b2", "c3", "d4"} {
		w.instance(limaHome, name, "images: []\n")
	}
	hold := newListHold(t, w)
	app := w.start()
	n, _ := app.waitFor("four instances", 15*time.Second, func(n menuNode) bool {
		_, ok := n.instance("d4")
		return ok
	})
	// d4 starts at login, so that "nothing else changed" has something
	// to lose.
	register(t, w, app, "d4")
	n = app.layout()
	before := snapshot(t, units)

	t.Run("click reaching LimaBar before the menu caught up", func(t *testing.T) {
		login, ok := n.item("b2", "Start at Login")
		if !ok {
			t.Fatalf("no Start at Login for b2:\n%s", n)
		}
		// The menu's refresh after the removal and the click's own
		// question to limactl are both held: the click reaches LimaBar
		// while its menu still lists b2.
		hold.on(t)
		if err := os.RemoveAll(filepath.Join(limaHome, "b2")); err != nil {
			t.Fatal(err)
		}
		app.click(login)
		hold.off(t, hold.wait(t, 2))
		m, _ := app.waitFor("b2 gone from the menu and the click failed", 10*time.Second, func(n menuNode) bool {
			_, listed := n.instance("b2")
			return !listed && slices.ContainsFunc(n.labels(), func(l string) bool { return strings.HasPrefix(l, "⚠") })
		})
		if d := changes(before, snapshot(t, units)); len(d) != 0 {
			t.Errorf("registrations changed: %q", d)
		}
		var failures []string
		for _, l := range m.labels() {
			if strings.HasPrefix(l, "⚠") {
				failures = append(failures, l)
			}
		}
		t.Logf("the click failed with %q", failures)
		if len(failures) != 1 || !strings.Contains(failures[0], `no instance named "b2"`) {
			t.Errorf("got failure lines %q, want one that says b2 is gone", failures)
		}
	})

	t.Run("click on an item the menu has since given to another instance", func(t *testing.T) {
		n := app.layout()
		login, _ := n.item("a1", "Start at Login")
		if err := os.RemoveAll(filepath.Join(limaHome, "a1")); err != nil {
			t.Fatal(err)
		}
		app.waitFor("a1 gone from the menu", 10*time.Second, func(n menuNode) bool {
			_, ok := n.instance("a1")
			return !ok
		})
		// A panel that has not redrawn yet sends the id it showed for
		// a1's switch.
		app.click(login)
		time.Sleep(time.Second)
		if d := changes(before, snapshot(t, units)); len(d) != 0 {
			t.Errorf("a click meant for the removed a1 changed registrations: %q", d)
		}
	})

	t.Run("the app still answers", func(t *testing.T) {
		if app.exited() {
			t.Fatal("limabar exited")
		}
		m := app.layout()
		if _, ok := m.instance("c3"); !ok {
			t.Errorf("c3 is gone from the menu:\n%s", m)
		}
		if s := switchState(m, "d4", "Start at Login"); s != 1 {
			t.Errorf("got d4's Start at Login %d, want 1", s)
		}
	})
}

// TestFaultTrayLimaHomeDeleted deletes LIMA_HOME under the running app: the
// menu says that the folder is missing, the app keeps running and creates
// nothing, the registrations stay, and the instances come back when the
// folder does.
func TestFaultTrayLimaHomeDeleted(t *testing.T) {
	w := newTrayWorld(t)
	limaHome := filepath.Join(w.sd.Home, "vms")
	units := filepath.Join(w.sd.ConfigHome, "systemd", "user")
	w.instance(limaHome, "x1", "images: []\n")
	w.instance(limaHome, "x2", "images: []\n")
	app := w.start("LIMA_HOME=" + limaHome)
	app.waitFor("two instances", 15*time.Second, func(n menuNode) bool {
		_, ok := n.instance("x2")
		return ok
	})
	register(t, w, app, "x1")
	before := snapshot(t, w.sd.ConfigHome)

	if err := os.RemoveAll(limaHome); err != nil {
		t.Fatal(err)
	}
	m, took := app.waitFor("no instances", 5*time.Second, func(n menuNode) bool {
		_, ok := n.find("No Lima instances")
		return ok
	})
	t.Logf("LIMA_HOME gone: the menu says %q after %s", m.labels()[0], took.Round(time.Millisecond))
	t.Run("the menu names the missing LIMA_HOME", func(t *testing.T) {
		if !strings.Contains(m.labels()[0], limaHome) {
			t.Errorf("got %q, want a line naming the missing %s", m.labels()[0], limaHome)
		}
	})
	t.Run("nothing else changed", func(t *testing.T) {
		if d := changes(before, snapshot(t, w.sd.ConfigHome)); len(d) != 0 {
			t.Errorf("got changes %q, want none", d)
		}
		if _, err := os.Stat(limaHome); !os.IsNotExist(err) {
			t.Errorf("LIMA_HOME was made again: %v", err)
		}
		if _, err := os.Stat(filepath.Join(units, "lima-vm@x1.service")); err != nil {
			t.Errorf("x1's registration is gone: %v", err)
		}
	})
	t.Run("instances come back with LIMA_HOME", func(t *testing.T) {
		w.instance(limaHome, "x1", "images: []\n")
		_, took := app.waitFor("x1 back", 5*time.Second, func(n menuNode) bool {
			return switchState(n, "x1", "Start at Login") == 1
		})
		t.Logf("x1 back with its checkmark after %s", took.Round(time.Millisecond))
	})
	if app.exited() {
		t.Error("limabar exited")
	}
}
