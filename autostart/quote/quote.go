// Package quote turns text into literals of the two languages LimaBar
// writes commands in: POSIX shell words and AppleScript string literals.
// There is one quoter for each, so that the privileged script, the
// administrator prompt and the commands typed into Terminal agree on what
// is safe. Neither accepts anything as code: whatever the text holds, the
// literal means exactly that text.
package quote

import (
	"errors"
	"fmt"
	"strings"
)

// Shell returns s as one literal word of a POSIX shell. Inside single
// quotes nothing is special except the quote itself, which is written by
// closing the quoted run, adding a backslash-escaped quote and opening a new
// run. Every word is quoted, even one that would be safe bare, so that what
// a script runs never depends on which characters a shell treats specially.
// A NUL byte cannot be in a shell word at all; the caller refuses it.
func Shell(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellJoin returns argv as one shell command line, each argument quoted
// by Shell.
func ShellJoin(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = Shell(a)
	}
	return strings.Join(words, " ")
}

// appleScriptEscaper escapes what AppleScript treats specially inside a
// string literal: the backslash and the double quote. Line breaks and tabs
// are written as escapes as well, so that the literal stays on one line: a
// raw line break inside a literal passed with `osascript -e` is read back
// as a carriage return, which is another text.
var appleScriptEscaper = strings.NewReplacer(
	`\`, `\\`,
	`"`, `\"`,
	"\n", `\n`,
	"\r", `\r`,
	"\t", `\t`,
)

// AppleScript returns s as an AppleScript string literal, quotes included,
// that evaluates to exactly s.
func AppleScript(s string) string {
	return `"` + appleScriptEscaper.Replace(s) + `"`
}

// Words returns argv as a command line for people to read, as a dry run
// shows it: words made only of characters no shell treats specially stay
// bare, every other word is quoted by Shell. A shell reads it as argv.
func Words(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = a
		if a == "" || strings.Trim(a, safeChars) != "" {
			words[i] = Shell(a)
		}
	}
	return strings.Join(words, " ")
}

// safeChars need no quoting in any POSIX shell.
const safeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-"

// UnquoteAppleScript reads the AppleScript string literal at the start of
// src the way AppleScript's compiler does, and returns its value and what
// follows it: the reverse of AppleScript, for the tests and the stand-in
// osascript that check what LimaBar sends. A raw line break inside the
// literal is an error, since osascript would read it back as another
// character.
func UnquoteAppleScript(src string) (value, rest string, err error) {
	if src == "" || src[0] != '"' {
		return "", "", errors.New("no string literal")
	}
	var b strings.Builder
	for i := 1; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			return b.String(), src[i+1:], nil
		case '\\':
			if i+1 == len(src) {
				return "", "", errors.New("backslash at the end")
			}
			i++
			switch e := src[i]; e {
			case '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				return "", "", fmt.Errorf("unknown escape \\%c", e)
			}
		case '\n', '\r':
			return "", "", errors.New("raw line break in a literal")
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated literal")
}
