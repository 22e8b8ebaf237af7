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
}

func (c *cancelling) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.HasPrefix(strings.Join(append([]string{name}, args...), " "), c.step) {
		c.cancel()
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
