package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const debounce = 100 * time.Millisecond

// harness runs a Watcher on a temporary LIMA_HOME (with one instance) and a
// systemd user folder that does not exist yet, and counts notifications.
//
// The watcher's debounce timer is the harness's: expect fires it only once
// the watcher has handled every event of what the test did, which it knows
// from a mark file written after them (a backend delivers the events of its
// folders in order). So a burst is one notification however slowly a busy
// machine lets the watcher read it, and no test sleeps to see that nothing
// more comes.
type harness struct {
	t        *testing.T
	limaHome string
	units    string
	w        *Watcher
	count    atomic.Int32

	// marks is a watched folder whose files are never news; touch writes
	// one there (the fake kernel's harness replaces it).
	marks    string
	touch    func(path string)
	handled  chan string
	notified chan struct{}
	nmark    int

	mu    sync.Mutex
	armed chan time.Time // the debounce timer that is running, if any
	last  Change         // what the last notification covered
	due   time.Duration  // the wait of the last timer armed
}

// lastDue is the wait of the last debounce timer the watcher armed.
func (h *harness) lastDue() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.due
}

func start(t *testing.T, b Backend) *harness {
	t.Helper()
	return startWith(t, func() (backend, error) { return newBackend(b) })
}

// startWith is start with a backend of the test's own making.
func startWith(t *testing.T, newB func() (backend, error)) *harness {
	t.Helper()
	root := t.TempDir()
	h := &harness{
		t:        t,
		limaHome: filepath.Join(root, "lima"),
		units:    filepath.Join(root, "config", "systemd", "user"),
		marks:    filepath.Join(root, "marks", "here"),
		handled:  make(chan string, 1024),
		notified: make(chan struct{}, 1024),
	}
	h.touch = func(p string) { write(t, p, "") }
	mkdir(t, filepath.Join(h.limaHome, "default"))
	write(t, filepath.Join(h.limaHome, "default", "lima.yaml"), "images: []\n")
	mkdir(t, h.marks)
	b, err := newB()
	if err != nil {
		t.Fatal(err)
	}
	w := newWatcher([]Dir{
		{Path: h.limaHome, Names: InstanceNames},
		{Path: h.units},
		// Only files named "news" would count in its subfolder.
		{Path: filepath.Dir(h.marks), Names: []string{"news"}},
	}, Options{Debounce: debounce}, b)
	w.newTimer = h.newTimer
	w.handled = func(e event) {
		if filepath.Dir(e.Path) == h.marks {
			select {
			case h.handled <- e.Path:
			default:
			}
		}
	}
	h.w = w
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- w.RunChanges(ctx, func(c Change) {
			h.mu.Lock()
			h.last = c
			h.mu.Unlock()
			h.count.Add(1)
			h.notified <- struct{}{}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

// newTimer is the watcher's debounce timer in tests: it fires when expect
// says so.
func (h *harness) newTimer(d time.Duration) (<-chan time.Time, func() bool) {
	c := make(chan time.Time, 1)
	h.mu.Lock()
	h.armed = c
	h.due = d
	h.mu.Unlock()
	return c, func() bool { return false }
}

// catchUp returns once the watcher has handled every event of what the
// test did so far.
func (h *harness) catchUp() {
	h.t.Helper()
	h.nmark++
	mark := filepath.Join(h.marks, fmt.Sprintf("mark%d", h.nmark))
	h.touch(mark)
	limit := time.After(30 * time.Second)
	for {
		select {
		case p := <-h.handled:
			if p == mark {
				return
			}
		case <-limit:
			h.t.Fatalf("the watcher did not see %s within 30 s", mark)
		}
	}
}

// expect lets the watcher catch up with what the test did, ends the
// debounce period, and checks the number of notifications so far.
func (h *harness) expect(want int32) {
	h.t.Helper()
	h.catchUp()
	h.mu.Lock()
	c := h.armed
	h.armed = nil
	h.mu.Unlock()
	if c != nil {
		c <- time.Now()
		select {
		case <-h.notified:
		case <-time.After(30 * time.Second):
			h.t.Fatal("the debounce timer fired, but no notification came within 30 s")
		}
	}
	if got := h.count.Load(); got != want {
		h.t.Fatalf("got %d notifications, want %d", got, want)
	}
}

func backends() map[string]Backend {
	return map[string]Backend{"default": Default, "fsnotify": FSNotify}
}

func TestWatchInstanceFolder(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			inst := filepath.Join(h.limaHome, "default")

			write(t, filepath.Join(inst, "ha.pid"), "123\n")
			h.expect(1)

			if err := os.Remove(filepath.Join(inst, "ha.pid")); err != nil {
				t.Fatal(err)
			}
			h.expect(2)

			// Disks and serial logs are not news.
			write(t, filepath.Join(inst, "serial.log"), "boot\n")
			write(t, filepath.Join(inst, "diffdisk"), "")
			write(t, filepath.Join(inst, "ha.stdout.log"), "x\n")
			h.expect(2)

			write(t, filepath.Join(inst, "lima.yaml"), "cpus: [\n")
			h.expect(3)
		})
	}
}

