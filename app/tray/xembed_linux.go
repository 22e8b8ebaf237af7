//go:build linux

package tray

/*
#cgo pkg-config: xcb
#include <stdio.h>
#include <stdlib.h>
#include <xcb/xcb.h>

// tray_owned returns 1 when the X server's default screen has a system
// tray (an owner of the _NET_SYSTEM_TRAY_S<n> selection), 0 when not, -1
// when the display cannot be reached. It uses XCB, not Xlib: the tray
// library's GTK drives Xlib on the main thread, and a second Xlib user on
// another thread, before GTK has called XInitThreads, can break its locks.
static int tray_owned(const char *name) {
	int screen = 0;
	xcb_connection_t *c = xcb_connect(name, &screen);
	if (xcb_connection_has_error(c)) {
		xcb_disconnect(c);
		return -1;
	}
	char atom[64];
	int n = snprintf(atom, sizeof atom, "_NET_SYSTEM_TRAY_S%d", screen);
	// Only if it exists: no tray ever ran when the atom was never made.
	xcb_intern_atom_reply_t *a = xcb_intern_atom_reply(c, xcb_intern_atom(c, 1, (uint16_t)n, atom), NULL);
	int owned = 0;
	if (a != NULL && a->atom != XCB_ATOM_NONE) {
		xcb_get_selection_owner_reply_t *o = xcb_get_selection_owner_reply(c, xcb_get_selection_owner(c, a->atom), NULL);
		owned = o != NULL && o->owner != XCB_WINDOW_NONE;
		free(o);
	}
	free(a);
	xcb_disconnect(c);
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
