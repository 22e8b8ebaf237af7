package elevate

import "strings"

// appleScriptEscaper escapes what AppleScript treats specially inside a
// string literal. Line breaks and tabs are written as escapes so that the
// literal stays on one line whatever editor or log shows it.
var appleScriptEscaper = strings.NewReplacer(
	`\`, `\\`,
	`"`, `\"`,
	"\n", `\n`,
	"\r", `\r`,
	"\t", `\t`,
)

// AppleScriptString returns s as an AppleScript string literal, quotes
// included, that evaluates to exactly s.
func AppleScriptString(s string) string {
	return `"` + appleScriptEscaper.Replace(s) + `"`
}

// DoShellScript returns the AppleScript that runs script with /bin/sh as
// root after the standard administrator dialog showing prompt. Both texts
// are string literals, so nothing in them can become AppleScript code.
func DoShellScript(script, prompt string) string {
	return "do shell script " + AppleScriptString(script) +
		" with prompt " + AppleScriptString(prompt) +
		" with administrator privileges"
}
