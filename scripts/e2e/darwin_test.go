//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
	"github.com/limabar/limabar/scripts/testenv"
	"howett.net/plist"
)

// golden reads testdata/NAME and fills in the sandbox's paths.
func (s *sandbox) golden(name string, vars map[string]string) string {
	s.t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		s.t.Fatal(err)
	}
	r := []string{"@HOME@", s.home, "@LIMACTL_DIR@", filepath.Dir(s.limactl)}
	for k, v := range vars {
		r = append(r, k, v)
	}
	return strings.NewReplacer(r...).Replace(string(data))
}

func (s *sandbox) listJSON() []map[string]any {
	s.t.Helper()
	r := s.limabar("list", "--json")
	if r.code != 0 {
		s.t.Fatalf("list --json: exit %d: %s", r.code, r.stderr)
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		s.t.Fatalf("list --json printed invalid JSON: %v\n%s", err, r.stdout)
	}
	return out
}

func cond(inst map[string]any, c string) map[string]any { return inst[c].(map[string]any) }

// TestDarwinModeLogin is macOS mode in the sandbox (newSandbox).
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinModeLogin(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	agent := filepath.Join(s.home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")

	r := s.limabar("enable", "--condition=login", "default")
	if r.code != 0 {
		t.Fatalf("enable: exit %d: %s", r.code, r.stderr)
	}
	got, err := os.ReadFile(agent)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.golden("agent.plist", nil); string(got) != want {
		t.Errorf("LaunchAgent differs from testdata/agent.plist:\n%s", got)
	}
	var decoded map[string]any
	if _, err := plist.Unmarshal(got, &decoded); err != nil {
		t.Fatalf("plist does not decode: %v", err)
	}
	uid, _ := strconv.Atoi(s.runsAs().Uid)
	wantCalls := []string{
		"limactl list --json",
		"launchctl enable gui/" + itoa(uid) + "/io.lima-vm.autostart.default",
	}
	if c := s.calls(); !reflect.DeepEqual(c, wantCalls) {
		t.Errorf("calls:\n got %q\nwant %q", c, wantCalls)
	}

	list := s.listJSON()
	if len(list) != 1 || list[0]["name"] != "default" || cond(list[0], "login")["enabled"] != true || cond(list[0], "boot")["enabled"] != false {
		t.Errorf("list --json = %v", list)
	}
	if p := cond(list[0], "login")["problems"].([]any); len(p) != 0 {
		t.Errorf("problems after enable: %v", p)
	}
	s.calls()

	r = s.limabar("disable", "--condition=login", "default")
	if r.code != 0 {
		t.Fatalf("disable: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(agent); !os.IsNotExist(err) {
		t.Error("agent still there after disable")
	}
	wantCalls = []string{
		"limactl list --json",
		"launchctl disable gui/" + itoa(uid) + "/io.lima-vm.autostart.default",
	}
	if c := s.calls(); !reflect.DeepEqual(c, wantCalls) {
		t.Errorf("calls:\n got %q\nwant %q", c, wantCalls)
	}
}

// TestDarwinModeLaunchctlFailureRollsBack is macOS mode in the sandbox
// (newSandbox).
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinModeLaunchctlFailureRollsBack(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	s.env["FAKE_FAIL"] = "enable"
	r := s.limabar("enable", "--condition=login", "default")
	if r.code == 0 || !strings.Contains(r.stderr, `"default"`) || !strings.Contains(r.stderr, "Input/output error") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if f := files(t, s.home); !reflect.DeepEqual(f, []string{".lima/default/lima.yaml"}) {
		t.Errorf("files after a failed enable: %q", f)
	}
}

// TestDarwinModeAsRoot is a configuration tool or `sudo limabar` over SSH:
// no prompt, the script runs directly, and --user is required.
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinModeAsRoot(t *testing.T) {
	testenv.Need(t, os.Geteuid() == 0, "running limabar as root (no prompt, --user required) needs root")
	s := newSandbox(t, "darwin")
	s.asRoot = true
	s.instance("default")
	s.env["LIMA_HOME"] = s.limaHome
	daemon := filepath.Join(s.root, "Library", "LaunchDaemons", "io.lima-vm.daemon.default.plist")
	os.MkdirAll(filepath.Dir(daemon), 0o755)
	r := s.limabar("enable", "--condition=boot", "default")
	if r.code != 2 || !strings.Contains(r.stderr, "--user") {
		t.Errorf("without --user: exit %d, stderr %q", r.code, r.stderr)
	}
	u, _ := user.Lookup(unprivileged)
	r = s.limabar("enable", "--condition=boot", "--user", u.Username, "default")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(daemon)
	if err != nil {
		t.Fatal(err)
	}
	want := s.golden("daemon-other-user.plist", map[string]string{"@USER@": u.Username, "@USER_HOME@": u.HomeDir})
	if string(data) != want {
		t.Errorf("daemon differs from testdata/daemon-other-user.plist:\n%s", data)
	}
	if strings.Contains(strings.Join(s.calls(), "\n"), "osascript") {
		t.Error("root was prompted for a password")
	}
	fi, err := os.Stat(daemon)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("daemon mode: %v %v", fi, err)
	}
}

// TestDarwinModeBoot is macOS mode in the sandbox (newSandbox).
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinModeBoot(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	u := s.runsAs()
	if u.Uid == "0" {
		t.Fatal("the boot test needs to run limabar as an ordinary user")
	}
	daemon := filepath.Join(s.root, "Library", "LaunchDaemons", "io.lima-vm.daemon.default.plist")
	os.MkdirAll(filepath.Dir(daemon), 0o755)

	t.Run("root refused", func(t *testing.T) {
		r := s.limabar("enable", "--condition=boot", "--user", "root", "default")
		if r.code == 0 || !strings.Contains(r.stderr, "root") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if f := files(t, s.root); len(f) != 0 {
			t.Errorf("files written: %q", f)
		}
	})
	s.calls()

	t.Run("cancelled", func(t *testing.T) {
		s.env["FAKE_OSASCRIPT_CANCEL"] = "1"
		defer delete(s.env, "FAKE_OSASCRIPT_CANCEL")
		r := s.limabar("enable", "--condition=boot", "default")
		if r.code == 0 || !strings.Contains(r.stderr, "cancelled") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if f := files(t, s.root); len(f) != 0 {
			t.Errorf("files written: %q", f)
		}
		if strings.Count(strings.Join(s.calls(), "\n"), "osascript") != 1 {
			t.Error("want exactly one administrator prompt")
		}
	})

	t.Run("installed", func(t *testing.T) {
		r := s.limabar("enable", "--condition=boot", "default")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		got, err := os.ReadFile(daemon)
		if err != nil {
			t.Fatal(err)
		}
		if want := s.golden("daemon.plist", map[string]string{"@USER@": u.Username}); string(got) != want {
			t.Errorf("LaunchDaemon differs from testdata/daemon.plist:\n%s", got)
		}
		if fi, _ := os.Stat(daemon); fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v", fi.Mode())
		}
		calls := s.calls()
		want := []string{
			"limactl list --json",
			"osascript prompt=LimaBar wants to make default start at boot.",
			"plutil -lint ",
			"chown root:wheel ",
			"launchctl bootout system/io.lima-vm.daemon.default",
			"launchctl print system/io.lima-vm.daemon.default",
			"launchctl enable system/io.lima-vm.daemon.default",
			"launchctl bootstrap system " + daemon,
		}
		wantCallPrefixes(t, calls, want)
		// launchd runs the daemon, as bootstrap with RunAtLoad does.
		m, _ := s.launchd()
		if j, ok := m.Job("system/io.lima-vm.daemon.default"); !ok || j.State != launchdmodel.Running {
			t.Errorf("daemon in launchd: %+v, loaded %v; want running", j, ok)
		}
		// The stand-in dialog cannot make the script root, so the file
		// belongs to the user and the status must say launchd would refuse
		// it; that is the only problem.
		list := s.listJSON()
		b := cond(list[0], "boot")
		ps := b["problems"].([]any)
		if b["enabled"] != true || len(ps) != 1 || ps[0].(map[string]any)["code"] != "owner" {
			t.Errorf("boot = %v", b)
		}
		if l := cond(list[0], "login"); l["enabled"] != false {
			t.Errorf("login = %v", l)
		}
	})

	t.Run("disabled while its VM runs", func(t *testing.T) {
		haPID := filepath.Join(s.limaHome, "default", "ha.pid")
		if err := os.WriteFile(haPID, []byte("4242\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(haPID)
		s.calls()
		m, _ := s.launchd()
		before, _ := m.Job("system/io.lima-vm.daemon.default")
		r := s.limabar("disable", "--condition=boot", "default")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if want := "default will no longer start at boot; the VM keeps running until it is stopped\n"; r.stdout != want {
			t.Errorf("stdout %q, want %q", r.stdout, want)
		}
		if _, err := os.Stat(daemon); !os.IsNotExist(err) {
			t.Error("daemon still there")
		}
		want := []string{
			"limactl list --json",
			"launchctl print system/io.lima-vm.daemon.default",
			"osascript prompt=LimaBar wants to stop default from starting at boot.",
			"launchctl disable system/io.lima-vm.daemon.default",
		}
		if got := s.calls(); !slices.Equal(got, want) {
			t.Errorf("calls:\n got %q\nwant %q", got, want)
		}
		m, c := s.launchd()
		if j, ok := m.Job("system/io.lima-vm.daemon.default"); !ok || j.State != launchdmodel.Running || j.PID != before.PID {
			t.Errorf("daemon in launchd: %+v, loaded %v; want the same process %d still running", j, ok, before.PID)
		}
		// The VM stops (limactl stop): the job exits and stays down.
		if err := m.ProcessExits("system/io.lima-vm.daemon.default", 0); err != nil {
			t.Fatal(err)
		}
		s.saveLaunchd(m, c)
	})

	t.Run("failing bootstrap leaves nothing", func(t *testing.T) {
		s.env["FAKE_FAIL"] = "bootstrap"
		defer delete(s.env, "FAKE_FAIL")
		r := s.limabar("enable", "--condition=boot", "default")
		if r.code == 0 {
			t.Fatal("enable succeeded although bootstrap failed")
		}
		if f := files(t, s.root); len(f) != 0 {
			t.Errorf("files left: %q", f)
		}
	})

	t.Run("failing plutil leaves nothing", func(t *testing.T) {
		s.env["FAKE_FAIL"] = "plutil"
		defer delete(s.env, "FAKE_FAIL")
		r := s.limabar("enable", "--condition=boot", "default")
		if r.code == 0 {
			t.Fatal("enable succeeded although plutil failed")
		}
		if f := files(t, s.root); len(f) != 0 {
			t.Errorf("files left: %q", f)
		}
	})
}

// TestDarwinModeSessions is macOS mode in the sandbox (newSandbox).
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinModeSessions(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		s := newSandbox(t, "darwin")
		s.instance("default")
		s.env["LIMABAR_TEST_SESSION"] = "none"
		r := s.limabar("enable", "--condition=boot", "default")
		if r.code == 0 || !strings.Contains(r.stderr, "sudo") {
			t.Errorf("no session: exit %d, stderr %q", r.code, r.stderr)
		}
		if f := files(t, s.root); len(f) != 0 {
			t.Errorf("files written: %q", f)
		}
	})
	t.Run("tty", testDarwinModeTTY)
}

