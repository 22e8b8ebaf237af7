package macos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/limabar/limabar/app/cli"
)

// The command line's runs of every subcommand: each Usage command has at
// least one (TestCommandLineNeverOpensTheNotificationCenter fails on a
// command missing here). enable and disable get a name that is refused
// before anything is touched, or --dry-run, so that a run on a Mac changes
// nothing there.
var cliRuns = [][]string{
	{"list"}, {"list", "--json"}, {"list", "--help"},
	{"enable", "bad/name"}, {"enable", "--dry-run", "default"}, {"enable", "--condition=boot", "--dry-run", "--json", "default"},
	{"disable", "bad/name"}, {"disable", "--dry-run", "default"}, {"disable", "--all", "--dry-run"},
	{"doctor"}, {"doctor", "--json"}, {"doctor", "--fix", "--dry-run"},
	{"version"}, {"version", "--json"},
	{"help"}, {"help", "doctor"},
	{"no-such-command"},
}

// buildWithHooks builds pkg (relative to the module) with the test-only
// switches.
func buildWithHooks(t *testing.T, pkg string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-tags", "testhooks", "-o", exe, pkg)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return exe
}

// runWithStandIn runs exe with the stand-in notification center that ends
// the process when it is opened, and returns its exit status and output.
func runWithStandIn(t *testing.T, exe string, cred *syscall.Credential, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(env, CenterVarName+"=fail")
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), out.String()
	}
	t.Fatalf("%s %q: %v", exe, args, err)
	return 0, ""
}

// CenterVarName and the status are centerhook_testhooks.go's, repeated
// here because this file is built without the tag.
const (
	CenterVarName     = "LIMABAR_TEST_NOTIFICATION_CENTER"
	centerTouchedExit = 97
	centerMarker      = "limabar: the notification center was opened"
)

// TestTheStandInCenterSeesAProcessThatOpensIt is the stand-in's own
// proof: a program that builds the Mac desktop, as the menu-bar app does,
// ends with its status and message.
func TestTheStandInCenterSeesAProcessThatOpensIt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	exe := buildWithHooks(t, "./app/macos/testdata/opendesktop")
	code, out := runWithStandIn(t, exe, nil, os.Environ())
	if code != centerTouchedExit || !strings.Contains(out, centerMarker) {
		t.Fatalf("exit %d, output %q: want %d and %q", code, out, centerTouchedExit, centerMarker)
	}
}

// TestCommandLineNeverOpensTheNotificationCenter runs every subcommand of
// the real limabar, in macOS mode and in Linux mode, with a stand-in
// notification center that ends the process when anything opens it: outside
// an app bundle the real one would end it too ("bundleProxyForCurrentProcess
// is nil", macnotify's testdata), and `limabar list` is never in one.
func TestCommandLineNeverOpensTheNotificationCenter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds limabar")
	}
	var commands []string
	for _, line := range strings.Split(cli.Usage, "\n") {
		// "  limabar list [--json]  …"; "  limabar      run the
		// menu-bar app" is the app.
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "limabar ")
		if !ok || strings.HasPrefix(rest, " ") {
			continue
		}
		if c := strings.Fields(rest)[0]; !strings.HasPrefix(c, "-") && !slices.Contains(commands, c) {
			commands = append(commands, c)
		}
	}
	for _, c := range commands {
		if !slices.ContainsFunc(cliRuns, func(args []string) bool { return args[0] == c }) {
			t.Errorf("no run of %q, a command of cli.Usage", c)
		}
	}
	exe := buildWithHooks(t, "./app")
	for _, platform := range []string{"darwin", "linux"} {
		t.Run(platform, func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range []string{"home/.lima", "root", "bin", "run"} {
				if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			// A limactl that lists no instance, so that list and doctor
			// run to their end.
			limactl := filepath.Join(dir, "bin", "limactl")
			if err := os.WriteFile(limactl, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			bin := copyExecutable(t, exe, filepath.Join(dir, "bin", "limabar"))
			// As root, limabar refuses most commands: they run as an
			// unprivileged account then.
			cred := unprivileged(t, dir)
			env := []string{
				"HOME=" + filepath.Join(dir, "home"),
				"LIMA_HOME=" + filepath.Join(dir, "home", ".lima"),
				"PATH=" + filepath.Join(dir, "bin"),
				"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
				"SHELL=/bin/sh",
				"LIMABAR_TEST_PLATFORM=" + platform,
				"LIMABAR_TEST_ROOT=" + filepath.Join(dir, "root"),
				"LIMABAR_TEST_SESSION=gui",
			}
			for _, args := range cliRuns {
				code, out := runWithStandIn(t, bin, cred, env, args...)
				t.Logf("limabar %s: exit %d: %.200q", strings.Join(args, " "), code, out)
				if code == centerTouchedExit || strings.Contains(out, centerMarker) {
					t.Errorf("limabar %s opened the notification center (exit %d):\n%s", strings.Join(args, " "), code, out)
				}
			}
		})
	}
}

func copyExecutable(t *testing.T, from, to string) string {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return to
}

// unprivileged is the account "nobody", given dir, when the test runs as
// root; nil otherwise.
func unprivileged(t *testing.T, dir string) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("running as root, and no account nobody to run limabar as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
	// The parent, t.TempDir's, is root's and 0700.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}
