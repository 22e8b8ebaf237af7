package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/autostart/systemd"
)

// HealthReader reads what became of an instance's registered job: whether
// the service manager runs it, or it failed and why. It is read apart from
// the registration (which the engine checks), because a well-formed
// registration can still fail at every start.
type HealthReader interface {
	Health(ctx context.Context, in autostart.Instance, c autostart.Condition) health.Health
}

// HealthActor carries out the health actions of the menu.
type HealthActor interface {
	// TryAgain starts the job now, forgetting earlier failures (systemd's
	// start limit).
	TryAgain(ctx context.Context, in autostart.Instance, c autostart.Condition) error
	// StopRetrying stops the restarts of a job that keeps failing and
	// leaves it inactive: it starts again at the next login or boot, or
	// when the switch is turned off and on.
	StopRetrying(ctx context.Context, in autostart.Instance, c autostart.Condition) error
}

// HealthWatcher tells when the health of some job may have changed, so that
// the menu is read again at that moment, without polling.
type HealthWatcher interface {
	WatchHealth(ctx context.Context, changed func()) error
}

// healthCondition is the condition whose job runs the instance: boot
// before login, as the menu's title says. ok is false when neither is
// registered.
func healthCondition(st autostart.Status) (autostart.Condition, bool) {
	switch {
	case st.Boot.Enabled:
		return autostart.Boot, true
	case st.Login.Enabled:
		return autostart.Login, true
	}
	return "", false
}

// logReason finds why a job failed in the log files Lima and LimaBar keep
// in the instance folder (ha.stderr.log, which Lima's host agent writes
// also under --foreground when not on a terminal, launchd.stderr.log, the
// job's stderr on a Mac, and more names, such as the Colima unit's
// systemd.stderr.log), taking only a file written since the job last
// started: an older one tells of another run. Of the files with a reason,
// the one written last wins. It returns the reason and the file it was
// read from.
func logReason(dir string, started time.Time, more ...string) (reason, file string) {
	var best, bestFile string
	var bestTime time.Time
	for _, name := range append([]string{"ha.stderr.log", "launchd.stderr.log"}, more...) {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || (!started.IsZero() && fi.ModTime().Before(started.Add(-time.Second))) {
			continue
		}
		if !bestTime.IsZero() && fi.ModTime().Before(bestTime) {
			continue
		}
		tail, err := readTail(p, 16<<10)
		if err != nil {
			continue
		}
		if r := health.Reason(tail); r != "" {
			best, bestFile, bestTime = r, p, fi.ModTime()
		}
	}
	return best, bestFile
}

// readTail reads at most n bytes from the end of a file.
func readTail(path string, n int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	off := max(fi.Size()-n, 0)
	b := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil {
		return "", err
	}
	s := string(b)
	if off > 0 {
		if _, rest, ok := strings.Cut(s, "\n"); ok {
			s = rest
		}
	}
	return s, nil
}

// staleOf checks the instance's ha.pid after a failed start: a pid file
// left by a host agent that is gone makes every `limactl start` fail.
func staleOf(dir string, p health.Process) *health.StalePID {
	pidPath := filepath.Join(dir, "ha.pid")
	b, err := os.ReadFile(pidPath)
	if err != nil {
		return nil
	}
	v, pid := health.Judge(string(b), p)
	if v != health.Stale {
		return nil
	}
	return &health.StalePID{Path: pidPath, Sock: filepath.Join(dir, "ha.sock"), PID: pid}
}

// ErrNoHealthActions is returned for health actions where no service
// manager connection is available.
var ErrNoHealthActions = errors.New("the service manager cannot be reached")

// ErrNotStale is returned by FixStale when the ha.pid is not (or no
// longer) stale: a host agent runs under its pid, or it cannot be told.
var ErrNotStale = errors.New("the host agent's pid file is not stale")

