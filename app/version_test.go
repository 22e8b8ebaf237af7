package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildLimabar builds this program with extra go build arguments and
// returns the binary.
func buildLimabar(t *testing.T, args ...string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "limabar")
	cmd := exec.Command("go", append(append([]string{"build"}, args...), "-o", exe, ".")...)
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %q: %v\n%s", args, err, out)
	}
	return exe
}

func output(t *testing.T, exe string, args ...string) string {
	t.Helper()
	out, err := exec.Command(exe, args...).Output()
	if err != nil {
		t.Fatalf("%s %q: %v", exe, args, err)
	}
	return string(out)
}

// TestVersionSetByTheBuild builds limabar the way make build and the
// release do, with the version, commit and date given to the linker, and
// without them, as a plain go build: that one says dev.
func TestVersionSetByTheBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds limabar twice")
	}
	t.Parallel()
	t.Run("ldflags", func(t *testing.T) {
		t.Parallel()
		exe := buildLimabar(t, "-ldflags", "-X main.version=1.2.3 -X main.commit=4f2c9e1 -X main.date=2026-12-01T12:00:00Z")
		if got, want := output(t, exe, "--version"), "limabar 1.2.3 (commit 4f2c9e1, built 2026-12-01T12:00:00Z)\n"; got != want {
			t.Errorf("--version printed %q, want %q", got, want)
		}
		want := "{\n  \"version\": \"1.2.3\",\n  \"commit\": \"4f2c9e1\",\n  \"date\": \"2026-12-01T12:00:00Z\"\n}\n"
		if got := output(t, exe, "version", "--json"); got != want {
			t.Errorf("version --json printed %q, want %q", got, want)
		}
	})
	t.Run("plain go build", func(t *testing.T) {
		t.Parallel()
		exe := buildLimabar(t, "-buildvcs=false")
		if got, want := output(t, exe, "--version"), "limabar dev (commit unknown, built unknown)\n"; got != want {
			t.Errorf("--version printed %q, want %q", got, want)
		}
	})
}
