package health

import (
	"path/filepath"
	"strconv"
	"strings"
)

// StalePID is an ha.pid left by a host agent that is gone: after an
// unclean shutdown (power loss, a kernel panic) Lima finds it and refuses
// to start the instance (lima issues 4992 and 5088).
type StalePID struct {
	// Path is the ha.pid file; Sock the ha.sock beside it.
	Path, Sock string
	// PID is the number the file holds, 0 when it holds none.
	PID int
}

// Process says what runs under a pid. The program reads /proc on Linux
// and `ps -o comm=` on a Mac; tests give values.
type Process interface {
	// Alive reports whether a process with that pid exists.
	Alive(pid int) bool
	// Command is the process's command line (or name), "" when unknown.
	Command(pid int) string
}

// Verdict is what may be done with an ha.pid.
type Verdict int

const (
	// NoPIDFile: nothing to fix.
	NoPIDFile Verdict = iota
	// Stale: no host agent runs under that pid; the file (and ha.sock) can
	// go.
	Stale
	// Live: a Lima host agent runs under that pid: never remove the file,
	// the VM is up.
	Live
	// Unsure: a process runs under that pid but its command cannot be
	// read: leave the file alone.
	Unsure
)

// Judge decides whether the ha.pid that content was read from is stale. A
// pid is stale when no process has it, or the process that has it now is
// not Lima's host agent (pids are reused after a reboot); a file that is
// not a number is stale too, since Lima cannot use it either.
func Judge(content string, p Process) (Verdict, int) {
	s := strings.TrimSpace(content)
	if s == "" {
		return Stale, 0
	}
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 {
		return Stale, 0
	}
	if !p.Alive(pid) {
		return Stale, pid
	}
	cmd := p.Command(pid)
	switch {
	case cmd == "":
		return Unsure, pid
	case IsHostAgent(cmd):
		return Live, pid
	}
	return Stale, pid
}

// IsHostAgent reports whether a command line (NUL- or space-separated) or
// a bare command name is Lima's host agent: `limactl hostagent …`, or
// `limactl start NAME --foreground`, which becomes the host agent.
func IsHostAgent(cmd string) bool {
	words := strings.FieldsFunc(cmd, func(r rune) bool { return r == 0 || r == ' ' })
	if len(words) == 0 {
		return false
	}
	if filepath.Base(words[0]) != "limactl" {
		return false
	}
	if len(words) == 1 {
		// `ps -o comm=` gives the name alone.
		return true
	}
	for _, w := range words[1:] {
		if w == "hostagent" || w == "start" {
			return true
		}
	}
	return false
}
