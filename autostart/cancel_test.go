package autostart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cancelling is a world whose user presses Ctrl-C at polkit's prompt: the
// call of the step cancels ctx and fails, and like os/exec it starts no
// command once ctx is done.
type cancelling struct {
	*world
	step   string
	cancel context.CancelFunc
	// done makes the step itself succeed before ctx is cancelled: the
	// user pressed Ctrl-C just after it.
	done bool
}

func (c *cancelling) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.HasPrefix(strings.Join(append([]string{name}, args...), " "), c.step) {
		defer c.cancel()
		if c.done {
			return c.world.Run(ctx, name, args...)
		}
		return nil, context.Canceled
	}
	return c.world.Run(ctx, name, args...)
}

// TestLinuxBootCancelledAtPolkitRollsBack: the rollback after a cancelled
// enable-linger still runs its systemctl steps, so that no link of the
// unit that was just removed is left behind.
func TestLinuxBootCancelledAtPolkitRollsBack(t *testing.T) {
	f := newFixture(t, Linux)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &world{env: &f.env}
	f.env.Runner = &cancelling{world: w, step: "loginctl enable-linger", cancel: cancel}
	f.rebuild(t)

	if _, err := f.m.Enable(ctx, f.inst, Boot, EnableOptions{}); err == nil {
		t.Fatal("Enable succeeded although the prompt was cancelled")
	}
	if exists(f.unitPath()) {
		t.Error("the new unit is still there")
	}
	links, _ := filepath.Glob(filepath.Join(filepath.Dir(f.unitPath()), "*.wants", "*"))
	if len(links) != 0 {
		t.Errorf("links left behind: %q; calls %q", links, w.calls)
	}
	if exists(filepath.Join(f.env.LingerDir, f.env.User)) {
		t.Error("lingering was turned on")
	}
	if _, err := os.Stat(filepath.Join(f.env.StateDir, "linger.json")); err == nil {
		t.Error("a lingering record was written")
	}
}

// stuckFile is a Files whose removals fail, as on a folder made read-only.
type stuckFile struct{ OSFiles }

func (stuckFile) Remove(path string) error {
	return &os.PathError{Op: "remove", Path: path, Err: os.ErrPermission}
}

// TestLinuxDisableCancelledRollsBack: Ctrl-C lands just after `systemctl
// disable`, and the unit then cannot be removed. The unit must be enabled
// again, although ctx is done, or it would stay there without its link.
func TestLinuxDisableCancelledRollsBack(t *testing.T) {
	f := newFixture(t, Linux)
	w := &world{env: &f.env}
	f.env.Runner = w
	f.rebuild(t)
	if _, err := f.m.Enable(context.Background(), f.inst, Login, EnableOptions{}); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(filepath.Dir(f.unitPath()), "default.target.wants", "lima-vm@default.service")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.env.Runner = &cancelling{world: w, step: "systemctl --user disable", cancel: cancel, done: true}
	f.env.Files = stuckFile{}
	f.rebuild(t)

	if _, err := f.m.Disable(ctx, f.inst, Login); err == nil {
		t.Fatal("Disable succeeded although the unit could not be removed")
	}
	if !exists(f.unitPath()) {
		t.Fatal("the unit is gone")
	}
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("the unit was left without its link (%v); calls %q", err, w.calls)
	}
}
