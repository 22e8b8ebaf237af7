package ui

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// Timings of the GUI.
type Timings struct {
	// Waiting is how long a read may take before the menu says it is
	// waiting for limactl.
	Waiting time.Duration
	// ReloadQuiet is how long the shared reload waits for another change
	// to share it, and ReloadMax how long at most.
	ReloadQuiet, ReloadMax time.Duration
	// StepWait is how long what is left of a change waits for the change
	// to be drawn.
	StepWait time.Duration
}

// DefaultTimings are the program's.
var DefaultTimings = Timings{
	Waiting:     2 * time.Second,
	ReloadQuiet: 300 * time.Millisecond,
	ReloadMax:   5 * time.Second,
	StepWait:    10 * time.Second,
}

// State is everything the GUI knows. Only Update changes it, on the loop.
type State struct {
	Timings Timings

	// Snap is the snapshot drawn; nil until the first read (or the last
	// menu) is there. Refreshing says that Snap is the last menu of the
	// previous run, shown until the first read replaces it.
	Snap       *state.Snapshot
	Refreshing bool
	// Reads counts the reads started; Reading is the one in flight (0 for
	// none), Shown the last one drawn. Again asks for another read once
	// the one in flight ends; Full, that the next read lists the
	// instances again instead of reading the registrations of those shown.
	Reads, Reading, Shown int
	Again, Full           bool
	Waiting               bool
	Watching              bool

	// Busy holds the actions in flight by slot; Settling the slots whose
	// action ended, with the number of reads started by then: the slot
	// stays busy until a later read is drawn.
	Busy     map[menu.Slot]menu.Action
	Settling map[menu.Slot]int
	// Failures, newest first.
	Failures    []menu.Failure
	LastFailure int
	// Changing holds, per instance with a registration change in flight,
	// the changes clicked after it, in order.
	Changing map[string][]menu.Action
	// InFlight counts actions and steps running.
	InFlight int
	// Steps wait for their change to be drawn.
	Steps    []Step
	LastStep int
	// Reload is the shared reload waiting for the clicks to pause;
	// Reloading says one runs; Held are the actions (Start) that wait
	// for both.
	Reload    *Step
	Reloading bool
	Batch     int
	Quiet     int
	Held      []menu.Action

	Quitting bool // the toolkit was asked to end
	Gone     bool // the toolkit is in its exit callback
	Stopped  bool
}

// Step is what is left of a change: Pending runs once a read begun after
// read After is drawn.
type Step struct {
	ID      int
	After   int
	Action  menu.Action
	Pending func(context.Context) error
	// Place says that the step holds its instance's place in Changing.
	Place bool
}

// NewState is the state before the loop starts.
func NewState(t Timings) State {
	return State{Timings: t}
}

// clone gives s maps and slices of its own, so that Update never changes
// the state it was given.
func (s State) clone() State {
	s.Busy = maps.Clone(s.Busy)
	if s.Busy == nil {
		s.Busy = map[menu.Slot]menu.Action{}
	}
	s.Settling = maps.Clone(s.Settling)
	if s.Settling == nil {
		s.Settling = map[menu.Slot]int{}
	}
	s.Changing = maps.Clone(s.Changing)
	if s.Changing == nil {
		s.Changing = map[string][]menu.Action{}
	}
	for k, v := range s.Changing {
		s.Changing[k] = slices.Clone(v)
	}
	s.Failures = slices.Clone(s.Failures)
	s.Steps = slices.Clone(s.Steps)
	s.Held = slices.Clone(s.Held)
	return s
}

// Input is what the menu is built from.
func (s State) Input(version string) menu.Input {
	return menu.Input{
		Snapshot:   s.Snap,
		Refreshing: s.Refreshing,
		Busy:       maps.Clone(s.Busy),
		Failures:   slices.Clone(s.Failures),
		Waiting:    s.Waiting,
		Version:    version,
	}
}

// update is one call of Update under way.
type update struct {
	s   State
	out []Effect
}

