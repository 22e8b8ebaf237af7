package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Real (not dry) runs of bundle.sh against fake tools: a go that writes a
// stub where -o points (and hands `go run ./bundle` to the real go, so the
// app or tarball is really assembled), a uname that answers as a Mac, and,
// when given, lipo, codesign, ditto or pkg-config that record their argv.
// PATH holds only these and a few system programs, so that what a Mac
// without the Xcode Command Line Tools lacks is missing here too.

// fakeGo records its argv and, for `go build`, writes a stub executable
// that names the platform it was built for, so that the test can tell which
// build ended up in the app. Anything else goes to the real go.
const fakeGo = `#!/bin/sh
{ printf 'go'; printf '\t%s' "$@"; printf '\n'; } >>"$FAKE_LOG"
if [ "$1" != build ]; then
  exec "$REAL_GO" "$@"
fi
out=
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then
    out=$2
  fi
  shift
done
printf 'stub limabar GOOS=%s GOARCH=%s CGO_ENABLED=%s MACOSX_DEPLOYMENT_TARGET=%s\n' \
  "$GOOS" "$GOARCH" "$CGO_ENABLED" "$MACOSX_DEPLOYMENT_TARGET" >"$out"
`

// fakeUname answers as a Mac of the kind FAKE_MACHINE names, so that the
// single-architecture build does not depend on the machine running the test.
const fakeUname = `#!/bin/sh
case $1 in
  -m) echo "$FAKE_MACHINE" ;;
  -s) echo Darwin ;;
  *) exit 64 ;;
esac
`

// fakeLipo records its argv and joins the inputs into the output, as far
// as the test can tell.
const fakeLipo = `#!/bin/sh
{ printf 'lipo'; printf '\t%s' "$@"; printf '\n'; } >>"$FAKE_LOG"
[ "$1" = -create ] && [ "$2" = -output ] || exit 64
out=$3
shift 3
cat "$@" >"$out"
`

// fakeRecorder records its argv under the given name and succeeds.
func fakeRecorder(name string) string {
	return "#!/bin/sh\n{ printf '" + name + "'; printf '\\t%s' \"$@\"; printf '\\n'; } >>\"$FAKE_LOG\"\n"
}

// fakeToolEnv makes a PATH folder with the fakes and links to the system
// programs bundle.sh and the fakes use, and returns the environment for
// bundle.sh and the file the fakes record their calls in. machine is what
// `uname -m` says.
func fakeToolEnv(t *testing.T, machine string, fakes map[string]string) (env []string, log string) {
	t.Helper()
	bin := t.TempDir()
	for _, name := range []string{"dirname", "mkdir", "env", "cat"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	fakes["go"] = fakeGo
	fakes["uname"] = fakeUname
	for name, script := range fakes {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command runs the bundle tool: %v", err)
	}
	log = filepath.Join(t.TempDir(), "calls")
	var kept []string
	for _, kv := range scriptEnv() {
		if !strings.HasPrefix(kv, "PATH=") {
			kept = append(kept, kv)
		}
	}
	return append(kept, "PATH="+bin, "REAL_GO="+realGo, "FAKE_LOG="+log, "FAKE_MACHINE="+machine), log
}

// calls reads the fakes' record: one argv per line, the program first.
func calls(t *testing.T, log string) [][]string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for line := range strings.Lines(string(b)) {
		out = append(out, strings.Split(strings.TrimSuffix(line, "\n"), "\t"))
	}
	return out
}

func equalCalls(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func formatCalls(cs [][]string) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("  " + strings.Join(c, " ") + "\n")
	}
	return b.String()
}

