package autostart

import (
	"path/filepath"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/runner"
)

// Env is everything the engine needs to know about the machine and the user.
// It is built once by the caller (the program from the real environment,
// tests from temporary folders) and never read from globals, so that tests
// can move every path.
type Env struct {
	Platform Platform

	// Home is the user's home folder; LaunchAgents and the default LIMA_HOME
	// (~/.lima) are derived from it.
	Home string
	// ConfigHome is $XDG_CONFIG_HOME (default ~/.config); systemd user units
	// live in ConfigHome/systemd/user, as limactl writes them.
	ConfigHome string
	// StateDir is where LimaBar keeps its own small records (for example that
	// it turned lingering on).
	StateDir string
	// LaunchDaemonsDir is /Library/LaunchDaemons, or under the test root.
	LaunchDaemonsDir string
	// LingerDir is /var/lib/systemd/linger, or under the test root.
	LingerDir string

	UID  int
	User string
	// Admin is true when running as root on the user's behalf (sudo, a
	// configuration tool): boot registrations of any account may then be
	// removed.
	Admin bool
	// NoDesktop: the user is not logged in at the desktop (a Mac reached
	// over SSH), so launchd may have no gui/UID domain (see
	// launchd_session.go).
	NoDesktop bool

	// Limactl is the absolute path of the user's limactl as found, not
	// resolved through symlinks (a Homebrew link survives upgrades).
	Limactl string
	// LimaHome is the LIMA_HOME in use.
	LimaHome string

	// ColimaHome is the COLIMA_HOME in use (default ~/.colima); its Lima
	// home is ColimaHome/_lima. Empty means Colima is not looked at.
	ColimaHome string
	// Colima is the absolute path of the user's colima as found, empty
	// when it was not found.
	Colima string

	// Tools names the external programs: absolute system paths on a real
	// Mac, bare names looked up on PATH in test mode.
	Tools Tools

	// ScriptTools are the programs the privileged boot script calls.
	ScriptTools elevate.Tools

	// Runner runs every external command.
	Runner runner.Runner
	// Elevator runs the privileged script for boot on macOS.
	Elevator elevate.Elevator
	// Files writes and removes registration files; nil means the real file
	// system. Tests put a failing writer here.
	Files Files
}

// Tools are the paths of the external programs the engine calls.
type Tools struct {
	Launchctl string
	Plutil    string
	Systemctl string
	Loginctl  string
}

// DarwinTools are the real paths on a Mac.
var DarwinTools = Tools{Launchctl: "/bin/launchctl", Plutil: "/usr/bin/plutil"}

// LinuxTools are looked up on PATH, as systemd's tools live in different
// places on different distributions.
var LinuxTools = Tools{Systemctl: "systemctl", Loginctl: "loginctl"}

// DefaultLimaHome is ~/.lima, where limactl looks without LIMA_HOME.
func (e *Env) DefaultLimaHome() string { return filepath.Join(e.Home, ".lima") }

// CustomLimaHome reports whether LIMA_HOME must be passed to the jobs.
func (e *Env) CustomLimaHome() bool {
	return e.LimaHome != "" && filepath.Clean(e.LimaHome) != filepath.Clean(e.DefaultLimaHome())
}

// LaunchAgentsDir is ~/Library/LaunchAgents.
func (e *Env) LaunchAgentsDir() string { return filepath.Join(e.Home, "Library", "LaunchAgents") }

// UnitDir is the systemd user unit folder limactl writes to.
func (e *Env) UnitDir() string {
	ch := e.ConfigHome
	if ch == "" {
		ch = filepath.Join(e.Home, ".config")
	}
	return filepath.Join(ch, "systemd", "user")
}

// InstanceDir is LIMA_HOME/NAME.
func (e *Env) InstanceDir(name string) string { return filepath.Join(e.LimaHome, name) }
