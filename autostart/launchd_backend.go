package autostart

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/problem"
)

// launchdBackend registers instances with launchd: a LaunchAgent in the
// user's gui domain for login, a LaunchDaemon in the system domain (through
// the privileged script) for boot.
type launchdBackend struct{ env *Env }

func (b *launchdBackend) agentPath(inst Instance) string {
	return launchd.PlistPath(b.env.LaunchAgentsDir(), agentLabelOf(inst))
}

func (b *launchdBackend) daemonPath(inst Instance) string {
	return launchd.PlistPath(b.env.LaunchDaemonsDir, daemonLabelOf(inst))
}

func (b *launchdBackend) gui() string { return launchd.GUIDomain(b.env.UID) }

func (b *launchdBackend) params(inst Instance) launchd.Params {
	p := launchd.Params{
		Name:        inst.Name,
		InstanceDir: inst.Dir,
		Limactl:     b.env.Limactl,
		Home:        b.env.Home,
		User:        b.env.User,
	}
	if b.env.CustomLimaHome() {
		p.LimaHome = b.env.LimaHome
	}
	return p
}

// colimaParams are the facts of LimaBar's jobs for a Colima profile.
func (b *launchdBackend) colimaParams(inst Instance) launchd.ColimaParams {
	p := launchd.ColimaParams{
		Profile:     inst.Profile,
		InstanceDir: inst.Dir,
		Colima:      b.env.Colima,
		Limactl:     b.env.Limactl,
		Home:        b.env.Home,
		User:        b.env.User,
	}
	if b.env.CustomColimaHome() {
		p.ColimaHome = b.env.colimaHome()
	}
	return p
}

// disabledIn asks launchd once per domain which labels carry a disable
// override.
func (b *launchdBackend) disabledIn(ctx context.Context, domain string, c *statusCache) map[string]bool {
	if c.disabled == nil {
		c.disabled = map[string]map[string]bool{}
	}
	if d, ok := c.disabled[domain]; ok {
		return d
	}
	out, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, launchd.PrintDisabledArgv(domain)...)
	d := map[string]bool{}
	if err == nil {
		d = launchd.ParsePrintDisabled(out)
	}
	c.disabled[domain] = d
	return d
}

func (b *launchdBackend) status(ctx context.Context, inst Instance, c *statusCache) (Status, error) {
	var st Status
	st.Login = b.readJob(inst, b.agentPath(inst), false)
	if st.Login.Enabled && b.disabledIn(ctx, b.gui(), c)[agentLabelOf(inst)] {
		st.Login.Problems = append(st.Login.Problems, mkProblem(problem.DisabledOverride,
			"launchd has a disable override for this job, so it will not start at login"))
	}
	st.Boot = b.readJob(inst, b.daemonPath(inst), true)
	if owner := b.daemonAccount(inst); owner != "" && owner != b.env.User && !b.env.Admin {
		// Labels are machine-wide: another account's instance of the same
		// name. It is not this instance's boot state, and LimaBar leaves
		// it alone.
		st.Boot = CondStatus{Supported: true, Path: st.Boot.Path, Problems: []Problem{mkProblem(problem.OtherAccount,
			fmt.Sprintf("%s starts an instance named %s of the account %s at boot; remove it with sudo if it is stale", st.Boot.Path, inst.title(), owner))}}
	}
	if st.Boot.Enabled {
		st.Boot.Problems = append(st.Boot.Problems, b.daemonFileProblems(st.Boot.Path)...)
		label := daemonLabelOf(inst)
		if b.disabledIn(ctx, "system", c)[label] {
			st.Boot.Problems = append(st.Boot.Problems, mkProblem(problem.DisabledOverride,
				"launchd has a disable override for this daemon, so it will not start at boot"))
		}
		if _, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, launchd.PrintArgv("system", label)...); err != nil {
			st.Boot.Problems = append(st.Boot.Problems, mkProblem(problem.NotLoaded,
				"the daemon is not loaded in launchd; it starts at the next boot or after Repair"))
		}
	}
	if inst.IsColima() {
		b.colimaStatus(ctx, inst, &st, c)
	}
	if st.Login.Enabled && st.Boot.Enabled {
		p := mkProblem(problem.BothConditions, "registered for both login and boot: the VM would be started twice")
		st.Login.Problems = append(st.Login.Problems, p)
		st.Boot.Problems = append(st.Boot.Problems, p)
	}
	return st, nil
}

