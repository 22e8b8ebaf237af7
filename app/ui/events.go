package ui

import (
	"context"
	"log/slog"
	"time"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/watch"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// Event is something that happened to the GUI. The set is sealed: only the
// types of this file are events.
type Event interface{ event() }

// Started is the first event: the loop is up; Last is the snapshot kept
// from the last run, if any (see LastMenu).
type Started struct {
	Last *state.Snapshot
}

// ReadDone is the snapshot read number Read.
type ReadDone struct {
	Read int
	Snap state.Snapshot
	Took time.Duration
}

// ReadSlow says that read number Read has taken Timings.Waiting.
type ReadSlow struct{ Read int }

// Clicked is a click on a menu item or on a notification's button.
type Clicked struct{ Action menu.Action }

// ActionDone is the outcome of an action run for Clicked.
type ActionDone struct {
	Action menu.Action
	Result autostart.Result
	Err    error
	Took   time.Duration
}

// StepDone is the outcome of what was left of a change (Result.Pending),
// run once the change was drawn.
type StepDone struct {
	Action menu.Action
	Err    error
	Took   time.Duration
}

// StepDue says that the step Step has waited long enough for its change to
// be drawn.
type StepDue struct{ Step int }

// ReloadDue is a timer of the shared reload: Batch is the batch it belongs
// to, Quiet the quiet period it ends (0 for the batch's longest wait).
type ReloadDue struct{ Batch, Quiet int }

// ReloadDone is the outcome of the shared reload run for Action.
type ReloadDone struct {
	Action menu.Action
	Err    error
}

// HealthChanged says that the service manager saw a job change.
type HealthChanged struct{}

// FolderChanged is a change in a watched folder.
type FolderChanged struct{ Change watch.Change }

// ToolkitReady says that the toolkit draws the menu from now on.
type ToolkitReady struct{}

// QuitAsked asks the program to end (a signal; Quit in the menu is a
// Clicked).
type QuitAsked struct{}

// ToolkitGone says that the toolkit is in its exit callback: drawing has
// stopped, and what is in flight must be finished before it returns.
type ToolkitGone struct{}

func (Started) event()       {}
func (ReadDone) event()      {}
func (ReadSlow) event()      {}
func (Clicked) event()       {}
func (ActionDone) event()    {}
func (StepDone) event()      {}
func (StepDue) event()       {}
func (ReloadDue) event()     {}
func (ReloadDone) event()    {}
func (HealthChanged) event() {}
func (FolderChanged) event() {}
func (ToolkitReady) event()  {}
func (QuitAsked) event()     {}
func (ToolkitGone) event()   {}

// Effect is what Update asks for. The loop draws and logs itself; every
// other effect runs off the loop and reports back as an event.
type Effect interface{ effect() }

// Draw builds the menu from the state and hands it to the toolkit.
type Draw struct{}

// Log writes one line of the log.
type Log struct {
	Level slog.Level
	Msg   string
	Args  []any
}

// Read reads snapshot number Read: the whole snapshot when Full, else the
// registrations of Prev's instances (state.Restater).
type Read struct {
	Read int
	Full bool
	Prev *state.Snapshot
}

// After sends Event once D has passed on the loop's clock.
type After struct {
	D     time.Duration
	Event Event
}

// Run carries out Action; Shell is the argv Open Shell runs.
type Run struct {
	Action menu.Action
	Shell  []string
}

// RunStep runs what is left of Action's change.
type RunStep struct {
	Action  menu.Action
	Pending func(context.Context) error
}

// RunReload runs the shared reload, owned by Action.
type RunReload struct {
	Action  menu.Action
	Pending func(context.Context) error
}

// Notify shows a passing notification.
type Notify struct{ Title, Msg string }

// Alert shows a text the user closes.
type Alert struct{ Title, Msg string }

// HealthNotices tells the user of failed autostarts, each once (the record
// of those told is kept in the state folder), and forgets those that are
// well again.
type HealthNotices struct {
	Failed []Notice
	Well   []string // jobs
}

// Notice is one failed autostart to tell of, unless already told.
type Notice struct {
	Job       string // instance/condition
	Instance  string
	Condition autostart.Condition
	Health    *health.Health
	Title     string
	Msg       string
	// Show is what the notification's button does (Show Log); None for
	// a plain notification.
	Show menu.Action
}

// StartWatchers watches the folders and the service manager. Homes are the
// Lima homes whose instances the menu lists (state.Snapshot.InstanceHomes):
// LIMA_HOME, and Colima's Lima home when Colima's profiles are listed.
type StartWatchers struct{ Homes []string }

// SaveLast keeps Snap for the next start (LastMenu).
type SaveLast struct{ Snap state.Snapshot }

// QuitToolkit asks the toolkit to end; it then calls its exit callback.
type QuitToolkit struct{}

// Stop ends the loop: the toolkit is gone and nothing is left in flight.
type Stop struct{}

func (Draw) effect()          {}
func (Log) effect()           {}
func (Read) effect()          {}
func (After) effect()         {}
func (Run) effect()           {}
func (RunStep) effect()       {}
func (RunReload) effect()     {}
func (Notify) effect()        {}
func (Alert) effect()         {}
func (HealthNotices) effect() {}
func (StartWatchers) effect() {}
func (SaveLast) effect()      {}
func (QuitToolkit) effect()   {}
func (Stop) effect()          {}
