//go:build linux

// Package e2e runs the real limabar binary (built with -tags testhooks)
// against stand-ins or real systems; each test's doc comment says which it
// uses. Of its 56 tests:
//
//   - 21 run in the sandbox (newSandbox), where everything LimaBar calls is
//     a stand-in that records what it was asked: limactl (stubLimactl), and
//     in macOS mode launchctl (the launchd model), plutil, osascript and
//     chown, in Linux mode systemctl and loginctl (fakeSystemctl,
//     fakeLoginctl). No service manager runs.
//   - 27 run in the tray's world (newTrayWorld): a real systemd user
//     manager, a test session bus and Xvfb, with the app's menu read and
//     clicked over D-Bus as a panel does, and stand-ins for limactl and
//     loginctl (and, where a test needs them, the notification server, the
//     panel's StatusNotifierWatcher and xdg-open). Five of them run macOS
//     mode there, with the launchctl stand-in (two of those with a stand-in
//     of Lima 2.2's limactl); three use Lima's limactl, two of those
//     (TestColimaTray, TestColimaBrewServicesTakeOver) with Colima's
//     colima beside it, which fails for want of QEMU.
//   - 5 run against a real systemd user manager alone: three with Lima's
//     own limactl, two with a stand-in for it.
//   - TestDebInstallAndPurge installs the built .deb with the real apt-get
//     and runs it as a user, TestScreenshotScript runs scripts/screenshot.sh
//     in the world it makes (a stub limactl, Xvfb, trayer), and
//     TestShippedBinaryHasNoTestHooks only builds and reads binaries.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

// bins holds the binaries built once for the whole package.
var bins struct {
	limabar   string
	osascript string
	launchctl string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "limabar-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Folders other users (nobody, for limactl) must traverse.
	os.Chmod(dir, 0o755)
	code := func() int {
		defer os.RemoveAll(dir)
		root := repoRoot()
		bins.limabar = filepath.Join(dir, "limabar")
		bins.osascript = filepath.Join(dir, "osascript")
		bins.launchctl = filepath.Join(dir, "launchctl")
		// limabar with its test-only switches (LIMABAR_TEST_PLATFORM, …),
		// which the shipped binary does not have.
		for _, b := range []struct{ out, pkg string }{
			{bins.limabar, "./app"},
			{bins.osascript, "./scripts/e2e/fakes/osascript"},
			{bins.launchctl, "./scripts/e2e/fakes/launchctl"},
		} {
			cmd := exec.Command("go", "build", "-tags", "testhooks", "-o", b.out, b.pkg)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", b.pkg, err, out)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// sandbox is one user's world: a home, a LIMA_HOME with instances, a test
// root for system-wide paths, and a folder of fake tools first on PATH.
type sandbox struct {
	t        *testing.T
	dir      string
	home     string
	limaHome string
	root     string
	fakes    string
	log      string // what the fakes and the stub limactl were asked
	limactl  string
	env      map[string]string
	// asRoot runs limabar as root; otherwise, when the test runs as root,
	// limabar runs as nobody, as an ordinary user would run it.
	asRoot bool
}

func newSandbox(t *testing.T, platform string) *sandbox {
	t.Helper()
	dir, err := os.MkdirTemp("", "limabar-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &sandbox{
		t:        t,
		dir:      dir,
		home:     filepath.Join(dir, "home"),
		root:     filepath.Join(dir, "root"),
		fakes:    filepath.Join(dir, "fakes"),
		log:      filepath.Join(dir, "calls.log"),
		limaHome: filepath.Join(dir, "home", ".lima"),
	}
	for _, d := range []string{s.home, s.root, s.fakes, s.limaHome} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.limactl = filepath.Join(dir, "lima", "bin", "limactl")
	s.writeExe(s.limactl, stubLimactl(s.log))
	s.env = map[string]string{
		"HOME":                  s.home,
		"PATH":                  s.fakes + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LIMACTL":               s.limactl,
		"XDG_CONFIG_HOME":       filepath.Join(s.home, ".config"),
		"XDG_STATE_HOME":        filepath.Join(s.home, ".local", "state"),
		"LIMABAR_TEST_ROOT":     s.root,
		"LIMABAR_TEST_PLATFORM": platform,
		"FAKE_LOG":              s.log,
		"FAKE_STATE":            filepath.Join(dir, "fake-state"),
	}
	os.MkdirAll(s.env["FAKE_STATE"], 0o755)
	if platform == "darwin" {
		s.copyExe(bins.launchctl, "launchctl")
		s.writeExe(filepath.Join(s.fakes, "plutil"), fakePlutil)
		s.writeExe(filepath.Join(s.fakes, "chown"), fakeChown)
		s.copyExe(bins.osascript, "osascript")
	}
	return s
}

// copyExe puts the program at src into the fakes folder as name.
func (s *sandbox) copyExe(src, name string) {
	s.t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		s.t.Fatal(err)
	}
	s.writeExe(filepath.Join(s.fakes, name), string(data))
}

// modelPath is where the fake launchctl keeps the launchd model.
func (s *sandbox) modelPath() string { return filepath.Join(s.env["FAKE_STATE"], "launchd.json") }

// launchd reads the launchd model the fake launchctl keeps.
func (s *sandbox) launchd() (*launchdmodel.Model, *launchdmodel.OffsetClock) {
	s.t.Helper()
	m, c, err := launchdmodel.LoadFile(s.modelPath())
	if err != nil {
		s.t.Fatal(err)
	}
	return m, c
}

// saveLaunchd writes the model back for the fake launchctl, readable and
// writable by the user limabar runs as.
func (s *sandbox) saveLaunchd(m *launchdmodel.Model, c *launchdmodel.OffsetClock) {
	s.t.Helper()
	if err := launchdmodel.SaveFile(s.modelPath(), m, c); err != nil {
		s.t.Fatal(err)
	}
	os.Chmod(s.modelPath(), 0o666)
}

// virtualSleep puts the fake launchctl in as sleep too: the privileged
// script's pauses then move the model's clock instead of waiting.
func (s *sandbox) virtualSleep() { s.copyExe(bins.launchctl, "sleep") }

func (s *sandbox) writeExe(path, content string) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		s.t.Fatal(err)
	}
}