// readJob reads one plist and compares it with what LimaBar would write.
func (b *launchdBackend) readJob(inst Instance, path string, daemon bool) CondStatus {
	cs := CondStatus{Supported: true, Path: path, Problems: []Problem{}}
	data, ok, err := readOptional(path)
	if !ok && err == nil {
		return cs
	}
	cs.Enabled = true
	if err != nil {
		cs.Problems = append(cs.Problems, mkProblem(problem.Unparseable, fmt.Sprintf("cannot read %s: %v", path, err)))
		return cs
	}
	job, err := launchd.Decode(data)
	if err != nil {
		cs.Problems = append(cs.Problems, mkProblem(problem.Unparseable, fmt.Sprintf("%s is not a valid launchd plist: %v", path, err)))
		return cs
	}
	cs.Problems = append(cs.Problems, b.jobProblems(inst, job, daemon)...)
	return cs
}

// jobProblems lists how a job differs from what LimaBar would write now, in
// the ways that matter: a job written by limactl is still a working
// registration, so each missing key is a problem, never "off".
func (b *launchdBackend) jobProblems(inst Instance, job launchd.Job, daemon bool) []Problem {
	var ps []Problem
	args := job.ProgramArguments
	want := launchd.Agent(b.params(inst))
	stop := launchdLimaStop
	if inst.IsColima() {
		ps = append(ps, b.env.colimaJobProblems(inst, args, job.EnvironmentVariables)...)
		want.WorkingDirectory = inst.Dir
		stop = launchdColimaStop
	} else {
		if len(args) != 4 || args[1] != "start" || args[2] != want.ProgramArguments[2] || args[3] != "--foreground" {
			ps = append(ps, mkProblem(problem.Args, fmt.Sprintf("the job runs %q instead of `limactl start %s --foreground`", strings.Join(args, " "), want.ProgramArguments[2])))
		}
		ps = append(ps, limactlProblems(args, b.env.Limactl)...)
		ps = append(ps, envProblems(job.EnvironmentVariables, want.EnvironmentVariables)...)
	}
	if job.WorkingDirectory != want.WorkingDirectory {
		ps = append(ps, mkProblem(problem.WorkingDir, fmt.Sprintf("WorkingDirectory is %q, not the instance folder %q", job.WorkingDirectory, want.WorkingDirectory)))
	}
	switch {
	case daemon && (job.StandardOutPath != "" || job.StandardErrorPath != ""):
		ps = append(ps, mkProblem(problem.LogPaths, "the daemon's log paths are opened by launchd as root; in a folder you can write that is unsafe"))
	case !daemon && (!filepath.IsAbs(job.StandardOutPath) || !filepath.IsAbs(job.StandardErrorPath)):
		ps = append(ps, mkProblem(problem.LogPaths, "the log paths are not absolute, so the VM's output is lost"))
	}
	ps = append(ps, jobStopProblems(job, stop)...)
	if !slices.Contains(job.AssociatedBundleIdentifiers, launchd.BundleID) {
		ps = append(ps, mkProblem(problem.BundleID, "without AssociatedBundleIdentifiers, Login Items shows it as an item from an unidentified developer"))
	}
	if daemon {
		switch {
		case job.UserName == "":
			ps = append(ps, mkProblem(problem.UserName, "the daemon has no UserName, so the VM would run as root"))
		case job.UserName == "root":
			ps = append(ps, mkProblem(problem.UserName, "the daemon runs the VM as root"))
		}
		if job.EnvironmentVariables["HOME"] == "" || job.EnvironmentVariables["USER"] == "" {
			ps = append(ps, mkProblem(problem.Home, "the daemon does not set HOME and USER"))
		}
	}
	return ps
}

// stopNeed is the ExitTimeOut a job needs, and what it needs it for.
type stopNeed struct {
	seconds int
	what    string
}

var (
	launchdLimaStop   = stopNeed{launchd.ExitTimeOut, "less than the 3 minutes Lima allows"}
	launchdColimaStop = stopNeed{launchd.ColimaExitTimeOut, "less than the 6 minutes a `colima stop` may take"}
)

