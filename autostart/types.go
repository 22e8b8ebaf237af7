// Package autostart is LimaBar's engine: it reads, writes and repairs the
// registrations that make a Lima instance start at login or at boot, with the
// same files, paths and labels as limactl so that each tool sees the other's.
//
// Nothing here has a build tag: the macOS logic (launchd) is ordinary Go that
// is tested on Linux with fake commands, and the platform is a value in Env.
package autostart

import (
	"context"
	"errors"
	"fmt"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/instname"
	"github.com/limabar/limabar/autostart/problem"
)

// Condition is when an instance starts by itself.
type Condition string

const (
	// Login starts the instance when the user logs in (LaunchAgent, or a
	// systemd user unit).
	Login Condition = "login"
	// Boot starts the instance when the machine boots, before anyone logs in
	// (LaunchDaemon with UserName, or a user unit plus lingering).
	Boot Condition = "boot"
)

// ParseCondition accepts "login" or "boot".
func ParseCondition(s string) (Condition, error) {
	switch Condition(s) {
	case Login, Boot:
		return Condition(s), nil
	}
	return "", fmt.Errorf("unknown condition %q: want login or boot", s)
}

// Platform selects the service manager.
type Platform string

const (
	Darwin Platform = "darwin"
	Linux  Platform = "linux"
)

// Sentinel errors callers can test with errors.Is.
var (
	// ErrInvalidName is returned before any path is built for a name that is
	// not a Lima identifier.
	ErrInvalidName = instname.ErrInvalid
	// ErrNotSupported is returned for a condition the platform cannot do.
	ErrNotSupported = errors.New("not supported on this platform")
	// ErrCancelled means the user dismissed the administrator prompt; nothing
	// was changed and it is not a failure to show.
	ErrCancelled = elevate.ErrCancelled
)

// MaxNameLen is the longest instance name Lima accepts.
const MaxNameLen = instname.MaxLen

// ValidateName refuses anything that is not a Lima instance name, so that no
// name can make a path or a command mean something else.
func ValidateName(name string) error { return instname.Check(name) }

// Tool is the program that owns an instance and must start it.
type Tool string

const (
	// ToolLima is an instance of LIMA_HOME, started by limactl.
	ToolLima Tool = "lima"
	// ToolColima is a Colima profile's instance in COLIMA_HOME/_lima,
	// started by colima (package colima).
	ToolColima Tool = "colima"
)

// Instance identifies a Lima instance: its name and its directory under
// LIMA_HOME, or for a Colima profile under COLIMA_HOME/_lima.
type Instance struct {
	Name string
	Dir  string
	// Tool is who starts it; empty means ToolLima.
	Tool Tool
	// Profile is the Colima profile (ToolColima only): "default" for the
	// instance "colima", P for "colima-P".
	Profile string
}

// IsColima reports whether the instance is a Colima profile's.
func (i Instance) IsColima() bool { return i.Tool == ToolColima }

// Problem is one thing wrong with a registration.
type Problem = problem.Problem

// CondStatus is the state of one condition of one instance.
type CondStatus struct {
	Enabled   bool      `json:"enabled"`
	Supported bool      `json:"supported"`
	Path      string    `json:"path"`
	Problems  []Problem `json:"problems"`
}

// Status is the state of both conditions of one instance.
type Status struct {
	Login CondStatus `json:"login"`
	Boot  CondStatus `json:"boot"`
	// BrewServices is, for a Colima profile that `brew services` starts
	// (the default profile only), the file of brew's job:
	// ~/Library/LaunchAgents/homebrew.mxcl.colima.plist, or
	// homebrew.colima.service in the systemd user unit folder. The switch
	// shows "started by brew services"; Enable asks to take over
	// (EnableOptions.TakeOver). Empty otherwise.
	BrewServices string `json:"brewServices,omitempty"`
}

// Of returns the status of one condition.
func (s Status) Of(c Condition) CondStatus {
	if c == Boot {
		return s.Boot
	}
	return s.Login
}

// Result says what an Enable or Disable changed, in words for the user.
type Result struct {
	Changed      bool   // a file or a service manager state changed
	SwitchedFrom string // the condition that was turned off to keep the two exclusive
	Message      string
	// Warning is something the user should know that did not stop the
	// change, for example that limactl could not confirm the instance a
	// stale registration was removed for.
	Warning string
	// Pending, set by Manager.ExecuteChange only, runs what is left of the
	// plan once the change is made (Plan.After: a reload of systemd,
	// lingering no longer needed). The caller must run it.
	Pending func(context.Context) error `json:"-"`
	// PendingReloads says that Pending only reloads the service manager
	// (systemd's daemon-reload): one run after several changes does for
	// all of them, and it need not run before the next change.
	PendingReloads bool `json:"-"`
}
