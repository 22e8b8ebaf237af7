package main

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/limabar/limabar/scripts/testenv/tools"
)

// The guard reads the test files that go test compiles on a Mac and reports
// each place where one runs a program the macOS CI runner does not have, so
// that the macOS job keeps passing by construction. A test may run such a
// program only through the gate: testenv.Tool (which skips it on a Mac) or a
// file built only on Linux (a _linux_test.go file or a linux build tag),
// which a Mac does not compile and the guard therefore never sees.
//
// The table of scripts/testenv/tools says which programs the runner has.
// Reported are:
//
//   - exec.Command, exec.CommandContext and exec.LookPath with a literal
//     program name (or path) the runner image lacks or the table does not
//     list, directly, through a function of the package that passes its
//     parameter on as the name (a local needTool), or through a range over
//     a literal list of names;
//   - a literal shell script, the argument after "-c" of any call (sh -c,
//     an Exec.Run of /bin/sh -c) or of such a function, that runs a
//     Linux-only program as a command.
//
// A literal name the test itself put on PATH as a stand-in (the same
// function joins it into a file path, filepath.Join(bin, "dbus-launch")) is
// not a use of the real program.

// guardReport is what the guard found.
type guardReport struct {
	// problems are "file:line: message", file relative to the checked dir.
	problems []string
	// files are the test files read, relative to the checked dir.
	files []string
}

// guard loads the packages matching patterns in dir for GOOS=darwin (on
// arm64: no test file of the module depends on the architecture) with their
// tests, and checks their test files.
func guard(ctx context.Context, dir string, patterns []string) (guardReport, error) {
	cfg := &packages.Config{
		Context: ctx,
		Dir:     dir,
		Mode:    packages.NeedName | packages.NeedFiles | packages.NeedModule,
		Env:     darwinEnv("arm64", "1"),
		Tests:   true,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return guardReport{}, fmt.Errorf("load packages: %w", err)
	}
	// The test files by folder: a package, its test variant and its
	// external test package share helpers through the folder.
	byDir := map[string]map[string]bool{}
	for _, p := range pkgs {
		if !ownPackage(p, true) {
			continue
		}
		// Errors in loading (a dependency that has no darwin files
		// without cgo) are the type-check's to report; the files are
		// listed all the same.
		for _, f := range p.GoFiles {
			if !strings.HasSuffix(f, "_test.go") {
				continue
			}
			d := filepath.Dir(f)
			if byDir[d] == nil {
				byDir[d] = map[string]bool{}
			}
			byDir[d][f] = true
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return guardReport{}, err
	}
	var r guardReport
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		names := make([]string, 0, len(byDir[d]))
		for f := range byDir[d] {
			names = append(names, f)
		}
		sort.Strings(names)
		problems, err := guardFiles(abs, names)
		if err != nil {
			return guardReport{}, err
		}
		r.problems = append(r.problems, problems...)
		for _, f := range names {
			r.files = append(r.files, relative(abs, f))
		}
	}
	sort.SliceStable(r.problems, func(i, j int) bool { return positionLess(r.problems[i], r.problems[j]) })
	return r, nil
}

func relative(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// sink is where a value ends up: as the name of a program, or as a shell
// script.
type sink int

const (
	nameSink sink = iota + 1
	scriptSink
)

// fileChecker checks the files of one folder.
type fileChecker struct {
	dir  string
	fset *token.FileSet
	// wrappers maps a function of the folder to the sinks its parameters
	// (by index) flow into.
	wrappers map[string]map[int]sink
	seen     map[string]bool
	problems []string
}

func guardFiles(dir string, names []string) ([]string, error) {
	c := &fileChecker{dir: dir, fset: token.NewFileSet(), wrappers: map[string]map[int]sink{}, seen: map[string]bool{}}
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(c.fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse: %w", err)
		}
		files = append(files, f)
	}
	for _, f := range files {
		c.findWrappers(f)
	}
	for _, f := range files {
		c.checkFile(f)
	}
	return c.problems, nil
}

// execName returns the name the file imports os/exec as, or "".
func execName(f *ast.File) string {
	for _, imp := range f.Imports {
		if imp.Path.Value != `"os/exec"` {
			continue
		}
		if imp.Name == nil {
			return "exec"
		}
		if imp.Name.Name == "_" || imp.Name.Name == "." {
			return ""
		}
		return imp.Name.Name
	}
	return ""
}

// sinks calls fn for every argument of call that is a program name or a
// shell script, with what it is and a description of the call.
func sinks(call *ast.CallExpr, execPkg string, wrappers map[string]map[int]sink, fn func(arg ast.Expr, s sink, via string)) {
	switch fun := call.Fun.(type) {
	case *ast.SelectorExpr:
		if x, ok := fun.X.(*ast.Ident); ok && execPkg != "" && x.Name == execPkg {
			i := -1
			switch fun.Sel.Name {
			case "Command", "LookPath":
				i = 0
			case "CommandContext":
				i = 1
			}
			if i >= 0 && i < len(call.Args) {
				fn(call.Args[i], nameSink, "exec."+fun.Sel.Name)
			}
		}
	case *ast.Ident:
		for i, s := range wrappers[fun.Name] {
			if i < len(call.Args) {
				fn(call.Args[i], s, fun.Name+", which passes it to exec")
			}
		}
	}
	// Whatever follows "-c" is a shell script, whoever runs it.
	for i, a := range call.Args {
		if lit, ok := stringLit(a); ok && lit == "-c" && i+1 < len(call.Args) {
			fn(call.Args[i+1], scriptSink, "a shell's -c")
			break
		}
	}
}

