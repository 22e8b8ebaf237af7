//go:build darwin

package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// The kqueue backend on a real file system: the logic of dirdiff.go is
// tested everywhere against a simulated kqueue; these tests are the Mac's
// word that the kernel sends what the simulation assumes.

// TestKqueueIgnoresWritesToOpenDiskImage: a VM writing its disk image
// through a descriptor it keeps open gives no event from the kqueue
// backend, which opens only the files the Watcher names, while fsnotify's
// kqueue, which opens every file, reports those writes. Events of one
// folder come in order, so every event of the writes arrives before the
// creation of a file made after them.
func TestKqueueIgnoresWritesToOpenDiskImage(t *testing.T) {
	for name, tt := range map[string]struct {
		add        func(inst string) (backend, error)
		wantWrites bool
	}{
		"kqueue": {func(inst string) (backend, error) {
			b, err := newKqueue()
			if err != nil {
				return nil, err
			}
			return b, b.AddFiltered(inst, func(n string) bool { return slices.Contains(InstanceNames, n) })
		}, false},
		"fsnotify": {func(inst string) (backend, error) {
			b, err := newFSNotify()
			if err != nil {
				return nil, err
			}
			return b, b.Add(inst)
		}, true},
	} {
		t.Run(name, func(t *testing.T) {
			inst := filepath.Join(t.TempDir(), "default")
			mkdir(t, inst)
			disk := filepath.Join(inst, "diffdisk")
			write(t, disk, "")
			b, err := tt.add(inst)
			if b != nil {
				t.Cleanup(func() { b.Close() })
			}
			if err != nil {
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
			timeout := time.After(10 * time.Second)
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

// TestKqueueWatcherOnRealFolders: through the Watcher as the app runs it,
// a new instance folder is news and is watched from then on (its ha.pid
// appearing is news too), ha.pid of a running instance appearing and going
// is news, and a disk image and a serial log written in an instance folder
// are not.
func TestKqueueWatcherOnRealFolders(t *testing.T) {
	h := start(t, Default)
	inst := filepath.Join(h.limaHome, "default")

	disk, err := os.Create(filepath.Join(inst, "diffdisk"))
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	write(t, filepath.Join(inst, "serial.log"), "boot\n")
	block := make([]byte, 64*1024)
	for i := range 100 {
		if _, err := disk.WriteAt(block, int64(i*len(block))); err != nil {
			t.Fatal(err)
		}
	}
	h.expect(0)

	write(t, filepath.Join(inst, "ha.pid"), "123\n")
	h.expect(1)
	if err := os.Remove(filepath.Join(inst, "ha.pid")); err != nil {
		t.Fatal(err)
	}
	h.expect(2)

	other := filepath.Join(h.limaHome, "other")
	mkdir(t, other)
	h.expect(3)
	write(t, filepath.Join(other, "ha.pid"), "456\n")
	h.expect(4)
	if !slices.Contains(h.w.Watched(), other) {
		t.Errorf("watched %q, want %s among them", h.w.Watched(), other)
	}
}
