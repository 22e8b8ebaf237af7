package cli

import (
	"context"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
)

// listBackend lists fixed instances.
type listBackend struct {
	warningBackend
	snap state.Snapshot
}

func (b *listBackend) Snapshot(context.Context) state.Snapshot { return b.snap }

// TestListCountsLimactlErrors: the PROBLEMS column counts a broken
// lima.yaml as well as a registration's problems, so that `limabar list`
// never shows 0 beside an instance that cannot start.
func TestListCountsLimactlErrors(t *testing.T) {
	on := autostart.CondStatus{Supported: true, Enabled: true, Problems: []autostart.Problem{{Code: "path-missing", Message: "no PATH"}}}
	off := autostart.CondStatus{Supported: true}
	b := &listBackend{snap: state.Snapshot{Limactl: "/usr/bin/limactl", Instances: []state.Instance{
		{Instance: lima.Instance{Name: "bad", Status: "Broken", Errors: []string{"lima.yaml: line 3: mapping values are not allowed"}}, Autostart: autostart.Status{Login: off, Boot: off}},
		{Instance: lima.Instance{Name: "default", Status: "Running"}, Autostart: autostart.Status{Login: on, Boot: off}},
	}}}
	code, stdout, stderr := run(b, "list")
	want := "NAME     STATUS   LOGIN  BOOT  PROBLEMS\n" +
		"bad      Broken   off    off   1\n" +
		"default  Running  on     off   1\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Errorf("got exit %d, stdout:\n%s\nstderr %q; want stdout:\n%s", code, stdout, stderr, want)
	}
}
