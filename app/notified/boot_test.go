package notified

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/health"
)

// TestStandingFailureOncePerBoot: a job that fails at every boot and never
// once runs is never cleared from the record; it is told once in each boot
// (also when LimaBar restarts within it), and again after a reboot.
func TestStandingFailureOncePerBoot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	open := func(boot string) *Record {
		r := Open(dir)
		r.Boot = boot
		return r
	}
	const boot1, boot2 = "6f1c7d2e-0b7a-4a52-9d0e-1f5b8c3a9e01", "b2d9e4a0-5c1f-4e3b-8a6d-7c0e2f9b1d34"
	run := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	failing := func(r *Record, since time.Time) bool {
		t.Helper()
		h := health.Health{State: health.Failing, Since: since, ExitCode: 1, Restarts: 3}
		first, err := r.First("default/login", h.Key("default", "login", r.Boot))
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	r := open(boot1)
	steps := []struct {
		what string
		rec  *Record
		at   time.Time
		want bool
	}{
		{"the loop is first read", r, run, true},
		{"its next run fails", r, run.Add(10 * time.Second), false},
		{"LimaBar restarts in the same boot", open(boot1), run.Add(20 * time.Second), false},
		{"after a reboot the same loop", open(boot2), run.Add(time.Hour), true},
		{"its next run in that boot", open(boot2), run.Add(time.Hour + 10*time.Second), false},
	}
	for _, s := range steps {
		if got := failing(s.rec, s.at); got != s.want {
			t.Errorf("%s: notified %v, want %v", s.what, got, s.want)
		}
	}
}

func TestLinuxBootID(t *testing.T) {
	read := func(path string) ([]byte, error) {
		if path != "/proc/sys/kernel/random/boot_id" {
			return nil, errors.New("unexpected path " + path)
		}
		return []byte("6f1c7d2e-0b7a-4a52-9d0e-1f5b8c3a9e01\n"), nil
	}
	if got, want := linuxBootID(read), "6f1c7d2e-0b7a-4a52-9d0e-1f5b8c3a9e01"; got != want {
		t.Errorf("boot id %q, want %q", got, want)
	}
	gone := func(string) ([]byte, error) { return nil, errors.New("no such file") }
	if got := linuxBootID(gone); got != "" {
		t.Errorf("boot id without the file: %q, want none", got)
	}
}

func TestBootTime(t *testing.T) {
	for _, c := range []struct {
		sec, usec int64
		want      string
	}{
		{1733600000, 42, "1733600000.000042"},
		{1733600000, 999999, "1733600000.999999"},
		{0, 0, ""},
	} {
		if got := bootTime(c.sec, c.usec); got != c.want {
			t.Errorf("bootTime(%d, %d) = %q, want %q", c.sec, c.usec, got, c.want)
		}
	}
}

// TestBootOfThisMachine: Linux and macOS name every boot, so the
// record has a boot to key standing failures with.
func TestBootOfThisMachine(t *testing.T) {
	if got := Open("").Boot; got == "" || got != Boot() {
		t.Errorf("Open's boot %q, Boot() %q: want the same, not empty", got, Boot())
	}
}
