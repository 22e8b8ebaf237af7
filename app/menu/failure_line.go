package menu

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// FailureWidth is the widest a failure line of the menu's top level gets,
// in characters, its mark included. The instance and the cause come first
// and fit in it; the rest of the message is behind a click (the line's own
// item shows it whole) and in the tooltip. A short top level also keeps
// the menu's width steady: an XEmbed tray places a menu opened just after
// a label changed with the width it had before, so a line that grows by
// half a screen runs the menu off the screen's edge.
const FailureWidth = 60

// FailureLineWidth bounds a whole failure line, what failed included.
const FailureLineWidth = 80

// FailureLine is how the menu and the notifications say in one short line
// that a failed: the instance and the cause (Cause of msg, the failure's
// whole message) within the first FailureWidth characters, then, when the
// line stays within FailureLineWidth, what failed:
// "default: No such file or directory — Start at Boot not turned on".
func FailureLine(a Action, msg string) string {
	return shortLine(a.Instance, Cause(msg), failedWhat(a, msg))
}

// ListFailureLine is FailureLine for a limactl list that failed, which
// concerns no one instance.
func ListFailureLine(msg string) string {
	return shortLine("", Cause(msg), "instances not listed")
}

// HealthFailureLine is the short form of a registered job that failed,
// for the notification's title, `limabar list` and `limabar doctor`:
// "default: qemu-system-x86_64 not found — keeps failing at login". The
// cause is the reason the job gave, else its exit status or signal;
// HealthLine is the whole text.
func HealthFailureLine(name string, h *health.Health, c autostart.Condition) string {
	what := "did not start at " + string(c)
	if h.State == health.Failing {
		what = "keeps failing at " + string(c)
	}
	cause := strings.Join(strings.Fields(firstLineOnly(h.Reason)), " ")
	if cause != "" && runeLen(name)+2+runeLen(cause) > FailureWidth-2 {
		cause = Cause(cause)
	}
	switch {
	case cause != "":
	case h.ExitCode != 0:
		cause = fmt.Sprintf("exit status %d", h.ExitCode)
	case h.Signal != 0:
		cause = fmt.Sprintf("killed by signal %d", h.Signal)
	default:
		return shortLine(name, what, "")
	}
	return shortLine(name, cause, what)
}

// AutostartUnknownLine is the short form of a registration that could not
// be read (msg is the whole error): "default: permission denied —
// autostart state unknown". It fits a problem line of the instance's
// submenu (problemWidth) whole.
func AutostartUnknownLine(name, msg string) string {
	return shortLineWithin(name, Cause(msg), "autostart state unknown", problemWidth)
}

// InstanceErrorLine is the short form of an error limactl reports for an
// instance (a lima.yaml it cannot read), msg its whole text.
func InstanceErrorLine(name, msg string) string {
	return shortLine(name, Cause(msg), "limactl reports an error")
}

// NotDoneLine is the short form of what `limabar doctor --fix` could not
// do for an instance: verb is what it did not do ("repaired", "cleared",
// "removed"), msg the whole error: "default: Access denied — not
// repaired".
func NotDoneLine(name, verb, msg string) string {
	return shortLine(name, Cause(msg), "not "+verb)
}

// shortLine is "name: cause — what": name and cause in FailureWidth-2
// characters (the mark takes two), shortened when they do not fit, and
// what after them when the whole stays within FailureLineWidth-2.
func shortLine(name, cause, what string) string {
	return shortLineWithin(name, cause, what, FailureLineWidth-2)
}

// shortLineWithin is shortLine with what after the cause only when the
// whole stays within width characters.
func shortLineWithin(name, cause, what string, width int) string {
	n := FailureWidth - 2
	head := cause
	if name != "" {
		head = name + ": " + cause
	}
	if runeLen(head) > n {
		// Parenthesised asides go first ("(from the environment)"), then
		// the end of the cause.
		cause = dropAsides(cause)
		head = cause
		if name != "" {
			head = name + ": " + cause
		}
		if runeLen(head) > n {
			return truncate(head, n)
		}
	}
	const sep = " — "
	if what == "" {
		return head
	}
	if room := width - runeLen(head) - runeLen(sep); room >= runeLen(what) {
		return head + sep + what
	}
	return head
}

// failedWhat says, in a few words, what the action did not do. A message
// "default will start at login, but failed to reload systemd …" tells of
// a change made whose tidying up failed.
func failedWhat(a Action, msg string) string {
	if made, _, ok := strings.Cut(msg, ", but "); ok && !strings.Contains(made, ": ") {
		switch a.Kind {
		case Enable:
			return SwitchTitle(a.Condition) + " on, tidying up failed"
		case Disable:
			return SwitchTitle(a.Condition) + " off, tidying up failed"
		}
		return "done, tidying up failed"
	}
	switch a.Kind {
	case Start:
		return "not started"
	case Stop:
		return "not stopped"
	case Restart:
		return "not restarted"
	case Enable:
		return SwitchTitle(a.Condition) + " not turned on"
	case Disable:
		return SwitchTitle(a.Condition) + " not turned off"
	case Repair:
		return "not repaired"
	case OpenShell:
		return "no shell opened"
	case ShowLog:
		return "log not shown"
	case OpenFolder:
		return "folder not opened"
	case SetSelfStart:
		return "Open LimaBar at Login not changed"
	case OpenURL:
		return "not opened"
	case TryAgain:
		return "not started again"
	case StopRetrying:
		return "restarts not stopped"
	case FixStale:
		return "stale ha.pid not removed"
	}
	return a.Kind.String() + " failed"
}

