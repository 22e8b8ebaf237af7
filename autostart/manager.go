package autostart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/limabar/limabar/autostart/plan"
)

// Manager reads and changes the registrations of instances. It is safe for
// use by one goroutine at a time per instance; the app serialises actions.
type Manager struct {
	env     Env
	backend backend
}

// backend is one platform's way of doing the job: reading, and turning
// what it read into plans.
type backend interface {
	status(ctx context.Context, inst Instance, c *statusCache) (Status, error)
	planEnable(ctx context.Context, inst Instance, cond Condition, opts EnableOptions) (Plan, error)
	planDisable(ctx context.Context, inst Instance, cond Condition) (Plan, error)
	planRepair(ctx context.Context, inst Instance) (Plan, error)
	registered(ctx context.Context) ([]Registration, error)
}

// Plan is one change to the registrations of an instance, as data: the
// steps that make it, and the Result that reports it once they are done.
// Enable, Disable and Repair run the plans that PlanEnable, PlanDisable and
// PlanRepair return; a dry run prints them instead.
type Plan struct {
	plan.Plan
	Result Result
	// made says that the change is made, for the error of a step of
	// After: "instance "default" no longer starts at boot".
	made string
	// afterReloads says that After only reloads the service manager.
	afterReloads bool
}

// resultOf is the Result of a plan with steps: made when there are any,
// already when there are none (the change was made before).
func resultOf(steps []plan.Step, made, already string) Result {
	if len(steps) == 0 {
		return Result{Message: already}
	}
	return Result{Changed: true, Message: made}
}

func newPlan(name string) Plan {
	return Plan{Plan: plan.Plan{Subject: fmt.Sprintf("instance %q", name)}}
}

// newPlanFor is newPlan naming a Colima profile as such.
func newPlanFor(inst Instance) Plan {
	return Plan{Plan: plan.Plan{Subject: inst.subject()}}
}

// statusCache holds answers shared by the statuses of many instances read
// together (one `launchctl print-disabled` for all of them).
type statusCache struct {
	disabled map[string]map[string]bool // domain → label → disabled
	// wants is, for each unit, the targets whose .wants folder links
	// to it: one listing of the unit folder instead of one per instance.
	wants map[string][]string
}

// EnableOptions are the choices of an Enable call.
type EnableOptions struct {
	// User is the account a boot job runs as; empty means Env.User. Root is
	// always refused: a VM never runs as root.
	User string
	// TakeOver lets Enable of a Colima profile that `brew services`
	// starts (Status.BrewServices) stop brew's job and register
	// LimaBar's, leaving one job for the profile. Without it such an
	// Enable fails with ErrBrewServices and changes nothing.
	TakeOver bool
}

// New checks env and returns a Manager for its platform.
func New(env Env) (*Manager, error) {
	if env.Home == "" {
		return nil, errors.New("autostart: no home folder")
	}
	if env.LimaHome == "" {
		env.LimaHome = env.DefaultLimaHome()
	}
	if env.Runner == nil {
		return nil, errors.New("autostart: no command runner")
	}
	if env.Files == nil {
		env.Files = OSFiles{}
	}
	m := &Manager{env: env}
	switch env.Platform {
	case Darwin:
		m.backend = &launchdBackend{env: &m.env}
	case Linux:
		m.backend = &systemdBackend{env: &m.env}
	default:
		return nil, fmt.Errorf("autostart: platform %q: %w", env.Platform, ErrNotSupported)
	}
	return m, nil
}

// Env returns the environment the manager was built with.
func (m *Manager) Env() Env { return m.env }

func (m *Manager) instance(inst Instance) (Instance, error) {
	if err := ValidateName(inst.Name); err != nil {
		return inst, err
	}
	switch inst.Tool {
	case ToolColima:
		return m.env.colimaInstance(inst)
	case "", ToolLima:
	default:
		return inst, fmt.Errorf("instance %q: unknown tool %q", inst.Name, inst.Tool)
	}
	if inst.Dir == "" {
		inst.Dir = m.env.InstanceDir(inst.Name)
	}
	return inst, nil
}

// Status reads both registrations of one instance.
func (m *Manager) Status(ctx context.Context, inst Instance) (Status, error) {
	all, err := m.StatusAll(ctx, []Instance{inst})
	if err != nil {
		return Status{}, err
	}
	return all[0], nil
}

// StatusAll reads the registrations of many instances, sharing the
// launchctl/systemctl questions they have in common.
func (m *Manager) StatusAll(ctx context.Context, insts []Instance) ([]Status, error) {
	c := &statusCache{}
	out := make([]Status, len(insts))
	for i, inst := range insts {
		inst, err := m.instance(inst)
		if err != nil {
			return nil, err
		}
		st, err := m.backend.status(ctx, inst, c)
		if err != nil {
			return nil, fmt.Errorf("failed to read the autostart state of instance %q: %w", inst.Name, err)
		}
		out[i] = st
	}
	return out, nil
}

// Enable registers the instance for cond. If the other condition is on, it
// is turned off in the same call (both would start the VM twice) and the
// Result says so. Enable never starts or stops the VM.
func (m *Manager) Enable(ctx context.Context, inst Instance, cond Condition, opts EnableOptions) (Result, error) {
	p, err := m.PlanEnable(ctx, inst, cond, opts)
	if err != nil {
		return Result{}, err
	}
	return m.Execute(ctx, p)
}

