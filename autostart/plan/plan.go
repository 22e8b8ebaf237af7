// Package plan holds the changes the engine makes as data. A planner (a
// pure function of what was read) turns a status into a Plan, an ordered
// list of Steps; one Executor runs any Plan and undoes the completed steps
// in reverse order when a later one fails; Format and JSON show a Plan
// without running it (`--dry-run`).
//
// The set of steps is small and sealed: a file written or removed, a
// command with the command that undoes it, the privileged script, and
// lingering turned on or off. Each step knows its own inverse, so no call
// site writes a rollback of its own.
//
// A new kind of step (waiting until a launchd job is gone, say) is a type
// with What, inverse and kind, a case in Executor.do, and its lines in
// describe and JSON; a command such as `systemctl --user start` or
// `launchctl kickstart` is a Command.
package plan

import (
	"os"
)

// Files writes and removes registration files. The engine never writes a
// registration in place: a reader (launchd, systemd, limactl) sees either
// the old file or the new one.
type Files interface {
	// WriteFile replaces path atomically with data.
	WriteFile(path string, data []byte, perm os.FileMode) error
	// Remove deletes path; a missing file is not an error.
	Remove(path string) error
}

// Plan is one change: the steps that make it, in order.
type Plan struct {
	// Subject names what the steps change, for errors: `instance "default"`.
	Subject string
	// Steps make the change. When one fails, the completed ones are
	// undone in reverse order.
	Steps []Step
	// After runs once Steps have all succeeded: tidying up that the
	// change itself does not depend on (lingering no longer needed, say).
	// A failure there is reported, but the change stays made.
	After []Step
}

// All is Steps followed by After, in the order they run.
func (p Plan) All() []Step { return append(append([]Step{}, p.Steps...), p.After...) }

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool { return len(p.Steps) == 0 && len(p.After) == 0 }

// Step is one step of a plan. The set is sealed: WriteFile, RemoveFile,
// Command, OnRollback, Privileged and Linger.
type Step interface {
	// What says what the step does, to follow "failed to": "reload
	// systemd", "write the unit".
	What() string
	// inverse is the step that takes this one back once it has
	// completed, or nil when there is nothing to take back.
	inverse() Step
	// kind names the step in the JSON form.
	kind() string
}

// WriteFile replaces Path with Data (atomically, through Files). Old is
// what was there, as read when the plan was made: the undo puts it back
// byte for byte, or removes Path when nothing was there.
type WriteFile struct {
	Purpose string // "write the unit"
	Path    string
	Data    []byte
	Mode    os.FileMode
	// Existed says a file was at Path; Old and OldMode are its content
	// and permissions.
	Existed bool
	Old     []byte
	OldMode os.FileMode
}

// RemoveFile deletes Path. Old is its content as read when the plan was
// made, which the undo writes back.
type RemoveFile struct {
	Purpose string // "remove the unit"
	Path    string
	Old     []byte
	OldMode os.FileMode
}

// Command runs Argv (program first). Undo, when set, takes it back after a
// later step failed. A command with IgnoreFailure is one whose failure
// means there was nothing to do (disabling links that may not exist); the
// plan carries on.
type Command struct {
	Purpose       string // "enable the unit"
	Argv          []string
	Undo          []string
	IgnoreFailure bool
}

// OnRollback runs nothing now. If a later step fails, Argv runs once the
// steps after it have been undone: `systemctl --user daemon-reload` after
// the old unit is back, so that systemd sees it again.
type OnRollback struct {
	Purpose string
	Argv    []string
}

// Privileged runs Script as root through the Elevator, which shows Prompt
// in the administrator dialog. The script undoes its own partial work when
// it fails. Undo, when set, is the script that takes a completed run back
// (asking for the password again).
type Privileged struct {
	Purpose    string // "install the LaunchDaemon"
	Script     string
	Prompt     string
	Undo       string
	UndoPrompt string
	// Path and Data are the file the script installs, if any: the script
	// carries it encoded, and a dry run shows it as it will be.
	Path string
	Data []byte
}

// Linger turns lingering of User on or off with loginctl. While it is on,
// the user's manager, and every unit it would start at login, starts at
// boot. LimaBar's record that it turned lingering on is a file of its own,
// written or removed by the step after this one.
type Linger struct {
	On       bool
	User     string
	Loginctl string
}

func (s WriteFile) What() string  { return s.Purpose }
func (s RemoveFile) What() string { return s.Purpose }
func (s Command) What() string    { return s.Purpose }
func (s OnRollback) What() string { return s.Purpose }
func (s Privileged) What() string { return s.Purpose }
func (s Linger) What() string     { return "turn lingering " + onOff(s.On) }

func (s WriteFile) inverse() Step {
	if !s.Existed {
		return RemoveFile{Purpose: "remove " + s.Path + " again", Path: s.Path, Old: s.Data, OldMode: s.Mode}
	}
	return WriteFile{Purpose: "put back the previous " + s.Path, Path: s.Path, Data: s.Old, Mode: orMode(s.OldMode),
		Existed: true, Old: s.Data, OldMode: s.Mode}
}

func (s RemoveFile) inverse() Step {
	return WriteFile{Purpose: "put back " + s.Path, Path: s.Path, Data: s.Old, Mode: orMode(s.OldMode)}
}

func (s Command) inverse() Step {
	if len(s.Undo) == 0 {
		return nil
	}
	return Command{Purpose: "undo: " + s.Purpose, Argv: s.Undo}
}

func (s OnRollback) inverse() Step { return Command{Purpose: s.Purpose, Argv: s.Argv} }

func (s Privileged) inverse() Step {
	if s.Undo == "" {
		return nil
	}
	return Privileged{Purpose: "undo: " + s.Purpose, Script: s.Undo, Prompt: s.UndoPrompt}
}

func (s Linger) inverse() Step {
	inv := s
	inv.On = !s.On
	return inv
}

func (WriteFile) kind() string  { return "write-file" }
func (RemoveFile) kind() string { return "remove-file" }
func (Command) kind() string    { return "run" }
func (OnRollback) kind() string { return "on-rollback" }
func (Privileged) kind() string { return "privileged-script" }
func (Linger) kind() string     { return "linger" }

// Argv is the loginctl command line of the step.
func (s Linger) Argv() []string {
	verb := "disable-linger"
	if s.On {
		verb = "enable-linger"
	}
	return []string{s.Loginctl, verb, s.User}
}

// orMode is the mode of a file put back whose mode was not read: what the
// engine writes.
func orMode(m os.FileMode) os.FileMode {
	if m == 0 {
		return 0o644
	}
	return m
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
