//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// guestShutdown is how long the stand-in host agent takes to shut its
// guest down after SIGTERM: more than Lima's unit allows (TimeoutSec=10).
const guestShutdown = 15

// hostAgentStandIn is a limactl whose `start NAME --foreground` behaves
// like Lima's host agent: it runs a QEMU stand-in as its child and, on
// SIGTERM, takes guestShutdown seconds to shut the guest down, asks QEMU
// to quit (SIGUSR1 here) and exits 0. Each step goes to LOG. Other
// commands are stubLimactl's. The shutdown is one-second sleeps, not one
// long one: under Lima's unit systemd sends SIGTERM to every process of the
// unit, and a sleep forked before it did so would end at once and make the
// shutdown look fast.
func hostAgentStandIn(log, qemu string) string {
	return `#!/bin/sh
if [ "$1" = start ]; then
	` + qemu + ` &
	qemu=$!
	sleep 3600 &
	s=$!
	trap 'kill $s; echo sigterm >> ` + log + `; i=0; while [ $i -lt ` + itoa(guestShutdown) + ` ]; do sleep 1; i=$((i+1)); done; kill -USR1 $qemu; wait $qemu; echo clean-exit >> ` + log + `; exit 0' TERM
	echo started >> ` + log + `
	wait $s
	echo woke-without-sigterm >> ` + log + `
	exit 1
fi
` + strings.TrimPrefix(stubLimactl(log+".calls"), "#!/bin/sh\n")
}

// qemuStandIn records whether it was told to quit by the host agent
// (SIGUSR1) or by systemd directly (SIGTERM: QEMU would quit at once and
// the guest lose what it had not written).
func qemuStandIn(log string) string {
	return `#!/bin/sh
sleep 3600 &
s=$!
trap 'kill $s; echo qemu-sigterm >> ` + log + `; exit 1' TERM
trap 'kill $s; echo qemu-quit >> ` + log + `; exit 0' USR1
echo qemu-ready >> ` + log + `
wait $s
`
}

// TestLinuxStopIsGraceful: a unit LimaBar wrote, whose host agent takes 15 s
// to shut its guest down after SIGTERM, stops with `systemctl --user stop`
// without SIGKILL, and QEMU is told to quit by the host agent, not by
// systemd. The same job under Lima's own unit (TimeoutSec=10, default
// KillMode) is killed mid-shutdown: the test can tell the two apart.
//
// Real: a systemd user manager, which stops the unit. Stand-ins: limactl's
// host agent and QEMU (hostAgentStandIn, qemuStandIn).
func TestLinuxStopIsGraceful(t *testing.T) {
	sd := testenv.SystemdUser(t, testenv.SystemdOptions{User: unprivileged})
	testenv.LimaInstance(t, filepath.Join(sd.Home, ".lima"), "default")
	log := filepath.Join(sd.Home, "agent.log")
	bin := filepath.Join(sd.Home, "bin")
	limactl, qemu := filepath.Join(bin, "limactl"), filepath.Join(bin, "qemu")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for p, text := range map[string]string{limactl: hostAgentStandIn(log, qemu), qemu: qemuStandIn(log)} {
		if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("chown", "-R", itoa(sd.UID)+":"+itoa(sd.GID), sd.Home).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	unit := "lima-vm@default.service"
	unitPath := filepath.Join(sd.ConfigHome, "systemd", "user", unit)

	// run starts the unit, waits until the host agent and QEMU run, stops
	// it, and returns the log and the unit's Result.
	run := func(t *testing.T) (string, string) {
		os.Remove(log)
		if _, err := sd.Systemctl("start", unit); err != nil {
			t.Fatalf("start: %v", err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			data, _ := os.ReadFile(log)
			if strings.Contains(string(data), "started\n") && strings.Contains(string(data), "qemu-ready\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the host agent stand-in did not start; log:\n%s", data)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// systemctl stop returns when the unit has stopped, cleanly or
		// killed.
		if out, err := sd.Systemctl("stop", unit); err != nil {
			t.Fatalf("stop: %v: %s", err, out)
		}
		data, _ := os.ReadFile(log)
		out, err := sd.Systemctl("show", "-p", "Result", unit)
		if err != nil {
			t.Fatalf("show: %v", err)
		}
		return string(data), strings.TrimSpace(out)
	}

	t.Run("LimaBar's unit", func(t *testing.T) {
		if r := userLimabar(t, sd, map[string]string{"LIMACTL": limactl}, "enable", "--condition=login", "default"); r.code != 0 {
			t.Fatalf("enable: exit %d: %s", r.code, r.stderr)
		}
		got, result := run(t)
		if want := "started\nqemu-ready\nsigterm\nqemu-quit\nclean-exit\n"; sortedLines(got) != sortedLines(want) {
			t.Errorf("log:\n%s\nwant the lines of\n%s", got, want)
		}
		if result != "Result=success" {
			t.Errorf("%s, want Result=success", result)
		}
	})

	t.Run("Lima's unit", func(t *testing.T) {
		text := strings.ReplaceAll(limactlUnit, "@LIMACTL@", limactl)
		if err := os.WriteFile(unitPath, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := sd.Systemctl("daemon-reload"); err != nil {
			t.Fatal(err)
		}
		got, result := run(t)
		if strings.Contains(got, "clean-exit") || !strings.Contains(got, "qemu-sigterm") {
			t.Errorf("log:\n%s\nwant QEMU terminated by systemd and no clean exit", got)
		}
		if result != "Result=timeout" {
			t.Errorf("%s, want Result=timeout", result)
		}
	})
}

// sortedLines puts the lines of s in order: the host agent and QEMU write
// theirs concurrently.
func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
