//go:build !linux

package tray

// XEmbedTray is false where there is no X11 system tray to look for: on
// macOS the status item always has its place in the menu bar.
func XEmbedTray(display string) (bool, error) { return false, nil }
