package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// systemdBinary is where Debian installs the manager itself.
const systemdBinary = "/lib/systemd/systemd"

// systemdStartTimeout bounds the wait for a new manager to answer.
const systemdStartTimeout = 20 * time.Second

// SystemdOptions chooses whose user manager SystemdUser starts.
type SystemdOptions struct {
	// User is the account the manager runs as, e.g. "nobody". Empty means
	// the account running the test, which must be root. Lima's limactl
	// refuses to run as root, so tests of `limactl start-at-login` need an
	// unprivileged manager.
	User string
}

// Systemd is a running `systemd --user` that belongs to one test, with its
// own HOME, XDG_CONFIG_HOME (so unit files go to
// ConfigHome/systemd/user) and XDG_RUNTIME_DIR.
type Systemd struct {
	// User is the name of the account the manager runs as.
	User string
	// UID and GID are that account's numbers.
	UID, GID int
	// Home is HOME: an empty 0700 folder owned by User.
	Home string
	// ConfigHome is XDG_CONFIG_HOME, Home/.config.
	ConfigHome string
	// RuntimeDir is XDG_RUNTIME_DIR: a 0700 folder owned by User, where the
	// manager puts its control socket (systemd/private) and the user bus.
	RuntimeDir string

	account account
	setpriv string // empty when the manager runs as the test's own user
	path    string
	cgroup  *cgroup
	manager *process
	stopped bool
}

// SystemdUser starts a systemd user manager for the test and waits until
// `systemctl --user is-system-running` answers running or degraded. The
// manager, every unit it started, its cgroup and its folders are removed
// when the test ends; a failure to clean up fails the test.
//
// It needs root: it creates /run/systemd/system and a cgroup for the
// manager (see the cgroup type), and for opts.User it hands them to that
// user. Without root, systemd or setpriv the test stops (see Need).
func SystemdUser(t testing.TB, opts SystemdOptions) *Systemd {
	t.Helper()
	needRoot(t, "a private systemd user manager")
	_, err := os.Stat(systemdBinary)
	Need(t, err == nil, systemdBinary+" is missing (install the systemd package)")
	needProgram(t, "systemctl")
	hierarchies, err := systemdHierarchies()
	Need(t, err == nil, fmt.Sprintf("systemd needs a cgroup hierarchy: %v", err))

	s := &Systemd{path: os.Getenv("PATH")}
	if s.path == "" {
		s.path = defaultPath
	}
	if opts.User == "" {
		s.account, err = currentAccount()
	} else {
		s.setpriv = needProgram(t, "setpriv")
		s.account, err = lookupAccount(opts.User)
	}
	if err != nil {
		t.Fatalf("systemd user manager: %v", err)
	}
	s.User, s.UID, s.GID = s.account.name, s.account.uid, s.account.gid

	// systemctl and the manager look for this folder to decide that the
	// machine was booted with systemd. The harness creates it only because
	// it runs on throwaway CI and development machines whose init is not
	// systemd; on a machine booted with systemd it already exists.
	if err := os.MkdirAll("/run/systemd/system", 0o755); err != nil {
		t.Fatalf("systemd user manager: %v", err)
	}
	if err := sweepStaleCgroups(hierarchies); err != nil {
		t.Logf("clearing cgroups left by earlier runs: %v", err)
	}

	s.Home, err = ownedTempDir(s.account, "limabar-home-")
	if err != nil {
		t.Fatalf("systemd user manager: %v", err)
	}
	t.Cleanup(func() { removeAll(t, s.Home) })
	s.RuntimeDir, err = ownedTempDir(s.account, "limabar-run-")
	if err != nil {
		t.Fatalf("systemd user manager: %v", err)
	}
	t.Cleanup(func() { removeAll(t, s.RuntimeDir) })
	s.ConfigHome = filepath.Join(s.Home, ".config")
	if err := os.Mkdir(s.ConfigHome, 0o755); err != nil {
		t.Fatalf("systemd user manager: %v", err)
	}
	if err := os.Chown(s.ConfigHome, s.UID, s.GID); err != nil {
		t.Fatalf("systemd user manager: %v", err)
	}

	logDir := t.TempDir()
	s.cgroup, err = newCgroup(hierarchies, s.account)
	if err != nil {
		Need(t, false, fmt.Sprintf("systemd needs a cgroup of its own: %v", err))
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("stopping systemd --user: %v", err)
		}
	})
	if err := s.start(logDir); err != nil {
		t.Fatalf("systemd user manager: %v", err)
	}
	return s
}

