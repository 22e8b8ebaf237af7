//go:build linux

package e2e

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// TestScreenshotScript runs scripts/screenshot.sh, which makes the README's
// picture, into a temporary file: the tray icon must appear, the menu and a
// submenu must open, and the capture must hold them. The script needs its
// own X server and bus, which it starts and stops itself.
//
// Real: the script's own X server, session bus and tray (trayer). Stand-in:
// limactl (the script's stub); no systemd runs.
func TestScreenshotScript(t *testing.T) {
	for _, tool := range []string{"Xvfb", "dbus-daemon", "trayer", "xdotool", "xwininfo", "import", "convert", "setpriv"} {
		_, err := exec.LookPath(tool)
		testenv.Need(t, err == nil, tool+" is missing (scripts/deps.sh installs it)")
	}
	out := filepath.Join(t.TempDir(), "shot.png")
	// The script's own clean-up stops what it started; should it hang,
	// the whole process group (Xvfb, the bus, trayer, the app) is killed,
	// since a leftover display or bus would break the next run.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot(), "scripts", "screenshot.sh"), out)
	cmd.Dir = repoRoot()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot.sh: %v\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", out, err)
	}
	// The menu alone is about 400 px wide; with its open submenu the
	// capture is wider than 600 and taller than 200.
	if cfg.Width < 600 || cfg.Height < 200 {
		t.Errorf("got a %d×%d capture, want the menu and its submenu (at least 600×200)", cfg.Width, cfg.Height)
	}
}
