package health

import (
	"encoding/json"
	"strconv"
	"strings"
)

// maxReason bounds a reason: one line of the menu, the rest in the log.
const maxReason = 300

// Reason returns the last meaningful line of a job's log, in the job's own
// words: Lima's and Colima's logrus lines (`time=… level=fatal msg="…"`,
// or the host agent's JSON `{"level":"fatal","msg":"…"}`) are reduced to
// their message. A Colima job's log holds colima's fatal line after the
// lines of the limactl it ran (testdata/SOURCES.md): colima's, the last,
// is the reason. Error and fatal lines win over later info lines, which Lima
// prints while it gives up ("exiting"); blank lines and lines of lesser
// levels count only when nothing better is there.
func Reason(log string) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	fallback := ""
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			continue
		}
		level, msg, ok := parseLogrus(line)
		if !ok {
			level, msg = "", line
		}
		msg = clip(msg)
		if msg == "" {
			continue
		}
		switch level {
		case "fatal", "panic", "error":
			return msg
		case "", "warning", "warn":
			if fallback == "" {
				fallback = msg
			}
		}
	}
	return fallback
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReason {
		return string(r[:maxReason-1]) + "…"
	}
	return s
}

// parseLogrus reads a logrus text line (key=value pairs, values quoted when
// they hold spaces) or a logrus JSON line, and returns its level and msg.
func parseLogrus(line string) (level, msg string, ok bool) {
	if strings.HasPrefix(line, "{") {
		var j struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(line), &j) != nil || j.Level == "" {
			return "", "", false
		}
		msg = j.Msg
		if j.Error != "" {
			msg += ": " + j.Error
		}
		return j.Level, msg, true
	}
	fields := map[string]string{}
	rest := line
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		key, after, found := strings.Cut(rest, "=")
		if !found || key == "" || strings.ContainsAny(key, " \"") {
			return "", "", false
		}
		var val string
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				return "", "", false
			}
			val, _ = strconv.Unquote(q)
			rest = after[len(q):]
		} else {
			val, rest, _ = strings.Cut(after, " ")
		}
		fields[key] = val
	}
	level, ok = fields["level"]
	if !ok {
		return "", "", false
	}
	msg = fields["msg"]
	if e := fields["error"]; e != "" {
		msg += ": " + e
	}
	return level, msg, true
}
