package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/launchd"
)

// notLoaded says whether launchctl answered that the job is not loaded:
// exit 113, "Could not find service … in domain for …" (print and
// kickstart alike; TOSS-Soft/toss-agent-runtime#40,
// NousResearch/hermes-agent#5536, as in launchdmodel).
func notLoaded(err error) bool {
	return launchd.KindOf(err) == launchd.NotLoaded
}

// loadAgent loads the login agent into the gui domain (`launchctl
// bootstrap`), where its RunAtLoad starts it, as launchd does at a login:
// Try Again of an agent that is not loaded, after Stop Retrying or a
// bootout by Lima 2's `limactl stop`.
func (l *LaunchdHealth) loadAgent(ctx context.Context, in autostart.Instance) error {
	domain := launchd.GUIDomain(l.UID)
	path := launchd.PlistPath(l.LaunchAgents, AgentLabel(in))
	if _, err := l.Runner.Run(ctx, l.Launchctl, "bootstrap", domain, path); err != nil {
		return fmt.Errorf("instance %q: cannot load %s into %s: %w", in.Name, path, domain, err)
	}
	l.forgetRestartsStopped(in.Name)
	return nil
}

// recordRestartsStopped keeps the record that Stop Retrying unloaded the
// agent, so that turning the switch off and on loads it again.
func (l *LaunchdHealth) recordRestartsStopped(name string) error {
	path := autostart.RestartsStoppedPath(l.StateDir, name)
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("instance %q: the restarts were stopped, but cannot record it: %w", name, err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		return fmt.Errorf("instance %q: the restarts were stopped, but cannot record it: %w", name, err)
	}
	return nil
}

// forgetRestartsStopped drops the record once the agent is loaded again
// (a new login, Try Again, Lima 2's `limactl start`): a later switch off
// and on must not load it by an old record.
func (l *LaunchdHealth) forgetRestartsStopped(name string) {
	if path := autostart.RestartsStoppedPath(l.StateDir, name); path != "" {
		os.Remove(path)
	}
}
