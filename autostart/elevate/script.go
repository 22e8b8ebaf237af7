package elevate

import (
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/instname"
	"github.com/limabar/limabar/autostart/quote"
)

// Tools are the programs the privileged script calls. On a Mac they are
// absolute system paths, so that the script run as root never looks anything
// up on a PATH; tests use bare names and put recording fakes on PATH.
type Tools struct {
	Launchctl string
	Plutil    string
	Chown     string
	Chmod     string
	Mv        string
	Cp        string
	Rm        string
	Mktemp    string
	Base64    string
	// Sleep pauses between tries of launchctl bootstrap; it is a program,
	// not a shell builtin.
	Sleep string
}

// DarwinTools are where macOS keeps the programs.
var DarwinTools = Tools{
	Launchctl: "/bin/launchctl",
	Plutil:    "/usr/bin/plutil",
	Chown:     "/usr/sbin/chown",
	Chmod:     "/bin/chmod",
	Mv:        "/bin/mv",
	Cp:        "/bin/cp",
	Rm:        "/bin/rm",
	Mktemp:    "/usr/bin/mktemp",
	Base64:    "/usr/bin/base64",
	Sleep:     "/bin/sleep",
}

// PathTools are bare names, looked up on PATH: test mode, where fakes of the
// macOS-only tools stand first on PATH.
var PathTools = Tools{
	Launchctl: "launchctl",
	Plutil:    "plutil",
	Chown:     "chown",
	Chmod:     "chmod",
	Mv:        "mv",
	Cp:        "cp",
	Rm:        "rm",
	Mktemp:    "mktemp",
	Base64:    "base64",
	Sleep:     "sleep",
}

// MaxPlistSize bounds the plist carried inside the script. The whole script
// is one command-line argument (of osascript, sudo or sh); Linux refuses a
// single argument over 128 KiB and macOS all arguments together over 1 MiB,
// while a real LaunchDaemon is a few KiB.
const MaxPlistSize = 64 << 10

// labelPrefix is the label of a Lima instance's daemon, before the
// instance's name; colimaLabelPrefix that of LimaBar's daemon for a Colima
// profile, before the profile (colima.DaemonLabel). The scripts touch no
// other label.
const (
	labelPrefix       = "io.lima-vm.daemon."
	colimaLabelPrefix = "io.github.limabar.colima.daemon."
)

// base64Line is the MIME line length: every base64 decoder accepts it, some
// older ones choke on one very long line.
const base64Line = 76

// bootstrapTries is how many times the install script runs `launchctl
// bootstrap` before it gives up, bootstrapPause the seconds between tries.
const (
	bootstrapTries = 3
	bootstrapPause = 1
)

// GoneWait is how many seconds the install script waits, after `launchctl
// bootout`, for the old job to be gone before it loads the new one.
// bootout returns before the job has exited, and bootstrap of a label that
// is still loaded fails with "Bootstrap failed: 5: Input/output error"
// (see launchdmodel). The job is Lima's host agent shutting its VM down:
// QEMU gets three minutes, and launchd SIGKILLs it after ExitTimeOut
// (LimaBar's 210 s, or launchd's default of 5 s for a job limactl wrote,
// which sets none). 240 s is above both.
const GoneWait = 240

// ColimaGoneWait is GoneWait for a Colima profile's daemon: its job is
// `colima start --foreground`, which stops the runtime and then the VM
// before it exits, and launchd SIGKILLs it only after
// launchd.ColimaExitTimeOut (360 s). 420 s is above that.
const ColimaGoneWait = 420

// goneWaitOf is how long the install script of label waits for the old
// job to be gone.
func goneWaitOf(label string) int {
	if strings.HasPrefix(label, colimaLabelPrefix) {
		return ColimaGoneWait
	}
	return GoneWait
}

// InstallScript returns the shell script that installs plist as the
// LaunchDaemon label at path and loads it, to be run as root. The plist
// bytes travel inside the script, so root never reads a file the user could
// change between the check and the install. The file is written to a
// temporary name next to path (same file system, so the final rename is
// atomic), checked with plutil and made root:wheel 0644. A daemon already at
// path is copied to a second temporary name, then the new file is renamed
// into place; the job is booted out (failure ignored: it was not loaded),
// and the script waits, up to GoneWait seconds asking `launchctl print`
// once a second, until the old job has exited and left launchd. Then it is
// enabled and bootstrapped, with up to three tries a second apart for
// bootstrap. If the old job does not go, or enable or bootstrap fails, the
// previous daemon is renamed back and bootstrapped (failure ignored), or,
// when there was none, path is removed. Any failure removes the temporary
// files, and the script exits non-zero with a line on stderr naming the
// step.
//
// Booting the job out stops a VM it runs: callers use RewriteScript for a
// running job unless the user was told.
func InstallScript(t Tools, label, path string, plist []byte) (string, error) {
	return installScript(t, label, path, plist, bootstrapPause, true)
}

