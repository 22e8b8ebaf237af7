// Package state joins what limactl says about instances with what the
// autostart engine says about their registrations into one snapshot, and
// carries out the user's actions. The menu is drawn from a Snapshot; every
// click becomes a call on a Service.
package state

import (
	"context"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// Instance is one Lima instance with its autostart state.
type Instance struct {
	lima.Instance
	Autostart autostart.Status
	// AutostartErr is set when the registrations could not be read.
	AutostartErr string
	// Health is what became of the registered job of condition
	// HealthCondition (boot before login); nil when none is registered or
	// the service manager is not asked.
	Health          *health.Health
	HealthCondition autostart.Condition
}

// Snapshot is everything the menu shows, read at one moment.
type Snapshot struct {
	Platform autostart.Platform
	// Limactl is the limactl in use; empty when none was found.
	Limactl string
	// LimactlErr explains why limactl is missing or unusable.
	LimactlErr string
	// ListErr is set when `limactl list` failed (hung, printed garbage).
	ListErr string
	// InstancesStale is set when ListErr is and Instances are the ones of
	// an earlier snapshot: the menu keeps them, and their switches, in
	// reach while limactl does not answer, and says that they may be out
	// of date.
	InstancesStale bool
	LimaHome       string
	// LimaHomeMissing is true when LIMA_HOME does not exist (deleted, or
	// an external volume not mounted), which explains an empty list.
	LimaHomeMissing bool
	Instances       []Instance
	// SelfStart says whether LimaBar itself opens at login.
	SelfStart          bool
	SelfStartSupported bool
}

// Service reads snapshots and carries out actions. The program's Service
// drives limactl and the autostart engine; tests use a fake.
type Service interface {
	Snapshot(ctx context.Context) Snapshot
	Enable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error)
	Disable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error)
	// Repair re-registers whatever is registered with the current settings.
	Repair(ctx context.Context, name string) (autostart.Result, error)
	Start(ctx context.Context, name string) error
	Stop(ctx context.Context, name string) error
	Restart(ctx context.Context, name string) error
	SetSelfStart(ctx context.Context, on bool) error
	// TryAgain starts a registered job that failed, now.
	TryAgain(ctx context.Context, name string, c autostart.Condition) error
	// StopRetrying stops the restarts of a job that keeps failing.
	StopRetrying(ctx context.Context, name string, c autostart.Condition) error
	// FixStale removes the stale ha.pid and ha.sock of an instance after
	// checking that no host agent runs under that pid.
	FixStale(ctx context.Context, name string) error
	// WatchHealth calls changed whenever the health of a registered job
	// may have changed (the service manager tells), until ctx ends; it
	// returns at once where nothing can tell.
	WatchHealth(ctx context.Context, changed func()) error
	// StateDir is where LimaBar keeps its own records ("" for none).
	StateDir() string
	// WatchDirs are the folders whose changes can change the snapshot:
	// LIMA_HOME and the autostart folders.
	WatchDirs() []string
}

// Restater is a Service that can read a snapshot's registrations again
// without listing the instances (Live.Restat).
type Restater interface {
	Restat(ctx context.Context, prev Snapshot) Snapshot
}

// KeepLastInstances returns s, and when s could not list the instances
// (ListErr) it keeps the instances of prev, the snapshot shown before,
// marked InstancesStale. A limactl that times out or fails once must not
// take every instance out of the menu; the error line says what happened,
// the menu holds what would act on the old state (app/menu), and the next
// list that works replaces them. Nothing is
// kept from a different limactl or LIMA_HOME, whose instances are others.
func (s Snapshot) KeepLastInstances(prev *Snapshot) Snapshot {
	if s.ListErr == "" || len(s.Instances) > 0 || prev == nil || len(prev.Instances) == 0 ||
		s.Limactl == "" || prev.Limactl != s.Limactl || prev.LimaHome != s.LimaHome {
		return s
	}
	s.Instances = prev.Instances
	s.InstancesStale = true
	return s
}
