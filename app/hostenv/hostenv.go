// Package hostenv reads the real machine (or, for tests, a stand-in for a
// Mac) into the values the engine and the limactl client take. It is the only
// place that looks at the process environment, so everything below it can be
// tested with temporary folders.
package hostenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/runner"
)

// Host is what the program knows about where it runs.
type Host struct {
	Platform autostart.Platform
	// TestMode is true when a binary built with the testhooks tag was
	// told to behave as another platform or under a test root (see
	// testhooks.go); it is always false in the shipped binary.
	TestMode bool
	Root     string // "" or the test root

	Home       string
	ConfigHome string
	StateHome  string
	UID        int
	User       string
	IsRoot     bool

	// Limactl is the limactl found, "" when none; LimactlErr says why.
	Limactl    string
	LimactlErr error
	// LimaHome is the LIMA_HOME in use; LimaHomeSet says it was chosen
	// explicitly (environment or settings) rather than defaulted.
	LimaHome    string
	LimaHomeSet bool

	// Colima is the colima found, "" when none; ColimaErr says why.
	Colima    string
	ColimaErr error
	// ColimaHome is the COLIMA_HOME colima would use (see findColimaHome).
	ColimaHome string

	Session elevate.Session
	// NoDesktop: the user is not logged in at the desktop (a Mac reached
	// over SSH), so launchd may have no gui/UID domain; see
	// detectNoDesktop.
	NoDesktop bool
	Logger    *slog.Logger
	Getenv    func(string) string

	// limaHomeFrom says where LimaHome came from: settings, LIMA_HOME,
	// login shell or default.
	limaHomeFrom  string
	opts          Options
	defaultRunner bool
	settings      Settings
	// needShell is set when a value was looked for in the login shell
	// before the shell was asked: Complete asks it and looks again.
	needShell    bool
	shellOnce    sync.Once
	shellDone    bool
	shellLimactl string
	shellHome    string
	// shellColima and shellColimaHome are the login shell's colima and
	// COLIMA_HOME, asked with limactl and LIMA_HOME.
	shellColima     string
	shellColimaHome string
}

// Settings are LimaBar's own choices, which win over everything else.
type Settings struct {
	Limactl    string `json:"limactl,omitempty"`
	LimaHome   string `json:"limaHome,omitempty"`
	Colima     string `json:"colima,omitempty"`
	ColimaHome string `json:"colimaHome,omitempty"`
}

// Options are the seams of Detect.
type Options struct {
	Getenv   func(string) string
	LookPath func(string) (string, error)
	// LoginShell runs the user's login shell to learn PATH's limactl and
	// LIMA_HOME (macOS only, where GUI apps do not inherit the shell's
	// environment); nil means the real one, run through Runner.
	LoginShell func(ctx context.Context, shell string) (limactl, limaHome string, err error)
	// Geteuid is os.Geteuid unless a test, which CI runs as root, asks
	// as an ordinary user.
	Geteuid func() int
	// Runner runs the login shell and the session probe; nil means the
	// real one, logging to Logger.
	Runner runner.Runner
	Logger *slog.Logger

	// Platform, Root and Session stand in for the machine in tests:
	// another platform's rules, a prefix for system-wide paths, the kind
	// of session. Empty means the real ones.
	Platform autostart.Platform
	Root     string
	Session  elevate.Session
}

// LoginShellLimit bounds the login shell: a user's startup files may wait
// for input or a network mount, and the app must not wait with them.
const LoginShellLimit = 3 * time.Second

// Detect reads the host, asking the login shell when it must (see Probe and
// Complete). The command line uses it; the app probes first and completes
// in the background.
func Detect(o Options) (*Host, error) {
	h, err := Probe(o)
	if err != nil {
		return nil, err
	}
	if err := h.Complete(context.Background()); err != nil {
		return nil, err
	}
	return h, nil
}

