package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// bundleScript is scripts/bundle.sh, which `make bundle` runs.
const bundleScript = "../scripts/bundle.sh"

// scriptEnv is the environment without the variables bundle.sh and the
// Makefile's bundle target read, so that the caller's shell (or the make
// that runs `make test`) cannot change what the test sees.
func scriptEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "VERSION", "COMMIT", "BUILD_DATE", "SOURCE_DATE_EPOCH", "BUILD_DIR", "DRY_RUN", "GO", "MACOSX_DEPLOYMENT_TARGET", "GOOS", "GOARCH", "CGO_ENABLED",
			"BUNDLE_TARGET", "MAKEFLAGS", "MFLAGS", "MAKELEVEL":
			continue
		}
		env = append(env, kv)
	}
	// A fixed commit and date, so that the ldflags printed are known.
	env = append(env, "COMMIT=0123abc", "BUILD_DATE=2026-12-01T12:00:00Z")
	return append(env, extra...)
}

func runScript(t *testing.T, env []string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{bundleScript}, args...)...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("bundle.sh %s: %v\n%s%s", strings.Join(args, " "), err, o.String(), e.String())
	}
	return o.String(), e.String()
}

// TestBundleScriptDarwinDryRun runs the macOS path of `make bundle` on
// Linux: it must build both architectures for macOS with cgo, join them
// with lipo, wrap the result with this tool, then sign and verify it.
func TestBundleScriptDarwinDryRun(t *testing.T) {
	t.Parallel()
	want := string(golden(t, "dry-run-darwin.txt"))
	for name, run := range map[string]struct {
		env  []string
		args []string
	}{
		"flag":     {scriptEnv(), []string{"--dry-run", "--target", "darwin", "--version", "v1.4.2"}},
		"variable": {scriptEnv("DRY_RUN=1", "VERSION=v1.4.2"), []string{"--target=darwin"}},
	} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr := runScript(t, run.env, run.args...)
			if stdout != want {
				t.Errorf("printed\n%s\nwant\n%s", stdout, want)
			}
			for _, tool := range []string{"lipo", "codesign", "ditto"} {
				if _, err := exec.LookPath(tool); err != nil && !strings.Contains(stderr, tool+" is not on this machine") {
					t.Errorf("the dry run does not say that %s is missing:\n%s", tool, stderr)
				}
			}
		})
	}
}

