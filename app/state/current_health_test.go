package state

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/health"
)

// TestCurrentHealthForgetsFailuresOfAnEarlierRegistration: a failure
// from before the registration file was written is history; one after
// it, one being restarted, or one whose time or file is unknown stays.
func TestCurrentHealthForgetsFailuresOfAnEarlierRegistration(t *testing.T) {
	dir := t.TempDir()
	unit := filepath.Join(dir, "lima-vm@dev.service")
	write(t, unit, "[Unit]\n")
	written := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	if err := os.Chtimes(unit, written, written); err != nil {
		t.Fatal(err)
	}
	before, after := written.Add(-time.Minute), written.Add(time.Minute)
	for _, tc := range []struct {
		name string
		h    health.Health
		path string
		want health.State
	}{
		{"failed before the registration", health.Health{State: health.Failed, Since: before, ExitCode: 1, Reason: "qemu missing"}, unit, health.Stopped},
		{"failing before the registration", health.Health{State: health.Failing, Since: before, Restarts: 4}, unit, health.Stopped},
		{"failed after the registration", health.Health{State: health.Failed, Since: after}, unit, health.Failed},
		{"failing after the registration", health.Health{State: health.Failing, Since: after}, unit, health.Failing},
		{"restarting now", health.Health{State: health.Failing, Restarting: true, Since: before}, unit, health.Failing},
		{"failure without a time", health.Health{State: health.Failed}, unit, health.Failed},
		{"registration file gone", health.Health{State: health.Failed, Since: before}, filepath.Join(dir, "gone.service"), health.Failed},
		{"no registration file", health.Health{State: health.Failed, Since: before}, "", health.Failed},
		{"running", health.Health{State: health.Running, Since: before}, unit, health.Running},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := currentHealth(tc.h, tc.path)
			if got.State != tc.want {
				t.Fatalf("state %q, want %q", got.State, tc.want)
			}
			if tc.want == health.Stopped && (got.Reason != "" || got.ExitCode != 0 || got.Restarts != 0 || !got.Since.IsZero()) {
				t.Errorf("the old failure's details remain: %+v", got)
			}
			if tc.want == tc.h.State && got != tc.h {
				t.Errorf("got %+v, want it unchanged: %+v", got, tc.h)
			}
		})
	}
}
