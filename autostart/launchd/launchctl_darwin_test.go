//go:build darwin

package launchd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// PlistDirVar names a folder where TestPlistsPassPlutilLint leaves the
// plists it wrote, for the CI job to lint them once more on their own.
const PlistDirVar = "LIMABAR_PLIST_DIR"

// TestPlistsPassPlutilLint: the agent and daemon plists LimaBar writes,
// with paths that a template without escaping would break, are valid for
// macOS's own plutil.
func TestPlistsPassPlutilLint(t *testing.T) {
	dir := os.Getenv(PlistDirVar)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := Params{
		Name:        "dev-1",
		InstanceDir: "/Users/o'brien/R&D <vms>/dev-1",
		Limactl:     "/opt/homebrew/bin/limactl",
		Home:        "/Users/o'brien",
		LimaHome:    "/Users/o'brien/R&D <vms>",
		User:        "obrien",
	}
	for _, j := range []Job{Agent(p), Daemon(p)} {
		data, err := Encode(j)
		if err != nil {
			t.Fatal(err)
		}
		path := PlistPath(dir, j.Label)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/usr/bin/plutil", "-lint", path).CombinedOutput()
		if err != nil || !LintOK(out) {
			t.Errorf("plutil -lint %s: %v: %s", path, err, out)
		}
	}
}

// TestParseAgainstRealLaunchctl: the launchctl argv the engine builds
// work on the real launchctl, and ParsePrintDisabled reads what it prints,
// for a harmless job of the test's own (a sleep, in the user's GUI domain
// when there is one): loaded, disabled and enabled again, then booted out
// until print no longer finds it.
func TestParseAgainstRealLaunchctl(t *testing.T) {
	uid := os.Getuid()
	domain := GUIDomain(uid)
	if err := exec.Command("/bin/launchctl", "print", domain).Run(); err != nil {
		domain = fmt.Sprintf("user/%d", uid)
	}
	label := fmt.Sprintf("%s.test.print.%d", BundleID, os.Getpid())
	plist := PlistPath(t.TempDir(), label)
	data, err := Encode(Job{Label: label, ProgramArguments: []string{"/bin/sleep", "600"}, RunAtLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plist, data, 0o644); err != nil {
		t.Fatal(err)
	}
	launchctl := func(args ...string) ([]byte, error) {
		var stderr bytes.Buffer
		cmd := exec.Command("/bin/launchctl", args...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			err = fmt.Errorf("launchctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return out, err
	}
	if _, err := launchctl("bootstrap", domain, plist); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = launchctl("bootout", Target(domain, label))
		_, _ = launchctl("enable", Target(domain, label))
	})

	// launchctl print succeeding is how the engine tells a loaded job.
	if _, err := launchctl(PrintArgv(domain, label)...); err != nil {
		t.Fatalf("a loaded job: %v", err)
	}

	for _, tc := range []struct {
		argv         []string
		wantDisabled bool
	}{
		{DisableArgv(domain, label), true},
		{EnableArgv(domain, label), false},
	} {
		if _, err := launchctl(tc.argv...); err != nil {
			t.Fatal(err)
		}
		out, err := launchctl(PrintDisabledArgv(domain)...)
		if err != nil {
			t.Fatal(err)
		}
		disabled, listed := ParsePrintDisabled(out)[label]
		if !listed || disabled != tc.wantDisabled {
			t.Errorf("after launchctl %s: ParsePrintDisabled[%s] = %v (listed %v), want %v; launchctl print-disabled said:\n%s",
				tc.argv[0], label, disabled, listed, tc.wantDisabled, out)
		}
	}

	if _, err := launchctl("bootout", Target(domain, label)); err != nil {
		t.Fatal(err)
	}
	// bootout returns before the job has exited: wait, bounded, for print
	// to stop finding it.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := launchctl(PrintArgv(domain, label)...); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("launchctl print still finds the job 60 s after bootout")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