func TestBundleScriptDarwinWithGivenExe(t *testing.T) {
	t.Parallel()
	stdout, _ := runScript(t, scriptEnv(), "--dry-run", "--target", "darwin", "--version", "v1.4.2", "--exe", "dist/limabar", "--build-dir", "out")
	want := []string{
		"+ go run ./bundle -target darwin -exe dist/limabar -version v1.4.2 -min-macos 12.0 -o out/LimaBar.app",
		"+ codesign --force --sign - --identifier io.github.limabar --timestamp=none out/LimaBar.app",
		"+ codesign --verify --strict --verbose=2 out/LimaBar.app",
		"+ ditto -c -k --keepParent out/LimaBar.app out/LimaBar.zip",
	}
	if got := strings.Split(strings.TrimSpace(stdout), "\n"); !slices.Equal(got, want) {
		t.Errorf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBundleScriptLinuxDryRun(t *testing.T) {
	t.Parallel()
	stdout, _ := runScript(t, scriptEnv("GOARCH=arm64"), "--dry-run", "--target", "linux", "--version", "v1.4.2")
	want := []string{
		`+ go build -trimpath -ldflags -X\ main.version=v1.4.2\ -X\ main.commit=0123abc\ -X\ main.date=2026-12-01T12:00:00Z -o build/limabar ./app`,
		"+ go run ./bundle -target linux -exe build/limabar -arch arm64 -version v1.4.2 -readme docs/packaging.md -o build/limabar-linux-arm64.tar.gz",
	}
	if got := strings.Split(strings.TrimSpace(stdout), "\n"); !slices.Equal(got, want) {
		t.Errorf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBundleScriptLinux runs `make bundle`'s Linux path for real, around a
// stub executable, and checks the tarball it leaves.
func TestBundleScriptLinux(t *testing.T) {
	t.Parallel()
	build := t.TempDir()
	stdout, _ := runScript(t, scriptEnv(), "--target", "linux", "--exe", stubExe(t), "--build-dir", build, "--version", "v1.4.2")
	tarball := filepath.Join(build, "limabar-linux-"+runtime.GOARCH+".tar.gz")
	if !strings.Contains(stdout, "bundle: wrote "+tarball) {
		t.Errorf("the script did not report the tarball:\n%s", stdout)
	}
	top := "limabar-linux-" + runtime.GOARCH + "/"
	contents := tarFiles(t, tarball)
	for _, want := range []string{"limabar", "install.sh", "io.github.limabar.desktop", "icons/hicolor/512x512/apps/io.github.limabar.png", "README.md"} {
		if _, ok := contents[top+want]; !ok {
			t.Errorf("the tarball has no %s%s: %q", top, want, slices.Sorted(maps.Keys(contents)))
		}
	}
	if want := readFile(t, "../docs/packaging.md"); !bytes.Equal(contents[top+"README.md"], want) {
		t.Errorf("the tarball's README.md is not docs/packaging.md")
	}
}

// tarFiles returns the contents of every entry of a .tar.gz by name.
func tarFiles(t *testing.T, tarball string) map[string][]byte {
	t.Helper()
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = b
	}
}

// TestBundleScriptNeedsTheReadme runs a copy of bundle.sh in a tree without
// docs/packaging.md: the Linux path must refuse, not ship a tarball that
// says nothing about install.sh or uninstalling.
func TestBundleScriptNeedsTheReadme(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	script := filepath.Join(root, "scripts", "bundle.sh")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, readFile(t, bundleScript), 0o755); err != nil {
		t.Fatal(err)
	}
	build := t.TempDir()
	for _, args := range [][]string{
		{"--target", "linux", "--exe", stubExe(t), "--build-dir", build, "--version", "v1.4.2"},
		{"--dry-run", "--target", "linux", "--version", "v1.4.2"},
	} {
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Env = scriptEnv()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if code := exitCode(err); code != 1 {
			t.Errorf("bundle.sh %s without docs/packaging.md: exit %d, want 1\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
		if want := "bundle.sh: docs/packaging.md is missing"; !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q does not say %q", stderr.String(), want)
		}
		if stdout.Len() != 0 {
			t.Errorf("it ran commands before refusing:\n%s", stdout.String())
		}
	}
	if names := files(t, build); len(names) != 0 {
		t.Errorf("it left %q", names)
	}
}

func TestBundleScriptRefusesBadArguments(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--target", "windows", "--dry-run"}, {"--frobnicate"}, {"--exe"}} {
		cmd := exec.Command("bash", append([]string{bundleScript}, args...)...)
		cmd.Env = scriptEnv()
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != 2 {
			t.Errorf("bundle.sh %s: exit %d, want 2\n%s", strings.Join(args, " "), code, out)
		}
	}
}

// TestShellcheck lints the two shell scripts a user runs: install.sh from
// the tarball and bundle.sh behind `make bundle`. Under CI a missing
// shellcheck fails the test rather than skipping the check.
func TestShellcheck(t *testing.T) {
	shellcheck := needTool(t, "shellcheck", "shellcheck")
	t.Parallel()
	out, err := exec.Command(shellcheck, "install.sh", bundleScript).CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// TestUninstallCommandAgrees checks that the README and docs/packaging.md
// (the tarball's README) give the same command to remove every instance's
// registrations, and that it needs nothing beyond limabar: a user
// uninstalling should not first have to install jq.
func TestUninstallCommandAgrees(t *testing.T) {
	t.Parallel()
	const want = "limabar disable --all"
	for _, doc := range []string{"../README.md", "../docs/packaging.md"} {
		text := string(readFile(t, doc))
		if !strings.Contains(text, want) {
			t.Errorf("%s does not give the uninstall command %q", doc, want)
		}
		for _, line := range strings.Split(text, "\n") {
			if (strings.Contains(line, "--condition=all") || strings.Contains(line, "--all")) && strings.Contains(line, "jq ") {
				t.Errorf("%s: %q needs jq", doc, strings.TrimSpace(line))
			}
		}
	}
}