// RewriteScript is InstallScript without unloading and loading the job:
// the file is replaced and the job enabled, and a job that is running
// keeps running (with the settings it was loaded with) until launchd loads
// the file again, at the next boot. If enable fails, the previous file is
// put back.
func RewriteScript(t Tools, label, path string, plist []byte) (string, error) {
	return installScript(t, label, path, plist, bootstrapPause, false)
}

// installScript is InstallScript, or RewriteScript when not reload, with
// pause seconds between the tries of bootstrap and of the wait.
func installScript(t Tools, label, path string, plist []byte, pause int, reload bool) (string, error) {
	return installScriptWait(t, label, path, plist, pause, reload, goneWaitOf(label))
}

// installScriptWait is installScript giving up on the old job after
// goneWait tries of the wait.
func installScriptWait(t Tools, label, path string, plist []byte, pause int, reload bool, goneWait int) (string, error) {
	if err := checkTarget(t, label, path); err != nil {
		return "", err
	}
	if len(plist) == 0 {
		return "", errors.New("empty LaunchDaemon plist")
	}
	if len(plist) > MaxPlistSize {
		return "", fmt.Errorf("LaunchDaemon plist of %d bytes is larger than %d bytes", len(plist), MaxPlistSize)
	}
	if pause < 0 {
		return "", fmt.Errorf("negative pause %d", pause)
	}
	target := "system/" + label
	template := filepath.Join(filepath.Dir(path), "."+label+".plist.XXXXXX")
	tmp, old := ref("tmp"), ref("old")

	var s script
	s.header()
	// tmp is the new file until it is renamed into place, old the copy of
	// the daemon it replaces until that is no longer needed.
	s.raw(`tmp=''`)
	s.raw(`old=''`)
	s.raw(`cleanup() {`)
	s.raw(`	if [ -n "$tmp" ]; then ` + argv(t.Rm, "-f", tmp) + `; fi`)
	s.raw(`	if [ -n "$old" ]; then ` + argv(t.Rm, "-f", old) + `; fi`)
	s.raw(`}`)
	s.raw(`trap cleanup EXIT`)
	s.raw(`trap 'exit 1' HUP INT TERM`)
	s.raw(`tmp=$(` + argv(t.Mktemp, template) + `) || fail ` + quote.Shell("mktemp"))
	s.raw(argv("printf", `%s\n`, wrap(base64.StdEncoding.EncodeToString(plist), base64Line)) +
		` | ` + argv(t.Base64, "--decode") + ` >"$tmp" || fail ` + quote.Shell("base64 --decode"))
	// plutil says "OK" on success and why not on failure, on stdout; only
	// the failure belongs where the caller reads errors.
	s.raw(`lint=$(` + argv(t.Plutil, "-lint", tmp) + ` 2>&1) || { printf '%s\n' "$lint" >&2; fail ` + quote.Shell("plutil -lint") + `; }`)
	s.step("chown", argv(t.Chown, "root:wheel", tmp))
	s.step("chmod", argv(t.Chmod, "0644", tmp))
	// cp -p keeps the old file's owner, mode and times on the copy, so that
	// putting it back restores exactly what was there.
	s.raw(`if [ -e ` + quote.Shell(path) + ` ]; then`)
	s.raw(`	old=$(` + argv(t.Mktemp, template) + `) || fail ` + quote.Shell("mktemp"))
	s.raw(`	` + argv(t.Cp, "-p", path, old) + ` || fail ` + quote.Shell("cp"))
	s.raw(`fi`)
	s.step("mv", argv(t.Mv, "-f", tmp, path))
	s.raw(`tmp=''`)
	// restore undoes the rename after a later step failed. Should the old
	// file not go back, its copy stays where it is, named on stderr.
	s.raw(`restore() {`)
	s.raw(`	if [ -z "$old" ]; then`)
	s.raw(`		` + argv(t.Rm, "-f", path) + ` || :`)
	s.raw(`	elif ` + argv(t.Mv, "-f", old, path) + `; then`)
	s.raw(`		old=''`)
	if reload {
		s.raw(`		` + argv(t.Launchctl, "bootstrap", "system", path) + ` >/dev/null 2>&1 || :`)
	}
	s.raw(`	else`)
	s.raw(`		printf 'limabar: the previous LaunchDaemon is kept as %s\n' "$old" >&2`)
	s.raw(`		old=''`)
	s.raw(`	fi`)
	s.raw(`}`)
	if !reload {
		s.raw(argv(t.Launchctl, "enable", target) + ` || { restore; fail ` + quote.Shell("launchctl enable") + `; }`)
		return s.String(), nil
	}
	s.ignore(argv(t.Launchctl, "bootout", target))
	// Until the old job has exited (its VM shut down), launchd refuses to
	// load the label again.
	s.raw(`waited=0`)
	s.raw(`while ` + argv(t.Launchctl, "print", target) + ` >/dev/null 2>&1; do`)
	s.raw(`	if [ "$waited" -ge ` + strconv.Itoa(goneWait) + ` ]; then`)
	s.raw(`		printf 'limabar: the old job was still running %s seconds after launchctl bootout\n' "$waited" >&2`)
	s.raw(`		restore`)
	s.raw(`		fail ` + quote.Shell("waiting for the old job to exit"))
	s.raw(`	fi`)
	s.raw(`	` + argv(t.Sleep, strconv.Itoa(max(pause, 0))))
	s.raw(`	waited=$((waited + 1))`)
	s.raw(`done`)
	s.raw(argv(t.Launchctl, "enable", target) + ` || { restore; fail ` + quote.Shell("launchctl enable") + `; }`)
	// Only the last try's complaint is shown.
	s.raw(`tries=1`)
	s.raw(`until out=$(` + argv(t.Launchctl, "bootstrap", "system", path) + ` 2>&1); do`)
	s.raw(`	if [ "$tries" -ge ` + strconv.Itoa(bootstrapTries) + ` ]; then`)
	s.raw(`		if [ -n "$out" ]; then printf '%s\n' "$out" >&2; fi`)
	s.raw(`		restore`)
	s.raw(`		fail ` + quote.Shell("launchctl bootstrap"))
	s.raw(`	fi`)
	s.raw(`	tries=$((tries + 1))`)
	s.raw(`	` + argv(t.Sleep, strconv.Itoa(pause)))
	s.raw(`done`)
	return s.String(), nil
}

