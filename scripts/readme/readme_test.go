// Package readme checks README.md and docs/*.md as a new user meets
// them: a README read in five minutes (under 200 lines, none over 120
// characters), links that lead to files that exist, and every command in
// the README, in a shell block or inline in the text, either run by a
// named test, or (limabar's own) run through the command line's parser
// and checked against `limabar help`, or marked as an example.
package readme

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/limabar/limabar/app/cli"
	"github.com/limabar/limabar/autostart"
)

// MaxLines and MaxWidth bound the README: it is read in five minutes,
// and a line is read without scrolling sideways.
const (
	MaxLines = 200
	MaxWidth = 120
)

// runner is what runs a command of the README: a test function, named
// Test…, whose body holds needle; or a file of the repository (a script
// CI runs) that holds needle.
type runner struct {
	by, needle string
}

// runs lists every command of the README's shell blocks not marked as an
// example, with what runs it. A command added to the README needs a line
// here, or an example mark.
var runs = map[string]runner{
	"make run":  {"TestMakeRunInstallsTheBuildPackages", "w.makeRun()"},
	"make test": {".ci/run", "make test"},
	"limabar list --json": {"TestLinuxLoginAgainstSystemd",
		`"list", "--json"`},
	"limabar enable --condition=login default": {"TestLinuxLoginAgainstSystemd",
		`"enable", "--condition=login", "default"`},
	"limabar disable --condition=login default": {"TestLinuxLoginAgainstSystemd",
		`"disable", "--condition=login", "default"`},
	"limabar doctor --fix":             {"TestDoctorRemovesUnitOfDeletedInstance", `"doctor", "--fix"`},
	"limabar disable --all":            {"TestDisableAllAgainstSystemd", `"disable", "--all"`},
	"./install.sh --uninstall --purge": {"TestUninstallLeavesNothing", `"--uninstall", "--purge"`},
	"./install.sh --autostart":         {"TestInstallScript", `runInstall(t, script, home, "--autostart")`},
	"scripts/deps.sh --build":          {"Makefile", "./scripts/deps.sh --build"},
	"make run ARGS=version":            {"scripts/makerun/makerun_test.go", `w.make("run", "ARGS=version"`},
	"make bundle":                      {"TestMakeBundleLinux", "makeBundle(t"},
	"sudo apt-get remove --purge limabar": {"TestDebInstallAndPurge",
		`apt("remove", "--purge", "limabar")`},
}

// root is the repository, two folders up from this package.
const root = "../.."

func TestReadme(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	used, problems := checkReadme(string(readme), root, runs)
	for _, p := range problems {
		t.Error(p)
	}
	for cmd := range runs {
		if !used[cmd] {
			t.Errorf("runs lists %q, which the README no longer has", cmd)
		}
	}
}

// TestUsageFlags checks the README's usage block against the command
// line's source: every command and flag it names is one that app/cli
// parses, so that a renamed flag cannot leave the README behind.
func TestUsageFlags(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "app", "cli", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(data)
	}
	var usage []line
	for _, b := range blocks(string(readme)) {
		if b.info == "text" && len(b.lines) > 0 && strings.HasPrefix(strings.TrimSpace(b.lines[0].text), "limabar") {
			usage = b.lines
			break
		}
	}
	if len(usage) == 0 {
		t.Fatal("the README has no usage block (a text block of limabar lines)")
	}
	flagName := regexp.MustCompile(`--([a-z][a-z-]*)`)
	// Two spaces or more part a synopsis from what it does.
	gap := regexp.MustCompile(`\s{2,}`)
	for _, l := range usage {
		synopsis := gap.Split(strings.TrimSpace(l.text), 2)[0]
		f := strings.Fields(synopsis)
		if len(f) > 1 && !strings.HasPrefix(f[1], "-") && !strings.HasPrefix(f[1], "[") {
			if !strings.Contains(src.String(), `case "`+f[1]+`"`) && !strings.Contains(src.String(), `"`+f[1]+`", `) {
				t.Errorf("README.md:%d: the command %q is not one app/cli runs", l.n, f[1])
			}
		}
		for _, m := range flagName.FindAllStringSubmatch(synopsis, -1) {
			if !strings.Contains(src.String(), `"`+m[1]+`"`) {
				t.Errorf("README.md:%d: the flag --%s is not one app/cli parses", l.n, m[1])
			}
		}
	}
}

