package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// The fixture module imports darwinkit from a darwin-only file, like
// app/macos does. Its go.sum is this module's, so darwinkit resolves to the
// same version from the module cache.
const fixtureGoMod = `module example.com/fixture

go 1.26

require github.com/progrium/darwinkit v0.5.0
`

const uiCommon = `package ui

// Name is declared on every platform.
func Name() string { return "fixture" }
`

const uiDarwinGood = `//go:build darwin

package ui

import (
	"unsafe"

	"github.com/progrium/darwinkit/dispatch"
	"github.com/progrium/darwinkit/macos/foundation"
)

func Run(source string) bool {
	info := new(unsafe.Pointer)
	script := foundation.NewAppleScriptWithSource(source)
	result := script.ExecuteAndReturnError(unsafe.Pointer(info))
	dispatch.MainQueue().DispatchAsync(func() {})
	return !result.IsNil() && *info == nil
}
`

// uiDarwinBad calls darwinkit with a wrong argument type (line 14) and a
// method that does not exist (line 15).
const uiDarwinBad = `//go:build darwin

package ui

import (
	"unsafe"

	"github.com/progrium/darwinkit/dispatch"
	"github.com/progrium/darwinkit/macos/foundation"
)

func Run(source string) bool {
	info := new(unsafe.Pointer)
	script := foundation.NewAppleScriptWithSource(42)
	result := script.ExecuteAndReturnErr(unsafe.Pointer(info))
	dispatch.MainQueue().DispatchAsync(func() {})
	return !result.IsNil() && *info == nil
}
`

// coreCgo declares answer only when cgo is on, so core type-checks with cgo
// and fails to build without it, unless coreNoCgo is there too.
const (
	coreCommon = "package core\n\nfunc Answer() int { return answer() }\n"
	coreCgo    = "//go:build cgo\n\npackage core\n\nfunc answer() int { return 42 }\n"
	coreNoCgo  = "//go:build !cgo\n\npackage core\n\nfunc answer() int { return 42 }\n"
)

// checker is the darwincheck binary, built once without the race detector:
// type-checking darwinkit from source under -race takes minutes.
var checker string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "darwincheck-bin-")
	if err != nil {
		panic(err)
	}
	checker = filepath.Join(dir, "darwincheck")
	build := exec.Command("go", "build", "-o", checker, ".")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("build darwincheck: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// writeFixture creates the fixture module with the given files (path →
// content) and returns its directory.
func writeFixture(t *testing.T, files map[string]string) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	sum, err := os.ReadFile(filepath.Join(filepath.Dir(strings.TrimSpace(string(gomod))), "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files["go.mod"] = fixtureGoMod
	files["go.sum"] = string(sum)
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runChecker runs darwincheck on dir and returns its output and exit code.
func runChecker(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(checker, append([]string{"-dir", dir}, args...)...)
	// -mod=mod lets go fill in go.sum lines the copied file lacks, from the
	// module cache; GOWORK=off keeps a workspace above the temp dir out.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	default:
		t.Fatalf("run darwincheck: %v", err)
		return "", 0
	}
}

func TestWrongDarwinkitCallFails(t *testing.T) {
	dir := writeFixture(t, map[string]string{
		"ui/ui.go":        uiCommon,
		"ui/ui_darwin.go": uiDarwinBad,
	})
	out, code := runChecker(t, dir, "-build=")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
	}
	for _, arch := range []string{"arm64", "amd64"} {
		for _, want := range []string{
			`darwin/` + arch + `: ui/ui_darwin.go:14:48: cannot use 42 \(untyped int constant\) as string value in argument to foundation.NewAppleScriptWithSource`,
			`darwin/` + arch + `: ui/ui_darwin.go:15:19: script.ExecuteAndReturnErr undefined`,
		} {
			if !regexp.MustCompile(`(?m)^` + want).MatchString(out) {
				t.Errorf("output lacks %q; output:\n%s", want, out)
			}
		}
	}
	if strings.Contains(out, "could not import C") {
		t.Errorf("dependency errors were reported; output:\n%s", out)
	}
}

func TestCorrectDarwinkitCallPasses(t *testing.T) {
	dir := writeFixture(t, map[string]string{
		"ui/ui.go":        uiCommon,
		"ui/ui_darwin.go": uiDarwinGood,
	})
	out, code := runChecker(t, dir, "-build=", "-v")
	if code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", code, out)
	}
	// The pass must come from checking the darwin file against darwinkit,
	// not from skipping it.
	for _, want := range []string{
		"darwin/arm64: checked example.com/fixture/ui (2 files)",
		"darwin/amd64: checked example.com/fixture/ui (2 files)",
		"darwin/arm64: ignored 1 errors in dependency github.com/progrium/darwinkit/macos/foundation",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q; output:\n%s", want, out)
		}
	}
}

