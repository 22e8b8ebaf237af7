package autostart

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/limabar/limabar/autostart/jobenv"
	"github.com/limabar/limabar/autostart/problem"
	"github.com/limabar/limabar/autostart/systemd"
)

// systemdBackend registers instances as systemd user units. Login is the unit
// alone; boot is the same unit plus lingering for the user, so that the user
// manager (and the unit) starts at boot without a login. Lingering is per
// user: while it is on, every registered instance starts at boot, and the
// status says so.
type systemdBackend struct{ env *Env }

func (b *systemdBackend) unitPath(name string) string {
	return systemd.UnitPath(b.env.UnitDir(), name)
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
	path := b.unitPath(inst.Name)
	st := Status{
		Login: CondStatus{Supported: true, Path: path, Problems: []Problem{}},
		Boot:  CondStatus{Supported: true, Path: path, Problems: []Problem{}},
	}
	data, ok, err := readOptional(path)
	if !ok && err == nil {
		return st, nil
	}
	cs := &st.Login
	if b.lingering() {
		cs = &st.Boot
	}
	cs.Enabled = true
	if err != nil {
		cs.Problems = append(cs.Problems, mkProblem(problem.Unparseable, fmt.Sprintf("cannot read %s: %v", path, err)))
		return st, nil
	}
	cs.Problems = append(cs.Problems, b.unitProblems(inst, data, c)...)
	return st, nil
}

// unitProblems checks a unit; c, when not nil, shares folder listings
// between the instances of one read.
func (b *systemdBackend) unitProblems(inst Instance, data []byte, c *statusCache) []Problem {
	path := b.unitPath(inst.Name)
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
	if len(args) != 4 || args[1] != "start" || (args[2] != "%i" && args[2] != inst.Name) || args[3] != "--foreground" {
		ps = append(ps, mkProblem(problem.Args, fmt.Sprintf("the unit runs %q instead of `limactl start %%i --foreground`", strings.Join(args, " "))))
	}
	ps = append(ps, limactlProblems(args, b.env.Limactl)...)
	want := map[string]string{}
	if b.env.CustomLimaHome() {
		want["LIMA_HOME"] = b.env.LimaHome
	}
	ps = append(ps, envProblems(info.Environment, want)...)
	unit := systemd.UnitName(inst.Name)
	links := b.wantsLinks(unit, c)
	switch {
	case slices.Contains(info.WantedBy, "multi-user.target") || slices.Contains(links, "multi-user.target"):
		ps = append(ps, mkProblem(problem.WrongTarget, "the unit is wanted by multi-user.target, which a user manager never reaches (written by an old Lima), so it never starts"))
	case !slices.Contains(links, "default.target"):
		ps = append(ps, mkProblem(problem.NotEnabled, "the unit file exists but is not enabled"))
	}
	return ps
}

func (b *systemdBackend) systemctl(ctx context.Context, args ...string) error {
	_, err := b.env.Runner.Run(ctx, b.env.Tools.Systemctl, args...)
	return err
}