// ThenRemove returns install, a script of InstallScript or RewriteScript,
// followed by the removal of another LaunchDaemon, label at path, as
// RemoveScript (unload) or UnregisterScript does it: one script, so one
// administrator prompt, replaces a job with another (Lima's daemon of a
// Colima profile with LimaBar's). The removal runs only once the new
// daemon is in place; if it fails, the script exits non-zero naming the
// step, and the new daemon stays.
func ThenRemove(t Tools, install, label, path string, unload bool) (string, error) {
	if err := checkTarget(t, label, path); err != nil {
		return "", err
	}
	if !strings.HasPrefix(install, headerText()) {
		return "", errors.New("not a script of this package")
	}
	var s script
	s.b.WriteString(install)
	s.removal(t, label, path, unload)
	return s.String(), nil
}

// RemoveScript returns the shell script that unloads the LaunchDaemon label
// (ignored when it is not loaded), disables it, and removes path, to be run
// as root. Unloading stops a VM the job runs.
func RemoveScript(t Tools, label, path string) (string, error) {
	return removeScript(t, label, path, true)
}

// UnregisterScript is RemoveScript without the unload: the job is disabled
// and its file removed, and a running job keeps running until it exits;
// it does not start at the next boot.
func UnregisterScript(t Tools, label, path string) (string, error) {
	return removeScript(t, label, path, false)
}

func removeScript(t Tools, label, path string, unload bool) (string, error) {
	if err := checkTarget(t, label, path); err != nil {
		return "", err
	}
	var s script
	s.header()
	s.removal(t, label, path, unload)
	return s.String(), nil
}

// removal disables the daemon label, unloads it when unload, and removes
// path.
func (s *script) removal(t Tools, label, path string, unload bool) {
	target := "system/" + label
	// disable first: if it fails nothing has changed yet, whereas a
	// bootout cannot be taken back.
	s.step("launchctl disable", argv(t.Launchctl, "disable", target))
	if unload {
		s.ignore(argv(t.Launchctl, "bootout", target))
	}
	s.step("rm", argv(t.Rm, "-f", path))
}

