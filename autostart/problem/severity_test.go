package problem

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

// declaredCodes reads every untyped string constant this package declares, so that
// a code added without a severity fails TestEverySeverity.
func declaredCodes(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, f := range pkgs["problem"].Files {
		codesOf(t, f, codes)
	}
	if len(codes) < 20 {
		t.Fatalf("read %d codes from the package, want all of them: %v", len(codes), codes)
	}
	return codes
}

// codesOf adds the string constants of f that are problem codes (not
// severities, which are typed) to codes.
func codesOf(t *testing.T, f *ast.File, codes map[string]string) {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if vs.Type != nil {
				continue
			}
			for i, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				code, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				codes[vs.Names[i].Name] = code
			}
		}
	}
}

func TestEverySeverity(t *testing.T) {
	want := map[string]Severity{
		"limactl-missing":     Broken,
		"limactl-differs":     Degraded,
		"path-missing":        Degraded,
		"lima-home-missing":   Degraded,
		"lima-home-differs":   Degraded,
		"disabled-override":   Broken,
		"wrong-target":        Broken,
		"unparseable":         Broken,
		"not-enabled":         Broken,
		"wrong-arguments":     Broken,
		"bundle-id-missing":   Cosmetic,
		"log-paths":           Degraded,
		"working-directory":   Degraded,
		"owner":               Broken,
		"mode":                Broken,
		"user-name":           Broken,
		"home-missing":        Degraded,
		"not-loaded":          Degraded,
		"both-conditions":     Degraded,
		"other-account":       Broken,
		"instance-missing":    Broken,
		"instance-unverified": Degraded,
		"stop-timeout":        Degraded,
		"process-type":        Degraded,
		"keep-alive":          Degraded,
		"colima-missing":      Broken,
		"colima-differs":      Degraded,
		"colima-home-missing": Broken,
		"colima-home-differs": Degraded,
		"profile-missing":     Broken,
		"lima-job":            Broken,
		"brew-services":       Degraded,
	}
	for name, code := range declaredCodes(t) {
		t.Run(code, func(t *testing.T) {
			if !Known(code) {
				t.Fatalf("%s (%q) has no severity: add it to severities in severity.go", name, code)
			}
			w, ok := want[code]
			if !ok {
				t.Fatalf("%s (%q) is not in this table: add its expected severity", name, code)
			}
			if got := SeverityOf(code); got != w {
				t.Errorf("SeverityOf(%q) = %q, want %q", code, got, w)
			}
		})
	}
	for code := range severities {
		if _, ok := want[code]; !ok {
			t.Errorf("severities holds %q, which this table does not check", code)
		}
	}
}

func TestUnknownCodeIsBroken(t *testing.T) {
	if got := SeverityOf("made-up"); got != Broken {
		t.Errorf("SeverityOf(made-up) = %q, want %q", got, Broken)
	}
}

func TestJSONCarriesSeverity(t *testing.T) {
	b, err := json.Marshal([]Problem{{Code: BundleID, Message: "no label"}, {Code: LimactlMissing, Message: "gone"}})
	if err != nil {
		t.Fatal(err)
	}
	const want = `[{"code":"bundle-id-missing","message":"no label","severity":"cosmetic"},{"code":"limactl-missing","message":"gone","severity":"broken"}]`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}
