package autostart

import (
	"io/fs"
	"syscall"
)

// fileUID returns the owner of a file where the platform reports one.
func fileUID(fi fs.FileInfo) (int, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), true
	}
	return 0, false
}
