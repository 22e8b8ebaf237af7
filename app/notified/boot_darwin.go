package notified

import "golang.org/x/sys/unix"

func boot() string {
	tv, err := unix.SysctlTimeval("kern.boottime")
	if err != nil {
		return ""
	}
	return bootTime(int64(tv.Sec), int64(tv.Usec))
}
