// Package unguarded runs Linux-only programs from a test compiled for
// darwin, with no gate: the guard must report every marked line.
package unguarded

import (
	"context"
	"os/exec"
	"testing"

	"github.com/limabar/limabar/autostart/runner"
)

// needTool looks a program up by the name it is given.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// timedRun runs a shell script.
func timedRun(script string) error {
	_, err := runner.Exec{}.Run(context.Background(), "/bin/sh", "-c", script)
	return err
}

func TestUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze") // reported: line 30
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(analyze, "verify", "x.service").Run(); err != nil {
		t.Error(err)
	}
	exec.Command("systemd-analyze", "verify", "y.service").Run()                     // reported: line 37
	exec.CommandContext(context.Background(), "/usr/bin/plistutil", "-i", "x").Run() // reported: line 38
	needTool(t, "desktop-file-validate")                                             // reported: line 39
	timedRun(`setsid sleep 30 & echo $!; wait`)                                      // reported: line 40
	exec.Command("sh", "-c", "true && Xvfb :1").Run()                                // reported: line 41
	for _, name := range []string{"cat", "dbus-daemon"} {                            // reported: line 42
		exec.LookPath(name)
	}
	exec.Command("frobnicate").Run() // reported: line 45
}
