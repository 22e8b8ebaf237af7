// Package colima holds the fixed names LimaBar uses for Colima profiles: how
// a profile maps to the Lima instance Colima keeps for it, where Colima's
// homes are, and the labels and unit names of LimaBar's own jobs for a
// profile. It is a leaf, shared by the engine, the inventory and the menu.
//
// Colima (abiosoft/colima v0.10.1, config/profile.go) keeps each profile as
// a Lima instance in $COLIMA_HOME/_lima: the default profile is the
// instance "colima", profile P is "colima-P". A profile must be started by
// `colima start --profile P`, never by `limactl start` (see DESIGN.md), so
// LimaBar's jobs for a profile live in LimaBar's own namespace, never in
// Lima's (io.lima-vm.*, lima-vm@*) or Homebrew's (homebrew.*).
package colima

import (
	"path/filepath"
	"strings"

	"github.com/limabar/limabar/autostart/instname"
)

// DefaultProfile is the profile `colima start` uses without --profile.
const DefaultProfile = "default"

// instancePrefix is what Colima puts before a profile's name to make the
// Lima instance's name; the default profile's instance is the bare word.
const instancePrefix = "colima"

// InstanceName is the Lima instance Colima keeps for profile.
func InstanceName(profile string) string {
	if profile == "" || profile == DefaultProfile || profile == instancePrefix {
		return instancePrefix
	}
	return instancePrefix + "-" + strings.TrimPrefix(profile, instancePrefix+"-")
}

// ProfileOf is the profile of a Lima instance in Colima's Lima home, and
// false for a name Colima would not have made.
func ProfileOf(instance string) (string, bool) {
	if instance == instancePrefix {
		return DefaultProfile, true
	}
	p, ok := strings.CutPrefix(instance, instancePrefix+"-")
	if !ok || p == "" {
		return "", false
	}
	return p, true
}

// CheckProfile refuses a profile whose instance name is not a Lima
// identifier, so that no profile can make a path, label or command mean
// something else.
func CheckProfile(profile string) error { return instname.Check(InstanceName(profile)) }

// DefaultHome is ~/.colima, where colima looks without COLIMA_HOME.
func DefaultHome(home string) string { return filepath.Join(home, ".colima") }

// LimaHome is the Lima home Colima keeps its instances in.
func LimaHome(colimaHome string) string { return filepath.Join(colimaHome, "_lima") }

// AgentLabel is the label of LimaBar's LaunchAgent that starts profile at
// login.
func AgentLabel(profile string) string { return "io.github.limabar.colima.autostart." + profile }

// DaemonLabel is the label of LimaBar's LaunchDaemon that starts profile at
// boot.
func DaemonLabel(profile string) string { return "io.github.limabar.colima.daemon." + profile }

// UnitName is LimaBar's systemd user unit that starts profile (at login, or
// at boot with lingering).
func UnitName(profile string) string { return "limabar-colima@" + profile + ".service" }

// Homebrew's own jobs for Colima (`brew services start colima`): they start
// only the default profile. LimaBar reads them, and stops brew's job only
// when the user takes over; it never writes them.
const (
	BrewAgentLabel = "homebrew.mxcl.colima"
	BrewUnit       = "homebrew.colima.service"
)