// findWrappers records the functions whose parameters reach a sink as they
// are.
func (c *fileChecker) findWrappers(f *ast.File) {
	execPkg := execName(f)
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Body == nil {
			continue
		}
		params := map[string]int{}
		i := 0
		for _, field := range fd.Type.Params.List {
			if len(field.Names) == 0 {
				i++
				continue
			}
			for _, n := range field.Names {
				params[n.Name] = i
				i++
			}
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sinks(call, execPkg, nil, func(arg ast.Expr, s sink, _ string) {
				if id, ok := arg.(*ast.Ident); ok {
					if idx, ok := params[id.Name]; ok {
						if c.wrappers[fd.Name.Name] == nil {
							c.wrappers[fd.Name.Name] = map[int]sink{}
						}
						c.wrappers[fd.Name.Name][idx] = s
					}
				}
			})
			return true
		})
	}
}

// checkFile reports the sinks of f that get a literal naming a program the
// runner lacks.
func (c *fileChecker) checkFile(f *ast.File) {
	execPkg := execName(f)
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		standIns := standIns(fd.Body)
		// Names a range over a literal list binds, by variable.
		ranged := map[string][]*ast.BasicLit{}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if rs, ok := n.(*ast.RangeStmt); ok {
				if v, ok := rs.Value.(*ast.Ident); ok {
					if lits := stringLits(rs.X); lits != nil {
						ranged[v.Name] = lits
					}
				}
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sinks(call, execPkg, c.wrappers, func(arg ast.Expr, s sink, via string) {
				var lits []*ast.BasicLit
				switch a := arg.(type) {
				case *ast.BasicLit:
					lits = []*ast.BasicLit{a}
				case *ast.Ident:
					lits = ranged[a.Name]
				}
				for _, lit := range lits {
					value, ok := stringLit(lit)
					if !ok {
						continue
					}
					switch s {
					case nameSink:
						if !standIns[value] {
							c.checkName(lit.Pos(), value, via)
						}
					case scriptSink:
						for _, prog := range scriptCommands(value) {
							c.checkScriptCommand(lit.Pos(), prog, via)
						}
					}
				}
			})
			return true
		})
	}
}

func (c *fileChecker) checkName(pos token.Pos, name, via string) {
	tool, ok := tools.Lookup(name)
	switch {
	case !ok:
		c.report(pos, fmt.Sprintf("runs %s (%s with a literal name), which scripts/testenv/tools does not list: list it, and gate the test with testenv.Tool or move it to a _linux_test.go file", name, via))
	case !tool.On("darwin"):
		c.report(pos, fmt.Sprintf("runs %s (%s with a literal name), which the macOS runner image lacks: gate the test with testenv.Tool or move it to a _linux_test.go file", name, via))
	}
}

func (c *fileChecker) checkScriptCommand(pos token.Pos, name, via string) {
	tool, ok := tools.Lookup(name)
	if ok && tool.On("linux") && !tool.On("darwin") {
		c.report(pos, fmt.Sprintf("runs %s (a literal script, through %s), which the macOS runner image lacks: gate the test with testenv.Tool or move it to a _linux_test.go file", name, via))
	}
}

func (c *fileChecker) report(pos token.Pos, msg string) {
	p := c.fset.Position(pos)
	line := fmt.Sprintf("%s:%d: %s", relative(c.dir, p.Filename), p.Line, msg)
	if !c.seen[line] {
		c.seen[line] = true
		c.problems = append(c.problems, line)
	}
}

// standIns returns the literal names body joins into a file path as the
// last element: the programs it makes stand-ins of.
func standIns(body *ast.BlockStmt) map[string]bool {
	names := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Join" {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "filepath" {
			return true
		}
		if name, ok := stringLit(call.Args[len(call.Args)-1]); ok {
			names[name] = true
		}
		return true
	})
	return names
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// stringLits returns the elements of a composite literal made only of
// string literals, or nil.
func stringLits(e ast.Expr) []*ast.BasicLit {
	cl, ok := e.(*ast.CompositeLit)
	if !ok || len(cl.Elts) == 0 {
		return nil
	}
	var lits []*ast.BasicLit
	for _, el := range cl.Elts {
		lit, ok := el.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return nil
		}
		lits = append(lits, lit)
	}
	return lits
}

// shellKeywords may come before the command of a simple command.
var shellKeywords = map[string]bool{
	"!": true, "if": true, "then": true, "else": true, "elif": true, "do": true,
	"while": true, "until": true, "exec": true, "command": true, "nohup": true,
	"sudo": true, "env": true, "time": true, "{": true,
}

// scriptCommands returns the programs a shell script runs as commands: the
// first word of each simple command, after assignments and the words
// above. It reads plain scripts, not every shell construct.
func scriptCommands(script string) []string {
	split := func(r rune) bool { return strings.ContainsRune(";&|\n`()", r) }
	var cmds []string
	for _, segment := range strings.FieldsFunc(script, split) {
		for _, w := range strings.Fields(segment) {
			w = strings.Trim(w, `"'`)
			if shellKeywords[w] || (strings.Contains(w, "=") && !strings.HasPrefix(w, "=")) || strings.HasPrefix(w, "$") {
				if strings.HasPrefix(w, "$") {
					break
				}
				continue
			}
			cmds = append(cmds, w)
			break
		}
	}
	return cmds
}