// CurrentPlatform is the platform Probe acts for, read without probing:
// the machine's, or in a test binary the one LIMABAR_TEST_PLATFORM names.
// The command line checks its account rules with it before anything else.
func CurrentPlatform() (autostart.Platform, error) {
	o := Options{Getenv: os.Getenv}
	if _, err := fromTestEnv(&o); err != nil {
		return "", err
	}
	if o.Platform != "" {
		return o.Platform, nil
	}
	return autostart.Platform(runtime.GOOS), nil
}

// Probe reads what is quick to read: the environment, the settings file,
// PATH. It never runs the login shell; NeedsLoginShell says whether
// Complete will.
func Probe(o Options) (*Host, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	defaultRunner := o.Runner == nil
	if defaultRunner {
		o.Runner = runner.Exec{Logger: o.Logger}
	}
	testMode, err := fromTestEnv(&o)
	if err != nil {
		return nil, err
	}
	if testMode && o.LoginShell == nil {
		// A test's own login shell would leak the developer's limactl
		// and LIMA_HOME into it; a test that wants one injects it.
		o.LoginShell = func(context.Context, string) (string, string, error) {
			return "", "", errors.New("no login shell in test mode")
		}
	}
	if o.Geteuid == nil {
		o.Geteuid = os.Geteuid
	}
	h := &Host{Logger: o.Logger, Getenv: o.Getenv, opts: o, defaultRunner: defaultRunner,
		TestMode: testMode, Platform: o.Platform, Root: o.Root}
	if h.Platform == "" {
		h.Platform = autostart.Platform(runtime.GOOS)
	}

	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("cannot tell who you are: %w", err)
	}
	h.User = u.Username
	h.UID = os.Getuid()
	h.IsRoot = o.Geteuid() == 0
	h.Home = o.Getenv("HOME")
	if h.Home == "" {
		h.Home = u.HomeDir
	}
	if h.Home == "" || !filepath.IsAbs(h.Home) {
		return nil, fmt.Errorf("HOME %q is not an absolute path", h.Home)
	}
	h.ConfigHome = xdg(o.Getenv("XDG_CONFIG_HOME"), filepath.Join(h.Home, ".config"))
	h.StateHome = xdg(o.Getenv("XDG_STATE_HOME"), filepath.Join(h.Home, ".local", "state"))

	h.settings, err = h.readSettings()
	if err != nil {
		return nil, err
	}
	h.findLimactl(h.opts, h.settings)
	if err := h.findLimaHome(h.opts, h.settings); err != nil {
		return nil, err
	}
	h.findColima(h.opts, h.settings)
	if err := h.findColimaHome(h.opts, h.settings); err != nil {
		return nil, err
	}
	return h, nil
}

// SetLogger makes the Host, and the commands it runs from now on, log to l:
// the app knows where its log goes only once Probe has read the host.
func (h *Host) SetLogger(l *slog.Logger) {
	h.Logger, h.opts.Logger = l, l
	if h.defaultRunner {
		h.opts.Runner = runner.Exec{Logger: l}
	}
}

// NeedsLoginShell reports whether Complete will run the login shell: on a
// Mac, for a program that found limactl or LIMA_HOME neither in its
// settings nor in its environment.
func (h *Host) NeedsLoginShell() bool { return h.needShell && !h.shellDone }

