//go:build darwin

package launchdmodel

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/launchd"
)

// TestContractSystemNeedsRoot: on a Mac, a user's launchctl may read a job
// of the system domain but not change it; each refused call must print
// and exit exactly what the model answers the same caller (domain.go),
// so that a Mac pins the forms no public capture shows. It loads a
// harmless job through sudo, as TestContractLaunchctl does, and runs only
// when LIMABAR_LAUNCHD_CONTRACT=1; there it needs an ordinary user with
// passwordless sudo, and fails without.
func TestContractSystemNeedsRoot(t *testing.T) {
	if os.Getenv("LIMABAR_LAUNCHD_CONTRACT") != "1" {
		t.Skip("set LIMABAR_LAUNCHD_CONTRACT=1 to run against the real launchctl")
	}
	uid := os.Geteuid()
	if uid == 0 {
		t.Fatal("the contract needs an ordinary user as the caller, with passwordless sudo to set the job up")
	}
	if out, err := exec.Command("sudo", "-n", "true").CombinedOutput(); err != nil {
		t.Fatalf("the system domain needs passwordless sudo: %v: %s", err, out)
	}
	label := fmt.Sprintf("io.github.limabar.contract.%d.privilege", os.Getpid())
	target := "system/" + label
	job := launchd.Job{Label: label, ProgramArguments: []string{"/bin/sh", "-c", "exit 1"}}
	data, err := launchd.Encode(job)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), label+".plist")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sudo := []string{"sudo", "-n"}
	for _, args := range [][]string{{"/usr/sbin/chown", "root:wheel", path}, {"/bin/launchctl", "bootstrap", "system", path}} {
		if out, err := exec.Command("sudo", append([]string{"-n"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("sudo %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() {
		realLaunchctl(sudo, "bootout", target)
		realLaunchctl(sudo, "enable", target)
	})

	m := New(WallClock{}, os.ReadFile)
	m.Load("system", path, job)
	if r := realLaunchctl(nil, "print", target); r.Code != 0 {
		t.Errorf("print %s as uid %d: exit %d: %s; anyone may read the system domain", target, uid, r.Code, r.Stderr)
	}
	for _, args := range [][]string{
		{"kickstart", target},
		{"kickstart", "-k", target},
		{"enable", target},
		{"disable", target},
		{"bootout", target},
		{"bootstrap", "system", path},
	} {
		real, model := realLaunchctl(nil, args...), m.LaunchctlAs(uid, args...)
		if real.Code != model.Code || real.Stderr != model.Stderr {
			t.Errorf("launchctl %s as uid %d:\n real exit %d, stderr %q\nmodel exit %d, stderr %q",
				strings.Join(args, " "), uid, real.Code, real.Stderr, model.Code, model.Stderr)
		}
	}
}
