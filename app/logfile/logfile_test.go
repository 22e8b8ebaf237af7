package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRotatesBySize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "limabar.log")
	l, err := Open(path, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	line := strings.Repeat("x", 39) + "\n" // 40 bytes
	for i := 0; i < 3; i++ {
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path + ".1")
	if err != nil {
		t.Fatalf("no rotated file: %v", err)
	}
	if got, want := len(old), 80; got != want {
		t.Errorf("rotated file has %d bytes, want %d", got, want)
	}
	if got, want := len(cur), 40; got != want {
		t.Errorf("current file has %d bytes, want %d", got, want)
	}
}

func TestContinuesExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "limabar.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("new\n"))
	l.Close()
	got, _ := os.ReadFile(path)
	if string(got) != "old\nnew\n" {
		t.Errorf("got %q, want %q", got, "old\nnew\n")
	}
	if _, err := l.Write([]byte("x")); err == nil {
		t.Error("write after Close succeeded")
	}
}
