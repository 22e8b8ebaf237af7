// Package watch tells LimaBar when what it shows may have changed, without
// polling: it watches LIMA_HOME and each instance folder in it (instances
// appearing and going, ha.pid and ha.sock coming and going, the job logs
// written) and the folders where launchd and systemd registrations live,
// and turns a burst of changes into one notification. Folders that do not
// exist yet are watched through their nearest existing parent and picked
// up when they appear.
//
// The job logs, ha.stderr.log and launchd.stderr.log, are how a Mac learns
// that an autostart failed: launchd has no change notification a user
// process can subscribe to, and a `limactl start` that fails leaves only
// its last line in them (and maybe no ha.pid ever appears). Every write
// counts, including those of a host agent that runs: telling them apart
// would need the pid in ha.pid to be judged, and a stale ha.pid after an
// unclean shutdown (another program may have its pid since the reboot) is
// exactly when a failure must show. The cost is small: a running host agent
// writes those logs on events (start, port forwards, errors, stop), not
// continuously as a guest writes its disk and serial log; writes to them
// alone are gathered for LogDebounce, not Debounce, and reported as
// Change.Logs, for which the menu reads the jobs' health again without
// listing the instances; and on Linux, where inotify has no IN_MODIFY, a
// log kept open by its writer wakes LimaBar only when it is closed.
//
// A running VM writes its disk image and serial logs inside its instance
// folder many times a second. Those writes must neither wake LimaBar nor,
// on macOS, keep a descriptor open on each disk image, so the default
// backends are LimaBar's own rather than fsnotify: inotify without
// IN_MODIFY on Linux (backend_linux.go), and on macOS kqueue on the folders
// plus only the files whose content LimaBar reads (contentOf), with the
// entries that come and go found by listing a changed folder again
// (dirdiff.go, backend_kqueue_darwin.go). fsnotify's kqueue backend opens
// every file of a watched folder.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/limabar/limabar/autostart/launchd"
)

// Dir is a folder to watch, with its direct subfolders.
type Dir struct {
	Path string
	// Names, when not nil, are the only file names that count inside the
	// subfolders. LIMA_HOME uses it: in an instance folder only a few
	// files say something about the instance (InstanceNames), while disks
	// and serial logs change all the time.
	Names []string
}

// InstanceNames are the files of an instance folder whose changes matter:
// ha.pid, ha.sock and lima.yaml for whether the instance runs and what it
// is, and the stderr logs of its host agent (ha.stderr.log) and of its
// launchd job (launchd.stderr.log, the plist's StandardErrorPath), whose
// last line is why an autostart failed. On a Mac a write to one is what
// makes LimaBar read `launchctl print` again; see the package doc for why
// every write counts.
var InstanceNames = []string{"ha.pid", "ha.sock", "lima.yaml", "ha.stderr.log", "launchd.stderr.log"}

// JobLogs are the names of InstanceNames that are logs (see the package
// doc): written many times while a VM boots, and news only for the health
// of its job.
var JobLogs = []string{"ha.stderr.log", "launchd.stderr.log"}

// LogDebounce is how long writes to JobLogs alone are gathered: a failed
// start shows a quarter of a second later, and a host agent logging its
// boot line by line wakes the menu a few times a second at most.
const LogDebounce = 250 * time.Millisecond

// launchdFiles are the plists of a LaunchAgents or LaunchDaemons folder
// that LimaBar reads: limactl's registrations (launchd.AgentLabel,
// launchd.DaemonLabel) and LimaBar's own login item. The folders hold the
// plists of other programs too, whose content is none of LimaBar's
// business.
var launchdFiles = []string{"io.lima-vm.*.plist", launchd.BundleID + ".plist"}

func isLaunchdFile(name string) bool {
	for _, pattern := range launchdFiles {
		if ok, _ := path.Match(pattern, name); ok {
			return true
		}
	}
	return false
}

// contentOf says which files of folder p, watched for d, a backend that
// opens each file it watches (kqueue) should watch for writes to their
// content. Creating, removing and replacing a file shows on its folder
// without that, so only files that are rewritten in place and read by
// LimaBar need it: every extra one is a descriptor and, if it is a disk
// or a log, a wake-up per write.
func contentOf(d Dir, p string) childFilter {
	switch {
	case p == d.Path && isLaunchdFolder(p):
		return isLaunchdFile
	case p == d.Path && d.Names != nil:
		// LIMA_HOME: the children that matter are instance folders,
		// each watched as a folder of its own.
		return nil
	case p == d.Path:
		return everyFile
	case d.Names != nil:
		// An instance folder.
		return func(name string) bool { return slices.Contains(d.Names, name) }
	default:
		return everyFile
	}
}

