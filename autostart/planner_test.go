package autostart

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/problem"
)

// The planners are pure: these tables give them a state, written out,
// and compare the steps with the list written out. File contents and the
// privileged scripts are the goldens' to check; here a unit is "UNIT".

const (
	unitFile   = "/h/.config/systemd/user/lima-vm@default.service"
	recordFile = "/h/.local/state/limabar/linger.json"
	agentFile  = "/h/Library/LaunchAgents/io.lima-vm.autostart.default.plist"
	daemonFile = "/Library/LaunchDaemons/io.lima-vm.daemon.default.plist"
)

var (
	sdReload     = plan.Command{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}}
	sdOnRollback = plan.OnRollback{Purpose: "reload systemd", Argv: []string{"systemctl", "--user", "daemon-reload"}}
	sdEnable     = []string{"systemctl", "--user", "enable", "--no-reload", "lima-vm@default.service"}
	sdDisable    = []string{"systemctl", "--user", "disable", "--no-reload", "lima-vm@default.service"}
	sdForget     = plan.Command{Purpose: "forget the failures of an earlier registration",
		Argv: []string{"systemctl", "--user", "reset-failed", "lima-vm@default.service"}, IgnoreFailure: true}
	record      = []byte(`{"user":"alice","turnedOnByLimaBar":true}` + "\n")
	ourRecord   = fileState{Path: recordFile, Exists: true, Data: record, Mode: 0o644}
	limactlUnit = fileState{Path: unitFile, Exists: true, Data: []byte("LIMACTL UNIT"), Mode: 0o644}
	ourUnit     = fileState{Path: unitFile, Exists: true, Data: []byte("UNIT"), Mode: 0o644}
)

// sdState is a Linux user alice with nothing registered; each case adds
// what it starts from.
func sdState(change func(*systemdState)) systemdState {
	st := systemdState{
		User:     "alice",
		Unit:     fileState{Path: unitFile},
		UnitData: []byte("UNIT"),
		Record:   fileState{Path: recordFile},
		StateDir: "/h/.local/state/limabar",
		Tools:    Tools{Systemctl: "systemctl", Loginctl: "loginctl"},
	}
	if change != nil {
		change(&st)
	}
	return st
}

func loginOn(st *systemdState) { st.Unit, st.Links = ourUnit, []string{"default.target"} }

func bootOnOurs(st *systemdState) {
	loginOn(st)
	st.Lingering, st.Record, st.RecordOurs = true, ourRecord, true
}

