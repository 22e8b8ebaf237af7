//go:build !darwin

package macos

import (
	"context"
	"fmt"
	"log"
)

// InProcessAdminPromptReliable is false where there is no NSAppleScript:
// AdminPrompt cannot run anything here.
const InProcessAdminPromptReliable = false

// RunAsRoot fails: the administrator dialog exists only on macOS. The Linux
// program elevates with pkexec or sudo instead.
func (AdminPrompt) RunAsRoot(ctx context.Context, script, prompt string) error {
	return fmt.Errorf("administrator prompt: %w", ErrNotMacOS)
}

// Alert logs the alert, so that a message meant for the user is not lost
// where there is no NSAlert.
func Alert(title, message string) {
	log.Printf("alert: %s: %s", title, message)
}

// OpenURL fails outside macOS; the Linux program uses xdg-open.
func OpenURL(url string) error {
	return fmt.Errorf("open %q: %w", url, ErrNotMacOS)
}

// OpenFolder fails outside macOS; the Linux program uses xdg-open.
func OpenFolder(path string) error {
	return fmt.Errorf("open %q: %w", path, ErrNotMacOS)
}

// OpenTerminal fails outside macOS.
func OpenTerminal(command []string) error {
	return fmt.Errorf("open Terminal: %w", ErrNotMacOS)
}