// Complete does what takes time: it asks the login shell, when Probe left
// something to it, and looks for limactl and LIMA_HOME again with its
// answer; and it tells what kind of session this is (on a Mac, by asking
// launchd). The shell runs at most once per Host, within LoginShellLimit
// and ctx; later calls return at once. The Host must not be used by others
// while Complete runs.
func (h *Host) Complete(ctx context.Context) error {
	var err error
	h.shellOnce.Do(func() {
		h.Session = h.detectSession(h.opts)
		h.NoDesktop = h.detectNoDesktop(h.opts)
		if !h.needShell {
			return
		}
		ctx, cancel := context.WithTimeout(ctx, LoginShellLimit)
		defer cancel()
		ask := h.opts.LoginShell
		if ask == nil {
			ask = func(ctx context.Context, shell string) (string, string, error) {
				a, err := loginShell(ctx, h.opts.Runner, shell)
				h.shellColima, h.shellColimaHome = a.colima, a.colimaHome
				return a.limactl, a.limaHome, err
			}
		}
		began := time.Now()
		p, lh, serr := ask(ctx, h.opts.Getenv("SHELL"))
		if serr != nil {
			h.Logger.Info("the login shell gave no answer", "err", serr, "took", time.Since(began))
		} else {
			h.Logger.Debug("login shell answered", "limactl", p, "limaHome", lh, "took", time.Since(began))
		}
		h.shellDone, h.shellLimactl, h.shellHome = true, p, lh
		h.findLimactl(h.opts, h.settings)
		err = h.findLimaHome(h.opts, h.settings)
		h.findColima(h.opts, h.settings)
		if err == nil {
			err = h.findColimaHome(h.opts, h.settings)
		}
	})
	return err
}

func xdg(v, def string) string {
	if v != "" && filepath.IsAbs(v) {
		return v
	}
	return def
}

// SettingsPath is where LimaBar keeps its settings.
func (h *Host) SettingsPath() string {
	if h.Platform == autostart.Darwin {
		return filepath.Join(h.Home, "Library", "Application Support", "LimaBar", "settings.json")
	}
	return filepath.Join(h.ConfigHome, "limabar", "settings.json")
}

// LogPath is where the app writes its log.
func (h *Host) LogPath() string {
	if h.Platform == autostart.Darwin {
		return filepath.Join(h.Home, "Library", "Logs", "LimaBar", "limabar.log")
	}
	return filepath.Join(h.StateHome, "limabar", "limabar.log")
}

// StateDir is where the engine keeps its records.
func (h *Host) StateDir() string {
	if h.Platform == autostart.Darwin {
		return filepath.Join(h.Home, "Library", "Application Support", "LimaBar")
	}
	return filepath.Join(h.StateHome, "limabar")
}

func (h *Host) readSettings() (Settings, error) {
	var s Settings
	data, err := os.ReadFile(h.SettingsPath())
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("cannot read settings: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("settings file %s is not valid JSON: %w", h.SettingsPath(), err)
	}
	return s, nil
}

// findLimactl looks in the settings, LIMACTL, PATH, the usual install
// prefixes and, on macOS, the login shell. The path is kept as found: a
// Homebrew link such as /opt/homebrew/bin/limactl survives upgrades, the
// Cellar path behind it does not.
func (h *Host) findLimactl(o Options, s Settings) {
	try := tryExecutable(o, "limactl", &h.Limactl, &h.LimactlErr)
	if s.Limactl != "" {
		if try("settings", s.Limactl) {
			return
		}
		return // an explicit choice that does not work is reported, not replaced
	}
	if v := o.Getenv("LIMACTL"); v != "" {
		if try("LIMACTL", v) {
			return
		}
		return
	}
	if p, err := o.LookPath("limactl"); err == nil && try("PATH", p) {
		return
	}
	if p, _ := h.loginShellAnswer(); p != "" && try("login shell", p) {
		return
	}
	if tryInstallPrefixes("limactl", try) {
		return
	}
	h.Limactl = ""
	if h.LimactlErr == nil {
		h.LimactlErr = errors.New("limactl was not found: install Lima (https://lima-vm.io/docs/installation/) or set LIMACTL")
	}
}