// jobStopProblems checks how launchd stops, throttles and restarts the
// job: what limactl writes (no ExitTimeOut, ProcessType Background, no
// KeepAlive) lets launchd SIGKILL a VM 5 s into its shutdown, throttles
// it, and leaves a crashed one down.
func jobStopProblems(job launchd.Job, need stopNeed) []Problem {
	var ps []Problem
	if job.ExitTimeOut < need.seconds {
		// launchd's default: `launchctl print` shows `exit timeout = 5`
		// for jobs that set no ExitTimeOut (samples and their sources:
		// launchdmodel.DefaultExitTimeOut); launchd.plist(5) now calls it
		// only "system-defined", the old page said 20 s.
		given := "5 s (launchd's default)"
		if job.ExitTimeOut > 0 {
			given = fmt.Sprintf("%d s", job.ExitTimeOut)
		}
		ps = append(ps, mkProblem(problem.StopTimeout, fmt.Sprintf(
			"launchd gives the VM %s to shut down when the job stops (logout, shutdown), %s: the VM would be killed mid-shutdown", given, need.what)))
	}
	if job.ProcessType != launchd.ProcessType {
		ps = append(ps, mkProblem(problem.ProcessType, fmt.Sprintf(
			"ProcessType is %s: launchd throttles the VM's CPU and I/O (on Apple silicon it runs on the efficiency cores)", orDefault(job.ProcessType, "unset"))))
	}
	if !job.KeepAlive.RestartsOnFailureOnly() {
		msg := "without KeepAlive {SuccessfulExit false}, a VM whose host agent crashed is not started again"
		if job.KeepAlive != nil && job.KeepAlive.Always != nil && *job.KeepAlive.Always {
			msg = "KeepAlive true starts the VM again even after it was stopped on purpose"
		}
		ps = append(ps, mkProblem(problem.KeepAlive, msg))
	}
	return ps
}

// limactlProblems checks the limactl a job runs against the one found now.
func limactlProblems(args []string, found string) []Problem {
	if len(args) == 0 {
		return nil
	}
	exe := args[0]
	if !exists(exe) {
		return []Problem{mkProblem(problem.LimactlMissing, fmt.Sprintf("the job runs %s, which no longer exists", exe))}
	}
	if found != "" && exe != found {
		return []Problem{mkProblem(problem.LimactlDiffers, fmt.Sprintf("the job runs %s, not %s (a versioned path breaks when Lima is upgraded)", exe, found))}
	}
	return nil
}

