// Package systemd builds and reads the systemd user unit that starts a Lima
// instance on Linux, at the path and with the name limactl uses
// (lima-vm@NAME.service), and knows the systemctl and loginctl steps around
// it. It runs no command itself.
package systemd

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// UnitName is limactl's unit name for an instance.
func UnitName(name string) string { return "lima-vm@" + name + ".service" }

// UnitPath is the unit file in the user unit folder.
func UnitPath(unitDir, name string) string { return filepath.Join(unitDir, UnitName(name)) }

// Params are the facts a unit is built from.
type Params struct {
	Limactl  string // absolute, unresolved path of limactl
	LimaHome string // set only when not the default ~/.lima
	PATH     string // the PATH the job gets
}

// TimeoutStopSec is how long systemd waits after SIGTERM before SIGKILL.
// Lima's unit says TimeoutSec=10, but the job is Lima's host agent, which
// on SIGTERM powers the guest off and gives QEMU three minutes to do so
// (shutdownQEMU in Lima's pkg/driver/qemu/qemu_driver.go): a logout, a
// shutdown or `systemctl --user stop` would SIGKILL the VM mid-shutdown.
// 210 s leaves Lima its window and half a minute more.
const TimeoutStopSec = 210

// Unit returns the unit text. [Unit] and [Service] keep limactl's own lines
// (so limactl and LimaBar describe the same job) but for the stop: instead
// of TimeoutSec=10, TimeoutStopSec= gives the VM time to shut down, and
// KillMode=mixed sends SIGTERM to the host agent alone (the default sends it
// to every process of the unit, so QEMU would quit at once, before the
// host agent could shut the guest down); what is left after the timeout is
// SIGKILLed. Restart=on-failure restarts a crashed host agent and not one
// that exited cleanly, as Lima's --keep-alive does. It adds Environment=
// for PATH and, when custom, LIMA_HOME (lima issue 5488). A value a unit
// file cannot hold is refused with an error that names it.
func Unit(p Params) ([]byte, error) {
	// The program word of ExecStart= gets specifier expansion but no
	// variable expansion, so only '%' is doubled there.
	exe, err := quoteWord(p.Limactl)
	if err != nil {
		return nil, fmt.Errorf("the limactl path %w", err)
	}
	return unitSpec{
		Description:    "Lima - Linux virtual machines, with a focus on running containers.",
		Documentation:  "man:lima(1)",
		ExecStart:      exe + " start %i --foreground",
		TimeoutStopSec: TimeoutStopSec,
		Env: []envSetting{
			{"PATH", p.PATH, "the job's PATH"},
			{"LIMA_HOME", p.LimaHome, "the LIMA_HOME path"},
		},
	}.render()
}

// unitSpec is what differs between LimaBar's units (Unit, ColimaUnit); render
// writes the lines they share: WorkingDirectory=%h, Type=simple,
// KillMode=mixed, Restart=on-failure and WantedBy=default.target.
type unitSpec struct {
	Description   string
	Documentation string
	// ExecStart is the command line as written, its words already quoted.
	ExecStart      string
	TimeoutStopSec int
	// Service holds whole [Service] lines written after Restart=.
	Service []string
	// Env is written as Environment= lines, in order, leaving out those
	// without a value.
	Env []envSetting
}

// envSetting is one Environment= variable; what names it in errors.
type envSetting struct{ key, val, what string }

