package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// terminal opens a pseudo-terminal whose input already holds typed: the
// script's stdin is then a terminal, where it asks.
func terminal(t *testing.T, typed string) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	if _, err := master.WriteString(typed); err != nil {
		t.Fatal(err)
	}
	return tty
}

// TestUninstallAsks: on a terminal, --uninstall asks whether to remove
// LimaBar's settings and records, and does what the answer says.
func TestUninstallAsks(t *testing.T) {
	t.Parallel()
	top := unpack(t, makeTestTarball(t))
	script := filepath.Join(top, "install.sh")
	for _, tc := range []struct {
		typed string
		purge bool
	}{{"y\n", true}, {"yes\n", true}, {"n\n", false}, {"\n", false}} {
		t.Run(fmt.Sprintf("%q", tc.typed), func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			if err := os.Mkdir(home, 0o750); err != nil {
				t.Fatal(err)
			}
			before := listing(t, home)
			runInstall(t, script, home, "--autostart")
			runApp(t, home)

			cmd := exec.Command("bash", script, "--uninstall")
			cmd.Env, cmd.Dir, cmd.Stdin = installEnv(home), home, terminal(t, tc.typed)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("install.sh --uninstall: %v\n%s", err, out)
			}
			state := filepath.Join(home, ".local", "state", "limabar")
			question := "Also remove LimaBar's settings and records (its log, what it notified)\nin " +
				filepath.Join(home, ".config", "limabar") + " and " + state + "? [y/N] "
			if !strings.HasPrefix(string(out), question) && !strings.Contains(string(out), "\n"+question) {
				t.Errorf("it did not ask %q:\n%s", question, out)
			}
			got := listing(t, home)
			if tc.purge && !slices.Equal(got, before) {
				t.Errorf("answered %q: the home folder holds\n%s", tc.typed, strings.Join(got, "\n"))
			}
			if _, err := os.Stat(filepath.Join(state, "limabar.log")); !tc.purge && err != nil {
				t.Errorf("answered %q: the log is gone: %v", tc.typed, err)
			}
		})
	}
}
