package selfstart

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/scripts/testenv"
	"github.com/limabar/limabar/scripts/testenv/tools"
)

// needTool returns the path of a program a test needs, through
// testenv.Tool: a program the platform lacks (a Linux tool on a Mac) skips
// the test there, and a missing one the platform has fails it under CI. pkg,
// the Debian package named for a reader, must be the one testenv's table
// names.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	if entry, ok := tools.Lookup(name); ok && entry.Debian != pkg {
		t.Fatalf("needTool(%s, %s): scripts/testenv/tools names Debian package %q", name, pkg, entry.Debian)
	}
	return testenv.Tool(t, name)
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEntryGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		item   LoginItem
	}{
		{"agent-bundle.plist", LoginItem{Platform: autostart.Darwin, Home: "/Users/alice",
			Executable: "/Applications/LimaBar.app/Contents/MacOS/limabar", Bundle: "/Applications/LimaBar.app"}},
		{"agent-bundle-escaped.plist", LoginItem{Platform: autostart.Darwin, Home: "/Users/alice",
			Bundle: "/Users/alice/Apps & Tools/<new>/LimaBar.app"}},
		{"agent-executable.plist", LoginItem{Platform: autostart.Darwin, Home: "/Users/alice",
			Executable: "/Users/alice/go/bin/limabar"}},
		{"autostart.desktop", LoginItem{Platform: autostart.Linux, Home: "/home/alice",
			Executable: "/home/alice/.local/bin/limabar"}},
		{"autostart-quoted.desktop", LoginItem{Platform: autostart.Linux, Home: "/home/alice",
			Executable: `/home/alice/My Apps/50% $off/a\b/limabar`}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			got, err := c.item.Entry()
			if err != nil {
				t.Fatal(err)
			}
			if want := golden(t, c.golden); !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestAgentParsesAfterBinaryConversion: a converter other than the Go
// library that wrote the agents (plistutil on Linux, plutil on macOS) turns
// each into a binary plist that still holds its label and arguments.
func TestAgentParsesAfterBinaryConversion(t *testing.T) {
	for _, name := range []string{"agent-bundle.plist", "agent-bundle-escaped.plist", "agent-executable.plist"} {
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "agent.bplist")
			testenv.ConvertPlist(t, filepath.Join("testdata", name), bin, true)
			var fromXML, fromBinary agent
			if _, err := plist.Unmarshal(golden(t, name), &fromXML); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := plist.Unmarshal(data, &fromBinary); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fromXML.ProgramArguments, fromBinary.ProgramArguments) || fromBinary.Label != Label || !fromBinary.RunAtLoad {
				t.Errorf("the converted plist holds %+v, want %+v", fromBinary, fromXML)
			}
		})
	}
}

func TestDesktopEntryValidates(t *testing.T) {
	validate := needTool(t, "desktop-file-validate", "desktop-file-utils")
	for _, name := range []string{"autostart.desktop", "autostart-quoted.desktop"} {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command(validate, filepath.Join("testdata", name)).CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("desktop-file-validate: %v\n%s", err, out)
			}
		})
	}
}

func TestQuoteExec(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/usr/bin/limabar", "/usr/bin/limabar"},
		{"/opt/lima-bar_1.0/limabar", "/opt/lima-bar_1.0/limabar"},
		{"/home/a b/limabar", `"/home/a b/limabar"`},
		{"/home/100%/limabar", "/home/100%%/limabar"},
		{`/home/"q"/limabar`, `"/home/\\"q\\"/limabar"`},
		{"/home/`x`/limabar", "\"/home/\\\\`x\\\\`/limabar\""},
		{`/home/a\b/limabar`, `"/home/a\\\\b/limabar"`},
		{"/home/it's/limabar", `"/home/it's/limabar"`},
		{"/home/~u/limabar", `"/home/~u/limabar"`},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := QuoteExec(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("QuoteExec(%q) = %s, want %s", c.in, got, c.want)
			}
			back, err := execProgram(got)
			if err != nil {
				t.Fatal(err)
			}
			if back != c.in {
				t.Errorf("execProgram(%s) = %q, want %q", got, back, c.in)
			}
		})
	}
	for _, bad := range []string{"", "/home/a\nb/limabar", "/home/a\tb/limabar"} {
		if got, err := QuoteExec(bad); err == nil {
			t.Errorf("QuoteExec(%q) = %s, want an error", bad, got)
		}
	}
}