// fakeSudo stands in for sudo on a terminal: it logs one line for the
// calls, keeps its whole argv in FAKE_STATE/sudo.argv (the argument count,
// then each argument, each ended by a NUL, so that the multi-line script
// survives), and runs the command as the password would, root to the fake
// launchctl.
const fakeSudo = `#!/bin/sh
printf 'sudo %s %s SCRIPT\n' "$1" "$2" >> "$FAKE_LOG"
printf '%s\0' "$#" "$@" > "$FAKE_STATE/sudo.argv"
export FAKE_EUID=0
exec "$@"
`

// sudoArgv reads what the fake sudo was asked to run last.
func (s *sandbox) sudoArgv() []string {
	s.t.Helper()
	data, err := os.ReadFile(filepath.Join(s.env["FAKE_STATE"], "sudo.argv"))
	if err != nil {
		s.t.Fatalf("sudo was not run: %v", err)
	}
	parts := strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
	if n, err := strconv.Atoi(parts[0]); err != nil || n != len(parts)-1 {
		s.t.Fatalf("got a corrupt sudo argv record %q", data)
	}
	return parts[1:]
}

// testDarwinModeTTY is a Mac reached over SSH: no desktop, a terminal.
// Boot goes through sudo with the one script, as `sudo /bin/sh -c SCRIPT`
// and nothing else on sudo's command line; no dialog is shown.
func testDarwinModeTTY(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	s.env["LIMABAR_TEST_SESSION"] = "tty"
	s.writeExe(filepath.Join(s.fakes, "sudo"), fakeSudo)
	u := s.runsAs()
	daemons := filepath.Join(s.root, "Library", "LaunchDaemons")
	daemon := filepath.Join(daemons, "io.lima-vm.daemon.default.plist")
	os.MkdirAll(daemons, 0o755)

	r := s.limabar("enable", "--condition=boot", "default")
	if r.code != 0 {
		t.Fatalf("enable: exit %d: %s", r.code, r.stderr)
	}
	got, err := os.ReadFile(daemon)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.golden("daemon.plist", map[string]string{"@USER@": u.Username}); string(got) != want {
		t.Errorf("LaunchDaemon differs from testdata/daemon.plist:\n%s", got)
	}
	calls := s.calls()
	want := []string{
		"limactl list --json",
		"sudo /bin/sh -c SCRIPT",
		"plutil -lint ",
		"chown root:wheel ",
		"launchctl bootout system/io.lima-vm.daemon.default",
		"launchctl print system/io.lima-vm.daemon.default",
		"launchctl enable system/io.lima-vm.daemon.default",
		"launchctl bootstrap system " + daemon,
	}
	wantCallPrefixes(t, calls, want)
	argv := s.sudoArgv()
	if len(argv) != 3 || argv[0] != "/bin/sh" || argv[1] != "-c" {
		t.Fatalf("got sudo argv %q, want /bin/sh -c SCRIPT", argv)
	}
	for _, line := range []string{
		"\ntmp=$('mktemp' '" + daemons + "/.io.lima-vm.daemon.default.plist.XXXXXX') || fail 'mktemp'\n",
		"\n'chown' 'root:wheel' \"$tmp\" || fail 'chown'\n",
		"\n'mv' '-f' \"$tmp\" '" + daemon + "' || fail 'mv'\n",
		"\nuntil out=$('launchctl' 'bootstrap' 'system' '" + daemon + "' 2>&1); do\n",
	} {
		if !strings.Contains(argv[2], line) {
			t.Errorf("the script sudo ran lacks %q:\n%s", line, argv[2])
		}
	}
	if !strings.HasPrefix(argv[2], "umask 022\n") {
		t.Errorf("the script sudo ran does not start with the umask:\n%s", argv[2])
	}

	// The VM was stopped: the job is loaded but not running, and turning
	// boot off unloads it.
	m, c := s.launchd()
	if err := m.ProcessExits("system/io.lima-vm.daemon.default", 0); err != nil {
		t.Fatal(err)
	}
	s.saveLaunchd(m, c)
	r = s.limabar("disable", "--condition=boot", "default")
	if r.code != 0 {
		t.Fatalf("disable: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(daemon); !os.IsNotExist(err) {
		t.Errorf("got %v, want the daemon removed", err)
	}
	want = []string{
		"limactl list --json",
		"sudo /bin/sh -c SCRIPT",
		"launchctl disable system/io.lima-vm.daemon.default",
		"launchctl bootout system/io.lima-vm.daemon.default",
	}
	if got := s.calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls:\n got %q\nwant %q", got, want)
	}
	wantArgv := []string{"/bin/sh", "-c", "umask 022\nset -eu\nfail() { printf 'limabar: %s failed\\n' \"$1\" >&2; exit 1; }\n" +
		"'launchctl' 'disable' 'system/io.lima-vm.daemon.default' || fail 'launchctl disable'\n" +
		"'launchctl' 'bootout' 'system/io.lima-vm.daemon.default' >/dev/null 2>&1 || :\n" +
		"'rm' '-f' '" + daemon + "' || fail 'rm'\n"}
	if got := s.sudoArgv(); !reflect.DeepEqual(got, wantArgv) {
		t.Errorf("got sudo argv\n%q\nwant\n%q", got, wantArgv)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// wantCallPrefixes checks that the fakes recorded exactly len(want) calls,
// each starting with its want (arguments such as temporary paths vary).
func wantCallPrefixes(t *testing.T, calls, want []string) {
	t.Helper()
	if len(calls) != len(want) {
		t.Fatalf("calls:\n got %q\nwant %q", calls, want)
	}
	for i := range want {
		if !strings.HasPrefix(calls[i], want[i]) {
			t.Errorf("call %d = %q, want %q…", i, calls[i], want[i])
		}
	}
}