func (u *update) do(e ...Effect) { u.out = append(u.out, e...) }

func (u *update) log(level slog.Level, msg string, args ...any) {
	u.do(Log{Level: level, Msg: msg, Args: args})
}

// Update is the GUI's whole logic: it takes the state and one event, and
// returns the new state and the effects to carry out, in order. It has no
// clock, runs nothing and shares nothing with the state it was given.
func Update(s State, e Event) (State, []Effect) {
	if s.Stopped {
		return s, nil
	}
	u := &update{s: s.clone()}
	switch e := e.(type) {
	case Started:
		if e.Last != nil {
			last := *e.Last
			u.s.Snap, u.s.Refreshing = &last, true
		}
		u.do(Draw{})
		u.requestRead(true)
	case ReadDone:
		u.readDone(e)
	case ReadSlow:
		if u.s.Reading == e.Read && !u.s.Gone {
			u.s.Waiting = true
			u.log(slog.LevelWarn, "limactl is slow to answer")
			u.do(Draw{})
		}
	case Clicked:
		u.click(e.Action)
	case ActionDone:
		u.actionDone(e)
	case StepDue:
		if i := slices.IndexFunc(u.s.Steps, func(st Step) bool { return st.ID == e.Step }); i >= 0 {
			u.runStep(i)
		}
	case StepDone:
		u.s.InFlight--
		if e.Err != nil {
			u.log(slog.LevelError, "action failed after the change", "action", e.Action.Kind.String(), "instance", e.Action.Instance, "err", e.Err)
			u.fail(e.Action, e.Err.Error())
			u.do(Draw{})
		} else {
			u.log(slog.LevelDebug, "change finished", "action", e.Action.Kind.String(), "instance", e.Action.Instance, "took", e.Took)
		}
		if changesRegistration(e.Action) {
			u.dequeue(e.Action.Instance)
		}
	case ReloadDue:
		if u.s.Reload != nil && e.Batch == u.s.Batch && (e.Quiet == 0 || e.Quiet == u.s.Quiet) && !u.s.Reloading {
			u.runReload()
		}
	case ReloadDone:
		u.s.Reloading = false
		if e.Err != nil {
			u.log(slog.LevelError, "action failed after the change", "action", e.Action.Kind.String(), "instance", e.Action.Instance, "err", e.Err)
			u.fail(e.Action, e.Err.Error())
			u.do(Draw{})
		} else {
			u.log(slog.LevelDebug, "change finished", "action", e.Action.Kind.String(), "instance", e.Action.Instance)
		}
		switch {
		case u.s.Reload != nil && (len(u.s.Held) > 0 || u.s.Gone):
			u.runReload()
		case len(u.s.Held) > 0:
			held := u.s.Held
			u.s.Held = nil
			for _, a := range held {
				u.run(a)
			}
		}
	case HealthChanged:
		u.requestRead(false)
	case FolderChanged:
		// A change in LIMA_HOME or Colima's Lima home (an instance, its
		// ha.pid) lists the instances again; one in a registration
		// folder only reads the registrations of the instances shown.
		full := true
		if u.s.Snap != nil {
			homes := slices.DeleteFunc(u.s.Snap.InstanceHomes(), func(h string) bool { return h == "" })
			full = len(homes) == 0 || slices.ContainsFunc(homes, e.Change.Touches)
		}
		u.requestRead(full)
	case ToolkitReady:
		u.do(Draw{})
	case QuitAsked:
		u.quit()
	case ToolkitGone:
		u.s.Gone, u.s.Quitting = true, true
		for len(u.s.Steps) > 0 {
			u.runStep(0)
		}
		if u.s.Reload != nil && !u.s.Reloading {
			u.runReload()
		}
	}
	if u.s.Gone && !u.s.Stopped && u.s.InFlight == 0 && len(u.s.Steps) == 0 && u.s.Reload == nil &&
		!u.s.Reloading && len(u.s.Held) == 0 && len(u.s.Changing) == 0 {
		u.s.Stopped = true
		u.do(Stop{})
	}
	return u.s, u.out
}

