package autostart

import (
	"testing"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/problem"
)

// TestStopTimeoutOfLimasPlist: a plist as limactl writes it sets no
// ExitTimeOut, and the problem says what launchd then gives the VM: the
// 5 s `launchctl print` shows for such jobs, not the old man page's 20 s.
func TestStopTimeoutOfLimasPlist(t *testing.T) {
	for _, tc := range []struct {
		exitTimeOut int
		want        string
	}{
		{0, "launchd gives the VM 5 s (launchd's default) to shut down when the job stops (logout, shutdown), less than the 3 minutes Lima allows: the VM would be killed mid-shutdown"},
		{60, "launchd gives the VM 60 s to shut down when the job stops (logout, shutdown), less than the 3 minutes Lima allows: the VM would be killed mid-shutdown"},
		{launchd.ExitTimeOut, ""},
	} {
		var got string
		for _, p := range jobStopProblems(launchd.Job{ExitTimeOut: tc.exitTimeOut}, launchdLimaStop) {
			if p.Code == problem.StopTimeout {
				got = p.Message
			}
		}
		if got != tc.want {
			t.Errorf("ExitTimeOut %d: problem %q, want %q", tc.exitTimeOut, got, tc.want)
		}
	}
}