// tryExecutable returns the try of findLimactl and findColima for the
// command tool: it takes p, made absolute, into *path when it is an
// executable file and clears *perr; else it sets *perr to an error naming
// where p came from and p. An empty p is not tried.
func tryExecutable(o Options, tool string, path *string, perr *error) func(from, p string) bool {
	return func(from, p string) bool {
		if p == "" {
			return false
		}
		if !filepath.IsAbs(p) {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
		}
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			*perr = fmt.Errorf("%s from %s (%s) is not an executable file", tool, from, p)
			return false
		}
		*path, *perr = filepath.Clean(p), nil
		o.Logger.Debug(tool+" found", "from", from, "path", *path)
		return true
	}
}

// tryInstallPrefixes tries tool in Homebrew's bin folders (Apple silicon's
// first, then Intel's), those that exist, until try takes one.
func tryInstallPrefixes(tool string, try func(from, p string) bool) bool {
	for _, p := range []string{"/opt/homebrew/bin/" + tool, "/usr/local/bin/" + tool} {
		if _, err := os.Stat(p); err == nil && try("install prefix", p) {
			return true
		}
	}
	return false
}

// loginShellAnswer is what the login shell said (macOS only) about where
// limactl is and what LIMA_HOME is: an app started from Finder does not
// inherit the shell's environment. Before Complete has asked it, it
// answers nothing and notes that the shell is needed.
func (h *Host) loginShellAnswer() (limactl, limaHome string) {
	if h.Platform != autostart.Darwin || h.IsRoot {
		return "", ""
	}
	if !h.shellDone {
		h.needShell = true
		return "", ""
	}
	return h.shellLimactl, h.shellHome
}

func (h *Host) findLimaHome(o Options, s Settings) error {
	shellHome := ""
	if s.LimaHome == "" && o.Getenv("LIMA_HOME") == "" {
		_, shellHome = h.loginShellAnswer()
	}
	switch {
	case s.LimaHome != "":
		h.LimaHome, h.LimaHomeSet, h.limaHomeFrom = s.LimaHome, true, "the settings file "+h.SettingsPath()
	case o.Getenv("LIMA_HOME") != "":
		h.LimaHome, h.LimaHomeSet, h.limaHomeFrom = o.Getenv("LIMA_HOME"), true, "the environment"
	case shellHome != "":
		h.LimaHome, h.LimaHomeSet, h.limaHomeFrom = shellHome, true, "the login shell"
	default:
		h.LimaHome, h.LimaHomeSet, h.limaHomeFrom = filepath.Join(h.Home, ".lima"), false, "default"
	}
	if !filepath.IsAbs(h.LimaHome) {
		return fmt.Errorf("LIMA_HOME %q from %s is not an absolute path", h.LimaHome, h.limaHomeFrom)
	}
	h.LimaHome = filepath.Clean(h.LimaHome)
	return nil
}

// CheckLimaHome reports a LIMA_HOME that was chosen explicitly but does not
// exist. The default ~/.lima may be missing on a new install: that is just
// no instances.
func (h *Host) CheckLimaHome() error {
	if !h.LimaHomeSet {
		return nil
	}
	fi, err := os.Stat(h.LimaHome)
	if err != nil {
		return fmt.Errorf("LIMA_HOME %s (from %s) does not exist", h.LimaHome, h.limaHomeFrom)
	}
	if !fi.IsDir() {
		return fmt.Errorf("LIMA_HOME %s (from %s) is not a folder", h.LimaHome, h.limaHomeFrom)
	}
	return nil
}

