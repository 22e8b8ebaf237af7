// Package testenv starts the real programs that LimaBar's tests run against
// on Linux: a systemd user manager (for root or for an unprivileged user),
// Lima's limactl, a private D-Bus session bus and an Xvfb display.
//
// Everything it starts is private to one test (its own folders, cgroup, bus
// socket and display number) and is stopped when the test ends, pass or fail:
// CI runs on the same machine right after a developer, and a leftover manager
// or display would break the next run.
//
// A missing prerequisite skips the test on a developer's machine and fails it
// under CI (CI=true), where a skipped test would look like a passing one.
package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv/tools"
)

// tmpRoot holds the folders that other users must reach and the folders
// that hold sockets. It is fixed rather than os.TempDir() because TMPDIR may
// point somewhere an unprivileged user cannot traverse, and a socket path
// must stay under the 108-byte limit.
const tmpRoot = "/tmp"

// defaultPath is the PATH given to a child whose environment has none.
const defaultPath = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

// commandTimeout bounds every command run through this package, so that a
// hung systemctl or limactl fails the test instead of stalling the suite.
const commandTimeout = 60 * time.Second

// CI reports whether the tests run under continuous integration (CI=true),
// where a missing prerequisite is a failure rather than a reason to skip.
func CI() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// Need stops the test when a prerequisite of the Linux harness is missing
// (ok is false). On Linux it fails the test under CI (t.Fatalf), because
// nothing may skip there, and skips it on a developer's machine, which may
// lack systemd, Xvfb or root. On any other system it skips: the harness is
// Linux's (systemd, Xvfb, a D-Bus tray), and the CI workflow's Linux job
// runs these tests beside the macOS job.
func Need(t testing.TB, ok bool, why string) {
	t.Helper()
	need(t, runtime.GOOS, ok, why)
}

// need is Need on goos.
func need(t testing.TB, goos string, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if goos != "linux" {
		t.Skipf("the Linux test harness, not on %s: %s", goos, why)
		return
	}
	require(t, ok, why)
}

// require fails the test under CI and skips it elsewhere when ok is false.
func require(t testing.TB, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if CI() {
		t.Fatalf("missing prerequisite (fatal because CI=true): %s", why)
		return
	}
	t.Skipf("missing prerequisite: %s", why)
}

// Tool returns the path of the program name, which must be listed in
// scripts/testenv/tools with what provides it on Linux and on macOS. A
// program the running platform does not have (a Linux tool on a Mac, a Mac
// tool on Linux) skips the test: the CI job of the platform that has it runs
// the test. A program the platform has and this machine lacks fails the test
// under CI and skips it elsewhere, on a Mac as on Linux.
//
// A test compiled for darwin runs a Linux-only program only through Tool or
// from a file built only on Linux; scripts/darwincheck fails the build on
// any other use.
func Tool(t testing.TB, name string) string {
	t.Helper()
	return tool(t, runtime.GOOS, exec.LookPath, name)
}

// tool is Tool on goos, finding programs with lookPath.
func tool(t testing.TB, goos string, lookPath func(string) (string, error), name string) string {
	t.Helper()
	entry, ok := tools.Lookup(name)
	if !ok || entry.Name != name {
		t.Fatalf("%s is not listed in scripts/testenv/tools: add it with what provides it on Linux and on macOS", name)
		return ""
	}
	if !entry.On(goos) {
		t.Skipf("%s is not on %s (%s); the CI job of a platform that has it runs this test", name, goos, entry.Where())
		return ""
	}
	path, err := lookPath(name)
	require(t, err == nil, fmt.Sprintf("%s is not installed (%s): %v", name, entry.Where(), err))
	return path
}

// needRoot stops the test unless it runs as root, which the harness needs to
// create cgroups, /run/systemd/system and folders owned by other users.
func needRoot(t testing.TB, what string) {
	t.Helper()
	Need(t, os.Geteuid() == 0, what+" needs root")
}

// needProgram is Tool, for the Linux harness's own programs.
func needProgram(t testing.TB, name string) string {
	t.Helper()
	return Tool(t, name)
}

// account is a user looked up once, with the numbers setpriv and chown need.
type account struct {
	name     string
	uid, gid int
}

