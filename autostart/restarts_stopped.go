package autostart

import (
	"context"
	"path/filepath"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/plan"
)

// RestartsStoppedPath is LimaBar's record that it stopped the restarts of
// instance name's login agent (Stop Retrying, which is `launchctl bootout`
// of the agent: launchd has no other way to stop a KeepAlive job that
// keeps failing). launchd loads the agent again at the next login; until
// then the record lets turning Start at Login off and on load it again at
// once (planLaunchdEnable), as Stop Retrying says it will. It is "" when
// LimaBar keeps no records (no state folder).
func RestartsStoppedPath(stateDir, name string) string {
	return restartsStoppedPath(stateDir, launchd.AgentLabel(name))
}

// RestartsStoppedPathOf is RestartsStoppedPath of any instance, a Colima
// profile's too (its record is named for LimaBar's agent label).
func RestartsStoppedPathOf(stateDir string, inst Instance) string {
	return restartsStoppedPath(stateDir, agentLabelOf(inst))
}

func restartsStoppedPath(stateDir, label string) string {
	if stateDir == "" {
		return ""
	}
	return filepath.Join(stateDir, "restarts-stopped", label)
}

// readRestartsStopped reads the record of stopped restarts and, only when
// there is one, whether the agent is loaded in the gui domain now
// (`launchctl print` of it succeeds), so that no other plan asks launchd
// more than before.
func (b *launchdBackend) readRestartsStopped(ctx context.Context, st *launchdState) {
	path := RestartsStoppedPathOf(b.env.StateDir, st.Inst)
	if path == "" {
		return
	}
	st.RestartsStopped = readFile(path)
	if st.RestartsStopped.Exists {
		_, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, launchd.PrintArgv(b.gui(), agentLabelOf(st.Inst))...)
		st.AgentLoaded = err == nil
	}
}

// reloadAgent is what turning Start at Login on adds for an agent whose
// restarts LimaBar stopped: `launchctl bootstrap` into the gui domain when
// it is not loaded (its RunAtLoad starts it, as at a login), undone by
// `bootout`; then, once the change is made, the record goes.
func (st launchdState) reloadAgent() (steps, after []plan.Step) {
	if !st.RestartsStopped.Exists {
		return nil, nil
	}
	after = []plan.Step{st.RestartsStopped.remove("forget that the restarts were stopped")}
	if st.AgentLoaded {
		return nil, after
	}
	label := agentLabelOf(st.Inst)
	steps = []plan.Step{plan.Command{Purpose: "load the LaunchAgent again (its restarts were stopped)",
		Argv: st.launchctl([]string{"bootstrap", st.gui(), st.Agent.Path}),
		Undo: st.launchctl([]string{"bootout", launchd.Target(st.gui(), label)})}}
	return steps, after
}