func TestSystemdPlans(t *testing.T) {
	newUnit := plan.WriteFile{Purpose: "write the unit", Path: unitFile, Data: []byte("UNIT"), Mode: 0o644}
	replaceLimactlUnit := plan.WriteFile{Purpose: "write the unit", Path: unitFile, Data: []byte("UNIT"), Mode: 0o644,
		Existed: true, Old: []byte("LIMACTL UNIT"), OldMode: 0o644}
	enableNew := plan.Command{Purpose: "enable the unit", Argv: sdEnable, Undo: sdDisable}
	enableLinked := plan.Command{Purpose: "enable the unit", Argv: sdEnable}
	lingerOn := plan.Linger{On: true, User: "alice", Loginctl: "loginctl"}
	lingerOff := plan.Linger{On: false, User: "alice", Loginctl: "loginctl"}
	writeRecord := plan.WriteFile{Purpose: "record that LimaBar turned lingering on", Path: recordFile, Data: record, Mode: 0o644}
	removeRecord := plan.RemoveFile{Purpose: "remove LimaBar's lingering record", Path: recordFile, Old: record, OldMode: 0o644}
	unregister := []plan.Step{
		plan.Command{Purpose: "disable the unit", Argv: sdDisable, Undo: sdEnable},
		plan.RemoveFile{Purpose: "remove the unit", Path: unitFile, Old: []byte("UNIT"), OldMode: 0o644},
	}
	// systemd is reloaded once, after a unit is written or removed.
	reload := []plan.Step{sdReload}
	type planFn func(systemdState) (Plan, error)
	enable := func(c Condition) planFn {
		return func(st systemdState) (Plan, error) { return planSystemdEnable("default", c, st) }
	}
	disable := func(c Condition) planFn {
		return func(st systemdState) (Plan, error) { return planSystemdDisable("default", c, st) }
	}
	repair := func(cur Status) planFn {
		return func(st systemdState) (Plan, error) { return planSystemdRepair("default", cur, st) }
	}
	broken := Status{Login: CondStatus{Enabled: true, Problems: []Problem{{Code: problem.PathMissing}}}}
	for _, tc := range []struct {
		name   string
		state  func(*systemdState)
		plan   planFn
		steps  []plan.Step
		after  []plan.Step
		result Result
		err    string
	}{
		{name: "nothing/enable login", plan: enable(Login),
			steps:  []plan.Step{sdOnRollback, newUnit, enableNew},
			after:  []plan.Step{sdReload, sdForget},
			result: Result{Changed: true, Message: "default will start at login"}},
		{name: "nothing/enable boot", plan: enable(Boot),
			steps:  []plan.Step{sdOnRollback, newUnit, enableNew, lingerOn, writeRecord},
			after:  []plan.Step{sdReload, sdForget},
			result: Result{Changed: true, Message: "default will start at boot"}},
		{name: "nothing/disable login", plan: disable(Login),
			result: Result{Message: "default does not start at login"}},
		{name: "nothing/disable boot", plan: disable(Boot),
			result: Result{Message: "default does not start at boot"}},
		{name: "login on/enable login", state: loginOn, plan: enable(Login),
			result: Result{Message: "default already starts at login"}},
		{name: "login on/enable boot", state: loginOn, plan: enable(Boot),
			steps:  []plan.Step{lingerOn, writeRecord},
			after:  []plan.Step{sdForget},
			result: Result{Changed: true, SwitchedFrom: "login", Message: "default now starts at boot instead of at login"}},
		{name: "login on/disable login", state: loginOn, plan: disable(Login),
			steps:  unregister,
			after:  reload,
			result: Result{Changed: true, Message: "default will no longer start at login"}},
		{name: "boot on, lingering by LimaBar/enable login", state: bootOnOurs, plan: enable(Login),
			steps:  []plan.Step{lingerOff, removeRecord},
			after:  []plan.Step{sdForget},
			result: Result{Changed: true, SwitchedFrom: "boot", Message: "default now starts at login instead of at boot"}},
		{name: "boot on, lingering by LimaBar/enable boot", state: bootOnOurs, plan: enable(Boot),
			result: Result{Message: "default already starts at boot"}},
		{name: "boot on, lingering by LimaBar/disable boot", state: bootOnOurs, plan: disable(Boot),
			steps: unregister, after: []plan.Step{lingerOff, removeRecord, sdReload},
			result: Result{Changed: true, Message: "default will no longer start at boot; lingering, which LimaBar had turned on, is off again"}},
		{name: "boot on, lingering by LimaBar, another unit/disable boot",
			state: func(st *systemdState) { bootOnOurs(st); st.OtherUnits = []string{"other"} }, plan: disable(Boot),
			steps:  unregister,
			after:  reload,
			result: Result{Changed: true, Message: "default will no longer start at boot"}},
		{name: "boot on, lingering by LimaBar/disable login", state: bootOnOurs, plan: disable(Login),
			result: Result{Message: "default does not start at login"}},
		{name: "lingering on, not by LimaBar/enable login", state: func(st *systemdState) { st.Lingering = true }, plan: enable(Login),
			steps:  []plan.Step{sdOnRollback, newUnit, enableNew},
			after:  []plan.Step{sdReload, sdForget},
			result: Result{Changed: true, Message: "default is registered; lingering is on for alice, so it also starts at boot"}},
		{name: "lingering on, not by LimaBar/disable boot", state: func(st *systemdState) { loginOn(st); st.Lingering = true }, plan: disable(Boot),
			steps:  unregister,
			after:  reload,
			result: Result{Changed: true, Message: "default will no longer start at boot"}},
		{name: "no unit, stale record/disable boot", state: func(st *systemdState) { st.Record, st.RecordOurs = ourRecord, true }, plan: disable(Boot),
			steps:  []plan.Step{plan.RemoveFile{Purpose: "remove LimaBar's stale lingering record", Path: recordFile, Old: record, OldMode: 0o644}},
			result: Result{Message: "default does not start at boot"}},
		{name: "no unit, lingering by LimaBar/disable boot", state: func(st *systemdState) { st.Lingering, st.Record, st.RecordOurs = true, ourRecord, true },
			plan: disable(Boot), steps: []plan.Step{lingerOff, removeRecord},
			result: Result{Changed: true, Message: "default does not start at boot; lingering, which LimaBar had turned on, is off again"}},
		{name: "written by limactl/enable login",
			state: func(st *systemdState) {
				st.Unit, st.Links, st.Problems = limactlUnit, []string{"default.target"}, []Problem{{Code: problem.PathMissing}}
			}, plan: enable(Login),
			steps:  []plan.Step{sdOnRollback, replaceLimactlUnit, enableLinked},
			after:  []plan.Step{sdReload, sdForget},
			result: Result{Changed: true, Message: "default will start at login"}},
		{name: "written by limactl, not enabled/enable boot",
			state: func(st *systemdState) {
				st.Unit, st.Problems = limactlUnit, []Problem{{Code: problem.NotEnabled}}
			}, plan: enable(Boot),
			steps:  []plan.Step{sdOnRollback, replaceLimactlUnit, enableNew, lingerOn, writeRecord},
			after:  []plan.Step{sdReload, sdForget},
			result: Result{Changed: true, SwitchedFrom: "login", Message: "default now starts at boot instead of at login"}},
		{name: "written by an old Lima for multi-user.target/enable login",
			state: func(st *systemdState) {
				st.Unit, st.Links, st.Problems = limactlUnit, []string{"multi-user.target"}, []Problem{{Code: problem.WrongTarget}}
			}, plan: enable(Login),
			steps: []plan.Step{
				sdOnRollback,
				plan.Command{Purpose: "remove the links of the old unit", Argv: sdDisable, Undo: sdEnable, IgnoreFailure: true},
				replaceLimactlUnit, enableNew},
			after:  []plan.Step{sdReload, sdForget},
			result: Result{Changed: true, Message: "default will start at login"}},
		{name: "written by limactl/repair",
			state: func(st *systemdState) {
				st.Unit, st.Links, st.Problems = limactlUnit, []string{"default.target"}, []Problem{{Code: problem.PathMissing}}
			}, plan: repair(broken),
			steps:  []plan.Step{sdOnRollback, replaceLimactlUnit, enableLinked},
			after:  []plan.Step{sdReload, sdForget},
			result: Result{Changed: true, Message: "default: unit rewritten and enabled"}},
		{name: "login on/repair", state: loginOn, plan: repair(Status{Login: CondStatus{Enabled: true}}),
			result: Result{Message: "default: nothing to repair"}},
		{name: "unreadable/enable login", state: func(st *systemdState) {
			st.Unit = fileState{Path: unitFile, Exists: true, ReadErr: errors.New("permission denied")}
		}, plan: enable(Login), err: `cannot register instance "default": permission denied`},
		{name: "unreadable/disable login", state: func(st *systemdState) {
			st.Unit = fileState{Path: unitFile, Exists: true, ReadErr: errors.New("permission denied")}
		}, plan: disable(Login), err: `cannot unregister instance "default": permission denied`},
		{name: "no boot user/enable boot", state: func(st *systemdState) { st.BootUserErr = errors.New("no user") }, plan: enable(Boot),
			err: `cannot make instance "default" start at boot: no user`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.plan(sdState(tc.state))
			checkPlan(t, p, err, tc.steps, tc.after, tc.result, tc.err)
		})
	}
}

