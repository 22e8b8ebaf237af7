// Command darwincheck proves, on a machine without macOS, that the module's
// darwin-only code compiles as far as Go can tell: it type-checks every
// package for GOOS=darwin on arm64 and amd64, test files included (the
// *_darwin_test.go files run only on a Mac in CI, so this is where a wrong
// call in one shows first), and cross-builds the packages that must not
// need cgo.
//
// The darwin files call AppKit and Foundation through darwinkit and systray,
// whose cgo parts cannot be built here (no macOS SDK). So the packages are
// loaded with cgo enabled but a C compiler that always fails: cgo files stay
// in the build (CGO_ENABLED=0 would drop them, and with them declarations the
// module uses), cgo itself cannot run, and every dependency with cgo fails
// with "could not import C". Those dependency errors are expected and
// ignored. Every error inside the main module fails the check.
//
// Dependencies are type-checked from source (NeedDeps). Without NeedDeps,
// go/packages asks go list for export data, which cannot be compiled for a
// cgo dependency; x/tools v0.52.0 then falls back to source for those
// packages, so the result is the same, but it rests on that fallback and on
// a cold cache go list first tries to compile everything. From source, the
// bodies of a cgo dependency that use C are broken, while its exported API
// (darwinkit's bindings are ordinary Go over objc.Call) is fully typed, so a
// wrong method name or argument type in a darwin file of this module is
// reported; the test proves it. A use of a declaration whose type mentions a
// C type is not checked: go/types treats that type as invalid and stays
// silent. The module itself must not use cgo, as its own "could not import
// C" would fail the check.
//
// It also reads the test files compiled for darwin and fails on one that
// runs a program the macOS CI runner lacks outside testenv.Tool or a file
// built only on Linux (guard.go).
//
// Usage:
//
//	go run ./scripts/darwincheck [-dir .] [-patterns ./...] [-build './autostart/... ./bundle/...'] [-guard=false] [-v]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
)

// options is one run of the check.
type options struct {
	// dir is the root of the module to check.
	dir string
	// patterns are the packages to type-check, as for go list.
	patterns []string
	// build are the packages that must also cross-build with
	// CGO_ENABLED=0; none skips that step.
	build []string
	// archs are the GOARCH values to check, each with GOOS=darwin.
	archs []string
	// tests includes _test.go files in the type-check.
	tests bool
	// guard checks that the test files compiled for darwin run no program
	// the macOS runner lacks outside testenv.Tool (guard.go).
	guard   bool
	verbose bool
	out     io.Writer
}

// errCheckFailed is returned when the check ran and found problems, which
// have already been printed.
var errCheckFailed = errors.New("darwin check failed")

func main() {
	opts := options{out: os.Stdout}
	var patterns, build, archs string
	flag.StringVar(&opts.dir, "dir", ".", "root of the module to check")
	flag.StringVar(&patterns, "patterns", "./...", "space-separated packages to type-check for darwin")
	flag.StringVar(&build, "build", "./autostart/... ./bundle/...", "space-separated packages that must build for darwin with CGO_ENABLED=0 (empty: skip)")
	flag.StringVar(&archs, "arch", "arm64 amd64", "space-separated GOARCH values to check")
	flag.BoolVar(&opts.tests, "tests", true, "type-check test files too")
	flag.BoolVar(&opts.guard, "guard", true, "fail on a test file compiled for darwin that runs a program the macOS runner lacks outside testenv.Tool")
	flag.BoolVar(&opts.verbose, "v", false, "print what is checked and which dependency errors are ignored")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "darwincheck: unexpected arguments %q (use -patterns)\n", flag.Args())
		os.Exit(2)
	}
	opts.patterns = strings.Fields(patterns)
	opts.build = strings.Fields(build)
	opts.archs = strings.Fields(archs)

	if err := run(context.Background(), opts); err != nil {
		if !errors.Is(err, errCheckFailed) {
			fmt.Fprintf(os.Stderr, "darwincheck: %v\n", err)
		}
		os.Exit(1)
	}
}