// envProblems checks PATH and LIMA_HOME in a job's environment.
func envProblems(got, want map[string]string) []Problem {
	var ps []Problem
	if got["PATH"] == "" {
		ps = append(ps, mkProblem(problem.PathMissing, "the job has no PATH of its own, so QEMU from Homebrew may not be found"))
	}
	switch w, g := want["LIMA_HOME"], got["LIMA_HOME"]; {
	case w != "" && g == "":
		ps = append(ps, mkProblem(problem.LimaHomeMissing, fmt.Sprintf("LIMA_HOME %s is not passed to the job, so it would look in ~/.lima", w)))
	case g != "" && filepath.Clean(g) != filepath.Clean(orDefault(w, g)):
		ps = append(ps, mkProblem(problem.LimaHomeDiffers, fmt.Sprintf("the job uses LIMA_HOME %s, not %s", g, orDefault(w, "~/.lima"))))
	}
	return ps
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// daemonFileProblems checks what launchd itself insists on for a daemon
// plist: owned by root, not writable by others.
func (b *launchdBackend) daemonFileProblems(path string) []Problem {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	var ps []Problem
	if uid, ok := fileUID(fi); ok && uid != 0 {
		ps = append(ps, mkProblem(problem.Owner, fmt.Sprintf("%s is owned by uid %d, not root; launchd refuses it", path, uid)))
	}
	if m := fi.Mode().Perm(); m != 0o644 {
		ps = append(ps, mkProblem(problem.Mode, fmt.Sprintf("%s has mode %#o, not 0644", path, m)))
	}
	return ps
}

// checkValues refuses, before anything is written, a job whose paths a
// plist cannot carry unchanged (see launchd.Params.Check).
func checkValues(inst Instance, p launchd.Params) error {
	if err := p.Check(); err != nil {
		return fmt.Errorf("cannot register instance %q: %w", inst.Name, err)
	}
	return nil
}

func (b *launchdBackend) daemonParams(inst Instance, userName string) (launchd.Params, error) {
	p := b.params(inst)
	u, err := resolveBootUser(b.env, userName)
	if err != nil {
		return p, fmt.Errorf("cannot make %s start at boot: %w", inst.subject(), err)
	}
	p.User = u.Username
	if u.Username != b.env.User {
		// Another account runs the VM: its home is its own, and LIMA_HOME
		// must be passed since its default ~/.lima is elsewhere.
		p.Home = u.HomeDir
		p.LimaHome = b.env.LimaHome
	}
	return p, nil
}

// daemonAccount is the UserName of the installed daemon, or "". A daemon
// without UserName or with root runs the VM as root, which no account's
// instance is meant to: it belongs to no other account, so it shows on this
// instance with the user-name problem, and Repair or Enable reinstall it for
// the user, rather than hiding it as someone else's.
func (b *launchdBackend) daemonAccount(inst Instance) string {
	job, err := b.readDaemon(inst)
	if err != nil || job.UserName == "root" {
		return ""
	}
	return job.UserName
}

// launchdState is everything a launchd plan is made from, read at once.
type launchdState struct {
	Inst Instance
	// Cur is the status of both registrations.
	Cur Status
	// Agent and Daemon are the two plists as they are.
	Agent, Daemon fileState
	// AgentParams are the facts of the agent LimaBar would write;
	// DaemonParams those of the daemon, for the account DaemonUser
	// resolved to, or DaemonErr why it cannot be made.
	AgentParams  launchd.Params
	DaemonParams launchd.Params
	DaemonErr    error
	// OwnerErr is set when the daemon there belongs to another account,
	// which LimaBar leaves alone.
	OwnerErr error
	// DaemonRunsVM: the daemon there runs the instance's VM now (see
	// daemonRunsVM). Booting it out would stop the VM, so a plan changes
	// its file and leaves the job as it is.
	DaemonRunsVM bool
	UID          int
	Tools        Tools
	ScriptTools  elevate.Tools
	// NoGUI: launchd has no gui/UID domain now (see launchd_session.go).
	NoGUI bool
	// RestartsStopped is LimaBar's record that Stop Retrying unloaded the
	// agent (RestartsStoppedPath); AgentLoaded, read only when it exists,
	// says whether the agent is loaded again.
	RestartsStopped fileState
	AgentLoaded     bool

	// For a Colima profile: ColimaAgent and ColimaDaemon are the facts of
	// LimaBar's jobs (ColimaDaemon's User is the account DaemonParams
	// resolved to). LimaAgent and LimaDaemon are Lima's jobs for the
	// profile's instance when they start it (limactl's labels, with
	// Colima's Lima home: limaJobForProfile), which a plan that registers
	// LimaBar's job removes; LimaDaemonRunsVM as DaemonRunsVM for Lima's.
	// Brew is brew services' agent when it starts the profile (exists and
	// is not disabled), BrewLoaded whether launchd has it loaded, and
	// TakeOver that the caller asked LimaBar to take over from it.
	ColimaAgent, ColimaDaemon launchd.ColimaParams
	// ColimaHome is the COLIMA_HOME in use, which a daemon run by another
	// account is given even when it is ~/.colima (that account's is
	// elsewhere).
	ColimaHome            string
	LimaAgent, LimaDaemon fileState
	LimaDaemonRunsVM      bool
	Brew                  fileState
	BrewLoaded            bool
	TakeOver              bool
}

// read gathers the launchd state of one instance for a plan; bootUser is
// the account a daemon to install runs as ("" for the user). withStatus
// also reads the status, which asks launchctl: a removal does without.
func (b *launchdBackend) read(ctx context.Context, inst Instance, bootUser string, withStatus bool) (launchdState, error) {
	var cur Status
	if withStatus {
		var err error
		if cur, err = b.status(ctx, inst, &statusCache{}); err != nil {
			return launchdState{}, err
		}
	}
	st := launchdState{
		Inst:        inst,
		Cur:         cur,
		Agent:       readFile(b.agentPath(inst)),
		Daemon:      readFile(b.daemonPath(inst)),
		AgentParams: b.params(inst),
		UID:         b.env.UID,
		Tools:       b.env.Tools,
		ScriptTools: b.env.ScriptTools,
	}
	st.DaemonParams, st.DaemonErr = b.daemonParams(inst, bootUser)
	b.readRestartsStopped(ctx, &st)
	st.DaemonRunsVM = st.Daemon.Exists && b.daemonRunsVM(ctx, inst, daemonLabelOf(inst))
	if owner := b.daemonAccount(inst); owner != "" && owner != b.env.User && !b.env.Admin {
		st.OwnerErr = fmt.Errorf("the boot registration of %s belongs to the account %s; LimaBar leaves it alone (as root: sudo limabar disable --condition=boot %s)", inst.subject(), owner, inst.Name)
	}
	if inst.IsColima() {
		b.readColima(ctx, &st)
	}
	return st, nil
}

func (b *launchdBackend) planEnable(ctx context.Context, inst Instance, cond Condition, opts EnableOptions) (Plan, error) {
	if cond != Login && cond != Boot {
		return Plan{}, fmt.Errorf("unknown condition %q", cond)
	}
	st, err := b.read(ctx, inst, opts.User, true)
	if err != nil {
		return Plan{}, err
	}
	st.TakeOver = opts.TakeOver
	return planLaunchdEnable(cond, b.withSession(ctx, st, cond))
}

func (b *launchdBackend) planDisable(ctx context.Context, inst Instance, cond Condition) (Plan, error) {
	if cond != Login && cond != Boot {
		return Plan{}, fmt.Errorf("unknown condition %q", cond)
	}
	st, err := b.read(ctx, inst, "", false)
	if err != nil {
		return Plan{}, err
	}
	return planLaunchdDisable(cond, b.withSession(ctx, st, cond))
}

func (b *launchdBackend) planRepair(ctx context.Context, inst Instance) (Plan, error) {
	st, err := b.read(ctx, inst, b.daemonRepairUser(inst), true)
	if err != nil {
		return Plan{}, err
	}
	return planLaunchdRepair(b.withSession(ctx, st, Boot))
}

// keepsRunning ends a message about a boot job whose VM was left running.
const keepsRunning = "; the VM keeps running until it is stopped"

// daemonRunsVM says whether the boot job runs the instance's VM now: the
// job has a process (running, or still exiting) and the instance has a
// host agent (Lima's ha.pid in its folder, which limactl also reads to
// say Running). A job that keeps failing to start its VM (a deleted
// instance, a missing QEMU) has no VM to lose, and is unloaded, so that
// KeepAlive does not go on starting it until the next boot.
func (b *launchdBackend) daemonRunsVM(ctx context.Context, inst Instance, label string) bool {
	if inst.Dir == "" || !exists(filepath.Join(inst.Dir, "ha.pid")) {
		return false
	}
	out, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, launchd.PrintArgv("system", label)...)
	return err == nil && launchd.ParsePrint(out).Running()
}

