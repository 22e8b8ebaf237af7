package autostart

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/limabar/limabar/autostart/jobenv"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/problem"
	"github.com/limabar/limabar/autostart/systemd"
)

// systemdBackend registers instances as systemd user units. Login is the unit
// alone; boot is the same unit plus lingering for the user, so that the user
// manager (and the unit) starts at boot without a login. Lingering is per
// user: while it is on, every registered instance starts at boot, and the
// status says so.
type systemdBackend struct{ env *Env }

func (b *systemdBackend) unitPath(inst Instance) string {
	return filepath.Join(b.env.UnitDir(), unitNameOf(inst))
}

func (b *systemdBackend) lingerPath() string { return filepath.Join(b.env.LingerDir, b.env.User) }

func (b *systemdBackend) lingering() bool { return b.env.User != "" && exists(b.lingerPath()) }

func (b *systemdBackend) params() systemd.Params {
	p := systemd.Params{Limactl: b.env.Limactl, PATH: jobenv.PATH(b.env.Limactl)}
	if b.env.CustomLimaHome() {
		p.LimaHome = b.env.LimaHome
	}
	return p
}

// unitData is the unit LimaBar writes for the instance.
func (b *systemdBackend) unitData(inst Instance) ([]byte, error) {
	if !inst.IsColima() {
		return systemd.Unit(b.params())
	}
	p := systemd.ColimaParams{Profile: inst.Profile, Colima: b.env.Colima, PATH: jobenv.ColimaPATH(b.env.Colima, b.env.Limactl), InstanceDir: inst.Dir}
	if b.env.CustomColimaHome() {
		p.ColimaHome = b.env.colimaHome()
	}
	return systemd.ColimaUnit(p)
}

// wantsLinks lists the targets whose .wants folder links to the unit, which
// is what `systemctl --user enable` made of its WantedBy=.
// With a cache, the folders are listed once for all the instances of one
// read: globbing them for each unit made a refresh grow with the square of
// the number of instances.
func (b *systemdBackend) wantsLinks(unit string, c *statusCache) []string {
	if c == nil {
		matches, _ := filepath.Glob(filepath.Join(b.env.UnitDir(), "*.wants", unit))
		var targets []string
		for _, m := range matches {
			targets = append(targets, strings.TrimSuffix(filepath.Base(filepath.Dir(m)), ".wants"))
		}
		return targets
	}
	if c.wants == nil {
		c.wants = b.listWants()
	}
	return c.wants[unit]
}

// listWants maps each unit to the targets whose .wants folder holds an
// entry of its name, as filepath.Glob of "*.wants/UNIT" would find it.
func (b *systemdBackend) listWants() map[string][]string {
	out := map[string][]string{}
	dirs, _ := filepath.Glob(filepath.Join(b.env.UnitDir(), "*.wants"))
	for _, d := range dirs {
		target := strings.TrimSuffix(filepath.Base(d), ".wants")
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			out[e.Name()] = append(out[e.Name()], target)
		}
	}
	return out
}

func (b *systemdBackend) status(_ context.Context, inst Instance, c *statusCache) (Status, error) {
	path := b.unitPath(inst)
	st := Status{
		Login: CondStatus{Supported: true, Path: path, Problems: []Problem{}},
		Boot:  CondStatus{Supported: true, Path: path, Problems: []Problem{}},
	}
	cs := &st.Login
	if b.lingering() {
		cs = &st.Boot
	}
	b.readUnit(inst, path, cs, c)
	if inst.IsColima() {
		b.colimaStatus(inst, &st, cs, c)
	}
	return st, nil
}

// readUnit reads the instance's unit at path into cs.
func (b *systemdBackend) readUnit(inst Instance, path string, cs *CondStatus, c *statusCache) {
	data, ok, err := readOptional(path)
	if !ok && err == nil {
		return
	}
	cs.Enabled = true
	if err != nil {
		cs.Problems = append(cs.Problems, mkProblem(problem.Unparseable, fmt.Sprintf("cannot read %s: %v", path, err)))
		return
	}
	cs.Problems = append(cs.Problems, b.unitProblems(inst, data, c)...)
}

