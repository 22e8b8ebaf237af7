package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/limabar/limabar/app/sessionbus"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/autostart/systemd"
)

// SystemdHealth reads the health of LimaBar's units (lima-vm@NAME.service)
// from the user's systemd over D-Bus, and hears their changes as they
// happen: systemd sends PropertiesChanged for a unit at each state change
// once a client has called Subscribe.
//
// Only LimaBar's units may wake LimaBar. On the session bus, where a
// desktop's systemd user manager is, the bus delivers a broadcast signal
// only to connections with a match rule for it, so SystemdHealth adds one
// rule per LimaBar unit: its object path, which systemd makes from the
// unit's name (lima_2dvm_40NAME_2eservice), for PropertiesChanged, and the
// unit's name as JobRemoved's third argument for the end of a job LimaBar
// waits for. A rule cannot match a part of a path element or a prefix of an
// argument, so the units are named one by one: each unit whose health is
// read, and every unit, loaded or with a file, whose name is one of
// LimaBar's (lima-vm@*.service, limabar-colima@*.service), listed again
// whenever systemd reloads its units. Systemd's private socket, used only
// where there is no session bus with systemd on it, is a connection without
// a bus: systemd writes every signal of every unit to it.
type SystemdHealth struct {
	conn *sdbus.Conn
	// signals is the session bus connection go-systemd receives signals
	// on, the one the match rules are added to; nil on the private socket.
	signals *dbus.Conn
	// Runner runs journalctl for the reason of a failure.
	Runner  runner.Runner
	Process health.Process
	Logger  *slog.Logger

	mu      sync.Mutex
	reasons map[string]reason // unit and start time → reason
	// matchMu orders the adding of match rules, so that a unit counts as
	// watched only once its rules are in place.
	matchMu sync.Mutex
	watched map[dbus.ObjectPath]string // object path → unit, under matchMu and mu
}

var (
	_ HealthReader   = (*SystemdHealth)(nil)
	_ HealthActor    = (*SystemdHealth)(nil)
	_ HealthWatcher  = (*SystemdHealth)(nil)
	_ FailureClearer = (*SystemdHealth)(nil)
)

// systemdName is the user manager's name on the session bus, and
// systemdPath its manager object.
const (
	systemdName = "org.freedesktop.systemd1"
	systemdPath = dbus.ObjectPath("/org/freedesktop/systemd1")
)

// unitPatterns are the names of LimaBar's units, as systemd's
// ListUnitsByPatterns and ListUnitFilesByPatterns take them (fnmatch).
var unitPatterns = []string{systemd.UnitName("*"), colima.UnitName("*")}

// ownUnit reports whether unit is one of LimaBar's (an instance, not a
// template's own name).
func ownUnit(unit string) bool {
	if strings.Contains(unit, "@.") {
		return false
	}
	for _, p := range unitPatterns {
		if ok, _ := path.Match(p, unit); ok {
			return true
		}
	}
	return false
}

// ConnectSystemdHealth connects to the user's systemd: on the session bus
// where systemd is on it (every desktop), else on its private socket,
// $XDG_RUNTIME_DIR/systemd/private, as `systemctl --user` does.
func ConnectSystemdHealth(ctx context.Context, r runner.Runner, logger *slog.Logger) (*SystemdHealth, error) {
	return connectSystemdHealth(ctx, r, logger)
}

// connectSystemdHealth is ConnectSystemdHealth with godbus's options for
// each connection.
func connectSystemdHealth(ctx context.Context, r runner.Runner, logger *slog.Logger, opts ...dbus.ConnOption) (*SystemdHealth, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &SystemdHealth{Runner: r, Process: Procfs{}, Logger: logger, reasons: map[string]reason{}, watched: map[dbus.ObjectPath]string{}}
	conn, busErr := s.connectSessionBus(ctx, opts)
	if conn != nil {
		logger.Info("the user's systemd", "through", "the session bus")
		s.conn = conn
		return s, nil
	}
	var err error = busErr
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		conn, err = sdbus.NewConnection(dialPrivate(filepath.Join(dir, "systemd", "private"), opts))
	}
	if conn == nil {
		return nil, fmt.Errorf("cannot reach the user's systemd over D-Bus: %w", err)
	}
	logger.Info("the user's systemd", "through", "its private socket", "session bus", busErr)
	s.conn = conn
	return s, nil
}

