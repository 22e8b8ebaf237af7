package ui

import (
	"context"
	"errors"
	"fmt"
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

var (
	loginOn  = menu.Action{Kind: menu.Enable, Instance: "default", Condition: autostart.Login}
	bootOn   = menu.Action{Kind: menu.Enable, Instance: "default", Condition: autostart.Boot}
	k3sLogin = menu.Action{Kind: menu.Enable, Instance: "k3s", Condition: autostart.Login}
	start    = menu.Action{Kind: menu.Start, Instance: "default"}
	login    = menu.Slot{Instance: "default", Group: menu.GroupLogin}
	boot     = menu.Slot{Instance: "default", Group: menu.GroupBoot}
	power    = menu.Slot{Instance: "default", Group: menu.GroupPower}
)

func inst(name string) state.Instance {
	return state.Instance{
		Instance: lima.Instance{Name: name, Status: lima.StatusStopped, Dir: "/home/u/lima/" + name},
		Autostart: autostart.Status{
			Login: autostart.CondStatus{Supported: true},
			Boot:  autostart.CondStatus{Supported: true},
		},
	}
}

func snap(names ...string) state.Snapshot {
	s := state.Snapshot{Platform: autostart.Linux, Limactl: "/usr/bin/limactl", LimaHome: "/home/u/lima"}
	for _, n := range names {
		s.Instances = append(s.Instances, inst(n))
	}
	return s
}

func ptr(s state.Snapshot) *state.Snapshot { return &s }

func reload(context.Context) error { return nil }

// shown is a state after the first read of snap("default"), drawn.
func shown() State {
	return State{Timings: DefaultTimings, Snap: ptr(snap("default")), Reads: 1, Shown: 1, Watching: true}
}

// with changes a copy of s.
func with(s State, f func(*State)) State {
	s = s.clone()
	f(&s)
	return s
}

// strip drops the log lines and the functions, which cannot be compared,
// from effects.
func strip(effects []Effect) []Effect {
	var out []Effect
	for _, e := range effects {
		switch e := e.(type) {
		case Log:
			continue
		case RunStep:
			e.Pending = nil
			out = append(out, e)
		case RunReload:
			e.Pending = nil
			out = append(out, e)
		default:
			out = append(out, e)
		}
	}
	return out
}

// same compares states, functions left out.
func same(a, b State) bool {
	a, b = a.clone(), b.clone()
	for _, s := range []*State{&a, &b} {
		for i := range s.Steps {
			s.Steps[i].Pending = nil
		}
		if s.Reload != nil {
			r := *s.Reload
			r.Pending = nil
			s.Reload = &r
		}
		// An empty list is no list.
		for k, v := range s.Changing {
			if len(v) == 0 {
				s.Changing[k] = nil
			}
		}
		if len(s.Steps) == 0 {
			s.Steps = nil
		}
		if len(s.Failures) == 0 {
			s.Failures = nil
		}
		if len(s.Held) == 0 {
			s.Held = nil
		}
	}
	return reflect.DeepEqual(a, b)
}

func TestUpdate(t *testing.T) {
	failing := snap("default")
	failing.Instances[0].Health = &health.Health{State: health.Failing, Reason: "qemu not found", ExitCode: 1}
	failing.Instances[0].HealthCondition = autostart.Login
	listFailed := snap()
	listFailed.ListErr = "limactl list did not answer within 30s"
	kept := listFailed
	kept.Instances, kept.InstancesStale = snap("default").Instances, true
	sixFailures := with(shown(), func(s *State) {
		for i := 6; i >= 1; i-- {
			s.Failures = append(s.Failures, menu.Failure{ID: i, Action: menu.Action{Kind: menu.Stop, Instance: fmt.Sprint("vm", i)}, Err: "e"})
		}
		s.LastFailure = 6
	})
	cases := []struct {
		name   string
		state  State
		event  Event
		want   State
		effect []Effect
	}{
		{
			name:   "start-up draws at once and reads everything",
			state:  State{Timings: DefaultTimings},
			event:  Started{},
			want:   State{Timings: DefaultTimings, Reads: 1, Reading: 1},
			effect: []Effect{Draw{}, Read{Read: 1, Full: true}, After{D: 2 * time.Second, Event: ReadSlow{Read: 1}}},
		},
		{
			name:   "start-up draws the last menu, marked as being refreshed",
			state:  State{Timings: DefaultTimings},
			event:  Started{Last: ptr(snap("default"))},
			want:   State{Timings: DefaultTimings, Snap: ptr(snap("default")), Refreshing: true, Reads: 1, Reading: 1},
			effect: []Effect{Draw{}, Read{Read: 1, Full: true}, After{D: 2 * time.Second, Event: ReadSlow{Read: 1}}},
		},
		{
			name:   "the first read replaces it, is kept for the next start, and starts the watchers",
			state:  State{Timings: DefaultTimings, Snap: ptr(snap("old")), Refreshing: true, Reads: 1, Reading: 1},
			event:  ReadDone{Read: 1, Snap: snap("default")},
			want:   shown(),
			effect: []Effect{Draw{}, SaveLast{Snap: snap("default")}, StartWatchers{Homes: []string{"/home/u/lima"}}},
		},
		{
			name:   "a slow read says it waits",
			state:  with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2 }),
			event:  ReadSlow{Read: 2},
			want:   with(shown(), func(s *State) { s.Reads, s.Reading, s.Waiting = 2, 2, true }),
			effect: []Effect{Draw{}},
		},
		{
			name:  "a read that ended is not slow",
			state: with(shown(), func(s *State) { s.Reads = 2 }),
			event: ReadSlow{Read: 2},
			want:  with(shown(), func(s *State) { s.Reads = 2 }),
		},
		{
			name:   "a failed list keeps the last instances, marked stale, and is not kept for the next start",
			state:  with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2 }),
			event:  ReadDone{Read: 2, Snap: listFailed},
			want:   with(shown(), func(s *State) { s.Reads, s.Shown, s.Snap = 2, 2, ptr(kept) }),
			effect: []Effect{Draw{}},
		},
		{
			name:   "a click marks its slot busy and runs",
			state:  shown(),
			event:  Clicked{Action: loginOn},
			want:   with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Changing["default"] = nil; s.InFlight = 1 }),
			effect: []Effect{Draw{}, Run{Action: loginOn}},
		},
		{
			name:  "a second click on a busy slot does nothing",
			state: with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Changing["default"] = nil; s.InFlight = 1 }),
			event: Clicked{Action: loginOn},
			want:  with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Changing["default"] = nil; s.InFlight = 1 }),
		},
		{
			name:  "a change of the other switch of the instance waits for the first",
			state: with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Changing["default"] = nil; s.InFlight = 1 }),
			event: Clicked{Action: bootOn},
			want: with(shown(), func(s *State) {
				s.Busy[login], s.Busy[boot] = loginOn, bootOn
				s.Changing["default"] = []menu.Action{bootOn}
				s.InFlight = 1
			}),
			effect: []Effect{Draw{}},
		},
		{
			name: "the first change ends: its slot settles, the registrations are read, the next change runs",
			state: with(shown(), func(s *State) {
				s.Busy[login], s.Busy[boot] = loginOn, bootOn
				s.Changing["default"] = []menu.Action{bootOn}
				s.InFlight = 1
			}),
			event: ActionDone{Action: loginOn, Result: autostart.Result{Changed: true}},
			want: with(shown(), func(s *State) {
				s.Busy[login], s.Busy[boot] = loginOn, bootOn
				s.Settling[login] = 1
				s.Changing["default"] = []menu.Action{}
				s.InFlight, s.Reads, s.Reading = 1, 2, 2
			}),
			effect: []Effect{Draw{}, Read{Read: 2, Prev: ptr(snap("default"))}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}}, Run{Action: bootOn}},
		},
		{
			name:   "the slot stays busy until a read begun after the action is drawn",
			state:  with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Settling[login] = 1; s.Reads, s.Reading = 2, 2 }),
			event:  ReadDone{Read: 2, Snap: snap("default")},
			want:   with(shown(), func(s *State) { s.Reads, s.Shown = 2, 2 }),
			effect: []Effect{Draw{}, SaveLast{Snap: snap("default")}},
		},
		{
			name:   "a read begun before the action ended leaves the slot busy",
			state:  with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Settling[login] = 2; s.Reads, s.Reading = 2, 2 }),
			event:  ReadDone{Read: 2, Snap: snap("default")},
			want:   with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Settling[login] = 2; s.Reads, s.Shown = 2, 2 }),
			effect: []Effect{Draw{}, SaveLast{Snap: snap("default")}},
		},
		{
			name:  "a cancelled password prompt is not a failure",
			state: with(shown(), func(s *State) { s.Busy[boot] = bootOn; s.Changing["default"] = nil; s.InFlight = 1 }),
			event: ActionDone{Action: bootOn, Err: fmt.Errorf("asking for the password: %w", autostart.ErrCancelled)},
			want: with(shown(), func(s *State) {
				s.Busy[boot] = bootOn
				s.Settling[boot] = 1
				s.Reads, s.Reading = 2, 2
			}),
			effect: []Effect{Draw{}, Read{Read: 2, Prev: ptr(snap("default"))}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}}},
		},
		{
			name:  "a failure is shown, newest first, and notified once",
			state: with(shown(), func(s *State) { s.Busy[power] = start; s.InFlight = 1 }),
			event: ActionDone{Action: start, Err: errors.New("limactl start: exit status 1")},
			want: with(shown(), func(s *State) {
				s.Busy[power] = start
				s.Settling[power] = 1
				s.Failures = []menu.Failure{{ID: 1, Action: start, Err: "limactl start: exit status 1"}}
				s.LastFailure = 1
				s.Reads, s.Reading, s.Full = 2, 2, false
			}),
			effect: []Effect{
				Notify{Title: "default: limactl start: exit status 1 — not started", Msg: "limactl start: exit status 1"},
				Draw{}, Read{Read: 2, Full: true}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}},
			},
		},
		{
			name:  "failures are capped at twice what the menu shows",
			state: sixFailures,
			event: ActionDone{Action: menu.Action{Kind: menu.OpenURL, Target: "https://lima-vm.io/"}, Err: errors.New("no browser")},
			want: with(sixFailures, func(s *State) {
				s.InFlight = -1
				s.Failures = append([]menu.Failure{{ID: 7, Action: menu.Action{Kind: menu.OpenURL, Target: "https://lima-vm.io/"}, Err: "no browser"}}, s.Failures[:5]...)
				s.LastFailure = 7
			}),
			effect: []Effect{Notify{Title: "no browser — not opened", Msg: "no browser"}, Draw{}},
		},
		{
			name:   "a switch-over is announced",
			state:  with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Changing["default"] = nil; s.InFlight = 1 }),
			event:  ActionDone{Action: loginOn, Result: autostart.Result{Changed: true, SwitchedFrom: "boot", Message: "default now starts at login instead of at boot"}},
			want:   with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Settling[login] = 1; s.Reads, s.Reading = 2, 2 }),
			effect: []Effect{Notify{Title: "default", Msg: "default now starts at login instead of at boot"}, Draw{}, Read{Read: 2, Prev: ptr(snap("default"))}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}}},
		},
		{
			name:  "a change that needs systemd's reload leaves it for the clicks to pause",
			state: with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Changing["default"] = nil; s.InFlight = 1 }),
			event: ActionDone{Action: loginOn, Result: autostart.Result{Changed: true, Pending: reload, PendingReloads: true}},
			want: with(shown(), func(s *State) {
				s.Busy[login] = loginOn
				s.Settling[login] = 1
				s.Reads, s.Reading = 2, 2
				s.Reload = &Step{Action: loginOn}
				s.Batch, s.Quiet = 1, 1
			}),
			effect: []Effect{
				Draw{}, Read{Read: 2, Prev: ptr(snap("default"))}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}},
				After{D: 5 * time.Second, Event: ReloadDue{Batch: 1}},
				After{D: 300 * time.Millisecond, Event: ReloadDue{Batch: 1, Quiet: 1}},
			},
		},
		{
			name: "another change shares the reload and owns its failure",
			state: with(shown(), func(s *State) {
				s.Reload = &Step{Action: loginOn}
				s.Batch, s.Quiet = 1, 1
				s.Busy[menu.Slot{Instance: "k3s", Group: menu.GroupLogin}] = k3sLogin
				s.Changing["k3s"] = nil
				s.InFlight = 1
			}),
			event: ActionDone{Action: k3sLogin, Result: autostart.Result{Changed: true, Pending: reload, PendingReloads: true}},
			want: with(shown(), func(s *State) {
				s.Reload = &Step{Action: k3sLogin}
				s.Batch, s.Quiet = 1, 2
				s.Busy[menu.Slot{Instance: "k3s", Group: menu.GroupLogin}] = k3sLogin
				s.Settling[menu.Slot{Instance: "k3s", Group: menu.GroupLogin}] = 1
				s.Reads, s.Reading = 2, 2
			}),
			effect: []Effect{
				Draw{}, Read{Read: 2, Prev: ptr(snap("default"))}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}},
				After{D: 300 * time.Millisecond, Event: ReloadDue{Batch: 1, Quiet: 2}},
			},
		},
		{
			name:  "a quiet period that a later change restarted does not run the reload",
			state: with(shown(), func(s *State) { s.Reload = &Step{Action: k3sLogin}; s.Batch, s.Quiet = 1, 2 }),
			event: ReloadDue{Batch: 1, Quiet: 1},
			want:  with(shown(), func(s *State) { s.Reload = &Step{Action: k3sLogin}; s.Batch, s.Quiet = 1, 2 }),
		},
		{
			name:   "the last quiet period runs it",
			state:  with(shown(), func(s *State) { s.Reload = &Step{Action: k3sLogin}; s.Batch, s.Quiet = 1, 2 }),
			event:  ReloadDue{Batch: 1, Quiet: 2},
			want:   with(shown(), func(s *State) { s.Reloading = true; s.Batch, s.Quiet = 1, 2 }),
			effect: []Effect{RunReload{Action: k3sLogin}},
		},
		{
			name:   "the longest wait runs it whatever the clicks",
			state:  with(shown(), func(s *State) { s.Reload = &Step{Action: k3sLogin}; s.Batch, s.Quiet = 1, 17 }),
			event:  ReloadDue{Batch: 1},
			want:   with(shown(), func(s *State) { s.Reloading = true; s.Batch, s.Quiet = 1, 17 }),
			effect: []Effect{RunReload{Action: k3sLogin}},
		},
		{
			name:  "Start runs the reload that waits, and waits for it",
			state: with(shown(), func(s *State) { s.Reload = &Step{Action: k3sLogin}; s.Batch, s.Quiet = 1, 1 }),
			event: Clicked{Action: start},
			want: with(shown(), func(s *State) {
				s.Busy[power] = start
				s.Reloading = true
				s.Held = []menu.Action{start}
				s.Batch, s.Quiet = 1, 1
			}),
			effect: []Effect{Draw{}, RunReload{Action: k3sLogin}},
		},
		{
			name:   "Start runs once the reload is done",
			state:  with(shown(), func(s *State) { s.Busy[power] = start; s.Reloading = true; s.Held = []menu.Action{start} }),
			event:  ReloadDone{Action: k3sLogin},
			want:   with(shown(), func(s *State) { s.Busy[power] = start; s.InFlight = 1 }),
			effect: []Effect{Run{Action: start}},
		},
		{
			name:  "a change whose rest is not a reload holds its instance until that rest ran",
			state: with(shown(), func(s *State) { s.Busy[login] = loginOn; s.Changing["default"] = nil; s.InFlight = 1 }),
			event: ActionDone{Action: loginOn, Result: autostart.Result{Changed: true, Pending: reload}},
			want: with(shown(), func(s *State) {
				s.Busy[login] = loginOn
				s.Settling[login] = 1
				s.Changing["default"] = nil
				s.Reads, s.Reading = 2, 2
				s.Steps = []Step{{ID: 1, After: 2, Action: loginOn, Place: true}}
				s.LastStep = 1
			}),
			effect: []Effect{Draw{}, Read{Read: 2, Prev: ptr(snap("default"))}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}}, After{D: 10 * time.Second, Event: StepDue{Step: 1}}},
		},
		{
			name: "the checkmark is drawn before the rest runs",
			state: with(shown(), func(s *State) {
				s.Busy[login] = loginOn
				s.Settling[login] = 1
				s.Changing["default"] = nil
				s.Reads, s.Reading = 3, 3
				s.Steps = []Step{{ID: 1, After: 2, Action: loginOn, Place: true}}
				s.LastStep = 1
			}),
			event: ReadDone{Read: 3, Snap: snap("default")},
			want: with(shown(), func(s *State) {
				s.Changing["default"] = nil
				s.Reads, s.Shown = 3, 3
				s.LastStep = 1
				s.InFlight = 1
			}),
			effect: []Effect{Draw{}, SaveLast{Snap: snap("default")}, RunStep{Action: loginOn}},
		},
		{
			name:  "its failure is the action's",
			state: with(shown(), func(s *State) { s.Changing["default"] = nil; s.InFlight = 1 }),
			event: StepDone{Action: loginOn, Err: errors.New("default will start at login, but failed to reload systemd: Connection refused")},
			want: with(shown(), func(s *State) {
				s.Failures = []menu.Failure{{ID: 1, Action: loginOn, Err: "default will start at login, but failed to reload systemd: Connection refused"}}
				s.LastFailure = 1
			}),
			effect: []Effect{Notify{Title: "default: Connection refused — Start at Login on, tidying up failed", Msg: "default will start at login, but failed to reload systemd: Connection refused"}, Draw{}},
		},
		{
			name:   "a change in LIMA_HOME lists the instances again",
			state:  shown(),
			event:  FolderChanged{Change: watch.Change{Dirs: []string{"/home/u/lima"}}},
			want:   with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2 }),
			effect: []Effect{Read{Read: 2, Full: true}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}}},
		},
		{
			name:   "a change in a registration folder reads the registrations",
			state:  shown(),
			event:  FolderChanged{Change: watch.Change{Dirs: []string{"/home/u/.config/systemd/user"}}},
			want:   with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2 }),
			effect: []Effect{Read{Read: 2, Prev: ptr(snap("default"))}, After{D: 2 * time.Second, Event: ReadSlow{Read: 2}}},
		},
		{
			name:  "a change during a read asks for one more, merged",
			state: with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2; s.Again = true }),
			event: HealthChanged{},
			want:  with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2; s.Again = true }),
		},
		{
			name:   "which starts when the read ends",
			state:  with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2; s.Again, s.Full = true, true }),
			event:  ReadDone{Read: 2, Snap: snap("default")},
			want:   with(shown(), func(s *State) { s.Reads, s.Reading, s.Shown = 3, 3, 2 }),
			effect: []Effect{Draw{}, SaveLast{Snap: snap("default")}, Read{Read: 3, Full: true}, After{D: 2 * time.Second, Event: ReadSlow{Read: 3}}},
		},
		{
			name:  "a failed autostart is told after the draw, with the log to show",
			state: with(shown(), func(s *State) { s.Reads, s.Reading = 2, 2 }),
			event: ReadDone{Read: 2, Snap: failing},
			want:  with(shown(), func(s *State) { s.Reads, s.Shown, s.Snap = 2, 2, ptr(failing) }),
			effect: []Effect{Draw{}, HealthNotices{Failed: []Notice{{
				Job: "default/login", Instance: "default", Condition: autostart.Login, Health: failing.Instances[0].Health,
				Title: "default: qemu not found — keeps failing at login", Msg: "Open LimaBar's menu to try again or show the log.",
				Show: menu.Action{Kind: menu.ShowLog, Instance: "default", Target: "/home/u/lima/default/ha.stderr.log"},
			}}}, SaveLast{Snap: failing}},
		},
		{
			name:   "a failure's line shows its whole text and leaves the menu",
			state:  with(shown(), func(s *State) { s.Failures = []menu.Failure{{ID: 4, Action: start, Err: "boom"}}; s.LastFailure = 4 }),
			event:  Clicked{Action: menu.Action{Kind: menu.ShowFailure, Failure: 4}},
			want:   with(shown(), func(s *State) { s.LastFailure = 4 }),
			effect: []Effect{Draw{}, Alert{Title: "Could not start default", Msg: "boom"}},
		},
		{
			name:   "Quit asks the toolkit once",
			state:  shown(),
			event:  Clicked{Action: menu.Action{Kind: menu.Quit}},
			want:   with(shown(), func(s *State) { s.Quitting = true }),
			effect: []Effect{QuitToolkit{}},
		},
		{
			name:  "a second quit asks nothing more",
			state: with(shown(), func(s *State) { s.Quitting = true }),
			event: QuitAsked{},
			want:  with(shown(), func(s *State) { s.Quitting = true }),
		},
		{
			name:   "the toolkit gone with nothing in flight ends the loop",
			state:  with(shown(), func(s *State) { s.Quitting = true; s.Reads, s.Reading = 2, 2 }),
			event:  ToolkitGone{},
			want:   with(shown(), func(s *State) { s.Quitting, s.Gone, s.Stopped = true, true, true; s.Reads, s.Reading = 2, 2 }),
			effect: []Effect{Stop{}},
		},
		{
			name: "the toolkit gone runs the reload and the rest of a change at once",
			state: with(shown(), func(s *State) {
				s.Reload = &Step{Action: k3sLogin}
				s.Steps = []Step{{ID: 1, After: 5, Action: loginOn, Place: true}}
				s.Changing["default"] = nil
			}),
			event: ToolkitGone{},
			want: with(shown(), func(s *State) {
				s.Quitting, s.Gone, s.Reloading = true, true, true
				s.InFlight = 1
				s.Changing["default"] = nil
			}),
			effect: []Effect{RunStep{Action: loginOn}, RunReload{Action: k3sLogin}},
		},
		{
			name:   "and the loop ends once they are done",
			state:  with(shown(), func(s *State) { s.Quitting, s.Gone = true, true; s.Changing["default"] = nil; s.InFlight = 1 }),
			event:  StepDone{Action: loginOn},
			want:   with(shown(), func(s *State) { s.Quitting, s.Gone, s.Stopped = true, true, true }),
			effect: []Effect{Stop{}},
		},
		{
			name:  "clicks after the toolkit went are dropped",
			state: with(shown(), func(s *State) { s.Quitting, s.Gone = true, true; s.InFlight = 1 }),
			event: Clicked{Action: loginOn},
			want:  with(shown(), func(s *State) { s.Quitting, s.Gone = true, true; s.InFlight = 1 }),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.state.clone()
			got, effects := Update(c.state, c.event)
			if !same(got, c.want) {
				t.Errorf("state:\n got %+v\nwant %+v", got, c.want)
			}
			if e := strip(effects); !reflect.DeepEqual(e, c.effect) {
				t.Errorf("effects:\n got %#v\nwant %#v", e, c.effect)
			}
			if !same(c.state, before) {
				t.Errorf("Update changed the state it was given:\n got %+v\nwant %+v", c.state, before)
			}
		})
	}
}