// TestBundleScriptDarwinWithoutXcodeTools is `make bundle` on a Mac without
// the Command Line Tools: no lipo, so it builds for the Mac's own
// architecture only; no codesign, so the app is left unsigned; no ditto, so
// there is no zip. Each is said on stderr, and the app is still made.
func TestBundleScriptDarwinWithoutXcodeTools(t *testing.T) {
	t.Parallel()
	for machine, arch := range map[string]string{"arm64": "arm64", "x86_64": "amd64"} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			env, log := fakeToolEnv(t, machine, map[string]string{})
			build := t.TempDir()
			stdout, stderr := runScript(t, env, "--target", "darwin", "--version", "v1.4.2", "--build-dir", build)

			binary := build + "/limabar-darwin-" + arch
			app := build + "/LimaBar.app"
			wantOut := "+ env CGO_ENABLED=1 GOOS=darwin GOARCH=" + arch + " MACOSX_DEPLOYMENT_TARGET=12.0 go build -trimpath -ldflags -X\\ main.version=v1.4.2\\ -X\\ main.commit=0123abc\\ -X\\ main.date=2026-12-01T12:00:00Z -o " + binary + " ./app\n" +
				"+ go run ./bundle -target darwin -exe " + binary + " -version v1.4.2 -min-macos 12.0 -o " + app + "\n" +
				"bundle: wrote " + app + "\n"
			if stdout != wantOut {
				t.Errorf("printed\n%s\nwant\n%s", stdout, wantOut)
			}
			for _, note := range []string{
				"bundle.sh: lipo not found (xcode-select --install provides it): building for " + arch + " only; this LimaBar.app will not run on the other kind of Mac\n",
				"bundle.sh: codesign not found: " + app + " is NOT signed, and macOS on Apple silicon refuses to open it; on a Mac run: codesign --force --sign - --identifier io.github.limabar " + app + "\n",
				"bundle.sh: ditto not found: no " + build + "/LimaBar.zip (zip the app on a Mac to keep its signature)\n",
			} {
				if !strings.Contains(stderr, note) {
					t.Errorf("stderr does not say\n%s\ngot\n%s", note, stderr)
				}
			}

			wantCalls := [][]string{
				{"go", "build", "-trimpath", "-ldflags", "-X main.version=v1.4.2 -X main.commit=0123abc -X main.date=2026-12-01T12:00:00Z", "-o", binary, "./app"},
				{"go", "run", "./bundle", "-target", "darwin", "-exe", binary, "-version", "v1.4.2", "-min-macos", "12.0", "-o", app},
			}
			if got := calls(t, log); !equalCalls(got, wantCalls) {
				t.Errorf("calls:\n%swant\n%s", formatCalls(got), formatCalls(wantCalls))
			}
			wantExe := "stub limabar GOOS=darwin GOARCH=" + arch + " CGO_ENABLED=1 MACOSX_DEPLOYMENT_TARGET=12.0\n"
			if got := string(readFile(t, app+"/Contents/MacOS/limabar")); got != wantExe {
				t.Errorf("the app's executable is %q, want %q", got, wantExe)
			}
			// Only the one binary and the unsigned app: no universal
			// binary, no signature, no zip.
			want := []string{
				"LimaBar.app/Contents/Info.plist",
				"LimaBar.app/Contents/MacOS/limabar",
				"LimaBar.app/Contents/PkgInfo",
				"LimaBar.app/Contents/Resources/AppIcon.icns",
				"limabar-darwin-" + arch,
			}
			if got := files(t, build); !slices.Equal(got, want) {
				t.Errorf("the build folder holds\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// TestBundleScriptDarwinWithXcodeTools is `make bundle` on a Mac with the
// Command Line Tools: both architectures joined by lipo into the app, which
// is then signed ad hoc with LimaBar's identifier, verified strictly and
// zipped.
func TestBundleScriptDarwinWithXcodeTools(t *testing.T) {
	t.Parallel()
	env, log := fakeToolEnv(t, "arm64", map[string]string{
		"lipo":     fakeLipo,
		"codesign": fakeRecorder("codesign"),
		"ditto":    fakeRecorder("ditto"),
	})
	build := t.TempDir()
	_, stderr := runScript(t, env, "--target", "darwin", "--version", "v1.4.2", "--build-dir", build)
	if stderr != "" {
		t.Errorf("with every tool there, stderr says\n%s", stderr)
	}

	arm, amd, universal := build+"/limabar-darwin-arm64", build+"/limabar-darwin-amd64", build+"/limabar-darwin-universal"
	app := build + "/LimaBar.app"
	want := [][]string{
		{"go", "build", "-trimpath", "-ldflags", "-X main.version=v1.4.2 -X main.commit=0123abc -X main.date=2026-12-01T12:00:00Z", "-o", arm, "./app"},
		{"go", "build", "-trimpath", "-ldflags", "-X main.version=v1.4.2 -X main.commit=0123abc -X main.date=2026-12-01T12:00:00Z", "-o", amd, "./app"},
		{"lipo", "-create", "-output", universal, arm, amd},
		{"go", "run", "./bundle", "-target", "darwin", "-exe", universal, "-version", "v1.4.2", "-min-macos", "12.0", "-o", app},
		{"codesign", "--force", "--sign", "-", "--identifier", "io.github.limabar", "--timestamp=none", app},
		{"codesign", "--verify", "--strict", "--verbose=2", app},
		{"ditto", "-c", "-k", "--keepParent", app, build + "/LimaBar.zip"},
	}
	if got := calls(t, log); !equalCalls(got, want) {
		t.Errorf("calls:\n%swant\n%s", formatCalls(got), formatCalls(want))
	}
	// The app holds what lipo made of the two builds.
	wantExe := "stub limabar GOOS=darwin GOARCH=arm64 CGO_ENABLED=1 MACOSX_DEPLOYMENT_TARGET=12.0\n" +
		"stub limabar GOOS=darwin GOARCH=amd64 CGO_ENABLED=1 MACOSX_DEPLOYMENT_TARGET=12.0\n"
	if got := readFile(t, app+"/Contents/MacOS/limabar"); !bytes.Equal(got, []byte(wantExe)) {
		t.Errorf("the app's executable is %q, want the universal binary %q", got, wantExe)
	}
}

// TestBundleScriptLinuxNeedsTheTrayLibrary checks that the Linux build stops
// before `go build ./app` when pkg-config cannot find the tray's library,
// and prints the apt-get line that fixes it, rather than failing deep
// inside cgo; with the library found, it builds.
func TestBundleScriptLinuxNeedsTheTrayLibrary(t *testing.T) {
	t.Parallel()
	const fix = "  sudo apt-get install libayatana-appindicator3-dev pkg-config\n"
	for name, c := range map[string]struct {
		fakes map[string]string
		ok    bool
		calls [][]string
	}{
		"no pkg-config": {map[string]string{}, false, nil},
		"no library": {map[string]string{"pkg-config": fakeRecorder("pkg-config") + "exit 1\n"}, false,
			[][]string{{"pkg-config", "--exists", "ayatana-appindicator3-0.1"}}},
		"library found": {map[string]string{"pkg-config": fakeRecorder("pkg-config")}, true,
			[][]string{{"pkg-config", "--exists", "ayatana-appindicator3-0.1"}, {"go", "build"}, {"go", "run"}}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, log := fakeToolEnv(t, "x86_64", c.fakes)
			build := t.TempDir()
			cmd := exec.Command("bash", bundleScript, "--target", "linux", "--version", "v1.4.2", "--build-dir", build)
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if c.ok {
				if err != nil {
					t.Fatalf("bundle.sh: %v\n%s%s", err, stdout.String(), stderr.String())
				}
			} else {
				if code := exitCode(err); code != 1 {
					t.Errorf("exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
				}
				if !strings.HasSuffix(stderr.String(), fix) {
					t.Errorf("stderr does not end with the fix %q:\n%s", fix, stderr.String())
				}
				if stdout.Len() != 0 {
					t.Errorf("it ran commands:\n%s", stdout.String())
				}
			}
			// The go env GOARCH lookup comes first; after it, the check,
			// then (only when it passes) the build and the packaging.
			var got [][]string
			for _, call := range calls(t, log) {
				switch {
				case slices.Equal(call, []string{"go", "env", "GOARCH"}):
				case call[0] == "go":
					got = append(got, call[:2])
				default:
					got = append(got, call)
				}
			}
			if !equalCalls(got, c.calls) {
				t.Errorf("calls:\n%swant\n%s", formatCalls(got), formatCalls(c.calls))
			}
		})
	}
}