// lastChange is what the last notification covered.
func (h *harness) lastChange() Change {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// TestWatchSaysWhere: a notification names the watched folders that
// changed, so that a unit written by limactl reads only the registrations
// again and an instance's ha.pid lists the instances.
func TestWatchSaysWhere(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			mkdir(t, h.units)
			h.expect(1)
			write(t, filepath.Join(h.units, "lima-vm@default.service"), "[Unit]\n")
			h.expect(2)
			if c := h.lastChange(); !slices.Equal(c.Dirs, []string{h.units}) || c.All || c.Touches(h.limaHome) || !c.Touches(h.units) {
				t.Errorf("a unit written: got %+v, want only %s", c, h.units)
			}
			write(t, filepath.Join(h.limaHome, "default", "ha.pid"), "1\n")
			write(t, filepath.Join(h.units, "lima-vm@k3s.service"), "[Unit]\n")
			h.expect(3)
			if c := h.lastChange(); !slices.Equal(c.Dirs, []string{h.limaHome, h.units}) || !c.Touches(h.limaHome) {
				t.Errorf("ha.pid and a unit: got %+v, want LIMA_HOME then the units", c)
			}
		})
	}
}

// TestWatchJobLogs: a failed start is told by the job's stderr logs alone
// (on a Mac nothing else changes), so their being written is news, as the
// failing job writes them: the host agent creating ha.stderr.log, launchd
// appending to the job's StandardErrorPath.
func TestWatchJobLogs(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			inst := filepath.Join(h.limaHome, "default")

			write(t, filepath.Join(inst, "ha.stderr.log"), "level=fatal msg=\"qemu-system-aarch64 not found\"\n")
			h.expect(1)

			appendTo(t, filepath.Join(inst, "launchd.stderr.log"), "level=fatal msg=\"qemu-system-aarch64 not found\"\n")
			h.expect(2)
			appendTo(t, filepath.Join(inst, "launchd.stderr.log"), "level=fatal msg=\"qemu-system-aarch64 not found\"\n")
			h.expect(3)
			// A write to a log that is there is news for the jobs'
			// health alone (Change.Logs), gathered for longer.
			if c := h.lastChange(); !c.Logs || len(c.Dirs) != 0 || c.All {
				t.Errorf("an appended log: got %+v, want Logs alone", c)
			}
			if d := h.lastDue(); d != LogDebounce {
				t.Errorf("an appended log armed %s, want %s", d, LogDebounce)
			}

			// The logs of another instance folder count the same.
			k3s := filepath.Join(h.limaHome, "k3s")
			mkdir(t, k3s)
			h.expect(4)
			appendTo(t, filepath.Join(k3s, "launchd.stderr.log"), "x\n")
			h.expect(5)
		})
	}
}

func TestWatchNewAndRemovedInstance(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			k3s := filepath.Join(h.limaHome, "k3s")
			mkdir(t, k3s)
			write(t, filepath.Join(k3s, "lima.yaml"), "images: []\n")
			h.expect(1)
			if !slices.Contains(h.w.Watched(), k3s) {
				t.Fatalf("new instance folder not watched: %q", h.w.Watched())
			}

			// The new folder's own files are seen.
			write(t, filepath.Join(k3s, "ha.sock"), "")
			h.expect(2)

			if err := os.RemoveAll(k3s); err != nil {
				t.Fatal(err)
			}
			h.expect(3)
			if slices.Contains(h.w.Watched(), k3s) {
				t.Errorf("removed instance folder still watched: %q", h.w.Watched())
			}
		})
	}
}

func TestWatchFolderThatAppearsLater(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			if want := filepath.Dir(filepath.Dir(filepath.Dir(h.units))); !slices.Contains(h.w.Watched(), want) {
				t.Fatalf("watched %q, want the nearest existing parent %q among them", h.w.Watched(), want)
			}

			// Unrelated things next to the missing folder are not news.
			write(t, filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(h.units))), "unrelated"), "x")
			h.expect(0)

			// What `systemctl --user enable` does in a fresh home.
			mkdir(t, filepath.Join(h.units, "default.target.wants"))
			h.expect(1)
			if !slices.Contains(h.w.Watched(), h.units) {
				t.Fatalf("created folder not watched: %q", h.w.Watched())
			}
			unit := filepath.Join(h.units, "lima-vm@default.service")
			write(t, unit, "[Unit]\n")
			h.expect(2)
			if err := os.Symlink(unit, filepath.Join(h.units, "default.target.wants", "lima-vm@default.service")); err != nil {
				t.Fatal(err)
			}
			h.expect(3)
		})
	}
}

