package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestCloseWithinBoundsTheWait: on a Mac the notifications still queued
// are posted in the exit callback; a close that ends is waited for, one
// that hangs (a permission prompt nobody answers) is left after the bound,
// with a warning.
func TestCloseWithinBoundsTheWait(t *testing.T) {
	var log strings.Builder
	logger := slog.New(slog.NewTextHandler(&log, nil))
	closed := false
	closeWithin(func() { closed = true }, time.Minute, logger)
	if !closed || log.Len() != 0 {
		t.Errorf("closed %v, log %q: want the close waited for, and nothing logged", closed, log.String())
	}
	hang := make(chan struct{})
	defer close(hang)
	closeWithin(func() { <-hang }, 10*time.Millisecond, logger)
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "notifications still queued") {
		t.Errorf("log %q, want a warning that notifications were still queued", log.String())
	}
}
