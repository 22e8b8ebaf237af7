// Command launchctl stands in for /bin/launchctl in tests on Linux. It
// answers from the launchd model (autostart/launchd/launchdmodel), kept in
// $FAKE_STATE/launchd.json between runs under a lock, so that the real
// limabar binary and the privileged script meet the same launchd the unit
// tests do: a bootstrap of a label still loaded fails with error 5, a bootout
// returns before the job has exited, and so on. Model time is the wall clock
// (or the time a test stopped it at) plus an offset kept in the same file.
//
// Installed under the name sleep, it moves the model's clock forward by
// its argument (seconds) instead of sleeping, so that a script waiting for
// a job to exit does not wait for real.
//
// launchd sees the caller's effective uid, or FAKE_EUID when set: the
// stand-ins of the administrator dialog and of sudo cannot make a script
// root, and say so that way. The model then refuses what launchd refuses
// that caller (a change of the system domain by a user).
//
// Every call is appended to $FAKE_LOG ("launchctl ARGS…"). Fault injection,
// as the shell fakes do: FAKE_FAIL naming the subcommand (e.g. "enable")
// makes it fail with "Input/output error" before the model sees it, and
// FAKE_SLEEP=SECONDS delays every call.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

func main() {
	state := os.Getenv("FAKE_STATE")
	if state == "" {
		fmt.Fprintln(os.Stderr, "fake launchctl: FAKE_STATE is not set")
		os.Exit(2)
	}
	args := os.Args[1:]
	if filepath.Base(os.Args[0]) == "sleep" {
		os.Exit(sleep(state, args))
	}
	record("launchctl " + strings.Join(args, " "))
	if s := os.Getenv("FAKE_SLEEP"); s != "" {
		if d, err := strconv.ParseFloat(s, 64); err == nil {
			time.Sleep(time.Duration(d * float64(time.Second)))
		}
	}
	if len(args) > 0 && slices.Contains(strings.Fields(os.Getenv("FAKE_FAIL")), args[0]) {
		fmt.Fprintf(os.Stderr, "launchctl %s failed: Input/output error\n", args[0])
		os.Exit(5)
	}
	var res launchdmodel.Result
	if err := withModel(state, func(m *launchdmodel.Model, _ *launchdmodel.OffsetClock) {
		res = m.LaunchctlAs(caller(), args...)
	}); err != nil {
		fmt.Fprintln(os.Stderr, "fake launchctl:", err)
		os.Exit(2)
	}
	os.Stdout.WriteString(res.Stdout)
	os.Stderr.WriteString(res.Stderr)
	os.Exit(res.Code)
}

// caller is the uid launchd sees: FAKE_EUID, or the effective uid.
func caller() int {
	if s := os.Getenv("FAKE_EUID"); s != "" {
		if uid, err := strconv.Atoi(s); err == nil {
			return uid
		}
	}
	return os.Geteuid()
}

// sleep moves the model's clock forward instead of sleeping.
func sleep(state string, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: sleep SECONDS")
		return 1
	}
	secs, err := strconv.ParseFloat(args[0], 64)
	if err != nil || secs < 0 {
		fmt.Fprintf(os.Stderr, "sleep: invalid time interval %q\n", args[0])
		return 1
	}
	record("sleep " + args[0])
	if err := withModel(state, func(_ *launchdmodel.Model, c *launchdmodel.OffsetClock) {
		c.Offset += time.Duration(secs * float64(time.Second))
	}); err != nil {
		fmt.Fprintln(os.Stderr, "fake sleep:", err)
		return 2
	}
	return 0
}

// withModel runs f on the model under an exclusive lock and saves it.
func withModel(state string, f func(*launchdmodel.Model, *launchdmodel.OffsetClock)) error {
	lock, err := os.OpenFile(filepath.Join(state, "launchd.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	path := filepath.Join(state, "launchd.json")
	m, clock, err := launchdmodel.LoadFile(path)
	if err != nil {
		return err
	}
	f(m, clock)
	return launchdmodel.SaveFile(path, m, clock)
}

func record(line string) {
	log := os.Getenv("FAKE_LOG")
	if log == "" {
		return
	}
	f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(line + "\n")
}
