package elevate

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

func TestKickstartScriptGolden(t *testing.T) {
	got, err := KickstartScript(DarwinTools, goldenLabel)
	must(t, err)
	want, err := os.ReadFile(filepath.Join("testdata", "kickstart-darwin.sh.golden"))
	must(t, err)
	if got != string(want) {
		t.Errorf("script differs from testdata/kickstart-darwin.sh.golden:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestKickstartScriptRejects(t *testing.T) {
	noLaunchctl := PathTools
	noLaunchctl.Launchctl = ""
	for _, tc := range []struct {
		name, label string
		tools       Tools
	}{
		{"login label", "io.lima-vm.autostart.default", PathTools},
		{"no name", "io.lima-vm.daemon.", PathTools},
		{"semicolon", "io.lima-vm.daemon.a;id", PathTools},
		{"quote", "io.lima-vm.daemon.a'b", PathTools},
		{"no launchctl", goldenLabel, noLaunchctl},
	} {
		if s, err := KickstartScript(tc.tools, tc.label); err == nil {
			t.Errorf("%s: accepted label %q: %q", tc.name, tc.label, s)
		}
	}
}

// TestKickstartScriptRuns: the script runs launchctl kickstart of the
// system job and nothing else; when launchctl fails, its own complaint and
// a line naming the step are on stderr and the script exits 1.
func TestKickstartScriptRuns(t *testing.T) {
	for _, shell := range shells() {
		t.Run(filepath.Base(shell), func(t *testing.T) {
			sb := newSandbox(t)
			sb.shell = shell
			script, err := KickstartScript(PathTools, goldenLabel)
			must(t, err)
			want := [][]string{{"launchctl", "kickstart", "system/" + goldenLabel}}

			r := sb.run(t, t.TempDir(), script)
			if r.code != 0 || r.stderr != "" || !reflect.DeepEqual(r.calls, want) {
				t.Errorf("exit %d, stderr %q, calls %q; want 0, nothing, %q", r.code, r.stderr, r.calls, want)
			}
			r = sb.run(t, t.TempDir(), script, "FAKE_FAIL=kickstart")
			if r.code != 1 || !strings.HasSuffix(r.stderr, "limabar: launchctl kickstart failed\n") || !reflect.DeepEqual(r.calls, want) {
				t.Errorf("failing kickstart: exit %d, stderr %q, calls %q", r.code, r.stderr, r.calls)
			}
		})
	}
}

// TestKickstartScriptShellcheck lints the script as POSIX sh; see
// TestScriptShellcheck for why a missing shellcheck fails under CI on Linux
// and skips on a Mac.
func TestKickstartScriptShellcheck(t *testing.T) {
	shellcheck := testenv.Tool(t, "shellcheck")
	script, err := KickstartScript(DarwinTools, goldenLabel)
	must(t, err)
	cmd := exec.Command(shellcheck, "--shell=sh", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