// connectSessionBus connects go-systemd through the session bus if systemd
// is on it, with no match rule but LimaBar's.
func (s *SystemdHealth) connectSessionBus(ctx context.Context, opts []dbus.ConnOption) (*sdbus.Conn, error) {
	// The connections live on after ctx, which bounds only the calls.
	first, err := sessionbus.Connect(context.Background(), opts...)
	if err != nil {
		return nil, err
	}
	if on, err := sessionbus.HasOwner(ctx, first, systemdName); err != nil || !on {
		first.Close()
		if err == nil {
			err = fmt.Errorf("systemd is not on the session bus")
		}
		return nil, err
	}
	// go-systemd v22's NewConnection dials twice: the first connection
	// calls methods, the second receives signals, and on it go-systemd
	// asks for every JobRemoved of the manager. That rule goes; JobRemoved
	// of LimaBar's units is asked for unit by unit (watch).
	var conns []*dbus.Conn
	conn, err := sdbus.NewConnection(func() (*dbus.Conn, error) {
		if len(conns) == 0 {
			conns = append(conns, first)
			return first, nil
		}
		c, err := sessionbus.Connect(context.Background(), opts...)
		if err == nil {
			conns = append(conns, c)
		}
		return c, err
	})
	if err != nil {
		first.Close()
		return nil, err
	}
	s.signals = conns[len(conns)-1]
	if err := s.signals.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.RemoveMatch", 0,
		"type='signal', interface='org.freedesktop.systemd1.Manager', member='JobRemoved'").Err; err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus: cannot remove go-systemd's match rule for every job: %w", err)
	}
	return conn, nil
}