func checkPlan(t *testing.T, p Plan, err error, steps, after []plan.Step, result Result, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Fatalf("got %v, want the error %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != `instance "default"` {
		t.Errorf("subject %q", p.Subject)
	}
	if !reflect.DeepEqual(p.Steps, steps) {
		t.Errorf("got steps\n%#v\nwant\n%#v", p.Steps, steps)
	}
	if !reflect.DeepEqual(p.After, after) {
		t.Errorf("got after\n%#v\nwant\n%#v", p.After, after)
	}
	if !reflect.DeepEqual(p.Result, result) {
		t.Errorf("got result %+v, want %+v", p.Result, result)
	}
}

// ldState is a Mac user alice (uid 501) with nothing registered.
func ldState(change func(*launchdState)) launchdState {
	inst := Instance{Name: "default", Dir: "/h/.lima/default"}
	params := launchd.Params{Name: "default", InstanceDir: inst.Dir, Limactl: "/opt/homebrew/bin/limactl", Home: "/h", User: "alice"}
	st := launchdState{
		Inst:         inst,
		Agent:        fileState{Path: agentFile},
		Daemon:       fileState{Path: daemonFile},
		AgentParams:  params,
		DaemonParams: params,
		UID:          501,
		Tools:        Tools{Launchctl: "launchctl"},
		ScriptTools:  elevate.PathTools,
	}
	if change != nil {
		change(&st)
	}
	return st
}

// blank drops what the goldens check (file contents, scripts), so that
// the tables compare the steps themselves.
func blank(steps []plan.Step) []plan.Step {
	var out []plan.Step
	for _, s := range steps {
		switch v := s.(type) {
		case plan.WriteFile:
			v.Data = nil
			s = v
		case plan.Privileged:
			v.Script, v.Data = "", nil
			s = v
		}
		out = append(out, s)
	}
	return out
}

