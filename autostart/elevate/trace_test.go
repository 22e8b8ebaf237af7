package elevate

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// traceTools are the external programs a script may run; the trace shows
// them with their words, which readTrace returns.
var traceTools = []string{"launchctl", "plutil", "chown", "chmod", "mv", "cp", "rm", "mktemp", "base64", "sleep"}

// traceBuiltins are the shell builtins and functions a successful install
// or removal runs. printf is left out: on the way to success it only feeds
// the plist to base64, which readTrace checks word for word; everywhere
// else it reports a failure.
var traceBuiltins = []string{"umask", "set", "trap", "[", ":", "cleanup"}

// traceVars are the variables the scripts assign.
var traceVars = []string{"tmp", "old", "lint", "tries", "out", "waited"}

var assignment = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=`)

// readTrace takes apart a dash -x trace (see sandbox.tracing) of a script
// that succeeded and returns the external commands it ran, in order, each
// as its words joined by spaces. It fails on anything else in the trace: a
// command that is neither one of traceTools nor one of traceBuiltins (an
// injected command substitution shows here even when the command is not
// found), an assignment to a variable the scripts do not have, or a line
// that is not a trace record (output on stderr).
//
// pipe, when not nil, is the argv of the two sides of the one pipeline, the
// printf that writes the plist's base64 and the base64 that decodes it. Its
// two traces are written at the same time by two processes, word by word, so
// they may be interleaved: the trace must hold exactly one interleaving of
// the two at a record boundary, and the base64 side counts as an external
// command there.
func readTrace(trace, ps4 string, pipe [][]string) ([]string, error) {
	var cmds []string
	rest := trace
	for rest != "" {
		if !strings.HasPrefix(rest, ps4) {
			line, _, _ := strings.Cut(rest, "\n")
			return nil, fmt.Errorf("stderr holds %q, which is no trace record", line)
		}
		if pipe != nil {
			if n, ok := interleaving(rest, words(ps4, pipe[0]), words(ps4, pipe[1])); ok {
				cmds = append(cmds, strings.Join(pipe[1], " "))
				rest, pipe = rest[n:], nil
				continue
			}
		}
		line, after, ok := strings.Cut(rest[len(ps4):], "\n")
		if !ok {
			return nil, fmt.Errorf("the trace ends inside the record %q", line)
		}
		rest = after
		if m := assignment.FindStringSubmatch(line); m != nil {
			if !slices.Contains(traceVars, m[1]) {
				return nil, fmt.Errorf("the script assigned %q", line)
			}
			continue
		}
		name, _, _ := strings.Cut(line, " ")
		switch {
		case slices.Contains(traceTools, name):
			cmds = append(cmds, line)
		case slices.Contains(traceBuiltins, name):
		default:
			return nil, fmt.Errorf("the script ran %q, which it never should", line)
		}
	}
	if pipe != nil {
		return nil, fmt.Errorf("the trace lacks the pipeline %q | %q", pipe[0], pipe[1])
	}
	return cmds, nil
}

// words are the pieces dash writes one by one to trace argv: PS4, the name,
// each further word after a space, and the newline.
func words(ps4 string, argv []string) []string {
	out := []string{ps4, argv[0]}
	for _, a := range argv[1:] {
		out = append(out, " "+a)
	}
	return append(out, "\n")
}

// interleaving reports whether s starts with the pieces of a and b merged in
// some order that keeps the order within each, and how long that start is.
func interleaving(s string, a, b []string) (int, bool) {
	if len(a) == 0 && len(b) == 0 {
		return 0, true
	}
	if len(a) > 0 && strings.HasPrefix(s, a[0]) {
		if m, ok := interleaving(s[len(a[0]):], a[1:], b); ok {
			return len(a[0]) + m, true
		}
	}
	if len(b) > 0 && strings.HasPrefix(s, b[0]) {
		if m, ok := interleaving(s[len(b[0]):], a, b[1:]); ok {
			return len(b[0]) + m, true
		}
	}
	return 0, false
}

// pipeline is the argv of the two sides of the install script's pipeline
// for plist: printf with the base64 in lines of 76, then base64 --decode.
func pipeline(plist []byte) [][]string {
	enc := base64.StdEncoding.EncodeToString(plist)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	return [][]string{{"printf", `%s\n`, strings.Join(lines, "\n")}, {"base64", "--decode"}}
}

// joined is each call's words joined by spaces, as a trace shows them.
func joined(calls [][]string) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = strings.Join(c, " ")
	}
	return out
}

// TestTraceInstall runs the install and removal scripts traced, over no
// daemon and over one installed before, and checks that the trace shows
// exactly the commands the fakes recorded.
func TestTraceInstall(t *testing.T) {
	sb := newSandbox(t).tracing(t)
	for _, old := range []bool{false, true} {
		t.Run(fmt.Sprintf("old daemon %v", old), func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, goldenLabel+".plist")
			if old {
				must(t, os.WriteFile(path, []byte(oldDaemon), 0o644))
			}
			script, err := InstallScript(PathTools, goldenLabel, path, []byte(goldenPlist))
			must(t, err)
			r := sb.run(t, root, script)
			if r.code != 0 || r.stdout != "" {
				t.Fatalf("install: exit %d, stdout %q, trace:\n%s", r.code, r.stdout, r.stderr)
			}
			cmds, err := readTrace(r.stderr, sb.ps4, pipeline([]byte(goldenPlist)))
			if err != nil {
				t.Fatalf("%v; trace:\n%s", err, r.stderr)
			}
			if want := joined(r.calls); !slices.Equal(cmds, want) || len(want) < 9 {
				t.Fatalf("got traced commands\n%q\nwant those the fakes recorded\n%q", cmds, want)
			}

			script, err = RemoveScript(PathTools, goldenLabel, path)
			must(t, err)
			r = sb.run(t, root, script)
			cmds, err = readTrace(r.stderr, sb.ps4, nil)
			if r.code != 0 || err != nil {
				t.Fatalf("remove: exit %d, %v; trace:\n%s", r.code, err, r.stderr)
			}
			if want := joined(removeCalls(goldenLabel, path)); !slices.Equal(cmds, want) {
				t.Fatalf("got traced commands\n%q\nwant\n%q", cmds, want)
			}
		})
	}
}

// TestTraceCatchesStrayCommands spoils the install script in the ways a
// quoting bug would, and checks that the trace check notices each: it is the
// check that would catch the fuzz target's inputs turning into commands.
func TestTraceCatchesStrayCommands(t *testing.T) {
	sb := newSandbox(t).tracing(t)
	for _, tc := range []struct {
		name, after, insert string
		want                string // what readTrace must say, or "" when only the commands differ
	}{
		{name: "command substitution of a missing program", after: "set -eu\n",
			insert: "x=$(id 2>/dev/null || :)\n", want: `ran "id"`},
		{name: "builtin", after: "set -eu\n", insert: "echo pwned >/dev/null\n", want: `ran "echo pwned"`},
		{name: "assignment", after: "set -eu\n", insert: "PATH=$PATH\n", want: `assigned "PATH=`},
		{name: "output on stderr", after: "set -eu\n", insert: "'chmod' '0644' /nonexistent/file || :\n", want: "no trace record"},
		// On a file of the test's own: the scripts run as root in CI, and a
		// chmod of a shared file such as /dev/null would break the machine.
		{name: "extra external command", after: "set -eu\n", insert: "'chmod' '0644' 'ROOT/spare'\n"},
		{name: "pipeline with another payload", after: "set -eu\n", insert: "'printf' '%s\\n' 'AAAA' | 'base64' '--decode' >/dev/null\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			path := filepath.Join(root, goldenLabel+".plist")
			script, err := InstallScript(PathTools, goldenLabel, path, []byte(goldenPlist))
			must(t, err)
			if !strings.Contains(script, tc.after) {
				t.Fatalf("the script has no %q", tc.after)
			}
			must(t, os.WriteFile(filepath.Join(root, "spare"), nil, 0o600))
			script = strings.Replace(script, tc.after, tc.after+strings.ReplaceAll(tc.insert, "ROOT", root), 1)
			r := sb.run(t, root, script)
			if r.code != 0 {
				t.Fatalf("the spoilt script failed (exit %d), which proves nothing: %s", r.code, r.stderr)
			}
			cmds, err := readTrace(r.stderr, sb.ps4, pipeline([]byte(goldenPlist)))
			tmp, _ := tempNames(t, r.calls, goldenLabel, path)
			want := joined(installCalls(goldenLabel, path, tmp, "", 1))
			switch {
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error saying %q; trace:\n%s", err, tc.want, r.stderr)
			case tc.want == "" && err == nil && slices.Equal(cmds, want):
				t.Errorf("the trace check passed a script that ran %q; trace:\n%s", cmds, r.stderr)
			}
		})
	}
}