// instance makes an instance folder as limactl would, with a lima.yaml.
func (s *sandbox) instance(name string) string {
	s.t.Helper()
	dir := filepath.Join(s.limaHome, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lima.yaml"), []byte("images: []\n"), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return dir
}

func (s *sandbox) environ() []string {
	var env []string
	for k, v := range s.env {
		env = append(env, k+"="+v)
	}
	return env
}

type result struct {
	stdout, stderr string
	code           int
}

// unprivileged is the account limabar runs as when the tests run as root.
const unprivileged = "nobody"

// runsAs is the user limabar runs as.
func (s *sandbox) runsAs() *user.User {
	s.t.Helper()
	name := unprivileged
	if s.asRoot || os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			s.t.Fatal(err)
		}
		return u
	}
	u, err := user.Lookup(name)
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// limabar runs the real binary.
func (s *sandbox) limabar(args ...string) result {
	s.t.Helper()
	argv := append([]string{bins.limabar}, args...)
	if os.Geteuid() == 0 && !s.asRoot {
		u := s.runsAs()
		// The sandbox belongs to the user, as a home does.
		chownTree(s.t, s.dir, u)
		argv = append([]string{"setpriv", "--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = s.environ()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			s.t.Fatalf("limabar %q: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// calls returns what the fakes recorded, a line each, and forgets it.
func (s *sandbox) calls() []string {
	s.t.Helper()
	data, err := os.ReadFile(s.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		s.t.Fatal(err)
	}
	os.Remove(s.log)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// files lists every file under dir, relative, for "nothing was written"
// checks.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// stubLimactl lists the instance folders of LIMA_HOME as limactl would
// (Running when ha.pid exists) and records every call in log.
func stubLimactl(log string) string {
	return `#!/bin/sh
printf 'limactl %s\n' "$*" >> '` + log + `'
home="${LIMA_HOME:-$HOME/.lima}"
case "$1" in
list)
	case "${STUB_LIMACTL_MODE:-}" in
	garbage) echo 'time="2026-01-01" level=fatal msg="oops"'; exit 0 ;;
	hang) exec sleep 3600 ;;
	fail) echo 'level=fatal msg="cannot list"' >&2; exit 1 ;;
	esac
	for d in "$home"/*/; do
		[ -f "$d/lima.yaml" ] || continue
		n=$(basename "$d")
		st=Stopped
		[ -f "$d/ha.pid" ] && st=Running
		printf '{"name":"%s","status":"%s","dir":"%s"}\n' "$n" "$st" "${d%/}"
	done
	;;
start | stop) ;;
*) echo "stub limactl: unknown command $1" >&2; exit 1 ;;
esac
`
}

// fakePlutil checks a plist with libplist's plistutil, as plutil -lint would.
const fakePlutil = `#!/bin/sh
printf 'plutil %s\n' "$*" >> "$FAKE_LOG"
[ "$1" = -lint ] || exit 2
case " ${FAKE_FAIL:-} " in *" plutil "*) echo "$2: Encountered unknown tag" >&2; exit 1 ;; esac
plistutil -i "$2" -o /dev/null >/dev/null 2>&1 || { echo "$2: invalid" >&2; exit 1; }
echo "$2: OK"
`

// fakeChown records the call; Linux has no wheel group, and the tests do not
// run as root everywhere.
const fakeChown = `#!/bin/sh
printf 'chown %s\n' "$*" >> "$FAKE_LOG"
exit 0
`

// chownTree gives the tree at dir to u, as chown -R does, except that an
// entry that goes while it is walked is not an error: a fake launchctl
// left running by a killed limabar may still be replacing its state file.
func chownTree(t *testing.T, dir string, u *user.User) {
	t.Helper()
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		t.Fatalf("user %s has no numeric uid or gid", u.Username)
	}
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			err = os.Lchown(p, uid, gid)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatalf("chown %s: %v", dir, err)
	}
}
