package menu

import (
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// TestTryAgainBootSaysItAsksForAPassword: Try Again of a boot job runs as
// root through the administrator prompt; its tooltip says so before the
// click, a login job's does not.
func TestTryAgainBootSaysItAsksForAPassword(t *testing.T) {
	for _, tc := range []struct {
		cond    autostart.Condition
		tooltip string
	}{
		{autostart.Boot, "Start the job now (asks for an administrator password: the boot job belongs to the system)"},
		{autostart.Login, "Start the job now"},
	} {
		in := inst("default", lima.StatusStopped)
		if tc.cond == autostart.Boot {
			in.Autostart.Boot.Enabled = true
		} else {
			in.Autostart.Login.Enabled = true
		}
		in.Health = &health.Health{State: health.Failed, Reason: "qemu-system-x86_64 not found", ExitCode: 1}
		in.HealthCondition = tc.cond
		m := Build(Input{Snapshot: snap(in)})
		found := false
		for _, c := range m.Instances[0].Children {
			if c.Action.Kind != TryAgain {
				continue
			}
			found = true
			if c.Tooltip != tc.tooltip || !c.Enabled || c.Action.Condition != tc.cond {
				t.Errorf("%s: Try Again %+v, want enabled with tooltip %q", tc.cond, c, tc.tooltip)
			}
		}
		if !found {
			t.Errorf("%s: no Try Again", tc.cond)
		}
	}
}
