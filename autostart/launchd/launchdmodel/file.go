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
}

// OffsetClock is the wall clock moved forward by Offset.
type OffsetClock struct{ Offset time.Duration }

// Now implements Clock.
func (c *OffsetClock) Now() time.Time { return time.Now().Add(c.Offset) }

// LoadFile reads the model kept at path (a new one when there is none).
// Its clock is the wall clock plus the offset kept with it.
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
	clock.Offset = st.Offset
	st.Model.Clock, st.Model.ReadFile = clock, os.ReadFile
	return st.Model, clock, nil
}

// SaveFile writes the model and its clock's offset to path atomically.
func SaveFile(path string, m *Model, clock *OffsetClock) error {
	m.mu.Lock()
	data, err := json.MarshalIndent(fileState{Model: m, Offset: clock.Offset}, "", "\t")
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
