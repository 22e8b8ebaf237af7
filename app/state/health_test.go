package state

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestFixStaleNeverRemovesALiveHostAgent runs a process whose command line
// is Lima's host agent's and checks, against the real /proc, that its
// ha.pid is left alone, while the ha.pid of a process that is gone goes.
func TestFixStaleNeverRemovesALiveHostAgent(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 60; true", "hostagent")
	cmd.Args[0] = "/usr/local/bin/limactl"
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	live := t.TempDir()
	write(t, filepath.Join(live, "ha.pid"), strconv.Itoa(cmd.Process.Pid)+"\n")
	write(t, filepath.Join(live, "ha.sock"), "")
	if st := staleOf(live, Procfs{}); st != nil {
		t.Errorf("a live host agent's ha.pid is called stale: %+v", st)
	}
	if err := FixStale(live, Procfs{}); !errors.Is(err, ErrNotStale) {
		t.Errorf("FixStale of a live host agent: %v, want ErrNotStale", err)
	}
	for _, f := range []string{"ha.pid", "ha.sock"} {
		if _, err := os.Stat(filepath.Join(live, f)); err != nil {
			t.Errorf("%s of a live host agent was removed: %v", f, err)
		}
	}

	// A process that has exited: its pid is free (or another program's).
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	stale := t.TempDir()
	write(t, filepath.Join(stale, "ha.pid"), strconv.Itoa(gone.Process.Pid)+"\n")
	write(t, filepath.Join(stale, "ha.sock"), "")
	if st := staleOf(stale, Procfs{}); st == nil || st.PID != gone.Process.Pid {
		t.Errorf("stale ha.pid not found: %+v", st)
	}
	if err := FixStale(stale, Procfs{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ha.pid", "ha.sock"} {
		if _, err := os.Stat(filepath.Join(stale, f)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", f, err)
		}
	}
}

func TestLogReasonTakesOnlyThisRun(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ha.stderr.log"), `level=fatal msg="qemu-system-x86_64 not found"`+"\n")
	if got, file := logReason(dir, time.Now().Add(-time.Minute)); got != "qemu-system-x86_64 not found" || file != filepath.Join(dir, "ha.stderr.log") {
		t.Errorf("got %q", got)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "ha.stderr.log"), old, old); err != nil {
		t.Fatal(err)
	}
	if got, file := logReason(dir, time.Now().Add(-time.Minute)); got != "" || file != "" {
		t.Errorf("a log of an earlier run gave %q", got)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