func (u *update) quit() {
	if !u.s.Quitting {
		u.s.Quitting = true
		u.do(QuitToolkit{})
	}
}

// requestRead asks for a read; full lists the instances again.
func (u *update) requestRead(full bool) {
	if u.s.Gone {
		return
	}
	u.s.Full = u.s.Full || full
	if u.s.Reading != 0 {
		u.s.Again = true // the read after this one sees the change too
		return
	}
	u.s.Reads++
	u.s.Reading = u.s.Reads
	full = u.s.Full || u.s.Snap == nil || u.s.Refreshing
	u.s.Full = false
	var prev *state.Snapshot
	if !full {
		p := *u.s.Snap
		prev = &p
	}
	u.do(Read{Read: u.s.Reading, Full: full, Prev: prev},
		After{D: u.s.Timings.Waiting, Event: ReadSlow{Read: u.s.Reading}})
}

func (u *update) readDone(e ReadDone) {
	if e.Read != u.s.Reading || u.s.Gone {
		return
	}
	s := e.Snap
	u.log(slog.LevelDebug, "refreshed", "instances", len(s.Instances), "took", e.Took,
		"list_error", s.ListErr, "limactl_error", s.LimactlErr)
	if s.ListErr != "" && u.s.Snap != nil && len(u.s.Snap.Instances) > 0 {
		u.log(slog.LevelWarn, "keeping the last instances listed", "instances", len(u.s.Snap.Instances), "list_error", s.ListErr)
	}
	s = s.KeepLastInstances(u.s.Snap)
	u.s.Snap, u.s.Refreshing = &s, false
	u.s.Reading, u.s.Waiting = 0, false
	// Actions that ended before this read began are now reflected in it:
	// their items can leave the busy state.
	for slot, endedAt := range u.s.Settling {
		if endedAt < e.Read {
			delete(u.s.Busy, slot)
			delete(u.s.Settling, slot)
		}
	}
	u.s.Shown = e.Read
	u.do(Draw{})
	if n := healthNotices(s); len(n.Failed) > 0 || len(n.Well) > 0 {
		u.do(n)
	}
	if s.ListErr == "" && s.Limactl != "" && s.LimactlErr == "" {
		u.do(SaveLast{Snap: s})
	}
	if !u.s.Watching {
		u.s.Watching = true
		u.do(StartWatchers{Homes: s.InstanceHomes()})
	}
	for i := 0; i < len(u.s.Steps); {
		if u.s.Steps[i].After < e.Read {
			u.runStep(i)
			continue
		}
		i++
	}
	if u.s.Again {
		u.s.Again = false
		u.requestRead(false)
	}
}

// healthNotices is what to tell of the jobs of s: each registered job that
// failed, unless it is in the middle of a restart (it may come up), and the
// jobs that are well again.
func healthNotices(s state.Snapshot) HealthNotices {
	var n HealthNotices
	for _, in := range s.Instances {
		if in.Health == nil {
			continue
		}
		h, c := in.Health, in.HealthCondition
		// Keyed by the ID: Lima's instance "colima" and Colima's
		// default profile (colima:default) are two jobs.
		id := in.ID()
		job := id + "/" + string(c)
		switch {
		case h.State == health.Running || h.State == health.Stopped:
			n.Well = append(n.Well, job)
		case h.Bad() && !h.Restarting:
			// The notification's Show Log opens the log the menu's
			// opens, which holds Lima's or Colima's own words on why.
			no := Notice{Job: job, Instance: id, Condition: c, Health: h,
				Title: menu.HealthFailureLine(id, h, c),
				Msg:   "Open LimaBar's menu to try again or show the log."}
			if log := menu.LogOf(in); log != "" {
				no.Show = menu.Action{Kind: menu.ShowLog, Instance: id, Target: log}
			}
			n.Failed = append(n.Failed, no)
		}
	}
	return n
}

