package menu

import (
	"fmt"

	"github.com/limabar/limabar/app/colima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
)

// ColimaInstallURL is Colima's installation page, offered when Colima has
// profiles here but colima was not found.
const ColimaInstallURL = "https://github.com/abiosoft/colima#installation"

// Group titles: where Colima has a Lima home, the instances show in two
// groups, LIMA_HOME's and Colima's profiles, each under a row of its own
// that opens on where its instances live and what starts them.
const (
	LimaGroupTitle   = "Lima"
	ColimaGroupTitle = "Colima"
)

// groups lays out the instances under their groups: Lima's (when it has
// instances), then Colima's. A group's title row is a submenu, as every
// row of this section is: the tray keeps a fixed pool of submenu rows
// there (app/tray), and a plain line would not fit it. The rows that do
// not fit MaxInstances go to "More Instances", as without groups.
func (b *builder) groups(snap *state.Snapshot) []Item {
	var lima, col []Item
	for i := range snap.Instances {
		in := &snap.Instances[i]
		if in.IsColima() {
			col = append(col, b.instance(snap, in))
		} else {
			lima = append(lima, b.instance(snap, in))
		}
	}
	var flat []Item
	if len(lima) > 0 {
		flat = append(flat, limaGroup(snap))
		flat = append(flat, lima...)
	}
	flat = append(flat, b.colimaGroup(snap, len(col)))
	flat = append(flat, col...)
	if len(flat) <= MaxInstances {
		return flat
	}
	return append(flat[:MaxInstances-1:MaxInstances-1], moreItem(flat[MaxInstances-1:]))
}

// limaGroup is the title row of LIMA_HOME's instances.
func limaGroup(snap *state.Snapshot) Item {
	return Item{
		Title:   LimaGroupTitle,
		Tooltip: "Lima's instances, in " + snap.LimaHome,
		Enabled: true,
		Children: []Item{
			{Title: truncate("LIMA_HOME: "+snap.LimaHome, headerWidth), Tooltip: snap.LimaHome},
			{Title: truncate("Started by "+snap.Limactl, headerWidth), Tooltip: snap.Limactl},
		},
	}
}

// colimaGroup is the title row of Colima's profiles: where they live,
// which colima starts them, or why none can.
func (b *builder) colimaGroup(snap *state.Snapshot, n int) Item {
	it := Item{
		Title:   ColimaGroupTitle,
		Tooltip: "Colima's profiles, in " + snap.ColimaHome + "; started by colima, never by limactl",
		Enabled: true,
		Children: []Item{
			{Title: truncate("COLIMA_HOME: "+snap.ColimaHome, headerWidth), Tooltip: snap.ColimaHome},
		},
	}
	switch {
	case snap.Colima == "":
		it.Title += " — colima not found"
		why := snap.ColimaErr
		if why == "" {
			why = colima.ErrNoColima.Error()
		}
		it.Children = append(it.Children,
			Item{Title: "⚠ colima not found: profiles cannot be started", Tooltip: why},
			Item{Title: "Install Colima…", Tooltip: ColimaInstallURL, Enabled: true,
				Action: Action{Kind: OpenURL, Target: ColimaInstallURL}},
		)
	default:
		it.Children = append(it.Children,
			Item{Title: truncate("Started by "+snap.Colima, headerWidth), Tooltip: snap.Colima})
	}
	switch {
	case snap.ColimaListErr != "":
		b.attention = true
		it.Title = "⚠ " + it.Title + " — could not list profiles"
		it.Children = append(it.Children, Item{
			Title:   "⚠ " + fitTail(snap.ColimaListErr, problemWidth),
			Tooltip: "Could not list Colima's profiles: " + snap.ColimaListErr,
			Enabled: true,
			Action:  Action{Kind: ShowText, Target: "Could not list Colima's profiles: " + snap.ColimaListErr},
		})
	case n == 0:
		it.Children = append(it.Children, Item{Title: "No profiles", Tooltip: "Create one in a terminal with: colima start --profile NAME"})
	}
	return it
}

// switchSubject is what a switch's tooltip says it starts.
func switchSubject(in *state.Instance) string {
	if in.IsColima() {
		return "Colima profile " + in.Profile
	}
	return in.Name
}

// BrewTitleNote is what the Start at Login switch of a Colima profile says
// while `brew services` starts the profile.
const BrewTitleNote = "started by brew services"

// BrewTakeOverNote is what the switches of such a profile say turning them
// on does.
const BrewTakeOverNote = "turn on to take over"

// brewSwitch marks the switch of a profile that `brew services` starts:
// the login switch says so, and both say that turning them on takes over
// (LimaBar stops brew's job, then registers its own), never a second job
// beside brew's. Only a click on a switch that says so takes over
// (Action.TakeOver): a profile brew took up after the menu was drawn is
// refused by the engine, not taken over unasked.
func brewSwitch(it *Item, in *state.Instance, c autostart.Condition) {
	if in.BrewServices == "" || it.Checked || it.Action.Kind != Enable {
		return
	}
	if c == autostart.Login {
		it.Title = SwitchTitle(c) + " — " + BrewTitleNote + " (" + BrewTakeOverNote + ")"
	} else {
		it.Title = SwitchTitle(c) + " — " + BrewTakeOverNote + " from brew services"
	}
	it.Action.TakeOver = true
	it.Tooltip = fmt.Sprintf("brew services starts %s at login (%s). Turning this on takes over: "+
		"LimaBar stops and disables brew's job, which stops the VM if it runs, then registers its own, "+
		"so that one job starts the VM. Brew's file is left as it is", switchSubject(in), in.BrewServices)
}

// ShellArgv is the command Open Shell runs in a terminal for the instance
// id: `colima ssh --profile P` for a Colima profile (colima.ShellArgv),
// else `limactl shell NAME` with the LIMA_HOME LimaBar uses, since a
// terminal opened from a GUI app does not have the shell's environment.
func ShellArgv(snap *state.Snapshot, id string) []string {
	if profile, ok := state.ParseID(id); ok {
		var bin, home string
		if snap != nil {
			bin, home = snap.Colima, snap.ColimaHome
		}
		return colima.ShellArgv(bin, home, profile)
	}
	limactl, home := "limactl", ""
	if snap != nil {
		if snap.Limactl != "" {
			limactl = snap.Limactl
		}
		home = snap.LimaHome
	}
	if home == "" {
		return []string{limactl, "shell", id}
	}
	return []string{"/usr/bin/env", "LIMA_HOME=" + home, limactl, "shell", id}
}