// TestDocs checks the files under docs/: their links lead to files that
// exist, and no line of prose is over MaxWidth. docs/PERFORMANCE.md is
// written by make bench and is left out; tables and fenced blocks (a
// command's verbatim output) may be wider.
func TestDocs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no docs/*.md")
	}
	for _, f := range files {
		if filepath.Base(f) == "PERFORMANCE.md" {
			continue
		}
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join("docs", filepath.Base(f))
		for _, p := range checkLinks(name, string(text), filepath.Dir(f)) {
			t.Error(p)
		}
		for _, b := range parseLines(string(text)) {
			if !b.fenced && !strings.HasPrefix(b.text, "|") && utf8.RuneCountInString(b.text) > MaxWidth {
				t.Errorf("%s:%d: %d characters, more than %d", name, b.n, utf8.RuneCountInString(b.text), MaxWidth)
			}
		}
	}
}

// TestCheckReadmeFinds feeds the checker READMEs that break each rule, so
// that a README that passes is known to have been looked at.
func TestCheckReadmeFinds(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, text := range map[string]string{
		"docs/THERE.md": "# There\n",
		"a_test.go":     "package a\n\nfunc TestRunsIt(t *testing.T) {\n\trun(\"it\", \"--now\")\n}\n\nfunc TestOther(t *testing.T) {}\n",
		"ci.sh":         "#!/bin/sh\nmake check\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	known := map[string]runner{
		"it --now":   {"TestRunsIt", `"it", "--now"`},
		"make check": {"ci.sh", "make check"},
		"it --later": {"TestOther", `"it", "--later"`},
		"it --gone":  {"TestGone", `"it"`},
		"it --file":  {"missing.sh", "it --file"},
	}
	tests := []struct {
		name, readme string
		want         []string // a part of each problem, in order
	}{
		{"fine", "# X\n\nSee [there](docs/THERE.md#top).\n\n```sh\nit --now\nmake check   # a comment\n```\n\n" +
			"<!-- example: needs a Mac -->\n```sh\nbrew install x\n```\n\n```sh example\nopen x\n```\n", nil},
		{"199 lines", strings.Repeat("line\n", MaxLines-1), nil},
		{"too long", strings.Repeat("line\n", MaxLines), []string{"200 lines"}},
		{"120 characters", strings.Repeat("é", MaxWidth) + "\n", nil},
		{"too wide", "# X\n\n" + strings.Repeat("é", MaxWidth+1) + "\n", []string{"README.md:3: 121 characters"}},
		{"missing link", "See [gone](docs/GONE.md) and [web](https://lima-vm.io).\n", []string{"docs/GONE.md, which does not exist"}},
		{"fence without info", "```\nit --now\n```\n", []string{"README.md:1: a fenced block without an info string"}},
		{"unknown command", "```sh\nrm -rf /\n```\n", []string{`README.md:2: "rm -rf /" is run by no test`}},
		{"example too far up", "<!-- example -->\n\ntext\n\n```sh\nrm -rf /\n```\n", []string{`"rm -rf /" is run by no test`}},
		{"test without the command", "```sh\nit --later\n```\n", []string{`TestOther, which does not hold "it", "--later"`}},
		{"no such test", "```sh\nit --gone\n```\n", []string{"TestGone, which no test file defines"}},
		{"no such file", "```sh\nit --file\n```\n", []string{"missing.sh, which cannot be read"}},
		{"an inline command", "Run `make check` and `sudo rm -rf /x`.\n", []string{`README.md:1 (inline): "sudo rm -rf /x" is run by no test`}},
		{"inline commands marked", "<!-- example: a Mac's -->\n- `sudo rm -rf /x`,\n- `brew install\n  x`.\n\nThen `brew install y`.\n",
			[]string{`README.md:6 (inline): "brew install y" is run by no test`}},
		{"a span over a line break", "Run `brew\ninstall x`.\n", []string{`README.md:1 (inline): "brew install x"`}},
		{"commands joined", "Run `cd x && it --now`.\n", []string{`"cd x" is run by no test`}},
		{"a flag limabar does not take", "Run `limabar list --colour`.\n", []string{`"limabar list --colour": limabar list --colour exits 2`}},
		{"limabar as root on a Mac", "`sudo limabar enable --condition=boot --user ci default`\n", nil},
		{"limabar refused", "<!-- example -->\n`limabar enable --condition=login --user ci default`\n",
			[]string{"run limabar as ci, not as alice"}},
		{"limabar's placeholders", "`limabar help CMD`, `limabar CMD --help`, `limabar enable --condition=boot NAME`\n", nil},
		{"names, not commands", "`xdg-open`, `make`, `LIMA_HOME`, `--dry-run`\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, got := checkReadme(tc.readme, dir, known)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems %q, want %d %q", len(got), got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("problem %d = %q, want it to hold %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// line is one line of a Markdown file.
type line struct {
	n    int
	text string
	// fenced is set for the lines inside a fenced block and its fences.
	fenced bool
}

func parseLines(text string) []line {
	var out []line
	fenced := false
	for i, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fence := strings.HasPrefix(strings.TrimSpace(l), "```")
		out = append(out, line{i + 1, l, fenced || fence})
		if fence {
			fenced = !fenced
		}
	}
	return out
}

// block is a fenced block: its info string, whether it is marked as an
// example, and its lines.
type block struct {
	start   int
	info    string
	example bool
	lines   []line
}

// exampleMark is the comment that marks the next fenced block as an
// example: shown, not run by a test (a Mac's command, a release's
// download).
var exampleMark = regexp.MustCompile(`^<!-- example\b.*-->$`)

// blocks returns the fenced blocks of text. A block is an example when
// the line right above it is an exampleMark, or its info string has the
// word example.
func blocks(text string) []block {
	var out []block
	var cur *block
	prev := ""
	for _, l := range parseLines(text) {
		trimmed := strings.TrimSpace(l.text)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			info := strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
			cur = &block{start: l.n, info: info,
				example: exampleMark.MatchString(prev) || slices.Contains(strings.Fields(info), "example")}
		case cur != nil && strings.HasPrefix(trimmed, "```"):
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
		prev = trimmed
	}
	return out
}

// isShell reports whether a block's info string says it holds commands.
func isShell(info string) bool {
	f := strings.Fields(info)
	return len(f) > 0 && slices.Contains([]string{"sh", "bash", "shell", "console"}, f[0])
}

// commands are the commands of a shell block, without a prompt or a
// trailing comment, each with its line in the file.
func commands(b block) []line {
	var out []line
	for _, l := range b.lines {
		c := strings.TrimSpace(l.text)
		c = strings.TrimPrefix(c, "$ ")
		if i := strings.Index(c, " #"); i >= 0 {
			c = strings.TrimSpace(c[:i])
		}
		if c == "" || strings.HasPrefix(c, "#") {
			continue
		}
		out = append(out, line{l.n, c, true})
	}
	return out
}

// checkReadme returns what breaks the rules in readme, a README in the
// repository at dir, and which commands of known it runs.
func checkReadme(readme, dir string, known map[string]runner) (map[string]bool, []string) {
	var problems []string
	lines := parseLines(readme)
	if len(lines) >= MaxLines {
		problems = append(problems, fmt.Sprintf("README.md has %d lines; keep it under %d", len(lines), MaxLines))
	}
	for _, l := range lines {
		if w := utf8.RuneCountInString(l.text); w > MaxWidth {
			problems = append(problems, fmt.Sprintf("README.md:%d: %d characters, more than %d", l.n, w, MaxWidth))
		}
	}
	problems = append(problems, checkLinks("README.md", readme, dir)...)

	used := map[string]bool{}
	var cmds []command
	for _, b := range blocks(readme) {
		if b.info == "" {
			problems = append(problems, fmt.Sprintf("README.md:%d: a fenced block without an info string: say sh, text or json", b.start))
			continue
		}
		if !isShell(b.info) {
			continue
		}
		for _, c := range commands(b) {
			cmds = append(cmds, command{c, b.example, false})
		}
	}
	cmds = append(cmds, inlineCommands(readme)...)
	for _, c := range cmds {
		where := "README.md:" + strconv.Itoa(c.n)
		if c.inline {
			where += " (inline)"
		}
		if isLimabar(c.text) {
			// limabar's own commands, examples too, are run through
			// its parser, and their flags are in its help.
			if p := checkLimabar(c.text); p != "" {
				problems = append(problems, fmt.Sprintf("%s: %q: %s", where, c.text, p))
			}
		}
		r, ok := known[c.text]
		switch {
		case ok:
			used[c.text] = true
			if p := r.check(dir); p != "" {
				problems = append(problems, fmt.Sprintf("%s: %q is run by %s", where, c.text, p))
			}
		case c.example || isLimabar(c.text):
		default:
			problems = append(problems, fmt.Sprintf("%s: %q is run by no test: list it with its test, or mark it <!-- example -->", where, c.text))
		}
	}
	return used, problems
}

// command is a command of the README, in a shell block or inline.
type command struct {
	line
	example, inline bool
}

// commandWords are the programs whose name begins an inline command:
// `make run`, `sudo apt-get remove limabar`. A span of one word is a name,
// not a command (`xdg-open`).
var commandWords = []string{"limabar", "limactl", "make", "sudo", "brew", "apt-get", "apt", "dnf", "rpm",
	"tar", "curl", "wget", "sha256sum", "xcode-select", "systemctl", "journalctl", "loginctl", "launchctl",
	"plutil", "osascript", "open", "xdg-open", "ssh", "go", "git", "cd", "rm", "mkdir", "cp", "mv", "chmod",
	"chown", "ln", "export", "env"}

// isCommand reports whether the text of a code span is a command.
func isCommand(span string) bool {
	f := strings.Fields(span)
	if len(f) == 0 {
		return false
	}
	if strings.HasPrefix(f[0], "./") || (strings.HasPrefix(f[0], "scripts/") && strings.HasSuffix(f[0], ".sh")) {
		return true
	}
	return len(f) > 1 && slices.Contains(commandWords, f[0])
}

// span matches an inline code span.
var span = regexp.MustCompile("`([^`]+)`")

// inlineCommands are the commands in the README's code spans outside
// fenced blocks, one per part of a span joined with "&&". A span may run
// on over a line break. An example mark, a line of its own, marks the
// commands of the lines after it up to the next blank line (a paragraph,
// or a whole list).
func inlineCommands(text string) []command {
	var out []command
	lines := parseLines(text)
	marked := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimSpace(l.text)
		switch {
		case l.fenced:
			marked = false
			continue
		case trimmed == "":
			marked = false
			continue
		case exampleMark.MatchString(trimmed):
			marked = true
			continue
		}
		// A paragraph: this line and the next ones up to a blank line
		// or a fence, joined, so that a span may cross a line break.
		start := i
		var para []string
		for ; i < len(lines) && strings.TrimSpace(lines[i].text) != "" && !lines[i].fenced; i++ {
			para = append(para, lines[i].text)
		}
		i--
		joined := strings.Join(para, "\n")
		for _, m := range span.FindAllStringSubmatchIndex(joined, -1) {
			n := lines[start].n + strings.Count(joined[:m[0]], "\n")
			text := strings.Join(strings.Fields(joined[m[2]:m[3]]), " ")
			for _, part := range strings.Split(text, " && ") {
				if isCommand(part) {
					out = append(out, command{line{n, part, false}, marked, true})
				}
			}
		}
		marked = false
	}
	return out
}

// isLimabar reports whether c runs limabar (as root with sudo).
func isLimabar(c string) bool {
	f := strings.Fields(strings.TrimPrefix(c, "sudo "))
	return len(f) > 0 && f[0] == "limabar"
}

// placeholders are the README's words for what a reader puts in.
var placeholders = map[string]string{"CMD": "list", "NAME": "default", "U": "alice"}

// errReached is the machine a command of the README reaches once its
// arguments passed: the check stops there and changes nothing.
var errReached = errors.New("reached the machine")

// checkLimabar runs a limabar command of the README through the command
// line's parser, in this process, as alice on Linux, or with sudo as root
// on a Mac (the README's sudo is a Mac's, over SSH): it must print its
// help or get as far as the machine, which it is not given. Each flag it
// names must be in the command's `limabar help`. It returns "" or what
// is wrong.
func checkLimabar(c string) string {
	root := strings.HasPrefix(c, "sudo ")
	args := strings.Fields(strings.TrimPrefix(c, "sudo "))[1:]
	for i, a := range args {
		if v, ok := placeholders[a]; ok {
			args[i] = v
		}
	}
	var out, errb strings.Builder
	reached := false
	cmd := &cli.CLI{Stdout: &out, Stderr: &errb, Version: "dev", Platform: autostart.Linux, User: "alice",
		Backend: func(string) (cli.Backend, error) { reached = true; return nil, errReached }}
	if root {
		cmd.Platform, cmd.IsRoot, cmd.User = autostart.Darwin, true, "root"
	}
	code := cmd.Run(context.Background(), args)
	if code != 0 && !reached {
		return fmt.Sprintf("limabar %s exits %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errb.String()))
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") || args[0] == "help" {
		return ""
	}
	var help strings.Builder
	if code := (&cli.CLI{Stdout: &help, Stderr: io.Discard}).Run(context.Background(), []string{"help", args[0]}); code != 0 {
		return fmt.Sprintf("limabar help %s exits %d", args[0], code)
	}
	for _, a := range args[1:] {
		name, _, _ := strings.Cut(a, "=")
		if strings.HasPrefix(name, "--") && name != "--help" && !strings.Contains(help.String(), name) {
			return fmt.Sprintf("limabar help %s does not name %s", args[0], name)
		}
	}
	return ""
}

// check says what is wrong with r in the repository at dir: "" when its
// test or file exists and holds its needle.
func (r runner) check(dir string) string {
	if !strings.HasPrefix(r.by, "Test") {
		data, err := os.ReadFile(filepath.Join(dir, r.by))
		if err != nil {
			return r.by + ", which cannot be read: " + err.Error()
		}
		if !strings.Contains(string(data), r.needle) {
			return fmt.Sprintf("%s, which does not hold %s", r.by, r.needle)
		}
		return ""
	}
	body, err := testBody(dir, r.by)
	if err != nil {
		return r.by + ", which cannot be read: " + err.Error()
	}
	if body == "" {
		return r.by + ", which no test file defines"
	}
	if !strings.Contains(body, r.needle) {
		return fmt.Sprintf("%s, which does not hold %s", r.by, r.needle)
	}
	return ""
}

// testBody is the text of the test function name in the *_test.go files
// under dir, from its func line to the next top-level func: "" when none
// defines it.
func testBody(dir, name string) (string, error) {
	head := "func " + name + "("
	var body string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") || body != "" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := string(data)
		i := strings.Index(text, "\n"+head)
		if i < 0 {
			return nil
		}
		rest := text[i+1:]
		if j := strings.Index(rest[1:], "\nfunc "); j >= 0 {
			rest = rest[:j+1]
		}
		body = rest
		return nil
	})
	return body, err
}

// link matches the target of a Markdown link or image.
var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// checkLinks returns the links of text, a file in folder dir, to files
// that do not exist. Links to the web are left to the reader.
func checkLinks(name, text, dir string) []string {
	var problems []string
	for _, l := range parseLines(text) {
		if l.fenced {
			continue
		}
		for _, m := range link.FindAllStringSubmatch(l.text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			if _, err := os.Stat(filepath.Join(dir, target)); err != nil {
				problems = append(problems, fmt.Sprintf("%s:%d: a link to %s, which does not exist", name, l.n, target))
			}
		}
	}
	return problems
}
