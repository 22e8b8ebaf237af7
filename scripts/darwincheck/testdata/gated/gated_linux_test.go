package gated

import (
	"os/exec"
	"testing"
)

// Built on Linux only, so free to run what only Linux has.
func TestLinuxOnly(t *testing.T) {
	exec.Command("systemd-analyze", "verify", "x.service").Run()
	exec.Command("/bin/sh", "-c", "setsid sleep 30 &").Run()
}
