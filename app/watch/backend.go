package watch

import (
	"errors"
	"os"

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

// filteredBackend is a backend that needs a watch of its own for each file
// whose content it reports (kqueue, where each is an open descriptor, and
// each write to it wakes the process). The Watcher tells it which files of
// a folder are worth one; the others still show when they are created,
// removed or replaced. inotify and fsnotify report the content of a whole
// folder through its one watch and take plain Add.
type filteredBackend interface {
	AddFiltered(path string, files childFilter) error
}

// Backend selects how folders are watched.
type Backend int

const (
	// Default is the quietest backend of the platform. A running VM
	// writes its disk image and serial logs inside its instance folder
	// all the time, and none of those writes is news; the default
	// backends do not hear them.
	//
	// On Linux it is an inotify watch per folder without IN_MODIFY:
	// files written and closed (a unit, lima.yaml) still show as
	// IN_CLOSE_WRITE, files held open and written do not.
	//
	// On macOS it is kqueue, watching the folders and, in each, only the
	// files the Watcher names (lima.yaml and ha.pid in an instance
	// folder, limactl's and LimaBar's plists in LaunchAgents and
	// LaunchDaemons). fsnotify's kqueue backend opens every file of a
	// watched folder instead, so it would hold a descriptor on each disk
	// image and wake for each write to it. A folder's kqueue event says
	// only that its entries changed, so the folder is listed again and
	// compared with its last listing to tell which (dirdiff.go).
	//
	// Elsewhere it is fsnotify.
	Default Backend = iota
	// FSNotify is github.com/fsnotify/fsnotify with its default events.
	FSNotify
)

// BackendVar, set to "fsnotify", makes Default use fsnotify: a way back to
// the widely used backend should LimaBar's own misbehave on some system,
// at the price of the wake-ups it was written to avoid.
const BackendVar = "LIMABAR_WATCH_BACKEND"

func newBackend(b Backend) (backend, error) {
	if b == FSNotify || os.Getenv(BackendVar) == "fsnotify" {
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
	if err := closeDone(b.done); err != nil {
		return err
	}
	return b.w.Close()
}

// closeDone closes a backend's done channel, which ends its goroutines; a
// second Close is an error, as it is for the watchers underneath.
func closeDone(done chan struct{}) error {
	select {
	case <-done:
		return errors.New("watcher already closed")
	default:
		close(done)
		return nil
	}
}
