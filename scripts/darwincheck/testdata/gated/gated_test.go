// Package gated runs Linux-only programs only through the gate: the guard
// must report nothing, and must not read gated_linux_test.go.
package gated

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

func TestUnitVerifies(t *testing.T) {
	analyze := testenv.Tool(t, "systemd-analyze")
	if err := exec.Command(analyze, "verify", "x.service").Run(); err != nil {
		t.Error(err)
	}
	// Programs a Mac has.
	exec.Command("/bin/sh", "-c", "sleep 1; echo ok | cat").Run()
	exec.Command("/usr/bin/plutil", "-lint", "x.plist").Run()
	for _, name := range []string{"mkdir", "cat"} {
		exec.LookPath(name)
	}
}

// A stand-in the test puts on PATH is not the real program.
func TestStandIn(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	if _, err := exec.LookPath("dbus-launch"); err != nil {
		t.Fatal(err)
	}
}
