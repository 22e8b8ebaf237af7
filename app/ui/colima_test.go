package ui

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/app/watch"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// withColima is snap("colima") with Colima's home and its default profile,
// whose Lima instance is also named colima, in Colima's Lima home.
func withColima() state.Snapshot {
	s := snap("colima")
	s.Colima, s.ColimaHome = "/usr/bin/colima", "/home/u/.colima"
	s.Instances = append(s.Instances, state.Instance{
		Instance: lima.Instance{Name: "colima", Status: lima.StatusStopped, Dir: "/home/u/.colima/_lima/colima"},
		Tool:     autostart.ToolColima, Profile: "default",
		Autostart: autostart.Status{Login: autostart.CondStatus{Supported: true}, Boot: autostart.CondStatus{Supported: true}},
	})
	return s
}

// TestUpdateColimaHomeIsWatched: the first read starts the watchers on
// both Lima homes, and a change in Colima's lists the instances again, as
// one in LIMA_HOME does.
func TestUpdateColimaHomeIsWatched(t *testing.T) {
	s := withColima()
	st, effects := Update(State{Timings: DefaultTimings, Reads: 1, Reading: 1}, ReadDone{Read: 1, Snap: s})
	if want := []Effect{Draw{}, SaveLast{Snap: s}, StartWatchers{Homes: []string{"/home/u/lima", "/home/u/.colima/_lima"}}}; !reflect.DeepEqual(strip(effects), want) {
		t.Errorf("effects\n got %#v\nwant %#v", strip(effects), want)
	}
	_, effects = Update(st, FolderChanged{Change: watch.Change{Dirs: []string{"/home/u/.colima/_lima"}}})
	if want := []Effect{Read{Read: 2, Full: true}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}}}; !reflect.DeepEqual(strip(effects), want) {
		t.Errorf("a change in Colima's Lima home:\n got %#v\nwant %#v", strip(effects), want)
	}
}

// TestUpdateColimaShellIsColimaSSH: Open Shell of a Colima profile runs
// `colima ssh --profile P` with its COLIMA_HOME, never `limactl shell`.
func TestUpdateColimaShellIsColimaSSH(t *testing.T) {
	st := with(shown(), func(s *State) { s.Snap = ptr(withColima()) })
	a := menu.Action{Kind: menu.OpenShell, Instance: state.ColimaID("default")}
	_, effects := Update(st, Clicked{Action: a})
	want := Run{Action: a, Shell: []string{"/usr/bin/env", "-u", "LIMA_HOME", "COLIMA_HOME=/home/u/.colima", "/usr/bin/colima", "ssh", "--profile", "default"}}
	if !reflect.DeepEqual(strip(effects), []Effect{want}) {
		t.Errorf("effects\n got %#v\nwant %#v", strip(effects), []Effect{want})
	}
	lima := menu.Action{Kind: menu.OpenShell, Instance: "colima"}
	_, effects = Update(st, Clicked{Action: lima})
	if want := []Effect{Run{Action: lima, Shell: []string{"/usr/bin/env", "LIMA_HOME=/home/u/lima", "/usr/bin/limactl", "shell", "colima"}}}; !reflect.DeepEqual(strip(effects), want) {
		t.Errorf("Lima's instance colima:\n got %#v\nwant %#v", strip(effects), want)
	}
}

// TestUpdateColimaFailureIsItsOwnJob: Lima's instance "colima" and Colima's
// default profile (instance colima too) failing at once are two
// notifications, each keyed and titled by its ID, and one well again does
// not clear the other's record.
func TestUpdateColimaFailureIsItsOwnJob(t *testing.T) {
	s := withColima()
	limaH := &health.Health{State: health.Failing, Reason: "qemu not found", ExitCode: 1}
	colimaH := &health.Health{State: health.Failed, ExitCode: 1,
		Reason: `lima compatibility error: error checking Lima version: exec: "limactl": executable file not found in $PATH`,
		Log:    "/home/u/.colima/_lima/colima/systemd.stderr.log"}
	s.Instances[0].Health, s.Instances[0].HealthCondition = limaH, autostart.Login
	s.Instances[1].Health, s.Instances[1].HealthCondition = colimaH, autostart.Login
	n := healthNotices(s)
	want := HealthNotices{Failed: []Notice{
		{Job: "colima/login", Instance: "colima", Condition: autostart.Login, Health: limaH,
			Title: "colima: qemu not found — keeps failing at login", Msg: "Open LimaBar's menu to try again or show the log.",
			Show: menu.Action{Kind: menu.ShowLog, Instance: "colima", Target: "/home/u/lima/colima/ha.stderr.log"}},
		{Job: "colima:default/login", Instance: "colima:default", Condition: autostart.Login, Health: colimaH,
			Title: `colima:default: "limactl": executable file not found in $…`, Msg: "Open LimaBar's menu to try again or show the log.",
			Show: menu.Action{Kind: menu.ShowLog, Instance: "colima:default", Target: "/home/u/.colima/_lima/colima/systemd.stderr.log"}},
	}}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("notices\n got %#v\nwant %#v", n, want)
	}
	s.Instances[0].Health = &health.Health{State: health.Running}
	if n := healthNotices(s); !reflect.DeepEqual(n.Well, []string{"colima/login"}) || len(n.Failed) != 1 || n.Failed[0].Job != "colima:default/login" {
		t.Errorf("Lima's colima well again: %#v", n)
	}
}

// takeOverService records which of Enable and EnableTakingOver the loop
// called.
type takeOverService struct {
	state.Service
	calls []string
}

func (s *takeOverService) Enable(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	s.calls = append(s.calls, "enable "+name+" "+string(c))
	return autostart.Result{}, nil
}

func (s *takeOverService) EnableTakingOver(_ context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	s.calls = append(s.calls, "take over "+name+" "+string(c))
	return autostart.Result{}, nil
}

// TestPerformTakesOverOnlyWhenTheSwitchSaysSo: a click on a switch that
// says it takes over from brew services (Action.TakeOver) takes over; any
// other Enable is a plain one, which the engine refuses while brew's job
// starts the profile.
func TestPerformTakesOverOnlyWhenTheSwitchSaysSo(t *testing.T) {
	svc := &takeOverService{}
	for _, a := range []menu.Action{
		{Kind: menu.Enable, Instance: "colima:default", Condition: autostart.Login, TakeOver: true},
		{Kind: menu.Enable, Instance: "colima:work", Condition: autostart.Login},
		{Kind: menu.Enable, Instance: "colima:default", Condition: autostart.Boot, TakeOver: true},
	} {
		if _, err := perform(Config{Service: svc}, Run{Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"take over colima:default login", "enable colima:work login", "take over colima:default boot"}; !reflect.DeepEqual(svc.calls, want) {
		t.Errorf("calls %q, want %q", svc.calls, want)
	}
}
