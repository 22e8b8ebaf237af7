//go:build darwin

package watch

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// The kqueue side of the macOS backend: opening, registering and reading.
// What to open and what a note means is decided in dirdiff.go.

const (
	// folderNotes: an entry was added, removed or renamed (NOTE_WRITE), or
	// the folder itself went. No NOTE_ATTRIB: the modes and times of a
	// folder say nothing LimaBar shows.
	folderNotes = unix.NOTE_WRITE | unix.NOTE_DELETE | unix.NOTE_RENAME | unix.NOTE_REVOKE
	// fileNotes: a chosen file (lima.yaml, a plist) was written in place
	// or had its mode or owner changed. Its removal and replacement show
	// on its folder.
	fileNotes = unix.NOTE_WRITE | unix.NOTE_EXTEND | unix.NOTE_ATTRIB
)

// wakeIdent is the EVFILT_USER event that Close triggers. Idents of
// different filters do not collide, so it cannot be mistaken for a
// descriptor.
const wakeIdent = 1

func newDefaultBackend() (backend, error) { return newKqueue() }

// kqueue is one kernel queue. Its descriptor is closed by the reading loop
// once Close has woken it, never while the loop may still read from it.
type kqueue struct {
	fd int
}

func newKqueue() (*vnodeBackend, error) {
	fd, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(fd)
	k := &kqueue{fd: fd}
	var ev unix.Kevent_t
	unix.SetKevent(&ev, wakeIdent, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	if err := k.register(ev); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	b := newVnodeBackend(k, k.wake)
	go k.read(b)
	return b, nil
}

func (k *kqueue) register(ev unix.Kevent_t) error {
	for {
		_, err := unix.Kevent(k.fd, []unix.Kevent_t{ev}, nil, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("kevent", err)
		}
		return nil
	}
}

// watch opens path for events only (O_EVTONLY does not keep a volume from
// being unmounted) and registers the notes it needs.
func (k *kqueue) watch(path string, folder bool) (int, error) {
	flags := unix.O_EVTONLY | unix.O_CLOEXEC
	var notes uint32 = fileNotes
	if folder {
		flags |= unix.O_DIRECTORY
		notes = folderNotes
	} else {
		// It was a regular file when listed; should a FIFO have taken
		// its name since, open must not wait for a writer.
		flags |= unix.O_NONBLOCK
	}
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, flags, 0)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var ev unix.Kevent_t
	unix.SetKevent(&ev, fd, unix.EVFILT_VNODE, unix.EV_ADD|unix.EV_CLEAR|unix.EV_ENABLE)
	ev.Fflags = notes
	if err := k.register(ev); err != nil {
		_ = unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// unwatch closes the descriptor, which also takes its registration, and
// any of its events still queued, out of the queue.
func (k *kqueue) unwatch(fd int) error { return unix.Close(fd) }

// wake triggers the user event that makes read return.
func (k *kqueue) wake() error {
	var ev unix.Kevent_t
	unix.SetKevent(&ev, wakeIdent, unix.EVFILT_USER, 0)
	ev.Fflags = unix.NOTE_TRIGGER
	return k.register(ev)
}

// read waits in kevent with no timeout, so an idle watcher costs nothing,
// and hands each note to b until Close wakes it.
func (k *kqueue) read(b *vnodeBackend) {
	buf := make([]unix.Kevent_t, 64)
	for {
		n, err := unix.Kevent(k.fd, nil, buf, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			// Nothing more can be read. Close may still trigger
			// the wake-up, so the queue stays open until it has.
			b.sendErrs([]error{os.NewSyscallError("kevent", err)})
			close(b.events)
			<-b.done
			_ = unix.Close(k.fd)
			return
		}
		for _, ev := range buf[:n] {
			switch ev.Filter {
			case unix.EVFILT_USER:
				close(b.events)
				_ = unix.Close(k.fd)
				return
			case unix.EVFILT_VNODE:
				// After Close, deliver drops the notes until
				// the wake-up, which Close has triggered already.
				b.deliver(note{handle: int(ev.Ident), change: toChange(ev.Fflags)})
			}
		}
	}
}

func toChange(fflags uint32) change {
	var c change
	if fflags&(unix.NOTE_WRITE|unix.NOTE_EXTEND) != 0 {
		c |= changeWrite
	}
	if fflags&unix.NOTE_ATTRIB != 0 {
		c |= changeAttrib
	}
	if fflags&(unix.NOTE_DELETE|unix.NOTE_REVOKE) != 0 {
		c |= changeDelete
	}
	if fflags&unix.NOTE_RENAME != 0 {
		c |= changeRename
	}
	return c
}
