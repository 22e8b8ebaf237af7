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
func PATH(limactl string) string { return pathOf(limactl) }

// ColimaPATH is the PATH a job that starts a Colima profile gets: colima's
// own folder, then limactl's (colima runs `limactl`, and QEMU and docker
// are usually installed beside them), Homebrew's two prefixes and the
// system folders. colima looks limactl, qemu-img and docker up on PATH
// (colima v0.10.1 environment/vm/lima/limautil, LimactlCommand).
func ColimaPATH(colima, limactl string) string { return pathOf(colima, limactl) }

// pathOf is the folders of the programs, in order, then Homebrew's and the
// system's, each once.
func pathOf(programs ...string) string {
	parts := []string{}
	seen := map[string]bool{}
	add := func(dir string) {
		if dir != "" && !seen[dir] {
			seen[dir] = true
			parts = append(parts, dir)
		}
	}
	for _, p := range programs {
		if p != "" {
			add(filepath.Dir(p))
		}
	}
	add("/opt/homebrew/bin")
	add("/usr/local/bin")
	for _, d := range strings.Split(systemPath, ":") {
		add(d)
	}
	return strings.Join(parts, ":")
}
