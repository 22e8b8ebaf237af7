package menu

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
)

func profile(name, status, runtime string) state.Instance {
	in := inst("colima", status)
	if name != "default" {
		in.Name = "colima-" + name
	}
	in.Dir = "/home/u/.colima/_lima/" + in.Name
	in.Tool, in.Profile, in.Runtime = autostart.ToolColima, name, runtime
	return in
}

func colimaSnap(insts ...state.Instance) *state.Snapshot {
	s := snap(insts...)
	s.Colima, s.ColimaHome = "/usr/local/bin/colima", "/home/u/.colima"
	return s
}

// TestColimaGroups: a Lima home with one instance and a Colima home with
// two profiles show three rows in two groups; a Colima row shows the
// profile and its runtime, and its actions name the profile by its ID.
func TestColimaGroups(t *testing.T) {
	// A Lima instance called colima too: it stays Lima's.
	running := profile("default", lima.StatusRunning, "docker")
	m := Build(Input{Snapshot: colimaSnap(inst("colima", lima.StatusStopped), running, profile("work", lima.StatusStopped, "containerd+k3s"))})
	var b strings.Builder
	dump(&b, m.Instances, 0)
	want := `Lima
  ~LIMA_HOME: /home/u/.lima
  ~Started by /usr/local/bin/limactl
○ colima — Stopped
  ~Stopped
  Start -> start
  [ ] Start at Login -> enable login
  [ ] Start at Boot -> enable boot
  ~Open Shell
  Show Log -> show-log /home/u/.lima/colima/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/colima
Colima
  ~COLIMA_HOME: /home/u/.colima
  ~Started by /usr/local/bin/colima
● default · docker — Running
  ~Running · Colima profile default
  Stop -> stop
  Restart -> restart
  [ ] Start at Login -> enable login
  [ ] Start at Boot -> enable boot
  Open Shell -> open-shell
  Show Log -> show-log /home/u/.colima/_lima/colima/ha.stderr.log
  Open Folder -> open-folder /home/u/.colima/_lima/colima
○ work · containerd+k3s — Stopped
  ~Stopped · Colima profile work
  Start -> start
  [ ] Start at Login -> enable login
  [ ] Start at Boot -> enable boot
  ~Open Shell
  Show Log -> show-log /home/u/.colima/_lima/colima-work/ha.stderr.log
  Open Folder -> open-folder /home/u/.colima/_lima/colima-work
`
	if got := b.String(); got != want {
		t.Errorf("instances:\n%s\nwant:\n%s", got, want)
	}
	ids := func(row Item) []string {
		var out []string
		for _, c := range row.Children {
			if c.Action.Instance != "" && !slices.Contains(out, c.Action.Instance) {
				out = append(out, c.Action.Instance)
			}
		}
		return out
	}
	for i, want := range map[int][]string{1: {"colima"}, 3: {"colima:default"}, 4: {"colima:work"}} {
		if got := ids(m.Instances[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("row %d (%s) acts on %q, want %q", i, m.Instances[i].Title, got, want)
		}
	}
	if tip := m.Instances[3].Children[5].Tooltip; tip != "colima ssh --profile default" {
		t.Errorf("Open Shell tooltip %q", tip)
	}
	if got, want := m.Tooltip, "LimaBar — 1 of 3 instances running"; got != want {
		t.Errorf("tooltip %q, want %q", got, want)
	}
}

// TestNoColimaHomeNoGroups: without Colima's Lima home the menu is the one
// of Lima alone, without group rows.
func TestNoColimaHomeNoGroups(t *testing.T) {
	m := Build(Input{Snapshot: snap(inst("default", lima.StatusStopped))})
	if len(m.Instances) != 1 || m.Instances[0].Title != "○ default — Stopped" {
		t.Errorf("instances %+v, want the one row of default", m.Instances)
	}
}

func TestColimaGroupWithoutColima(t *testing.T) {
	s := colimaSnap(profile("work", lima.StatusStopped, ""))
	s.Colima, s.ColimaErr = "", "colima was not found: install Colima"
	m := Build(Input{Snapshot: s})
	var b strings.Builder
	dump(&b, m.Instances[:1], 0)
	want := `Colima — colima not found
  ~COLIMA_HOME: /home/u/.colima
  ~⚠ colima not found: profiles cannot be started
  Install Colima… -> open-url https://github.com/abiosoft/colima#installation
`
	if got := b.String(); got != want {
		t.Errorf("group:\n%s\nwant:\n%s", got, want)
	}
	if len(m.Instances) != 2 || m.Instances[1].Title != "○ work — Stopped" {
		t.Errorf("rows %+v, want the Colima group and work", m.Instances)
	}
}

func TestColimaGroupListFailed(t *testing.T) {
	s := colimaSnap()
	s.ColimaListErr = "limactl list failed: exit status 1"
	m := Build(Input{Snapshot: s})
	if len(m.Instances) != 1 || m.Instances[0].Title != "⚠ Colima — could not list profiles" || m.Icon != IconAttention {
		t.Errorf("rows %+v, icon %s", m.Instances, m.Icon)
	}
}

// TestBrewServicesSwitch: a profile that brew services starts says so on
// its login switch, and both switches say that turning them on takes
// over, which only their click asks for (Action.TakeOver); the tooltip
// says that brew's job, and the VM it runs, are stopped.
func TestBrewServicesSwitch(t *testing.T) {
	def := profile("default", lima.StatusRunning, "docker")
	def.BrewServices = "/home/u/.config/systemd/user/homebrew.colima.service"
	m := Build(Input{Snapshot: colimaSnap(def)})
	sw := m.Instances[1].Children[3]
	if sw.Title != "Start at Login — started by brew services (turn on to take over)" || sw.Checked || !sw.Enabled ||
		sw.Action != (Action{Kind: Enable, Instance: "colima:default", Condition: autostart.Login, TakeOver: true}) {
		t.Errorf("switch %+v", sw)
	}
	const tip = "brew services starts Colima profile default at login (/home/u/.config/systemd/user/homebrew.colima.service). " +
		"Turning this on takes over: LimaBar stops and disables brew's job, which stops the VM if it runs, " +
		"then registers its own, so that one job starts the VM. Brew's file is left as it is"
	if sw.Tooltip != tip {
		t.Errorf("tooltip %q", sw.Tooltip)
	}
	boot := m.Instances[1].Children[4]
	if boot.Title != "Start at Boot — turn on to take over from brew services" || boot.Tooltip != tip ||
		boot.Action != (Action{Kind: Enable, Instance: "colima:default", Condition: autostart.Boot, TakeOver: true}) {
		t.Errorf("boot switch %+v", boot)
	}
	busy := Build(Input{Snapshot: colimaSnap(def), Busy: map[Slot]Action{{"colima:default", GroupLogin}: sw.Action}})
	if got := busy.Instances[1].Children[3].Title; got != "Start at Login — Enabling…" {
		t.Errorf("busy switch %q", got)
	}
	// Without brew services, a switch asks for no take-over.
	m = Build(Input{Snapshot: colimaSnap(profile("default", lima.StatusRunning, "docker"))})
	if sw := m.Instances[1].Children[3]; sw.Title != "Start at Login" || sw.Action.TakeOver {
		t.Errorf("switch without brew services %+v", sw)
	}
}

// TestColimaGroupsBounded: group rows count against MaxInstances; what
// does not fit goes to More Instances.
func TestColimaGroupsBounded(t *testing.T) {
	var insts []state.Instance
	for i := range 20 {
		insts = append(insts, inst("vm"+string(rune('a'+i)), lima.StatusStopped))
	}
	for i := range 20 {
		insts = append(insts, profile("p"+string(rune('a'+i)), lima.StatusStopped, "docker"))
	}
	m := Build(Input{Snapshot: colimaSnap(insts...)})
	if len(m.Instances) != MaxInstances {
		t.Fatalf("%d rows, want %d", len(m.Instances), MaxInstances)
	}
	last := m.Instances[MaxInstances-1]
	if last.Title != "More Instances (13)" || len(last.Children) != 13 {
		t.Errorf("last row %q with %d rows", last.Title, len(last.Children))
	}
}

func TestShellArgv(t *testing.T) {
	s := colimaSnap()
	for _, c := range []struct {
		id   string
		want []string
	}{
		{"colima", []string{"/usr/bin/env", "LIMA_HOME=/home/u/.lima", "/usr/local/bin/limactl", "shell", "colima"}},
		{"colima:work", []string{"/usr/bin/env", "-u", "LIMA_HOME", "COLIMA_HOME=/home/u/.colima", "/usr/local/bin/colima", "ssh", "--profile", "work"}},
	} {
		if got := ShellArgv(s, c.id); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ShellArgv(%q) = %q, want %q", c.id, got, c.want)
		}
	}
	if got, want := ShellArgv(nil, "default"), []string{"limactl", "shell", "default"}; !reflect.DeepEqual(got, want) {
		t.Errorf("before a snapshot: %q, want %q", got, want)
	}
}
