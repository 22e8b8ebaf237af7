package quote

import (
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// tricky are texts that break naive quoting in the shell or in AppleScript.
var tricky = []string{
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
	"\r",
	"\t",
	"a\x0bb\x0cc",
	`'`,
	`'\''`,
	`''`,
	`$(id)`,
	"`id`",
	`${HOME}`,
	"-n",
	"a;b && c || d | e > f < g &",
	`" with administrator privileges & do shell script "id`,
	`" & (do shell script "id") & "`,
	"ünïcødé ✓ 🚀 ¬ «»",
	"\u2028\u2029\u00a0\u0085",
	"\xff\xfe not UTF-8",
	strings.Repeat(`\"'`+"\n", 1000),
}

// random adds texts drawn from the characters that matter to both
// languages.
func random(n int) []string {
	const alphabet = "\\\"'\n\r\t$`;&() aé🚀\u2028"
	runes := []rune(alphabet)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range rng.IntN(20) {
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		out[i] = b.String()
	}
	return out
}

func TestShell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `''`},
		{"abc", `'abc'`},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{`a"b\c $x`, `'a"b\c $x'`},
		{"a\nb", "'a\nb'"},
	} {
		if got := Shell(tc.in); got != tc.want {
			t.Errorf("Shell(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestShellJoin(t *testing.T) {
	got := ShellJoin([]string{"/opt/homebrew/bin/limactl", "shell", "it's", "$(id)"})
	want := `'/opt/homebrew/bin/limactl' 'shell' 'it'\''s' '$(id)'`
	if got != want {
		t.Errorf("ShellJoin = %s, want %s", got, want)
	}
	if got := ShellJoin(nil); got != "" {
		t.Errorf("ShellJoin(nil) = %q, want empty", got)
	}
}

// TestShellRoundTrip has /bin/sh print each quoted text back: the shell
// reads the word as exactly the text, whatever it holds.
func TestShellRoundTrip(t *testing.T) {
	texts := append(append([]string{}, tricky...), random(200)...)
	// One shell for all texts, each printed with a NUL after it.
	var script strings.Builder
	for _, s := range texts {
		script.WriteString(`printf '%s\0' ` + Shell(s) + "\n")
	}
	cmd := exec.Command("/bin/sh", "-c", script.String())
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=/nonexistent"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	got := strings.Split(string(out), "\x00")
	if len(got) != len(texts)+1 {
		t.Fatalf("sh printed %d texts, want %d", len(got)-1, len(texts))
	}
	for i, s := range texts {
		if got[i] != s {
			t.Errorf("the shell read %q back as %q", s, got[i])
		}
	}

	// Joined, the words stay apart: sh sees one argument per element.
	argv := []string{"a b", "", "it's", "$HOME", "x\ny"}
	cmd = exec.Command("/bin/sh", "-c", `f() { for a in "$@"; do printf '[%s]' "$a"; done; }; f `+ShellJoin(argv))
	out, err = cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "[a b][][it's][$HOME][x\ny]"; string(out) != want {
		t.Errorf("ShellJoin read back as %q, want %q", out, want)
	}
}

func TestAppleScript(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\dir`, `"C:\\dir"`},
		{"a\nb\rc\td", `"a\nb\rc\td"`},
		{"a\r\nb", `"a\r\nb"`},
		{`\"`, `"\\\""`},
		{"'$(id)'", `"'$(id)'"`},
	} {
		if got := AppleScript(tc.in); got != tc.want {
			t.Errorf("AppleScript(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestAppleScriptRoundTrip(t *testing.T) {
	for _, s := range append(append([]string{}, tricky...), random(500)...) {
		lit := AppleScript(s)
		if strings.ContainsAny(lit, "\n\r") {
			t.Errorf("AppleScript(%q) = %s holds a raw line break", s, lit)
		}
		got, rest, err := UnquoteAppleScript(lit)
		if err != nil || rest != "" || got != s {
			t.Errorf("AppleScript(%q) = %s decodes to %q, rest %q, err %v", s, lit, got, rest, err)
		}
	}
}

// TestShellInsideAppleScript is how both are used together: a command line
// quoted for the shell, then written as an AppleScript literal, gives the
// shell back exactly the quoted line.
func TestShellInsideAppleScript(t *testing.T) {
	for _, s := range append(append([]string{}, tricky...), random(200)...) {
		line := ShellJoin([]string{"printf", "%s", s})
		got, rest, err := UnquoteAppleScript(AppleScript(line))
		if err != nil || rest != "" || got != line {
			t.Errorf("%q: decoded %q, rest %q, err %v", s, got, rest, err)
		}
	}
}

func FuzzAppleScript(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, rest, err := UnquoteAppleScript(AppleScript(s))
		if err != nil || rest != "" || got != s {
			t.Errorf("AppleScript(%q) decodes to %q, rest %q, err %v", s, got, rest, err)
		}
	})
}

func TestWords(t *testing.T) {
	got := Words([]string{"systemctl", "--user", "enable", "lima-vm@default.service", "", "a b", "it's", "$x", "~"})
	want := `systemctl --user enable lima-vm@default.service '' 'a b' 'it'\''s' '$x' '~'`
	if got != want {
		t.Errorf("Words = %s, want %s", got, want)
	}
	cmd := exec.Command("/bin/sh", "-c", `f() { for a in "$@"; do printf '[%s]' "$a"; done; }; f `+Words([]string{"a", "", "b c", "*", "x\ny"}))
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "[a][][b c][*][x\ny]"; string(out) != want {
		t.Errorf("Words read back as %q, want %q", out, want)
	}
}
