package autostart

import (
	"fmt"
	"path/filepath"

	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/systemd"
)

// limaUnitPath is Lima's unit for the Colima profile's instance name,
// which a Lima job for it would use.
func (b *systemdBackend) limaUnitPath(inst Instance) string {
	return systemd.UnitPath(b.env.UnitDir(), inst.Name)
}

// brewUnit is the path of brew services' unit for Colima when it starts
// the profile: only the default profile, its unit in the user unit folder
// (where Homebrew on Linux writes it) and enabled (a .wants link to it;
// LimaBar's take-over disables it and leaves the file). "" else.
func (b *systemdBackend) brewUnit(inst Instance, c *statusCache) string {
	if inst.Profile != colima.DefaultProfile {
		return ""
	}
	path := filepath.Join(b.env.UnitDir(), colima.BrewUnit)
	if !exists(path) || len(b.wantsLinks(colima.BrewUnit, c)) == 0 {
		return ""
	}
	return path
}

// colimaStatus adds to a Colima profile's status a Lima unit that starts
// its instance with limactl (on cs, the condition lingering decides) and
// brew services' unit.
func (b *systemdBackend) colimaStatus(inst Instance, st *Status, cs *CondStatus, c *statusCache) {
	if path := b.limaUnitPath(inst); exists(path) && b.env.limaJobForProfile(path, unitEnv) {
		addLimaJob(cs, inst, path)
	}
	if path := b.brewUnit(inst, c); path != "" {
		addBrew(st, path)
	}
}

// readColima reads, for a plan on a Colima profile, Lima's unit that
// starts it and brew services' unit.
func (b *systemdBackend) readColima(st *systemdState) {
	inst := st.Inst
	if f := readFile(b.limaUnitPath(inst)); f.Exists && b.env.limaJobForProfile(f.Path, unitEnv) {
		st.LimaUnit = f
	}
	if path := b.brewUnit(inst, nil); path != "" {
		st.Brew = readFile(path)
	}
}

// newPlan is the plan of name, or of the Colima profile.
func (st systemdState) newPlan(name string) Plan {
	if st.Inst.IsColima() {
		return newPlanFor(st.Inst)
	}
	return newPlan(name)
}

// unit is the unit of instance name, or LimaBar's unit of the Colima
// profile.
func (st systemdState) unit(name string) string {
	if st.Inst.IsColima() {
		return unitNameOf(st.Inst)
	}
	return systemd.UnitName(name)
}

// removeLimaUnit disables and removes Lima's unit that starts a Colima
// profile, if there is one; the undo puts it back and enables it.
func (st systemdState) removeLimaUnit() []plan.Step {
	if !st.LimaUnit.Exists {
		return nil
	}
	unit := systemd.UnitName(st.Inst.Name)
	return []plan.Step{
		plan.Command{Purpose: "disable Lima's unit", Argv: st.systemctl(systemd.DisableArgv(unit)), Undo: st.systemctl(systemd.EnableArgv(unit))},
		st.LimaUnit.remove("remove Lima's unit"),
	}
}

// takeOverBrew is what ends brew services' unit for the profile, when
// there is one: for Enable (stop), only with TakeOver, `systemctl --user
// disable --now` (colima then stops the VM it runs, as `brew services
// stop colima` would); for Repair `disable` alone, which leaves it running
// until the next logout. The undo enables it again (without starting it).
// Brew's unit file stays: LimaBar never writes Homebrew's files.
func (st systemdState) takeOverBrew(stop bool) ([]plan.Step, error) {
	if !st.Brew.Exists {
		return nil, nil
	}
	if stop && !st.TakeOver {
		return nil, brewRefusal(st.Inst, st.Brew.Path)
	}
	argv, purpose := []string{"--user", "disable", colima.BrewUnit}, "disable brew services' unit"
	if stop {
		argv, purpose = []string{"--user", "disable", "--now", colima.BrewUnit}, "stop and disable brew services' unit"
	}
	return []plan.Step{plan.Command{Purpose: purpose, Argv: st.systemctl(argv),
		Undo: st.systemctl([]string{"--user", "enable", colima.BrewUnit})}}, nil
}

// tookOver says in p's result that LimaBar took over from brew services.
func (st systemdState) tookOver(p *Plan, steps []plan.Step) {
	if len(steps) == 0 {
		return
	}
	p.Result.Changed = true
	p.Result.Message += fmt.Sprintf("; LimaBar took over from brew services: %s is stopped and disabled (a VM it ran is stopped with it), its file is left as it is", colima.BrewUnit)
}
