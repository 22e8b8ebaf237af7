package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// madeUpSHA is the checksum the cask is rendered with: any 64 hex digits.
const madeUpSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func renderCask(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "bash"), append([]string{"../scripts/render-cask.sh"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// TestCask renders the cask for a made-up release, compares it with the
// literal text in testdata, and has Ruby parse it.
func TestCask(t *testing.T) {
	got, stderr, err := renderCask(t, "v1.2.3", madeUpSHA)
	if err != nil {
		t.Fatalf("render-cask.sh: %v\n%s", err, stderr)
	}
	if want := golden(t, "limabar.rb"); got != want {
		t.Errorf("the cask differs from testdata/limabar.rb:\n%s", got)
	}
	// Only LimaBar's own jobs: an io.lima-vm.* job is the user's instance.
	if strings.Contains(got, "io.lima-vm") {
		t.Errorf("the cask names an io.lima-vm job:\n%s", got)
	}

	ruby := testenv.Tool(t, "ruby")
	file := filepath.Join(t.TempDir(), "limabar.rb")
	if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ruby, "-c", file).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "Syntax OK" {
		t.Errorf("ruby -c: %v\n%s", err, out)
	}
}

// TestCaskNotarized: a notarized app needs no Open Anyway, so the caveats
// go; the rest is the same.
func TestCaskNotarized(t *testing.T) {
	got, stderr, err := renderCask(t, "--notarized", "1.2.3", madeUpSHA)
	if err != nil {
		t.Fatalf("render-cask.sh: %v\n%s", err, stderr)
	}
	caveats := regexp.MustCompile(`(?s)\n  caveats <<~EOS\n.*?  EOS\n`)
	if want := caveats.ReplaceAllString(golden(t, "limabar.rb"), ""); got != want {
		t.Errorf("the notarized cask is\n%s\nwant\n%s", got, want)
	}
}

func TestCaskRefusesBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"1.2.3"},
		{"main", madeUpSHA},
		{"1.2.3", "not-a-checksum"},
		{"1.2.3", strings.ToUpper(madeUpSHA)},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _, err := renderCask(t, args...)
			if err == nil || out != "" {
				t.Errorf("rendered %q with no error; want exit 2 and nothing", out)
			}
		})
	}
}
