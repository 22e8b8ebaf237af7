package state

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/limabar/limabar/app/sessionbus"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/runner"
	"github.com/limabar/limabar/autostart/systemd"
)

// SystemdHealth reads the health of lima-vm@NAME.service from the user's
// systemd over D-Bus, and hears its changes as they happen: systemd sends
// PropertiesChanged for a unit at each state change once a client has
// called Subscribe.
type SystemdHealth struct {
	conn *sdbus.Conn
	// Runner runs journalctl for the reason of a failure.
	Runner  runner.Runner
	Process health.Process
	Logger  *slog.Logger

	mu      sync.Mutex
	reasons map[string]reason // unit and start time → reason
}

var (
	_ HealthReader   = (*SystemdHealth)(nil)
	_ HealthActor    = (*SystemdHealth)(nil)
	_ HealthWatcher  = (*SystemdHealth)(nil)
	_ FailureClearer = (*SystemdHealth)(nil)
)

// ConnectSystemdHealth connects to the user's systemd the way `systemctl
// --user` does: its private socket, $XDG_RUNTIME_DIR/systemd/private,
// first, then the session bus.
func ConnectSystemdHealth(ctx context.Context, r runner.Runner, logger *slog.Logger) (*SystemdHealth, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var conn *sdbus.Conn
	var err error
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		conn, err = sdbus.NewConnection(dialPrivate(filepath.Join(dir, "systemd", "private")))
	}
	if conn == nil {
		conn, err = sdbus.NewConnection(func() (*dbus.Conn, error) { return sessionbus.Connect(ctx) })
	}
	if err != nil {
		return nil, fmt.Errorf("cannot reach the user's systemd over D-Bus: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &SystemdHealth{conn: conn, Runner: r, Process: Procfs{}, Logger: logger, reasons: map[string]reason{}}, nil
}

// dialPrivate connects straight to a systemd manager's private socket,
// which speaks D-Bus without a bus daemon (no Hello).
func dialPrivate(path string) func() (*dbus.Conn, error) {
	return func() (*dbus.Conn, error) {
		conn, err := dbus.Dial("unix:path=" + path)
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
	unit := systemd.UnitName(in.Name)
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
// runs, else the logs in the instance folder. One failure is read once.
func (s *SystemdHealth) reason(ctx context.Context, in autostart.Instance, unit string, started time.Time) reason {
	key := unit + "@" + started.String()
	s.mu.Lock()
	r, ok := s.reasons[key]
	s.mu.Unlock()
	if ok {
		return r
	}
	if s.Runner != nil && !started.IsZero() {
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
	unit := systemd.UnitName(in.Name)
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
	unit := systemd.UnitName(in.Name)
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
	unit := systemd.UnitName(in.Name)
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

// WatchHealth implements HealthWatcher: it calls changed whenever a
// lima-vm@ unit changes state, until ctx ends.
func (s *SystemdHealth) WatchHealth(ctx context.Context, changed func()) error {
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
			if strings.HasPrefix(u.UnitName, "lima-vm@") {
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