func TestLaunchdPlans(t *testing.T) {
	agentEnable := []string{"launchctl", "enable", "gui/501/io.lima-vm.autostart.default"}
	agentDisable := []string{"launchctl", "disable", "gui/501/io.lima-vm.autostart.default"}
	newAgent := []plan.Step{
		plan.WriteFile{Purpose: "write the LaunchAgent", Path: agentFile, Mode: 0o644},
		plan.Command{Purpose: "enable the LaunchAgent", Argv: agentEnable, Undo: agentDisable},
	}
	removeAgent := []plan.Step{
		plan.Command{Purpose: "disable the LaunchAgent", Argv: agentDisable, Undo: agentEnable},
		plan.RemoveFile{Purpose: "remove the LaunchAgent", Path: agentFile, Old: []byte("AGENT"), OldMode: 0o644},
	}
	install := plan.Privileged{Purpose: "install the LaunchDaemon", Prompt: "LimaBar wants to make default start at boot.", Path: daemonFile}
	remove := plan.Privileged{Purpose: "remove the LaunchDaemon", Prompt: "LimaBar wants to stop default from starting at boot."}
	agentOn := func(st *launchdState) {
		st.Agent = fileState{Path: agentFile, Exists: true, Data: []byte("AGENT"), Mode: 0o644}
		st.Cur.Login = CondStatus{Enabled: true, Problems: []Problem{{Code: problem.LimactlDiffers}}}
	}
	daemonOn := func(st *launchdState) {
		st.Daemon = fileState{Path: daemonFile, Exists: true, Data: []byte("DAEMON"), Mode: 0o644}
		st.Cur.Boot = CondStatus{Enabled: true, Problems: []Problem{}}
	}
	otherAccount := func(st *launchdState) {
		daemonOn(st)
		st.OwnerErr = errors.New("the boot registration of instance \"default\" belongs to the account bob")
	}
	type planFn func(launchdState) (Plan, error)
	enable := func(c Condition) planFn {
		return func(st launchdState) (Plan, error) { return planLaunchdEnable(c, st) }
	}
	disable := func(c Condition) planFn {
		return func(st launchdState) (Plan, error) { return planLaunchdDisable(c, st) }
	}
	for _, tc := range []struct {
		name   string
		state  func(*launchdState)
		plan   planFn
		steps  []plan.Step
		after  []plan.Step
		result Result
		err    string
	}{
		{name: "nothing/enable login", plan: enable(Login), steps: newAgent,
			result: Result{Changed: true, Message: "default will start at login"}},
		{name: "nothing/enable boot", plan: enable(Boot), steps: []plan.Step{install},
			result: Result{Changed: true, Message: "default will start at boot as alice"}},
		{name: "nothing/disable login", plan: disable(Login), result: Result{Message: "default does not start at login"}},
		{name: "nothing/disable boot", plan: disable(Boot), result: Result{Message: "default does not start at boot"}},
		{name: "written by limactl/enable login", state: agentOn, plan: enable(Login),
			steps: []plan.Step{
				plan.WriteFile{Purpose: "write the LaunchAgent", Path: agentFile, Mode: 0o644, Existed: true, Old: []byte("AGENT"), OldMode: 0o644},
				plan.Command{Purpose: "enable the LaunchAgent", Argv: agentEnable},
			},
			result: Result{Changed: true, Message: "default will start at login"}},
		{name: "login on/enable boot", state: agentOn, plan: enable(Boot),
			steps: []plan.Step{install}, after: removeAgent,
			result: Result{Changed: true, SwitchedFrom: "login", Message: "default now starts at boot instead of at login"}},
		{name: "login on/disable login", state: agentOn, plan: disable(Login), steps: removeAgent,
			result: Result{Changed: true, Message: "default will no longer start at login"}},
		{name: "boot on/enable login", state: daemonOn, plan: enable(Login),
			steps:  append(append([]plan.Step{}, newAgent...), remove),
			result: Result{Changed: true, SwitchedFrom: "boot", Message: "default now starts at login instead of at boot"}},
		{name: "boot on/disable boot", state: daemonOn, plan: disable(Boot), steps: []plan.Step{remove},
			result: Result{Changed: true, Message: "default will no longer start at boot"}},
		{name: "another account's daemon/enable boot", state: otherAccount, plan: enable(Boot),
			err: "the boot registration of instance \"default\" belongs to the account bob"},
		{name: "another account's daemon/disable boot", state: otherAccount, plan: disable(Boot),
			err: "the boot registration of instance \"default\" belongs to the account bob"},
		{name: "both/repair", state: func(st *launchdState) {
			agentOn(st)
			daemonOn(st)
			st.Cur.Boot.Problems = []Problem{{Code: problem.BothConditions}}
		}, plan: func(st launchdState) (Plan, error) { return planLaunchdRepair(st) },
			steps:  removeAgent,
			result: Result{Changed: true, Message: "default: login registration removed (it also starts at boot)"}},
		{name: "broken daemon/repair", state: func(st *launchdState) {
			daemonOn(st)
			st.Cur.Boot.Problems = []Problem{{Code: problem.Owner}}
		}, plan: func(st launchdState) (Plan, error) { return planLaunchdRepair(st) },
			steps:  []plan.Step{install},
			result: Result{Changed: true, Message: "default: boot registration reinstalled"}},
		{name: "daemon running the VM/repair", state: func(st *launchdState) {
			daemonOn(st)
			st.DaemonRunsVM = true
			st.Cur.Boot.Problems = []Problem{{Code: problem.StopTimeout}}
		}, plan: func(st launchdState) (Plan, error) { return planLaunchdRepair(st) },
			steps: []plan.Step{plan.Privileged{Purpose: "rewrite the LaunchDaemon, leaving the running job",
				Prompt: "LimaBar wants to make default start at boot.", Path: daemonFile}},
			result: Result{Changed: true, Message: "default: boot registration rewritten (it takes effect at the next boot; the running VM was not stopped)"}},
		{name: "daemon running the VM/enable login", state: func(st *launchdState) {
			daemonOn(st)
			st.DaemonRunsVM = true
		}, plan: enable(Login),
			steps: append(append([]plan.Step{}, newAgent...), plan.Privileged{Purpose: "remove the LaunchDaemon, leaving the running job",
				Prompt: "LimaBar wants to stop default from starting at boot."}),
			result: Result{Changed: true, SwitchedFrom: "boot", Message: "default now starts at login instead of at boot; the VM keeps running until it is stopped"}},
		{name: "daemon running the VM/disable boot", state: func(st *launchdState) {
			daemonOn(st)
			st.DaemonRunsVM = true
		}, plan: disable(Boot),
			steps: []plan.Step{plan.Privileged{Purpose: "remove the LaunchDaemon, leaving the running job",
				Prompt: "LimaBar wants to stop default from starting at boot."}},
			result: Result{Changed: true, Message: "default will no longer start at boot; the VM keeps running until it is stopped"}},
		{name: "unreadable agent/enable login", state: func(st *launchdState) {
			st.Agent = fileState{Path: agentFile, Exists: true, ReadErr: errors.New("permission denied")}
		}, plan: enable(Login), err: `cannot register instance "default": permission denied`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.plan(ldState(tc.state))
			if err == nil {
				for _, s := range p.All() {
					if pr, ok := s.(plan.Privileged); ok && !strings.Contains(pr.Script, "io.lima-vm.daemon.default") {
						t.Errorf("the script of %q does not name the daemon", pr.Purpose)
					}
				}
				p.Steps, p.After = blank(p.Steps), blank(p.After)
			}
			checkPlan(t, p, err, tc.steps, tc.after, tc.result, tc.err)
		})
	}
}