// dialPrivate connects straight to a systemd manager's private socket,
// which speaks D-Bus without a bus daemon (no Hello).
func dialPrivate(path string, opts []dbus.ConnOption) func() (*dbus.Conn, error) {
	return func() (*dbus.Conn, error) {
		conn, err := dbus.Dial("unix:path="+path, opts...)
		if err != nil {
			return nil, err
		}
		if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
}

// watch makes sure the signals of unit reach LimaBar (on the session bus;
// on the private socket every signal does). Once it returns, a change of
// the unit is heard.
func (s *SystemdHealth) watch(ctx context.Context, unit string) error {
	if s.signals == nil {
		return nil
	}
	p := dbus.ObjectPath(string(systemdPath) + "/unit/" + sdbus.PathBusEscape(unit))
	s.matchMu.Lock()
	defer s.matchMu.Unlock()
	s.mu.Lock()
	_, ok := s.watched[p]
	s.mu.Unlock()
	if ok {
		return nil
	}
	err := s.signals.AddMatchSignalContext(ctx, dbus.WithMatchSender(systemdName), dbus.WithMatchObjectPath(p),
		dbus.WithMatchInterface("org.freedesktop.DBus.Properties"), dbus.WithMatchMember("PropertiesChanged"),
		dbus.WithMatchArg(0, "org.freedesktop.systemd1.Unit"))
	if err == nil {
		err = s.signals.AddMatchSignalContext(ctx, dbus.WithMatchSender(systemdName), dbus.WithMatchObjectPath(systemdPath),
			dbus.WithMatchInterface("org.freedesktop.systemd1.Manager"), dbus.WithMatchMember("JobRemoved"),
			dbus.WithMatchArg(2, unit))
	}
	if err != nil {
		return fmt.Errorf("cannot ask the session bus for the changes of %s: %w", unit, err)
	}
	s.mu.Lock()
	s.watched[p] = unit
	s.mu.Unlock()
	return nil
}

// watchOwnUnits watches every unit of LimaBar's that systemd has loaded or
// has a file for.
func (s *SystemdHealth) watchOwnUnits(ctx context.Context) error {
	units, err := s.conn.ListUnitsByPatternsContext(ctx, nil, unitPatterns)
	if err != nil {
		return fmt.Errorf("cannot list LimaBar's units: %w", err)
	}
	files, err := s.conn.ListUnitFilesByPatternsContext(ctx, nil, unitPatterns)
	if err != nil {
		return fmt.Errorf("cannot list LimaBar's unit files: %w", err)
	}
	names := make([]string, 0, len(units)+len(files))
	for _, u := range units {
		names = append(names, u.Name)
	}
	for _, f := range files {
		names = append(names, filepath.Base(f.Path))
	}
	for _, n := range names {
		// A template's own file (lima-vm@.service) has no instance to
		// watch.
		if !ownUnit(n) {
			continue
		}
		if err := s.watch(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Close ends the connection.
func (s *SystemdHealth) Close() { s.conn.Close() }

func usec(v any) time.Time {
	if u, ok := v.(uint64); ok && u > 0 {
		return time.UnixMicro(int64(u))
	}
	return time.Time{}
}

// Health implements HealthReader.
func (s *SystemdHealth) Health(ctx context.Context, in autostart.Instance, _ autostart.Condition) health.Health {
	unit := UnitName(in)
	// Watched before it is read, so that no change falls in between.
	if err := s.watch(ctx, unit); err != nil {
		s.Logger.Debug("unit not watched", "unit", unit, "err", err)
	}
	props, err := s.conn.GetUnitPropertiesContext(ctx, unit)
	if err != nil {
		return health.Health{State: health.Unknown, Reason: fmt.Sprintf("cannot read %s: %v", unit, err)}
	}
	svc, err := s.conn.GetUnitTypePropertiesContext(ctx, unit, "Service")
	if err != nil {
		return health.Health{State: health.Unknown, Reason: fmt.Sprintf("cannot read %s: %v", unit, err)}
	}
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	u := health.Unit{
		LoadState:   str(props, "LoadState"),
		ActiveState: str(props, "ActiveState"),
		SubState:    str(props, "SubState"),
		Result:      str(svc, "Result"),
		StateChange: usec(props["StateChangeTimestamp"]),
	}
	if v, ok := svc["ExecMainStatus"].(int32); ok {
		u.ExecMainStatus = int(v)
	}
	if v, ok := svc["NRestarts"].(uint32); ok {
		u.NRestarts = int(v)
	}
	h := health.FromUnit(u)
	if !h.Bad() {
		return h
	}
	started := usec(svc["ExecMainStartTimestamp"])
	r := s.reason(ctx, in, unit, started)
	h.Reason, h.Log = r.text, r.file
	if in.Dir != "" {
		h.Stale = staleOf(in.Dir, s.Process)
	}
	return h
}

// reason is why a run failed, and the log file it was read from ("" for
// the journal).
type reason struct{ text, file string }

// reason reads why the last run failed: the unit's journal where journald
// runs, else the logs in the instance folder. A Colima unit appends
// colima's standard error to its own file in the instance folder
// (systemd.ColimaStderrLog), which is read first: its journal holds only
// systemd's lines about the unit. One failure is read once.
func (s *SystemdHealth) reason(ctx context.Context, in autostart.Instance, unit string, started time.Time) reason {
	key := unit + "@" + started.String()
	s.mu.Lock()
	r, ok := s.reasons[key]
	s.mu.Unlock()
	if ok {
		return r
	}
	if in.IsColima() && in.Dir != "" {
		r.text, r.file = logReason(in.Dir, started, systemd.ColimaStderrLog)
	}
	if r.text == "" && s.Runner != nil && !started.IsZero() {
		out, err := s.Runner.Run(ctx, "journalctl", "--user", "--unit="+unit, "--output=cat", "--quiet", "--no-pager",
			"--lines=50", fmt.Sprintf("--since=@%d", started.Add(-time.Second).Unix()))
		if err == nil {
			r.text = health.Reason(string(out))
		} else {
			s.Logger.Debug("no journal", "unit", unit, "err", err)
		}
	}
	if r.text == "" && in.Dir != "" {
		r.text, r.file = logReason(in.Dir, started)
	}
	s.mu.Lock()
	s.reasons[key] = r
	s.mu.Unlock()
	return r
}

// TryAgain implements HealthActor: reset-failed (past the start limit),
// then start, as `systemctl --user reset-failed` and `start` do.
func (s *SystemdHealth) TryAgain(ctx context.Context, in autostart.Instance, _ autostart.Condition) error {
	unit := UnitName(in)
	// The end of the job is JobRemoved of the unit.
	if err := s.watch(ctx, unit); err != nil {
		return fmt.Errorf("instance %q: %w", in.Name, err)
	}
	if err := s.conn.ResetFailedUnitContext(ctx, unit); err != nil && !notFailed(err) {
		return fmt.Errorf("instance %q: cannot reset %s: %w", in.Name, unit, err)
	}
	done := make(chan string, 1)
	if _, err := s.conn.StartUnitContext(ctx, unit, "replace", done); err != nil {
		return fmt.Errorf("instance %q: cannot start %s: %w", in.Name, unit, err)
	}
	select {
	case res := <-done:
		if res != "done" {
			return fmt.Errorf("instance %q: starting %s: %s", in.Name, unit, res)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// StopRetrying implements HealthActor: stop (which cancels a restart that
// is due) and reset-failed, leaving the unit inactive.
func (s *SystemdHealth) StopRetrying(ctx context.Context, in autostart.Instance, _ autostart.Condition) error {
	unit := UnitName(in)
	// The end of the job is JobRemoved of the unit.
	if err := s.watch(ctx, unit); err != nil {
		return fmt.Errorf("instance %q: %w", in.Name, err)
	}
	done := make(chan string, 1)
	if _, err := s.conn.StopUnitContext(ctx, unit, "replace", done); err != nil {
		return fmt.Errorf("instance %q: cannot stop %s: %w", in.Name, unit, err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := s.conn.ResetFailedUnitContext(ctx, unit); err != nil && !notFailed(err) {
		return fmt.Errorf("instance %q: cannot reset %s: %w", in.Name, unit, err)
	}
	return nil
}

// ClearFailure implements FailureClearer: reset-failed, which takes a
// failed unit back to inactive (and forgets its restarts and start limit)
// and starts or stops nothing.
func (s *SystemdHealth) ClearFailure(ctx context.Context, in autostart.Instance, _ autostart.Condition) error {
	unit := UnitName(in)
	if err := s.conn.ResetFailedUnitContext(ctx, unit); err != nil && !notFailed(err) {
		return fmt.Errorf("instance %q: cannot reset %s: %w", in.Name, unit, err)
	}
	return nil
}

// notFailed is systemd's answer to reset-failed of a unit that is not
// failed (or not loaded), which is nothing to undo.
func notFailed(err error) bool {
	return strings.Contains(err.Error(), "not loaded") || strings.Contains(err.Error(), "NoSuchUnit")
}

// WatchHealth implements HealthWatcher: it calls changed whenever one of
// LimaBar's units changes state, until ctx ends.
func (s *SystemdHealth) WatchHealth(ctx context.Context, changed func()) error {
	if s.signals == nil {
		return s.watchPrivate(ctx, changed)
	}
	signals := make(chan *dbus.Signal, 64)
	s.signals.Signal(signals)
	defer s.signals.RemoveSignal(signals)
	// A reload may bring new units of LimaBar's (a unit file written by
	// limactl or another LimaBar), which are then listed again.
	reloads := []dbus.MatchOption{dbus.WithMatchSender(systemdName), dbus.WithMatchObjectPath(systemdPath),
		dbus.WithMatchInterface("org.freedesktop.systemd1.Manager"), dbus.WithMatchMember("Reloading")}
	if err := s.signals.AddMatchSignalContext(ctx, reloads...); err != nil {
		return fmt.Errorf("cannot ask the session bus for systemd's reloads: %w", err)
	}
	defer s.signals.RemoveMatchSignal(reloads...)
	// Systemd sends its signals to the bus only while some client is
	// subscribed; the bus hands each to the connections whose rules match.
	// The subscription ends with the connection.
	err := s.signals.Object(systemdName, systemdPath).CallWithContext(ctx, "org.freedesktop.systemd1.Manager.Subscribe", 0).Err
	var derr dbus.Error
	if err != nil && !(errors.As(err, &derr) && derr.Name == "org.freedesktop.systemd1.AlreadySubscribed") {
		return fmt.Errorf("cannot subscribe to systemd's unit changes: %w", err)
	}
	if err := s.watchOwnUnits(ctx); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig, ok := <-signals:
			if !ok {
				return fmt.Errorf("the session bus connection to systemd closed")
			}
			switch sig.Name {
			case "org.freedesktop.DBus.Properties.PropertiesChanged":
				s.mu.Lock()
				_, ours := s.watched[sig.Path]
				s.mu.Unlock()
				if ours {
					changed()
				}
			case "org.freedesktop.systemd1.Manager.Reloading":
				if len(sig.Body) > 0 && sig.Body[0] == false {
					if err := s.watchOwnUnits(ctx); err != nil {
						s.Logger.Debug("units not listed after a reload", "err", err)
					}
				}
			}
		}
	}
}

// watchPrivate is WatchHealth on systemd's private socket, which hands
// LimaBar every change of every unit: the ones of other units are dropped
// here.
func (s *SystemdHealth) watchPrivate(ctx context.Context, changed func()) error {
	updates := make(chan *sdbus.PropertiesUpdate, 256)
	errs := make(chan error, 1)
	s.conn.SetPropertiesSubscriber(updates, errs)
	if err := s.conn.Subscribe(); err != nil {
		return fmt.Errorf("cannot subscribe to systemd's unit changes: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-updates:
			if ownUnit(u.UnitName) {
				changed()
			}
		case err := <-errs:
			// The update channel overflowed: a change may have been
			// dropped, so read everything again.
			s.Logger.Debug("systemd updates overflowed", "err", err)
			changed()
		}
	}
}
