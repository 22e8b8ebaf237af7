package watch

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/launchd"
)

// fakeKernel stands in for kqueue on Linux. Like a descriptor opened with
// O_EVTONLY, a watch follows the file or folder it was opened on, not its
// name. Its file operations change the real file system and raise the
// notes kqueue raises for them (kevent(2), EVFILT_VNODE): NOTE_WRITE on a
// folder whose entries are added, removed or renamed, NOTE_WRITE on a file
// whose content is written, NOTE_DELETE on a file removed or renamed over,
// NOTE_RENAME on one renamed, NOTE_ATTRIB on one chmodded. A note goes only
// to the watches on that object: a file nobody opened tells nobody.
type fakeKernel struct {
	t       *testing.T
	mu      sync.Mutex
	next    int
	watches map[int]fakeWatch
	// deliver receives each note, outside the kernel's lock.
	deliver func(note)
}

type fakeWatch struct {
	path   string
	fi     os.FileInfo
	folder bool
}

func newFakeKernel(t *testing.T) *fakeKernel {
	return &fakeKernel{t: t, watches: map[int]fakeWatch{}}
}

func (k *fakeKernel) watch(path string, folder bool) (int, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return -1, err
	}
	if folder && !fi.IsDir() {
		return -1, &os.PathError{Op: "open", Path: path, Err: syscall.ENOTDIR}
	}
	if fi.Mode()&os.ModeSocket != 0 {
		// open(2) of a socket fails on macOS.
		k.t.Errorf("asked to open the socket %s", path)
		return -1, &os.PathError{Op: "open", Path: path, Err: syscall.EOPNOTSUPP}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.next++
	k.watches[k.next] = fakeWatch{path: path, fi: fi, folder: folder}
	return k.next, nil
}

func (k *fakeKernel) unwatch(h int) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.watches[h]; !ok {
		k.t.Errorf("handle %d closed twice or never opened", h)
		return syscall.EBADF
	}
	delete(k.watches, h)
	return nil
}

// opened lists the paths that hold a watch, sorted: what would hold a
// descriptor on macOS.
func (k *fakeKernel) opened() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, w := range k.watches {
		out = append(out, w.path)
	}
	slices.Sort(out)
	return out
}

// raise sends c to every watch on the object fi was taken from.
func (k *fakeKernel) raise(fi os.FileInfo, c change) {
	k.mu.Lock()
	var hs []int
	for h, w := range k.watches {
		if os.SameFile(w.fi, fi) {
			hs = append(hs, h)
		}
	}
	k.mu.Unlock()
	slices.Sort(hs)
	for _, h := range hs {
		k.deliver(note{handle: h, change: c})
	}
}

func (k *fakeKernel) stat(p string) os.FileInfo {
	k.t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		k.t.Fatal(err)
	}
	return fi
}

// writeFile writes p in place, or creates it.
func (k *fakeKernel) writeFile(p, text string) {
	k.t.Helper()
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		parent := k.stat(filepath.Dir(p))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			k.t.Fatal(err)
		}
		k.raise(parent, changeWrite)
		return
	}
	if err != nil {
		k.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		k.t.Fatal(err)
	}
	k.raise(fi, changeWrite)
}

// burst writes n blocks to the existing file p through one open
// descriptor, as a VM writes its disk image.
func (k *fakeKernel) burst(p string, n int) {
	k.t.Helper()
	fi := k.stat(p)
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		k.t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64*1024)
	for i := range n {
		if _, err := f.WriteAt(block, int64(i*len(block))); err != nil {
			k.t.Fatal(err)
		}
		k.raise(fi, changeWrite)
	}
}

func (k *fakeKernel) chmod(p string, mode os.FileMode) {
	k.t.Helper()
	fi := k.stat(p)
	if err := os.Chmod(p, mode); err != nil {
		k.t.Fatal(err)
	}
	k.raise(fi, changeAttrib)
}

func (k *fakeKernel) mkdir(p string) {
	k.t.Helper()
	parent := k.stat(filepath.Dir(p))
	if err := os.Mkdir(p, 0o755); err != nil {
		k.t.Fatal(err)
	}
	k.raise(parent, changeWrite)
}

