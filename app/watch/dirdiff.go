package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"
)

// This file is the portable part of the macOS backend. kqueue reports
// changes to open files, not to names: a folder's NOTE_WRITE says that an
// entry was added, removed or renamed in it, without saying which, and a
// file's NOTE_WRITE says that its content was written. fsnotify bridges the
// gap by opening every file of a watched folder, so a running VM's disk
// image and serial logs each hold a descriptor and wake LimaBar for every
// write. The backend here opens only the folders it is given and the few
// files in them whose content LimaBar reads, and learns which entries came
// and went by listing a folder again when it changes. All of that except
// the kqueue calls lives here, without build tags, so that it is tested on
// Linux against a simulated kernel.

// change is what the kernel reported about one watched file or folder.
type change uint8

const (
	// changeWrite: a file's content was written or extended; in a folder,
	// an entry was added, removed or renamed.
	changeWrite change = 1 << iota
	// changeAttrib: mode, owner or times changed.
	changeAttrib
	// changeDelete: the file or folder was removed, or its volume went.
	changeDelete
	// changeRename: the file or folder was renamed or moved.
	changeRename
)

// note is one report of the kernel: which watch, and what happened.
type note struct {
	handle int
	change change
}

// vnodes is the kernel side: one watch on one file or folder, identified by
// a handle (on macOS the descriptor opened with O_EVTONLY). A watch follows
// the object it was opened on, not its name.
type vnodes interface {
	// watch starts watching path; folder asks to hear about entries
	// coming and going, otherwise about content and attributes.
	watch(path string, folder bool) (handle int, err error)
	unwatch(handle int) error
}

// childFilter says whether the file of that name, directly inside a watched
// folder, is worth a watch on its content. nil watches none.
type childFilter func(name string) bool

// everyFile watches the content of every regular file, as fsnotify does.
func everyFile(string) bool { return true }

// either combines two filters; nil counts as matching nothing.
func either(a, b childFilter) childFilter {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(name string) bool { return a(name) || b(name) }
}

// listing is what a folder held when last read: entry name → its Lstat.
type listing map[string]os.FileInfo

// list reads a folder. An entry that goes between reading the folder and
// its Lstat is left out; its removal changes the folder, which is listed
// again.
func list(dir string) (listing, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make(listing, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out[e.Name()] = fi
	}
	return out, nil
}

// sameEntry says whether two listings of a name show the same file: an entry
// replaced by a rename or by remove-and-create keeps its name but not its
// identity, and that replacement is what an editor or an atomic writer
// does to lima.yaml and to a plist.
func sameEntry(a, b os.FileInfo) bool {
	return a.Mode().Type() == b.Mode().Type() && os.SameFile(a, b)
}

// diff gives the events that take folder dir from listing before to after,
// in the shape inotify gives them: Remove or Rename for the entries that
// went (Rename when the same file shows up under a new name), then Create
// for the entries that came. A replaced entry is a Remove then a Create, so
// that a watch on a replaced folder is dropped before the new one is added.
// Content changes do not show in a listing and give no event.
func diff(dir string, before, after listing) []event {
	var gone, came []string
	for name, old := range before {
		if cur, ok := after[name]; !ok || !sameEntry(old, cur) {
			gone = append(gone, name)
		}
	}
	for name, cur := range after {
		if old, ok := before[name]; !ok || !sameEntry(old, cur) {
			came = append(came, name)
		}
	}
	slices.Sort(gone)
	slices.Sort(came)
	var out []event
	for _, name := range gone {
		op := fsnotify.Remove
		if _, replaced := after[name]; !replaced {
			for _, other := range came {
				if sameEntry(before[name], after[other]) {
					op = fsnotify.Rename
					break
				}
			}
		}
		out = append(out, event{Path: filepath.Join(dir, name), Op: op})
	}
	for _, name := range came {
		out = append(out, event{Path: filepath.Join(dir, name), Op: fsnotify.Create})
	}
	return out
}

// folderWatch is one watched folder.
type folderWatch struct {
	handle  int
	files   childFilter
	entries listing
	// content holds the watches on the content of its chosen files, by
	// name, each with the file it was opened on.
	content map[string]contentWatch
}

type contentWatch struct {
	handle int
	fi     os.FileInfo
}

// target is what a handle watches: a folder, or the child of one.
type target struct {
	folder string
	child  string // "" for the folder itself
}

// dirSet is the state of the folder watches: for each folder its handle,
// its last listing and the content watches of its chosen files. It turns
// notes into events. Its methods are safe for concurrent use; none of
// them blocks on anything but the file system.
type dirSet struct {
	v       vnodes
	mu      sync.Mutex
	closed  bool
	folders map[string]*folderWatch
	handles map[int]target
}

func newDirSet(v vnodes) *dirSet {
	return &dirSet{v: v, folders: map[string]*folderWatch{}, handles: map[int]target{}}
}

// add watches folder path, and the content of its files that files
// accepts. Files that cannot be watched (gone again, no permission) are
// skipped: their coming and going still shows on the folder. contentErrs
// are such failures that were not expected.
func (s *dirSet) add(path string, files childFilter) (contentErrs []error, err error) {
	path = filepath.Clean(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("watcher closed")
	}
	if f, ok := s.folders[path]; ok {
		f.files = files
		return s.syncContent(path, f), nil
	}
	// Watch first, then list: an entry that changes in between is
	// reported by the watch, and the listing it causes sees it.
	h, err := s.v.watch(path, true)
	if err != nil {
		return nil, err
	}
	entries, err := list(path)
	if err != nil {
		_ = s.v.unwatch(h)
		return nil, err
	}
	f := &folderWatch{handle: h, files: files, entries: entries, content: map[string]contentWatch{}}
	s.folders[path] = f
	s.handles[h] = target{folder: path}
	return s.syncContent(path, f), nil
}

