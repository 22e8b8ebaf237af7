package notified

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOncePerFailureAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	r := Open(dir)
	steps := []struct {
		rec       *Record
		job, key  string
		wantFirst bool
	}{
		{r, "default/login", "default/login/failed/1", true},
		{r, "default/login", "default/login/failed/1", false},
		{r, "k3s/boot", "k3s/boot/failing/7", true},
		// LimaBar restarts: a new Record reads the file.
		{Open(dir), "default/login", "default/login/failed/1", false},
		// The same job fails again, later.
		{Open(dir), "default/login", "default/login/failed/2", true},
	}
	for i, s := range steps {
		got, err := s.rec.First(s.job, s.key)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.wantFirst {
			t.Errorf("step %d: First(%q, %q) = %v, want %v", i, s.job, s.key, got, s.wantFirst)
		}
	}
	if err := Open(dir).Clear("default/login"); err != nil {
		t.Fatal(err)
	}
	if first, _ := Open(dir).First("default/login", "default/login/failed/2"); !first {
		t.Error("after Clear the same key is not new")
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	const want = "{\n  \"default/login\": \"default/login/failed/2\",\n  \"k3s/boot\": \"k3s/boot/failing/7\"\n}\n"
	if string(b) != want {
		t.Errorf("file:\n%s\nwant:\n%s", b, want)
	}
}

func TestMemoryOnly(t *testing.T) {
	r := Open("")
	if first, err := r.First("a/login", "k"); !first || err != nil {
		t.Errorf("first = %v, %v", first, err)
	}
	if first, _ := r.First("a/login", "k"); first {
		t.Error("notified twice")
	}
}
