// Package notified remembers which autostart failures the user was told
// about, in a small file in LimaBar's state folder, so that a failure is
// notified once: not at every refresh, and not again when LimaBar restarts
// (after a login, say) while the same failure stands.
package notified

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// FileName is the record's name in the state folder.
const FileName = "notified.json"

// Record maps each job (instance and condition) to the key of the failure
// last notified for it. A zero Record, or one with an empty Path, keeps
// the record in memory only.
type Record struct {
	Path string
	// Boot names the running boot (see Boot), for the keys of failures
	// that stand (health.Health.Key).
	Boot string

	mu     sync.Mutex
	loaded bool
	keys   map[string]string
}

// Open returns the record of the state folder dir ("" for memory only).
func Open(dir string) *Record {
	r := &Record{Boot: Boot()}
	if dir != "" {
		r.Path = filepath.Join(dir, FileName)
	}
	return r
}

func (r *Record) load() {
	if r.loaded {
		return
	}
	r.loaded = true
	r.keys = map[string]string{}
	if r.Path == "" {
		return
	}
	b, err := os.ReadFile(r.Path)
	if err != nil {
		return
	}
	// A damaged record only means a failure may be notified once more.
	_ = json.Unmarshal(b, &r.keys)
}

// First reports whether failure key of job is new, and records it: it
// returns true once per failure.
func (r *Record) First(job, key string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.load()
	if r.keys[job] == key {
		return false, nil
	}
	r.keys[job] = key
	return true, r.save()
}

// Clear forgets job's failure once the job is well again, so that the
// record does not grow with instances long gone.
func (r *Record) Clear(job string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.load()
	if _, ok := r.keys[job]; !ok {
		return nil
	}
	delete(r.keys, job)
	return r.save()
}

// save writes the record atomically.
func (r *Record) save() error {
	if r.Path == "" {
		return nil
	}
	b, err := json.MarshalIndent(r.keys, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.Path), 0o700); err != nil {
		return fmt.Errorf("cannot keep the notified failures: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.Path), ".notified-*")
	if err != nil {
		return fmt.Errorf("cannot keep the notified failures: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot keep the notified failures: %w", err)
	}
	if err := os.Rename(tmp.Name(), r.Path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot keep the notified failures: %w", err)
	}
	return nil
}
