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
// labels that carry an override: true for disabled. macOS 13 and later
// print `"label" => disabled|enabled`, older versions `"label" => true|false`
// (testdata/corpus: ninehills/blog#85, ggbond268/MacTools#116,
// usnistgov/macos_security#167). The lines of other blocks, such as
// `login item associations = { "label" => "bundle id" }`, are not
// overrides; lines outside any block (a trimmed listing) are read as
// overrides.
func ParsePrintDisabled(out []byte) map[string]bool {
	disabled := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	inBlock, other := false, false
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasSuffix(trimmed, "= {"):
			inBlock = strings.HasPrefix(trimmed, "disabled services")
			other = !inBlock
			continue
		case trimmed == "}":
			inBlock, other = false, false
			continue
		}
		if other {
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

// PrintInfo is what LimaBar reads of `launchctl print TARGET`: the
// top-level lines of the job's block, in launchd's words.
type PrintInfo struct {
	// State is "running", "not running", "spawn scheduled", or another
	// word launchd uses (a job between SIGTERM and its exit); "" when
	// absent.
	State string
	PID   int // 0 when not running
	Runs  int
	// LastExit is the value of "last exit code" as printed: "0", "1",
	// "78: EX_CONFIG", "1: Operation not permitted", "(never exited)";
	// "" when absent (launchd prints no such line after a signal).
	LastExit string
	// Exited says that LastExit holds an exit status: ExitCode, with
	// ExitText the meaning launchd prints after it ("EX_CONFIG", "").
	Exited   bool
	ExitCode int
	ExitText string
	// Signal is the number of "last terminating signal = Killed: 9", 0
	// when there is none, and SignalText its words ("Killed").
	Signal     int
	SignalText string
	// ExitTimeout is "exit timeout" in seconds, -1 when absent.
	ExitTimeout int
	// SpawnType is "spawn type" as printed ("daemon (3)"), "" when absent.
	SpawnType string
}

// Running says whether the job has a process: running, or still exiting.
// Booting such a job out stops the VM it runs. A job whose KeepAlive
// restart is held back ("spawn scheduled": launchd waits out the throttle
// interval after a quick failure) has none; a state not known here counts
// as running, so that no VM is stopped on a guess.
func (p PrintInfo) Running() bool {
	return p.PID != 0 || (p.State != "" && p.State != "not running" && p.State != "spawn scheduled")
}

// exitValue reads "78: EX_CONFIG", "1: Operation not permitted" or "1".
var exitValue = regexp.MustCompile(`^(-?\d+)(?::\s*(.*))?$`)

// signalValue reads "Killed: 9", "Terminated: 15", "Segmentation fault: 11".
var signalValue = regexp.MustCompile(`^(.*?):?\s*(\d+)$`)

// ParsePrint reads the top-level fields of `launchctl print TARGET`, the
// one reader of that output in LimaBar. Apple documents it as not an API;
// testdata/corpus holds what real Macs print, from OS X 10.10 to macOS 26,
// and each sample is a case of TestCorpus. The job's block opens with
// "TARGET = {" ("gui/501/label = {", or "label = {" before macOS 11); its
// nested blocks (arguments, environment, endpoints, event triggers, …) are
// skipped, since their keys are not the job's ("last exit code" appears
// inside endpoints). Output without that first line (a reporter's
// excerpt) is read from its top level. What it cannot read it leaves at
// zero.
func ParsePrint(out []byte) PrintInfo {
	p := PrintInfo{ExitTimeout: -1}
	top := 0
	depth := 0
	first := true
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasSuffix(line, "{") {
			if first && isJobHeader(line) {
				top = 1
			}
			first = false
			depth++
			continue
		}
		first = false
		if line == "}" {
			depth--
			continue
		}
		if depth != top {
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
			if m := exitValue.FindStringSubmatch(v); m != nil {
				p.ExitCode, _ = strconv.Atoi(m[1])
				p.ExitText = strings.TrimSpace(m[2])
				p.Exited = true
			}
		case "last terminating signal":
			if m := signalValue.FindStringSubmatch(v); m != nil {
				p.Signal, _ = strconv.Atoi(m[2])
				p.SignalText = strings.TrimSpace(m[1])
			}
		case "exit timeout":
			if n, err := strconv.Atoi(v); err == nil {
				p.ExitTimeout = n
			}
		case "spawn type":
			p.SpawnType = v
		}
	}
	return p
}

// isJobHeader says whether the line "KEY = {" opens the job's block: its
// key is a service target or label ("gui/501/com.example.job",
// "com.wazuh.agent"), which has a slash or a dot; the names of nested
// blocks ("arguments", "event triggers") have neither.
func isJobHeader(line string) bool {
	key, _, ok := strings.Cut(line, " = {")
	return ok && strings.ContainsAny(key, "/.")
}

// LintOK reads what `plutil -lint PATH…` printed: one line per file, "PATH:
// OK" when it is a valid property list, "PATH: " and the fault otherwise
// ("…: Found non-key inside <dict> at line 26357", llvm/llvm-project#56380).
// It says whether every file was OK.
func LintOK(out []byte) bool {
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		lines++
		if !strings.HasSuffix(line, ": OK") {
			return false
		}
	}
	return lines > 0
}
