package watch

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// TestInotifyIgnoresWritesToOpenFiles: a VM writing its disk image through
// a descriptor it keeps open gives no event from the default backend, while
// fsnotify reports those writes (which is why the default is not
// fsnotify). Events of one watch come in order, so every event of the
// writes arrives before the Create of a file made after them.
func TestInotifyIgnoresWritesToOpenFiles(t *testing.T) {
	for name, tt := range map[string]struct {
		b          Backend
		wantWrites bool
	}{
		"default":  {Default, false},
		"fsnotify": {FSNotify, true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inst := filepath.Join(t.TempDir(), "default")
			mkdir(t, inst)
			disk := filepath.Join(inst, "diffdisk")
			write(t, disk, "")
			b, err := newBackend(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			if err := b.Add(inst); err != nil {
				t.Fatal(err)
			}

			f, err := os.OpenFile(disk, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			block := make([]byte, 64*1024)
			for i := range 200 {
				if _, err := f.WriteAt(block, int64(i*len(block))); err != nil {
					t.Fatal(err)
				}
			}
			marker := filepath.Join(inst, "ha.pid")
			write(t, marker, "1")

			writes := 0
			timeout := time.After(5 * time.Second)
		read:
			for {
				select {
				case e := <-b.Events():
					switch {
					case e.Path == disk:
						writes++
					case e.Path == marker && e.Op.Has(fsnotify.Create):
						break read
					}
				case err := <-b.Errors():
					t.Fatal(err)
				case <-timeout:
					t.Fatal("no event for the creation of ha.pid")
				}
			}
			if got := writes > 0; got != tt.wantWrites {
				t.Errorf("%d events for writes to the disk image, want any: %v", writes, tt.wantWrites)
			}
		})
	}
}

// TestBackendVarChoosesFSNotify: LIMABAR_WATCH_BACKEND=fsnotify is the way
// back to fsnotify; without it the default is LimaBar's own backend.
func TestBackendVarChoosesFSNotify(t *testing.T) {
	for _, tc := range []struct {
		value    string
		fsnotify bool
	}{{"", false}, {"fsnotify", true}, {"other", false}} {
		t.Setenv(BackendVar, tc.value)
		b, err := newBackend(Default)
		if err != nil {
			t.Fatal(err)
		}
		_, isFS := b.(*fsnotifyBackend)
		b.Close()
		if isFS != tc.fsnotify {
			t.Errorf("%s=%q: got %T", BackendVar, tc.value, b)
		}
	}
}
