package elevate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

const (
	goldenLabel = "io.lima-vm.daemon.default"
	goldenPath  = "/Library/LaunchDaemons/io.lima-vm.daemon.default.plist"
	goldenPlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>Label</key><string>io.lima-vm.daemon.default</string></dict></plist>
`
)

func TestScriptGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		build  func() (string, error)
	}{
		{"install.sh.golden", func() (string, error) {
			return InstallScript(PathTools, goldenLabel, goldenPath, []byte(goldenPlist))
		}},
		{"install-darwin.sh.golden", func() (string, error) {
			return InstallScript(DarwinTools, goldenLabel, goldenPath, []byte(goldenPlist))
		}},
		{"remove.sh.golden", func() (string, error) {
			return RemoveScript(PathTools, goldenLabel, goldenPath)
		}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			got, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("script differs from testdata/%s:\n got:\n%s\nwant:\n%s", tc.golden, got, want)
			}
		})
	}
}

func TestScriptRejects(t *testing.T) {
	plist := []byte(goldenPlist)
	noRm := PathTools
	noRm.Rm = ""
	noCp := PathTools
	noCp.Cp = ""
	noSleep := PathTools
	noSleep.Sleep = ""
	for _, tc := range []struct {
		name, label, path string
		plist             []byte
		tools             Tools
	}{
		{"other prefix", "io.lima-vm.autostart.default", "/L/io.lima-vm.autostart.default.plist", plist, PathTools},
		{"no name", "io.lima-vm.daemon.", "/L/io.lima-vm.daemon..plist", plist, PathTools},
		{"space", "io.lima-vm.daemon.a b", "/L/io.lima-vm.daemon.a b.plist", plist, PathTools},
		{"semicolon", "io.lima-vm.daemon.a;id", "/L/io.lima-vm.daemon.a;id.plist", plist, PathTools},
		{"quote", "io.lima-vm.daemon.a'b", "/L/io.lima-vm.daemon.a'b.plist", plist, PathTools},
		{"leading dash", "io.lima-vm.daemon.-a", "/L/io.lima-vm.daemon.-a.plist", plist, PathTools},
		{"double dot", "io.lima-vm.daemon.a..b", "/L/io.lima-vm.daemon.a..b.plist", plist, PathTools},
		{"trailing newline", "io.lima-vm.daemon.a\n", "/L/io.lima-vm.daemon.a\n.plist", plist, PathTools},
		{"name too long", "io.lima-vm.daemon." + strings.Repeat("a", 77), "/L/io.lima-vm.daemon." + strings.Repeat("a", 77) + ".plist", plist, PathTools},
		{"relative path", goldenLabel, "Library/LaunchDaemons/io.lima-vm.daemon.default.plist", plist, PathTools},
		{"other file", goldenLabel, "/Library/LaunchDaemons/io.lima-vm.daemon.other.plist", plist, PathTools},
		{"bare label", goldenLabel, "/Library/LaunchDaemons/io.lima-vm.daemon.default", plist, PathTools},
		{"unclean path", goldenLabel, "/Library/../Library/LaunchDaemons/io.lima-vm.daemon.default.plist", plist, PathTools},
		{"newline in folder", goldenLabel, "/Library/x\ny/io.lima-vm.daemon.default.plist", plist, PathTools},
		{"invalid UTF-8", goldenLabel, "/Library/\xff/io.lima-vm.daemon.default.plist", plist, PathTools},
		{"empty plist", goldenLabel, goldenPath, nil, PathTools},
		{"huge plist", goldenLabel, goldenPath, make([]byte, MaxPlistSize+1), PathTools},
		{"missing tool", goldenLabel, goldenPath, plist, noRm},
		{"missing cp", goldenLabel, goldenPath, plist, noCp},
		{"missing sleep", goldenLabel, goldenPath, plist, noSleep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := InstallScript(tc.tools, tc.label, tc.path, tc.plist)
			if err == nil || s != "" {
				t.Errorf("InstallScript accepted it: %q, %v", s, err)
			}
			if tc.plist == nil || len(tc.plist) > MaxPlistSize {
				return
			}
			s, err = RemoveScript(tc.tools, tc.label, tc.path)
			if err == nil || s != "" {
				t.Errorf("RemoveScript accepted it: %q, %v", s, err)
			}
		})
	}
	if s, err := installScript(PathTools, goldenLabel, goldenPath, plist, -1, true); err == nil || s != "" {
		t.Errorf("installScript accepted a negative pause: %q, %v", s, err)
	}
	for _, label := range []string{"io.lima-vm.daemon.a", "io.lima-vm.daemon.a.b_c-d9", "io.lima-vm.daemon." + strings.Repeat("a", 76)} {
		if _, err := InstallScript(PathTools, label, "/L/"+label+".plist", plist); err != nil {
			t.Errorf("label %q refused: %v", label, err)
		}
	}
}

// noPause is the pause between tries of bootstrap in the tests that run
// the script, so that they do not wait.
const noPause = 0

// Parts of the command list of an install. tmp is the temporary name of the
// new file, bak the copy of the daemon it replaces, "" when there was none.

func prepareCalls(label, path, tmp string) [][]string {
	return [][]string{
		{"mktemp", tempTemplate(label, path)},
		{"base64", "--decode"},
		{"plutil", "-lint", tmp},
		{"chown", "root:wheel", tmp},
		{"chmod", "0644", tmp},
	}
}

func backupCalls(label, path, bak string) [][]string {
	if bak == "" {
		return nil
	}
	return [][]string{{"mktemp", tempTemplate(label, path)}, {"cp", "-p", path, bak}}
}

// bootstrapCalls are tries of bootstrap, noPause apart.
func bootstrapCalls(path string, tries int) [][]string {
	var calls [][]string
	for i := range tries {
		if i > 0 {
			calls = append(calls, []string{"sleep", strconv.Itoa(noPause)})
		}
		calls = append(calls, []string{"launchctl", "bootstrap", "system", path})
	}
	return calls
}

// restoreCalls undo the rename: the old daemon back and loaded, or none.
func restoreCalls(path, bak string) [][]string {
	if bak == "" {
		return [][]string{{"rm", "-f", path}}
	}
	return [][]string{{"mv", "-f", bak, path}, {"launchctl", "bootstrap", "system", path}}
}

// installCalls is every command a successful install runs, in order, with
// tries of bootstrap.
func installCalls(label, path, tmp, bak string, tries int) [][]string {
	calls := slices.Concat(
		prepareCalls(label, path, tmp),
		backupCalls(label, path, bak),
		[][]string{
			{"mv", "-f", tmp, path},
			{"launchctl", "bootout", "system/" + label},
			{"launchctl", "print", "system/" + label},
			{"launchctl", "enable", "system/" + label},
		},
		bootstrapCalls(path, tries),
	)
	if bak != "" {
		calls = append(calls, []string{"rm", "-f", bak})
	}
	return calls
}

// removeCalls is every command a successful removal runs, in order.
func removeCalls(label, path string) [][]string {
	return [][]string{
		{"launchctl", "disable", "system/" + label},
		{"launchctl", "bootout", "system/" + label},
		{"rm", "-f", path},
	}
}

// kickstartCalls is every command Try Again of a boot job runs.
func kickstartCalls(label string) [][]string {
	return [][]string{{"launchctl", "kickstart", "system/" + label}}
}

func tempTemplate(label, path string) string {
	return filepath.Dir(path) + "/." + label + ".plist.XXXXXX"
}

// tempNames finds the names mktemp made from the template next to path, in
// the order the calls first use them: the new file's, then the copy's.
func tempNames(t testing.TB, calls [][]string, label, path string) (tmp, bak string) {
	t.Helper()
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Dir(path)+"/."+label+".plist.") + `[A-Za-z0-9]{6}$`)
	var names []string
	for _, c := range calls {
		if c[0] == "mktemp" {
			continue
		}
		for _, a := range c[1:] {
			if re.MatchString(a) && !slices.Contains(names, a) {
				names = append(names, a)
			}
		}
	}
	if len(names) > 2 {
		t.Fatalf("more than two temporary files: %q", names)
	}
	names = append(names, "", "")
	return names[0], names[1]
}

// bootstrapped splits what the fake launchctl kept of each bootstrap.
func bootstrapped(t testing.TB, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	must(t, err)
	parts := strings.Split(string(data), "\x00")
	return parts[:len(parts)-1]
}

// oldDaemon is a daemon installed before, with a time stamp cp -p keeps.
const oldDaemon = "old daemon\n"

var oldTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

func writeOldDaemon(t testing.TB, path string, mode os.FileMode) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(oldDaemon), mode))
	must(t, os.Chmod(path, mode))
	must(t, os.Chtimes(path, oldTime, oldTime))
}

// checkOldDaemon checks that path holds exactly the old daemon again.
func checkOldDaemon(t testing.TB, path string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	if string(data) != oldDaemon {
		t.Errorf("%s holds %q, want the old daemon %q", path, data, oldDaemon)
	}
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode() != mode || !fi.ModTime().Equal(oldTime) {
		t.Errorf("%s: mode %v, time %v; want the old daemon's %v, %v", path, fi.Mode(), fi.ModTime(), mode, oldTime)
	}
}

func TestInstallScriptRuns(t *testing.T) {
	for _, shell := range shells() {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			sb := newSandbox(t)
			sb.shell = shell
			testInstallScriptRuns(t, sb)
		})
	}
}

func testInstallScriptRuns(t *testing.T, sb *sandbox) {
	root := t.TempDir()
	dir := filepath.Join(root, "Library", "LaunchDaemons")
	must(t, os.MkdirAll(dir, 0o755))
	label := "io.lima-vm.daemon.my-vm"
	path := filepath.Join(dir, label+".plist")
	script, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
	must(t, err)
	linted := filepath.Join(t.TempDir(), "linted")

	r := sb.run(t, root, script, "FAKE_LINTED="+linted)

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
	if lint, _ := os.ReadFile(linted); string(lint) != goldenPlist {
		t.Errorf("plutil checked %q, want the plist", lint)
	}
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode() != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", fi.Mode())
	}
	if got, want := tree(t, root), []string{"Library", "Library/LaunchDaemons", "Library/LaunchDaemons/" + label + ".plist"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
}

func TestInstallScriptFailures(t *testing.T) {
	for _, shell := range shells() {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			sb := newSandbox(t)
			sb.shell = shell
			testInstallScriptFailures(t, sb)
		})
	}
}

func testInstallScriptFailures(t *testing.T, sb *sandbox) {
	const label = "io.lima-vm.daemon.default"
	for _, tc := range []struct {
		// fail is FAKE_FAIL: the failing tool or launchctl subcommand, or
		// only its Nth call as KEY#N.
		fail string
		// step is what the script names on stderr.
		step string
		// oldOnly is a step that only runs over an old daemon.
		oldOnly bool
		// calls is every command that runs, the failing one included.
		calls func(label, path, tmp, bak string) [][]string
		// replaced is a failure after the new file took path's place.
		replaced bool
	}{
		{fail: "mktemp", step: "mktemp", calls: func(label, path, tmp, bak string) [][]string {
			return prepareCalls(label, path, tmp)[:1]
		}},
		{fail: "base64", step: "base64 --decode", calls: func(label, path, tmp, bak string) [][]string {
			return append(prepareCalls(label, path, tmp)[:2], []string{"rm", "-f", tmp})
		}},
		{fail: "plutil", step: "plutil -lint", calls: func(label, path, tmp, bak string) [][]string {
			return append(prepareCalls(label, path, tmp)[:3], []string{"rm", "-f", tmp})
		}},
		{fail: "chown", step: "chown", calls: func(label, path, tmp, bak string) [][]string {
			return append(prepareCalls(label, path, tmp)[:4], []string{"rm", "-f", tmp})
		}},
		{fail: "chmod", step: "chmod", calls: func(label, path, tmp, bak string) [][]string {
			return append(prepareCalls(label, path, tmp), []string{"rm", "-f", tmp})
		}},
		{fail: "mktemp#2", step: "mktemp", oldOnly: true, calls: func(label, path, tmp, bak string) [][]string {
			return append(prepareCalls(label, path, tmp), []string{"mktemp", tempTemplate(label, path)}, []string{"rm", "-f", tmp})
		}},
		{fail: "cp", step: "cp", oldOnly: true, calls: func(label, path, tmp, bak string) [][]string {
			return slices.Concat(prepareCalls(label, path, tmp), backupCalls(label, path, bak),
				[][]string{{"rm", "-f", tmp}, {"rm", "-f", bak}})
		}},
		{fail: "mv", step: "mv", calls: func(label, path, tmp, bak string) [][]string {
			calls := slices.Concat(prepareCalls(label, path, tmp), backupCalls(label, path, bak),
				[][]string{{"mv", "-f", tmp, path}, {"rm", "-f", tmp}})
			if bak != "" {
				calls = append(calls, []string{"rm", "-f", bak})
			}
			return calls
		}},
		{fail: "enable", step: "launchctl enable", replaced: true, calls: func(label, path, tmp, bak string) [][]string {
			return slices.Concat(prepareCalls(label, path, tmp), backupCalls(label, path, bak),
				[][]string{{"mv", "-f", tmp, path}, {"launchctl", "bootout", "system/" + label}, {"launchctl", "print", "system/" + label}, {"launchctl", "enable", "system/" + label}},
				restoreCalls(path, bak))
		}},
		{fail: "bootstrap", step: "launchctl bootstrap", replaced: true, calls: func(label, path, tmp, bak string) [][]string {
			return slices.Concat(prepareCalls(label, path, tmp), backupCalls(label, path, bak),
				[][]string{{"mv", "-f", tmp, path}, {"launchctl", "bootout", "system/" + label}, {"launchctl", "print", "system/" + label}, {"launchctl", "enable", "system/" + label}},
				bootstrapCalls(path, 3), restoreCalls(path, bak))
		}},
	} {
		for _, old := range []bool{false, true} {
			if tc.oldOnly && !old {
				continue
			}
			name := tc.fail
			if old {
				name += " over an old daemon"
			}
			t.Run(name, func(t *testing.T) {
				root := t.TempDir()
				path := filepath.Join(root, label+".plist")
				if old {
					writeOldDaemon(t, path, 0o644)
				}
				script, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
				must(t, err)
				loaded := filepath.Join(t.TempDir(), "bootstrapped")

				r := sb.run(t, root, script, "FAKE_FAIL="+tc.fail, "FAKE_BOOTSTRAPPED="+loaded)

				if r.code != 1 {
					t.Errorf("exit %d, want 1", r.code)
				}
				if want := "limabar: " + tc.step + " failed\n"; !strings.HasSuffix(r.stderr, want) {
					t.Errorf("stderr %q, want it to end with %q", r.stderr, want)
				}
				tmp, bak := tempNames(t, r.calls, label, path)
				if want := tc.calls(label, path, tmp, bak); !reflect.DeepEqual(r.calls, want) {
					t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
				}
				// What launchd was asked to load: the new daemon on each
				// try of bootstrap, then the old one again.
				var want []string
				if tc.fail == "bootstrap" {
					want = []string{goldenPlist, goldenPlist, goldenPlist}
				}
				if tc.replaced && old {
					want = append(want, oldDaemon)
				}
				if got := bootstrapped(t, loaded); !slices.Equal(got, want) {
					t.Errorf("bootstrapped %q, want %q", got, want)
				}
				// The old daemon is there as it was; without one, nothing is.
				var left []string
				if old {
					left = []string{label + ".plist"}
					checkOldDaemon(t, path, 0o644)
				}
				if got := tree(t, root); !slices.Equal(got, left) {
					t.Errorf("files %q, want %q", got, left)
				}
			})
		}
	}
	t.Run("plutil message", func(t *testing.T) {
		root := t.TempDir()
		script, err := installScript(PathTools, label, filepath.Join(root, label+".plist"), []byte(goldenPlist), noPause, true)
		must(t, err)
		r := sb.run(t, root, script, "FAKE_FAIL=plutil")
		if !strings.Contains(r.stderr, "Encountered unknown tag") || r.stdout != "" {
			t.Errorf("plutil's complaint is not on stderr: stdout %q, stderr %q", r.stdout, r.stderr)
		}
	})
	t.Run("bootstrap message", func(t *testing.T) {
		root := t.TempDir()
		script, err := installScript(PathTools, label, filepath.Join(root, label+".plist"), []byte(goldenPlist), noPause, true)
		must(t, err)
		r := sb.run(t, root, script, "FAKE_FAIL=bootstrap")
		want := "launchctl bootstrap failed: Input/output error\nlimabar: launchctl bootstrap failed\n"
		if r.stderr != want || r.stdout != "" {
			t.Errorf("stdout %q, stderr %q; want only the last try's complaint on stderr: %q", r.stdout, r.stderr, want)
		}
	})
	t.Run("old daemon does not go back", func(t *testing.T) {
		// enable fails, and so does renaming the copy back: the copy stays,
		// named on stderr, and the new daemon stays in place.
		root := t.TempDir()
		path := filepath.Join(root, label+".plist")
		writeOldDaemon(t, path, 0o644)
		script, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
		must(t, err)
		r := sb.run(t, root, script, "FAKE_FAIL=enable mv#2")
		tmp, bak := tempNames(t, r.calls, label, path)
		want := slices.Concat(prepareCalls(label, path, tmp), backupCalls(label, path, bak),
			[][]string{{"mv", "-f", tmp, path}, {"launchctl", "bootout", "system/" + label}, {"launchctl", "print", "system/" + label}, {"launchctl", "enable", "system/" + label}, {"mv", "-f", bak, path}})
		if !reflect.DeepEqual(r.calls, want) {
			t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
		}
		if msg := "limabar: the previous LaunchDaemon is kept as " + bak + "\nlimabar: launchctl enable failed\n"; r.code != 1 || !strings.HasSuffix(r.stderr, msg) {
			t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, msg)
		}
		checkOldDaemon(t, bak, 0o644)
		if got, _ := os.ReadFile(path); string(got) != goldenPlist {
			t.Errorf("%s holds %q, want the new daemon", path, got)
		}
		if got, want := tree(t, root), []string{filepath.Base(bak), label + ".plist"}; !slices.Equal(got, want) {
			t.Errorf("files %q, want %q", got, want)
		}
	})
}

func TestInstallScriptRetriesBootstrap(t *testing.T) {
	for _, shell := range shells() {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			sb := newSandbox(t)
			sb.shell = shell
			testInstallScriptRetriesBootstrap(t, sb)
		})
	}
}

// testInstallScriptRetriesBootstrap is launchd refusing bootstrap twice
// while the old job is still exiting: the third try loads the new daemon,
// quietly.
func testInstallScriptRetriesBootstrap(t *testing.T, sb *sandbox) {
	const label = "io.lima-vm.daemon.default"
	for _, old := range []bool{false, true} {
		t.Run(fmt.Sprintf("old daemon %v", old), func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, label+".plist")
			if old {
				writeOldDaemon(t, path, 0o644)
			}
			script, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
			must(t, err)
			loaded := filepath.Join(t.TempDir(), "bootstrapped")

			r := sb.run(t, root, script, "FAKE_FAIL=bootstrap#1 bootstrap#2", "FAKE_LOADED=1", "FAKE_BOOTSTRAPPED="+loaded)

			if r.code != 0 || r.stdout != "" || r.stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			tmp, bak := tempNames(t, r.calls, label, path)
			if (bak != "") != old {
				t.Errorf("copy of the old daemon %q, want one: %v", bak, old)
			}
			if want := installCalls(label, path, tmp, bak, 3); !reflect.DeepEqual(r.calls, want) {
				t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
			}
			if got, want := bootstrapped(t, loaded), []string{goldenPlist, goldenPlist, goldenPlist}; !slices.Equal(got, want) {
				t.Errorf("bootstrapped %q, want %q", got, want)
			}
			if got, _ := os.ReadFile(path); string(got) != goldenPlist {
				t.Errorf("installed %q", got)
			}
			if got, want := tree(t, root), []string{label + ".plist"}; !slices.Equal(got, want) {
				t.Errorf("files %q, want %q", got, want)
			}
		})
	}
}

func TestInstallScriptReplacesLoadedDaemon(t *testing.T) {
	const label = "io.lima-vm.daemon.default"
	sb := newSandbox(t)
	root := t.TempDir()
	path := filepath.Join(root, label+".plist")
	writeOldDaemon(t, path, 0o600)
	script, err := InstallScript(PathTools, label, path, []byte(goldenPlist))
	must(t, err)

	r := sb.run(t, root, script, "FAKE_LOADED=1")

	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	tmp, bak := tempNames(t, r.calls, label, path)
	if want := installCalls(label, path, tmp, bak, 1); bak == "" || !reflect.DeepEqual(r.calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
	}
	if got, _ := os.ReadFile(path); string(got) != goldenPlist {
		t.Errorf("installed %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode() != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", fi.Mode())
	}
	if got, want := tree(t, root), []string{label + ".plist"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q (the copy of the old daemon is removed)", got, want)
	}
}

// TestInstallScriptRestoresMode puts back an old daemon whose mode was
// wrong as it was: the install failed, so nothing is repaired.
func TestInstallScriptRestoresMode(t *testing.T) {
	const label = "io.lima-vm.daemon.default"
	sb := newSandbox(t)
	root := t.TempDir()
	path := filepath.Join(root, label+".plist")
	writeOldDaemon(t, path, 0o600)
	script, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
	must(t, err)
	r := sb.run(t, root, script, "FAKE_FAIL=bootstrap")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	checkOldDaemon(t, path, 0o600)
	if got, want := tree(t, root), []string{label + ".plist"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
}

func TestRemoveScriptRuns(t *testing.T) {
	for _, shell := range shells() {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			sb := newSandbox(t)
			sb.shell = shell
			testRemoveScriptRuns(t, sb)
		})
	}
}

func testRemoveScriptRuns(t *testing.T, sb *sandbox) {
	const label = "io.lima-vm.daemon.default"
	for _, tc := range []struct {
		name   string
		exists bool
		env    string
		code   int
		calls  int
		left   bool
	}{
		{"loaded", true, "FAKE_LOADED=1", 0, 3, false},
		{"not loaded", true, "", 0, 3, false},
		{"already gone", false, "", 0, 3, false},
		{"disable fails", true, "FAKE_FAIL=disable", 1, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, label+".plist")
			if tc.exists {
				must(t, os.WriteFile(path, []byte(goldenPlist), 0o644))
			}
			script, err := RemoveScript(PathTools, label, path)
			must(t, err)

			r := sb.run(t, root, script, tc.env)

			if r.code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			if tc.code == 0 && r.stderr != "" {
				t.Errorf("stderr %q", r.stderr)
			}
			if tc.code != 0 && !strings.HasSuffix(r.stderr, "limabar: launchctl disable failed\n") {
				t.Errorf("stderr %q does not name the step", r.stderr)
			}
			if want := removeCalls(label, path)[:tc.calls]; !reflect.DeepEqual(r.calls, want) {
				t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
			}
			if _, err := os.Stat(path); (err == nil) != tc.left {
				t.Errorf("file left = %v, want %v", err == nil, tc.left)
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestScriptShellcheck lints the install and remove scripts as POSIX sh,
// the shell they run under as root. Under CI on Linux a missing shellcheck
// fails the test, since a skipped lint would look like a passing one; the
// macOS runner image has no shellcheck, and the Linux job lints the same
// scripts (testenv.Tool).
func TestScriptShellcheck(t *testing.T) {
	shellcheck := testenv.Tool(t, "shellcheck")
	install, err := InstallScript(DarwinTools, goldenLabel, goldenPath, []byte(goldenPlist))
	must(t, err)
	remove, err := RemoveScript(DarwinTools, goldenLabel, goldenPath)
	must(t, err)
	for name, script := range map[string]string{"install": install, "remove": remove} {
		cmd := exec.Command(shellcheck, "--shell=sh", "-")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck on the %s script: %v\n%s", name, err, out)
		}
	}
}

// TestInstallScriptWaitsForTheOldJob: launchd still lists the old job for
// three prints after bootout (its VM shutting down); the script asks once
// a pause apart and loads the new one only once it is gone.
func TestInstallScriptWaitsForTheOldJob(t *testing.T) {
	sb := newSandbox(t)
	root := t.TempDir()
	label := "io.lima-vm.daemon.default"
	path := filepath.Join(root, label+".plist")
	script, err := installScript(PathTools, label, path, []byte(goldenPlist), noPause, true)
	must(t, err)
	r := sb.run(t, root, script, "FAKE_EXITING=3", "FAKE_LOADED=1")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	tmp, _ := tempNames(t, r.calls, label, path)
	print := []string{"launchctl", "print", "system/" + label}
	pause := []string{"sleep", strconv.Itoa(noPause)}
	want := slices.Concat(prepareCalls(label, path, tmp), [][]string{
		{"mv", "-f", tmp, path},
		{"launchctl", "bootout", "system/" + label},
		print, pause, print, pause, print, pause, print,
		{"launchctl", "enable", "system/" + label},
		{"launchctl", "bootstrap", "system", path},
	})
	if !reflect.DeepEqual(r.calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
	}
}

// TestInstallScriptGivesUpOnTheOldJob: an old job still there after the
// bound puts the old file back and fails naming the wait; nothing is
// bootstrapped over it.
func TestInstallScriptGivesUpOnTheOldJob(t *testing.T) {
	sb := newSandbox(t)
	root := t.TempDir()
	label := "io.lima-vm.daemon.default"
	path := filepath.Join(root, label+".plist")
	writeOldDaemon(t, path, 0o644)
	script, err := installScriptWait(PathTools, label, path, []byte(goldenPlist), noPause, true, 2)
	must(t, err)
	r := sb.run(t, root, script, "FAKE_EXITING=1000", "FAKE_LOADED=1")
	if r.code == 0 || !strings.Contains(r.stderr, "limabar: the old job was still running 2 seconds after launchctl bootout") ||
		!strings.Contains(r.stderr, "limabar: waiting for the old job to exit failed") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	tmp, bak := tempNames(t, r.calls, label, path)
	print := []string{"launchctl", "print", "system/" + label}
	pause := []string{"sleep", strconv.Itoa(noPause)}
	want := slices.Concat(prepareCalls(label, path, tmp), backupCalls(label, path, bak), [][]string{
		{"mv", "-f", tmp, path},
		{"launchctl", "bootout", "system/" + label},
		print, pause, print, pause, print,
	}, restoreCalls(path, bak))
	if !reflect.DeepEqual(r.calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
	}
	checkOldDaemon(t, path, 0o644)
}

// TestRewriteAndUnregisterLeaveTheJobRunning: the scripts for a running
// job never boot it out nor load it.
func TestRewriteAndUnregisterLeaveTheJobRunning(t *testing.T) {
	sb := newSandbox(t)
	root := t.TempDir()
	label := "io.lima-vm.daemon.default"
	path := filepath.Join(root, label+".plist")
	writeOldDaemon(t, path, 0o644)
	script, err := RewriteScript(PathTools, label, path, []byte(goldenPlist))
	must(t, err)
	r := sb.run(t, root, script)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("rewrite: exit %d, stderr %q", r.code, r.stderr)
	}
	tmp, bak := tempNames(t, r.calls, label, path)
	want := slices.Concat(prepareCalls(label, path, tmp), backupCalls(label, path, bak), [][]string{
		{"mv", "-f", tmp, path},
		{"launchctl", "enable", "system/" + label},
		{"rm", "-f", bak},
	})
	if !reflect.DeepEqual(r.calls, want) {
		t.Errorf("rewrite calls:\n got %q\nwant %q", r.calls, want)
	}
	if got, _ := os.ReadFile(path); string(got) != goldenPlist {
		t.Errorf("rewrite left %q", got)
	}
	// A failed enable puts the old file back and loads nothing.
	writeOldDaemon(t, path, 0o644)
	r = sb.run(t, root, script, "FAKE_FAIL=enable")
	if r.code == 0 {
		t.Fatal("rewrite with a failing enable succeeded")
	}
	for _, c := range r.calls {
		if c[0] == "launchctl" && c[1] != "enable" {
			t.Errorf("rewrite ran %q", c)
		}
	}
	checkOldDaemon(t, path, 0o644)

	script, err = UnregisterScript(PathTools, label, path)
	must(t, err)
	r = sb.run(t, root, script)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("unregister: exit %d, stderr %q", r.code, r.stderr)
	}
	if want := [][]string{{"launchctl", "disable", "system/" + label}, {"rm", "-f", path}}; !reflect.DeepEqual(r.calls, want) {
		t.Errorf("unregister calls:\n got %q\nwant %q", r.calls, want)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("unregister left %s", path)
	}
}
