package elevate

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
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

func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `''`},
		{"abc", `'abc'`},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{`a"b\c $x`, `'a"b\c $x'`},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, s := range trickyStrings {
		if strings.ContainsRune(s, 0) {
			continue
		}
		out, err := confined(t, "printf '%s' "+shellQuote(s)).Output()
		if err != nil {
			t.Fatalf("sh with %q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("the shell read %q back as %q", s, out)
		}
	}
}

func TestScriptRejects(t *testing.T) {
	plist := []byte(goldenPlist)
	noRm := PathTools
	noRm.Rm = ""
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
	for _, label := range []string{"io.lima-vm.daemon.a", "io.lima-vm.daemon.a.b_c-d9", "io.lima-vm.daemon." + strings.Repeat("a", 76)} {
		if _, err := InstallScript(PathTools, label, "/L/"+label+".plist", plist); err != nil {
			t.Errorf("label %q refused: %v", label, err)
		}
	}
}

// installCalls is every command a successful install runs, in order.
func installCalls(label, path, tmp string) [][]string {
	template := filepath.Dir(path) + "/." + label + ".plist.XXXXXX"
	return [][]string{
		{"mktemp", template},
		{"base64", "--decode"},
		{"plutil", "-lint", tmp},
		{"chown", "root:wheel", tmp},
		{"chmod", "0644", tmp},
		{"mv", "-f", tmp, path},
		{"launchctl", "bootout", "system/" + label},
		{"launchctl", "enable", "system/" + label},
		{"launchctl", "bootstrap", "system", path},
	}
}

// removeCalls is every command a successful removal runs, in order.
func removeCalls(label, path string) [][]string {
	return [][]string{
		{"launchctl", "bootout", "system/" + label},
		{"launchctl", "disable", "system/" + label},
		{"rm", "-f", path},
	}
}

// tempName finds the name mktemp made from the template next to path.
func tempName(t testing.TB, calls [][]string, label, path string) string {
	t.Helper()
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Dir(path)+"/."+label+".plist.") + `[A-Za-z0-9]{6}$`)
	for _, c := range calls {
		if c[0] == "mktemp" {
			continue
		}
		for _, a := range c[1:] {
			if re.MatchString(a) {
				return a
			}
		}
	}
	return ""
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
	script, err := InstallScript(PathTools, label, path, []byte(goldenPlist))
	must(t, err)
	linted := filepath.Join(t.TempDir(), "linted")

	r := sb.run(t, root, script, "FAKE_LINTED="+linted)

	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if want := installCalls(label, path, tempName(t, r.calls, label, path)); !reflect.DeepEqual(r.calls, want) {
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
		fail string
		// ran is how many of the install's commands ran, the failing one
		// included.
		ran int
		// step is what the script names on stderr.
		step string
	}{
		{"mktemp", 1, "mktemp"},
		{"base64", 2, "base64 --decode"},
		{"plutil", 3, "plutil -lint"},
		{"chown", 4, "chown"},
		{"chmod", 5, "chmod"},
		{"mv", 6, "mv"},
		{"enable", 8, "launchctl enable"},
		{"bootstrap", 9, "launchctl bootstrap"},
	} {
		for _, old := range []bool{false, true} {
			name := tc.fail
			if old {
				name += " over an old daemon"
			}
			t.Run(name, func(t *testing.T) {
				root := t.TempDir()
				path := filepath.Join(root, label+".plist")
				if old {
					must(t, os.WriteFile(path, []byte("old"), 0o644))
				}
				script, err := InstallScript(PathTools, label, path, []byte(goldenPlist))
				must(t, err)

				r := sb.run(t, root, script, "FAKE_FAIL="+tc.fail)

				if r.code != 1 {
					t.Errorf("exit %d, want 1", r.code)
				}
				if want := "limabar: " + tc.step + " failed\n"; !strings.HasSuffix(r.stderr, want) {
					t.Errorf("stderr %q, want it to end with %q", r.stderr, want)
				}
				tmp := tempName(t, r.calls, label, path)
				want := installCalls(label, path, tmp)[:tc.ran]
				renamed := tc.ran > 6
				switch {
				case renamed:
					want = append(want, []string{"rm", "-f", path})
				case tmp != "":
					want = append(want, []string{"rm", "-f", tmp})
				}
				if !reflect.DeepEqual(r.calls, want) {
					t.Errorf("calls:\n got %q\nwant %q", r.calls, want)
				}
				var left []string
				if old && !renamed {
					left = []string{label + ".plist"}
					if data, _ := os.ReadFile(path); string(data) != "old" {
						t.Errorf("old daemon changed to %q", data)
					}
				}
				if got := tree(t, root); !slices.Equal(got, left) {
					t.Errorf("files %q, want %q", got, left)
				}
			})
		}
	}
	t.Run("plutil message", func(t *testing.T) {
		root := t.TempDir()
		script, err := InstallScript(PathTools, label, filepath.Join(root, label+".plist"), []byte(goldenPlist))
		must(t, err)
		r := sb.run(t, root, script, "FAKE_FAIL=plutil")
		if !strings.Contains(r.stderr, "Encountered unknown tag") || r.stdout != "" {
			t.Errorf("plutil's complaint is not on stderr: stdout %q, stderr %q", r.stdout, r.stderr)
		}
	})
}

func TestInstallScriptReplacesLoadedDaemon(t *testing.T) {
	const label = "io.lima-vm.daemon.default"
	sb := newSandbox(t)
	root := t.TempDir()
	path := filepath.Join(root, label+".plist")
	must(t, os.WriteFile(path, []byte("old"), 0o600))
	script, err := InstallScript(PathTools, label, path, []byte(goldenPlist))
	must(t, err)

	r := sb.run(t, root, script, "FAKE_LOADED=1")

	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(path); string(got) != goldenPlist {
		t.Errorf("installed %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode() != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", fi.Mode())
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
		{"disable fails", true, "FAKE_FAIL=disable", 1, 2, true},
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

func TestScriptShellcheck(t *testing.T) {
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed")
	}
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
