package elevate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/quote"
)

// sandbox runs generated scripts for real under /bin/sh. PATH holds only
// its bin folder: fakes of the macOS tools (launchctl, plutil, chown) and
// wrappers around the real mktemp, base64, chmod, mv, cp, rm and sleep. Every one of
// them records its argv first, so the log is every external command the
// script ran, and a command outside the list fails with "not found".
type sandbox struct {
	bin string
	// shell runs the scripts, invoked as "sh" so that bash and zsh act as
	// the POSIX shell they are on a Mac.
	shell string
	// ps4, when set, runs the scripts with -x and PS4 set to it, so that
	// stderr holds the shell's trace of every command (see tracing).
	ps4 string
}

// record appends one record to $FAKE_LOG: the argument count, the tool's
// name and its arguments, each ended by a NUL, so that any byte but NUL in
// an argument survives.
const record = `printf '%s\0' "$#" @NAME@ "$@" >> "$FAKE_LOG"
`

// countCalls numbers the calls of one tool (for launchctl, of one subcommand) in
// $FAKE_LOG.KEY, with shell builtins only: PATH holds nothing else.
const countCalls = `n=1
if [ -f "$FAKE_LOG.@KEY@" ]; then read -r n < "$FAKE_LOG.@KEY@"; n=$((n + 1)); fi
echo "$n" > "$FAKE_LOG.@KEY@"
`

// failIfAsked makes a tool fail when FAKE_FAIL names it (for launchctl, the
// subcommand), every time, or only its Nth call when written KEY#N.
const failIfAsked = countCalls + `case " ${FAKE_FAIL:-} " in *" @KEY@ "* | *" @KEY@#$n "*) echo "@NAME@: simulated failure" >&2; exit 1 ;; esac
`

// fakeLaunchctl fails as launchctl does, bootout when the job is not loaded
// (unless FAKE_LOADED), print when it is not (after the first FAKE_EXITING
// prints, the old job still exiting, say it is), and keeps what bootstrap was given when
// FAKE_BOOTSTRAPPED names a file: each time the plist's bytes and a NUL.
var fakeLaunchctl = `if [ "$1" = bootstrap ] && [ -n "${FAKE_BOOTSTRAPPED:-}" ]; then { @CAT@ "$3"; printf '\0'; } >> "$FAKE_BOOTSTRAPPED"; fi
` + strings.ReplaceAll(countCalls, "@KEY@", "$1") + `case " ${FAKE_FAIL:-} " in *" $1 "* | *" $1#$n "*) echo "launchctl $1 failed: Input/output error" >&2; exit 5 ;; esac
if [ "$1" = bootout ] && [ -z "${FAKE_LOADED:-}" ]; then echo "Boot-out failed: 3: No such process" >&2; exit 3; fi
if [ "$1" = print ] && [ "$n" -gt "${FAKE_EXITING:-0}" ]; then echo "Could not find service \"${2#*/}\" in domain for system" >&2; exit 113; fi
exit 0
`

// fakePlutil answers like plutil -lint, on stdout, and keeps a copy of what
// it checked when FAKE_LINTED names a file.
const fakePlutil = `[ "$1" = -lint ] || exit 2
case " ${FAKE_FAIL:-} " in *" plutil "*) echo "$2: Encountered unknown tag"; exit 1 ;; esac
if [ -n "${FAKE_LINTED:-}" ]; then @CAT@ "$2" > "$FAKE_LINTED"; fi
echo "$2: OK"
`

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	s := &sandbox{bin: t.TempDir(), shell: "/bin/sh"}
	head := func(name, key string) string {
		r := strings.NewReplacer("@NAME@", name, "@KEY@", key)
		return "#!/bin/sh\n" + r.Replace(record) + r.Replace(failIfAsked)
	}
	cat := lookPath(t, "cat")
	s.write(t, "launchctl", "#!/bin/sh\n"+strings.ReplaceAll(record, "@NAME@", "launchctl")+strings.ReplaceAll(fakeLaunchctl, "@CAT@", quote.Shell(cat)))
	s.write(t, "plutil", "#!/bin/sh\n"+strings.ReplaceAll(record, "@NAME@", "plutil")+strings.ReplaceAll(fakePlutil, "@CAT@", quote.Shell(cat)))
	s.write(t, "chown", head("chown", "chown")+"exit 0\n")
	for _, name := range []string{"mktemp", "base64", "chmod", "mv", "cp", "rm", "sleep"} {
		s.write(t, name, head(name, name)+"exec "+quote.Shell(lookPath(t, name))+` "$@"`+"\n")
	}
	return s
}

