// Package health says whether a registered job did its work: whether the
// VM it starts is running, stopped, failed once or keeps failing, and why,
// in the job's own words. It is pure: the service manager's answer comes in
// as values (systemd unit properties, the text of `launchctl print`, the
// tail of a log), so every decision is table-tested on Linux.
package health

import (
	"encoding/json"
	"fmt"
	"time"
)

// State is what became of a registered job: Running (the job is up, the
// VM runs or is starting), Stopped (not running, and it did not fail),
// Failed (its last run failed and nothing restarts it), Failing (it fails
// again and again: the service manager is restarting it, or gave up after
// too many restarts) or Unknown (the service manager could not be asked:
// no user manager, no GUI session on a Mac).
type State string

// The states, as `list --json` writes them.
const Running, Stopped, Failed, Failing, Unknown State = "running", "stopped", "failed", "failing", "unknown"

// Health is the state of one registered job.
type Health struct {
	State State
	// Reason is the last meaningful line the job wrote before it failed.
	Reason string
	// Log is the file Reason was read from, for Show Log; "" when it came
	// from elsewhere (systemd's journal) or there is none.
	Log string
	// ExitCode is the exit status of the job's last run (0 when it was
	// killed by a signal or has not exited).
	ExitCode int
	// Signal is the signal that ended the last run (9 for SIGKILL), 0 when
	// it exited or has not ended.
	Signal int
	// Restarts counts the automatic restarts of the job.
	Restarts int
	// Since is when the job entered State; zero when unknown.
	Since time.Time
	// Restarting is set while the service manager waits to restart the
	// job: the next moment may bring another state, so this one is shown
	// but not notified.
	Restarting bool
	// Stale is set when the failure comes from a stale ha.pid of an
	// unclean shutdown, which LimaBar can remove.
	Stale *StalePID
}

// Bad reports whether the job failed: these are shown, badged and notified.
func (h Health) Bad() bool { return h.State == Failed || h.State == Failing }

// Key names one failure: the same failure read again has the same key, so
// it is notified once, also across restarts of LimaBar. A failed run is
// one failure, told apart from the next by its time. A job that keeps
// failing is one failure however many runs fail (launchd starts it again
// every ten seconds, and each run writes the log whose time is Since), but
// one per boot: boot names the boot the failure was read in ("" when it
// cannot be told), so that a failure that comes back at every boot, and is
// never cleared because the job never once runs, is told again after each
// reboot rather than once ever.
func (h Health) Key(instance, condition, boot string) string {
	if h.State == Failing {
		if boot == "" {
			return fmt.Sprintf("%s/%s/%s", instance, condition, h.State)
		}
		return fmt.Sprintf("%s/%s/%s/boot=%s", instance, condition, h.State, boot)
	}
	return fmt.Sprintf("%s/%s/%s/%d", instance, condition, h.State, h.Since.UnixMicro())
}

// healthJSON is the documented JSON form of Health.
type healthJSON struct {
	State    State  `json:"state"`
	Reason   string `json:"reason"`
	ExitCode int    `json:"exitCode"`
	Restarts int    `json:"restarts"`
	Since    string `json:"since"`
}

// MarshalJSON writes the fields `list --json` documents, with Since in
// RFC 3339 ("" when unknown).
func (h Health) MarshalJSON() ([]byte, error) {
	j := healthJSON{State: h.State, Reason: h.Reason, ExitCode: h.ExitCode, Restarts: h.Restarts}
	if !h.Since.IsZero() {
		j.Since = h.Since.UTC().Format(time.RFC3339)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (h *Health) UnmarshalJSON(b []byte) error {
	var j healthJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*h = Health{State: j.State, Reason: j.Reason, ExitCode: j.ExitCode, Restarts: j.Restarts}
	if j.Since != "" {
		t, err := time.Parse(time.RFC3339, j.Since)
		if err != nil {
			return fmt.Errorf("health since: %w", err)
		}
		h.Since = t
	}
	return nil
}

// Unit is what systemd's user manager says about a unit (the D-Bus
// properties of org.freedesktop.systemd1.Unit and .Service).
type Unit struct {
	LoadState   string // "loaded", "not-found", …
	ActiveState string // "active", "inactive", "failed", "activating", …
	SubState    string // "running", "auto-restart", "dead", "failed", …
	Result      string // "success", "exit-code", "signal", "start-limit-hit", …
	// ExecMainStatus is the exit status of the main process (or the
	// signal number when Result is "signal").
	ExecMainStatus int
	NRestarts      int
	// StateChange is StateChangeTimestamp.
	StateChange time.Time
}

// FromUnit turns a unit's state into Health. Restart=on-failure makes
// systemd restart a failed start after 100 ms, and give up after five
// starts in ten seconds (Result start-limit-hit): both are Failing, a loop
// the user must hear about, not a failure that will pass.
func FromUnit(u Unit) Health {
	h := Health{Restarts: u.NRestarts, Since: u.StateChange}
	if u.Result != "signal" {
		h.ExitCode = u.ExecMainStatus
	}
	switch {
	case u.LoadState != "" && u.LoadState != "loaded":
		h.State = Unknown
	case u.ActiveState == "activating" && u.SubState == "auto-restart":
		h.State, h.Restarting = Failing, true
	case u.ActiveState == "active" || u.ActiveState == "activating" ||
		u.ActiveState == "reloading" || u.ActiveState == "deactivating" ||
		u.ActiveState == "refreshing":
		h.State = Running
	case u.ActiveState == "failed" && (u.Result == "start-limit-hit" || u.NRestarts > 0):
		h.State = Failing
	case u.ActiveState == "failed":
		h.State = Failed
	case u.ActiveState == "inactive":
		h.State = Stopped
	default:
		h.State = Unknown
	}
	return h
}