func (s unitSpec) render() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[Unit]\n")
	fmt.Fprintf(&b, "Description=%s\n", s.Description)
	fmt.Fprintf(&b, "Documentation=%s\n", s.Documentation)
	b.WriteString("\n[Service]\n")
	fmt.Fprintf(&b, "ExecStart=%s\n", s.ExecStart)
	b.WriteString("WorkingDirectory=%h\n")
	b.WriteString("Type=simple\n")
	fmt.Fprintf(&b, "TimeoutStopSec=%d\n", s.TimeoutStopSec)
	b.WriteString("KillMode=mixed\n")
	b.WriteString("Restart=on-failure\n")
	for _, l := range s.Service {
		b.WriteString(l + "\n")
	}
	for _, v := range s.Env {
		if v.val == "" {
			continue
		}
		w, err := quoteWord(v.key + "=" + v.val)
		if err != nil {
			return nil, fmt.Errorf("%s %w", v.what, err)
		}
		fmt.Fprintf(&b, "Environment=%s\n", w)
	}
	b.WriteString("\n[Install]\n")
	b.WriteString("WantedBy=default.target\n")
	return b.Bytes(), nil
}

// quoteWord writes s as one systemd word: double-quoted, with backslash and
// quote escaped and '%' doubled (specifiers). '$' is left alone: LimaBar
// writes it only where systemd does not expand variables (the program word
// of ExecStart= and Environment=). Its errors read after the name of the
// value ("the limactl path contains …").
//
// A control character cannot be written: a line feed would end the setting
// and start another. Nor can what systemd takes for unclean UTF-8 (bytes
// that are not UTF-8, U+FDD0 to U+FDEF, U+FFFE and U+FFFF of each plane):
// systemd ignores the whole setting, so the unit would have no ExecStart=,
// and ranging over invalid bytes would quietly write U+FFFD, another path.
func quoteWord(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("is empty")
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return "", fmt.Errorf("contains a character a unit file cannot hold (byte 0x%02X, not UTF-8)", s[i])
		case unicode.IsControl(r) || !systemdClean(r):
			return "", fmt.Errorf("contains a character a unit file cannot hold (U+%04X)", r)
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '%':
			b.WriteString("%%")
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteByte('"')
	return b.String(), nil
}

// systemdClean is systemd's unichar_is_valid for a character Go decoded
// from UTF-8 (so never a surrogate): the noncharacters are refused.
func systemdClean(r rune) bool {
	return !(r >= 0xfdd0 && r <= 0xfdef) && r&0xfffe != 0xfffe
}

// File is a parsed unit file: for each section, each key's values in order.
type File map[string]map[string][]string

