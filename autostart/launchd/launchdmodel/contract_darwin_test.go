//go:build darwin

package launchdmodel

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/launchd"
)

// TestContractLaunchctl runs the contracts against the real launchctl, with
// a harmless job of its own (a shell loop that exits 5 s after SIGTERM), in
// gui/$UID and, through sudo, in system. It runs only when
// LIMABAR_LAUNCHD_CONTRACT=1 (the Mac jobs of CI), since it loads jobs into
// the machine's launchd; there a missing sudo is a failure, not a skip.
func TestContractLaunchctl(t *testing.T) {
	if os.Getenv("LIMABAR_LAUNCHD_CONTRACT") != "1" {
		t.Skip("set LIMABAR_LAUNCHD_CONTRACT=1 to run against the real launchctl")
	}
	for _, domain := range []string{fmt.Sprintf("gui/%d", os.Getuid()), "system"} {
		for i, c := range contracts {
			t.Run(domain+"/"+c.name, func(t *testing.T) {
				var prefix []string
				if domain == "system" && os.Geteuid() != 0 {
					prefix = []string{"sudo", "-n"}
					if out, err := exec.Command("sudo", "-n", "true").CombinedOutput(); err != nil {
						t.Fatalf("the system domain needs passwordless sudo: %v: %s", err, out)
					}
				}
				dir := t.TempDir()
				l := &launchdUnderTest{
					run:       func(args ...string) Result { return realLaunchctl(prefix, args...) },
					wait:      time.Sleep,
					domain:    domain,
					label:     fmt.Sprintf("io.github.limabar.contract.%d.%d", os.Getpid(), i),
					exitDelay: 5 * time.Second,
					slack:     2 * time.Second,
				}
				l.install = func(t *testing.T, job launchd.Job) string {
					data, err := launchd.Encode(job)
					if err != nil {
						t.Fatal(err)
					}
					p := filepath.Join(dir, job.Label+".plist")
					if err := os.WriteFile(p, data, 0o644); err != nil {
						t.Fatal(err)
					}
					if domain == "system" {
						// launchd loads a daemon only from a file root owns.
						if out, err := exec.Command("sudo", "-n", "chown", "root:wheel", p).CombinedOutput(); err != nil && os.Geteuid() != 0 {
							t.Fatalf("chown: %v: %s", err, out)
						}
					}
					return p
				}
				// The job's own process exits: nothing to tell.
				l.exited = func(*testing.T, int) {}
				t.Cleanup(l.cleanup)
				c.body(t, l)
			})
		}
	}
}

// realLaunchctl runs /bin/launchctl, after prefix (sudo) when given.
func realLaunchctl(prefix []string, args ...string) Result {
	argv := append(append(append([]string{}, prefix...), "/bin/launchctl"), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		code = -1
		errb.WriteString(err.Error())
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}