// joinAndExec is run by /bin/sh as root: it moves itself into each
// cgroup.procs file given (the count comes first), then execs the rest of
// its arguments, so the manager is in its cgroup from its first instruction.
const joinAndExec = `n=$1; shift
while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 1; shift; n=$((n - 1)); done
exec "$@"`

func (s *Systemd) start(logDir string) error {
	procs := s.cgroup.procsFiles()
	argv := append([]string{"-c", joinAndExec, "sh", strconv.Itoa(len(procs))}, procs...)
	if s.setpriv != "" {
		argv = append(append(argv, s.setpriv), s.account.setprivArgs()...)
	}
	argv = append(argv, systemdBinary, "--user")
	cmd := exec.Command("/bin/sh", argv...)
	cmd.Env = s.baseEnv()
	cmd.Dir = s.Home
	p, err := startProcess(cmd, filepath.Join(logDir, "systemd.log"))
	if err != nil {
		return err
	}
	s.manager = p

	deadline := time.Now().Add(systemdStartTimeout)
	state := ""
	for {
		out, err := s.Systemctl("is-system-running")
		// is-system-running exits non-zero for every state but running,
		// degraded included, so the answer is read even on an error.
		state = strings.TrimSpace(out)
		if state == "running" || state == "degraded" {
			return nil
		}
		if state == "" && err != nil {
			state = err.Error()
		}
		if p.exited() {
			return fmt.Errorf("systemd --user exited before it was ready (%v); last answer %q; log:\n%s", p.err, state, p.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("systemd --user not ready after %s; last answer %q; log:\n%s", systemdStartTimeout, state, p.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the manager with SIGTERM, which stops its units as a logout
// would, then kills whatever is left in its cgroup and removes the cgroup.
func (s *Systemd) stop() error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	var errs []error
	if s.manager != nil {
		s.manager.stop(10 * time.Second)
	}
	if err := s.cgroup.kill(5 * time.Second); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, s.cgroup.remove(5*time.Second))
	return errors.Join(errs...)
}

// PID returns the manager's process id.
func (s *Systemd) PID() int { return s.manager.pid() }

// baseEnv is the manager's own environment; units inherit it.
func (s *Systemd) baseEnv() []string {
	return []string{
		"HOME=" + s.Home,
		"USER=" + s.User,
		"LOGNAME=" + s.User,
		"XDG_RUNTIME_DIR=" + s.RuntimeDir,
		"XDG_CONFIG_HOME=" + s.ConfigHome,
		"PATH=" + s.path,
		"LANG=C.UTF-8",
	}
}

// Env returns the environment a child process needs to talk to this
// manager as its user: HOME, USER, LOGNAME, XDG_RUNTIME_DIR,
// XDG_CONFIG_HOME, PATH, LANG and, when the manager runs a user bus
// (dbus-user-session), DBUS_SESSION_BUS_ADDRESS.
func (s *Systemd) Env() []string {
	env := s.baseEnv()
	if bus := filepath.Join(s.RuntimeDir, "bus"); exists(bus) {
		env = append(env, "DBUS_SESSION_BUS_ADDRESS=unix:path="+bus)
	}
	return env
}

// Command returns a command that runs name as the manager's user with Env()
// and HOME as its working directory.
func (s *Systemd) Command(name string, args ...string) *exec.Cmd {
	if s.setpriv != "" {
		return commandAs(s.setpriv, s.account, s.Env(), name, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = s.Env()
	cmd.Dir = s.Home
	return cmd
}

// Run runs name as the manager's user (see Command) and returns its
// standard output; the error includes its standard error.
func (s *Systemd) Run(name string, args ...string) (string, error) {
	return run(s.Command(name, args...))
}

// Systemctl runs `systemctl --user args...` against this manager and
// returns its standard output. Some verbs (is-enabled, is-active,
// is-system-running) answer on standard output and exit non-zero at once.
func (s *Systemd) Systemctl(args ...string) (string, error) {
	return s.Run("systemctl", append([]string{"--user"}, args...)...)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