// planLaunchdEnable turns the state into the steps that register the
// instance for cond, switching over from the other condition when it is
// on: for login, the agent first and then the daemon's removal (the
// prompt that may be cancelled, which takes the agent back out); for boot,
// the daemon first and then, once it is in place, the agent's removal.
func planLaunchdEnable(cond Condition, st launchdState) (Plan, error) {
	name := st.Inst.title()
	p := newPlanFor(st.Inst)
	takeOver, err := st.takeOverBrew(true)
	if err != nil {
		return Plan{}, err
	}
	if cond == Login {
		agent, err := st.agentSteps(false)
		if err != nil {
			return Plan{}, err
		}
		agent = append(agent, st.removeLimaAgent()...)
		p.Steps = append(takeOver, agent...)
		p.Result = resultOf(p.Steps, fmt.Sprintf("%s will start at login", name), fmt.Sprintf("%s already starts at login", name))
		if st.NoGUI && len(agent) > 0 {
			p.Result.Message = st.nextDesktopLogin()
		} else if reload, after := st.reloadAgent(); len(reload)+len(after) > 0 {
			p.Steps = append(p.Steps, reload...)
			p.After = append(p.After, after...)
			if len(reload) > 0 {
				p.Result = Result{Changed: true, Message: fmt.Sprintf("%s will start at login, and its job, whose restarts were stopped, is loaded again and starts now", name)}
			}
		}
		if st.Cur.Boot.Enabled {
			remove, err := st.removeDaemon()
			if err != nil {
				return Plan{}, err
			}
			p.Steps = append(p.Steps, remove...)
			p.Result = Result{Changed: true, SwitchedFrom: string(Boot), Message: fmt.Sprintf("%s now starts at login instead of at boot", name)}
			if st.DaemonRunsVM {
				p.Result.Message += keepsRunning
			}
		}
		st.tookOver(&p, takeOver)
		return p, nil
	}
	daemon, err := st.installReplacing(false)
	if err != nil {
		return Plan{}, err
	}
	// brew's agent goes once LimaBar's daemon is in place: the
	// administrator prompt comes first, and dismissing it changes
	// nothing, brew's job included. A failure then is reported and
	// leaves the daemon.
	p.Steps = daemon
	user := st.DaemonParams.User
	p.Result = Result{Changed: len(p.Steps) > 0, Message: fmt.Sprintf("%s will start at boot as %s", name, user)}
	switch {
	case len(p.Steps) == 0:
		p.Result.Message = fmt.Sprintf("%s already starts at boot", name)
	case st.DaemonRunsVM:
		p.Result.Message = fmt.Sprintf("%s will start at boot as %s with the new settings from the next boot; the running VM was not stopped", name, user)
	}
	p.After = takeOver
	if len(takeOver) > 0 {
		p.made = fmt.Sprintf("%s now starts at boot", st.Inst.subject())
	}
	if st.Cur.Login.Enabled {
		// The daemon is in place: a failure to remove the agent then is
		// reported, and leaves the daemon as it is.
		p.After = append(p.After, st.removeAgent()...)
		p.made = fmt.Sprintf("%s now starts at boot", st.Inst.subject())
		p.Result = Result{Changed: true, SwitchedFrom: string(Login), Message: fmt.Sprintf("%s now starts at boot instead of at login", name)}
	}
	st.tookOver(&p, takeOver)
	return p, nil
}

