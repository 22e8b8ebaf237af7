package selfstart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// DesktopEntry is the XDG autostart entry that opens the limabar at exe.
// The tarball's install.sh writes the same bytes for `--autostart`.
func DesktopEntry(exe string) ([]byte, error) {
	cmd, err := QuoteExec(exe)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=LimaBar\n")
	b.WriteString("Comment=Start Lima virtual machines at login or at boot\n")
	b.WriteString("Exec=" + cmd + "\n")
	b.WriteString("Icon=" + IconName + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.Bytes(), nil
}

// execReserved are the characters that make the desktop entry spec require
// an Exec argument to be quoted.
const execReserved = " \t\n\"'\\><~|&;$*?#()`"

// QuoteExec turns one argument into its form in an Exec= value, following
// the desktop entry spec: an argument with a reserved character is put in
// double quotes with ", `, $ and \ escaped by a backslash; % is doubled, as
// it starts a field code; then, because Exec is a string value, every
// backslash is escaped once more. So a literal backslash becomes four.
// Control characters cannot be written and are refused.
func QuoteExec(arg string) (string, error) {
	for _, r := range arg {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("the path %q has a control character, which an autostart entry cannot hold", arg)
		}
	}
	if arg == "" {
		return "", errors.New("empty program path")
	}
	a := strings.ReplaceAll(arg, "%", "%%")
	if strings.ContainsAny(arg, execReserved) {
		var q strings.Builder
		q.WriteByte('"')
		for _, r := range a {
			if strings.ContainsRune("\"`$\\", r) {
				q.WriteByte('\\')
			}
			q.WriteRune(r)
		}
		q.WriteByte('"')
		a = q.String()
	}
	return strings.ReplaceAll(a, `\`, `\\`), nil
}

// execProgram reads the program, the first argument, of an Exec= value:
// the reverse of QuoteExec, and tolerant of entries written by hand.
func execProgram(value string) (string, error) {
	s := unescapeString(value)
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return "", errors.New("empty Exec")
	}
	var out strings.Builder
	if s[0] == '"' {
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			out.WriteByte(s[i])
		}
		if i >= len(s) {
			return "", fmt.Errorf("unterminated quote in Exec=%s", value)
		}
	} else {
		prog, _, _ := strings.Cut(s, " ")
		out.WriteString(prog)
	}
	return strings.ReplaceAll(out.String(), "%%", "%"), nil
}

// unescapeString undoes the escapes of a desktop entry string value.
func unescapeString(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// parseDesktopEntry returns the keys of the [Desktop Entry] group; localised
// keys (Name[de]) are kept under their full names.
func parseDesktopEntry(data []byte) map[string]string {
	keys := map[string]string{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "["):
			in = line == "[Desktop Entry]"
			continue
		}
		if !in {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return keys
}
