package launchd

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

// GUIDomain is the per-user launchd domain of the login session.
func GUIDomain(uid int) string { return "gui/" + itoa(uid) }

// Target is DOMAIN/LABEL, the service target launchctl takes.
func Target(domain, label string) string { return domain + "/" + label }

// EnableArgv and the other argv builders return the launchctl arguments
// (without the program) for one step, so that the engine, the privileged
// script and the tests agree on them.
func EnableArgv(domain, label string) []string  { return []string{"enable", Target(domain, label)} }
func DisableArgv(domain, label string) []string { return []string{"disable", Target(domain, label)} }
func PrintDisabledArgv(domain string) []string  { return []string{"print-disabled", domain} }
func PrintArgv(domain, label string) []string   { return []string{"print", Target(domain, label)} }

var disabledLine = regexp.MustCompile(`^\s*"([^"]+)"\s*=>\s*(\S+)\s*$`)

// ParsePrintDisabled reads `launchctl print-disabled DOMAIN` and returns the
// labels that carry a disable override. Newer macOS prints
// `"label" => disabled`, older `"label" => true`.
func ParsePrintDisabled(out []byte) map[string]bool {
	disabled := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	inBlock := false
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasSuffix(trimmed, "= {"):
			inBlock = strings.HasPrefix(trimmed, "disabled services")
			continue
		case trimmed == "}":
			inBlock = false
			continue
		}
		if !inBlock {
			continue
		}
		if m := disabledLine.FindStringSubmatch(line); m != nil {
			switch m[2] {
			case "disabled", "true":
				disabled[m[1]] = true
			case "enabled", "false":
				disabled[m[1]] = false
			}
		}
	}
	return disabled
}

func itoa(i int) string { return strconv.Itoa(i) }

// PrintInfo is what LimaBar reads of `launchctl print TARGET`.
type PrintInfo struct {
	// State is "running", "not running", or another word launchd uses
	// (a job between SIGTERM and its exit); "" when absent.
	State string
	PID   int // 0 when not running
	Runs  int
	// LastExit is "last exit code" as printed ("0", "1", "(never
	// exited)"), or "" when absent.
	LastExit string
}

// Running says whether the job has a process: running, or still exiting.
// Booting such a job out stops the VM it runs. A job whose KeepAlive
// restart is held back ("spawn scheduled": launchd waits out the throttle
// interval after a quick failure) has none; a state not known here counts
// as running, so that no VM is stopped on a guess.
func (p PrintInfo) Running() bool {
	return p.PID != 0 || (p.State != "" && p.State != "not running" && p.State != "spawn scheduled")
}

// ParsePrint reads the top-level fields of `launchctl print TARGET`. Apple
// documents this output as not an API; these are the lines scripts read
// (see launchdmodel).
func ParsePrint(out []byte) PrintInfo {
	var p PrintInfo
	depth := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasSuffix(line, "{") {
			depth++
			continue
		}
		if line == "}" {
			depth--
			continue
		}
		if depth != 1 {
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		if !ok {
			continue
		}
		switch k {
		case "state":
			p.State = v
		case "pid":
			p.PID, _ = strconv.Atoi(v)
		case "runs":
			p.Runs, _ = strconv.Atoi(v)
		case "last exit code":
			p.LastExit = v
		}
	}
	return p
}