// planLaunchdDisable turns the state into the steps that unregister the
// instance for cond.
func planLaunchdDisable(cond Condition, st launchdState) (Plan, error) {
	name := st.Inst.title()
	p := newPlanFor(st.Inst)
	if cond == Login {
		if !st.Agent.Exists && !st.LimaAgent.Exists {
			p.Result = Result{Message: fmt.Sprintf("%s does not start at login", name)}
			return p, nil
		}
		p.Steps = st.removeAgent()
		p.Result = Result{Changed: true, Message: fmt.Sprintf("%s will no longer start at login", name)}
		return p, nil
	}
	if !st.Daemon.Exists && !st.LimaDaemon.Exists {
		p.Result = Result{Message: fmt.Sprintf("%s does not start at boot", name)}
		return p, nil
	}
	steps, err := st.removeDaemon()
	if err != nil {
		return Plan{}, err
	}
	p.Steps = steps
	p.Result = Result{Changed: true, Message: fmt.Sprintf("%s will no longer start at boot", name)}
	if st.DaemonRunsVM || st.LimaDaemonRunsVM {
		p.Result.Message += keepsRunning
	}
	return p, nil
}

// planLaunchdRepair rewrites each registration that has problems, keeping
// its condition and account. An instance registered for both keeps boot,
// the stronger promise, and loses its login agent. Every rewrite is
// checked before anything is planned, so that a refused value leaves both
// registrations as they were. For a Colima profile, a Lima job that starts
// it is replaced with LimaBar's, and brew services' agent beside
// LimaBar's job is disabled (not stopped: it runs until the next logout).
func planLaunchdRepair(st launchdState) (Plan, error) {
	name := st.Inst.title()
	p := newPlanFor(st.Inst)
	login, boot := st.Cur.Login, st.Cur.Boot
	var msgs []string
	if login.Enabled && boot.Enabled {
		p.Steps = append(p.Steps, st.removeAgent()...)
		msgs = append(msgs, "login registration removed (it also starts at boot)")
		login = CondStatus{}
		boot.Problems = without(boot.Problems, problem.BothConditions)
	}
	if st.Brew.Exists && (login.Enabled || boot.Enabled) {
		brew, err := st.takeOverBrew(false)
		if err != nil {
			return Plan{}, err
		}
		p.Steps = append(p.Steps, brew...)
		msgs = append(msgs, "brew services' agent disabled (it keeps running until you log out)")
		login.Problems = without(login.Problems, problem.BrewServices)
		boot.Problems = without(boot.Problems, problem.BrewServices)
	}
	if login.Enabled && len(login.Problems) > 0 {
		agent, err := st.agentSteps(true)
		if err != nil {
			return Plan{}, err
		}
		p.Steps = append(p.Steps, agent...)
		p.Steps = append(p.Steps, st.removeLimaAgent()...)
		// launchd reads an agent's file when the user logs in.
		msgs = append(msgs, "login registration rewritten (it takes effect at the next login)")
	}
	if boot.Enabled && len(boot.Problems) > 0 {
		daemon, err := st.installReplacing(true)
		if err != nil {
			return Plan{}, err
		}
		p.Steps = append(p.Steps, daemon...)
		if st.DaemonRunsVM || st.LimaDaemonRunsVM {
			msgs = append(msgs, "boot registration rewritten (it takes effect at the next boot; the running VM was not stopped)")
		} else {
			msgs = append(msgs, "boot registration reinstalled")
		}
	}
	if len(msgs) == 0 {
		p.Result = Result{Message: fmt.Sprintf("%s: nothing to repair", name)}
		return p, nil
	}
	p.Result = Result{Changed: len(p.Steps) > 0, Message: fmt.Sprintf("%s: %s", name, strings.Join(msgs, ", "))}
	return p, nil
}

// agentJob is the LaunchAgent LimaBar writes for the instance, checked.
func (st launchdState) agentJob() (launchd.Job, error) {
	if st.Inst.IsColima() {
		if err := st.ColimaAgent.Check(); err != nil {
			return launchd.Job{}, fmt.Errorf("cannot register %s: %w", st.Inst.subject(), err)
		}
		return launchd.ColimaAgent(st.ColimaAgent), nil
	}
	if err := checkValues(st.Inst, st.AgentParams); err != nil {
		return launchd.Job{}, err
	}
	return launchd.Agent(st.AgentParams), nil
}

// daemonJob is the LaunchDaemon LimaBar installs for the instance,
// checked.
func (st launchdState) daemonJob() (launchd.Job, error) {
	if st.Inst.IsColima() {
		p := st.ColimaDaemon
		if st.DaemonParams.User != p.User {
			p.ColimaHome = st.ColimaHome
		}
		p.User, p.Home = st.DaemonParams.User, st.DaemonParams.Home
		if err := p.Check(); err != nil {
			return launchd.Job{}, fmt.Errorf("cannot register %s: %w", st.Inst.subject(), err)
		}
		return launchd.ColimaDaemon(p), nil
	}
	if err := checkValues(st.Inst, st.DaemonParams); err != nil {
		return launchd.Job{}, err
	}
	return launchd.Daemon(st.DaemonParams), nil
}

