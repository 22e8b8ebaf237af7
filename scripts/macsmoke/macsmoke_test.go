// Package macsmoke tests scripts/mac-smoke.sh, the macOS CI jobs' start and
// quit check of the built app, on Linux: uname and plutil are stand-ins on
// PATH, and the "app" is a shell script that behaves as the case says.
package macsmoke

import (
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
