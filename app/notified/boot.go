package notified

import (
	"fmt"
	"strings"
)

// Boot names the machine's running boot, so that a failure that stands is
// told once per boot: "" when it cannot be told. It is read once, when the
// record is opened.
func Boot() string { return boot() }

// linuxBootID reads the kernel's boot id, a random UUID made once per boot
// (random(4), /proc/sys/kernel/random/boot_id), through read.
func linuxBootID(read func(string) ([]byte, error)) string {
	b, err := read("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// bootTime names a boot by its time, as a Mac keeps it: the sysctl
// kern.boottime, a struct timeval (sysctl(3), KERN_BOOTTIME), read as a
// value, not as text printed by a tool.
func bootTime(sec, usec int64) string {
	if sec <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%06d", sec, usec)
}