// agentSteps write the LaunchAgent and clear launchd's disable override
// for it, or are none when the agent there is already LimaBar's and has no
// problem (unless force). The undo of a new agent disables it again.
func (st launchdState) agentSteps(force bool) ([]plan.Step, error) {
	job, err := st.agentJob()
	if err != nil {
		return nil, err
	}
	data, err := launchd.Encode(job)
	if err != nil {
		return nil, fmt.Errorf("failed to build the LaunchAgent for %s: %w", st.Inst.subject(), err)
	}
	if st.Agent.ReadErr != nil {
		// Taken for none, it would be deleted by a rollback.
		return nil, fmt.Errorf("cannot register %s: %w", st.Inst.subject(), st.Agent.ReadErr)
	}
	if !force && st.Agent.Exists && bytes.Equal(st.Agent.Data, data) && len(st.Cur.Login.Problems) == 0 {
		return nil, nil
	}
	if st.NoGUI {
		// No gui/UID to enable it in: launchd loads it at the next
		// desktop login (launchd_session.go).
		return []plan.Step{st.Agent.write("write the LaunchAgent", data)}, nil
	}
	label := agentLabelOf(st.Inst)
	enable := plan.Command{Purpose: "enable the LaunchAgent", Argv: st.launchctl(launchd.EnableArgv(st.gui(), label))}
	if !st.Agent.Exists {
		enable.Undo = st.launchctl(launchd.DisableArgv(st.gui(), label))
	}
	return []plan.Step{st.Agent.write("write the LaunchAgent", data), enable}, nil
}

// removeAgent disables the LaunchAgent and removes it; the undo enables
// it again and puts it back. For a Colima profile it removes Lima's agent
// for it too, when there is one.
func (st launchdState) removeAgent() []plan.Step {
	var steps []plan.Step
	if st.Agent.Exists || !st.Inst.IsColima() {
		steps = removeAgentSteps(st, agentLabelOf(st.Inst), st.Agent, "the LaunchAgent")
	}
	return append(steps, st.removeLimaAgent()...)
}

// removeLimaAgent is the removal of Lima's agent that starts a Colima
// profile's instance, if there is one.
func (st launchdState) removeLimaAgent() []plan.Step {
	if !st.LimaAgent.Exists {
		return nil
	}
	return removeAgentSteps(st, launchd.AgentLabel(st.Inst.Name), st.LimaAgent, "Lima's LaunchAgent")
}

// removeAgentSteps disable the agent label and remove its file.
func removeAgentSteps(st launchdState, label string, f fileState, what string) []plan.Step {
	if st.NoGUI {
		// No gui/UID: nothing is loaded, and without its file nothing
		// loads at the next desktop login (launchd_session.go).
		return []plan.Step{f.remove("remove " + what)}
	}
	return []plan.Step{
		plan.Command{Purpose: "disable " + what, Argv: st.launchctl(launchd.DisableArgv(st.gui(), label)),
			Undo: st.launchctl(launchd.EnableArgv(st.gui(), label))},
		f.remove("remove " + what),
	}
}

// installDaemon is the privileged script that installs the LaunchDaemon
// and loads it, or nothing when the daemon there is already LimaBar's and
// has no problem (unless force). The script undoes its own partial work.
// Over a daemon that runs the VM, the script only replaces the file and
// enables the job: launchd reads it at the next boot, and the VM is not
// stopped.
func (st launchdState) installDaemon(force bool) ([]plan.Step, error) {
	if st.OwnerErr != nil {
		return nil, st.OwnerErr
	}
	if st.DaemonErr != nil {
		return nil, st.DaemonErr
	}
	job, err := st.daemonJob()
	if err != nil {
		return nil, err
	}
	data, err := launchd.Encode(job)
	if err != nil {
		return nil, fmt.Errorf("failed to build the LaunchDaemon for %s: %w", st.Inst.subject(), err)
	}
	if !force && st.Daemon.Exists && bytes.Equal(st.Daemon.Data, data) && len(st.Cur.Boot.Problems) == 0 {
		return nil, nil
	}
	build, purpose := elevate.InstallScript, "install the LaunchDaemon"
	if st.DaemonRunsVM {
		build, purpose = elevate.RewriteScript, "rewrite the LaunchDaemon, leaving the running job"
	}
	script, err := build(st.ScriptTools, daemonLabelOf(st.Inst), st.Daemon.Path, data)
	if err != nil {
		return nil, fmt.Errorf("failed to build the install script for %s: %w", st.Inst.subject(), err)
	}
	return []plan.Step{plan.Privileged{Purpose: purpose, Script: script,
		Prompt: fmt.Sprintf("LimaBar wants to make %s start at boot.", st.Inst.title()), Path: st.Daemon.Path, Data: data}}, nil
}