// unitProblems checks a unit; c, when not nil, shares folder listings
// between the instances of one read.
func (b *systemdBackend) unitProblems(inst Instance, data []byte, c *statusCache) []Problem {
	path := b.unitPath(inst)
	f, err := systemd.Parse(data)
	if err != nil {
		return []Problem{mkProblem(problem.Unparseable, fmt.Sprintf("%s is not a valid unit: %v", path, err))}
	}
	info, err := systemd.Inspect(f)
	if err != nil {
		return []Problem{mkProblem(problem.Unparseable, fmt.Sprintf("%s: %v", path, err))}
	}
	var ps []Problem
	args := info.ExecStart
	stop := systemdLimaStop
	if inst.IsColima() {
		ps = append(ps, b.env.colimaJobProblems(inst, args, info.Environment)...)
		stop = systemdColimaStop
	} else {
		if len(args) != 4 || args[1] != "start" || (args[2] != "%i" && args[2] != inst.Name) || args[3] != "--foreground" {
			ps = append(ps, mkProblem(problem.Args, fmt.Sprintf("the unit runs %q instead of `limactl start %%i --foreground`", strings.Join(args, " "))))
		}
		ps = append(ps, limactlProblems(args, b.env.Limactl)...)
		want := map[string]string{}
		if b.env.CustomLimaHome() {
			want["LIMA_HOME"] = b.env.LimaHome
		}
		ps = append(ps, envProblems(info.Environment, want)...)
	}
	ps = append(ps, unitStopProblems(info, stop)...)
	unit := unitNameOf(inst)
	links := b.wantsLinks(unit, c)
	switch {
	case slices.Contains(info.WantedBy, "multi-user.target") || slices.Contains(links, "multi-user.target"):
		ps = append(ps, mkProblem(problem.WrongTarget, "the unit is wanted by multi-user.target, which a user manager never reaches (written by an old Lima), so it never starts"))
	case !slices.Contains(links, "default.target"):
		ps = append(ps, mkProblem(problem.NotEnabled, "the unit file exists but is not enabled"))
	}
	return ps
}

var (
	systemdLimaStop   = stopNeed{systemd.TimeoutStopSec, "less than the 3 minutes Lima allows"}
	systemdColimaStop = stopNeed{systemd.ColimaTimeoutStopSec, "less than the 6 minutes a `colima stop` may take"}
)

// unitStopProblems checks how the unit stops and restarts the host agent.
func unitStopProblems(info systemd.Info, need stopNeed) []Problem {
	var ps []Problem
	if info.StopTimeoutOK && info.StopTimeout < time.Duration(need.seconds)*time.Second {
		ps = append(ps, mkProblem(problem.StopTimeout, fmt.Sprintf(
			"the unit gives the VM %d s to shut down when it stops (logout, shutdown), %s: the VM would be killed mid-shutdown", int(info.StopTimeout.Seconds()), need.what)))
	}
	if info.Restart != "on-failure" {
		ps = append(ps, mkProblem(problem.KeepAlive, fmt.Sprintf(
			"the unit says Restart=%s, not on-failure: a VM that crashed is not started again, or one stopped on purpose is", info.Restart)))
	}
	return ps
}

// systemdState is everything a systemd plan is made from, read at once.
type systemdState struct {
	User string
	// Unit is the instance's unit file; UnitData the unit LimaBar would
	// write now, or UnitErr why it cannot.
	Unit     fileState
	UnitData []byte
	UnitErr  error
	// Links are the targets whose .wants folder links to the unit.
	Links []string
	// Problems are those of the unit there, if any.
	Problems []Problem
	// Lingering is on for the user; Record is LimaBar's note that it
	// turned it on, RecordOurs whether that note says so for this user.
	Lingering  bool
	Record     fileState
	RecordOurs bool
	// OtherUnits are the instances other than this one with a unit.
	OtherUnits []string
	// BootUserErr is why the user cannot run an instance at boot.
	BootUserErr error
	// StateDir is where the record lives; empty keeps none.
	StateDir string
	Tools    Tools

	// Inst is the instance, for a Colima profile (a Lima instance's
	// plans go by its name alone). LimaUnit is then Lima's unit for the
	// profile's instance when it starts it (Colima's Lima home:
	// limaJobForProfile), which a plan that registers LimaBar's unit
	// removes; Brew is brew services' unit when it is enabled, and
	// TakeOver that the caller asked LimaBar to take over from it.
	Inst     Instance
	LimaUnit fileState
	Brew     fileState
	TakeOver bool
}

