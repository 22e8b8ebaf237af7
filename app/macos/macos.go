// Package macos holds the few pieces of LimaBar that call Apple's
// frameworks through darwinkit: opening URLs and Finder folders with
// NSWorkspace, on the main thread, where AppKit must be called; the Mac's
// Desktop, whose notifications go through UNUserNotificationCenter
// (app/macnotify decides); and SMAppService.mainApp for Open LimaBar at
// Login (app/loginitem decides). darwinkit has no binding for the last two
// frameworks: they are loaded at run time and reached through its
// Objective-C runtime, so the module needs no cgo of its own.
//
// Nothing here may keep the main thread busy for longer than one AppKit
// call: systray draws every menu change there and waits for it, so a modal
// loop or a dialog run on the main thread freezes the menu and Quit. What
// waits for the user (the administrator dialog, alerts, Terminal's
// Automation permission) therefore runs in /usr/bin/osascript, a child
// process started from the goroutine of the action: autostart/elevate's
// Osascript elevator and tray.MacCommands.
//
// The darwin file only translates between Go and Objective-C; the checks
// of what is opened live here, without build tags, tested on Linux. Other
// platforms get stubs with the same API that return ErrNotMacOS.
package macos

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// ErrNotMacOS is returned by the stubs on platforms other than macOS.
var ErrNotMacOS = errors.New("not on macOS")

// checkURL refuses what NSURL would turn into nil or NSWorkspace into a
// file open: only absolute URLs with a scheme are opened.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Scheme == "" || !u.IsAbs() {
		return fmt.Errorf("invalid URL %q: not absolute", raw)
	}
	return nil
}

// checkFolder makes sure path names an existing directory before it is
// handed to Finder, which otherwise fails without saying why.
func checkFolder(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("folder %q: not an absolute path", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("folder %q: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("folder %q: not a directory", path)
	}
	return nil
}