// Cause is the part of an error message that says why, for a line with
// little room. Messages here are wrapped, "failed to X for instance "a":
// running Y: open /p: no such file or directory; nothing was changed", so
// the cause is the last ": "-separated part of the first clause. A
// parenthesis is an aside ("no instance named "b2" (instances: a1, c3)"),
// except after a wrapper's words ("failed to install … (the privileged
// script: mkdir …: No such file or directory)"), where the cause is inside.
// A cause of one word or an exit status ("EOF", "exit status 1") keeps the
// command before it, and a cause after a quoted name keeps the name
// (`exec: "qemu-system-x86_64": executable file not found in $PATH`). Long paths are shortened to their last element. The
// whole message is always shown on a click.
func Cause(msg string) string {
	msg = strings.Join(strings.Fields(firstLineOnly(msg)), " ")
	msg = strings.TrimSuffix(msg, "; nothing was changed")
	// What could not be taken back follows ", and "; the cause comes
	// before.
	if i := strings.Index(msg, ", and "); i > 0 && strings.Contains(msg[:i], ": ") {
		msg = msg[:i]
	}
	for {
		parts := splitOutside(msg, ": ")
		cause := trimUnbalanced(parts[len(parts)-1])
		if inner, ok := wrapped(cause); ok {
			msg = inner
			continue
		}
		if len(parts) > 1 && (!strings.Contains(cause, " ") || strings.HasPrefix(cause, "exit status ") || quoted(parts[len(parts)-2])) {
			cause = command(trimUnbalanced(parts[len(parts)-2])) + ": " + cause
		}
		return shortenPaths(yamlPosition.ReplaceAllString(cause, ""))
	}
}

// yamlPosition is the line and column a YAML error begins with ("[2:12]
// mapping value is not allowed in this context"): where, not why.
var yamlPosition = regexp.MustCompile(`^\[\d+:\d+\] `)

// quoted reports whether s is one quoted word, `"qemu-system-x86_64"`.
func quoted(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) > 2 && strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) && !strings.ContainsAny(s, " ")
}

// splitOutside splits s at each sep that is outside parentheses.
func splitOutside(s, sep string) []string {
	var parts []string
	depth, from := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '(':
			depth++
		case s[i] == ')' && depth > 0:
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			parts = append(parts, s[from:i])
			from = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(parts, s[from:])
}

// wrapped returns what s holds in its closing parentheses when the words
// before them only say that something failed.
func wrapped(s string) (string, bool) {
	if !strings.HasSuffix(s, ")") {
		return "", false
	}
	open := strings.Index(s, " (")
	if open < 0 {
		return "", false
	}
	lead := strings.ToLower(s[:open])
	for _, w := range []string{"failed to ", "cannot ", "could not "} {
		if strings.HasPrefix(lead, w) {
			return s[open+2 : len(s)-1], true
		}
	}
	return "", false
}

// command is the start of a command line, enough to name it: at most three
// words, up to the first path or URL ("xdg-open", "limactl start k3s").
func command(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if i == 3 || (i > 0 && strings.Contains(w, "/")) {
			return strings.Join(words[:i], " ")
		}
	}
	return s
}

func firstLineOnly(s string) string {
	s = strings.TrimSpace(s)
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// trimUnbalanced drops the ")" that closed a parenthesis opened before the
// cut, and the "(" left open by one after it.
func trimUnbalanced(s string) string {
	s = strings.TrimSpace(s)
	for strings.Count(s, ")") > strings.Count(s, "(") {
		i := strings.LastIndex(s, ")")
		s = strings.TrimSpace(s[:i] + s[i+1:])
	}
	for strings.Count(s, "(") > strings.Count(s, ")") {
		i := strings.LastIndex(s, "(")
		s = strings.TrimSpace(s[:i] + s[i+1:])
	}
	return s
}

// shortenPaths replaces each absolute path longer than 24 characters with
// "…/" and its last element.
func shortenPaths(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		core := strings.Trim(w, `"'(),;`)
		if !strings.HasPrefix(core, "/") || runeLen(core) <= 24 {
			continue
		}
		base := core[strings.LastIndex(strings.TrimSuffix(core, "/"), "/")+1:]
		words[i] = strings.Replace(w, core, "…/"+base, 1)
	}
	return strings.Join(words, " ")
}

// dropAsides removes parenthesised parts.
func dropAsides(s string) string {
	for {
		open := strings.Index(s, " (")
		if open < 0 {
			return s
		}
		end := strings.Index(s[open:], ")")
		if end < 0 {
			return s
		}
		s = s[:open] + s[open+end+1:]
	}
}