// read gathers the systemd state of one instance for a plan.
func (b *systemdBackend) read(inst Instance) systemdState {
	st := systemdState{
		User:       b.env.User,
		Unit:       readFile(b.unitPath(inst)),
		Links:      b.wantsLinks(unitNameOf(inst), nil),
		Lingering:  b.lingering(),
		Record:     readFile(b.recordPath()),
		RecordOurs: b.lingerOurs(),
		OtherUnits: b.otherUnits(unitNameOf(inst)),
		StateDir:   b.env.StateDir,
		Tools:      b.env.Tools,
	}
	st.UnitData, st.UnitErr = b.unitData(inst)
	if inst.IsColima() {
		st.Inst = inst
		b.readColima(&st)
	}
	if st.Unit.Exists && st.Unit.ReadErr == nil {
		st.Problems = b.unitProblems(inst, st.Unit.Data, nil)
	}
	_, st.BootUserErr = resolveBootUser(b.env, "")
	return st
}

func (b *systemdBackend) planEnable(_ context.Context, inst Instance, cond Condition, opts EnableOptions) (Plan, error) {
	if cond == Boot && opts.User != "" && opts.User != b.env.User {
		return Plan{}, fmt.Errorf("cannot make instance %q start at boot as %q: on Linux an instance starts as the user whose systemd manages it", inst.Name, opts.User)
	}
	st := b.read(inst)
	st.TakeOver = opts.TakeOver
	return planSystemdEnable(inst.title(), cond, st)
}

func (b *systemdBackend) planDisable(_ context.Context, inst Instance, cond Condition) (Plan, error) {
	return planSystemdDisable(inst.title(), cond, b.read(inst))
}

func (b *systemdBackend) planRepair(ctx context.Context, inst Instance) (Plan, error) {
	st, err := b.status(ctx, inst, nil)
	if err != nil {
		return Plan{}, err
	}
	return planSystemdRepair(inst.title(), st, b.read(inst))
}

// planSystemdEnable turns the state into the steps that register name for
// cond. Login and boot are the same unit; boot adds lingering. Turning
// login on where LimaBar's lingering makes it boot today turns lingering
// off first, when no other instance needs it.
func planSystemdEnable(name string, cond Condition, st systemdState) (Plan, error) {
	takeOver, err := st.takeOverBrew(true)
	if err != nil {
		return Plan{}, err
	}
	p, err := planSystemdRegister(name, cond, st)
	if err != nil || len(takeOver) == 0 {
		return p, err
	}
	p.Steps = append(takeOver, p.Steps...)
	st.tookOver(&p, takeOver)
	return p, nil
}