// installReplacing is installDaemon, whose one script also removes Lima's
// daemon of a Colima profile when there is one (elevate.ThenRemove): one
// administrator prompt replaces Lima's job with LimaBar's. With LimaBar's
// daemon already in place, it is Lima's removal alone.
func (st launchdState) installReplacing(force bool) ([]plan.Step, error) {
	steps, err := st.installDaemon(force)
	if err != nil || !st.LimaDaemon.Exists {
		return steps, err
	}
	if len(steps) == 0 {
		return st.removeLimaDaemon()
	}
	pr := steps[0].(plan.Privileged)
	pr.Script, err = elevate.ThenRemove(st.ScriptTools, pr.Script, launchd.DaemonLabel(st.Inst.Name), st.LimaDaemon.Path, !st.LimaDaemonRunsVM)
	if err != nil {
		return nil, fmt.Errorf("failed to build the install script for %s: %w", st.Inst.subject(), err)
	}
	pr.Purpose += ", then remove Lima's LaunchDaemon"
	if st.LimaDaemonRunsVM {
		pr.Purpose += ", leaving its running job"
	}
	return []plan.Step{pr}, nil
}

// removeDaemon is the privileged script that unloads, disables and removes
// the LaunchDaemon; one that runs the VM is disabled and removed but not
// unloaded, so that the VM keeps running (it does not start at the next
// boot). For a Colima profile it removes Lima's daemon for it too, when
// there is one.
func (st launchdState) removeDaemon() ([]plan.Step, error) {
	if st.OwnerErr != nil {
		return nil, st.OwnerErr
	}
	var steps []plan.Step
	if st.Daemon.Exists || !st.Inst.IsColima() {
		s, err := removeDaemonStep(st, daemonLabelOf(st.Inst), st.Daemon.Path, st.DaemonRunsVM, "the LaunchDaemon")
		if err != nil {
			return nil, err
		}
		steps = append(steps, s)
	}
	lima, err := st.removeLimaDaemon()
	return append(steps, lima...), err
}

// removeLimaDaemon is the removal of Lima's daemon that starts a Colima
// profile's instance, if there is one.
func (st launchdState) removeLimaDaemon() ([]plan.Step, error) {
	if !st.LimaDaemon.Exists {
		return nil, nil
	}
	s, err := removeDaemonStep(st, launchd.DaemonLabel(st.Inst.Name), st.LimaDaemon.Path, st.LimaDaemonRunsVM, "Lima's LaunchDaemon")
	if err != nil {
		return nil, err
	}
	return []plan.Step{s}, nil
}

func removeDaemonStep(st launchdState, label, path string, runsVM bool, what string) (plan.Step, error) {
	build, purpose := elevate.RemoveScript, "remove "+what
	if runsVM {
		build, purpose = elevate.UnregisterScript, "remove "+what+", leaving the running job"
	}
	script, err := build(st.ScriptTools, label, path)
	if err != nil {
		return nil, fmt.Errorf("failed to build the removal script for %s: %w", st.Inst.subject(), err)
	}
	return plan.Privileged{Purpose: purpose, Script: script,
		Prompt: fmt.Sprintf("LimaBar wants to stop %s from starting at boot.", st.Inst.title())}, nil
}

func (st launchdState) gui() string { return launchd.GUIDomain(st.UID) }

func (st launchdState) launchctl(args []string) []string {
	return append([]string{st.Tools.Launchctl}, args...)
}

// daemonRepairUser is the account a reinstalled daemon keeps: the one it
// was made for, or "" (the user) when it names none or root.
func (b *launchdBackend) daemonRepairUser(inst Instance) string {
	if job, err := b.readDaemon(inst); err == nil && job.UserName != "" && job.UserName != "root" {
		return job.UserName
	}
	return ""
}

func (b *launchdBackend) readDaemon(inst Instance) (launchd.Job, error) {
	data, err := os.ReadFile(b.daemonPath(inst))
	if err != nil {
		return launchd.Job{}, err
	}
	return launchd.Decode(data)
}

func without(ps []Problem, code string) []Problem {
	out := []Problem{}
	for _, p := range ps {
		if p.Code != code {
			out = append(out, p)
		}
	}
	return out
}

func mkProblem(code, msg string) Problem { return Problem{Code: code, Message: msg} }