// listen creates a Unix socket at p, as the host agent creates ha.sock.
func (k *fakeKernel) listen(p string) {
	k.t.Helper()
	parent := k.stat(filepath.Dir(p))
	l, err := net.Listen("unix", p)
	if err != nil {
		k.t.Fatal(err)
	}
	k.t.Cleanup(func() { l.Close() })
	k.raise(parent, changeWrite)
}

func (k *fakeKernel) remove(p string) {
	k.t.Helper()
	fi := k.stat(p)
	parent := k.stat(filepath.Dir(p))
	if err := os.Remove(p); err != nil {
		k.t.Fatal(err)
	}
	k.raise(fi, changeDelete)
	k.raise(parent, changeWrite)
}

// removeAll removes p and what it holds, deepest first, as rm -r does.
func (k *fakeKernel) removeAll(p string) {
	k.t.Helper()
	if k.stat(p).IsDir() {
		entries, err := os.ReadDir(p)
		if err != nil {
			k.t.Fatal(err)
		}
		for _, e := range entries {
			k.removeAll(filepath.Join(p, e.Name()))
		}
	}
	k.remove(p)
}

func (k *fakeKernel) rename(from, to string) {
	k.t.Helper()
	fi := k.stat(from)
	replaced, _ := os.Lstat(to)
	parents := []os.FileInfo{k.stat(filepath.Dir(from))}
	if filepath.Dir(to) != filepath.Dir(from) {
		parents = append(parents, k.stat(filepath.Dir(to)))
	}
	if err := os.Rename(from, to); err != nil {
		k.t.Fatal(err)
	}
	k.raise(fi, changeRename)
	if replaced != nil {
		k.raise(replaced, changeDelete)
	}
	for _, p := range parents {
		k.raise(p, changeWrite)
	}
}

