package launchdmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// fileState is a Model as the fake launchctl program keeps it between
// runs, with the offset of its clock from the wall clock.
type fileState struct {
	Model *Model `json:"model"`
	// Offset is added to the wall clock: a fake `sleep` moves the model's
	// time forward by adding to it, so that a script waiting for a job to
	// exit does not wait for real.
	Offset time.Duration `json:"offset"`
	// At, when set, stops the clock there (see OffsetClock).
	At time.Time `json:"at,omitzero"`
}

// OffsetClock is the wall clock moved forward by Offset. A test that set
// up a state due to change at a time (a respawn ten seconds away) sets At
// to stop the clock there, plus Offset: a slow machine then cannot let
// the change happen before the test has looked, and the real limabar
// reading the model meanwhile sees one state throughout.
type OffsetClock struct {
	Offset time.Duration
	At     time.Time
}

// Now implements Clock.
func (c *OffsetClock) Now() time.Time {
	if !c.At.IsZero() {
		return c.At.Add(c.Offset)
	}
	return time.Now().Add(c.Offset)
}

// LoadFile reads the model kept at path (a new one when there is none).
// Its clock is the wall clock, or the time it was stopped at, plus the
// offset kept with it.
func LoadFile(path string) (*Model, *OffsetClock, error) {
	clock := &OffsetClock{}
	st := fileState{Model: New(clock, os.ReadFile)}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st.Model, clock, nil
	case err != nil:
		return nil, nil, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, nil, fmt.Errorf("launchd model %s: %w", path, err)
	}
	clock.Offset, clock.At = st.Offset, st.At
	st.Model.Clock, st.Model.ReadFile = clock, os.ReadFile
	return st.Model, clock, nil
}

// SaveFile writes the model and its clock's offset to path atomically.
func SaveFile(path string, m *Model, clock *OffsetClock) error {
	m.mu.Lock()
	data, err := json.MarshalIndent(fileState{Model: m, Offset: clock.Offset, At: clock.At}, "", "\t")
	m.mu.Unlock()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".launchd-model-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
