package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/logfile"
	"github.com/limabar/limabar/app/notified"
	"github.com/limabar/limabar/app/selfstart"
	"github.com/limabar/limabar/autostart"
)

// listing is what `find HOME -printf '%P %M\n'` prints: every path under
// home with its type and mode, as `ls -l` writes them, sorted.
func listing(t *testing.T, home string) []string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == home {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(home, path)
		lines = append(lines, filepath.ToSlash(rel)+" "+fi.Mode().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	return lines
}

// runApp writes LimaBar's own files the way the app does when it runs:
// its log (app/logfile) and its record of what it notified
// (app/notified), under the XDG state folder.
func runApp(t *testing.T, home string) {
	t.Helper()
	state := filepath.Join(home, ".local", "state", "limabar")
	log, err := logfile.Open(filepath.Join(state, "limabar.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := log.Write([]byte("level=INFO msg=started\n")); err != nil {
		t.Fatal(err)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := notified.Open(state).First("dev/login", "dev/login/failed/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, notified.FileName)); err != nil {
		t.Fatalf("the notified record was not written: %v", err)
	}
}

// TestUninstallLeavesNothing installs into a fresh home, runs LimaBar,
// and uninstalls with --purge: the home folder holds exactly what it held
// before, folders and modes included.
func TestUninstallLeavesNothing(t *testing.T) {
	t.Parallel()
	top := unpack(t, makeTestTarball(t))
	script := filepath.Join(top, "install.sh")
	for _, tc := range []struct {
		name    string
		install []string
		// before is what the account had before LimaBar came.
		before func(t *testing.T, home string)
		// openAtLogin turns on the app's "Open LimaBar at Login".
		openAtLogin bool
	}{
		{name: "fresh account", install: []string{"--install", "--autostart"}},
		{name: "fresh account, no autostart", install: []string{"--install"}},
		{name: "fresh account, Open LimaBar at Login from the menu", install: []string{"--install"}, openAtLogin: true},
		{name: "account with its own files", install: []string{"--install", "--autostart"}, before: func(t *testing.T, home string) {
			for _, d := range []string{".local/bin", ".local/state", ".config/autostart"} {
				if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(home, ".local", "bin", "tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			if err := os.Mkdir(home, 0o750); err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(t, home)
			}
			before := listing(t, home)

			runInstall(t, script, home, tc.install...)
			runApp(t, home)
			if tc.openAtLogin {
				item := selfstart.LoginItem{Platform: autostart.Linux, Home: home, Executable: filepath.Join(home, ".local", "bin", "limabar")}
				if err := item.Enable(); err != nil {
					t.Fatal(err)
				}
			}
			// An upgrade keeps the record of what the first install made.
			runInstall(t, script, home, tc.install...)
			out := runInstall(t, script, home, "--uninstall", "--purge")

			if got := listing(t, home); !slices.Equal(got, before) {
				t.Errorf("after uninstalling, the home folder holds\n%s\nwant\n%s\nuninstall said:\n%s",
					strings.Join(got, "\n"), strings.Join(before, "\n"), out)
			}
			for _, want := range []string{
				"removed " + filepath.Join(home, ".local", "bin", "limabar") + "\n",
				"removed " + filepath.Join(home, ".local", "state", "limabar") + "/ (LimaBar's settings and records)\n",
				"removed " + filepath.Join(home, ".local", "share", "icons", "hicolor", "16x16", "apps") + "/\n",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("uninstall does not say %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestUninstallKeepsRecordsUnlessAsked: without --purge and without a
// terminal to ask on, LimaBar's settings and records stay, and the output
// says where they are and how to remove them; everything else goes. A
// later --uninstall --purge then leaves the home folder as it was.
func TestUninstallKeepsRecordsUnlessAsked(t *testing.T) {
	t.Parallel()
	top := unpack(t, makeTestTarball(t))
	script := filepath.Join(top, "install.sh")
	home := filepath.Join(t.TempDir(), "home")
	if err := os.Mkdir(home, 0o750); err != nil {
		t.Fatal(err)
	}
	runInstall(t, script, home)
	runApp(t, home)
	out := runInstall(t, script, home, "--uninstall")

	want := []string{
		".local drwxr-xr-x",
		".local/state drwxr-xr-x",
		".local/state/limabar drwxr-xr-x",
		// What a later --purge removes once empty.
		".local/state/limabar/installed-folders -rw-r--r--",
		".local/state/limabar/limabar.log -rw-r--r--",
		".local/state/limabar/" + notified.FileName + " -rw-------",
	}
	slices.Sort(want)
	if got := listing(t, home); !slices.Equal(got, want) {
		t.Errorf("after uninstalling without --purge, the home folder holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantSaid := "LimaBar's settings and records are kept in " + filepath.Join(home, ".config", "limabar") + " and " +
		filepath.Join(home, ".local", "state", "limabar") + ";\n./install.sh --uninstall --purge removes them.\n"
	if !strings.Contains(out, wantSaid) {
		t.Errorf("uninstall does not say %q:\n%s", wantSaid, out)
	}

	// --purge afterwards removes what was kept.
	runInstall(t, script, home, "--uninstall", "--purge")
	if got := listing(t, home); len(got) != 0 {
		t.Errorf("after --uninstall --purge, the home folder holds\n%s", strings.Join(got, "\n"))
	}
}

func TestPurgeGoesWithUninstall(t *testing.T) {
	t.Parallel()
	top := unpack(t, makeTestTarball(t))
	home := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(top, "install.sh"), "--purge")
	cmd.Env = installEnv(home)
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.HasPrefix(string(out), "install.sh: --purge goes with --uninstall\n") {
		t.Errorf("install.sh --purge: exit %d, want 2 and one line first:\n%s", code, out)
	}
	if got := listing(t, home); len(got) != 0 {
		t.Errorf("install.sh --purge changed the home folder:\n%s", strings.Join(got, "\n"))
	}
}
