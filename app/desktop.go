package main

import (
	"github.com/limabar/limabar/app/macos"
	"github.com/limabar/limabar/app/tray"
)

// macDesktop is the Mac's desktop: NSWorkspace (app/macos) for URLs and
// folders, which returns at once, and osascript and open (tray.MacCommands)
// for the rest. An alert and Terminal's Automation permission wait for the
// user; in a child process that wait never holds the main thread, which
// must stay free to draw the menu.
type macDesktop struct {
	*tray.MacCommands
}

var _ tray.Desktop = macDesktop{}

func (d macDesktop) OpenURL(u string) error       { return macos.OpenURL(u) }
func (d macDesktop) OpenFolder(path string) error { return macos.OpenFolder(path) }