func TestExecProgramOfHandWrittenEntries(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/usr/bin/limabar --flag", "/usr/bin/limabar"},
		{`"/home/a b/limabar" %U`, "/home/a b/limabar"},
		{`"/home/a\sb/limabar"`, "/home/a b/limabar"},
		{`/home/a\sb/limabar`, "/home/a"},
	} {
		got, err := execProgram(c.in)
		if err != nil || got != c.want {
			t.Errorf("execProgram(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := execProgram(`"/home/unterminated`); err == nil {
		t.Error("execProgram of an unterminated quote: got no error")
	}
}

func TestBundleOf(t *testing.T) {
	for _, c := range []struct{ exe, want string }{
		{"/Applications/LimaBar.app/Contents/MacOS/limabar", "/Applications/LimaBar.app"},
		{"/Users/a b/Apps/LimaBar.app/Contents/MacOS/limabar", "/Users/a b/Apps/LimaBar.app"},
		{"/Users/alice/go/bin/limabar", ""},
		{"/Applications/LimaBar/Contents/MacOS/limabar", ""},
		{"/tmp/Contents/MacOS/limabar", ""},
		{"limabar", ""},
	} {
		if got := BundleOf(c.exe); got != c.want {
			t.Errorf("BundleOf(%q) = %q, want %q", c.exe, got, c.want)
		}
	}
}

func linuxItem(t *testing.T) LoginItem {
	home := t.TempDir()
	return LoginItem{
		Platform:   autostart.Linux,
		Home:       home,
		ConfigHome: filepath.Join(home, "config"),
		Executable: "/home/alice/.local/bin/limabar",
	}
}

func mustEnabled(t *testing.T, l LoginItem, want bool) {
	t.Helper()
	got, err := l.Enabled()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Enabled() = %v, want %v", got, want)
	}
}

func TestLinuxEnableDisable(t *testing.T) {
	l := linuxItem(t)
	path := filepath.Join(l.ConfigHome, "autostart", "limabar.desktop")
	if p, _ := l.Path(); p != path {
		t.Fatalf("Path() = %s, want %s", p, path)
	}
	mustEnabled(t, l, false)
	if err := l.Enable(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := golden(t, "autostart.desktop"); !bytes.Equal(got, want) {
		t.Errorf("wrote\n%s\nwant\n%s", got, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	mustEnabled(t, l, true)

	t.Run("another copy", func(t *testing.T) {
		other := l
		other.Executable = "/opt/limabar/limabar"
		mustEnabled(t, other, false)
	})
	if err := l.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("after Disable: %v, want the entry gone", err)
	}
	mustEnabled(t, l, false)
	if err := l.Disable(); err != nil {
		t.Errorf("Disable when already off: %v", err)
	}
}

func TestLinuxDefaultConfigHome(t *testing.T) {
	l := linuxItem(t)
	l.ConfigHome = ""
	want := filepath.Join(l.Home, ".config", "autostart", "limabar.desktop")
	if p, _ := l.Path(); p != want {
		t.Errorf("Path() = %s, want %s", p, want)
	}
}

func TestLinuxEntryTurnedOffByHand(t *testing.T) {
	for _, extra := range []string{"Hidden=true", "X-GNOME-Autostart-enabled=false"} {
		t.Run(extra, func(t *testing.T) {
			l := linuxItem(t)
			path, _ := l.Path()
			data := strings.Replace(string(golden(t, "autostart.desktop")), "X-GNOME-Autostart-enabled=true\n", extra+"\n", 1)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			mustEnabled(t, l, false)
		})
	}
}

// darwinItem is the login item of LimaBar.app with launchd as it is once
// the item was enabled: `launchctl enable` succeeds, printing nothing, and
// print-disabled shows the enable override it leaves.
func darwinItem(t *testing.T) (LoginItem, *runner.Fake) {
	f := runner.NewFake(t,
		runner.Response{Match: []string{"launchctl", "enable", "gui/501/io.github.limabar"}},
		runner.Response{Match: []string{"launchctl", "print-disabled", "gui/501"},
			Stdout: "disabled services = {\n\t\"io.github.limabar\" => enabled\n}\n"},
	)
	return LoginItem{
		Platform:   autostart.Darwin,
		Home:       t.TempDir(),
		Executable: "/Applications/LimaBar.app/Contents/MacOS/limabar",
		Bundle:     "/Applications/LimaBar.app",
		UID:        501,
		Launchctl:  "launchctl",
		Runner:     f,
	}, f
}

func TestDarwinEnableDisable(t *testing.T) {
	l, f := darwinItem(t)
	path := filepath.Join(l.Home, "Library", "LaunchAgents", "io.github.limabar.plist")
	mustEnabled(t, l, false)
	if len(f.Calls) != 0 {
		t.Errorf("Enabled without an entry ran %q, want nothing", f.Argvs())
	}
	if err := l.Enable(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := golden(t, "agent-bundle.plist"); !bytes.Equal(got, want) {
		t.Errorf("wrote\n%s\nwant\n%s", got, want)
	}
	if want := []string{"launchctl enable gui/501/io.github.limabar"}; !slices.Equal(f.Argvs(), want) {
		t.Errorf("Enable ran %q, want %q", f.Argvs(), want)
	}
	mustEnabled(t, l, true)
	if want := "launchctl print-disabled gui/501"; f.Argvs()[1] != want {
		t.Errorf("Enabled ran %q, want %q", f.Argvs()[1], want)
	}

	t.Run("moved app", func(t *testing.T) {
		moved := l
		moved.Bundle = "/Users/alice/Applications/LimaBar.app"
		mustEnabled(t, moved, false)
	})

	calls := len(f.Calls)
	if err := l.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("after Disable: %v, want the agent gone", err)
	}
	if len(f.Calls) != calls {
		t.Errorf("Disable ran %q, want no launchctl call", f.Argvs()[calls:])
	}
	mustEnabled(t, l, false)
}

func TestDarwinDisableOverride(t *testing.T) {
	l, f := darwinItem(t)
	if err := l.Enable(); err != nil {
		t.Fatal(err)
	}
	f.Responses = []runner.Response{{
		Match: []string{"launchctl", "print-disabled"},
		Stdout: "disabled services = {\n" +
			"\t\"com.apple.ScreenReaderUIServer\" => enabled\n" +
			"\t\"io.github.limabar\" => disabled\n" +
			"}\n",
	}}
	mustEnabled(t, l, false)
}

func TestDarwinEnableRollsBack(t *testing.T) {
	failing := []runner.Response{{Match: []string{"launchctl", "enable"}, ExitCode: 1, Stderr: "Operation not permitted"}}
	t.Run("no previous entry", func(t *testing.T) {
		l, f := darwinItem(t)
		f.Responses = failing
		err := l.Enable()
		if err == nil || !strings.Contains(err.Error(), "Operation not permitted") {
			t.Fatalf("Enable: got %v, want launchctl's error", err)
		}
		path, _ := l.Path()
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("after a failed Enable: %v, want no agent", err)
		}
	})
	t.Run("previous entry", func(t *testing.T) {
		l, f := darwinItem(t)
		path, _ := l.Path()
		old := []byte("an older agent")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, old, 0o644); err != nil {
			t.Fatal(err)
		}
		f.Responses = failing
		if err := l.Enable(); err == nil {
			t.Fatal("Enable: got no error")
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
			t.Errorf("after a failed Enable the agent is %q, want %q back", got, old)
		}
	})
}

func TestDarwinEnabledAsksLaunchd(t *testing.T) {
	l, f := darwinItem(t)
	if err := l.Enable(); err != nil {
		t.Fatal(err)
	}
	f.Responses = []runner.Response{{Match: []string{"launchctl", "print-disabled"}, ExitCode: 1, Stderr: "Bad request."}}
	if _, err := l.Enabled(); err == nil || !strings.Contains(err.Error(), "Bad request.") {
		t.Errorf("Enabled: got %v, want launchctl's error", err)
	}
}

func TestUnsupportedPlatform(t *testing.T) {
	l := LoginItem{Platform: "windows", Home: t.TempDir(), Executable: `C:\limabar.exe`}
	for name, err := range map[string]error{
		"Enable":  l.Enable(),
		"Disable": l.Disable(),
	} {
		if !errors.Is(err, autostart.ErrNotSupported) {
			t.Errorf("%s: got %v, want ErrNotSupported", name, err)
		}
	}
	if _, err := l.Enabled(); !errors.Is(err, autostart.ErrNotSupported) {
		t.Errorf("Enabled: got %v, want ErrNotSupported", err)
	}
}

func TestTranslocatedAppRefused(t *testing.T) {
	l, f := darwinItem(t)
	l.Bundle = "/private/var/folders/xy/T/AppTranslocation/1A2B3C/d/LimaBar.app"
	if err := l.Enable(); !errors.Is(err, ErrTranslocated) {
		t.Errorf("Enable: got %v, want ErrTranslocated", err)
	}
	path, _ := l.Path()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a LaunchAgent was written for a translocated app: %v", err)
	}
	if len(f.Calls) != 0 {
		t.Errorf("ran %q, want nothing", f.Argvs())
	}
}

func TestRelativePathsRefused(t *testing.T) {
	for _, l := range []LoginItem{
		{Platform: autostart.Linux, Home: t.TempDir(), Executable: "limabar"},
		{Platform: autostart.Darwin, Home: t.TempDir(), Bundle: "LimaBar.app"},
		{Platform: autostart.Darwin, Home: t.TempDir()},
	} {
		if err := l.Enable(); err == nil {
			t.Errorf("Enable(%+v): got no error", l)
		}
	}
}

// TestPlans: the steps of the switch, written out. On macOS the agent is
// written, then launchd's override cleared; its undo is the write's, which
// puts the previous agent back.
func TestPlans(t *testing.T) {
	l, f := darwinItem(t)
	path := filepath.Join(l.Home, "Library", "LaunchAgents", "io.github.limabar.plist")
	mustDo(t, os.MkdirAll(filepath.Dir(path), 0o755))
	mustDo(t, os.WriteFile(path, []byte("an older agent"), 0o600))
	p, err := l.PlanEnable()
	mustDo(t, err)
	data, err := l.Entry()
	mustDo(t, err)
	want := plan.Plan{Subject: "Open LimaBar at Login", Steps: []plan.Step{
		plan.WriteFile{Purpose: "write the login item", Path: path, Data: data, Mode: 0o644, Existed: true, Old: []byte("an older agent"), OldMode: 0o600},
		plan.Command{Purpose: "enable the login item", Argv: []string{"launchctl", "enable", "gui/501/io.github.limabar"}},
	}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got\n%#v\nwant\n%#v", p, want)
	}
	p, err = l.PlanDisable()
	mustDo(t, err)
	want = plan.Plan{Subject: "Open LimaBar at Login", Steps: []plan.Step{plan.RemoveFile{Purpose: "remove the login item", Path: path}}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got\n%#v\nwant\n%#v", p, want)
	}
	if len(f.Calls) != 0 {
		t.Errorf("planning ran %q", f.Argvs())
	}

	lin := linuxItem(t)
	p, err = lin.PlanEnable()
	mustDo(t, err)
	lpath, _ := lin.Path()
	if len(p.Steps) != 1 || p.Steps[0].(plan.WriteFile).Path != lpath || p.Steps[0].(plan.WriteFile).Existed {
		t.Errorf("got %#v, want one new file at %s", p.Steps, lpath)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