func TestWatchBurstIsOneNotification(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			mkdir(t, h.units)
			h.expect(1)
			for i := range 50 {
				write(t, filepath.Join(h.units, "lima-vm@vm"+string(rune('a'+i%26))+".service"), "x")
			}
			h.expect(2)
		})
	}
}

func TestWatchLimaHomeRecreated(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			if err := os.RemoveAll(h.limaHome); err != nil {
				t.Fatal(err)
			}
			h.expect(1)
			mkdir(t, filepath.Join(h.limaHome, "again"))
			h.expect(2)
			write(t, filepath.Join(h.limaHome, "again", "ha.pid"), "1")
			h.expect(3)
		})
	}
}

func TestWatchStopsWithContext(t *testing.T) {
	w, err := New([]Dir{{Path: t.TempDir()}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func() {}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// raceBackend makes the systemd user folder just before the watch on its
// parent is added, as MkdirAll of a whole path can, so that no event ever
// tells of it.
type raceBackend struct {
	backend
	made atomic.Bool
}

func (r *raceBackend) Add(p string) error {
	if filepath.Base(p) == "systemd" && r.made.CompareAndSwap(false, true) {
		if err := os.Mkdir(filepath.Join(p, "user"), 0o755); err != nil {
			return err
		}
	}
	return r.backend.Add(p)
}

// TestWatchFolderMadeWhileWatchIsAdded: the systemd user folder appears in
// the moment between the watcher deciding to watch its parent and doing it.
// The watcher must still end up watching it, or no unit written there would
// ever show.
func TestWatchFolderMadeWhileWatchIsAdded(t *testing.T) {
	rb := &raceBackend{}
	h := startWith(t, func() (backend, error) {
		b, err := newBackend(Default)
		rb.backend = b
		return rb, err
	})
	// The folder's parent appears; watching it makes the folder itself.
	mkdir(t, filepath.Dir(h.units))
	h.expect(1)
	if !rb.made.Load() {
		t.Fatal("the watch on the parent was never added")
	}
	write(t, filepath.Join(h.units, "lima-vm@a.service"), "x")
	h.expect(2)
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

// appendTo appends text to the file at p, creating it, as a job's stderr
// is written: through a descriptor opened with O_APPEND.
func appendTo(t *testing.T, p, text string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p, text string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatchNotifiesWithTheRealTimer: the tests above fire the debounce
// timer themselves; this one leaves it to the clock.
func TestWatchNotifiesWithTheRealTimer(t *testing.T) {
	limaHome := t.TempDir()
	mkdir(t, filepath.Join(limaHome, "default"))
	w, err := New([]Dir{{Path: limaHome, Names: InstanceNames}}, Options{Debounce: debounce})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	notified := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func() { notified <- struct{}{} }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	write(t, filepath.Join(limaHome, "default", "ha.pid"), "1\n")
	select {
	case <-notified:
	case <-time.After(30 * time.Second):
		t.Fatal("no notification within 30 s of ha.pid appearing")
	}
}

// TestWatchLogThenOtherChange: a change that is not a log, coming while
// only a log write waits, makes the notification due after Debounce, and
// it covers both.
func TestWatchLogThenOtherChange(t *testing.T) {
	for name, b := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := start(t, b)
			log := filepath.Join(h.limaHome, "default", "launchd.stderr.log")
			write(t, log, "")
			h.expect(1)
			appendTo(t, log, "level=fatal msg=\"boom\"\n")
			h.catchUp()
			if d := h.lastDue(); d != LogDebounce {
				t.Fatalf("a log write armed %s, want %s", d, LogDebounce)
			}
			write(t, filepath.Join(h.limaHome, "default", "ha.pid"), "1\n")
			h.expect(2)
			if d := h.lastDue(); d != debounce {
				t.Errorf("ha.pid after a log write armed %s, want %s", d, debounce)
			}
			if c := h.lastChange(); !c.Logs || !slices.Equal(c.Dirs, []string{h.limaHome}) {
				t.Errorf("got %+v, want the log and LIMA_HOME", c)
			}
		})
	}
}