func isLaunchdFolder(p string) bool {
	base := filepath.Base(p)
	return base == "LaunchAgents" || base == "LaunchDaemons"
}

// DefaultDebounce gathers the events of one change made by a program
// (limactl writes a unit, then links it; an editor writes a temporary file
// and renames it) into one notification, and adds little to what the user
// waits for: the menu shows an outside change within about this long plus
// one read.
const DefaultDebounce = 20 * time.Millisecond

// Options tune a Watcher.
type Options struct {
	// Debounce is how long the watcher gathers changes before it
	// notifies; zero means DefaultDebounce. A notification comes at most
	// this long after the first change of a burst.
	Debounce time.Duration
	Backend  Backend
	Logger   *slog.Logger
}

// Watcher watches a set of folders.
type Watcher struct {
	dirs        []Dir
	debounce    time.Duration
	logDebounce time.Duration
	logger      *slog.Logger
	b           backend
	watched     map[string]bool

	// newTimer starts the debounce timer: time.NewTimer, except in
	// tests, which fire it themselves once the watcher has caught up
	// with what they did, so that how many notifications a burst makes
	// does not depend on how busy the machine is.
	newTimer func(time.Duration) (fire <-chan time.Time, stop func() bool)
	// handled, when set, is called with each event after Run has dealt
	// with it; tests use it to know that the watcher has caught up.
	handled func(event)
}

func realTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// New starts watching dirs. Run delivers the notifications.
func New(dirs []Dir, opts Options) (*Watcher, error) {
	b, err := newBackend(opts.Backend)
	if err != nil {
		return nil, fmt.Errorf("cannot watch for changes: %w", err)
	}
	return newWatcher(dirs, opts, b), nil
}

// newWatcher starts watching dirs with b; opts.Backend is not used.
func newWatcher(dirs []Dir, opts Options, b backend) *Watcher {
	w := &Watcher{
		debounce: opts.Debounce,
		logger:   opts.Logger,
		b:        b,
		watched:  map[string]bool{},
		newTimer: realTimer,
	}
	if w.debounce <= 0 {
		w.debounce = DefaultDebounce
	}
	w.logDebounce = max(LogDebounce, w.debounce)
	if w.logger == nil {
		w.logger = slog.New(slog.DiscardHandler)
	}
	for _, d := range dirs {
		if d.Path == "" {
			continue
		}
		d.Path = filepath.Clean(d.Path)
		w.dirs = append(w.dirs, d)
	}
	w.resync()
	return w
}

