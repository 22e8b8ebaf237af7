//go:build linux

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// TestDebInstallAndPurge builds the .deb with scripts/package.sh, installs
// it with apt-get as a user of the package would, runs limabar --version
// and limabar list as an unprivileged user, and purges it: no file the
// package installed (dpkg -L) is left, nor a folder it created.
func TestDebInstallAndPurge(t *testing.T) {
	testenv.Need(t, os.Geteuid() == 0, "installing a package needs root")
	aptGet := testenv.Tool(t, "apt-get")
	dpkg := testenv.Tool(t, "dpkg")
	limactl := testenv.Limactl(t)
	if _, err := os.Lstat("/usr/bin/limabar"); err == nil {
		t.Fatalf("/usr/bin/limabar already exists: remove the installed LimaBar first")
	}
	if out, err := exec.Command(dpkg, "-s", "limabar").CombinedOutput(); err == nil {
		t.Fatalf("the package limabar is already installed:\n%s", out)
	}

	out := t.TempDir()
	build := exec.Command("bash", "scripts/package.sh", "--version", "1.2.3", "--format", "deb", "--build-dir", out)
	build.Dir = repoRoot()
	build.Env = append(os.Environ(), "COMMIT=0123abc", "BUILD_DATE=2026-12-01T12:00:00Z")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("package.sh: %v\n%s", err, b)
	}
	debs, _ := filepath.Glob(filepath.Join(out, "limabar_1.2.3_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("package.sh made %q, want one .deb", debs)
	}

	apt := func(args ...string) {
		t.Helper()
		cmd := exec.Command(aptGet, append([]string{"-y", "-q", "-o", "DPkg::Lock::Timeout=120"}, args...)...)
		cmd.Dir = out
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	purged := false
	t.Cleanup(func() {
		if !purged {
			exec.Command(aptGet, "-y", "-q", "-o", "DPkg::Lock::Timeout=120", "remove", "--purge", "limabar").Run()
		}
	})
	apt("install", "--no-install-recommends", "./"+filepath.Base(debs[0]))

	listed, err := exec.Command(dpkg, "-L", "limabar").Output()
	if err != nil {
		t.Fatalf("dpkg -L limabar: %v", err)
	}
	paths := strings.Split(strings.TrimSpace(string(listed)), "\n")
	for _, p := range []string{"/usr/bin/limabar", "/usr/share/applications/io.github.limabar.desktop", "/usr/share/icons/hicolor/48x48/apps/io.github.limabar.png"} {
		if !slices.Contains(paths, p) {
			t.Errorf("dpkg -L limabar does not list %s", p)
		}
	}

	home := testenv.UserDir(t, unprivileged)
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LIMACTL=" + limactl}
	testenv.LimaInstance(t, filepath.Join(home, ".lima"), "default")
	if b, err := exec.Command("chown", "-R", unprivileged, home).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, b)
	}
	version, err := testenv.RunAs(t, unprivileged, env, "limabar", "--version")
	if err != nil {
		t.Fatalf("limabar --version as %s: %v", unprivileged, err)
	}
	if want := "limabar 1.2.3 (commit 0123abc, built 2026-12-01T12:00:00Z)\n"; version != want {
		t.Errorf("limabar --version printed %q, want %q", version, want)
	}
	list, err := testenv.RunAs(t, unprivileged, env, "limabar", "list")
	if err != nil {
		t.Fatalf("limabar list as %s: %v", unprivileged, err)
	}
	if !strings.HasPrefix(list, "NAME ") || !strings.Contains(list, "\ndefault ") {
		t.Errorf("limabar list printed\n%s", list)
	}

	apt("remove", "--purge", "limabar")
	purged = true
	var left []string
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		// A folder is the package's only if it was made for it: hicolor's
		// size folders and /usr/share/applications belong to the system.
		if fi.IsDir() && !strings.Contains(p, "limabar") {
			continue
		}
		left = append(left, p)
	}
	if len(left) > 0 {
		t.Errorf("left behind after apt-get remove --purge: %q", left)
	}
	if b, err := exec.Command(dpkg, "-s", "limabar").CombinedOutput(); err == nil || !bytes.Contains(b, []byte("not installed")) {
		t.Errorf("dpkg -s limabar after purge: %v\n%s", err, b)
	}
}
