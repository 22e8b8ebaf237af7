package autostart

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/plan"
)

// limaAgentPath and limaDaemonPath are Lima's own plists for the Colima
// profile's instance name, which a Lima job for it would use.
func (b *launchdBackend) limaAgentPath(inst Instance) string {
	return launchd.PlistPath(b.env.LaunchAgentsDir(), launchd.AgentLabel(inst.Name))
}

func (b *launchdBackend) limaDaemonPath(inst Instance) string {
	return launchd.PlistPath(b.env.LaunchDaemonsDir, launchd.DaemonLabel(inst.Name))
}

// brewAgentPath is brew services' agent for Colima.
func (b *launchdBackend) brewAgentPath() string {
	return launchd.PlistPath(b.env.LaunchAgentsDir(), colima.BrewAgentLabel)
}

// brewAgent is the path of brew services' agent when it starts the
// profile: only the default profile (brew's job runs `colima start -f`
// without --profile), its plist there and no disable override for it
// (LimaBar's take-over leaves brew's file and disables the job). "" else.
func (b *launchdBackend) brewAgent(ctx context.Context, inst Instance, c *statusCache) string {
	if inst.Profile != colima.DefaultProfile {
		return ""
	}
	path := b.brewAgentPath()
	if !exists(path) || b.disabledIn(ctx, b.gui(), c)[colima.BrewAgentLabel] {
		return ""
	}
	return path
}

// colimaStatus adds to a Colima profile's status what only a profile has:
// a Lima job that starts its instance with limactl (a problem on the
// condition it is for, shown as on when LimaBar has no job there), and
// brew services' agent (Status.BrewServices, and a problem on LimaBar's
// job beside it).
func (b *launchdBackend) colimaStatus(ctx context.Context, inst Instance, st *Status, c *statusCache) {
	if path := b.limaAgentPath(inst); exists(path) && b.env.limaJobForProfile(path, plistEnv) {
		addLimaJob(&st.Login, inst, path)
	}
	if path := b.limaDaemonPath(inst); exists(path) && b.env.limaJobForProfile(path, plistEnv) {
		addLimaJob(&st.Boot, inst, path)
	}
	if path := b.brewAgent(ctx, inst, c); path != "" {
		addBrew(st, path)
	}
}

// addLimaJob notes a Lima job that starts the profile on its condition.
func addLimaJob(cs *CondStatus, inst Instance, path string) {
	if !cs.Enabled {
		*cs = CondStatus{Enabled: true, Supported: true, Path: path, Problems: []Problem{}}
	}
	cs.Problems = append(cs.Problems, limaJobProblem(inst, path))
}

// addBrew notes brew services' job: on the status, and as a problem on
// each condition LimaBar's (or Lima's) job also starts the profile.
func addBrew(st *Status, path string) {
	st.BrewServices = path
	for _, cs := range []*CondStatus{&st.Login, &st.Boot} {
		if cs.Enabled {
			cs.Problems = append(cs.Problems, brewProblem(path))
		}
	}
}

// readColima reads, for a plan on a Colima profile, LimaBar's job facts,
// Lima's jobs that start the profile, and brew services' agent.
func (b *launchdBackend) readColima(ctx context.Context, st *launchdState) {
	inst := st.Inst
	st.ColimaAgent = b.colimaParams(inst)
	st.ColimaDaemon = b.colimaParams(inst)
	st.ColimaHome = b.env.colimaHome()
	if f := readFile(b.limaAgentPath(inst)); f.Exists && b.env.limaJobForProfile(f.Path, plistEnv) {
		st.LimaAgent = f
	}
	if f := readFile(b.limaDaemonPath(inst)); f.Exists && b.env.limaJobForProfile(f.Path, plistEnv) {
		st.LimaDaemon = f
		st.LimaDaemonRunsVM = b.daemonRunsVM(ctx, inst, launchd.DaemonLabel(inst.Name))
	}
	if path := b.brewAgent(ctx, inst, &statusCache{}); path != "" {
		st.Brew = readFile(path)
		_, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, launchd.PrintArgv(b.gui(), colima.BrewAgentLabel)...)
		st.BrewLoaded = err == nil
	}
}

// takeOverBrew is what ends brew services' agent for the profile, when
// there is one: for Enable (stop), only with TakeOver, `launchctl bootout`
// of brew's agent when it is loaded (colima then stops the VM it runs, as
// `brew services stop colima` would), undone by bootstrapping it again;
// then, for Enable and Repair, `launchctl disable`, which keeps it from
// loading at the next login, undone by enable. Brew's plist stays: LimaBar
// never writes Homebrew's files. Start at Login runs these steps before
// it registers LimaBar's agent; Start at Boot after the privileged install
// (Plan.After), so that dismissing the administrator prompt changes
// nothing, and so that no bootstrap of brew's agent is needed while its
// colima is still stopping (launchd refuses it until the job has exited).
func (st launchdState) takeOverBrew(stop bool) ([]plan.Step, error) {
	if !st.Brew.Exists {
		return nil, nil
	}
	if stop && !st.TakeOver {
		return nil, brewRefusal(st.Inst, st.Brew.Path)
	}
	if st.NoGUI {
		return nil, fmt.Errorf("cannot take %s over from brew services while nobody is logged in at the desktop: launchd has no gui/%d domain to disable its agent in", st.Inst.subject(), st.UID)
	}
	label := colima.BrewAgentLabel
	var steps []plan.Step
	if stop && st.BrewLoaded {
		steps = append(steps, plan.Command{Purpose: "stop brew services' agent",
			Argv: st.launchctl([]string{"bootout", launchd.Target(st.gui(), label)}),
			Undo: st.launchctl([]string{"bootstrap", st.gui(), st.Brew.Path})})
	}
	return append(steps, plan.Command{Purpose: "disable brew services' agent",
		Argv: st.launchctl(launchd.DisableArgv(st.gui(), label)),
		Undo: st.launchctl(launchd.EnableArgv(st.gui(), label))}), nil
}

// tookOver says in p's result that LimaBar took over from brew services.
func (st launchdState) tookOver(p *Plan, steps []plan.Step) {
	if len(steps) == 0 {
		return
	}
	p.Result.Changed = true
	what := "disabled"
	if st.BrewLoaded {
		what = "stopped and disabled (a VM it ran is stopped with it)"
	}
	p.Result.Message += fmt.Sprintf("; LimaBar took over from brew services: its agent %s is %s, its file %s is left as it is",
		colima.BrewAgentLabel, what, filepath.Base(st.Brew.Path))
}