// Watched lists the folders being watched, sorted; for tests and logs.
func (w *Watcher) Watched() []string {
	var out []string
	for p := range w.watched {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Run calls notify once after each burst of relevant changes, from Run's
// goroutine, until ctx ends; then it stops watching. notify should return
// quickly. Between changes Run sleeps: there is no timer and no polling.
func (w *Watcher) Run(ctx context.Context, notify func()) error {
	return w.RunChanges(ctx, func(Change) { notify() })
}

// Change is what one notification covers: the watched folders (Dir.Path)
// in which something other than a job log changed, whether a job log was
// written (Logs), or All when events were lost and anything may have.
type Change struct {
	Dirs []string
	Logs bool
	All  bool
}

// Touches reports whether the change may concern the watched folder dir.
func (c Change) Touches(dir string) bool {
	return c.All || slices.Contains(c.Dirs, filepath.Clean(dir))
}

// RunChanges is Run, telling notify where the changes were: a change of a
// registration folder needs only the registrations read again, one in
// LIMA_HOME the instances listed.
func (w *Watcher) RunChanges(ctx context.Context, notify func(Change)) error {
	defer w.b.Close()
	var fire <-chan time.Time
	stop := func() bool { return false }
	var pending Change
	var due time.Duration // the wait of the timer that runs
	arm := func(d time.Duration) {
		if fire != nil && due <= d {
			return // a notification is already due, as soon
		}
		if fire != nil {
			stop() // only logs were due, later
		}
		fire, stop = w.newTimer(d)
		due = d
	}
	for {
		select {
		case <-ctx.Done():
			stop()
			return nil
		case e, ok := <-w.b.Events():
			if !ok {
				return errors.New("the file watcher stopped")
			}
			rescan, touched, logs := w.classify(e)
			if p := filepath.Clean(e.Path); w.watched[p] && (e.Op.Has(fsnotify.Remove) || e.Op.Has(fsnotify.Rename)) {
				// A watched folder went; if one of the same name is
				// back already, it needs a watch of its own.
				_ = w.b.Remove(p)
				delete(w.watched, p)
			}
			if rescan {
				w.resync()
			}
			if len(touched) > 0 {
				w.logger.Debug("change", "path", e.Path, "op", e.Op.String())
				for _, d := range touched {
					if !slices.Contains(pending.Dirs, d) {
						pending.Dirs = append(pending.Dirs, d)
					}
				}
				arm(w.debounce)
			} else if logs {
				pending.Logs = true
				arm(w.logDebounce)
			}
			if w.handled != nil {
				w.handled(e)
			}
		case err := <-w.b.Errors():
			if errors.Is(err, errOverflow) {
				// Events were lost; what changed is unknown.
				w.resync()
				pending.All = true
				arm(w.debounce)
				continue
			}
			w.logger.Warn("file watcher error", "err", err)
		case <-fire:
			fire = nil
			c := pending
			pending = Change{}
			notify(c)
		}
	}
}

// classify says whether e may add or remove folders to watch (rescan),
// which watched folders (Dir.Path) it may change what the menu shows of
// (touched; none when it is not relevant), and whether it is the write of
// a job log (logs, and then nothing is touched).
func (w *Watcher) classify(e event) (rescan bool, touched []string, logs bool) {
	p := filepath.Clean(e.Path)
	structural := e.Op.Has(fsnotify.Create) || e.Op.Has(fsnotify.Remove) || e.Op.Has(fsnotify.Rename)
	for _, d := range w.dirs {
		relevant := false
		switch {
		case p == d.Path:
			// The folder itself appeared, went or was renamed.
			if structural {
				rescan, relevant = true, true
			}
		case filepath.Dir(p) == d.Path:
			// A child: an instance folder, a unit, a plist, a
			// default.target.wants folder.
			relevant = true
			if structural {
				rescan = true
			}
		case filepath.Dir(filepath.Dir(p)) == d.Path:
			// A file inside a subfolder.
			switch name := filepath.Base(p); {
			case d.Names != nil && slices.Contains(JobLogs, name) && slices.Contains(d.Names, name) && !structural:
				logs = true
			case d.Names == nil || slices.Contains(d.Names, name):
				relevant = true
			}
		case structural && strings.HasPrefix(d.Path, p+string(filepath.Separator)):
			// A missing folder's parent appeared or went.
			rescan, relevant = true, true
		}
		if relevant {
			touched = append(touched, d.Path)
		}
	}
	return rescan, touched, logs
}

// resync makes the set of watched folders match the file system: each
// existing folder with its subfolders, and for each missing one its nearest
// existing parent. A folder wanted for several Dirs watches the content of
// the files any of them names.
//
// A folder made between the check and its parent's new watch (MkdirAll of
// a whole path does that) sends no event the watcher could see, so resync
// passes again until a pass adds no watch: whatever appeared before the
// last watch was added is found by the next pass, whatever appears later
// sends an event.
func (w *Watcher) resync() {
	for range 16 {
		if !w.resyncOnce() {
			return
		}
	}
}

// resyncOnce is one pass of resync; it says whether it added a watch.
func (w *Watcher) resyncOnce() (added bool) {
	want := map[string]childFilter{}
	wantFor := func(d Dir, p string) {
		want[p] = either(want[p], contentOf(d, p))
	}
	for _, d := range w.dirs {
		if isDir(d.Path) {
			wantFor(d, d.Path)
			entries, err := os.ReadDir(d.Path)
			if err != nil {
				w.logger.Warn("cannot list folder", "path", d.Path, "err", err)
			}
			for _, e := range entries {
				if e.IsDir() {
					wantFor(d, filepath.Join(d.Path, e.Name()))
				}
			}
			continue
		}
		if parent := nearestExisting(d.Path); parent != "" {
			// Only the missing folder's appearing matters here.
			if _, ok := want[parent]; !ok {
				want[parent] = nil
			}
		}
	}
	for p := range w.watched {
		if _, ok := want[p]; !ok {
			_ = w.b.Remove(p) // fails when the kernel already dropped it
			delete(w.watched, p)
		}
	}
	for p, files := range want {
		if w.watched[p] {
			continue
		}
		if err := w.add(p, files); err != nil {
			// Gone again already: the event of its removal rescans.
			w.logger.Debug("cannot watch folder", "path", p, "err", err)
			continue
		}
		w.watched[p] = true
		added = true
	}
	return added
}

// add watches folder p, and with a filteredBackend the content of the files
// in it that files accepts.
func (w *Watcher) add(p string, files childFilter) error {
	if fb, ok := w.b.(filteredBackend); ok {
		return fb.AddFiltered(p, files)
	}
	return w.b.Add(p)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func nearestExisting(p string) string {
	for {
		parent := filepath.Dir(p)
		if parent == p {
			return ""
		}
		if isDir(parent) {
			return parent
		}
		p = parent
	}
}
