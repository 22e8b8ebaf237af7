package elevate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestColimaDaemonLabels: the scripts take LimaBar's daemon label for a
// Colima profile (colima.DaemonLabel) and nothing else of that prefix.
func TestColimaDaemonLabels(t *testing.T) {
	plist := []byte(goldenPlist)
	for _, profile := range []string{"default", "dev", "my.dev_2-x", strings.Repeat("a", 69)} {
		label := colimaLabelPrefix + profile
		path := "/Library/LaunchDaemons/" + label + ".plist"
		if _, err := InstallScript(PathTools, label, path, plist); err != nil {
			t.Errorf("InstallScript refused %q: %v", label, err)
		}
		if _, err := RemoveScript(PathTools, label, path); err != nil {
			t.Errorf("RemoveScript refused %q: %v", label, err)
		}
		if _, err := KickstartScript(PathTools, label); err != nil {
			t.Errorf("KickstartScript refused %q: %v", label, err)
		}
	}
	for _, label := range []string{
		colimaLabelPrefix,
		colimaLabelPrefix + "a b",
		colimaLabelPrefix + "a;id",
		colimaLabelPrefix + "-a",
		colimaLabelPrefix + "a..b",
		colimaLabelPrefix + "a\n",
		colimaLabelPrefix + strings.Repeat("a", 70), // colima-AAAA… is longer than a Lima name may be
		"io.github.limabar.colima.autostart.dev",
		"io.github.limabar.colima.dev",
		"homebrew.mxcl.colima",
	} {
		path := "/Library/LaunchDaemons/" + label + ".plist"
		if s, err := InstallScript(PathTools, label, path, plist); err == nil {
			t.Errorf("InstallScript accepted %q: %q", label, s)
		}
		if s, err := RemoveScript(PathTools, label, path); err == nil {
			t.Errorf("RemoveScript accepted %q: %q", label, s)
		}
		if s, err := KickstartScript(PathTools, label); err == nil {
			t.Errorf("KickstartScript accepted %q: %q", label, s)
		}
	}
}

// TestColimaInstallScriptWaitsLonger: the install script of a Colima
// daemon waits for the old job longer than launchd gives it to stop
// (launchd.ColimaExitTimeOut, 360 s), a Lima daemon's as before.
func TestColimaInstallScriptWaitsLonger(t *testing.T) {
	for _, tc := range []struct {
		label string
		want  string
	}{
		{colimaLabelPrefix + "dev", `if [ "$waited" -ge 420 ]; then`},
		{goldenLabel, `if [ "$waited" -ge 240 ]; then`},
	} {
		s, err := InstallScript(PathTools, tc.label, "/Library/LaunchDaemons/"+tc.label+".plist", []byte(goldenPlist))
		must(t, err)
		if !strings.Contains(s, tc.want) {
			t.Errorf("the install script of %s does not hold %q:\n%s", tc.label, tc.want, s)
		}
	}
}

// TestColimaInstallScriptRuns runs the install script of a Colima daemon
// against a temporary root with the recording fakes: the same commands as
// for a Lima daemon, on LimaBar's label.
func TestColimaInstallScriptRuns(t *testing.T) {
	sb := newSandbox(t)
	root := t.TempDir()
	dir := filepath.Join(root, "Library", "LaunchDaemons")
	must(t, os.MkdirAll(dir, 0o755))
	label := colimaLabelPrefix + "dev"
	path := filepath.Join(dir, label+".plist")
	script, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
	must(t, err)
	r := sb.run(t, root, script)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	tmp, bak := tempNames(t, r.calls, label, path)
	if want := installCalls(label, path, tmp, "", 1); bak != "" || !reflect.DeepEqual(r.calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
	}
	got, err := os.ReadFile(path)
	must(t, err)
	if string(got) != goldenPlist {
		t.Errorf("installed %q, want %q", got, goldenPlist)
	}
}

