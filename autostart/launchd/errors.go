package launchd

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/limabar/limabar/autostart/runner"
)

// ErrorKind is what a failed launchctl call means, read from its exit
// status and its error line.
type ErrorKind string

// The kinds, with the lines of testdata/corpus that show them.
const (
	// NotLoaded: the label is not loaded in that domain. kickstart and
	// print exit 113 `Could not find service "LABEL" in domain for system`
	// (DeterminateSystems/nix-installer#960); bootout exits 3 "Boot-out
	// failed: 3: No such process" (DeterminateSystems/nix-installer#1148,
	// nix-community/home-manager#9585).
	NotLoaded ErrorKind = "not loaded"
	// IOError is "Bootstrap failed: 5: Input/output error": launchd's
	// answer when the label is still loaded (also while its process exits
	// after a bootout: openclaw/openclaw#136453), and reported as well for a
	// bootout by plist path of a job that is not loaded
	// (DeterminateSystems/nix-installer#1148) and over SSH
	// (psimaker/vaultsync#89). It does not say which.
	IOError ErrorKind = "input/output error"
	// InProgress: "Boot-out failed: 36: Operation now in progress"; the job
	// still stops (osquery/osquery#5698). 37 "Operation already in
	// progress" likewise.
	InProgress ErrorKind = "in progress"
	// DomainNotSupported: 125 "Domain does not support specified action",
	// a gui/UID domain without a desktop login (over SSH):
	// buildkite/docs#1770, nix-community/home-manager#4413,
	// NousResearch/hermes-agent#30352, duh17/oppi#31.
	DomainNotSupported ErrorKind = "domain not supported"
	// NotPermitted: 1 "Operation not permitted", a change of the system
	// domain by a caller that is not root (Alkenso/sLaunchctl#1). Root
	// gets it too, once, on a fresh install
	// (DeterminateSystems/nix-installer#1344), so it names the refusal,
	// not its cause.
	NotPermitted ErrorKind = "not permitted"
	// Disabled: 119 "Service is disabled" (NixOS/nix#6499, legacy load).
	Disabled ErrorKind = "disabled"
	// Usage: 64, the arguments were not understood ("Unrecognized target
	// specifier.", pingdotgg/t3code#11995: bootout has no --wait).
	Usage ErrorKind = "usage"
	// Other is any other failure.
	Other ErrorKind = "other"
)

// Error is a failed launchctl call: its exit status, the error number
// launchctl printed (the same as the status when both are there), the
// meaning it printed, and what that is.
type Error struct {
	Status  int
	Code    int
	Message string
	Kind    ErrorKind
}

// errorLine reads "Bootstrap failed: 5: Input/output error", "Could not
// enable service: 125: Domain does not support specified action", `Could
// not kickstart service "x": 1: Operation not permitted`, "Load failed:
// 119: Service is disabled".
var errorLine = regexp.MustCompile(`^(.*?):\s*(\d+):\s*(.+)$`)

// ParseError reads a failed launchctl call, the one reader of launchctl's
// error lines in LimaBar: status is its exit status (0 when unknown),
// stderr what it wrote. The first line with an error number decides; a
// line without one (`Could not find service …`) is the message, and the
// status the code.
func ParseError(status int, stderr string) Error {
	e := Error{Status: status, Code: status}
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if m := errorLine.FindStringSubmatch(line); m != nil {
			e.Code, _ = strconv.Atoi(m[2])
			e.Message = m[3]
			break
		}
		if e.Message == "" {
			e.Message = line
		}
	}
	if e.Code == 0 && strings.HasPrefix(e.Message, "Could not find service") {
		// 113 is the status of this line (launchctl error 113: "Could not
		// find specified service"), also when the caller did not keep it.
		e.Code = 113
	}
	e.Kind = errorKind(e.Code, e.Message)
	return e
}

// KindOf is what a launchctl call's error means: ParseError of the exit
// status and stderr the runner kept. An error that is not a failed
// launchctl run (the program missing, a cancelled context) is Other; no
// error is "".
func KindOf(err error) ErrorKind {
	if err == nil {
		return ""
	}
	var re *runner.Error
	if !errors.As(err, &re) || re.ExitCode < 0 {
		return Other
	}
	return ParseError(re.ExitCode, re.Stderr).Kind
}

func errorKind(code int, msg string) ErrorKind {
	switch {
	case code == 113, code == 3, strings.HasPrefix(msg, "Could not find service"):
		return NotLoaded
	case code == 5:
		return IOError
	case code == 36, code == 37:
		return InProgress
	case code == 125:
		return DomainNotSupported
	case code == 1:
		return NotPermitted
	case code == 119:
		return Disabled
	case code == 64, strings.HasPrefix(msg, "Unrecognized target specifier"), strings.HasPrefix(msg, "Usage:"):
		return Usage
	}
	return Other
}
