//go:build linux

package tray

/*
#cgo pkg-config: x11
#include <stdio.h>
#include <stdlib.h>
#include <X11/Xlib.h>

// tray_owned returns 1 when the X server's default screen has a system
// tray (an owner of the _NET_SYSTEM_TRAY_S<n> selection), 0 when not, -1
// when the display cannot be opened.
static int tray_owned(const char *name) {
	Display *d = XOpenDisplay(name);
	if (d == NULL) {
		return -1;
	}
	char atom[64];
	snprintf(atom, sizeof atom, "_NET_SYSTEM_TRAY_S%d", DefaultScreen(d));
	// Only if it exists: no tray ever ran when the atom was never made.
	Atom a = XInternAtom(d, atom, True);
	int owned = a != None && XGetSelectionOwner(d, a) != None;
	XCloseDisplay(d);
	return owned;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// XEmbedTray reports whether the X11 display has a system tray that shows
// XEmbed icons (the System Tray Protocol's _NET_SYSTEM_TRAY_S<screen>
// selection has an owner). It opens its own short connection.
func XEmbedTray(display string) (bool, error) {
	if display == "" {
		return false, nil
	}
	name := C.CString(display)
	defer C.free(unsafe.Pointer(name))
	switch C.tray_owned(name) {
	case 1:
		return true, nil
	case 0:
		return false, nil
	}
	return false, fmt.Errorf("cannot open the X display %q", display)
}