// shells are the POSIX shells here that macOS may use as /bin/sh: its own
// /bin/sh (dash on Debian), and bash or zsh when installed. A Mac's /bin/sh
// is bash unless changed to dash or zsh.
func shells() []string {
	out := []string{"/bin/sh"}
	for _, p := range []string{"/bin/bash", "/bin/zsh"} {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// confined is /bin/sh -c script in an empty folder with an empty PATH: only
// shell builtins work, so a quoting bug cannot run or write anything here.
func confined(t testing.TB, script string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + filepath.Join(dir, "no-programs")}
	return cmd
}

// tracing returns a sandbox that runs the scripts under dash with -x. Dash
// traces each command, builtins, functions and command substitutions
// included, as PS4 and the command's words as they are, unquoted, so that
// the words of a traced external command can be compared with the argv the
// fakes recorded. PS4 is a random marker: no input can guess it, so a line
// that starts with it is a trace record.
func (s *sandbox) tracing(t testing.TB) *sandbox {
	t.Helper()
	c := *s
	c.shell = lookPath(t, "dash")
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		t.Fatal(err)
	}
	c.ps4 = "+" + hex.EncodeToString(nonce[:]) + " "
	return &c
}

func lookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("the sandbox needs the real %s: %v", name, err)
	}
	return p
}

func (s *sandbox) write(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.bin, name), []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// run is one execution of a script in the sandbox.
type run struct {
	code           int
	stdout, stderr string
	calls          [][]string
}

// scriptTimeout bounds one run of a script. The slowest one the tests ask
// for retries bootstrap twice with a second's pause.
const scriptTimeout = 10 * time.Second

// run executes script with /bin/sh -c in dir, with env added to the
// sandbox's own minimal environment. The shell leads its own process group:
// should the script outlive scriptTimeout, or leave a process behind that
// holds its output open, the whole group is killed and the test fails,
// instead of waiting for ever.
func (s *sandbox) run(t testing.TB, dir, script string, env ...string) run {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "calls")
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.shell)
	cmd.Args = []string{"sh", "-c", script}
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + s.bin, "FAKE_LOG=" + logFile}
	if s.ps4 != "" {
		cmd.Args = []string{"sh", "-x", "-c", script}
		cmd.Env = append(cmd.Env, "PS4="+s.ps4)
	}
	for _, e := range env {
		if e != "" {
			cmd.Env = append(cmd.Env, e)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var trace *os.File
	if s.ps4 != "" {
		// Dash writes a trace word by word, and the two sides of a
		// pipeline trace at the same time. Appended to a regular file,
		// each write stays whole; a pipe promises that only up to
		// PIPE_BUF bytes, and the plist's base64 is one word.
		var err error
		trace, err = os.OpenFile(filepath.Join(t.TempDir(), "stderr"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer trace.Close()
		cmd.Stderr = trace
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	killGroup := func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Cancel = killGroup
	cmd.WaitDelay = time.Second
	var r run
	err := cmd.Run()
	if ctx.Err() != nil || errors.Is(err, exec.ErrWaitDelay) {
		_ = killGroup()
		t.Fatalf("the script did not finish within %v, or left a process holding its output (%v); stderr %q", scriptTimeout, err, stderr.String())
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running the script: %v", err)
		}
		r.code = ee.ExitCode()
	}
	r.stdout, r.stderr = stdout.String(), stderr.String()
	if trace != nil {
		data, err := os.ReadFile(trace.Name())
		if err != nil {
			t.Fatal(err)
		}
		r.stderr = string(data)
	}
	r.calls = readCalls(t, logFile)
	return r
}

func readCalls(t testing.TB, logFile string) [][]string {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	tokens := strings.Split(string(data), "\x00")
	if tokens[len(tokens)-1] != "" {
		t.Fatalf("call log does not end with NUL: %q", data)
	}
	tokens = tokens[:len(tokens)-1]
	var calls [][]string
	for len(tokens) > 0 {
		n, err := strconv.Atoi(tokens[0])
		if err != nil || len(tokens) < n+2 {
			t.Fatalf("corrupt call log at %q", tokens)
		}
		calls = append(calls, slices.Clone(tokens[1:n+2]))
		tokens = tokens[n+2:]
	}
	return calls
}

// tree lists the files and folders under root, relative, sorted.
func tree(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