// loginShell asks the user's login shell where limactl is and what LIMA_HOME
// is, because a GUI app on macOS does not inherit the shell's environment.
// It runs through r, which logs it, kills it with what it started when ctx
// ends, and stops waiting for output that a background job of the startup
// files keeps open (runner.WaitDelay).
func loginShell(ctx context.Context, r runner.Runner, shell string) (shellAnswer, error) {
	if shell == "" || !filepath.IsAbs(shell) {
		shell = "/bin/zsh"
	}
	const marker = "__LIMABAR__"
	// -i as well as -l: most people export LIMA_HOME in ~/.zshrc, which a
	// login shell alone does not read. The marker skips anything the
	// startup files print.
	out, err := r.Run(ctx, shell, "-l", "-i", "-c",
		`printf '`+marker+`%s\n%s\n%s\n%s\n' "$(command -v limactl)" "$LIMA_HOME" "$(command -v colima)" "$COLIMA_HOME"`)
	if err != nil {
		return shellAnswer{}, err
	}
	_, after, ok := strings.Cut(string(out), marker)
	if !ok {
		return shellAnswer{}, errors.New("no answer from the login shell")
	}
	lines := strings.SplitN(after, "\n", 5)
	if len(lines) < 2 {
		return shellAnswer{}, errors.New("short answer from the login shell")
	}
	a := shellAnswer{limactl: strings.TrimSpace(lines[0]), limaHome: strings.TrimSpace(lines[1])}
	if len(lines) >= 4 {
		a.colima, a.colimaHome = strings.TrimSpace(lines[2]), strings.TrimSpace(lines[3])
	}
	return a, nil
}

// shellAnswer is what the login shell says of limactl, LIMA_HOME, colima
// and COLIMA_HOME.
type shellAnswer struct{ limactl, limaHome, colima, colimaHome string }

// detectSession tells how a privileged step can ask for a password: a GUI
// dialog, sudo on a terminal, or not at all. A test sets it, since Linux
// cannot tell an Aqua session apart.
func (h *Host) detectSession(o Options) elevate.Session {
	if o.Session != "" {
		return o.Session
	}
	if h.Platform == autostart.Darwin && runtime.GOOS != "darwin" {
		// Another platform's rules on this machine (a test): there is
		// no launchd to ask, and a desktop session is the usual case.
		return elevate.SessionGUI
	}
	tty := isTerminal(os.Stdin)
	gui := false
	if h.Platform == autostart.Darwin {
		ctx, cancel := context.WithTimeout(context.Background(), LoginShellLimit)
		defer cancel()
		out, err := o.Runner.Run(ctx, "/bin/launchctl", "managername")
		gui = err == nil && strings.TrimSpace(string(out)) == "Aqua" && o.Getenv("SSH_CONNECTION") == ""
	}
	return elevate.DetectSession(tty, gui)
}

// detectNoDesktop tells, on a Mac, whether the user is not the one logged
// in at the desktop: /dev/console belongs to the user logged in there
// (root at the login window), as Homebrew tells an SSH session that has
// no gui domain (Library/Homebrew/services/system.rb, domain_target:
// File.stat("/dev/console").uid != Process.uid). The engine asks launchd
// before it acts on it (autostart/launchd_session.go). A test says it
// through the session: a desktop, or a terminal or nothing without one.
func (h *Host) detectNoDesktop(o Options) bool {
	if h.Platform != autostart.Darwin {
		return false
	}
	if o.Session != "" || runtime.GOOS != "darwin" {
		return h.Session != elevate.SessionGUI
	}
	return ownedByAnother("/dev/console", h.UID)
}

// ownedByAnother says whether the file at path belongs to an account other
// than uid; a file that cannot be read says no.
func ownedByAnother(path string, uid int) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) != uid
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Tools are the external programs: absolute system paths on a real Mac, bare
// names on PATH in test mode so that tests can put fakes there.
func (h *Host) Tools() autostart.Tools {
	if h.Platform == autostart.Darwin && !h.testMode() {
		return autostart.DarwinTools
	}
	if h.Platform == autostart.Darwin {
		return autostart.Tools{Launchctl: "launchctl", Plutil: "plutil"}
	}
	return autostart.LinuxTools
}

// Osascript is the osascript program that the administrator prompt and
// the Mac's notifications, alerts and Terminal go through: the system's, or
// in test mode the one on PATH (a stand-in that records what it is asked).
func (h *Host) Osascript() string {
	if h.testMode() {
		return "osascript"
	}
	return "/usr/bin/osascript"
}

