package elevate

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/quote"
)

// trickyStrings are texts that break naive quoting in the shell or in
// AppleScript.
var trickyStrings = []string{
	"",
	"plain",
	`"`,
	`\`,
	`\"`,
	`\\"`,
	`"\"`,
	`end\`,
	`\n is not a newline`,
	"\n",
	"\r\n",
	"\t",
	"a\x0bb\x0cc",
	`'`,
	`'\''`,
	`$(id)`,
	"`id`",
	`${HOME}`,
	"a;b && c || d | e > f < g &",
	`" with administrator privileges & do shell script "id`,
	`" & (do shell script "id") & "`,
	"ünïcødé ✓ 🚀 ¬ «»",
	"\u2028\u2029\u00a0",
	"\xff\xfe not UTF-8",
	"nul\x00byte",
	strings.Repeat(`\"'`+"\n", 1000),
}

// decodeDoShellScript takes apart the one AppleScript statement LimaBar
// sends to osascript.
func decodeDoShellScript(src string) (script, prompt string, err error) {
	rest, ok := strings.CutPrefix(src, "do shell script ")
	if !ok {
		return "", "", errors.New("no do shell script")
	}
	if script, rest, err = quote.UnquoteAppleScript(rest); err != nil {
		return "", "", fmt.Errorf("script: %w", err)
	}
	if rest, ok = strings.CutPrefix(rest, " with prompt "); !ok {
		return "", "", errors.New("no prompt")
	}
	if prompt, rest, err = quote.UnquoteAppleScript(rest); err != nil {
		return "", "", fmt.Errorf("prompt: %w", err)
	}
	if rest != " with administrator privileges" {
		return "", "", fmt.Errorf("unexpected tail %q", rest)
	}
	return script, prompt, nil
}

func TestDoShellScript(t *testing.T) {
	got := DoShellScript("echo \"hi\" \\\n", "LimaBar wants to make default start at boot.")
	want := `do shell script "echo \"hi\" \\\n" with prompt "LimaBar wants to make default start at boot." with administrator privileges`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	install, err := InstallScript(DarwinTools, goldenLabel, goldenPath, []byte(goldenPlist))
	must(t, err)
	for _, script := range append([]string{install}, trickyStrings...) {
		for _, prompt := range []string{"Why?", `"quoted" \ prompt` + "\n"} {
			gotScript, gotPrompt, err := decodeDoShellScript(DoShellScript(script, prompt))
			if err != nil || gotScript != script || gotPrompt != prompt {
				t.Errorf("DoShellScript(%q, %q) decodes to %q, %q, %v", script, prompt, gotScript, gotPrompt, err)
			}
		}
	}

	// What the dialog would hand to /bin/sh prints the tricky text unchanged.
	for _, s := range trickyStrings {
		if strings.ContainsRune(s, 0) {
			continue
		}
		shell, _, err := decodeDoShellScript(DoShellScript("printf '%s' "+quote.Shell(s), "Why?"))
		must(t, err)
		out, err := confined(t, shell).Output()
		if err != nil || string(out) != s {
			t.Errorf("printed %q, want %q (%v)", out, s, err)
		}
	}
}
