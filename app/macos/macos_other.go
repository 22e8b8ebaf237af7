//go:build !darwin

package macos

import "fmt"

// OpenURL fails outside macOS; the Linux program uses xdg-open.
func OpenURL(url string) error {
	return fmt.Errorf("open %q: %w", url, ErrNotMacOS)
}

// OpenFolder fails outside macOS; the Linux program uses xdg-open.
func OpenFolder(path string) error {
	return fmt.Errorf("open %q: %w", path, ErrNotMacOS)
}
