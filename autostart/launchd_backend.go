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
	"github.com/limabar/limabar/autostart/problem"
)

// launchdBackend registers instances with launchd: a LaunchAgent in the
// user's gui domain for login, a LaunchDaemon in the system domain (through
// the privileged script) for boot.
type launchdBackend struct{ env *Env }

func (b *launchdBackend) agentPath(name string) string {
	return launchd.PlistPath(b.env.LaunchAgentsDir(), launchd.AgentLabel(name))
}

func (b *launchdBackend) daemonPath(name string) string {
	return launchd.PlistPath(b.env.LaunchDaemonsDir, launchd.DaemonLabel(name))
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
	st.Login = b.readJob(b.agentPath(inst.Name), launchd.Agent(b.params(inst)), false)
	if st.Login.Enabled && b.disabledIn(ctx, b.gui(), c)[launchd.AgentLabel(inst.Name)] {
		st.Login.Problems = append(st.Login.Problems, mkProblem(problem.DisabledOverride,
			"launchd has a disable override for this job, so it will not start at login"))
	}
	want := launchd.Daemon(b.params(inst))
	st.Boot = b.readJob(b.daemonPath(inst.Name), want, true)
	if owner := b.daemonAccount(inst.Name); owner != "" && owner != b.env.User && !b.env.Admin {
		// Labels are machine-wide: another account's instance of the same
		// name. It is not this instance's boot state, and LimaBar leaves
		// it alone.
		st.Boot = CondStatus{Supported: true, Path: st.Boot.Path, Problems: []Problem{mkProblem(problem.OtherAccount,
			fmt.Sprintf("%s starts an instance named %s of the account %s at boot; remove it with sudo if it is stale", st.Boot.Path, inst.Name, owner))}}
	}
	if st.Boot.Enabled {
		st.Boot.Problems = append(st.Boot.Problems, b.daemonFileProblems(st.Boot.Path)...)
		label := launchd.DaemonLabel(inst.Name)
		if b.disabledIn(ctx, "system", c)[label] {
			st.Boot.Problems = append(st.Boot.Problems, mkProblem(problem.DisabledOverride,
				"launchd has a disable override for this daemon, so it will not start at boot"))
		}
		if _, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, launchd.PrintArgv("system", label)...); err != nil {
			st.Boot.Problems = append(st.Boot.Problems, mkProblem(problem.NotLoaded,
				"the daemon is not loaded in launchd; it starts at the next boot or after Repair"))
		}
	}
	if st.Login.Enabled && st.Boot.Enabled {
		p := mkProblem(problem.BothConditions, "registered for both login and boot: the VM would be started twice")
		st.Login.Problems = append(st.Login.Problems, p)
		st.Boot.Problems = append(st.Boot.Problems, p)
	}
	return st, nil
}

// readJob reads one plist and compares it with what LimaBar would write.
func (b *launchdBackend) readJob(path string, want launchd.Job, daemon bool) CondStatus {
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
	cs.Problems = append(cs.Problems, b.jobProblems(job, want, daemon)...)
	return cs
}