// remove stops watching folder path and its files.
func (s *dirSet) remove(path string) error {
	path = filepath.Clean(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.folders[path]
	if !ok {
		return fmt.Errorf("%s is not watched", path)
	}
	s.drop(path, f)
	return nil
}

func (s *dirSet) drop(path string, f *folderWatch) {
	for name, cw := range f.content {
		_ = s.v.unwatch(cw.handle)
		delete(s.handles, cw.handle)
		delete(f.content, name)
	}
	_ = s.v.unwatch(f.handle)
	delete(s.handles, f.handle)
	delete(s.folders, path)
}

// closeAll stops every watch; add fails from then on.
func (s *dirSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for path, f := range s.folders {
		s.drop(path, f)
	}
}

// handle turns one note into events. A folder that changed is listed again
// and compared with its last listing; a chosen file that was written gives
// a Write. A note for a handle closed since the kernel queued it gives
// nothing, or, if a new watch got the same number, at most one needless
// listing or Write: the watcher then refreshes once for nothing.
func (s *dirSet) handle(n note) (events []event, errs []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.handles[n.handle]
	if !ok {
		return nil, nil
	}
	if t.child != "" {
		// Removal and renaming of a chosen file show on its folder,
		// which is listed then; only what a listing cannot see is
		// reported here.
		var o op
		if n.change&changeWrite != 0 {
			o |= fsnotify.Write
		}
		if n.change&changeAttrib != 0 {
			o |= fsnotify.Chmod
		}
		if o == 0 {
			return nil, nil
		}
		return []event{{Path: filepath.Join(t.folder, t.child), Op: o}}, nil
	}
	f := s.folders[t.folder]
	if n.change&changeWrite != 0 {
		after, err := list(t.folder)
		switch {
		case err == nil:
			events = diff(t.folder, f.entries, after)
			f.entries = after
			errs = s.syncContent(t.folder, f)
		case errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission):
			// Gone or closed to us: the folder's own removal,
			// reported with this note or the next, settles it.
		default:
			errs = append(errs, err)
		}
	}
	switch {
	case n.change&changeDelete != 0:
		events = append(events, event{Path: t.folder, Op: fsnotify.Remove})
	case n.change&changeRename != 0:
		events = append(events, event{Path: t.folder, Op: fsnotify.Rename})
	}
	return events, errs
}

// syncContent makes the content watches of f match its listing: one for
// each regular file its filter accepts, opened on the file listed under
// that name now. Symlinks, sockets (ha.sock cannot be opened) and folders
// get none.
func (s *dirSet) syncContent(dir string, f *folderWatch) []error {
	var errs []error
	for name, cw := range f.content {
		fi, ok := f.entries[name]
		if !ok || f.files == nil || !f.files(name) || !sameEntry(cw.fi, fi) {
			_ = s.v.unwatch(cw.handle)
			delete(s.handles, cw.handle)
			delete(f.content, name)
		}
	}
	if f.files == nil {
		return nil
	}
	for name, fi := range f.entries {
		if _, ok := f.content[name]; ok || !fi.Mode().IsRegular() || !f.files(name) {
			continue
		}
		h, err := s.v.watch(filepath.Join(dir, name), false)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
				errs = append(errs, err)
			}
			continue
		}
		f.content[name] = contentWatch{handle: h, fi: fi}
		s.handles[h] = target{folder: dir, child: name}
	}
	return errs
}

// vnodeBackend is a backend over a vnodes kernel: the kernel's reading loop
// passes each note to deliver, which sends the events.
type vnodeBackend struct {
	dirs   *dirSet
	events chan event
	errors chan error
	done   chan struct{}
	closed atomic.Bool
	// wake makes the kernel's reading loop return. It is called once,
	// before done is closed, so that the loop may free what it reads
	// from as soon as it wakes.
	wake func() error
}

func newVnodeBackend(v vnodes, wake func() error) *vnodeBackend {
	return &vnodeBackend{
		dirs:   newDirSet(v),
		events: make(chan event),
		errors: make(chan error),
		done:   make(chan struct{}),
		wake:   wake,
	}
}

// Add watches a folder and the content of each of its regular files, like
// fsnotify; the Watcher uses AddFiltered instead.
func (b *vnodeBackend) Add(path string) error { return b.AddFiltered(path, everyFile) }

// AddFiltered watches a folder and the content of the files in it that
// files accepts.
func (b *vnodeBackend) AddFiltered(path string, files childFilter) error {
	contentErrs, err := b.dirs.add(path, files)
	if len(contentErrs) > 0 {
		// Add is called from the goroutine that reads Errors.
		go b.sendErrs(contentErrs)
	}
	return err
}

func (b *vnodeBackend) Remove(path string) error { return b.dirs.remove(path) }
func (b *vnodeBackend) Events() <-chan event     { return b.events }
func (b *vnodeBackend) Errors() <-chan error     { return b.errors }

func (b *vnodeBackend) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return errors.New("watcher already closed")
	}
	b.dirs.closeAll()
	err := b.wake()
	close(b.done)
	return err
}

// deliver sends the events of one note; false once the backend is closed.
func (b *vnodeBackend) deliver(n note) bool {
	events, errs := b.dirs.handle(n)
	for _, e := range events {
		select {
		case b.events <- e:
		case <-b.done:
			return false
		}
	}
	return b.sendErrs(errs)
}

// sendErrs reports errors; false once the backend is closed.
func (b *vnodeBackend) sendErrs(errs []error) bool {
	for _, err := range errs {
		select {
		case b.errors <- err:
		case <-b.done:
			return false
		}
	}
	return true
}
