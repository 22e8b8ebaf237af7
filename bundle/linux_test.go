package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/selfstart"
	"github.com/limabar/limabar/autostart"
)

var iconSizes = []string{"16x16", "22x22", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "512x512"}

// makeTestTarball runs the command as `go run ./bundle -target linux …`
// would, with a README, for amd64.
func makeTestTarball(t *testing.T) string {
	t.Helper()
	readme := filepath.Join(t.TempDir(), "packaging.md")
	if err := os.WriteFile(readme, []byte("# Installing LimaBar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "limabar-linux-amd64.tar.gz")
	args := []string{"-target", "linux", "-exe", stubExe(t), "-arch", "amd64", "-version", "v1.4.2", "-readme", readme, "-o", out}
	var stderr bytes.Buffer
	if err := run(args, io.Discard, &stderr); err != nil {
		t.Fatalf("bundle: %v\n%s", err, stderr.String())
	}
	return out
}

func wantTarball() []string {
	want := []string{
		"drwxr-xr-x limabar-linux-amd64/",
		"-rwxr-xr-x limabar-linux-amd64/limabar",
		"-rwxr-xr-x limabar-linux-amd64/install.sh",
		"-rw-r--r-- limabar-linux-amd64/io.github.limabar.desktop",
		"-rw-r--r-- limabar-linux-amd64/README.md",
		"drwxr-xr-x limabar-linux-amd64/icons/",
		"drwxr-xr-x limabar-linux-amd64/icons/hicolor/",
	}
	for _, s := range iconSizes {
		want = append(want,
			"drwxr-xr-x limabar-linux-amd64/icons/hicolor/"+s+"/",
			"drwxr-xr-x limabar-linux-amd64/icons/hicolor/"+s+"/apps/",
			"-rw-r--r-- limabar-linux-amd64/icons/hicolor/"+s+"/apps/io.github.limabar.png",
		)
	}
	return want
}

func TestTarballEntries(t *testing.T) {
	t.Parallel()
	f, err := os.Open(makeTestTarball(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s is owned by %d:%d (%q:%q), want root without names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		got = append(got, fs.FileMode(h.Mode).Perm().String()[1:]+" "+h.Name)
		got[len(got)-1] = typeChar(h.Typeflag) + got[len(got)-1]
	}
	if want := wantTarball(); !slices.Equal(got, want) {
		t.Errorf("the tarball holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func typeChar(flag byte) string {
	if flag == tar.TypeDir {
		return "d"
	}
	return "-"
}

func TestTarballIsReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	exe := stubExe(t)
	var outs [][]byte
	for i := range 2 {
		out := filepath.Join(t.TempDir(), fmt.Sprintf("t%d.tar.gz", i))
		if err := run([]string{"-target", "linux", "-exe", exe, "-arch", "arm64", "-o", out}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two runs on the same input gave different tarballs")
	}
}

// unpack extracts the tarball with the system's tar, as a user would.
func unpack(t *testing.T, tarball string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", tarball, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	return filepath.Join(dir, "limabar-linux-amd64")
}

func TestTarballUnpacks(t *testing.T) {
	t.Parallel()
	top := unpack(t, makeTestTarball(t))
	var want []string
	for _, w := range wantTarball()[1:] {
		w = strings.TrimSuffix(strings.Replace(w, "limabar-linux-amd64/", "", 1), "/")
		want = append(want, w)
	}
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(a[11:], b[11:]) })
	if got := tree(t, top); !slices.Equal(got, want) {
		t.Errorf("unpacked\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := golden(t, "application.desktop"); !bytes.Equal(readFile(t, filepath.Join(top, "io.github.limabar.desktop")), got) {
		t.Errorf("the desktop entry is not testdata/application.desktop")
	}
}

func TestDesktopEntryValidates(t *testing.T) {
	validate := needTool(t, "desktop-file-validate", "desktop-file-utils")
	t.Parallel()
	path := filepath.Join(t.TempDir(), "io.github.limabar.desktop")
	if err := os.WriteFile(path, []byte(desktopEntry), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(validate, path).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// files lists the regular files under root, relative to it.
func files(t *testing.T, root string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// installEnv is the environment install.sh runs in: a temporary HOME whose
// path needs quoting in a desktop entry, and no XDG_CONFIG_HOME.
func installEnv(home string) []string {
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8"}
	return env
}

func runInstall(t *testing.T, script, home string, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = installEnv(home)
	cmd.Dir = home
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestInstallScript(t *testing.T) {
	t.Parallel()
	top := unpack(t, makeTestTarball(t))
	script := filepath.Join(top, "install.sh")
	home := filepath.Join(t.TempDir(), `home of "a" $USER`)
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	before := files(t, home)

	runInstall(t, script, home, "--autostart")
	bin := filepath.Join(home, ".local", "bin", "limabar")
	want := []string{
		".config/autostart/limabar.desktop",
		".local/bin/limabar",
		".local/share/applications/io.github.limabar.desktop",
		".local/state/limabar/installed-folders",
	}
	for _, s := range iconSizes {
		want = append(want, ".local/share/icons/hicolor/"+s+"/apps/io.github.limabar.png")
	}
	slices.Sort(want)
	if got := files(t, home); !slices.Equal(got, want) {
		t.Fatalf("installed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	t.Run("binary", func(t *testing.T) {
		out, err := exec.Command(bin, "version").Output()
		if err != nil || string(out) != "limabar stub version\n" {
			t.Errorf("running the installed limabar: %q, %v", out, err)
		}
		if fi, _ := os.Stat(bin); fi.Mode().Perm() != 0o755 {
			t.Errorf("mode %v, want 0755", fi.Mode().Perm())
		}
	})

	t.Run("menu entry", func(t *testing.T) {
		got := string(readFile(t, filepath.Join(home, ".local", "share", "applications", "io.github.limabar.desktop")))
		quoted, err := selfstart.QuoteExec(bin)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Replace(string(golden(t, "application.desktop")), "Exec=limabar\n", "Exec="+quoted+"\n", 1)
		if got != want {
			t.Errorf("installed desktop entry\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("autostart entry is the app's own", func(t *testing.T) {
		got := readFile(t, filepath.Join(home, ".config", "autostart", "limabar.desktop"))
		want, err := selfstart.DesktopEntry(bin)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("install.sh wrote\n%s\nthe app writes\n%s", got, want)
		}
		item := selfstart.LoginItem{Platform: autostart.Linux, Home: home, Executable: bin}
		if on, err := item.Enabled(); err != nil || !on {
			t.Errorf("the app sees Open at Login as %v, %v; want on", on, err)
		}
	})

	t.Run("validates", func(t *testing.T) {
		validate := needTool(t, "desktop-file-validate", "desktop-file-utils")
		for _, p := range []string{
			filepath.Join(home, ".local", "share", "applications", "io.github.limabar.desktop"),
			filepath.Join(home, ".config", "autostart", "limabar.desktop"),
		} {
			if out, err := exec.Command(validate, p).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("desktop-file-validate %s: %v\n%s", p, err, out)
			}
		}
	})

	// A second install over the first is an upgrade.
	runInstall(t, script, home)
	if got := files(t, home); !slices.Equal(got, want) {
		t.Errorf("after reinstalling\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	out := runInstall(t, script, home, "--uninstall")
	if got := files(t, home); !slices.Equal(got, before) {
		t.Errorf("after uninstalling, files left:\n%s", strings.Join(got, "\n"))
	}
	if !strings.Contains(out, "limabar disable --all") {
		t.Errorf("uninstall does not say how to remove instance registrations:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "share", "icons", "hicolor", "16x16")); !os.IsNotExist(err) {
		t.Errorf("empty icon folders left behind: %v", err)
	}
}

func TestInstallScriptPrefix(t *testing.T) {
	t.Parallel()
	top := unpack(t, makeTestTarball(t))
	home := t.TempDir()
	runInstall(t, filepath.Join(top, "install.sh"), home, "--prefix", "opt/limabar")
	prefix := filepath.Join(home, "opt", "limabar")
	entry := string(readFile(t, filepath.Join(prefix, "share", "applications", "io.github.limabar.desktop")))
	if !strings.Contains(entry, "\nExec="+filepath.Join(prefix, "bin", "limabar")+"\n") {
		t.Errorf("a relative --prefix must give an absolute Exec:\n%s", entry)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "autostart", "limabar.desktop")); !os.IsNotExist(err) {
		t.Errorf("an autostart entry without --autostart: %v", err)
	}
	runInstall(t, filepath.Join(top, "install.sh"), home, "--prefix", "opt/limabar", "--uninstall")
	if got := files(t, home); len(got) != 0 {
		t.Errorf("after uninstalling, files left:\n%s", strings.Join(got, "\n"))
	}
}

func TestInstallScriptRefusesUnknownOptions(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("bash", "install.sh", "--frobnicate")
	cmd.Env = installEnv(t.TempDir())
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 2 {
		t.Errorf("exit %d, want 2\n%s", code, out)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
