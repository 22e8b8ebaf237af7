// Package state joins what limactl says about instances with what the
// autostart engine says about their registrations into one snapshot, and
// carries out the user's actions. The menu is drawn from a Snapshot; every
// click becomes a call on a Service.
package state

import (
	"context"
	"slices"
	"strings"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/autostart"
	names "github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/health"
)

// Instance is one Lima instance with its autostart state: one of LIMA_HOME,
// or a Colima profile's in Colima's Lima home.
type Instance struct {
	lima.Instance
	// Tool is who starts it: "" or autostart.ToolLima for an instance of
	// LIMA_HOME, autostart.ToolColima for a Colima profile.
	Tool autostart.Tool
	// Profile is the Colima profile (ToolColima only): "default" for the
	// instance "colima", P for "colima-P".
	Profile string
	// Runtime is the Colima profile's container runtime where its
	// colima.yaml says it (docker, containerd, incus, "+k3s").
	Runtime string
	// BrewServices is, for a Colima profile that `brew services` starts,
	// the file of brew's job (the engine's Status.BrewServices); "" else.
	BrewServices string

	Autostart autostart.Status
	// AutostartErr is set when the registrations could not be read.
	AutostartErr string
	// Health is what became of the registered job of condition
	// HealthCondition (boot before login); nil when none is registered or
	// the service manager is not asked.
	Health          *health.Health
	HealthCondition autostart.Condition
}

// IsColima reports whether the instance is a Colima profile's.
func (i Instance) IsColima() bool { return i.Tool == autostart.ToolColima }

// ColimaIDPrefix starts the ID of a Colima profile. A Lima instance name
// never holds a colon, so "colima:work" can only be the profile work, and
// "colima" only the Lima instance of that name in LIMA_HOME.
const ColimaIDPrefix = "colima:"

// ID names the instance in the Service's methods, menu actions and on the
// command line: the instance's name for Lima's, "colima:PROFILE" for a
// Colima profile's.
func (i Instance) ID() string {
	if i.IsColima() {
		return ColimaID(i.Profile)
	}
	return i.Name
}

// Label is what the menu and `list` call the instance: its name, or a
// Colima profile's name.
func (i Instance) Label() string {
	if i.IsColima() {
		return i.Profile
	}
	return i.Name
}

// Target is the instance as the engine knows it.
func (i Instance) Target() autostart.Instance {
	t := autostart.Instance{Name: i.Name, Dir: i.Dir}
	if i.IsColima() {
		t.Tool, t.Profile = autostart.ToolColima, i.Profile
	}
	return t
}

// ColimaID is the ID of a Colima profile.
func ColimaID(profile string) string { return ColimaIDPrefix + profile }

// ParseID splits an ID: a Colima profile's ("colima:work") gives its
// profile and true, anything else is a Lima instance's name.
func ParseID(id string) (profile string, colima bool) {
	return strings.CutPrefix(id, ColimaIDPrefix)
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
	// Instances are LIMA_HOME's instances, then Colima's profiles.
	Instances []Instance

	// Colima is the colima in use, "" when none was found; ColimaErr says
	// why.
	Colima    string
	ColimaErr string
	// ColimaHome is the COLIMA_HOME whose profiles are listed; "" when
	// Colima has no Lima home, and the menu shows no Colima group.
	ColimaHome string
	// ColimaListErr is set when Colima's profiles could not be listed.
	ColimaListErr string

	// SelfStart says whether LimaBar itself opens at login.
	SelfStart          bool
	SelfStartSupported bool
	// SelfStartNote is what the menu says beside the switch when macOS
	// holds LimaBar's login item back (loginitem.Note of its status:
	// requiresApproval waits for the user in System Settings → General →
	// Login Items); "" otherwise, and always on Linux.
	SelfStartNote string
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
//
// Colima's profiles are listed apart: those s lists stay as they are, and
// only LIMA_HOME's are kept from prev.
func (s Snapshot) KeepLastInstances(prev *Snapshot) Snapshot {
	if s.ListErr == "" || slices.ContainsFunc(s.Instances, isLima) || prev == nil ||
		s.Limactl == "" || prev.Limactl != s.Limactl || prev.LimaHome != s.LimaHome {
		return s
	}
	kept := prev.Instances
	if slices.ContainsFunc(kept, Instance.IsColima) {
		kept = slices.DeleteFunc(slices.Clone(kept), Instance.IsColima)
	}
	if len(kept) == 0 {
		return s
	}
	s.Instances = append(kept[:len(kept):len(kept)], s.Instances...)
	s.InstancesStale = true
	return s
}

func isLima(i Instance) bool { return !i.IsColima() }

// InstanceHomes are the Lima homes whose instance folders the snapshot
// lists: LIMA_HOME, then Colima's Lima home when Colima's profiles are
// listed. A change in either lists the instances again, and each is
// watched as LIMA_HOME is (watch.InstanceNames), never every file of its
// instance folders.
func (s Snapshot) InstanceHomes() []string {
	homes := []string{s.LimaHome}
	if s.ColimaHome != "" {
		homes = append(homes, names.LimaHome(s.ColimaHome))
	}
	return homes
}
