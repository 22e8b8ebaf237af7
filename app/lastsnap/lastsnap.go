// Package lastsnap keeps the last snapshot the menu showed, in a small file
// in LimaBar's state folder, so that the next start draws the last known
// menu at once while the first read is under way.
//
// The file holds what the menu needs to draw the instances and their
// switches: each instance as limactl listed it, its login and boot
// registrations with their problems, and LimaBar's own "Open at Login". It
// holds no health: a job's health is the service manager's word at one
// moment, and a failure read from a file must never be notified or acted
// on. Nor errors: a snapshot from the file is a known menu, not news.
//
// The file names its format and version. A file that cannot be read, is
// damaged, is of another format or of a newer version is ignored (and
// logged): the menu then waits for the first read, as without a file.
package lastsnap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/instname"
)

// FileName is the file's name in the state folder.
const FileName = "last-snapshot.json"

// Format and Version name what the file holds; a reader ignores a file of
// another format or of a newer version.
const (
	Format  = "limabar-last-snapshot"
	Version = 1
)

// file is the file's text, version 1.
type file struct {
	Format             string     `json:"format"`
	Version            int        `json:"version"`
	Platform           string     `json:"platform"`
	Limactl            string     `json:"limactl"`
	LimaHome           string     `json:"limaHome"`
	SelfStart          bool       `json:"selfStart"`
	SelfStartSupported bool       `json:"selfStartSupported"`
	Instances          []instance `json:"instances"`
}

// instance is an instance as limactl listed it, with lima.Instance's fields
// and names, and its registrations.
type instance struct {
	lima.Instance
	AutostartErr string    `json:"autostartError,omitempty"`
	Login        condition `json:"login"`
	Boot         condition `json:"boot"`
}

type condition struct {
	Enabled   bool      `json:"enabled"`
	Supported bool      `json:"supported"`
	Path      string    `json:"path,omitempty"`
	Problems  []problem `json:"problems,omitempty"`
}

type problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Store is the last snapshot's file in one state folder.
type Store struct {
	path   string
	logger *slog.Logger

	mu   sync.Mutex
	last []byte // the text last loaded or saved, so that an unchanged snapshot is not written again
}

// New returns the store of the state folder stateDir ("" keeps nothing:
// Load finds nothing and Save writes nothing).
func New(stateDir string, logger *slog.Logger) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{logger: logger}
	if stateDir != "" {
		s.path = filepath.Join(stateDir, FileName)
	}
	return s
}

// Load returns the last snapshot saved, and false when there is none that
// can be used.
func (s *Store) Load() (state.Snapshot, bool) {
	if s.path == "" {
		return state.Snapshot{}, false
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return state.Snapshot{}, false
	}
	if err != nil {
		s.logger.Info("last snapshot not read", "path", s.path, "err", err)
		return state.Snapshot{}, false
	}
	snap, err := decode(b)
	if err != nil {
		s.logger.Info("last snapshot ignored", "path", s.path, "err", err)
		return state.Snapshot{}, false
	}
	s.mu.Lock()
	s.last = b
	s.mu.Unlock()
	return snap, true
}

// Save keeps snap as the last snapshot, atomically (a new file renamed
// over the old one), readable by the user only. A failure is logged: the
// next start then waits for its first read.
func (s *Store) Save(snap state.Snapshot) {
	if s.path == "" {
		return
	}
	b, err := encode(snap)
	if err != nil {
		s.logger.Info("last snapshot not kept", "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if bytes.Equal(b, s.last) {
		return
	}
	if err := writeAtomic(s.path, b); err != nil {
		s.logger.Info("last snapshot not kept", "path", s.path, "err", err)
		return
	}
	s.last = b
}

func encode(snap state.Snapshot) ([]byte, error) {
	f := file{Format: Format, Version: Version, Platform: string(snap.Platform), Limactl: snap.Limactl,
		LimaHome: snap.LimaHome, SelfStart: snap.SelfStart, SelfStartSupported: snap.SelfStartSupported,
		Instances: []instance{}}
	for _, in := range snap.Instances {
		f.Instances = append(f.Instances, instance{Instance: in.Instance, AutostartErr: in.AutostartErr,
			Login: fromCond(in.Autostart.Login), Boot: fromCond(in.Autostart.Boot)})
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func fromCond(c autostart.CondStatus) condition {
	out := condition{Enabled: c.Enabled, Supported: c.Supported, Path: c.Path}
	for _, p := range c.Problems {
		out.Problems = append(out.Problems, problem{Code: p.Code, Message: p.Message})
	}
	return out
}

func toCond(c condition) autostart.CondStatus {
	out := autostart.CondStatus{Enabled: c.Enabled, Supported: c.Supported, Path: c.Path}
	for _, p := range c.Problems {
		out.Problems = append(out.Problems, autostart.Problem{Code: p.Code, Message: p.Message})
	}
	return out
}

// decode reads the file's text; anything but this format at a version it
// knows is an error.
func decode(b []byte) (state.Snapshot, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return state.Snapshot{}, fmt.Errorf("damaged: %w", err)
	}
	if head.Format != Format {
		return state.Snapshot{}, fmt.Errorf("not a LimaBar snapshot (format %q)", head.Format)
	}
	if head.Version < 1 || head.Version > Version {
		return state.Snapshot{}, fmt.Errorf("version %d, this LimaBar reads up to %d", head.Version, Version)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return state.Snapshot{}, fmt.Errorf("damaged: %w", err)
	}
	if p := autostart.Platform(f.Platform); p != autostart.Darwin && p != autostart.Linux {
		return state.Snapshot{}, fmt.Errorf("damaged: platform %q", f.Platform)
	}
	snap := state.Snapshot{Platform: autostart.Platform(f.Platform), Limactl: f.Limactl, LimaHome: f.LimaHome,
		SelfStart: f.SelfStart, SelfStartSupported: f.SelfStartSupported}
	for _, in := range f.Instances {
		// Every action of the menu names its instance; a name that is not
		// a Lima identifier is a file written by something else.
		if err := instname.Check(in.Name); err != nil {
			return state.Snapshot{}, fmt.Errorf("damaged: %w", err)
		}
		snap.Instances = append(snap.Instances, state.Instance{
			Instance:     in.Instance,
			AutostartErr: in.AutostartErr,
			Autostart:    autostart.Status{Login: toCond(in.Login), Boot: toCond(in.Boot)},
		})
	}
	return snap, nil
}

// writeAtomic writes b to path through a temporary file in the same
// folder, renamed over path, with mode 0600; the folder is made 0700 if
// missing.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".last-snapshot-*")
	if err != nil {
		return err
	}
	// CreateTemp makes the file 0600 already; the mode is said here, not
	// left to the umask or to a later change of CreateTemp.
	cherr := tmp.Chmod(0o600)
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(cherr, werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
