package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/limabar/limabar/autostart/plan"
)

// Files writes and removes registration files (see plan.Files); tests put
// a failing writer here.
type Files = plan.Files

// OSFiles is the real file system.
type OSFiles struct{}

// WriteFile writes data to a temporary file beside path, syncs it and renames
// it over path, so that a crash leaves the old file or the new one, never a
// partial one.
func (OSFiles) WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	writeGate(path)
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	removeLeftovers(path, time.Now())
	return nil
}

// Remove implements Files.
func (OSFiles) Remove(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	removeLeftovers(path, time.Now())
	return nil
}

// leftoverAge is how old a temporary file beside a registration must be
// before it is taken for the leftover of a writer that was killed between
// creating and renaming it. A younger one may belong to a writer still at
// work, another limabar process say.
const leftoverAge = time.Minute

// removeLeftovers deletes the temporary files that killed writers of path
// left behind (".NAME.tmp-N" beside it). Neither launchd nor systemd reads
// them, but nothing else would ever remove them: without this they pile up,
// one per unlucky kill. Failures are ignored; the next write tries again.
func removeLeftovers(path string, now time.Time) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+globEscape(filepath.Base(path))+".tmp-*"))
	for _, m := range matches {
		fi, err := os.Lstat(m)
		if err != nil || !fi.Mode().IsRegular() || now.Sub(fi.ModTime()) < leftoverAge {
			continue
		}
		_ = os.Remove(m)
	}
}

// globEscape quotes the characters filepath.Match gives a meaning to.
// Instance names cannot hold them, but a path given by a caller might.
func globEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// fileState is a registration file as read before a change: what a
// WriteFile step replaces or a RemoveFile step takes away, and what their
// undo puts back.
type fileState struct {
	Path    string
	Exists  bool
	Data    []byte
	Mode    os.FileMode
	ReadErr error // set when the file is there but cannot be read
}

// readFile reads a registration file for a plan.
func readFile(path string) fileState {
	fs := fileState{Path: path}
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fs
	}
	fs.Exists = true
	if err == nil {
		fs.Mode = fi.Mode().Perm()
		fs.Data, err = os.ReadFile(path)
	}
	fs.ReadErr = err
	return fs
}

// write is the step that replaces the file with data.
func (f fileState) write(purpose string, data []byte) plan.WriteFile {
	return plan.WriteFile{Purpose: purpose, Path: f.Path, Data: data, Mode: 0o644, Existed: f.Exists, Old: f.Data, OldMode: f.Mode}
}

// remove is the step that removes the file.
func (f fileState) remove(purpose string) plan.RemoveFile {
	return plan.RemoveFile{Purpose: purpose, Path: f.Path, Old: f.Data, OldMode: f.Mode}
}