// TestLaunchdPlansNeverBootOutARunningVM: over a daemon that runs the VM,
// no privileged script of any plan boots the job out or loads it again.
func TestLaunchdPlansNeverBootOutARunningVM(t *testing.T) {
	running := func(st *launchdState) {
		st.Daemon = fileState{Path: daemonFile, Exists: true, Data: []byte("DAEMON"), Mode: 0o644}
		st.Cur.Boot = CondStatus{Enabled: true, Problems: []Problem{{Code: problem.ProcessType}}}
		st.DaemonRunsVM = true
	}
	for name, fn := range map[string]func(launchdState) (Plan, error){
		"repair":       planLaunchdRepair,
		"enable boot":  func(st launchdState) (Plan, error) { return planLaunchdEnable(Boot, st) },
		"enable login": func(st launchdState) (Plan, error) { return planLaunchdEnable(Login, st) },
		"disable boot": func(st launchdState) (Plan, error) { return planLaunchdDisable(Boot, st) },
	} {
		p, err := fn(ldState(running))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		scripts := 0
		for _, s := range p.All() {
			if pr, ok := s.(plan.Privileged); ok {
				scripts++
				if strings.Contains(pr.Script, "'bootout'") || strings.Contains(pr.Script, "'bootstrap'") {
					t.Errorf("%s: the script %q unloads or loads the job:\n%s", name, pr.Purpose, pr.Script)
				}
			}
		}
		if scripts != 1 {
			t.Errorf("%s: %d privileged scripts, want 1", name, scripts)
		}
	}
}
