package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/fsnotify/fsnotify"
	"golang.org/x/sys/unix"
)

// inotifyMask is what LimaBar needs to know about a folder. It leaves out
// IN_MODIFY on purpose: a running VM writes its disk and serial logs inside
// the instance folder many times a second, and fsnotify (whose mask cannot
// be narrowed from outside in v1.10) would wake LimaBar for each write. A
// file written and closed (a unit, a plist, lima.yaml) still shows as
// IN_CLOSE_WRITE, and a created or removed ha.pid as IN_CREATE/IN_DELETE.
const inotifyMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_CLOSE_WRITE | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF |
	unix.IN_ONLYDIR

func newDefaultBackend() (backend, error) { return newInotify() }

type inotify struct {
	f      *os.File
	fd     int
	events chan event
	errors chan error
	done   chan struct{}

	mu    sync.Mutex
	paths map[int]string // watch descriptor → folder
	wds   map[string]int
}

func newInotify() (*inotify, error) {
	// Non-blocking, so that reads wait in the runtime's poller and Close
	// wakes them.
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("starting inotify: %w", err)
	}
	w := &inotify{
		f:      os.NewFile(uintptr(fd), "inotify"),
		fd:     fd,
		events: make(chan event),
		errors: make(chan error),
		done:   make(chan struct{}),
		paths:  map[int]string{},
		wds:    map[string]int{},
	}
	go w.read()
	return w, nil
}

func (w *inotify) Add(path string) error {
	path = filepath.Clean(path)
	wd, err := unix.InotifyAddWatch(w.fd, path, inotifyMask)
	if err != nil {
		return &os.PathError{Op: "inotify_add_watch", Path: path, Err: err}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.paths[wd]; ok && old != path {
		// The same folder under another name (a symlink): one kernel
		// watch serves both, report under the newest name.
		delete(w.wds, old)
	}
	w.paths[wd] = path
	w.wds[path] = wd
	return nil
}

func (w *inotify) Remove(path string) error {
	path = filepath.Clean(path)
	w.mu.Lock()
	wd, ok := w.wds[path]
	if ok {
		delete(w.wds, path)
		delete(w.paths, wd)
	}
	w.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s is not watched", path)
	}
	if _, err := unix.InotifyRmWatch(w.fd, uint32(wd)); err != nil {
		// The kernel drops the watch of a removed folder by itself.
		return &os.PathError{Op: "inotify_rm_watch", Path: path, Err: err}
	}
	return nil
}

func (w *inotify) Events() <-chan event { return w.events }
func (w *inotify) Errors() <-chan error { return w.errors }

func (w *inotify) Close() error {
	if err := closeDone(w.done); err != nil {
		return err
	}
	return w.f.Close()
}

func (w *inotify) read() {
	defer close(w.events)
	buf := make([]byte, 64*1024)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			if !w.sendErr(err) {
				return
			}
			continue
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			raw := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nameBytes := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(raw.Len)]
			off += unix.SizeofInotifyEvent + int(raw.Len)

			if raw.Mask&unix.IN_Q_OVERFLOW != 0 {
				if !w.sendErr(errOverflow) {
					return
				}
				continue
			}
			w.mu.Lock()
			dir, ok := w.paths[int(raw.Wd)]
			if raw.Mask&unix.IN_IGNORED != 0 && ok {
				delete(w.paths, int(raw.Wd))
				if w.wds[dir] == int(raw.Wd) {
					delete(w.wds, dir)
				}
			}
			w.mu.Unlock()
			if !ok || raw.Mask&unix.IN_IGNORED != 0 {
				continue
			}
			name := string(trimNUL(nameBytes))
			path := dir
			if name != "" {
				path = filepath.Join(dir, name)
			}
			e := event{Path: path, Op: toOp(raw.Mask)}
			if e.Op == 0 {
				continue
			}
			select {
			case w.events <- e:
			case <-w.done:
				return
			}
		}
	}
}

func (w *inotify) sendErr(err error) bool {
	select {
	case w.errors <- err:
		return true
	case <-w.done:
		return false
	}
}

func trimNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

func toOp(mask uint32) op {
	var o op
	if mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
		o |= fsnotify.Create
	}
	if mask&(unix.IN_DELETE|unix.IN_DELETE_SELF) != 0 {
		o |= fsnotify.Remove
	}
	if mask&(unix.IN_MOVED_FROM|unix.IN_MOVE_SELF) != 0 {
		o |= fsnotify.Rename
	}
	if mask&unix.IN_CLOSE_WRITE != 0 {
		o |= fsnotify.Write
	}
	if mask&unix.IN_ATTRIB != 0 {
		o |= fsnotify.Chmod
	}
	return o
}