// register writes the unit and enables it, or changes nothing. When it
// changed something, revert takes the change back for a caller whose next
// step failed (lingering refused): the unit that was there before, byte for
// byte, with the links it had, or no unit when there was none.
func (b *systemdBackend) register(ctx context.Context, inst Instance, force bool) (changed bool, revert func() error, err error) {
	path := b.unitPath(inst.Name)
	unit := systemd.UnitName(inst.Name)
	data, err := systemd.Unit(b.params())
	if err != nil {
		return false, nil, fmt.Errorf("cannot register instance %q: %w", inst.Name, err)
	}
	old, hadOld, err := readOptional(path)
	if err != nil {
		// A unit that is there but cannot be read would be taken for
		// none, and a rollback would then delete it.
		return false, nil, fmt.Errorf("cannot register instance %q: %w", inst.Name, err)
	}
	if hadOld && !force && bytes.Equal(old, data) && len(b.unitProblems(inst, old, nil)) == 0 {
		return false, nil, nil
	}
	before := b.wantsLinks(unit, nil)
	// Links made from an old WantedBy= (multi-user.target, written by an
	// old Lima) must go before enabling anew; links to default.target are
	// what enable makes anyway and are left in place, so that a failure
	// below leaves them as they were.
	cleared := false
	if hadOld && slices.ContainsFunc(before, func(t string) bool { return t != "default.target" }) {
		_ = b.systemctl(ctx, systemd.DisableArgv(unit)...)
		cleared = true
	}
	undo := func() error {
		ctx, cancel := cleanupContext(ctx)
		defer cancel()
		rerr := restore(b.env.Files, path, old, hadOld)
		_ = b.systemctl(ctx, systemd.DaemonReloadArgv()...)
		if cleared {
			_ = b.systemctl(ctx, systemd.EnableArgv(unit)...)
		}
		return rerr
	}
	if err := b.env.Files.WriteFile(path, data, 0o644); err != nil {
		if cleared {
			rctx, cancel := cleanupContext(ctx)
			_ = b.systemctl(rctx, systemd.EnableArgv(unit)...)
			cancel()
		}
		return false, nil, fmt.Errorf("failed to write the unit for instance %q: %w", inst.Name, err)
	}
	if err := b.systemctl(ctx, systemd.DaemonReloadArgv()...); err != nil {
		return false, nil, withRestore(fmt.Errorf("failed to reload systemd for instance %q: %w", inst.Name, err), undo())
	}
	if err := b.systemctl(ctx, systemd.EnableArgv(unit)...); err != nil {
		return false, nil, withRestore(fmt.Errorf("failed to enable the unit for instance %q: %w", inst.Name, err), undo())
	}
	revert = func() error {
		// enable linked the new unit for its WantedBy=; unless those are
		// the links there were, they go, and the old unit's own
		// [Install] makes its links again once it is back.
		ctx, cancel := cleanupContext(ctx)
		defer cancel()
		var errs []error
		if !slices.Equal(b.wantsLinks(unit, nil), before) {
			if err := b.systemctl(ctx, systemd.DisableArgv(unit)...); err != nil {
				errs = append(errs, fmt.Errorf("and the new unit could not be disabled again: %w", err))
			}
		}
		if err := restore(b.env.Files, path, old, hadOld); err != nil {
			errs = append(errs, err)
		}
		_ = b.systemctl(ctx, systemd.DaemonReloadArgv()...)
		if len(before) > 0 && !slices.Equal(b.wantsLinks(unit, nil), before) {
			if err := b.systemctl(ctx, systemd.EnableArgv(unit)...); err != nil {
				errs = append(errs, fmt.Errorf("and the previous unit could not be enabled again: %w", err))
			}
		}
		return errors.Join(errs...)
	}
	return true, revert, nil
}

// unregister disables and removes the unit.
func (b *systemdBackend) unregister(ctx context.Context, inst Instance) error {
	path := b.unitPath(inst.Name)
	unit := systemd.UnitName(inst.Name)
	old, hadOld, err := readOptional(path)
	if err != nil {
		// Neither removable as none nor restorable after a failure.
		return fmt.Errorf("cannot unregister instance %q: %w", inst.Name, err)
	}
	if !hadOld {
		return nil
	}
	if err := b.systemctl(ctx, systemd.DisableArgv(unit)...); err != nil {
		return fmt.Errorf("failed to disable the unit for instance %q: %w", inst.Name, err)
	}
	if err := b.env.Files.Remove(path); err != nil {
		rctx, cancel := cleanupContext(ctx)
		defer cancel()
		_ = b.systemctl(rctx, systemd.EnableArgv(unit)...)
		return fmt.Errorf("failed to remove the unit for instance %q: %w", inst.Name, err)
	}
	if err := b.systemctl(ctx, systemd.DaemonReloadArgv()...); err != nil {
		rctx, cancel := cleanupContext(ctx)
		defer cancel()
		rerr := restore(b.env.Files, path, old, true)
		_ = b.systemctl(rctx, systemd.EnableArgv(unit)...)
		return withRestore(fmt.Errorf("failed to reload systemd for instance %q: %w", inst.Name, err), rerr)
	}
	return nil
}

