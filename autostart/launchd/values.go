package launchd

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
)

// Check refuses parameters that a plist cannot carry unchanged. XML 1.0 has
// no way to write a control character other than tab, line feed and
// carriage return, U+FFFE or U+FFFF, or bytes that are not UTF-8, and
// howett.net/plist writes each of them as U+FFFD instead of failing: the
// job would then start limactl from, or point LIMA_HOME, the working
// directory or the logs at, a path other than the one it was built from.
// The error names the value, so that the user knows which folder to
// rename.
func (p Params) Check() error {
	return checkValues([]value{
		{"the instance name", p.Name},
		{"the limactl path", p.Limactl},
		{"the home folder", p.Home},
		{"the LIMA_HOME path", p.LimaHome},
		{"the instance folder", p.InstanceDir},
		{"the user name", p.User},
	})
}

// value is a string to be written into a plist, and what it is.
type value struct{ what, s string }

// checkValues refuses the first value a plist cannot carry unchanged,
// naming it.
func checkValues(vals []value) error {
	for _, v := range vals {
		if bad, ok := firstNonXML(v.s); ok {
			return fmt.Errorf("%s contains a character a plist cannot hold (%s)", v.what, bad)
		}
	}
	return nil
}

// checkJob is Check for every string of a built job, so that Encode never
// writes a plist that decodes to something else, whoever built the job.
func checkJob(j Job) error {
	vals := []value{
		{"Label", j.Label},
		{"WorkingDirectory", j.WorkingDirectory},
		{"StandardOutPath", j.StandardOutPath},
		{"StandardErrorPath", j.StandardErrorPath},
		{"ProcessType", j.ProcessType},
		{"UserName", j.UserName},
	}
	for i, a := range j.ProgramArguments {
		vals = append(vals, value{fmt.Sprintf("ProgramArguments[%d]", i), a})
	}
	for _, k := range slices.Sorted(maps.Keys(j.EnvironmentVariables)) {
		vals = append(vals, value{"an EnvironmentVariables key", k}, value{"EnvironmentVariables[" + k + "]", j.EnvironmentVariables[k]})
	}
	for i, b := range j.AssociatedBundleIdentifiers {
		vals = append(vals, value{fmt.Sprintf("AssociatedBundleIdentifiers[%d]", i), b})
	}
	return checkValues(vals)
}

// firstNonXML describes the first character of s that XML 1.0 cannot hold
// ("U+0001", or "byte 0xFF" for what is not UTF-8), and whether there is
// one. Go strings cannot hold a UTF-16 surrogate as a character: the bytes
// of one (ED A0 80 …) are not UTF-8 and are reported as bytes.
func firstNonXML(s string) (string, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return fmt.Sprintf("byte 0x%02X, not UTF-8", s[i]), true
		}
		if !isXMLChar(r) {
			return fmt.Sprintf("U+%04X", r), true
		}
		i += size
	}
	return "", false
}

// isXMLChar is the Char production of XML 1.0.
func isXMLChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r',
		r >= 0x20 && r <= 0xd7ff,
		r >= 0xe000 && r <= 0xfffd,
		r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}