// TestReadTraceInterleavedPipeline hands readTrace a trace whose pipeline
// records were written word by word in turn, as two processes may: it must
// read it, and refuse the same trace with a different payload.
func TestReadTraceInterleavedPipeline(t *testing.T) {
	const ps4 = "+0123456789abcdef "
	pipe := [][]string{{"printf", `%s\n`, "QUJD\nREVG"}, {"base64", "--decode"}}
	mixed := ps4 + "umask 022\n" +
		ps4 + ps4 + "base64" + "printf" + " --decode" + ` %s\n` + "\n" + " QUJD\nREVG" + "\n" +
		ps4 + "plutil -lint /x\n"
	cmds, err := readTrace(mixed, ps4, pipe)
	if want := []string{"base64 --decode", "plutil -lint /x"}; err != nil || !slices.Equal(cmds, want) {
		t.Errorf("got %q, %v; want %q", cmds, err, want)
	}
	if _, err := readTrace(strings.Replace(mixed, "REVG", "REVH", 1), ps4, pipe); err == nil {
		t.Error("a trace with another payload passed")
	}
	if _, err := readTrace(ps4+"umask 022\n"+ps4+"plutil -lint /x\n", ps4, pipe); err == nil {
		t.Error("a trace without the pipeline passed")
	}
}
