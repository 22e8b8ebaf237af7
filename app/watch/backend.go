package watch

import (
	"errors"

	"github.com/fsnotify/fsnotify"
)

// op is what happened to a path, in fsnotify's terms.
type op = fsnotify.Op

// event is one change reported by a backend.
type event struct {
	Path string
	Op   op
}

// errOverflow means the kernel dropped events; the watcher rescans.
var errOverflow = fsnotify.ErrEventOverflow

// backend watches single folders (not recursively) and reports changes to
// them and to their direct children.
type backend interface {
	Add(path string) error
	Remove(path string) error
	Events() <-chan event
	Errors() <-chan error
	Close() error
}

// Backend selects how folders are watched.
type Backend int

const (
	// Default is the quietest backend of the platform: on Linux an
	// inotify watch that ignores writes to files held open (a running VM's
	// disk and serial logs), elsewhere fsnotify.
	Default Backend = iota
	// FSNotify is github.com/fsnotify/fsnotify with its default events.
	FSNotify
)

func newBackend(b Backend) (backend, error) {
	if b == FSNotify {
		return newFSNotify()
	}
	return newDefaultBackend()
}

// fsnotifyBackend adapts fsnotify.Watcher.
type fsnotifyBackend struct {
	w      *fsnotify.Watcher
	events chan event
	done   chan struct{}
}

func newFSNotify() (backend, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	b := &fsnotifyBackend{w: w, events: make(chan event), done: make(chan struct{})}
	go b.forward()
	return b, nil
}

func (b *fsnotifyBackend) forward() {
	defer close(b.events)
	for {
		select {
		case e, ok := <-b.w.Events:
			if !ok {
				return
			}
			select {
			case b.events <- event{Path: e.Name, Op: e.Op}:
			case <-b.done:
				return
			}
		case <-b.done:
			return
		}
	}
}

func (b *fsnotifyBackend) Add(path string) error    { return b.w.Add(path) }
func (b *fsnotifyBackend) Remove(path string) error { return b.w.Remove(path) }
func (b *fsnotifyBackend) Events() <-chan event     { return b.events }
func (b *fsnotifyBackend) Errors() <-chan error     { return b.w.Errors }

func (b *fsnotifyBackend) Close() error {
	select {
	case <-b.done:
		return errors.New("watcher already closed")
	default:
		close(b.done)
	}
	return b.w.Close()
}