// PlanEnable reads the state and returns the plan of Enable, changing
// nothing.
func (m *Manager) PlanEnable(ctx context.Context, inst Instance, cond Condition, opts EnableOptions) (Plan, error) {
	inst, err := m.instance(inst)
	if err != nil {
		return Plan{}, err
	}
	if err := m.env.checkTool(inst, "register"); err != nil {
		return Plan{}, err
	}
	if _, err := os.Stat(inst.Dir); err != nil {
		return Plan{}, fmt.Errorf("cannot register %s: %w", inst.subject(), err)
	}
	return m.backend.planEnable(ctx, inst, cond, opts)
}

// Disable unregisters the instance for cond. It does not stop a running VM.
func (m *Manager) Disable(ctx context.Context, inst Instance, cond Condition) (Result, error) {
	p, err := m.PlanDisable(ctx, inst, cond)
	if err != nil {
		return Result{}, err
	}
	return m.Execute(ctx, p)
}

// PlanDisable reads the state and returns the plan of Disable, changing
// nothing.
func (m *Manager) PlanDisable(ctx context.Context, inst Instance, cond Condition) (Plan, error) {
	inst, err := m.instance(inst)
	if err != nil {
		return Plan{}, err
	}
	return m.backend.planDisable(ctx, inst, cond)
}

// Repair rewrites every registration of the instance that has problems with
// the current limactl, PATH and LIMA_HOME, keeping its condition.
func (m *Manager) Repair(ctx context.Context, inst Instance) (Result, error) {
	p, err := m.PlanRepair(ctx, inst)
	if err != nil {
		return Result{}, err
	}
	return m.Execute(ctx, p)
}

// PlanRepair reads the state and returns the plan of Repair, changing
// nothing.
func (m *Manager) PlanRepair(ctx context.Context, inst Instance) (Plan, error) {
	inst, err := m.instance(inst)
	if err != nil {
		return Plan{}, err
	}
	if inst.IsColima() {
		if err := m.env.checkTool(inst, "repair"); err != nil {
			return Plan{}, err
		}
	} else if m.env.Limactl == "" {
		return Plan{}, fmt.Errorf("cannot repair instance %q: limactl was not found", inst.Name)
	}
	return m.backend.planRepair(ctx, inst)
}

// Execute runs a plan made by PlanEnable, PlanDisable or PlanRepair and
// returns its Result. When a step fails, the steps before it are undone
// and the error says so; when a step of After fails, the change stays made
// and the error says that too.
func (m *Manager) Execute(ctx context.Context, p Plan) (Result, error) {
	res, err := m.ExecuteChange(ctx, p)
	if err != nil || res.Pending == nil {
		return res, err
	}
	pending := res.Pending
	res.Pending = nil
	return res, pending(ctx)
}

// ExecuteChange is Execute up to the change itself: it runs the plan's
// Steps and returns, with the plan's After left to the caller as
// Result.Pending. The menu uses it to show a new checkmark while systemd
// is still being reloaded. Pending's error is Execute's for a failed step
// of After: the change stays made, and it says so.
func (m *Manager) ExecuteChange(ctx context.Context, p Plan) (Result, error) {
	x := plan.Executor{Files: m.env.Files, Runner: m.env.Runner, Elevator: m.env.Elevator}
	if err := x.RunChange(ctx, p.Plan); err != nil {
		return Result{}, err
	}
	res := p.Result
	if len(p.After) > 0 {
		res.PendingReloads = p.afterReloads
		res.Pending = func(ctx context.Context) error {
			if err := x.RunAfter(ctx, p.Plan); err != nil {
				made := p.made
				if made == "" {
					made = p.Result.Message
				}
				return fmt.Errorf("%s, but %w", made, err)
			}
			return nil
		}
	}
	return res, nil
}

func resolveBootUser(env *Env, name string) (*user.User, error) {
	if name == "" {
		name = env.User
	}
	if name == "" {
		return nil, errors.New("no user to run the instance as: pass --user")
	}
	if name == "root" {
		return nil, errors.New("refusing to run a Lima instance as root: pass --user with an ordinary account")
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("unknown user %q", name)
	}
	if u.Uid == "0" {
		return nil, fmt.Errorf("refusing to run a Lima instance as %q, which has uid 0", name)
	}
	if _, err := strconv.Atoi(u.Uid); err != nil {
		return nil, fmt.Errorf("user %q has no numeric uid", name)
	}
	return u, nil
}

// checkTool refuses to write a job for inst without the program it runs:
// limactl, or colima for a Colima profile, found at an absolute path.
func (e *Env) checkTool(inst Instance, verb string) error {
	tool, path := "limactl", e.Limactl
	if inst.IsColima() {
		tool, path = "colima", e.Colima
	}
	if path == "" {
		return fmt.Errorf("cannot %s %s: %s was not found", verb, inst.subject(), tool)
	}
	if !filepath.IsAbs(path) {
		return fmt.Errorf("cannot %s %s: %s path %q is not absolute", verb, inst.subject(), tool, path)
	}
	return nil
}

// exists reports whether path exists (following links).
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// readOptional reads a file; a missing file is (nil, false, nil).
func readOptional(path string) ([]byte, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}
