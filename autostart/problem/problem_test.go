package problem

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// codes reads the problem codes declared in problem.go: constant name →
// code.
func codes(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "problem.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				code, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out[name.Name] = code
			}
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("no problem codes found in problem.go")
	}
	return out
}

// TestEveryCodeIsEmittedAndDocumented: a stable code is one the program
// emits (non-test code outside this package names it) and docs/JSON.md
// (the JSON output, linked from the README) lists; a code nothing emits
// is not kept as stable.
func TestEveryCodeIsEmittedAndDocumented(t *testing.T) {
	var src strings.Builder
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		if abs, _ := filepath.Abs(filepath.Dir(p)); abs == mustAbs(t, ".") {
			return nil
		}
		data, err := os.ReadFile(p)
		src.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "JSON.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, code := range codes(t) {
		if !strings.Contains(src.String(), "problem."+name) {
			t.Errorf("%s (%q) is declared but nothing emits it", name, code)
		}
		if !strings.Contains(string(doc), "`"+code+"`") {
			t.Errorf("docs/JSON.md does not list the problem code %q", code)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