// planSystemdRegister is planSystemdEnable without brew services.
func planSystemdRegister(name string, cond Condition, st systemdState) (Plan, error) {
	p := st.newPlan(name)
	switch cond {
	case Login:
		if st.Lingering && st.RecordOurs && len(st.OtherUnits) == 0 {
			p.Steps = append(p.Steps, st.lingerSteps(false)...)
			reg, err := st.register(name, false)
			if err != nil {
				return Plan{}, fmt.Errorf("cannot switch instance %q to login: %w", name, err)
			}
			reg = append(reg, st.removeLimaUnit()...)
			p.Steps = append(p.Steps, reg...)
			st.reloadAfter(&p, reg)
			st.forget(&p, name)
			p.Result = Result{Changed: true, Message: fmt.Sprintf("%s will start at login", name)}
			if st.Unit.Exists {
				p.Result.SwitchedFrom = string(Boot)
				p.Result.Message = fmt.Sprintf("%s now starts at login instead of at boot", name)
			}
			return p, nil
		}
		reg, err := st.register(name, false)
		if err != nil {
			return Plan{}, err
		}
		reg = append(reg, st.removeLimaUnit()...)
		p.Steps = append(p.Steps, reg...)
		st.reloadAfter(&p, reg)
		p.Result = resultOf(p.Steps, fmt.Sprintf("%s will start at login", name), fmt.Sprintf("%s already starts at login", name))
		st.forget(&p, name)
		if st.Lingering {
			p.Result.Message = fmt.Sprintf("%s is registered; lingering is on for %s, so it also starts at boot", name, st.User)
		}
		return p, nil
	case Boot:
		if st.BootUserErr != nil {
			return Plan{}, fmt.Errorf("cannot make instance %q start at boot: %w", name, st.BootUserErr)
		}
		reg, err := st.register(name, false)
		if err != nil {
			return Plan{}, err
		}
		reg = append(reg, st.removeLimaUnit()...)
		p.Steps = append(p.Steps, reg...)
		st.reloadAfter(&p, reg)
		if !st.Lingering {
			p.Steps = append(p.Steps, st.lingerSteps(true)...)
		}
		p.Result = resultOf(p.Steps, fmt.Sprintf("%s will start at boot", name), fmt.Sprintf("%s already starts at boot", name))
		st.forget(&p, name)
		if st.Unit.Exists && !st.Lingering {
			p.Result.SwitchedFrom = string(Login)
			p.Result.Message = fmt.Sprintf("%s now starts at boot instead of at login", name)
		}
		return p, nil
	}
	return Plan{}, fmt.Errorf("unknown condition %q", cond)
}

// planSystemdDisable turns the state into the steps that unregister name
// for cond. Lingering that LimaBar turned on goes when no unit needs it
// any more; its failure then undoes nothing, since the instance no longer
// starts at boot, as asked.
func planSystemdDisable(name string, cond Condition, st systemdState) (Plan, error) {
	p := st.newPlan(name)
	switch cond {
	case Login:
		if !st.Unit.Exists && !st.LimaUnit.Exists || st.Lingering {
			p.Result = Result{Message: fmt.Sprintf("%s does not start at login", name)}
			return p, nil
		}
		un, err := st.unregister(name)
		if err != nil {
			return Plan{}, err
		}
		p.Steps = un
		st.reloadAfter(&p, un)
		p.Result = Result{Changed: true, Message: fmt.Sprintf("%s will no longer start at login", name)}
		return p, nil
	case Boot:
		release := st.releaseLinger()
		if !st.Unit.Exists && !st.LimaUnit.Exists || !st.Lingering {
			// The unit may have been removed by limactl: lingering that
			// LimaBar turned on for it is no longer needed.
			p.Steps = release
			p.Result = Result{Message: fmt.Sprintf("%s does not start at boot", name)}
			if st.Lingering && len(release) > 0 {
				p.Result = Result{Changed: true, Message: p.Result.Message + "; lingering, which LimaBar had turned on, is off again"}
			}
			return p, nil
		}
		un, err := st.unregister(name)
		if err != nil {
			return Plan{}, err
		}
		p.Steps, p.After = un, release
		st.reloadAfter(&p, un)
		p.Result = Result{Changed: true, Message: fmt.Sprintf("%s will no longer start at boot", name)}
		if len(release) > 0 {
			p.Result.Message += "; lingering, which LimaBar had turned on, is off again"
		}
		p.made = fmt.Sprintf("instance %q no longer starts at boot", name)
		return p, nil
	}
	return Plan{}, fmt.Errorf("unknown condition %q", cond)
}

// planSystemdRepair rewrites and enables the unit of an instance whose
// registration has problems, keeping its condition (lingering is left as
// it is).
func planSystemdRepair(name string, cur Status, st systemdState) (Plan, error) {
	p := st.newPlan(name)
	cs := cur.Login
	if cur.Boot.Enabled {
		cs = cur.Boot
	}
	if !cs.Enabled || len(cs.Problems) == 0 {
		p.Result = Result{Message: fmt.Sprintf("%s: nothing to repair", name)}
		return p, nil
	}
	msg := "unit rewritten and enabled"
	if st.Brew.Exists {
		brew, err := st.takeOverBrew(false)
		if err != nil {
			return Plan{}, err
		}
		p.Steps = append(p.Steps, brew...)
		msg = "brew services' unit disabled (it keeps running until you log out), " + msg
	}
	reg, err := st.register(name, true)
	if err != nil {
		return Plan{}, err
	}
	reg = append(reg, st.removeLimaUnit()...)
	p.Steps = append(p.Steps, reg...)
	st.reloadAfter(&p, reg)
	st.forget(&p, name)
	p.Result = Result{Changed: true, Message: fmt.Sprintf("%s: %s", name, msg)}
	return p, nil
}