// FixStale removes an instance's ha.pid and ha.sock, but only after
// checking again, right before, that no host agent runs under that pid:
// removing them from a running VM would cut LimaBar and limactl off it.
func FixStale(dir string, p health.Process) error {
	pidPath := filepath.Join(dir, "ha.pid")
	b, err := os.ReadFile(pidPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	v, pid := health.Judge(string(b), p)
	if v != health.Stale {
		return errors.Join(ErrNotStale, errors.New(pidPath+" names process "+strconv.Itoa(pid)+", which is running"))
	}
	// The socket first: a gone ha.pid says the whole cleanup is done.
	for _, path := range []string{filepath.Join(dir, "ha.sock"), pidPath} {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Procfs is health.Process over Linux's /proc.
type Procfs struct{ Root string }

func (p Procfs) root() string {
	if p.Root == "" {
		return "/proc"
	}
	return p.Root
}

// Alive implements health.Process.
func (p Procfs) Alive(pid int) bool {
	_, err := os.Stat(filepath.Join(p.root(), strconv.Itoa(pid)))
	return err == nil
}

// Command implements health.Process: the NUL-separated command line.
func (p Procfs) Command(pid int) string {
	b, err := os.ReadFile(filepath.Join(p.root(), strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return ""
	}
	return string(b)
}

// LaunchdHealth reads the health of an instance's launchd job with
// `launchctl print`, when the menu is read: after start-up, after each
// action, and when the instance folder changes (ha.pid appears or goes, or
// the job writes launchd.stderr.log or ha.stderr.log: app/watch).
// launchd has no change notification a user process can subscribe to, and
// LimaBar does not poll.
type LaunchdHealth struct {
	Runner    runner.Runner
	Launchctl string
	UID       int
	Process   health.Process
	// Elevator runs Try Again of a boot job as root, ScriptTools are the
	// programs its script calls (see tryAgainBoot).
	Elevator    elevate.Elevator
	ScriptTools elevate.Tools
	// LaunchAgents is the folder of the login agents, for loading one
	// again (Try Again of an agent that is not loaded); StateDir is where
	// Stop Retrying leaves its record (autostart.RestartsStoppedPath).
	LaunchAgents string
	StateDir     string
}

var (
	_ HealthReader = (*LaunchdHealth)(nil)
	_ HealthActor  = (*LaunchdHealth)(nil)
)

func (l *LaunchdHealth) target(in autostart.Instance, c autostart.Condition) string {
	if c == autostart.Boot {
		return launchd.Target("system", DaemonLabel(in))
	}
	return launchd.Target(launchd.GUIDomain(l.UID), AgentLabel(in))
}

// AgentLabel is the label of the login agent that starts in: Lima's
// io.lima-vm.autostart.NAME, or LimaBar's own for a Colima profile
// (package autostart/colima).
func AgentLabel(in autostart.Instance) string {
	if in.IsColima() {
		return colima.AgentLabel(in.Profile)
	}
	return launchd.AgentLabel(in.Name)
}

// DaemonLabel is the label of the boot daemon that starts in.
func DaemonLabel(in autostart.Instance) string {
	if in.IsColima() {
		return colima.DaemonLabel(in.Profile)
	}
	return launchd.DaemonLabel(in.Name)
}

// UnitName is the systemd user unit that starts in: Lima's
// lima-vm@NAME.service, or limabar-colima@PROFILE.service for a Colima
// profile. SystemdHealth reads and acts on this unit.
func UnitName(in autostart.Instance) string {
	if in.IsColima() {
		return colima.UnitName(in.Profile)
	}
	return systemd.UnitName(in.Name)
}

// IsJobUnit reports whether a systemd unit is one whose changes are news
// for the menu: Lima's lima-vm@ units and LimaBar's limabar-colima@ ones.
func IsJobUnit(unit string) bool {
	return strings.HasPrefix(unit, "lima-vm@") || strings.HasPrefix(unit, "limabar-colima@")
}

// Health implements HealthReader.
func (l *LaunchdHealth) Health(ctx context.Context, in autostart.Instance, c autostart.Condition) health.Health {
	target := l.target(in, c)
	out, err := l.Runner.Run(ctx, l.Launchctl, "print", target)
	if notLoaded(err) {
		// Nothing runs the job now: Lima 2's `limactl stop` boots out the
		// agent it started, and so does Stop Retrying.
		return health.Health{State: health.Stopped}
	}
	if err != nil {
		if c == autostart.Login && noDomain(err) {
			return health.Health{State: health.Unknown, Reason: NoDesktopReason}
		}
		return health.Health{State: health.Unknown, Reason: fmt.Sprintf("launchctl print %s: %v", target, err)}
	}
	if c == autostart.Login {
		l.forgetRestartsStopped(in.Name)
	}
	h := health.FromJob(health.ParsePrint(string(out)))
	if !h.Bad() || in.Dir == "" {
		return h
	}
	// launchd keeps no time of the last exit: the job's log was written
	// then, and its time tells one failure from the next.
	for _, name := range []string{"launchd.stderr.log", "ha.stderr.log"} {
		if fi, err := os.Stat(filepath.Join(in.Dir, name)); err == nil && fi.ModTime().After(h.Since) {
			h.Since = fi.ModTime()
		}
	}
	// The log's line says more than launchd's "killed by SIGKILL"; without
	// one, launchd's reason stands.
	if reason, file := logReason(in.Dir, time.Time{}); reason != "" {
		h.Reason, h.Log = reason, file
	}
	if l.Process != nil {
		h.Stale = staleOf(in.Dir, l.Process)
	}
	return h
}

// TryAgain implements HealthActor: `launchctl kickstart`, which starts the
// job now unless it runs.
func (l *LaunchdHealth) TryAgain(ctx context.Context, in autostart.Instance, c autostart.Condition) error {
	if c == autostart.Boot {
		return l.tryAgainBoot(ctx, in)
	}
	target := l.target(in, c)
	_, err := l.Runner.Run(ctx, l.Launchctl, "kickstart", target)
	if notLoaded(err) && c == autostart.Login && l.LaunchAgents != "" {
		return l.loadAgent(ctx, in)
	}
	if err != nil {
		return fmt.Errorf("instance %q: cannot start %s: %w", in.Name, target, err)
	}
	return nil
}

// NoDesktopReason is the health of a login agent while nobody is logged
// in at the desktop: launchd has no gui/UID domain then and answers every
// call on it with 125 (see autostart/launchd_session.go).
const NoDesktopReason = "nobody is logged in at the desktop: launchd loads the agent at the next desktop login"

// noDomain says whether launchctl failed with 125, "Domain does not
// support specified action".
func noDomain(err error) bool {
	return launchd.KindOf(err) == launchd.DomainNotSupported
}

// TryAgainBootNote is what Try Again of a boot job does first, for its
// tooltip.
const TryAgainBootNote = "asks for an administrator password: the boot job belongs to the system"

// tryAgainBoot is Try Again of a boot job: `launchctl kickstart
// system/LABEL` as root, through the elevator (one administrator prompt),
// since launchd lets only root change the system domain (launchctl(1):
// "root privileges are required to make modifications"); run as the
// user it could only fail with "Operation not permitted". A dismissed
// prompt returns an error wrapping autostart.ErrCancelled.
func (l *LaunchdHealth) tryAgainBoot(ctx context.Context, in autostart.Instance) error {
	target := l.target(in, autostart.Boot)
	if l.Elevator == nil {
		return fmt.Errorf("instance %q: cannot start %s: %w", in.Name, target, elevate.ErrNoPrompt)
	}
	script, err := elevate.KickstartScript(l.ScriptTools, DaemonLabel(in))
	if err != nil {
		return fmt.Errorf("instance %q: cannot start %s: %w", in.Name, target, err)
	}
	if err := l.Elevator.RunAsRoot(ctx, script, fmt.Sprintf("LimaBar wants to start %s again.", in.Name)); err != nil {
		return fmt.Errorf("instance %q: cannot start %s: %w", in.Name, target, err)
	}
	return nil
}

// ErrStopRetryingBoot: stopping a boot daemon's restarts needs root, so
// the menu says how instead.
var ErrStopRetryingBoot = errors.New("the boot job belongs to the system: turn Start at Boot off to stop its restarts")

// StopRetrying implements HealthActor: `launchctl bootout` of the login
// agent unloads it, so KeepAlive stops restarting it; launchd loads it
// again at the next login, and turning the switch off and on, or Try
// Again, loads it now: the record Stop Retrying leaves tells the engine to
// (autostart.RestartsStoppedPath). The job is not running (it keeps
// failing), so no VM stops.
func (l *LaunchdHealth) StopRetrying(ctx context.Context, in autostart.Instance, c autostart.Condition) error {
	if c == autostart.Boot {
		return ErrStopRetryingBoot
	}
	target := l.target(in, c)
	if _, err := l.Runner.Run(ctx, l.Launchctl, "bootout", target); err != nil && launchd.KindOf(err) != launchd.NotLoaded {
		return fmt.Errorf("instance %q: cannot stop the restarts of %s: %w", in.Name, target, err)
	}
	return l.recordRestartsStopped(in.Name)
}

// PsProcess is health.Process on a Mac, where there is no /proc:
// `ps -p PID -o comm=` prints the command's path, and exits 1 with nothing
// for a pid no process has.
type PsProcess struct{ Runner runner.Runner }

// Alive implements health.Process. Only ps's own "no such process" answer
// counts as dead: when ps cannot be asked, the pid is taken for alive, so
// that nothing is removed on a guess.
func (p PsProcess) Alive(pid int) bool {
	_, err := p.Runner.Run(context.Background(), "/bin/ps", "-p", strconv.Itoa(pid), "-o", "comm=")
	var rerr *runner.Error
	return !(errors.As(err, &rerr) && rerr.ExitCode == 1)
}

// Command implements health.Process.
func (p PsProcess) Command(pid int) string {
	out, err := p.Runner.Run(context.Background(), "/bin/ps", "-p", strconv.Itoa(pid), "-o", "comm=")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// currentHealth keeps a failure only when it belongs to the registration
// now on disk. A job that failed and was then registered again (the
// switch turned off and on, a switch-over, a repair, limactl writing the
// file) failed under a registration that is gone: systemd keeps a failed
// unit's state, with its time, across the removal and the new unit file
// (until `systemctl --user reset-failed`), and launchd keeps a loaded
// job's last exit when its plist is rewritten. The registration's time is
// its file's modification time, which every write (temporary file and
// rename) sets; a failure before it is history and shows as Stopped, the
// job not running. A failure without a time, or a job being restarted
// now, is kept.
func currentHealth(h health.Health, registration string) health.Health {
	if !h.Bad() || h.Restarting || h.Since.IsZero() || registration == "" {
		return h
	}
	fi, err := os.Stat(registration)
	if err != nil || !h.Since.Before(fi.ModTime()) {
		return h
	}
	return health.Health{State: health.Stopped}
}

// FailureClearer forgets a job's failure without starting or stopping the
// job: what `systemctl --user reset-failed` does. launchd has no such
// call: it keeps a job's last exit until the job runs again, and loading
// the job again would start it.
type FailureClearer interface {
	ClearFailure(ctx context.Context, in autostart.Instance, c autostart.Condition) error
}

// ClearsFailures says whether ClearFailure can forget a job's failure
// here (the service manager can, and is reached).
func (l *Live) ClearsFailures() bool {
	_, ok := l.Health.(FailureClearer)
	return ok
}

// ClearFailure forgets the failure of an instance's job, starting
// nothing: the job runs at the next login or boot, or when the instance
// is started.
func (l *Live) ClearFailure(ctx context.Context, name string, c autostart.Condition) error {
	fc, ok := l.Health.(FailureClearer)
	if !ok {
		return fmt.Errorf("instance %q: %w", name, ErrNoHealthActions)
	}
	inst, err := l.Find(ctx, name)
	if err != nil {
		return err
	}
	return fc.ClearFailure(ctx, inst, c)
}
