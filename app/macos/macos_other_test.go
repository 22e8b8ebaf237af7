//go:build !darwin

package macos

import (
	"errors"
	"testing"
)

func TestStubsOutsideMacOS(t *testing.T) {
	if err := OpenURL("https://lima-vm.io"); !errors.Is(err, ErrNotMacOS) {
		t.Errorf("OpenURL: got %v, want ErrNotMacOS", err)
	}
	if err := OpenFolder(t.TempDir()); !errors.Is(err, ErrNotMacOS) {
		t.Errorf("OpenFolder: got %v, want ErrNotMacOS", err)
	}
}
