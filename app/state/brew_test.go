package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// TestTakeOverOnlyWhenAsked: the default profile that brew services starts
// (an enabled homebrew.colima.service) shows brew's unit in the snapshot;
// Enable refuses rather than add a second job or stop brew's unasked, and
// only EnableTakingOver, the click on the switch that says it takes over,
// stops and disables brew's unit and registers LimaBar's.
func TestTakeOverOnlyWhenAsked(t *testing.T) {
	w := newColimaWorld(t)
	units := filepath.Join(w.home, ".config", "systemd", "user")
	brew := filepath.Join(units, "homebrew.colima.service")
	put(t, brew, "[Unit]\nDescription=Homebrew generated unit for colima\n\n[Service]\nExecStart=/home/linuxbrew/.linuxbrew/opt/colima/bin/colima start -f\n\n[Install]\nWantedBy=default.target\n")
	if err := os.MkdirAll(filepath.Join(units, "default.target.wants"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(brew, filepath.Join(units, "default.target.wants", "homebrew.colima.service")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := w.live.Snapshot(ctx)
	var got []string
	for _, in := range s.Instances {
		got = append(got, in.ID()+"="+in.BrewServices)
	}
	if want := []string{"colima=", "colima:default=" + brew, "colima:work="}; !slices.Equal(got, want) {
		t.Errorf("brew services per instance %q, want %q", got, want)
	}

	// The engine of newColimaWorld with absolute tools, as a job needs,
	// and a systemctl that does what it is asked.
	bin := filepath.Join(w.home, "bin")
	put(t, filepath.Join(bin, "colima"), "#!/bin/sh\n")
	put(t, filepath.Join(bin, "limactl"), "#!/bin/sh\n")
	for _, f := range []string{"colima", "limactl"} {
		if err := os.Chmod(filepath.Join(bin, f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sd := runner.NewFake(t, runner.Response{Match: []string{"systemctl", "--user"}})
	env := w.live.Engine.Env()
	env.Colima, env.Limactl, env.Runner = filepath.Join(bin, "colima"), filepath.Join(bin, "limactl"), sd
	engine, err := autostart.New(env)
	if err != nil {
		t.Fatal(err)
	}
	w.live.Engine = engine
	ours := filepath.Join(units, "limabar-colima@default.service")
	if _, err := w.live.Enable(ctx, "colima:default", autostart.Login); !errors.Is(err, autostart.ErrBrewServices) {
		t.Fatalf("Enable: %v, want ErrBrewServices", err)
	}
	if _, err := os.Stat(ours); !errors.Is(err, os.ErrNotExist) || len(sd.Argvs()) != 0 {
		t.Fatalf("the refused Enable changed something: %v, ran %q", err, sd.Argvs())
	}

	if _, err := w.live.EnableTakingOver(ctx, "colima:default", autostart.Login); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ours); err != nil {
		t.Errorf("LimaBar's unit: %v", err)
	}
	if !slices.Contains(sd.Argvs(), "systemctl --user disable --now homebrew.colima.service") {
		t.Errorf("brew's unit not stopped: ran %q", sd.Argvs())
	}
}
