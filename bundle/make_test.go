package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// makeBundle runs `make -s bundle VARS…` at the top of the repository, the
// way a user does, and returns what it printed.
func makeBundle(t *testing.T, vars ...string) (stdout, stderr string) {
	t.Helper()
	mk := needTool(t, "make", "make")
	cmd := exec.Command(mk, append([]string{"-s", "bundle"}, vars...)...)
	cmd.Dir = ".."
	cmd.Env = scriptEnv()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("make -s bundle %s: %v\n%s%s", strings.Join(vars, " "), err, o.String(), e.String())
	}
	return o.String(), e.String()
}

// TestMakeBundleDarwinDryRun checks that `make bundle` hands BUNDLE_TARGET,
// DRY_RUN, BUILD_DIR and VERSION to bundle.sh: it must print the macOS steps
// of testdata/dry-run-darwin.txt, with the build folder given, and write
// nothing.
func TestMakeBundleDarwinDryRun(t *testing.T) {
	t.Parallel()
	build := t.TempDir()
	stdout, _ := makeBundle(t, "BUNDLE_TARGET=darwin", "DRY_RUN=1", "BUILD_DIR="+build, "VERSION=v1.4.2")
	want := strings.ReplaceAll(string(golden(t, "dry-run-darwin.txt")), " build/", " "+build+"/")
	if stdout != want {
		t.Errorf("printed\n%s\nwant\n%s", stdout, want)
	}
	if names := files(t, build); len(names) != 0 {
		t.Errorf("a dry run wrote %q", names)
	}
}

// TestMakeBundleDryRunDefaultsToTheHost checks that without BUNDLE_TARGET
// `make bundle` makes what the host uses: the app on a Mac, the tarball
// elsewhere.
func TestMakeBundleDryRunDefaultsToTheHost(t *testing.T) {
	t.Parallel()
	build := t.TempDir()
	stdout, _ := makeBundle(t, "DRY_RUN=1", "BUILD_DIR="+build, "VERSION=v1.4.2")
	arch := runtime.GOARCH
	want := `+ go build -trimpath -ldflags -X\ main.version=v1.4.2\ -X\ main.commit=0123abc\ -X\ main.date=2026-12-01T12:00:00Z -o ` + build + "/limabar ./app\n" +
		"+ go run ./bundle -target linux -exe " + build + "/limabar -arch " + arch + " -version v1.4.2 -readme docs/packaging.md -o " + build + "/limabar-linux-" + arch + ".tar.gz\n"
	if runtime.GOOS == "darwin" {
		want = strings.ReplaceAll(string(golden(t, "dry-run-darwin.txt")), " build/", " "+build+"/")
	}
	if stdout != want {
		t.Errorf("printed\n%s\nwant\n%s", stdout, want)
	}
}

// TestMakeBundleLinux is `make bundle` on Linux for real: it compiles the
// app (cgo, against the tray library) and leaves the tarball in BUILD_DIR,
// holding that build and the install guide.
func TestMakeBundleLinux(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("`make bundle` makes the tarball on Linux only")
	}
	needTool(t, "gcc", "gcc")
	pkgConfig := needTool(t, "pkg-config", "pkg-config")
	testenv.Need(t, exec.Command(pkgConfig, "--exists", "ayatana-appindicator3-0.1").Run() == nil,
		"pkg-config finds no ayatana-appindicator3-0.1 (Debian package libayatana-appindicator3-dev; run scripts/deps.sh)")
	build := t.TempDir()
	stdout, _ := makeBundle(t, "BUILD_DIR="+build)
	arch := runtime.GOARCH
	tarball := filepath.Join(build, "limabar-linux-"+arch+".tar.gz")
	if !strings.Contains(stdout, "bundle: wrote "+tarball+"\n") {
		t.Errorf("make bundle did not report %s:\n%s", tarball, stdout)
	}
	contents := tarFiles(t, tarball)
	top := "limabar-linux-" + arch + "/"
	exe, ok := contents[top+"limabar"]
	if !ok {
		t.Fatalf("the tarball has no %slimabar", top)
	}
	if !bytes.HasPrefix(exe, []byte("\x7fELF")) {
		t.Errorf("%slimabar is not an ELF executable: %q…", top, exe[:min(len(exe), 16)])
	}
	if !bytes.Equal(contents[top+"limabar"], readFile(t, filepath.Join(build, "limabar"))) {
		t.Errorf("%slimabar is not the binary make bundle built", top)
	}
	if !bytes.Equal(contents[top+"README.md"], readFile(t, "../docs/packaging.md")) {
		t.Errorf("%sREADME.md is not docs/packaging.md", top)
	}
}