// register is the steps that write the unit and enable it, or none when
// the unit there is already LimaBar's and has no problem (and force is
// not set).
//
// Links made from an old WantedBy= (multi-user.target, written by an old
// Lima) go first, and come back if a later step fails; links to
// default.target are what enable makes anyway and are left in place. The
// reload before the write only runs if a later step fails, after the old
// unit is back, so that systemd sees it again.
func (st systemdState) register(name string, force bool) ([]plan.Step, error) {
	if st.UnitErr != nil {
		return nil, fmt.Errorf("cannot register instance %q: %w", name, st.UnitErr)
	}
	if st.Unit.ReadErr != nil {
		// A unit that is there but cannot be read would be taken for
		// none, and a rollback would then delete it.
		return nil, fmt.Errorf("cannot register instance %q: %w", name, st.Unit.ReadErr)
	}
	if st.Unit.Exists && !force && bytes.Equal(st.Unit.Data, st.UnitData) && len(st.Problems) == 0 {
		return nil, nil
	}
	unit := st.unit(name)
	// First, so that on a rollback it runs last, once the old unit and
	// its links are back.
	steps := []plan.Step{plan.OnRollback{Purpose: "reload systemd", Argv: st.systemctl(systemd.DaemonReloadArgv())}}
	cleared := st.Unit.Exists && slices.ContainsFunc(st.Links, func(t string) bool { return t != "default.target" })
	if cleared {
		steps = append(steps, plan.Command{Purpose: "remove the links of the old unit", Argv: st.systemctl(systemd.DisableArgv(unit)),
			Undo: st.systemctl(systemd.EnableArgv(unit)), IgnoreFailure: true})
	}
	enable := plan.Command{Purpose: "enable the unit", Argv: st.systemctl(systemd.EnableArgv(unit))}
	// Unless the unit was linked as enable links it, enable's links go
	// again on undo; the old unit's own [Install] makes its links again
	// once it is back.
	if cleared || !slices.Equal(st.Links, []string{"default.target"}) {
		enable.Undo = st.systemctl(systemd.DisableArgv(unit))
	}
	return append(steps,
		st.Unit.write("write the unit", st.UnitData),
		enable,
	), nil
}

// forget ends a plan that registers an instance anew (enable,
// switch-over, repair): the failures of the job under an earlier
// registration are history. systemd keeps a failed unit failed, with the
// time of its failure, across the removal of its file and a new one,
// until reset-failed, which starts and stops nothing. It runs in
// Plan.After, after the reload, not before the switch shows its
// checkmark: a systemctl of its own adds about as much as the enable to
// a click (BenchmarkClickToCheckmark in scripts/e2e: 12 to 105 ms, the
// more the busier the machine), and the failure is history without it,
// since the health read takes a failure older than the unit file for
// history. A failure of it is ignored ("Unit … not loaded" for a unit
// systemd never ran).
//
// After stays a reload, as Result.PendingReloads tells the menu, which
// runs one pending reload for a series of clicks: the reset-failed of an
// earlier click of the series may then not run, and systemd keeps that
// unit failed until its next start, which the health read already shows
// as history.
func (st systemdState) forget(p *Plan, name string) {
	if len(p.Steps) > 0 {
		p.After = append(p.After, plan.Command{Purpose: "forget the failures of an earlier registration",
			Argv: st.systemctl(systemd.ResetFailedArgv(st.unit(name))), IgnoreFailure: true})
	}
}