// jobProblems lists how a job differs from what LimaBar would write now, in
// the ways that matter: a job written by limactl is still a working
// registration, so each missing key is a problem, never "off".
func (b *launchdBackend) jobProblems(job, want launchd.Job, daemon bool) []Problem {
	var ps []Problem
	args := job.ProgramArguments
	if len(args) != 4 || args[1] != "start" || args[2] != want.ProgramArguments[2] || args[3] != "--foreground" {
		ps = append(ps, mkProblem(problem.Args, fmt.Sprintf("the job runs %q instead of `limactl start %s --foreground`", strings.Join(args, " "), want.ProgramArguments[2])))
	}
	ps = append(ps, limactlProblems(args, b.env.Limactl)...)
	ps = append(ps, envProblems(job.EnvironmentVariables, want.EnvironmentVariables)...)
	if job.WorkingDirectory != want.WorkingDirectory {
		ps = append(ps, mkProblem(problem.WorkingDir, fmt.Sprintf("WorkingDirectory is %q, not the instance folder %q", job.WorkingDirectory, want.WorkingDirectory)))
	}
	switch {
	case daemon && (job.StandardOutPath != "" || job.StandardErrorPath != ""):
		ps = append(ps, mkProblem(problem.LogPaths, "the daemon's log paths are opened by launchd as root; in a folder you can write that is unsafe"))
	case !daemon && (!filepath.IsAbs(job.StandardOutPath) || !filepath.IsAbs(job.StandardErrorPath)):
		ps = append(ps, mkProblem(problem.LogPaths, "the log paths are not absolute, so the VM's output is lost"))
	}
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

func (b *launchdBackend) launchctl(ctx context.Context, args ...string) error {
	_, err := b.env.Runner.Run(ctx, b.env.Tools.Launchctl, args...)
	return err
}

func (b *launchdBackend) enable(ctx context.Context, inst Instance, cond Condition, opts EnableOptions) (Result, error) {
	cur, err := b.status(ctx, inst, &statusCache{})
	if err != nil {
		return Result{}, err
	}
	if cond == Login {
		res, err := b.enableAgent(ctx, inst, cur.Login)
		if err != nil || !cur.Boot.Enabled {
			return res, err
		}
		// Switch over: the agent is in place; remove the daemon. If the
		// user cancels that prompt, take the agent back out so that
		// nothing changed.
		if _, err := b.disableDaemon(ctx, inst); err != nil {
			if !cur.Login.Enabled {
				rctx, cancel := cleanupContext(ctx)
				_ = b.launchctl(rctx, launchd.DisableArgv(b.gui(), launchd.AgentLabel(inst.Name))...)
				cancel()
				_ = b.env.Files.Remove(b.agentPath(inst.Name))
			}
			return Result{}, err
		}
		return Result{Changed: true, SwitchedFrom: string(Boot),
			Message: fmt.Sprintf("%s now starts at login instead of at boot", inst.Name)}, nil
	}
	if cond != Boot {
		return Result{}, fmt.Errorf("unknown condition %q", cond)
	}
	res, err := b.enableDaemon(ctx, inst, cur.Boot, opts)
	if err != nil || !cur.Login.Enabled {
		return res, err
	}
	if _, err := b.disableAgent(ctx, inst); err != nil {
		return Result{}, fmt.Errorf("instance %q now starts at boot, but its login registration could not be removed: %w", inst.Name, err)
	}
	return Result{Changed: true, SwitchedFrom: string(Login),
		Message: fmt.Sprintf("%s now starts at boot instead of at login", inst.Name)}, nil
}

// checkValues refuses, before anything is written, a job whose paths a
// plist cannot carry unchanged (see launchd.Params.Check).
func checkValues(inst Instance, p launchd.Params) error {
	if err := p.Check(); err != nil {
		return fmt.Errorf("cannot register instance %q: %w", inst.Name, err)
	}
	return nil
}

func (b *launchdBackend) enableAgent(ctx context.Context, inst Instance, cur CondStatus) (Result, error) {
	path := b.agentPath(inst.Name)
	p := b.params(inst)
	if err := checkValues(inst, p); err != nil {
		return Result{}, err
	}
	data, err := launchd.Encode(launchd.Agent(p))
	if err != nil {
		return Result{}, fmt.Errorf("failed to build the LaunchAgent for instance %q: %w", inst.Name, err)
	}
	old, hadOld, err := readOptional(path)
	if err != nil {
		// Taken for none, it would be deleted by a rollback.
		return Result{}, fmt.Errorf("cannot register instance %q: %w", inst.Name, err)
	}
	if hadOld && bytes.Equal(old, data) && len(cur.Problems) == 0 {
		return Result{Message: fmt.Sprintf("%s already starts at login", inst.Name)}, nil
	}
	if err := b.env.Files.WriteFile(path, data, 0o644); err != nil {
		return Result{}, fmt.Errorf("failed to write the LaunchAgent for instance %q: %w", inst.Name, err)
	}
	if err := b.launchctl(ctx, launchd.EnableArgv(b.gui(), launchd.AgentLabel(inst.Name))...); err != nil {
		rerr := restore(b.env.Files, path, old, hadOld)
		return Result{}, withRestore(fmt.Errorf("failed to enable the LaunchAgent for instance %q: %w", inst.Name, err), rerr)
	}
	return Result{Changed: true, Message: fmt.Sprintf("%s will start at login", inst.Name)}, nil
}

func (b *launchdBackend) disableAgent(ctx context.Context, inst Instance) (Result, error) {
	path := b.agentPath(inst.Name)
	if !exists(path) {
		return Result{Message: fmt.Sprintf("%s does not start at login", inst.Name)}, nil
	}
	if err := b.launchctl(ctx, launchd.DisableArgv(b.gui(), launchd.AgentLabel(inst.Name))...); err != nil {
		return Result{}, fmt.Errorf("failed to disable the LaunchAgent for instance %q: %w", inst.Name, err)
	}
	if err := b.env.Files.Remove(path); err != nil {
		rctx, cancel := cleanupContext(ctx)
		defer cancel()
		_ = b.launchctl(rctx, launchd.EnableArgv(b.gui(), launchd.AgentLabel(inst.Name))...)
		return Result{}, fmt.Errorf("failed to remove the LaunchAgent for instance %q: %w", inst.Name, err)
	}
	return Result{Changed: true, Message: fmt.Sprintf("%s will no longer start at login", inst.Name)}, nil
}

func (b *launchdBackend) daemonParams(inst Instance, opts EnableOptions) (launchd.Params, error) {
	p := b.params(inst)
	u, err := resolveBootUser(b.env, opts.User)
	if err != nil {
		return p, fmt.Errorf("cannot make instance %q start at boot: %w", inst.Name, err)
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

// checkDaemonAccount refuses to touch a daemon another account made.
func (b *launchdBackend) checkDaemonAccount(inst Instance) error {
	if owner := b.daemonAccount(inst.Name); owner != "" && owner != b.env.User && !b.env.Admin {
		return fmt.Errorf("the boot registration of instance %q belongs to the account %s; LimaBar leaves it alone (as root: sudo limabar disable --condition=boot %s)", inst.Name, owner, inst.Name)
	}
	return nil
}

// daemonAccount is the UserName of the installed daemon, or "". A daemon
// without UserName or with root runs the VM as root, which no account's
// instance is meant to: it belongs to no other account, so it shows on this
// instance with the user-name problem, and Repair or Enable reinstall it for
// the user, rather than hiding it as someone else's.
func (b *launchdBackend) daemonAccount(name string) string {
	job, err := b.readDaemon(name)
	if err != nil || job.UserName == "root" {
		return ""
	}
	return job.UserName
}

func (b *launchdBackend) enableDaemon(ctx context.Context, inst Instance, cur CondStatus, opts EnableOptions) (Result, error) {
	if err := b.checkDaemonAccount(inst); err != nil {
		return Result{}, err
	}
	p, err := b.daemonParams(inst, opts)
	if err != nil {
		return Result{}, err
	}
	if err := checkValues(inst, p); err != nil {
		return Result{}, err
	}
	label := launchd.DaemonLabel(inst.Name)
	path := b.daemonPath(inst.Name)
	data, err := launchd.Encode(launchd.Daemon(p))
	if err != nil {
		return Result{}, fmt.Errorf("failed to build the LaunchDaemon for instance %q: %w", inst.Name, err)
	}
	if old, ok, _ := readOptional(path); ok && bytes.Equal(old, data) && len(cur.Problems) == 0 {
		return Result{Message: fmt.Sprintf("%s already starts at boot", inst.Name)}, nil
	}
	script, err := elevate.InstallScript(b.env.ScriptTools, label, path, data)
	if err != nil {
		return Result{}, fmt.Errorf("failed to build the install script for instance %q: %w", inst.Name, err)
	}
	if b.env.Elevator == nil {
		return Result{}, fmt.Errorf("cannot make instance %q start at boot: no way to gain administrator rights", inst.Name)
	}
	prompt := fmt.Sprintf("LimaBar wants to make %s start at boot.", inst.Name)
	if err := b.env.Elevator.RunAsRoot(ctx, script, prompt); err != nil {
		if cancelled(err) {
			return Result{}, err
		}
		return Result{}, fmt.Errorf("failed to install the LaunchDaemon for instance %q: %w", inst.Name, err)
	}
	return Result{Changed: true, Message: fmt.Sprintf("%s will start at boot as %s", inst.Name, p.User)}, nil
}

func (b *launchdBackend) disableDaemon(ctx context.Context, inst Instance) (Result, error) {
	path := b.daemonPath(inst.Name)
	if !exists(path) {
		return Result{Message: fmt.Sprintf("%s does not start at boot", inst.Name)}, nil
	}
	if err := b.checkDaemonAccount(inst); err != nil {
		return Result{}, err
	}
	script, err := elevate.RemoveScript(b.env.ScriptTools, launchd.DaemonLabel(inst.Name), path)
	if err != nil {
		return Result{}, fmt.Errorf("failed to build the removal script for instance %q: %w", inst.Name, err)
	}
	if b.env.Elevator == nil {
		return Result{}, fmt.Errorf("cannot stop instance %q from starting at boot: no way to gain administrator rights", inst.Name)
	}
	prompt := fmt.Sprintf("LimaBar wants to stop %s from starting at boot.", inst.Name)
	if err := b.env.Elevator.RunAsRoot(ctx, script, prompt); err != nil {
		if cancelled(err) {
			return Result{}, err
		}
		return Result{}, fmt.Errorf("failed to remove the LaunchDaemon for instance %q: %w", inst.Name, err)
	}
	return Result{Changed: true, Message: fmt.Sprintf("%s will no longer start at boot", inst.Name)}, nil
}

func (b *launchdBackend) disable(ctx context.Context, inst Instance, cond Condition) (Result, error) {
	switch cond {
	case Login:
		return b.disableAgent(ctx, inst)
	case Boot:
		return b.disableDaemon(ctx, inst)
	}
	return Result{}, fmt.Errorf("unknown condition %q", cond)
}

func (b *launchdBackend) repair(ctx context.Context, inst Instance) (Result, error) {
	cur, err := b.status(ctx, inst, &statusCache{})
	if err != nil {
		return Result{}, err
	}
	// The rewrites below are checked before the duplicate login job goes,
	// so that a refused value leaves both registrations as they were.
	bootUser := b.daemonRepairUser(inst.Name)
	if cur.Login.Enabled && !cur.Boot.Enabled && len(cur.Login.Problems) > 0 {
		if err := checkValues(inst, b.params(inst)); err != nil {
			return Result{}, err
		}
	}
	if cur.Boot.Enabled && len(without(cur.Boot.Problems, problem.BothConditions)) > 0 {
		// A boot user that cannot be resolved is enableDaemon's to report.
		if p, err := b.daemonParams(inst, EnableOptions{User: bootUser}); err == nil {
			if err := checkValues(inst, p); err != nil {
				return Result{}, err
			}
		}
	}
	var msgs []string
	changed := false
	if cur.Login.Enabled && cur.Boot.Enabled {
		// Both would start the VM twice; boot is the stronger promise.
		if _, err := b.disableAgent(ctx, inst); err != nil {
			return Result{}, err
		}
		changed = true
		msgs = append(msgs, "login registration removed (it also starts at boot)")
		cur.Login = CondStatus{}
		cur.Boot.Problems = without(cur.Boot.Problems, problem.BothConditions)
	}
	if cur.Login.Enabled && len(cur.Login.Problems) > 0 {
		res, err := b.enableAgent(ctx, inst, cur.Login)
		if err != nil {
			return Result{}, err
		}
		changed = changed || res.Changed
		msgs = append(msgs, "login registration rewritten")
	}
	if cur.Boot.Enabled && len(cur.Boot.Problems) > 0 {
		res, err := b.enableDaemon(ctx, inst, cur.Boot, EnableOptions{User: bootUser})
		if err != nil {
			return Result{}, err
		}
		changed = changed || res.Changed
		msgs = append(msgs, "boot registration reinstalled")
	}
	if len(msgs) == 0 {
		return Result{Message: fmt.Sprintf("%s: nothing to repair", inst.Name)}, nil
	}
	return Result{Changed: changed, Message: fmt.Sprintf("%s: %s", inst.Name, strings.Join(msgs, ", "))}, nil
}

// daemonRepairUser is the account a reinstalled daemon keeps: the one it
// was made for, or "" (the user) when it names none or root.
func (b *launchdBackend) daemonRepairUser(name string) string {
	if job, err := b.readDaemon(name); err == nil && job.UserName != "" && job.UserName != "root" {
		return job.UserName
	}
	return ""
}

func (b *launchdBackend) readDaemon(name string) (launchd.Job, error) {
	data, err := os.ReadFile(b.daemonPath(name))
	if err != nil {
		return launchd.Job{}, err
	}
	return launchd.Decode(data)
}

// restore puts back the file that was at path before a failed change. Its
// error is returned so that a lost registration is reported, not hidden.
func restore(files Files, path string, old []byte, hadOld bool) error {
	if hadOld {
		if err := files.WriteFile(path, old, 0o644); err != nil {
			return fmt.Errorf("and the previous %s could not be put back: %w", path, err)
		}
		return nil
	}
	if err := files.Remove(path); err != nil {
		return fmt.Errorf("and %s could not be removed again: %w", path, err)
	}
	return nil
}

// withRestore adds a failed restore to err.
func withRestore(err, rerr error) error {
	if rerr == nil {
		return err
	}
	return fmt.Errorf("%w, %v", err, rerr)
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
