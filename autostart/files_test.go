package autostart

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestWriteFileRemovesLeftovers: a writer killed between creating its
// temporary file and renaming it leaves ".NAME.tmp-N" behind. The next write
// or removal of the same registration deletes such files once they are old
// enough not to belong to a writer still at work, and leaves everything
// else alone.
func TestWriteFileRemovesLeftovers(t *testing.T) {
	for _, op := range []string{"write", "remove"} {
		t.Run(op, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "lima-vm@a.service")
			old := time.Now().Add(-2 * leftoverAge)
			files := map[string]time.Time{
				".lima-vm@a.service.tmp-111": old,        // a killed writer's: goes
				".lima-vm@a.service.tmp-222": time.Now(), // maybe still at work: stays
				".lima-vm@b.service.tmp-333": old,        // another registration's: stays
				"lima-vm@b.service":          old,        // a registration: stays
				".lima-vm@a.service.bak":     old,        // not ours: stays
			}
			for name, mtime := range files {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if op == "write" {
				err = OSFiles{}.WriteFile(path, []byte("[Unit]\n"), 0o644)
			} else {
				err = OSFiles{}.Remove(path)
			}
			if err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			want := []string{".lima-vm@a.service.bak", ".lima-vm@a.service.tmp-222", ".lima-vm@b.service.tmp-333", "lima-vm@b.service"}
			if op == "write" {
				want = append(want, "lima-vm@a.service")
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("after %s got %q, want %q", op, got, want)
			}
		})
	}
}
