package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// LimactlEnv names the environment variable that points the tests at a
// limactl of one's own instead of the one scripts/build-limactl.sh builds.
const LimactlEnv = "LIMABAR_LIMACTL"

// MinimalLimaYAML is the smallest lima.yaml that Lima v1.2.1 accepts: with
// it alone in an instance folder, `limactl list` shows the instance as
// Stopped. The image is never downloaded.
const MinimalLimaYAML = `images: [{location: "https://example.invalid/x.img", arch: "x86_64"}]` + "\n"

// limactlBuild is limactl as scripts/build-limactl.sh builds it.
var limactlBuild = &builtTool{name: "limactl", env: LimactlEnv}

// Limactl returns the path of Lima's limactl at the version pinned in
// scripts/limactl (v1.2.1), or of $LIMABAR_LIMACTL when set. The first call
// in a test binary runs scripts/build-limactl.sh, which builds
// build/tools/limactl unless it is up to date (the Makefile runs it before
// the tests, so the tests need not wait for a build).
//
// limactl refuses to run as root, so the path returned can be run by every
// user: when the binary sits in a folder others cannot traverse (a clone in
// /root, say), a copy in /tmp is returned and removed when the test ends.
func Limactl(t testing.TB) string {
	t.Helper()
	return limactlBuild.get(t)
}

// builtTool is a command of the Linux test harness that
// scripts/build-NAME.sh builds into build/tools/NAME, unless the
// environment variable env names one of one's own. The script runs at most
// once per test binary; it holds a lock itself, so test binaries of several
// packages started by one go test do not build at the same time.
type builtTool struct {
	name string
	env  string

	once sync.Once
	path string
	err  error
}

// get returns the tool's path, built on the first call, or a copy every
// user can run (see Limactl).
func (b *builtTool) get(t testing.TB) string {
	t.Helper()
	// The harness's tools serve its systemd and sandbox tests, which are
	// Linux's; a Mac's CI job does not build them.
	Need(t, runtime.GOOS == "linux", b.name+" of the Linux test harness")
	path := os.Getenv(b.env)
	if path == "" {
		b.once.Do(func() { b.path, b.err = b.build() })
		Need(t, b.err == nil, fmt.Sprintf("%s: %v", b.name, b.err))
		path = b.path
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	if everyoneCanRun(path) {
		return path
	}
	dir, err := os.MkdirTemp(tmpRoot, "limabar-"+b.name+"-")
	if err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	t.Cleanup(func() { removeAll(t, dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	copyPath := filepath.Join(dir, b.name)
	if err := copyFile(path, copyPath, 0o755); err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	return copyPath
}

func (b *builtTool) build() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	script := "scripts/build-" + b.name + ".sh"
	cmd := exec.Command("bash", filepath.Join(root, filepath.FromSlash(script)))
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", script, err, strings.TrimSpace(string(out)))
	}
	return filepath.Join(root, "build", "tools", b.name), nil
}

// everyoneCanRun reports whether any user may run the file: every folder
// above it open for search by others and the file readable and executable
// by others. It ignores ACLs and groups, so it errs towards making a copy.
func everyoneCanRun(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	fi, err := os.Stat(abs)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o005 != 0o005 {
		return false
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if dir == filepath.Dir(dir) {
			return true
		}
	}
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", from, to, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy %s to %s: %w", from, to, err)
	}
	return os.Chmod(to, mode)
}

// LimaInstance creates the instance folder limaHome/name holding only
// MinimalLimaYAML, owned like limaHome (created, 0755, if missing, owned
// like its parent), so that an unprivileged limactl lists it as Stopped.
// It returns the instance folder.
func LimaInstance(t testing.TB, limaHome, name string) string {
	t.Helper()
	owner, err := ownerOf(filepath.Dir(limaHome))
	if err != nil {
		t.Fatalf("lima instance: %v", err)
	}
	if fi, err := os.Stat(limaHome); err == nil {
		owner = ownerFromInfo(fi)
	}
	dir := filepath.Join(limaHome, name)
	for _, d := range []string{limaHome, dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("lima instance: %v", err)
		}
		if err := os.Chown(d, owner.uid, owner.gid); err != nil {
			t.Fatalf("lima instance: %v", err)
		}
	}
	yaml := filepath.Join(dir, "lima.yaml")
	if err := os.WriteFile(yaml, []byte(MinimalLimaYAML), 0o644); err != nil {
		t.Fatalf("lima instance: %v", err)
	}
	if err := os.Chown(yaml, owner.uid, owner.gid); err != nil {
		t.Fatalf("lima instance: %v", err)
	}
	return dir
}