func (u *update) click(a menu.Action) {
	u.log(slog.LevelDebug, "click", "action", a.Kind.String(), "instance", a.Instance, "condition", string(a.Condition))
	if u.s.Gone {
		return
	}
	switch a.Kind {
	case menu.None:
		return
	case menu.Quit:
		u.quit()
		return
	case menu.Refresh:
		u.requestRead(true)
		return
	case menu.ShowFailure:
		// The whole text is shown, and the line leaves the menu: the
		// user has read it.
		i := slices.IndexFunc(u.s.Failures, func(f menu.Failure) bool { return f.ID == a.Failure })
		if i < 0 {
			return
		}
		f := u.s.Failures[i]
		u.s.Failures = slices.Delete(u.s.Failures, i, i+1)
		u.do(Draw{}, Alert{Title: menu.FailureTitle(f.Action), Msg: f.Err})
		return
	case menu.ShowText:
		u.do(Alert{Title: "LimaBar", Msg: a.Target})
		return
	}
	slot, guarded := a.Slot()
	if !guarded {
		u.run(a)
		return
	}
	if running, ok := u.s.Busy[slot]; ok {
		u.log(slog.LevelDebug, "ignoring a click while the same thing is in flight",
			"action", a.Kind.String(), "running", running.Kind.String(), "instance", a.Instance)
		return
	}
	u.s.Busy[slot] = a
	u.do(Draw{})
	if changesRegistration(a) {
		// The two switches of one instance touch each other's files:
		// their changes run one after the other, in the order of the
		// clicks, so that the last click wins.
		if queue, ok := u.s.Changing[a.Instance]; ok {
			u.s.Changing[a.Instance] = append(queue, a)
			return
		}
		u.s.Changing[a.Instance] = nil
	}
	u.start(a)
}

// start runs a, after the shared reload for the actions that have systemd
// start the VM's unit, which must see the unit as it is on disk.
func (u *update) start(a menu.Action) {
	switch a.Kind {
	case menu.Start, menu.Restart, menu.TryAgain:
		if u.s.Reload != nil || u.s.Reloading {
			u.s.Held = append(u.s.Held, a)
			if !u.s.Reloading {
				u.runReload()
			}
			return
		}
	}
	u.run(a)
}

func (u *update) run(a menu.Action) {
	u.s.InFlight++
	r := Run{Action: a}
	if a.Kind == menu.OpenShell {
		// `colima ssh --profile P` for a Colima profile, else `limactl
		// shell NAME` with the LIMA_HOME LimaBar uses.
		r.Shell = menu.ShellArgv(u.s.Snap, a.Instance)
	}
	u.do(r)
}

func changesRegistration(a menu.Action) bool {
	return a.Kind == menu.Enable || a.Kind == menu.Disable || a.Kind == menu.Repair
}

func (u *update) actionDone(e ActionDone) {
	u.s.InFlight--
	a, err, res := e.Action, e.Err, e.Result
	args := []any{"action", a.Kind.String(), "instance", a.Instance, "condition", string(a.Condition), "took", e.Took}
	switch {
	case errors.Is(err, autostart.ErrCancelled):
		// The user dismissed the password prompt: nothing changed and
		// nothing went wrong.
		u.log(slog.LevelInfo, "cancelled by the user", args...)
		err = nil
	case err != nil:
		u.log(slog.LevelError, "action failed", append(args, "err", err)...)
	default:
		u.log(slog.LevelInfo, "action done", append(args, "changed", res.Changed, "message", res.Message)...)
	}
	u.forgetFailures(a)
	if err != nil {
		u.fail(a, err.Error())
	} else if res.SwitchedFrom != "" && res.Message != "" {
		u.do(Notify{Title: a.Instance, Msg: res.Message})
	}
	slot, guarded := a.Slot()
	if guarded {
		// The item stays busy until a snapshot read after this point is
		// drawn: until then the menu would offer the old choice.
		u.s.Settling[slot] = u.s.Reads
	}
	u.do(Draw{})
	if guarded {
		u.requestRead(!changesRegistration(a))
	}
	place := changesRegistration(a)
	switch {
	case res.Pending != nil && res.PendingReloads:
		u.reloadSoon(a, res.Pending)
	case res.Pending != nil:
		// systemd answers nothing while it reloads, the health read of
		// the new state included: what is left waits until the menu
		// shows the change, and holds the instance's place.
		u.s.LastStep++
		u.s.Steps = append(u.s.Steps, Step{ID: u.s.LastStep, After: u.s.Reads, Action: a, Pending: res.Pending, Place: place})
		place = false
		if u.s.Gone {
			u.runStep(len(u.s.Steps) - 1)
		} else {
			u.do(After{D: u.s.Timings.StepWait, Event: StepDue{Step: u.s.LastStep}})
		}
	}
	if place {
		u.dequeue(a.Instance)
	}
}