func (b *systemdBackend) enable(ctx context.Context, inst Instance, cond Condition, opts EnableOptions) (Result, error) {
	hadUnit := exists(b.unitPath(inst.Name))
	lingering := b.lingering()
	switch cond {
	case Login:
		if lingering && b.lingerOurs() && len(b.otherUnits(inst.Name)) == 0 {
			// Today it starts at boot, or lingering stayed on after limactl
			// removed the last unit. Turn lingering off, since LimaBar
			// turned it on and nothing else needs it.
			if err := b.setLinger(ctx, false); err != nil {
				return Result{}, fmt.Errorf("cannot switch instance %q to login: %w", inst.Name, err)
			}
			if _, _, err := b.register(ctx, inst, false); err != nil {
				// Lingering goes back on, so that the instance starts at
				// boot as before.
				cctx, cancel := cleanupContext(ctx)
				lerr := b.setLinger(cctx, true)
				cancel()
				if lerr != nil {
					err = fmt.Errorf("%w, and lingering could not be turned on again: %v", err, lerr)
				}
				return Result{}, err
			}
			res := Result{Changed: true, Message: fmt.Sprintf("%s will start at login", inst.Name)}
			if hadUnit {
				res.SwitchedFrom = string(Boot)
				res.Message = fmt.Sprintf("%s now starts at login instead of at boot", inst.Name)
			}
			return res, nil
		}
		changed, _, err := b.register(ctx, inst, false)
		if err != nil {
			return Result{}, err
		}
		msg := fmt.Sprintf("%s will start at login", inst.Name)
		if !changed {
			msg = fmt.Sprintf("%s already starts at login", inst.Name)
		}
		if lingering {
			msg = fmt.Sprintf("%s is registered; lingering is on for %s, so it also starts at boot", inst.Name, b.env.User)
		}
		return Result{Changed: changed, Message: msg}, nil
	case Boot:
		if opts.User != "" && opts.User != b.env.User {
			return Result{}, fmt.Errorf("cannot make instance %q start at boot as %q: on Linux an instance starts as the user whose systemd manages it", inst.Name, opts.User)
		}
		if _, err := resolveBootUser(b.env, ""); err != nil {
			return Result{}, fmt.Errorf("cannot make instance %q start at boot: %w", inst.Name, err)
		}
		changed, revert, err := b.register(ctx, inst, false)
		if err != nil {
			return Result{}, err
		}
		if !lingering {
			if err := b.setLinger(ctx, true); err != nil {
				// The unit may be new, or rewritten from one limactl
				// wrote: either way it goes back to what it was.
				if changed {
					err = withRestore(err, revert())
				}
				return Result{}, fmt.Errorf("cannot make instance %q start at boot: %w", inst.Name, err)
			}
			changed = true
		}
		res := Result{Changed: changed, Message: fmt.Sprintf("%s will start at boot", inst.Name)}
		if !changed {
			res.Message = fmt.Sprintf("%s already starts at boot", inst.Name)
		}
		if hadUnit && !lingering {
			res.SwitchedFrom = string(Login)
			res.Message = fmt.Sprintf("%s now starts at boot instead of at login", inst.Name)
		}
		return res, nil
	}
	return Result{}, fmt.Errorf("unknown condition %q", cond)
}