// FuzzColimaDaemonLabel: the scripts take LimaBar's daemon label of a
// Colima profile exactly when the profile is a Lima name whose instance
// (colima, or colima-PROFILE, as colima v0.10.1 config/profile.go makes
// it) is one too, written out here apart from the product's check.
func FuzzColimaDaemonLabel(f *testing.F) {
	for _, p := range []string{"default", "dev", "colima", "colima-dev", "a;id", "-x", strings.Repeat("a", 70)} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, profile string) {
		instance := "colima-" + strings.TrimPrefix(profile, "colima-")
		if profile == "default" || profile == "colima" || profile == "" {
			instance = "colima"
		}
		want := isLimaName(profile) && isLimaName(instance)
		label := colimaLabelPrefix + profile
		path := "/Library/LaunchDaemons/" + label + ".plist"
		if !isDialogSafe(path) && want {
			t.Fatalf("a Lima name made an unsafe path %q", path)
		}
		_, err := InstallScript(PathTools, label, path, []byte(goldenPlist))
		if (err == nil) != want {
			t.Fatalf("InstallScript of profile %q: %v, want accepted=%v", profile, err, want)
		}
		if _, err := KickstartScript(PathTools, label); (err == nil) != want {
			t.Fatalf("KickstartScript of profile %q: %v, want accepted=%v", profile, err, want)
		}
	})
}

// TestThenRemoveRuns: one script installs LimaBar's daemon of a Colima
// profile and then removes Lima's daemon of the profile's instance; with
// the removal failing, the new daemon stays and the script says which
// step failed.
func TestThenRemoveRuns(t *testing.T) {
	sb := newSandbox(t)
	root := t.TempDir()
	dir := filepath.Join(root, "Library", "LaunchDaemons")
	must(t, os.MkdirAll(dir, 0o755))
	label := colimaLabelPrefix + "dev"
	path := filepath.Join(dir, label+".plist")
	oldLabel := "io.lima-vm.daemon.colima-dev"
	oldPath := filepath.Join(dir, oldLabel+".plist")
	must(t, os.WriteFile(oldPath, []byte(oldDaemon), 0o644))
	install, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
	must(t, err)
	script, err := ThenRemove(PathTools, install, oldLabel, oldPath, true)
	must(t, err)

	r := sb.run(t, root, script)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	tmp, _ := tempNames(t, r.calls, label, path)
	want := append(installCalls(label, path, tmp, "", 1),
		[]string{"launchctl", "disable", "system/" + oldLabel},
		[]string{"launchctl", "bootout", "system/" + oldLabel},
		[]string{"rm", "-f", oldPath})
	if !reflect.DeepEqual(r.calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != goldenPlist {
		t.Errorf("new daemon %q, %v", got, err)
	}
	if _, err := os.Stat(oldPath); !os.IsNotExist(err) {
		t.Errorf("Lima's daemon is still there: %v", err)
	}

	keep, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, false)
	must(t, err)
	script, err = ThenRemove(PathTools, keep, oldLabel, oldPath, false)
	must(t, err)
	if strings.Contains(script, "'bootout' 'system/"+oldLabel+"'") {
		t.Error("the removal of a daemon that runs the VM unloads it")
	}
	must(t, os.WriteFile(oldPath, []byte(oldDaemon), 0o644))
	r = sb.run(t, root, script, "FAKE_FAIL=disable")
	if r.code != 1 || !strings.HasSuffix(r.stderr, "limabar: launchctl disable failed\n") {
		t.Errorf("exit %d, stderr %q; want 1 naming launchctl disable", r.code, r.stderr)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the new daemon went with the failed removal: %v", err)
	}

	if _, err := ThenRemove(PathTools, "rm -rf /\n", oldLabel, oldPath, true); err == nil {
		t.Error("ThenRemove took a script of its own")
	}
	if _, err := ThenRemove(PathTools, install, "com.example.x", "/L/com.example.x.plist", true); err == nil {
		t.Error("ThenRemove took a label that is not a daemon's of LimaBar or Lima")
	}
}
