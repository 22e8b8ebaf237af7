// Package macsmoke tests scripts/mac-smoke.sh, the macOS CI jobs' start and
// quit check of the built app, on Linux: uname and plutil are stand-ins on
// PATH, and the "app" is a shell script that behaves as the case says.
package macsmoke

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// apps are the behaviours of the app under test, as bash scripts.
var apps = map[string]struct {
	script   string
	wantOK   bool
	wantText string
}{
	"runs and quits on SIGTERM": {
		script:   "trap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n",
		wantOK:   true,
		wantText: "quit on SIGTERM within",
	},
	"exits at once": {
		script:   "echo 'limabar: boom' >&2\nexit 3\n",
		wantText: " s with status 3",
	},
	"killed by SIGTERM": {
		script:   "while :; do sleep 0.1; done\n",
		wantText: "exited with status 143 after SIGTERM",
	},
	"ignores SIGTERM": {
		script:   "trap '' TERM\nwhile :; do sleep 0.1; done\n",
		wantText: "still running 10 s after SIGTERM",
	},
	"writes a crash report": {
		script: "trap 'exit 0' TERM\nmkdir -p \"$HOME/Library/Logs/DiagnosticReports\"\n" +
			"touch \"$HOME/Library/Logs/DiagnosticReports/limabar-2026-12-03-120000.ips\"\n" +
			"while :; do sleep 0.1; done\n",
		wantText: "crash reports were written",
	},
}

func TestMacSmoke(t *testing.T) {
	script, err := filepath.Abs("../mac-smoke.sh")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range apps {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			app := filepath.Join(dir, "LimaBar.app")
			home := filepath.Join(dir, "home")
			for path, text := range map[string]string{
				filepath.Join(bin, "uname"):                        "#!/bin/sh\necho Darwin\n",
				filepath.Join(bin, "plutil"):                       "#!/bin/sh\necho limabar\n",
				filepath.Join(app, "Contents", "Info.plist"):       "",
				filepath.Join(app, "Contents", "MacOS", "limabar"): "#!/bin/bash\n" + tc.script,
				filepath.Join(home, ".keep"):                       "",
			} {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", script, app)
			cmd.Env = append(os.Environ(), "HOME="+home, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if ok := err == nil; ok != tc.wantOK {
				t.Errorf("mac-smoke.sh: %v, want success %v; output:\n%s", err, tc.wantOK, out)
			}
			if !strings.Contains(string(out), tc.wantText) {
				t.Errorf("output lacks %q:\n%s", tc.wantText, out)
			}
		})
	}
}

// probes are the behaviours of the probe under --native, as bash scripts.
var probes = map[string]struct {
	script   string
	wantOK   bool
	wantText string
}{
	"passes": {
		script:   "echo \"probe: ok ($*)\"\necho 'level=INFO msg=posted' >&2\n",
		wantOK:   true,
		wantText: "the probe passed in the bundle",
	},
	"fails": {
		script:   "echo 'probe: FAIL: status after register: notFound, want enabled or requiresApproval'\nexit 1\n",
		wantText: "the probe exited with status 1",
	},
	"crashes": {
		script:   "echo 'bundleProxyForCurrentProcess is nil' >&2\nkill -ABRT $$\n",
		wantText: "the probe exited with status 134",
	},
	"writes a crash report": {
		script: "mkdir -p \"$HOME/Library/Logs/DiagnosticReports\"\n" +
			"touch \"$HOME/Library/Logs/DiagnosticReports/limabar-2026-12-03-120000.ips\"\n",
		wantText: "crash reports were written",
	},
}

func TestMacSmokeNative(t *testing.T) {
	script, err := filepath.Abs("../mac-smoke.sh")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range probes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			app := filepath.Join(dir, "LimaBar.app")
			home := filepath.Join(dir, "home")
			calls := filepath.Join(dir, "calls")
			probe := filepath.Join(dir, "probe")
			lsregister := filepath.Join(dir, "lsregister")
			for path, text := range map[string]string{
				filepath.Join(bin, "uname"):                        "#!/bin/sh\necho Darwin\n",
				filepath.Join(bin, "plutil"):                       "#!/bin/sh\necho limabar\n",
				filepath.Join(bin, "codesign"):                     "#!/bin/sh\necho \"codesign $*\" >> '" + calls + "'\n",
				lsregister:                                         "#!/bin/sh\necho \"lsregister $*\" >> '" + calls + "'\n",
				filepath.Join(app, "Contents", "Info.plist"):       "<plist/>",
				filepath.Join(app, "Contents", "MacOS", "limabar"): "#!/bin/sh\necho 'the app itself ran'\nexit 9\n",
				probe: "#!/bin/bash\n" +
					"case \"$0\" in */LimaBar.app/Contents/MacOS/limabar) ;; *) echo \"probe run as $0\"; exit 8;; esac\n" +
					"[ -f \"$(dirname \"$0\")/../Info.plist\" ] || { echo 'no Info.plist beside the probe'; exit 7; }\n" +
					tc.script,
				filepath.Join(home, ".keep"): "",
			} {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", script, "--native", app, probe, "login-item")
			cmd.Env = append(os.Environ(), "HOME="+home, "LSREGISTER="+lsregister,
				"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if ok := err == nil; ok != tc.wantOK {
				t.Errorf("mac-smoke.sh --native: %v, want success %v; output:\n%s", err, tc.wantOK, out)
			}
			if !strings.Contains(string(out), tc.wantText) {
				t.Errorf("output lacks %q:\n%s", tc.wantText, out)
			}
			if tc.wantOK && !strings.Contains(string(out), "probe: ok (login-item)") {
				t.Errorf("the probe did not get its check:\n%s", out)
			}
			data, err := os.ReadFile(calls)
			if err != nil {
				t.Fatal(err)
			}
			// The copy is signed and registered, then unregistered;
			// the built app is left alone.
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[0], "codesign --force --sign - ") ||
				!strings.HasPrefix(lines[1], "lsregister -f ") || !strings.HasPrefix(lines[2], "lsregister -u ") ||
				strings.Contains(string(data), app+"\n") {
				t.Errorf("calls:\n%s", data)
			}
			if got, _ := os.ReadFile(filepath.Join(app, "Contents", "MacOS", "limabar")); !strings.Contains(string(got), "the app itself ran") {
				t.Error("the built app's executable was replaced")
			}
		})
	}
}

func TestMacSmokeNativeUsage(t *testing.T) {
	cmd := exec.Command("bash", "../mac-smoke.sh", "--native", "LimaBar.app")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 || !strings.Contains(string(out), "usage:") {
		t.Errorf("got %v, %q; want exit 2 with the usage", err, out)
	}
}
