// Package menu turns a state snapshot into the items of LimaBar's menu and
// the actions behind them. It is a pure function of its input: no toolkit,
// no clock, no file system, so that what the menu says in every situation is
// decided here and table-tested, and the renderers (app/tray) only draw.
package menu

import (
	"github.com/limabar/limabar/autostart"
)

// Kind is what an Action does.
type Kind int

const (
	// None is an item without an action (a disabled line).
	None Kind = iota
	Start
	Stop
	Restart
	// Enable and Disable turn Action.Condition on or off.
	Enable
	Disable
	// Repair re-registers whatever is registered, with current settings.
	Repair
	OpenShell
	ShowLog
	OpenFolder
	// SetSelfStart turns "Open LimaBar at Login" to Action.On.
	SetSelfStart
	// OpenURL opens Action.Target in the browser (Lima's install page).
	OpenURL
	// ShowFailure shows the whole text of failure Action.Failure and
	// dismisses it from the menu.
	ShowFailure
	Refresh
	Quit
	// TryAgain starts the registered job of Action.Condition that failed.
	TryAgain
	// StopRetrying stops the restarts of a job that keeps failing.
	StopRetrying
	// FixStale removes a stale ha.pid and ha.sock (after checking again
	// that no host agent runs under that pid).
	FixStale
	// ShowText shows Action.Target whole: a message whose line shows only
	// its cause (limactl list's failure).
	ShowText
)

var kindNames = [...]string{
	None: "none", Start: "start", Stop: "stop", Restart: "restart",
	Enable: "enable", Disable: "disable", Repair: "repair",
	OpenShell: "open-shell", ShowLog: "show-log", OpenFolder: "open-folder",
	SetSelfStart: "set-self-start", OpenURL: "open-url",
	ShowFailure: "show-failure", Refresh: "refresh", Quit: "quit",
	TryAgain: "try-again", StopRetrying: "stop-retrying", FixStale: "fix-stale",
	ShowText: "show-text",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Action is what a click asks for, as a plain value: the model emits it and
// the program carries it out away from the UI thread.
type Action struct {
	Kind      Kind
	Instance  string
	Condition autostart.Condition // Enable, Disable
	On        bool                // SetSelfStart
	// Target is the path or URL an Open action opens (ShowLog, OpenFolder,
	// OpenURL), or the text ShowText shows.
	Target string
	// Failure is the ID of the failure a ShowFailure action shows.
	Failure int
	// TakeOver is set on Enable by the switch of a Colima profile that
	// `brew services` starts, whose words offer to take over: the click
	// is the user's consent to stop brew's job before LimaBar registers
	// its own (state.TakeOverEnabler). Without it the engine refuses
	// rather than add a second job or stop brew's unasked.
	TakeOver bool
}

// Group names what an action changes, so that two actions on the same thing
// are never in flight together.
type Group string

const (
	GroupPower     Group = "power" // start, stop, restart
	GroupLogin     Group = "login"
	GroupBoot      Group = "boot"
	GroupRepair    Group = "repair"
	GroupSelfStart Group = "self-start"
)

// Slot is one thing that can be busy: a group of one instance (or of LimaBar
// itself, with an empty Instance).
type Slot struct {
	Instance string
	Group    Group
}

// Slot returns the slot an action occupies while it runs; ok is false for
// actions that finish at once and need no guard (opening things, refresh).
func (a Action) Slot() (s Slot, ok bool) {
	switch a.Kind {
	case Start, Stop, Restart, TryAgain, StopRetrying, FixStale:
		return Slot{a.Instance, GroupPower}, true
	case Enable, Disable:
		if a.Condition == autostart.Boot {
			return Slot{a.Instance, GroupBoot}, true
		}
		return Slot{a.Instance, GroupLogin}, true
	case Repair:
		return Slot{a.Instance, GroupRepair}, true
	case SetSelfStart:
		return Slot{"", GroupSelfStart}, true
	}
	return Slot{}, false
}

// Failure is an action that failed, kept in the menu until the user reads it
// or the same thing succeeds.
type Failure struct {
	ID     int
	Action Action
	Err    string
}

// IconKey names one of the tray's icons; the renderer maps keys to images.
type IconKey string

const (
	IconNormal IconKey = "normal"
	// IconAttention is shown while something needs the user: a failure, a
	// broken registration, a missing limactl.
	IconAttention IconKey = "attention"

	// Instance items carry the state their title's mark shows, for a
	// renderer that can draw images in menus. The tray draws the marks as
	// text only (●, ○, ⚠, ◌): systray shows item images on macOS but not
	// on Linux, and the menus should match, so no images are shipped.
	IconRunning IconKey = "running"
	IconStopped IconKey = "stopped"
	IconProblem IconKey = "problem"
	IconBusy    IconKey = "busy"
)

// Item is one line of the menu. An item with Children is a submenu.
type Item struct {
	Title     string
	Tooltip   string
	Enabled   bool
	Checkable bool
	Checked   bool
	Icon      IconKey
	Action    Action
	Children  []Item
}

// Submenu reports whether the item opens a submenu.
func (it Item) Submenu() bool { return len(it.Children) > 0 }

// Menu is the whole menu, in three sections separated by lines. The top
// sections never hold more than MaxHeader and MaxInstances items, because a
// status-bar menu cannot insert items above existing ones: the renderer
// prepares that many places once, and only the footer can grow.
type Menu struct {
	Icon    IconKey
	Tooltip string
	// Header holds plain lines only: the summary, failures, a missing
	// limactl, a failed list.
	Header []Item
	// Instances holds one submenu per instance, or the first of them and
	// a "More Instances" submenu with the rest.
	Instances []Item
	// Footer holds LimaBar's own items: Open LimaBar at Login, Refresh, Quit.
	Footer []Item
}

const (
	// MaxHeader bounds Header.
	MaxHeader = 8
	// MaxInstances bounds Instances, the "More Instances" submenu included.
	// A menu of hundreds of submenus is not usable; the rest moves down.
	MaxInstances = 30
	// MaxFailures is how many failures the header shows at once.
	MaxFailures = 3
	// MaxProblemLines is how many problem lines an instance shows before
	// "and N more".
	MaxProblemLines = 6
)

// InstallURL is Lima's installation page, opened when limactl is missing.
const InstallURL = "https://lima-vm.io/docs/installation/"
