package e2e

import (
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
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

// loadedState is what the fake launchctl holds in memory: the overrides and
// the loaded jobs.
func (s *sandbox) loadedState() []string {
	s.t.Helper()
	entries, err := os.ReadDir(s.env["FAKE_STATE"])
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// bugBootoutFirst is a defect of the removal script, found by the fault
// tests: it boots the daemon out before `launchctl disable`, and does not
// bootstrap it again when disable or rm fails, so a failed removal leaves
// the daemon on disk but unloaded until the next boot.
const bugBootoutFirst = "elevate/script.go RemoveScript: a failure after `launchctl bootout` does not load the daemon again"

// knownBug skips what fails because of a known defect, unless
// LIMABAR_KNOWN_BUGS=1.
func knownBug(t *testing.T, bug string) {
	t.Helper()
	if bug != "" && os.Getenv("LIMABAR_KNOWN_BUGS") != "1" {
		t.Skip("known bug (LIMABAR_KNOWN_BUGS=1 runs it): " + bug)
	}
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
		bug      string // a known defect that changes launchd's state
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
			want: []string{"privileged script", "launchctl disable"}, bug: bugBootoutFirst},
		{name: "darwin/disable boot/administrator prompt dismissed", platform: "darwin",
			setup: []string{"enable", "--condition=boot", "default"},
			args:  []string{"disable", "--condition=boot", "default"},
			env:   map[string]string{"FAKE_OSASCRIPT_CANCEL": "1"}, want: []string{"cancelled"}},

		{name: "linux/enable login/systemctl daemon-reload", platform: "linux",
			args: []string{"enable", "--condition=login", "default"}, fail: "daemon-reload",
			want: []string{"systemctl --user daemon-reload", "Access denied"}},
		{name: "linux/enable login/systemctl enable", platform: "linux",
			args: []string{"enable", "--condition=login", "default"}, fail: "enable",
			want: []string{"systemctl --user enable lima-vm@default.service", "Access denied"}},
		{name: "linux/disable login/systemctl disable", platform: "linux",
			setup: []string{"enable", "--condition=login", "default"},
			args:  []string{"disable", "--condition=login", "default"}, fail: "disable",
			want: []string{"systemctl --user disable lima-vm@default.service"}},
		{name: "linux/disable login/systemctl daemon-reload", platform: "linux",
			setup: []string{"enable", "--condition=login", "default"},
			args:  []string{"disable", "--condition=login", "default"}, fail: "daemon-reload",
			want: []string{"systemctl --user daemon-reload"}},
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
				knownBug(t, tc.bug)
				if got := s.loadedState(); strings.Join(got, " ") != strings.Join(loaded, " ") {
					t.Errorf("got launchd state %q, want %q as before", got, loaded)
				}
			})
		})
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

// fakeSlowLaunchctl is fakeLaunchctl with the same sleep.
var fakeSlowLaunchctl = strings.Replace(fakeLaunchctl, "#!/bin/sh\n", "#!/bin/sh\n[ -n \"${FAKE_SLEEP:-}\" ] && sleep \"$FAKE_SLEEP\"\n", 1)

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
		if out, err := exec.Command("chown", "-R", u.Uid+":"+u.Gid, s.dir).CombinedOutput(); err != nil {
			s.t.Fatalf("chown: %v: %s", err, out)
		}
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
	argv := append(append(append([]string{}, k.argv...), bins.limabar), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(k.s.environ(), extraEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	began := time.Now()
	if err := cmd.Start(); err != nil {
		k.s.t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	var timer *time.Timer
	if after > 0 {
		timer = time.AfterFunc(after, func() { cmd.Process.Signal(syscall.SIGKILL) })
	}
	err := cmd.Wait()
	took = time.Since(began)
	if timer != nil {
		timer.Stop()
	}
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
	deadline := time.Now().Add(10 * time.Second)
	for groupAlive(pgid) {
		if time.Now().After(deadline) {
			k.s.t.Fatalf("processes of group %d still running 10s after limabar ended", pgid)
		}
		time.Sleep(time.Millisecond)
	}
	return killed, took
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

// TestFaultKill9 kills `limabar enable` and `limabar disable` with SIGKILL
// at seeded random moments, killRuns times per platform. After each kill the
// registration must be the old file or the new one, whole and parseable,
// never a partial one; the only leftovers allowed are the engine's
// dot-prefixed temporary files; and `limabar list` must agree with the files.
func TestFaultKill9(t *testing.T) {
	seed := killSeed(t)
	for _, platform := range []string{"linux", "darwin"} {
		t.Run(platform, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(len(platform))))
			s := newSandbox(t, platform)
			s.instance("default")
			reg := registration{}
			var agentDir string
			if platform == "linux" {
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
				s.writeExe(filepath.Join(s.fakes, "launchctl"), fakeSlowLaunchctl)
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

			type outcome struct{ scenario, result string }
			counts := map[outcome]int{}
			killedRuns := 0
			var inRun, inList time.Duration
			began := time.Now()
			for run := range killRuns {
				scenario := []string{"enable over nothing", "enable over limactl's file", "disable"}[rng.IntN(3)]
				// The starting state, written as limactl or an earlier
				// LimaBar would have left it.
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
				args := []string{"enable", "--condition=login", "default"}
				if scenario == "disable" {
					args[0] = "disable"
				}
				delay := time.Duration(rng.Int64N(int64(window))) + time.Millisecond
				sleep := fmt.Sprintf("FAKE_SLEEP=0.00%d", 1+rng.IntN(9))
				t0 := time.Now()
				killed, _ := k.run(delay, []string{sleep}, args...)
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
					t.Fatalf("run %d (%s, killed after %s): the registration is neither the old nor the new file:\n%s", run, scenario, delay, data)
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
				if !contains(allowed, result) {
					t.Errorf("run %d (%s, killed after %s): got %s, want one of %q", run, scenario, delay, result, allowed)
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
					t.Errorf("run %d: got problems %v for the file LimaBar writes, want none", run, list[0].Login.Problems)
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
			var lines []string
			for o, n := range counts {
				lines = append(lines, fmt.Sprintf("%s → %s: %d", o.scenario, o.result, n))
			}
			sort.Strings(lines)
			t.Logf("seed %d, %d runs in %s (%s in the killed commands, %s in list; kill window %s): "+
				"%d killed before they ended, %d temporary files left behind\n%s",
				seed, killRuns, time.Since(began).Round(time.Millisecond), inRun.Round(time.Millisecond), inList.Round(time.Millisecond),
				window.Round(time.Millisecond), killedRuns, temps, strings.Join(lines, "\n"))
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