func (b *systemdBackend) disable(ctx context.Context, inst Instance, cond Condition) (Result, error) {
	hadUnit := exists(b.unitPath(inst.Name))
	lingering := b.lingering()
	switch cond {
	case Login:
		if !hadUnit || lingering {
			return Result{Message: fmt.Sprintf("%s does not start at login", inst.Name)}, nil
		}
		if err := b.unregister(ctx, inst); err != nil {
			return Result{}, err
		}
		return Result{Changed: true, Message: fmt.Sprintf("%s will no longer start at login", inst.Name)}, nil
	case Boot:
		if !hadUnit || !lingering {
			// The unit may have been removed by limactl: lingering that
			// LimaBar turned on for it is no longer needed.
			msg := fmt.Sprintf("%s does not start at boot", inst.Name)
			released, err := b.releaseLinger(ctx, inst.Name)
			if released {
				msg += "; lingering, which LimaBar had turned on, is off again"
			}
			return Result{Changed: released, Message: msg}, err
		}
		if err := b.unregister(ctx, inst); err != nil {
			return Result{}, err
		}
		msg := fmt.Sprintf("%s will no longer start at boot", inst.Name)
		released, err := b.releaseLinger(ctx, inst.Name)
		if err != nil {
			return Result{Changed: true, Message: msg}, fmt.Errorf("instance %q no longer starts at boot, but lingering could not be turned off: %w", inst.Name, err)
		}
		if released {
			msg += "; lingering, which LimaBar had turned on, is off again"
		}
		return Result{Changed: true, Message: msg}, nil
	}
	return Result{}, fmt.Errorf("unknown condition %q", cond)
}

func (b *systemdBackend) repair(ctx context.Context, inst Instance) (Result, error) {
	st, err := b.status(ctx, inst, nil)
	if err != nil {
		return Result{}, err
	}
	cs := st.Login
	if st.Boot.Enabled {
		cs = st.Boot
	}
	if !cs.Enabled || len(cs.Problems) == 0 {
		return Result{Message: fmt.Sprintf("%s: nothing to repair", inst.Name)}, nil
	}
	if _, _, err := b.register(ctx, inst, true); err != nil {
		return Result{}, err
	}
	return Result{Changed: true, Message: fmt.Sprintf("%s: unit rewritten and enabled", inst.Name)}, nil
}

// releaseLinger turns lingering off when LimaBar turned it on and no
// instance other than name still has a unit. A record left from lingering
// that is already off is dropped.
func (b *systemdBackend) releaseLinger(ctx context.Context, name string) (bool, error) {
	if !b.lingerOurs() {
		return false, nil
	}
	if !b.lingering() {
		_ = b.env.Files.Remove(b.recordPath())
		return false, nil
	}
	if len(b.otherUnits(name)) > 0 {
		return false, nil
	}
	if err := b.setLinger(ctx, false); err != nil {
		return false, err
	}
	return true, nil
}

// otherUnits lists the instances other than name that have a unit.
func (b *systemdBackend) otherUnits(name string) []string {
	matches, _ := filepath.Glob(filepath.Join(b.env.UnitDir(), "lima-vm@*.service"))
	var out []string
	for _, m := range matches {
		n := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "lima-vm@"), ".service")
		if n != name {
			out = append(out, n)
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

func (b *systemdBackend) recordPath() string { return filepath.Join(b.env.StateDir, "linger.json") }

func (b *systemdBackend) lingerOurs() bool {
	data, err := os.ReadFile(b.recordPath())
	if err != nil {
		return false
	}
	var r lingerRecord
	return json.Unmarshal(data, &r) == nil && r.TurnedOn && r.User == b.env.User
}

func (b *systemdBackend) setLinger(ctx context.Context, on bool) error {
	args := systemd.DisableLingerArgv(b.env.User)
	if on {
		args = systemd.EnableLingerArgv(b.env.User)
	}
	if _, err := b.env.Runner.Run(ctx, b.env.Tools.Loginctl, args...); err != nil {
		return fmt.Errorf("turning lingering %s for %s was refused (%w); nothing was changed", onOff(on), b.env.User, err)
	}
	if b.env.StateDir == "" {
		return nil
	}
	if !on {
		return b.env.Files.Remove(b.recordPath())
	}
	data, _ := json.Marshal(lingerRecord{User: b.env.User, TurnedOn: true})
	if err := b.env.Files.WriteFile(b.recordPath(), append(data, '\n'), 0o644); err != nil {
		// Without the record LimaBar would never turn it off again.
		_, _ = b.env.Runner.Run(ctx, b.env.Tools.Loginctl, systemd.DisableLingerArgv(b.env.User)...)
		return fmt.Errorf("lingering for %s was turned off again because LimaBar could not record that it turned it on: %w", b.env.User, err)
	}
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