// uiDarwinTestBad is a darwin-only test of package ui whose call has a
// wrong argument type (line 11); uiDarwinXTestBad is one in package
// ui_test using a name ui does not have (line 11).
const (
	uiDarwinTestBad = `//go:build darwin

package ui

import "testing"

func TestRun(t *testing.T) {
	if Name() == "" {
		t.Fatal("no name")
	}
	Run(42)
}
`
	uiDarwinXTestBad = `//go:build darwin

package ui_test

import (
	"testing"

	"example.com/fixture/ui"
)

var _ = ui.Missing

func TestName(t *testing.T) { _ = t }
`
)

func TestWrongCallInDarwinTestFileFails(t *testing.T) {
	dir := writeFixture(t, map[string]string{
		"ui/ui.go":              uiCommon,
		"ui/ui_darwin.go":       uiDarwinGood,
		"ui/run_darwin_test.go": uiDarwinTestBad,
		"ui/x_darwin_test.go":   uiDarwinXTestBad,
	})
	out, code := runChecker(t, dir, "-build=")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
	}
	for _, arch := range []string{"arm64", "amd64"} {
		for _, want := range []string{
			`darwin/` + arch + `: ui/run_darwin_test.go:11:6: cannot use 42 \(untyped int constant\) as string value in argument to Run`,
			`darwin/` + arch + `: ui/x_darwin_test.go:11:12: undefined: ui.Missing`,
		} {
			if !regexp.MustCompile(`(?m)^` + want).MatchString(out) {
				t.Errorf("output lacks %q; output:\n%s", want, out)
			}
		}
	}
	// The same module passes when test files are left out: what failed
	// above was the test files.
	if out, code := runChecker(t, dir, "-build=", "-tests=false"); code != 0 {
		t.Errorf("with -tests=false: exit code %d, want 0; output:\n%s", code, out)
	}
}

func TestCrossBuildWithoutCgo(t *testing.T) {
	t.Run("needs cgo", func(t *testing.T) {
		dir := writeFixture(t, map[string]string{
			"core/core.go":     coreCommon,
			"core/core_cgo.go": coreCgo,
		})
		out, code := runChecker(t, dir, "-patterns", "./core", "-build", "./core", "-arch", "arm64")
		if code != 1 {
			t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
		}
		for _, want := range []string{"darwin/arm64: CGO_ENABLED=0 go build ./core:", "undefined: answer"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q; output:\n%s", want, out)
			}
		}
	})
	t.Run("builds either way", func(t *testing.T) {
		dir := writeFixture(t, map[string]string{
			"core/core.go":       coreCommon,
			"core/core_cgo.go":   coreCgo,
			"core/core_nocgo.go": coreNoCgo,
		})
		if out, code := runChecker(t, dir, "-patterns", "./core", "-build", "./core", "-arch", "arm64"); code != 0 {
			t.Fatalf("exit code %d, want 0; output:\n%s", code, out)
		}
	})
}

func TestProblemOrderAndPaths(t *testing.T) {
	dir := filepath.FromSlash("/src/mod")
	tests := []struct {
		name string
		err  packages.Error
		want string
	}{
		{"inside the module", packages.Error{Pos: "/src/mod/app/x.go:3:4", Msg: "boom"}, "app/x.go:3:4: boom"},
		{"outside the module", packages.Error{Pos: "/elsewhere/y.go:1:2", Msg: "boom"}, "/elsewhere/y.go:1:2: boom"},
		{"no position", packages.Error{Pos: "-", Msg: "boom"}, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatError(dir, tt.err); got != tt.want {
				t.Errorf("formatError = %q, want %q", got, tt.want)
			}
		})
	}

	if !positionLess("a.go:60:1: x", "a.go:106:1: x") {
		t.Error("line 60 sorts after line 106")
	}
	if !positionLess("a.go:9:2: x", "a.go:9:10: x") {
		t.Error("column 2 sorts after column 10")
	}
	if !positionLess("a.go:9:1: x", "b.go:1:1: x") {
		t.Error("b.go sorts before a.go")
	}
}