// describe writes events as "OP path" with paths relative to root.
func describe(t *testing.T, root string, events []event) []string {
	t.Helper()
	var out []string
	for _, e := range events {
		rel, err := filepath.Rel(root, e.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s", e.Op, filepath.ToSlash(rel)))
	}
	return out
}

func TestDiff(t *testing.T) {
	mk := func(t *testing.T, dir string, names ...string) {
		for _, n := range names {
			if filepath.Ext(n) == "" {
				mkdir(t, filepath.Join(dir, n))
			} else {
				write(t, filepath.Join(dir, n), n)
			}
		}
	}
	tests := []struct {
		name   string
		before []string
		change func(t *testing.T, dir string)
		want   []string
	}{
		{
			name:   "content written",
			before: []string{"diffdisk.img", "lima.yaml"},
			change: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "diffdisk.img"), "more and more")
				write(t, filepath.Join(dir, "lima.yaml"), "cpus: 4\n")
			},
		},
		{
			name:   "created",
			before: []string{"lima.yaml"},
			change: func(t *testing.T, dir string) { mk(t, dir, "ha.pid", "k3s") },
			want:   []string{"CREATE ha.pid", "CREATE k3s"},
		},
		{
			name:   "removed",
			before: []string{"ha.pid", "k3s", "lima.yaml"},
			change: func(t *testing.T, dir string) {
				for _, n := range []string{"ha.pid", "k3s"} {
					if err := os.Remove(filepath.Join(dir, n)); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: []string{"REMOVE ha.pid", "REMOVE k3s"},
		},
		{
			name:   "renamed",
			before: []string{"old"},
			change: func(t *testing.T, dir string) {
				if err := os.Rename(filepath.Join(dir, "old"), filepath.Join(dir, "new")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"RENAME old", "CREATE new"},
		},
		{
			name:   "replaced by a rename over it",
			before: []string{"lima.yaml", "lima.yaml.tmp"},
			change: func(t *testing.T, dir string) {
				if err := os.Rename(filepath.Join(dir, "lima.yaml.tmp"), filepath.Join(dir, "lima.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"REMOVE lima.yaml", "RENAME lima.yaml.tmp", "CREATE lima.yaml"},
		},
		{
			name:   "replaced by another kind of entry",
			before: []string{"k3s"},
			change: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "k3s")); err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(dir, "k3s"), "a file now")
			},
			want: []string{"REMOVE k3s", "CREATE k3s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mk(t, dir, tt.before...)
			before, err := list(dir)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, dir)
			after, err := list(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(t, dir, diff(dir, before, after)); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestContentOf(t *testing.T) {
	limaHome := Dir{Path: "/Users/u/.lima", Names: InstanceNames}
	agents := Dir{Path: "/Users/u/Library/LaunchAgents"}
	daemons := Dir{Path: "/Library/LaunchDaemons"}
	units := Dir{Path: "/home/u/.config/systemd/user"}
	tests := []struct {
		d      Dir
		folder string
		watch  []string
		skip   []string
	}{
		{limaHome, limaHome.Path, nil, []string{"default", "_config", ".DS_Store"}},
		{limaHome, limaHome.Path + "/default",
			[]string{"lima.yaml", "ha.pid", "ha.stderr.log", "launchd.stderr.log"},
			[]string{"diffdisk", "basedisk", "serial.log", "serialv.log", "ha.stdout.log", "launchd.stdout.log", "cidata.iso", "lima.yaml.tmp"}},
		{agents, agents.Path,
			[]string{
				filepath.Base(launchd.PlistPath(agents.Path, launchd.AgentLabel("default"))),
				filepath.Base(launchd.PlistPath(agents.Path, launchd.BundleID)),
			},
			[]string{"com.google.keystone.agent.plist", "io.lima-vm.autostart.default.plist.tmp", "io.github.limabar.other.plist"}},
		{daemons, daemons.Path,
			[]string{filepath.Base(launchd.PlistPath(daemons.Path, launchd.DaemonLabel("k8s.dev")))},
			[]string{"com.docker.vmnetd.plist"}},
		{units, units.Path, []string{"lima-vm@default.service"}, nil},
	}
	for _, tt := range tests {
		files := contentOf(tt.d, tt.folder)
		for _, name := range tt.watch {
			if files == nil || !files(name) {
				t.Errorf("%s: %s is not watched for content", tt.folder, name)
			}
		}
		for _, name := range tt.skip {
			if files != nil && files(name) {
				t.Errorf("%s: %s is watched for content", tt.folder, name)
			}
		}
	}
}

// TestDirSetInstanceFolder drives the macOS backend's logic through a
// running VM's life in its instance folder.
func TestDirSetInstanceFolder(t *testing.T) {
	root := t.TempDir()
	limaHome := filepath.Join(root, "lima")
	inst := filepath.Join(limaHome, "default")
	mkdir(t, inst)
	write(t, filepath.Join(inst, "lima.yaml"), "images: []\n")
	write(t, filepath.Join(inst, "diffdisk"), "")
	write(t, filepath.Join(inst, "serial.log"), "")

	k := newFakeKernel(t)
	s := newDirSet(k)
	var got []event
	k.deliver = func(n note) {
		events, errs := s.handle(n)
		for _, err := range errs {
			t.Errorf("handle: %v", err)
		}
		got = append(got, events...)
	}
	d := Dir{Path: limaHome, Names: InstanceNames}
	for _, p := range []string{limaHome, inst} {
		errs, err := s.add(p, contentOf(d, p))
		if err != nil || errs != nil {
			t.Fatalf("add %s: %v %v", p, err, errs)
		}
	}

	steps := []struct {
		name   string
		do     func()
		want   []string
		opened []string // besides the two folders
	}{
		{
			name:   "watching",
			do:     func() {},
			opened: []string{"default/lima.yaml"},
		},
		{
			name:   "a burst of writes to the disk image",
			do:     func() { k.burst(filepath.Join(inst, "diffdisk"), 200) },
			opened: []string{"default/lima.yaml"},
		},
		{
			name:   "the serial log grows",
			do:     func() { k.burst(filepath.Join(inst, "serial.log"), 20) },
			opened: []string{"default/lima.yaml"},
		},
		{
			name:   "ha.pid created",
			do:     func() { k.writeFile(filepath.Join(inst, "ha.pid"), "123\n") },
			want:   []string{"CREATE lima/default/ha.pid"},
			opened: []string{"default/ha.pid", "default/lima.yaml"},
		},
		{
			name:   "ha.sock created",
			do:     func() { k.listen(filepath.Join(inst, "ha.sock")) },
			want:   []string{"CREATE lima/default/ha.sock"},
			opened: []string{"default/ha.pid", "default/lima.yaml"},
		},
		{
			name:   "ha.pid removed",
			do:     func() { k.remove(filepath.Join(inst, "ha.pid")) },
			want:   []string{"REMOVE lima/default/ha.pid"},
			opened: []string{"default/lima.yaml"},
		},
		{
			name:   "lima.yaml written in place",
			do:     func() { k.writeFile(filepath.Join(inst, "lima.yaml"), "cpus: 4\n") },
			want:   []string{"WRITE lima/default/lima.yaml"},
			opened: []string{"default/lima.yaml"},
		},
		{
			name:   "lima.yaml.tmp written beside it",
			do:     func() { k.writeFile(filepath.Join(inst, "lima.yaml.tmp"), "cpus: 2\n") },
			want:   []string{"CREATE lima/default/lima.yaml.tmp"},
			opened: []string{"default/lima.yaml"},
		},
		{
			name: "lima.yaml replaced by a rename",
			do:   func() { k.rename(filepath.Join(inst, "lima.yaml.tmp"), filepath.Join(inst, "lima.yaml")) },
			want: []string{
				"REMOVE lima/default/lima.yaml",
				"RENAME lima/default/lima.yaml.tmp",
				"CREATE lima/default/lima.yaml",
			},
			opened: []string{"default/lima.yaml"},
		},
		{
			// The content watch moved to the new lima.yaml.
			name:   "the new lima.yaml written in place",
			do:     func() { k.writeFile(filepath.Join(inst, "lima.yaml"), "cpus: 8\n") },
			want:   []string{"WRITE lima/default/lima.yaml"},
			opened: []string{"default/lima.yaml"},
		},
		{
			name:   "a new instance folder",
			do:     func() { k.mkdir(filepath.Join(limaHome, "k3s")) },
			want:   []string{"CREATE lima/k3s"},
			opened: []string{"default/lima.yaml"},
		},
		{
			name: "the instance folder removed",
			do:   func() { k.removeAll(inst) },
			want: []string{
				"REMOVE lima/default/diffdisk",
				"REMOVE lima/default/ha.sock",
				"REMOVE lima/default/lima.yaml",
				"REMOVE lima/default/serial.log",
				"REMOVE lima/default",
				"REMOVE lima/default",
			},
		},
	}
	for _, step := range steps {
		got = nil
		step.do()
		if g := describe(t, root, got); !slices.Equal(g, step.want) {
			t.Errorf("%s: got %q, want %q", step.name, g, step.want)
		}
		if step.name == "the instance folder removed" {
			// The Watcher removes the watch of a folder that went.
			if err := s.remove(inst); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{limaHome}
		if _, err := os.Stat(inst); err == nil {
			want = append(want, inst)
		}
		for _, o := range step.opened {
			want = append(want, filepath.Join(limaHome, o))
		}
		slices.Sort(want)
		if o := k.opened(); !slices.Equal(o, want) {
			t.Errorf("%s: open %q, want %q", step.name, o, want)
		}
	}
}

// TestDirSetLaunchAgents: in a LaunchAgents folder only the plists LimaBar
// reads are watched for content; other programs' plists are seen coming
// and going, not being rewritten.
func TestDirSetLaunchAgents(t *testing.T) {
	root := t.TempDir()
	agents := filepath.Join(root, "Library", "LaunchAgents")
	mkdir(t, agents)
	ours := filepath.Join(agents, "io.lima-vm.autostart.default.plist")
	theirs := filepath.Join(agents, "com.example.updater.plist")
	write(t, ours, "<plist/>")
	write(t, theirs, "<plist/>")

	k := newFakeKernel(t)
	s := newDirSet(k)
	var got []event
	k.deliver = func(n note) {
		events, errs := s.handle(n)
		for _, err := range errs {
			t.Errorf("handle: %v", err)
		}
		got = append(got, events...)
	}
	if _, err := s.add(agents, contentOf(Dir{Path: agents}, agents)); err != nil {
		t.Fatal(err)
	}
	if o, want := k.opened(), []string{agents, ours}; !slices.Equal(o, want) {
		t.Fatalf("open %q, want %q", o, want)
	}
	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"another program's plist rewritten", func() { k.writeFile(theirs, "<plist>2</plist>") }, nil},
		{"limactl's plist rewritten", func() { k.writeFile(ours, "<plist>2</plist>") },
			[]string{"WRITE Library/LaunchAgents/io.lima-vm.autostart.default.plist"}},
		{"limactl's plist chmodded", func() { k.chmod(ours, 0o600) },
			[]string{"CHMOD Library/LaunchAgents/io.lima-vm.autostart.default.plist"}},
		{"LimaBar's login item created", func() { k.writeFile(filepath.Join(agents, "io.github.limabar.plist"), "<plist/>") },
			[]string{"CREATE Library/LaunchAgents/io.github.limabar.plist"}},
		{"LimaBar's login item rewritten", func() { k.writeFile(filepath.Join(agents, "io.github.limabar.plist"), "<plist>2</plist>") },
			[]string{"WRITE Library/LaunchAgents/io.github.limabar.plist"}},
		{"another program's plist removed", func() { k.remove(theirs) },
			[]string{"REMOVE Library/LaunchAgents/com.example.updater.plist"}},
	}
	for _, step := range steps {
		got = nil
		step.do()
		if g := describe(t, root, got); !slices.Equal(g, step.want) {
			t.Errorf("%s: got %q, want %q", step.name, g, step.want)
		}
	}
}

// kernelHarness runs the Watcher on the macOS backend's logic over the fake
// kernel.
func kernelHarness(t *testing.T) (*harness, *fakeKernel) {
	k := newFakeKernel(t)
	h := startWith(t, func() (backend, error) {
		b := newVnodeBackend(k, func() error { return nil })
		k.deliver = func(n note) { b.deliver(n) }
		return b, nil
	})
	h.touch = func(p string) { k.writeFile(p, "") }
	return h, k
}

func TestWatchOnKqueueModel(t *testing.T) {
	h, k := kernelHarness(t)
	inst := filepath.Join(h.limaHome, "default")
	k.writeFile(filepath.Join(inst, "diffdisk"), "")
	k.burst(filepath.Join(inst, "diffdisk"), 100)
	h.expect(0)

	k.writeFile(filepath.Join(inst, "ha.pid"), "123\n")
	h.expect(1)
	k.writeFile(filepath.Join(inst, "lima.yaml"), "cpus: 4\n")
	h.expect(2)
	k.remove(filepath.Join(inst, "ha.pid"))
	h.expect(3)

	// A new instance folder is watched with the same choice of files.
	k3s := filepath.Join(h.limaHome, "k3s")
	k.mkdir(k3s)
	h.expect(4)
	if !slices.Contains(h.w.Watched(), k3s) {
		t.Fatalf("new instance folder not watched: %q", h.w.Watched())
	}
	k.writeFile(filepath.Join(k3s, "lima.yaml"), "images: []\n")
	h.expect(5)
	k.writeFile(filepath.Join(k3s, "lima.yaml"), "cpus: 2\n")
	h.expect(6)
	k.writeFile(filepath.Join(k3s, "diffdisk"), "")
	k.burst(filepath.Join(k3s, "diffdisk"), 100)
	h.expect(6)
	if o := k.opened(); slices.Contains(o, filepath.Join(k3s, "diffdisk")) || !slices.Contains(o, filepath.Join(k3s, "lima.yaml")) {
		t.Errorf("open %q: want k3s/lima.yaml and not k3s/diffdisk", o)
	}

	// The systemd folder that did not exist is picked up, one level
	// at a time (each is watched once its parent said it appeared).
	for n, p := range []string{filepath.Dir(filepath.Dir(h.units)), filepath.Dir(h.units), h.units} {
		k.mkdir(p)
		h.expect(int32(7 + n))
	}
	if !slices.Contains(h.w.Watched(), h.units) {
		t.Fatalf("created folder not watched: %q", h.w.Watched())
	}
	k.writeFile(filepath.Join(h.units, "lima-vm@default.service"), "[Unit]\n")
	h.expect(10)
	k.writeFile(filepath.Join(h.units, "lima-vm@default.service"), "[Unit]\nDescription=x\n")
	h.expect(11)

	k.removeAll(k3s)
	h.expect(12)
	if slices.Contains(h.w.Watched(), k3s) {
		t.Errorf("removed instance folder still watched: %q", h.w.Watched())
	}
	for _, o := range k.opened() {
		if o == k3s || filepath.Dir(o) == k3s {
			t.Errorf("%s still open after its folder went", o)
		}
	}
}

// TestWatchJobLogsOnKqueueModel: on a Mac the job's logs are watched for
// content, as lima.yaml is: each burst of writes to one, a failed start's
// last lines or a running host agent's events, is one notification, while
// the serial log beside them still wakes nothing.
func TestWatchJobLogsOnKqueueModel(t *testing.T) {
	h, k := kernelHarness(t)
	inst := filepath.Join(h.limaHome, "default")
	k.writeFile(filepath.Join(inst, "serial.log"), "")
	h.expect(0)

	for n, name := range []string{"launchd.stderr.log", "ha.stderr.log"} {
		log := filepath.Join(inst, name)
		k.writeFile(log, "")
		h.expect(int32(3*n + 1))
		if !slices.Contains(k.opened(), log) {
			t.Errorf("open %q: want %s among them", k.opened(), name)
		}
		k.burst(log, 20)
		h.expect(int32(3*n + 2))
		k.burst(log, 1)
		h.expect(int32(3*n + 3))
	}

	k.burst(filepath.Join(inst, "serial.log"), 20)
	h.expect(6)
	if o := k.opened(); slices.Contains(o, filepath.Join(inst, "serial.log")) {
		t.Errorf("open %q: want no serial.log", o)
	}
}

// TestVnodeBackendClose: Close stops every watch, wakes the kernel's loop
// before done is closed (the loop frees its queue once woken, and Close
// must not use it after), and unblocks a delivery nobody reads.
func TestVnodeBackendClose(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "lima.yaml"), "")
	k := newFakeKernel(t)
	var b *vnodeBackend
	wakes := 0
	b = newVnodeBackend(k, func() error {
		wakes++
		select {
		case <-b.done:
			t.Error("woken after done was closed")
		default:
		}
		return nil
	})
	delivered := make(chan bool)
	entered := make(chan struct{})
	k.deliver = func(n note) {
		close(entered)
		delivered <- b.deliver(n)
	}
	if err := b.AddFiltered(dir, everyFile); err != nil {
		t.Fatal(err)
	}
	// Nobody reads Events: the delivery of ha.pid's creation blocks
	// until Close.
	folder := k.stat(dir)
	write(t, filepath.Join(dir, "ha.pid"), "1")
	go k.raise(folder, changeWrite)
	// Close once the delivery is under way: before or inside its wait,
	// it must come back unsent.
	<-entered
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case ok := <-delivered:
		if ok {
			t.Error("deliver reported success after Close")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock a pending delivery")
	}
	if wakes != 1 {
		t.Errorf("woken %d times, want 1", wakes)
	}
	if o := k.opened(); len(o) != 0 {
		t.Errorf("still open after Close: %q", o)
	}
	if err := b.Close(); err == nil {
		t.Error("second Close succeeded")
	}
	if err := b.AddFiltered(dir, everyFile); err == nil {
		t.Error("Add after Close succeeded")
	}
}