// reload is the step that makes the running manager see a unit written,
// rewritten or removed. It runs in Plan.After, once the registration is
// complete on disk: a manager that cannot be reloaded now still reads the
// unit and its links at the next login or boot, so its failure is reported
// without taking the registration back.
func (st systemdState) reload() plan.Step {
	return plan.Command{Purpose: "reload systemd", Argv: st.systemctl(systemd.DaemonReloadArgv())}
}

// reloadAfter makes p reload systemd once its steps are done, when some
// of them wrote, linked or removed a unit (steps is those).
//
// The reload goes last: a manager that cannot be reloaded must not keep
// lingering on that is no longer needed (the executor stops After at its
// first failure).
func (st systemdState) reloadAfter(p *Plan, steps []plan.Step) {
	if len(steps) > 0 {
		p.afterReloads = len(p.After) == 0
		p.After = append(p.After, st.reload())
	}
}

// unregister is the steps that disable and remove the unit.
func (st systemdState) unregister(name string) ([]plan.Step, error) {
	if st.Unit.ReadErr != nil {
		// Neither removable as none nor restorable after a failure.
		return nil, fmt.Errorf("cannot unregister instance %q: %w", name, st.Unit.ReadErr)
	}
	var steps []plan.Step
	if st.Unit.Exists || !st.Inst.IsColima() {
		unit := st.unit(name)
		steps = []plan.Step{
			plan.Command{Purpose: "disable the unit", Argv: st.systemctl(systemd.DisableArgv(unit)), Undo: st.systemctl(systemd.EnableArgv(unit))},
			st.Unit.remove("remove the unit"),
		}
	}
	return append(steps, st.removeLimaUnit()...), nil
}

// releaseLinger is the steps that turn lingering off when LimaBar turned
// it on and no instance other than this one still has a unit. A record
// left from lingering that is already off is dropped.
func (st systemdState) releaseLinger() []plan.Step {
	switch {
	case !st.RecordOurs || len(st.OtherUnits) > 0 && st.Lingering:
		return nil
	case !st.Lingering:
		return []plan.Step{st.Record.remove("remove LimaBar's stale lingering record")}
	}
	return st.lingerSteps(false)
}

// lingerSteps turn lingering on or off and keep LimaBar's record with it:
// written after turning on (without it LimaBar would never turn it off
// again, so a failed write turns it off), removed after turning off.
func (st systemdState) lingerSteps(on bool) []plan.Step {
	steps := []plan.Step{plan.Linger{On: on, User: st.User, Loginctl: st.Tools.Loginctl}}
	if st.StateDir == "" {
		return steps
	}
	if !on {
		return append(steps, st.Record.remove("remove LimaBar's lingering record"))
	}
	data, _ := json.Marshal(lingerRecord{User: st.User, TurnedOn: true})
	return append(steps, st.Record.write("record that LimaBar turned lingering on", append(data, '\n')))
}

func (st systemdState) systemctl(args []string) []string {
	return append([]string{st.Tools.Systemctl}, args...)
}

// otherUnits lists the units, other than self, that lingering starts at
// boot: Lima's units and LimaBar's units of Colima profiles.
func (b *systemdBackend) otherUnits(self string) []string {
	var out []string
	for _, pattern := range []string{"lima-vm@*.service", "limabar-colima@*.service"} {
		matches, _ := filepath.Glob(filepath.Join(b.env.UnitDir(), pattern))
		for _, m := range matches {
			if unit := filepath.Base(m); unit != self {
				out = append(out, unit)
			}
		}
	}
	return out
}

// lingerRecord is LimaBar's note that it turned lingering on, so that it
// turns it off again only if it was the one to turn it on.
type lingerRecord struct {
	User     string `json:"user"`
	TurnedOn bool   `json:"turnedOnByLimaBar"`
}

func (b *systemdBackend) recordPath() string {
	if b.env.StateDir == "" {
		return ""
	}
	return filepath.Join(b.env.StateDir, "linger.json")
}

func (b *systemdBackend) lingerOurs() bool {
	data, err := os.ReadFile(b.recordPath())
	if err != nil {
		return false
	}
	var r lingerRecord
	return json.Unmarshal(data, &r) == nil && r.TurnedOn && r.User == b.env.User
}
