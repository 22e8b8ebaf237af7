// Package makerun tests `make run` on a machine that lacks what compiling
// LimaBar needs: it installs the build packages on Debian/Ubuntu, and
// elsewhere stops before compiling with one line naming what to install.
package makerun

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Stand-ins put on PATH in place of the real tools. Each records its argv
// in $CALLS. The build packages count as installed once $STATE/installed
// exists, which the apt-get stand-in creates.
const (
	dpkgQuery = `#!/bin/sh
echo "dpkg-query $*" >> "$CALLS"
[ -e "$STATE/installed" ] && printf 'install ok installed' && exit 0
echo "dpkg-query: no packages found matching $4" >&2
exit 1
`
	aptGet = `#!/bin/sh
echo "apt-get $*" >> "$CALLS"
[ "$1" = install ] && : > "$STATE/installed"
exit 0
`
	pkgConfig = `#!/bin/sh
echo "pkg-config $*" >> "$CALLS"
[ -e "$STATE/installed" ] && exit 0
echo "Package $2 was not found in the pkg-config search path." >&2
exit 1
`
	// fakeGo stands in for the compiler: it records the build and leaves
	// a program that says it ran.
	fakeGo = `#!/bin/sh
echo "go $*" >> "$CALLS"
[ -e "$STATE/installed" ] || { echo "# pkg-config --cflags  -- ayatana-appindicator3-0.1" >&2; exit 1; }
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
printf '#!/bin/sh\necho "limabar ran: $*"\n' > "$out" && chmod +x "$out"
`
	fails   = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$CALLS\"\nexit 1\n"
	darwin  = "#!/bin/sh\necho Darwin\n"
	linux   = "#!/bin/sh\necho Linux\n"
	succeed = "#!/bin/sh\nexit 0\n"
)

// world is a PATH made only of the few real programs make and deps.sh use,
// plus the stand-ins, so that the machine's own dpkg-query, apt-get,
// pkg-config and compiler cannot answer.
type world struct {
	t     *testing.T
	bin   string
	state string
	calls string
	repo  string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, bin: filepath.Join(dir, "bin"), state: filepath.Join(dir, "state"), calls: filepath.Join(dir, "calls"), repo: filepath.Join(dir, "repo")}
	for _, d := range []string{w.bin, w.state, w.repo} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"make", "bash", "sh", "env", "id", "grep", "mkdir", "uname", "basename", "chmod", "cat", "printf"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(w.bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	w.stub("go", fakeGo)
	// A copy of the Makefile and the script under test, so that the
	// build output lands in the test's folder, not in the repository.
	for _, f := range []string{"Makefile", "scripts/deps.sh"} {
		data, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(w.repo, f)), 0o755)
		if err := os.WriteFile(filepath.Join(w.repo, f), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// stub puts script on PATH as name, replacing the link to the real program
// (removed first: writing through the link would change the real one).
func (w *world) stub(name, script string) {
	w.t.Helper()
	p := filepath.Join(w.bin, name)
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		w.t.Fatal(err)
	}
}

// makeRun runs `make -s run ARGS=version` and returns its output and
// whether it succeeded.
func (w *world) makeRun() (stdout, stderr string, ok bool) {
	w.t.Helper()
	cmd := exec.Command(filepath.Join(w.bin, "make"), "-s", "run", "ARGS=version", "GO="+filepath.Join(w.bin, "go"))
	cmd.Dir = w.repo
	cmd.Env = []string{"PATH=" + w.bin, "CALLS=" + w.calls, "STATE=" + w.state, "HOME=" + w.repo}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	return o.String(), e.String(), err == nil
}

func (w *world) recorded() []string {
	data, _ := os.ReadFile(w.calls)
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func has(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

// TestMakeRunInstallsTheBuildPackages: on Debian/Ubuntu without the build
// packages, make run installs exactly those, then compiles and runs.
func TestMakeRunInstallsTheBuildPackages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Debian path runs on Linux")
	}
	w := newWorld(t)
	w.stub("dpkg-query", dpkgQuery)
	w.stub("apt-get", aptGet)
	w.stub("pkg-config", pkgConfig)
	w.stub("gcc", succeed)
	w.stub("cc", succeed)
	w.stub("sudo", "#!/bin/sh\necho \"sudo $*\" >> \"$CALLS\"\nexec \"$@\"\n")
	stdout, stderr, ok := w.makeRun()
	if !ok {
		t.Fatalf("make run failed:\n%s%s\ncalls: %q", stdout, stderr, w.recorded())
	}
	calls := w.recorded()
	install := has(calls, "apt-get install -y -qq --no-install-recommends libayatana-appindicator3-dev libxcb1-dev pkg-config gcc")
	if install < 0 || has(calls, "apt-get update -qq") < 0 {
		t.Errorf("calls %q: want apt-get update, then install of exactly the build packages", calls)
	}
	// make build gives the version with -ldflags before -o.
	if build := has(calls, "go build -ldflags "); build < install || !strings.HasSuffix(calls[build], " -o build/limabar ./app") {
		t.Errorf("calls %q: want go build after the install", calls)
	}
	if !strings.Contains(stdout, "limabar ran: version") {
		t.Errorf("stdout %q: the built program did not run", stdout)
	}
	if strings.Contains(stderr, "was not found in the pkg-config search path") {
		t.Errorf("stderr shows a raw pkg-config error:\n%s", stderr)
	}
}

// TestMakeRunNamesWhatIsMissing: where deps.sh cannot install (no
// dpkg-query and apt-get; a Mac), make run stops before compiling with one
// line that names what to install, and no raw pkg-config or cgo error.
func TestMakeRunNamesWhatIsMissing(t *testing.T) {
	tests := []struct {
		name  string
		stubs map[string]string
		want  string
	}{
		{"Linux without the tray library", map[string]string{"uname": linux, "pkg-config": pkgConfig, "gcc": succeed},
			"limabar: building needs the development files of libayatana-appindicator3 (ayatana-appindicator3-0.1), the development files of libxcb (xcb): install them with your package manager (Debian/Ubuntu: apt-get install libayatana-appindicator3-dev libxcb1-dev pkg-config gcc)\n"},
		{"Linux without pkg-config and a compiler", map[string]string{"uname": linux},
			"limabar: building needs pkg-config, a C compiler (gcc): install them with your package manager (Debian/Ubuntu: apt-get install libayatana-appindicator3-dev libxcb1-dev pkg-config gcc)\n"},
		{"Mac without the Command Line Tools", map[string]string{"uname": darwin, "xcode-select": fails},
			"limabar: building needs the Xcode Command Line Tools: run xcode-select --install\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for name, script := range tt.stubs {
				w.stub(name, script)
			}
			stdout, stderr, ok := w.makeRun()
			if ok {
				t.Fatalf("make run succeeded:\n%s%s", stdout, stderr)
			}
			lines := strings.SplitAfter(stderr, "\n")
			if len(lines) < 1 || lines[0] != tt.want {
				t.Errorf("stderr:\n%s\nwant its first line:\n%s", stderr, tt.want)
			}
			if has(w.recorded(), "go ") >= 0 {
				t.Errorf("go ran: %q", w.recorded())
			}
			if strings.Contains(stderr, "pkg-config search path") || strings.Contains(stderr, "--cflags") {
				t.Errorf("stderr shows a raw pkg-config error:\n%s", stderr)
			}
		})
	}
}
