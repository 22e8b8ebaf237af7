package hostenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// TestLoginShellFillsWhatTheAppLacks: an app started from Finder has neither
// limactl on PATH nor LIMA_HOME; the login shell, asked once, gives both.
func TestLoginShellFillsWhatTheAppLacks(t *testing.T) {
	tmp := t.TempDir()
	fromShell := exe(t, filepath.Join(tmp, "brew", "bin", "limactl"))
	vms := filepath.Join(tmp, "vms")
	calls := 0
	h, err := Detect(Options{
		Platform: autostart.Darwin,
		Getenv: func(k string) string {
			return map[string]string{"HOME": filepath.Join(tmp, "home"), "SHELL": "/bin/zsh"}[k]
		},
		LookPath: func(string) (string, error) { return "", errors.New("not found") },
		LoginShell: func(_ context.Context, shell string) (string, string, error) {
			calls++
			if shell != "/bin/zsh" {
				t.Errorf("asked shell %q, want the user's $SHELL", shell)
			}
			return fromShell, vms, nil
		},
		Geteuid: func() int { return 501 },
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.Limactl != fromShell || h.LimaHome != vms {
		t.Errorf("got limactl %q and LIMA_HOME %q, want %q and %q", h.Limactl, h.LimaHome, fromShell, vms)
	}
	if calls != 1 {
		t.Errorf("the login shell ran %d times, want once", calls)
	}
	if err := h.CheckLimaHome(); err == nil || !strings.Contains(err.Error(), "from the login shell") {
		t.Errorf("a missing LIMA_HOME from the shell should say where it came from, got %v", err)
	}
}

// TestLoginShellNotOnLinux: a Linux desktop session has the user's
// environment already; the shell is never asked.
func TestLoginShellNotOnLinux(t *testing.T) {
	tmp := t.TempDir()
	_, err := Detect(Options{
		Platform: autostart.Linux,
		Getenv: func(k string) string {
			return map[string]string{"HOME": tmp}[k]
		},
		LookPath: func(string) (string, error) { return "", errors.New("not found") },
		LoginShell: func(context.Context, string) (string, string, error) {
			t.Error("the login shell was asked on Linux")
			return "", "", nil
		},
		Geteuid: func() int { return 1000 },
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLoginShellNotAsRoot: under sudo the login shell would be root's, and
// root's limactl and LIMA_HOME are not the user's.
func TestLoginShellNotAsRoot(t *testing.T) {
	tmp := t.TempDir()
	_, err := Detect(Options{
		Platform: autostart.Darwin,
		Getenv: func(k string) string {
			return map[string]string{"HOME": tmp}[k]
		},
		LookPath: func(string) (string, error) { return "", errors.New("not found") },
		LoginShell: func(context.Context, string) (string, string, error) {
			t.Error("the login shell was asked as root")
			return "", "", nil
		},
		Geteuid: func() int { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLoginShellSkipsWhatStartupFilesPrint runs the real query through a
// shell whose startup files print a banner and set PATH and LIMA_HOME, as a
// user's ~/.zprofile and ~/.zshrc do.
func TestLoginShellSkipsWhatStartupFilesPrint(t *testing.T) {
	tmp := t.TempDir()
	limactl := exe(t, filepath.Join(tmp, "brew bin", "limactl"))
	colima := exe(t, filepath.Join(tmp, "brew bin", "colima"))
	shell := filepath.Join(tmp, "zsh")
	script := "#!/bin/sh\n" +
		"echo 'Last login: Tue Dec  1 on ttys000'\n" +
		"printf 'a banner without a newline'\n" +
		"[ \"$1 $2 $3\" = '-l -i -c' ] || { echo \"unexpected flags: $*\" >&2; exit 9; }\n" +
		"PATH='" + filepath.Dir(limactl) + "':/usr/bin:/bin LIMA_HOME=/Volumes/VMs/lima COLIMA_HOME=/Volumes/VMs/colima exec /bin/sh -c \"$4\"\n"
	if err := os.WriteFile(shell, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := loginShell(context.Background(), runner.Exec{}, shell)
	if err != nil {
		t.Fatal(err)
	}
	want := shellAnswer{limactl: limactl, limaHome: "/Volumes/VMs/lima", colima: colima, colimaHome: "/Volumes/VMs/colima"}
	if a != want {
		t.Errorf("got %+v, want %+v", a, want)
	}
}

// TestLoginShellTimeLimit: a shell that hangs in its startup files (a
// prompt waiting for input, a slow network mount) costs the app its time
// limit, not its start.
func TestLoginShellTimeLimit(t *testing.T) {
	shell := filepath.Join(t.TempDir(), "zsh")
	if err := os.WriteFile(shell, []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := loginShell(ctx, runner.Exec{}, shell)
	if err == nil {
		t.Fatal("a hanging shell gave an answer")
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("took %s, want about the 200 ms limit", took)
	}
}

// TestProbeThenCompleteAsksOnce: Probe never runs the login shell, so the
// app can show its icon first; Complete runs it once, however often it is
// called.
func TestProbeThenCompleteAsksOnce(t *testing.T) {
	tmp := t.TempDir()
	fromShell := exe(t, filepath.Join(tmp, "brew", "bin", "limactl"))
	calls := 0
	h, err := Probe(Options{
		Platform: autostart.Darwin,
		Getenv:   func(k string) string { return map[string]string{"HOME": tmp}[k] },
		LookPath: func(string) (string, error) { return "", errors.New("not found") },
		LoginShell: func(context.Context, string) (string, string, error) {
			calls++
			return fromShell, "", nil
		},
		Geteuid: func() int { return 501 },
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 || !h.NeedsLoginShell() || h.Limactl != "" {
		t.Fatalf("after Probe: %d shell runs, needs shell %v, limactl %q; want 0, true, none", calls, h.NeedsLoginShell(), h.Limactl)
	}
	for range 3 {
		if err := h.Complete(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 || h.NeedsLoginShell() || h.Limactl != fromShell {
		t.Errorf("after Complete: %d shell runs, needs shell %v, limactl %q; want 1, false, %q", calls, h.NeedsLoginShell(), h.Limactl, fromShell)
	}
}

// TestLoginShellWithABackgroundJob: startup files that leave a background
// job holding the shell's output open (an agent started from ~/.zshrc)
// neither hang the answer nor lose it.
func TestLoginShellWithABackgroundJob(t *testing.T) {
	tmp := t.TempDir()
	shell := filepath.Join(tmp, "zsh")
	script := "#!/bin/sh\nsleep 30 &\nexec /bin/sh -c \"$4\"\n"
	if err := os.WriteFile(shell, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LIMA_HOME", "/Volumes/VMs/lima")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := loginShell(ctx, runner.Exec{}, shell)
	if err != nil {
		t.Fatal(err)
	}
	if a.limaHome != "/Volumes/VMs/lima" {
		t.Errorf("LIMA_HOME = %q, want /Volumes/VMs/lima", a.limaHome)
	}
}

// TestCompleteBoundedWithAHeldPipe: a shell that hangs for 10 s while a
// child holds its output ends with LoginShellLimit plus the runner's
// WaitDelay, not with the child.
func TestCompleteBoundedWithAHeldPipe(t *testing.T) {
	tmp := t.TempDir()
	shell := filepath.Join(tmp, "zsh")
	if err := os.WriteFile(shell, []byte("#!/bin/sh\nsleep 10 &\nsleep 10\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := Probe(Options{
		Platform: autostart.Darwin,
		Getenv:   func(k string) string { return map[string]string{"HOME": tmp, "SHELL": shell}[k] },
		LookPath: func(string) (string, error) { return "", errors.New("not found") },
		Geteuid:  func() int { return 501 },
	})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := h.Complete(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The bound is what is asserted; 9 s leaves the loaded machine time
	// and still fails if the 10 s sleep is waited for.
	if took := time.Since(began); took < LoginShellLimit || took > 9*time.Second {
		t.Errorf("Complete took %s, want between %s and 9s", took, LoginShellLimit)
	}
}