// Get returns the last value of a key ("" when absent), as systemd does for
// single-valued settings.
func (f File) Get(section, key string) string {
	v := f[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// Parse reads a unit file. It handles comments, blank lines and line
// continuations; a line outside a section or without '=' is an error.
func Parse(data []byte) (File, error) {
	f := File{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	var cont strings.Builder
	for sc.Scan() {
		n++
		line := sc.Text()
		if cont.Len() > 0 {
			trimmed := strings.TrimSpace(line)
			if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
				continue
			}
			line = cont.String() + " " + trimmed
			cont.Reset()
		} else {
			line = strings.TrimSpace(line)
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont.WriteString(strings.TrimSuffix(line, "\\"))
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			section = line[1 : len(line)-1]
			if f[section] == nil {
				f[section] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			return nil, fmt.Errorf("line %d: not a setting: %q", n, line)
		}
		k = strings.TrimSpace(k)
		f[section][k] = append(f[section][k], strings.TrimSpace(v))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if f["Service"] == nil {
		return nil, fmt.Errorf("no [Service] section")
	}
	return f, nil
}

// Words splits a systemd command line or Environment= value into words,
// undoing the quoting that quoteWord applies. Specifiers other than "%%"
// and variables are kept as written.
func Words(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote, inWord = r, true
		case r == '\\' && i+1 < len(rs):
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case r == '%' && i+1 < len(rs) && rs[i+1] == '%':
			i++
			cur.WriteRune('%')
			inWord = true
		case quote == 0 && unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// defaultStopTimeout is systemd's DefaultTimeoutStopSec=
// (systemd-system.conf(5)).
const defaultStopTimeout = 90 * time.Second

// ParseTimespan reads a systemd time span (systemd.time(7)): "10" (seconds),
// "3min 30s", "1h", "infinity". A span of 0 or "infinity" means no timeout
// and comes back as math.MaxInt64. ok is false when s is not a time span.
func ParseTimespan(s string) (d time.Duration, ok bool) {
	s = strings.TrimSpace(s)
	if s == "infinity" {
		return math.MaxInt64, true
	}
	units := []struct {
		name string
		d    time.Duration
	}{
		{"usec", time.Microsecond}, {"us", time.Microsecond}, {"msec", time.Millisecond}, {"ms", time.Millisecond},
		{"seconds", time.Second}, {"second", time.Second}, {"sec", time.Second}, {"s", time.Second},
		{"minutes", time.Minute}, {"minute", time.Minute}, {"min", time.Minute}, {"m", time.Minute},
		{"hours", time.Hour}, {"hour", time.Hour}, {"hr", time.Hour}, {"h", time.Hour},
		{"days", 24 * time.Hour}, {"day", 24 * time.Hour}, {"d", 24 * time.Hour},
	}
	rest := s
	if rest == "" {
		return 0, false
	}
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, false
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, false
		}
		rest = strings.TrimLeft(rest[i:], " ")
		unit := time.Second
		if rest != "" && !(rest[0] >= '0' && rest[0] <= '9') {
			found := false
			for _, u := range units {
				if strings.HasPrefix(rest, u.name) && (len(rest) == len(u.name) || rest[len(u.name)] == ' ' || rest[len(u.name)] >= '0' && rest[len(u.name)] <= '9') {
					unit, rest, found = u.d, strings.TrimLeft(rest[len(u.name):], " "), true
					break
				}
			}
			if !found {
				return 0, false
			}
		}
		d += time.Duration(n * float64(unit))
	}
	if d == 0 {
		return math.MaxInt64, true
	}
	return d, true
}

// Info is what LimaBar needs to know from a unit.
type Info struct {
	ExecStart   []string          // argv, prefixes such as '-' or '@' removed
	Environment map[string]string // from all Environment= lines
	WantedBy    []string
	// StopTimeout is how long systemd waits after SIGTERM: TimeoutStopSec=,
	// else TimeoutSec=, else systemd's default of 90 s; 0 with
	// StopTimeoutOK false when the value cannot be read, and
	// math.MaxInt64 for "infinity" or 0 (no timeout).
	StopTimeout   time.Duration
	StopTimeoutOK bool
	Restart       string // Restart=, "no" when absent
}

// Inspect extracts Info from a parsed unit.
func Inspect(f File) (Info, error) {
	var info Info
	exec := f.Get("Service", "ExecStart")
	if exec == "" {
		return info, fmt.Errorf("no ExecStart")
	}
	exec = strings.TrimLeft(exec, "-@:+!")
	argv, err := Words(exec)
	if err != nil {
		return info, fmt.Errorf("ExecStart: %w", err)
	}
	info.ExecStart = argv
	info.Environment = map[string]string{}
	for _, line := range f["Service"]["Environment"] {
		words, err := Words(line)
		if err != nil {
			return info, fmt.Errorf("Environment: %w", err)
		}
		for _, w := range words {
			if k, v, ok := strings.Cut(w, "="); ok {
				info.Environment[k] = v
			}
		}
	}
	info.StopTimeout, info.StopTimeoutOK = defaultStopTimeout, true
	for _, key := range []string{"TimeoutStopSec", "TimeoutSec"} {
		if v := f.Get("Service", key); v != "" {
			info.StopTimeout, info.StopTimeoutOK = ParseTimespan(v)
			break
		}
	}
	info.Restart = f.Get("Service", "Restart")
	if info.Restart == "" {
		info.Restart = "no"
	}
	for _, line := range f["Install"]["WantedBy"] {
		info.WantedBy = append(info.WantedBy, strings.Fields(line)...)
	}
	return info, nil
}