func lookupAccount(name string) (account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, fmt.Errorf("look up user %q: %w", name, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return account{}, fmt.Errorf("uid of user %q: %w", name, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return account{}, fmt.Errorf("gid of user %q: %w", name, err)
	}
	return account{name: u.Username, uid: uid, gid: gid}, nil
}

func currentAccount() (account, error) {
	u, err := user.Current()
	if err != nil {
		return account{}, fmt.Errorf("look up the current user: %w", err)
	}
	return lookupAccount(u.Username)
}

// setprivArgs are the arguments that make setpriv run the rest of the
// command line as a, with a's own groups and no capabilities left over.
func (a account) setprivArgs() []string {
	return []string{
		"--reuid=" + strconv.Itoa(a.uid),
		"--regid=" + strconv.Itoa(a.gid),
		"--init-groups",
		"--",
	}
}

// UserDir returns a new empty 0700 folder in /tmp owned by the named user,
// for use as that user's HOME; t.TempDir() would not do, since it is
// root-owned and its parents are closed to other users. The folder is
// removed when the test ends.
func UserDir(t testing.TB, username string) string {
	t.Helper()
	needRoot(t, "a folder owned by "+username)
	a, err := lookupAccount(username)
	if err != nil {
		t.Fatalf("user folder: %v", err)
	}
	dir, err := ownedTempDir(a, "limabar-home-")
	if err != nil {
		t.Fatalf("user folder: %v", err)
	}
	t.Cleanup(func() { removeAll(t, dir) })
	return dir
}

// ownedTempDir creates a 0700 folder in tmpRoot owned by a.
func ownedTempDir(a account, prefix string) (string, error) {
	dir, err := os.MkdirTemp(tmpRoot, prefix)
	if err != nil {
		return "", fmt.Errorf("create a folder for %s: %w", a.name, err)
	}
	if err := os.Chown(dir, a.uid, a.gid); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("hand %s to %s: %w", dir, a.name, err)
	}
	return dir, nil
}

// removeAll removes a folder the harness created, reporting (not hiding) a
// failure, since leftovers pile up on a machine that CI reuses.
func removeAll(t testing.TB, dir string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("remove %s: %v", dir, err)
	}
}

// CommandAs returns a command that runs name as the named unprivileged user
// through setpriv. env is the complete environment (PATH is added when it
// has none); the working directory is HOME from env, or /, because the
// test's own folder may be closed to that user.
func CommandAs(t testing.TB, username string, env []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	needRoot(t, "running a command as "+username)
	setpriv := needProgram(t, "setpriv")
	a, err := lookupAccount(username)
	if err != nil {
		t.Fatalf("command as %s: %v", username, err)
	}
	return commandAs(setpriv, a, env, name, args...)
}

func commandAs(setpriv string, a account, env []string, name string, args ...string) *exec.Cmd {
	argv := append(a.setprivArgs(), name)
	cmd := exec.Command(setpriv, append(argv, args...)...)
	cmd.Env = withPath(env)
	cmd.Dir = envValue(env, "HOME")
	if cmd.Dir == "" {
		cmd.Dir = "/"
	}
	return cmd
}

// RunAs runs name as the named unprivileged user (see CommandAs) and returns
// its standard output. The error includes the command's standard error.
// Lima's limactl refuses to run as root, so interop tests run it this way.
func RunAs(t testing.TB, username string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	return run(CommandAs(t, username, env, name, args...))
}

// run runs cmd to completion within commandTimeout and returns its standard
// output; a failure carries the command line and its standard error.
func run(cmd *exec.Cmd) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child that leaves a grandchild holding the pipes open must not
	// block Wait forever.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", strings.Join(cmd.Args, " "), err)
	}
	timer := time.AfterFunc(commandTimeout, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	expired := !timer.Stop()
	if err != nil {
		if expired {
			err = fmt.Errorf("killed after %s: %w", commandTimeout, err)
		}
		return stdout.String(), fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func withPath(env []string) []string {
	out := append([]string(nil), env...)
	if envValue(out, "PATH") == "" {
		out = append(out, "PATH="+defaultPath)
	}
	return out
}

// envValue returns the last value of key in env, as exec would use it.
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// repoRoot finds the main module's folder by walking up from the working
// directory, which go test sets to the package's own folder.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the repository: %w", err)
	}
	for {
		if isMainModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find the repository: no go.mod of github.com/limabar/limabar above the working directory")
		}
		dir = parent
	}
}

func isMainModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == "github.com/limabar/limabar"
		}
	}
	return false
}

// process is a long-running program the harness started in its own
// session, so that a signal to its process group reaches it and nothing
// else of the test.
type process struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startProcess starts cmd in a new session with stdout and stderr going to
// the file logPath. A file rather than a pipe, so that a grandchild which
// inherits them cannot hold up Wait.
func startProcess(cmd *exec.Cmd, logPath string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log: %w", err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	p := &process{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, waits up to grace, then sends
// SIGKILL and waits for the process to be reaped. It reports whether the
// process had to be killed.
func (p *process) stop(grace time.Duration) (killed bool) {
	if p.exited() {
		return false
	}
	syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
		return false
	case <-time.After(grace):
	}
	syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
	return true
}

// logTail returns the end of the process's log, for failure messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	const limit = 4000
	if len(b) > limit {
		b = b[len(b)-limit:]
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return "(empty log)"
	}
	return string(b)
}

// ownerOf returns the owner of path, for files that must belong to the same
// user as the folder they are created in.
func ownerOf(path string) (account, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return account{}, fmt.Errorf("owner of %s: %w", path, err)
	}
	return ownerFromInfo(fi), nil
}

func ownerFromInfo(fi os.FileInfo) account {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return account{uid: os.Getuid(), gid: os.Getgid()}
	}
	return account{uid: int(st.Uid), gid: int(st.Gid)}
}