// ScriptTools are the programs the privileged script calls.
func (h *Host) ScriptTools() elevate.Tools {
	if h.testMode() {
		return elevate.PathTools
	}
	return elevate.DarwinTools
}

// testMode is TestMode where the binary can have one: in the shipped
// binary the test-only branches are compiled out.
func (h *Host) testMode() bool { return testHooks && h.TestMode }

// under puts a system path under the test root.
func (h *Host) under(p string) string {
	if h.Root == "" {
		return p
	}
	return filepath.Join(h.Root, p)
}

// Env builds the engine's environment. On a Mac desktop, the app and the
// command line alike ask for the administrator password through osascript,
// a child process: the dialog then holds neither the app's main thread nor
// its menu.
func (h *Host) Env(r runner.Runner) (autostart.Env, error) {
	env := autostart.Env{
		Platform:         h.Platform,
		Home:             h.Home,
		ConfigHome:       h.ConfigHome,
		StateDir:         h.StateDir(),
		LaunchDaemonsDir: h.under("/Library/LaunchDaemons"),
		LingerDir:        h.under("/var/lib/systemd/linger"),
		UID:              h.UID,
		User:             h.User,
		Admin:            h.IsRoot,
		NoDesktop:        h.NoDesktop,
		Limactl:          h.Limactl,
		LimaHome:         h.LimaHome,
		ColimaHome:       h.ColimaHomeInUse(),
		Colima:           h.Colima,
		Tools:            h.Tools(),
		ScriptTools:      h.ScriptTools(),
		Runner:           r,
	}
	if h.Platform == autostart.Darwin {
		tools := elevate.ChooseTools{Osascript: h.Osascript(), Sudo: "/usr/bin/sudo"}
		if h.testMode() {
			tools.Sudo = "sudo"
		}
		el, err := elevate.Choose(h.IsRoot, h.Session, r, tools)
		if err != nil {
			// No way to gain root: boot reports it when asked, login works.
			h.Logger.Debug("no elevator", "err", err)
			env.Elevator = failingElevator{err}
		} else {
			env.Elevator = el
		}
	}
	return env, nil
}

type failingElevator struct{ err error }

func (f failingElevator) RunAsRoot(context.Context, string, string) error { return f.err }

// ActAs makes a root process act for another account: its home, uid and
// default LIMA_HOME. It is how `sudo limabar enable --condition=boot --user
// U NAME` finds U's instance.
func (h *Host) ActAs(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("unknown user %q", name)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil || uid == 0 {
		return fmt.Errorf("refusing to act for %q: not an ordinary account", name)
	}
	h.User, h.UID, h.Home = u.Username, uid, u.HomeDir
	h.ConfigHome = filepath.Join(h.Home, ".config")
	h.StateHome = filepath.Join(h.Home, ".local", "state")
	// The account's own settings count, not those of whoever ran sudo;
	// only a LIMA_HOME given explicitly on the command line is kept.
	s, err := h.readSettings()
	if err != nil {
		return err
	}
	if s.Limactl != "" {
		h.findLimactl(h.opts, s)
	}
	if h.limaHomeFrom != "the environment" {
		h.opts.Getenv = func(k string) string {
			if k == "LIMA_HOME" {
				return ""
			}
			return h.Getenv(k)
		}
		if err := h.findLimaHome(h.opts, s); err != nil {
			return err
		}
	}
	if s.Colima != "" {
		h.findColima(h.opts, s)
	}
	return h.findColimaHome(h.opts, s)
}

// LimactlEnviron is the environment limactl runs with: the process's own,
// with LIMA_HOME set to the one in use.
func (h *Host) LimactlEnviron() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIMA_HOME=") {
			env = append(env, kv)
		}
	}
	if h.LimaHomeSet {
		env = append(env, "LIMA_HOME="+h.LimaHome)
	}
	return env
}