// run type-checks and cross-builds for every architecture, printing each
// problem. It returns errCheckFailed if there was any.
func run(ctx context.Context, opts options) error {
	dir, err := filepath.Abs(opts.dir)
	if err != nil {
		return fmt.Errorf("module root: %w", err)
	}
	if len(opts.patterns) == 0 {
		return errors.New("no packages to check")
	}
	failed := false
	if opts.guard {
		start := time.Now()
		r, err := guard(ctx, dir, opts.patterns)
		if err != nil {
			return fmt.Errorf("guard: %w", err)
		}
		for _, p := range r.problems {
			fmt.Fprintf(opts.out, "darwin tests: %s\n", p)
		}
		if opts.verbose {
			fmt.Fprintf(opts.out, "darwin tests: %d test files read, %d problems, %s\n", len(r.files), len(r.problems), time.Since(start).Round(time.Millisecond))
		}
		failed = len(r.problems) > 0
	}
	for _, arch := range opts.archs {
		target := "darwin/" + arch

		start := time.Now()
		problems, ignored, err := typecheck(ctx, dir, arch, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
		for _, p := range problems {
			fmt.Fprintf(opts.out, "%s: %s\n", target, p)
		}
		if opts.verbose {
			fmt.Fprintf(opts.out, "%s: type-check: %d problems, %d dependency errors ignored, %s\n",
				target, len(problems), ignored, time.Since(start).Round(time.Millisecond))
		}
		failed = failed || len(problems) > 0

		if len(opts.build) == 0 {
			continue
		}
		start = time.Now()
		if err := crossBuild(ctx, dir, arch, opts); err != nil {
			fmt.Fprintf(opts.out, "%s: CGO_ENABLED=0 go build %s:\n%v\n", target, strings.Join(opts.build, " "), err)
			failed = true
		} else if opts.verbose {
			fmt.Fprintf(opts.out, "%s: CGO_ENABLED=0 go build %s: ok, %s\n",
				target, strings.Join(opts.build, " "), time.Since(start).Round(time.Millisecond))
		}
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

// typecheck loads the packages for darwin/arch with cgo unable to run and
// returns the errors located in the main module's packages, as
// "file:line:col: message" with file relative to dir, and how many errors
// in dependencies were ignored.
func typecheck(ctx context.Context, dir, arch string, opts options) (problems []string, ignored int, err error) {
	cfg := &packages.Config{
		Context: ctx,
		Dir:     dir,
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
			packages.NeedImports | packages.NeedDeps | packages.NeedModule |
			packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Env:   darwinEnv(arch, "1"),
		Tests: opts.tests,
	}
	roots, err := packages.Load(cfg, opts.patterns...)
	if err != nil {
		return nil, 0, fmt.Errorf("load packages: %w", err)
	}
	isRoot := make(map[*packages.Package]bool, len(roots))
	for _, p := range roots {
		isRoot[p] = true
	}

	seen := make(map[string]bool)
	ignoredIn := make(map[string]int)
	packages.Visit(roots, nil, func(p *packages.Package) {
		if !ownPackage(p, isRoot[p]) {
			ignored += len(p.Errors)
			if len(p.Errors) > 0 {
				ignoredIn[p.PkgPath] += len(p.Errors)
			}
			return
		}
		if opts.verbose {
			fmt.Fprintf(opts.out, "darwin/%s: checked %s (%d files)\n", arch, p.ID, len(p.CompiledGoFiles))
		}
		for _, e := range p.Errors {
			// A package and its test variant report the same errors.
			msg := formatError(dir, e)
			if !seen[msg] {
				seen[msg] = true
				problems = append(problems, msg)
			}
		}
	})
	if opts.verbose {
		paths := make([]string, 0, len(ignoredIn))
		for path := range ignoredIn {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		for _, path := range paths {
			fmt.Fprintf(opts.out, "darwin/%s: ignored %d errors in dependency %s\n", arch, ignoredIn[path], path)
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return positionLess(problems[i], problems[j]) })
	return problems, ignored, nil
}

// ownPackage reports whether p belongs to the module being checked: not a
// dependency, not the standard library, not a nested module. A root without
// module information is a pattern that matched nothing or could not be
// listed, and its error is the caller's too.
func ownPackage(p *packages.Package, root bool) bool {
	if p.Module != nil {
		return p.Module.Main
	}
	return root
}

// formatError renders e as "file:line:col: message", the position relative
// to dir when it is inside it.
func formatError(dir string, e packages.Error) string {
	pos := e.Pos
	if pos == "" || pos == "-" {
		return e.Msg
	}
	if rel, err := filepath.Rel(dir, pos); err == nil && !strings.HasPrefix(rel, "..") {
		pos = rel
	}
	return pos + ": " + e.Msg
}

// positionLess orders "file:line:col: message" texts by file, then by line
// and column as numbers, so that line 60 comes before line 106.
func positionLess(a, b string) bool {
	fa, la, ca := splitPosition(a)
	fb, lb, cb := splitPosition(b)
	if fa != fb {
		return fa < fb
	}
	if la != lb {
		return la < lb
	}
	return ca < cb
}

// splitPosition reads the leading "file:line:col:" of a problem; texts
// without a position sort first, under an empty file name.
func splitPosition(s string) (file string, line, col int) {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) < 4 {
		return "", 0, 0
	}
	l, err1 := strconv.Atoi(parts[1])
	c, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return "", 0, 0
	}
	return parts[0], l, c
}

// crossBuild runs go build for darwin/arch with cgo disabled, which is how
// the packages without cgo (the engine, the bundler) are built for a Mac.
// The output is discarded.
func crossBuild(ctx context.Context, dir, arch string, opts options) error {
	args := append([]string{"build", "-o", os.DevNull}, opts.build...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = darwinEnv(arch, "0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// darwinEnv is the environment of a go command targeting darwin/arch.
// With cgo on, CC and CXX point to false(1), so that cgo fails at once
// instead of running the host's compiler with macOS flags.
func darwinEnv(arch, cgo string) []string {
	env := append(os.Environ(), "GOOS=darwin", "GOARCH="+arch, "CGO_ENABLED="+cgo)
	if cgo == "1" {
		env = append(env, "CC="+failingCompiler(), "CXX="+failingCompiler())
	}
	return env
}

// failingCompiler returns a command that exits non-zero whatever its
// arguments.
func failingCompiler() string {
	if p, err := exec.LookPath("false"); err == nil {
		return p
	}
	return "false"
}