// dequeue ends the registration change of instance that runs and starts
// the next one clicked.
func (u *update) dequeue(instance string) {
	queue, ok := u.s.Changing[instance]
	if !ok {
		return
	}
	if len(queue) == 0 {
		delete(u.s.Changing, instance)
		return
	}
	u.s.Changing[instance] = queue[1:]
	u.start(queue[0])
}

func (u *update) runStep(i int) {
	st := u.s.Steps[i]
	u.s.Steps = slices.Delete(u.s.Steps, i, i+1)
	u.s.InFlight++
	u.do(RunStep{Action: st.Action, Pending: st.Pending})
}

// reloadSoon makes pending the shared reload, run once no change has come
// for ReloadQuiet (at most ReloadMax after the first one waiting):
// switches clicked one after another share one reload, and none of those
// clicks waits for systemd, which answers nothing while it reloads. Any of
// the waiting reloads does for all of them; the newest one's action owns a
// failure.
func (u *update) reloadSoon(a menu.Action, pending func(context.Context) error) {
	first := u.s.Reload == nil
	u.s.Reload = &Step{Action: a, Pending: pending}
	if u.s.Gone || len(u.s.Held) > 0 {
		if !u.s.Reloading {
			u.runReload()
		}
		return
	}
	u.s.Quiet++
	if first {
		u.s.Batch++
		u.do(After{D: u.s.Timings.ReloadMax, Event: ReloadDue{Batch: u.s.Batch}})
	}
	u.do(After{D: u.s.Timings.ReloadQuiet, Event: ReloadDue{Batch: u.s.Batch, Quiet: u.s.Quiet}})
}

func (u *update) runReload() {
	r := u.s.Reload
	u.s.Reload, u.s.Reloading = nil, true
	u.do(RunReload{Action: r.Action, Pending: r.Pending})
}

// fail adds a failure of a, newest first, keeping twice what the menu
// shows (a dismissed line lets an older one show), and notifies it.
func (u *update) fail(a menu.Action, msg string) {
	u.s.LastFailure++
	u.s.Failures = slices.Insert(u.s.Failures, 0, menu.Failure{ID: u.s.LastFailure, Action: a, Err: msg})
	if len(u.s.Failures) > 2*menu.MaxFailures {
		u.s.Failures = u.s.Failures[:2*menu.MaxFailures]
	}
	u.do(Notify{Title: menu.FailureLine(a, msg), Msg: msg})
}

// forgetFailures drops earlier failures of what a just finished, whatever
// its outcome: the newest one is the one that counts.
func (u *update) forgetFailures(a menu.Action) {
	slot, guarded := a.Slot()
	u.s.Failures = slices.DeleteFunc(u.s.Failures, func(f menu.Failure) bool {
		if fs, ok := f.Action.Slot(); guarded && ok {
			return fs == slot
		}
		return f.Action.Kind == a.Kind && f.Action.Instance == a.Instance
	})
}
