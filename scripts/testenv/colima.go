package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// ColimaEnv names the environment variable that points the tests at a
// colima of one's own instead of the one scripts/build-colima.sh builds.
const ColimaEnv = "LIMABAR_COLIMA"

// colimaBuild is colima as scripts/build-colima.sh builds it.
var colimaBuild = &builtTool{name: "colima", env: ColimaEnv}

// Colima returns the path of Colima's colima at the version pinned in
// scripts/tools/colima (v0.10.1), or of $LIMABAR_COLIMA when set, built by
// scripts/build-colima.sh on the first call (the Makefile builds it before
// the tests). Like Limactl, it returns a copy every user can run when the
// binary sits where others cannot reach it.
func Colima(t testing.TB) string {
	t.Helper()
	return colimaBuild.get(t)
}

// ColimaProfile creates the instance folder of a Colima profile in
// colimaHome/_lima (the instance "colima" for "default", "colima-P" for P)
// holding only MinimalLimaYAML, and, when runtime is not "", the
// colima.yaml colima writes there at a start, saying that runtime. It
// returns the instance folder.
func ColimaProfile(t testing.TB, colimaHome, profile, runtime string) string {
	t.Helper()
	name := "colima"
	if profile != "default" {
		name = "colima-" + profile
	}
	if _, err := os.Stat(colimaHome); err != nil {
		owner, err := ownerOf(filepath.Dir(colimaHome))
		if err == nil {
			err = os.MkdirAll(colimaHome, 0o755)
		}
		if err == nil {
			err = os.Chown(colimaHome, owner.uid, owner.gid)
		}
		if err != nil {
			t.Fatalf("colima profile: %v", err)
		}
	}
	dir := LimaInstance(t, filepath.Join(colimaHome, "_lima"), name)
	if runtime == "" {
		return dir
	}
	owner, err := ownerOf(dir)
	if err != nil {
		t.Fatalf("colima profile: %v", err)
	}
	conf := filepath.Join(dir, "colima.yaml")
	if err := os.WriteFile(conf, []byte("cpu: 2\nruntime: "+runtime+"\nkubernetes:\n  enabled: false\n"), 0o644); err != nil {
		t.Fatalf("colima profile: %v", err)
	}
	if err := os.Chown(conf, owner.uid, owner.gid); err != nil {
		t.Fatalf("colima profile: %v", err)
	}
	return dir
}

// ColimaPrefix returns a folder laid out as a Lima and Colima install
// (Homebrew's prefix, say) that needs no VM: bin/limactl and bin/colima as
// built for the tests, bin/lima (Lima's own wrapper script, which colima
// looks for), and share/lima with Lima's default template and a stand-in
// for the guest agent, which `limactl info` only looks for. With it, colima
// gets as far as it can without QEMU: `colima start` fails with "qemu-img
// not found". Everyone can read and run it.
func ColimaPrefix(t testing.TB) string {
	t.Helper()
	limactl, colima := Limactl(t), Colima(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("colima prefix: %v", err)
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/lima-vm/lima")
	cmd.Dir = filepath.Join(root, "scripts", "limactl")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("colima prefix: the source of Lima: %v", err)
	}
	src := strings.TrimSpace(string(out))
	dir, err := os.MkdirTemp(tmpRoot, "limabar-prefix-")
	if err != nil {
		t.Fatalf("colima prefix: %v", err)
	}
	t.Cleanup(func() { removeAll(t, dir) })
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	for _, f := range []struct {
		from, to string
		mode     os.FileMode
	}{
		{limactl, "bin/limactl", 0o755},
		{colima, "bin/colima", 0o755},
		{filepath.Join(src, "cmd", "lima"), "bin/lima", 0o755},
		{filepath.Join(src, "templates", "default.yaml"), "share/lima/templates/default.yaml", 0o644},
		{"", "share/lima/lima-guestagent.Linux-" + arch, 0o644},
	} {
		to := filepath.Join(dir, f.to)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatalf("colima prefix: %v", err)
		}
		if f.from == "" {
			err = os.WriteFile(to, nil, f.mode)
		} else {
			err = copyFile(f.from, to, f.mode)
		}
		if err != nil {
			t.Fatalf("colima prefix: %v", err)
		}
	}
	if err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			err = os.Chmod(p, 0o755)
		}
		return err
	}); err != nil {
		t.Fatalf("colima prefix: %v", err)
	}
	return dir
}
