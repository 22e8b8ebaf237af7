package elevate

import "github.com/limabar/limabar/autostart/quote"

// DoShellScript returns the AppleScript that runs script with /bin/sh as
// root after the standard administrator dialog showing prompt. Both texts
// are string literals, so nothing in them can become AppleScript code.
func DoShellScript(script, prompt string) string {
	return "do shell script " + quote.AppleScript(script) +
		" with prompt " + quote.AppleScript(prompt) +
		" with administrator privileges"
}