// KickstartScript returns the shell script that starts the LaunchDaemon
// label now, to be run as root: `launchctl kickstart system/LABEL`, which
// starts a loaded job that is not running and leaves a running one alone
// (launchctl(1), kickstart). It is Try Again of a boot job: launchd lets
// only root change the system domain ("root privileges are required to
// make modifications", launchctl(1)), and refuses anyone else with
// "Could not kickstart service …: 1: Operation not permitted" (see
// launchdmodel). launchctl's own complaint stays on stderr, followed by a
// line naming the step.
func KickstartScript(t Tools, label string) (string, error) {
	if err := checkLabel(label); err != nil {
		return "", err
	}
	if err := checkText(t.Launchctl); err != nil || t.Launchctl == "" {
		return "", fmt.Errorf("invalid path %q for launchctl: %v", t.Launchctl, err)
	}
	var s script
	s.header()
	s.step("launchctl kickstart", argv(t.Launchctl, "kickstart", "system/"+label))
	return s.String(), nil
}

// checkLabel refuses anything but a Lima daemon label or LimaBar's daemon
// label for a Colima profile.
func checkLabel(label string) error {
	if profile, ok := strings.CutPrefix(label, colimaLabelPrefix); ok {
		if instname.Check(profile) != nil || colima.CheckProfile(profile) != nil {
			return fmt.Errorf("invalid LaunchDaemon label %q: want %s followed by a Colima profile name", label, colimaLabelPrefix)
		}
		return nil
	}
	name, ok := strings.CutPrefix(label, labelPrefix)
	if !ok || instname.Check(name) != nil {
		return fmt.Errorf("invalid LaunchDaemon label %q: want %s followed by a Lima instance name", label, labelPrefix)
	}
	return nil
}

// checkTarget refuses anything but a Lima daemon label and its plist path,
// so that a bug elsewhere cannot turn the script against another file.
func checkTarget(t Tools, label, path string) error {
	if err := checkLabel(label); err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(path, "/"):
		return fmt.Errorf("invalid LaunchDaemon path %q: not absolute", path)
	case filepath.Clean(path) != path:
		return fmt.Errorf("invalid LaunchDaemon path %q: not clean", path)
	case filepath.Base(path) != label+".plist":
		return fmt.Errorf("invalid LaunchDaemon path %q: want a file named %s.plist", path, label)
	}
	if err := checkText(path); err != nil {
		return fmt.Errorf("invalid LaunchDaemon path %q: %w", path, err)
	}
	for _, tool := range []struct{ name, path string }{
		{"launchctl", t.Launchctl}, {"plutil", t.Plutil}, {"chown", t.Chown}, {"chmod", t.Chmod},
		{"mv", t.Mv}, {"cp", t.Cp}, {"rm", t.Rm}, {"mktemp", t.Mktemp}, {"base64", t.Base64},
		{"sleep", t.Sleep},
	} {
		if tool.path == "" {
			return fmt.Errorf("no path for %s in the script tools", tool.name)
		}
		if err := checkText(tool.path); err != nil {
			return fmt.Errorf("invalid path %q for %s: %w", tool.path, tool.name, err)
		}
	}
	return nil
}

// checkText refuses what cannot travel unchanged through a command-line
// argument and an AppleScript string literal: NUL ends an argument, invalid
// UTF-8 is re-encoded by AppleScript, and other control characters have no
// agreed escape there.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}

// script collects the lines of a generated shell script.
type script struct{ b strings.Builder }

func (s *script) raw(line string) {
	s.b.WriteString(line)
	s.b.WriteByte('\n')
}

// header stops on any unchecked failure and makes created files readable by
// all (the plist must be 0644 whatever umask sudo or osascript passes on).
// pipefail is not POSIX (dash has none); the one pipeline starts with the
// printf builtin writing a constant.
func (s *script) header() { s.b.WriteString(headerText()) }

func headerText() string {
	return "umask 022\n" +
		"set -eu\n" +
		`fail() { printf 'limabar: %s failed\n' "$1" >&2; exit 1; }` + "\n"
}

// step runs cmd and fails the script naming what when it fails.
func (s *script) step(what, cmd string) {
	s.raw(cmd + ` || fail ` + quote.Shell(what))
}

// ignore runs cmd silently and carries on whatever it answers.
func (s *script) ignore(cmd string) {
	s.raw(cmd + ` >/dev/null 2>&1 || :`)
}

func (s *script) String() string { return s.b.String() }

// ref is a reference to a shell variable of the script, which argv expands
// inside double quotes; everything else is a literal.
type ref string

// argv renders one command: every literal single-quoted, every ref as
// "$name". Arguments are strings or refs.
func argv(args ...any) string {
	words := make([]string, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case string:
			words[i] = quote.Shell(a)
		case ref:
			words[i] = `"$` + string(a) + `"`
		default:
			panic(fmt.Sprintf("elevate: argv of %T", a))
		}
	}
	return strings.Join(words, " ")
}

// wrap breaks s into lines of n bytes.
func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteByte('\n')
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}
