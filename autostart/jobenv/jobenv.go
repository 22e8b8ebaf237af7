// Package jobenv is the environment policy for the jobs that start a Lima
// instance, shared by the launchd plists and the systemd unit: which PATH
// a job gets. It is a leaf, so that neither service manager's package
// depends on the other's.
package jobenv

import (
	"path/filepath"
	"strings"
)

// systemPath is the PATH launchd gives jobs, and the system part of any
// job's PATH.
const systemPath = "/usr/bin:/bin:/usr/sbin:/sbin"

// PATH is the PATH a job gets: limactl's own folder, Homebrew's two
// prefixes, then the system folders. Without it a QEMU instance cannot find
// qemu-system-* under launchd (lima issue 2444).
func PATH(limactl string) string {
	parts := []string{}
	seen := map[string]bool{}
	add := func(dir string) {
		if dir != "" && !seen[dir] {
			seen[dir] = true
			parts = append(parts, dir)
		}
	}
	if limactl != "" {
		add(filepath.Dir(limactl))
	}
	add("/opt/homebrew/bin")
	add("/usr/local/bin")
	for _, d := range strings.Split(systemPath, ":") {
		add(d)
	}
	return strings.Join(parts, ":")
}
