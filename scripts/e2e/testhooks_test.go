//go:build linux

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestShippedBinaryHasNoTestHooks: `go build ./app` (what make build and
// make bundle ship) holds none of the test-only switches, while the
// harness's binary, built with -tags testhooks, holds them all.
//
// It builds and reads the binaries only; no system is involved.
func TestShippedBinaryHasNoTestHooks(t *testing.T) {
	shipped := filepath.Join(t.TempDir(), "limabar")
	cmd := exec.Command("go", "build", "-o", shipped, "./app")
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./app: %v\n%s", err, out)
	}
	for _, b := range []struct {
		path string
		want int
	}{{shipped, 0}, {bins.limabar, 3}} {
		data, err := os.ReadFile(b.path)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, v := range []string{"LIMABAR_TEST_PLATFORM", "LIMABAR_TEST_ROOT", "LIMABAR_TEST_SESSION"} {
			if bytes.Contains(data, []byte(v)) {
				got++
			}
		}
		if got != b.want {
			t.Errorf("%s holds %d of the 3 test-only variables, want %d", b.path, got, b.want)
		}
		if b.want == 0 && bytes.Contains(data, []byte("LIMABAR_TEST_")) {
			t.Errorf("%s holds the string LIMABAR_TEST_", b.path)
		}
	}
}
