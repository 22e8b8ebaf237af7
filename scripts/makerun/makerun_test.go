// Package makerun tests `make run` and `make test` on a machine that lacks
// what compiling LimaBar needs: without the Go that go.mod needs, or as
// root for make run, they stop first with one line; make run installs the
// build packages on Debian/Ubuntu, and elsewhere stops before compiling
// with one line naming what to install.
package makerun

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	// fakeGo stands in for the compiler: it says it is a Go newer than any
	// go.mod asks for, records the build and leaves a program that says it
	// ran.
	fakeGo = `#!/bin/sh
echo "go $*" >> "$CALLS"
[ "$1" = version ] && echo "go version go1.99.0 linux/amd64" && exit 0
[ -e "$STATE/installed" ] || { echo "# pkg-config --cflags  -- ayatana-appindicator3-0.1" >&2; exit 1; }
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
printf '#!/bin/sh\necho "limabar ran: $*"\n' > "$out" && chmod +x "$out"
`
	fails   = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$CALLS\"\nexit 1\n"
	darwin  = "#!/bin/sh\necho Darwin\n"
	linux   = "#!/bin/sh\necho Linux\n"
	succeed = "#!/bin/sh\nexit 0\n"
	// oldGo is Debian 12's golang-go, whose `go version` this is.
	oldGo = "#!/bin/sh\necho \"go $*\" >> \"$CALLS\"\necho 'go version go1.19.8 linux/amd64'\n"
	// user is `id` of an ordinary account, root of the superuser.
	user = "#!/bin/sh\necho 1000\n"
	root = "#!/bin/sh\necho 0\n"
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
	w.stub("id", user)
	// A copy of the Makefile and the scripts under test, so that the
	// build output lands in the test's folder, not in the repository.
	for _, f := range []string{"Makefile", "go.mod", "scripts/deps.sh", "scripts/checkgo.sh"} {
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
	return w.make("run", "ARGS=version", "GO="+filepath.Join(w.bin, "go"))
}

// make runs make -s with args in the copy of the repository.
func (w *world) make(args ...string) (stdout, stderr string, ok bool) {
	w.t.Helper()
	cmd := exec.Command(filepath.Join(w.bin, "make"), append([]string{"-s"}, args...)...)
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
			if has(w.recorded(), "go build") >= 0 {
				t.Errorf("go built: %q", w.recorded())
			}
			if strings.Contains(stderr, "pkg-config search path") || strings.Contains(stderr, "--cflags") {
				t.Errorf("stderr shows a raw pkg-config error:\n%s", stderr)
			}
		})
	}
}

// goModVersion is the version on the go line of the repository's go.mod,
// which the messages name.
func goModVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "go" {
			return f[1]
		}
	}
	t.Fatal("go.mod has no go line")
	return ""
}

// makeErrorLine is make's $(error MSG): the Makefile's name and line, then
// the message.
var makeErrorLine = regexp.MustCompile(`^Makefile:[0-9]+: \*\*\* (.*)\.  Stop\.\n$`)

// makeError is the message of stderr when stderr is one line, make's
// $(error), and otherwise all of stderr, which then matches no message.
func makeError(stderr string) string {
	if m := makeErrorLine.FindStringSubmatch(stderr); m != nil && strings.Count(stderr, "\n") == 1 {
		return m[1]
	}
	return stderr
}

// TestMakeNamesTheGoItNeeds: without Go on PATH, or with a Go older than
// go.mod's, make run and make test stop first with one line naming the Go
// they need and where to get it: nothing is installed, nothing built.
func TestMakeNamesTheGoItNeeds(t *testing.T) {
	need := goModVersion(t)
	const get = "install it from https://go.dev/dl/; Debian 12's golang-go is 1.19, too old"
	tests := []struct {
		name, target string
		goStub       string // "" leaves go off PATH
		want         string
	}{
		{"make run without Go", "run", "",
			"limabar: make run needs Go " + need + " or later (go.mod), and there is no go on PATH: " + get},
		{"make test without Go", "test", "",
			"limabar: make test needs Go " + need + " or later (go.mod), and there is no go on PATH: " + get},
		{"make run with Debian 12's Go", "run", oldGo,
			"limabar: make run needs Go " + need + " or later (go.mod), and go is 1.19.8: " + get},
		{"make test with Debian 12's Go", "test", oldGo,
			"limabar: make test needs Go " + need + " or later (go.mod), and go is 1.19.8: " + get},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if err := os.Remove(filepath.Join(w.bin, "go")); err != nil {
				t.Fatal(err)
			}
			if tt.goStub != "" {
				w.stub("go", tt.goStub)
			}
			w.stub("dpkg-query", dpkgQuery)
			w.stub("apt-get", aptGet)
			stdout, stderr, ok := w.make(tt.target)
			if ok {
				t.Fatalf("make %s succeeded:\n%s%s", tt.target, stdout, stderr)
			}
			if got := makeError(stderr); got != tt.want {
				t.Errorf("stderr:\n%s\nwant exactly one line, make's error:\n%s", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			for _, c := range w.recorded() {
				if c != "" && c != "go version" {
					t.Errorf("ran %q before stopping; want at most go version", c)
				}
			}
		})
	}
}

// TestMakeRunAsRootSaysRunItAsYourself: LimaBar refuses to run as root, so
// make run as root says so in one line before it installs or builds
// anything. make test, which CI runs as root, goes on. On a machine whose
// tests run as root the real id answers; elsewhere a stand-in says 0.
func TestMakeRunAsRootSaysRunItAsYourself(t *testing.T) {
	w := newWorld(t)
	if os.Geteuid() == 0 {
		p, err := exec.LookPath("id")
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(w.bin, "id"))
		if err := os.Symlink(p, filepath.Join(w.bin, "id")); err != nil {
			t.Fatal(err)
		}
	} else {
		w.stub("id", root)
	}
	w.stub("dpkg-query", dpkgQuery)
	w.stub("apt-get", aptGet)
	stdout, stderr, ok := w.makeRun()
	if ok {
		t.Fatalf("make run as root succeeded:\n%s%s", stdout, stderr)
	}
	const want = "limabar: make run starts LimaBar, which refuses to run as root: run make run as your own user, the one who owns the Lima instances"
	if got := makeError(stderr); got != want {
		t.Errorf("stderr:\n%s\nwant exactly one line, make's error:\n%s", stderr, want)
	}
	if calls := w.recorded(); len(calls) != 1 || calls[0] != "" {
		t.Errorf("ran %q before stopping; want nothing", calls)
	}

	// make test's own first step lets root through.
	cmd := exec.Command(filepath.Join(w.bin, "bash"), "scripts/checkgo.sh", "test")
	cmd.Dir = w.repo
	cmd.Env = []string{"PATH=" + w.bin, "CALLS=" + w.calls, "STATE=" + w.state, "GO=go"}
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("checkgo.sh test as root: %v, output %q; want success and no output", err, out)
	}
}
