package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/limabar/limabar/app/colima"
	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/loginitem"
	"github.com/limabar/limabar/autostart"
	names "github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/health"
)

// SelfStarter turns "Open LimaBar at Login" on and off.
type SelfStarter interface {
	Enabled() (bool, error)
	Enable() error
	Disable() error
}

// LoginItemStatus is a SelfStarter that is a login item of SMAppService
// (*loginitem.Item): macOS keeps a status of its own for it, which may
// hold it back until the user approves it.
type LoginItemStatus interface {
	Status() loginitem.Status
}

// Live is the program's Service: limactl for instances, the autostart engine
// for registrations.
type Live struct {
	Platform autostart.Platform
	Lima     *lima.Client
	// Colima lists Colima's profiles and runs colima; nil, or without a
	// Lima home (Client.Exists), when Colima has no profiles here.
	Colima *colima.Client
	// ColimaErr is why colima is missing, when it is.
	ColimaErr  error
	Engine     *autostart.Manager
	LimactlErr error // why limactl is missing, when it is
	SelfStart  SelfStarter
	// SetupErr, when set, is why instances cannot be listed (LIMA_HOME
	// missing); it is shown instead of the list.
	SetupErr error
	// ByFolder finds instances by their folder in LIMA_HOME instead of
	// asking limactl, which refuses to run as root.
	ByFolder bool
	Logger   *slog.Logger
	// Health reads what became of registered jobs; nil where it cannot
	// be read. It may also be a HealthActor and a HealthWatcher.
	Health HealthReader
	// Process checks pids before a stale ha.pid is removed.
	Process health.Process
	// DeferAfter makes Enable, Disable and Repair return once the change
	// is made, leaving the plan's tidying up (systemd's reload) in
	// Result.Pending for the caller to run: the menu shows the new state
	// first. The command line leaves it unset and waits for everything.
	DeferAfter bool

	mu sync.Mutex
	// known is the instances of the last Snapshot, by ID: an action on
	// an instance the menu shows acts on what the menu showed, without
	// asking limactl again.
	known map[string]autostart.Instance
}

var _ Service = (*Live)(nil)

func (l *Live) logger() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return slog.Default()
}

// readSelfStart reads the switch of "Open LimaBar at Login" into s, and
// what macOS says of a login item that it holds back.
func (l *Live) readSelfStart(s *Snapshot) {
	s.SelfStart, s.SelfStartSupported, s.SelfStartNote = false, false, ""
	if l.SelfStart == nil {
		return
	}
	on, err := l.SelfStart.Enabled()
	s.SelfStart, s.SelfStartSupported = on, err == nil
	if item, ok := l.SelfStart.(LoginItemStatus); ok {
		s.SelfStartNote = loginitem.Note(item.Status())
	}
}

// Snapshot lists the instances with limactl and reads their registrations.
func (l *Live) Snapshot(ctx context.Context) Snapshot {
	env := l.Engine.Env()
	s := Snapshot{Platform: l.Platform, Limactl: l.Lima.Limactl, LimaHome: env.LimaHome}
	l.readSelfStart(&s)
	if l.Lima.Limactl == "" {
		s.LimactlErr = lima.ErrNoLimactl.Error()
		if l.LimactlErr != nil {
			s.LimactlErr = l.LimactlErr.Error()
		}
		return s
	}
	l.listColima(ctx, &s)
	if l.SetupErr != nil {
		s.ListErr = l.SetupErr.Error()
		return l.readListed(ctx, s, false)
	}
	list, err := l.Lima.List(ctx)
	if err != nil {
		s.ListErr = err.Error()
		return l.readListed(ctx, s, false)
	}
	if len(list) == 0 {
		if _, err := os.Stat(env.LimaHome); os.IsNotExist(err) {
			s.LimaHomeMissing = true
		}
	}
	limas := make([]Instance, 0, len(list))
	for _, in := range list {
		if autostart.ValidateName(in.Name) != nil {
			l.logger().Warn("skipping instance with an invalid name", "name", in.Name)
			continue
		}
		limas = append(limas, Instance{Instance: in})
	}
	s.Instances = append(limas, s.Instances...)
	return l.readListed(ctx, s, true)
}

// readListed reads the registrations of the instances s lists and
// remembers them for Find: all of them when LIMA_HOME's were listed
// (limaListed), else only Colima's, keeping what Find knew of LIMA_HOME's.
func (l *Live) readListed(ctx context.Context, s Snapshot, limaListed bool) Snapshot {
	if !limaListed && len(s.Instances) == 0 {
		return s
	}
	insts := make([]autostart.Instance, len(s.Instances))
	for i, in := range s.Instances {
		insts[i] = in.Target()
	}
	l.remember(insts, limaListed)
	l.readRegistrations(ctx, s.Instances, insts)
	return s
}

// hasColima reports whether Colima has profiles to list here.
func (l *Live) hasColima() bool { return l.Colima != nil && l.Colima.Exists() }

// colimaProfiles lists Colima's profiles as the instances of LIMA_HOME are
// listed: from the folders when ByFolder is set, else through limactl on
// Colima's Lima home.
func (l *Live) colimaProfiles(ctx context.Context) ([]colima.Profile, error) {
	if l.ByFolder {
		return colima.ByFolder(l.Colima.Home)
	}
	return l.Colima.List(ctx)
}

// listColima puts Colima's profiles in s.Instances (LIMA_HOME's go before
// them) when Colima has a Lima home, with what is known of colima.
func (l *Live) listColima(ctx context.Context, s *Snapshot) {
	if !l.hasColima() {
		return
	}
	s.ColimaHome, s.Colima = l.Colima.Home, l.Colima.Colima
	if s.Colima == "" {
		s.ColimaErr = colima.ErrNoColima.Error()
		if l.ColimaErr != nil {
			s.ColimaErr = l.ColimaErr.Error()
		}
	}
	profiles, err := l.colimaProfiles(ctx)
	if err != nil {
		s.ColimaListErr = err.Error()
		return
	}
	for _, p := range profiles {
		if autostart.ValidateName(p.Name) != nil {
			l.logger().Warn("skipping Colima profile with an invalid name", "name", p.Name)
			continue
		}
		s.Instances = append(s.Instances, Instance{Instance: p.Instance, Tool: autostart.ToolColima, Profile: p.Profile, Runtime: p.Runtime})
	}
}

// readRegistrations fills in the registrations and health of instances,
// whose autostart.Instance is insts[i].
func (l *Live) readRegistrations(ctx context.Context, instances []Instance, insts []autostart.Instance) {
	statuses, err := l.Engine.StatusAll(ctx, insts)
	for i := range instances {
		si := &instances[i]
		si.AutostartErr, si.Autostart = "", autostart.Status{}
		si.Health, si.HealthCondition = nil, ""
		si.BrewServices = ""
		if err != nil {
			si.AutostartErr = err.Error()
		} else {
			si.Autostart = statuses[i]
			si.BrewServices = brewServicesOf(statuses[i])
		}
		if c, ok := healthCondition(si.Autostart); ok && l.Health != nil {
			h := currentHealth(l.Health.Health(ctx, insts[i], c), si.Autostart.Of(c).Path)
			si.Health, si.HealthCondition = &h, c
		}
	}
}

// Restat reads prev again without asking limactl: the registrations, their
// health and "Open LimaBar at Login", for the instances prev lists. A
// change to a registration (a click, a unit written by limactl) changes
// nothing limactl reports, and limactl takes tens of milliseconds to
// answer where the registrations take well under one. Without instances
// to read, it is Snapshot.
func (l *Live) Restat(ctx context.Context, prev Snapshot) Snapshot {
	if len(prev.Instances) == 0 || prev.ListErr != "" || prev.LimactlErr != "" || prev.InstancesStale {
		return l.Snapshot(ctx)
	}
	s := prev
	s.Instances = slices.Clone(prev.Instances)
	l.readSelfStart(&s)
	insts := make([]autostart.Instance, len(s.Instances))
	for i, in := range s.Instances {
		insts[i] = in.Target()
	}
	l.readRegistrations(ctx, s.Instances, insts)
	return s
}

// remember keeps the instances a Snapshot listed, for Find: all that Find
// knows when the Snapshot listed LIMA_HOME (all), else Colima's only.
func (l *Live) remember(insts []autostart.Instance, all bool) {
	known := make(map[string]autostart.Instance, len(insts))
	if !all {
		l.mu.Lock()
		for id, in := range l.known {
			if !in.IsColima() {
				known[id] = in
			}
		}
		l.mu.Unlock()
	}
	for _, in := range insts {
		id := in.Name
		if in.IsColima() {
			id = ColimaID(in.Profile)
		}
		known[id] = in
	}
	l.mu.Lock()
	l.known = known
	l.mu.Unlock()
}

// Find returns the instance limactl knows by that name: the one the last
// Snapshot listed while its folder is there, or else the one limactl
// lists now. A Colima profile's ID ("colima:work", ParseID) finds the
// profile in Colima's Lima home.
func (l *Live) Find(ctx context.Context, name string) (autostart.Instance, error) {
	if profile, ok := ParseID(name); ok {
		return l.findColima(ctx, profile)
	}
	if err := autostart.ValidateName(name); err != nil {
		return autostart.Instance{}, err
	}
	if l.SetupErr != nil {
		return autostart.Instance{}, l.SetupErr
	}
	l.mu.Lock()
	in, ok := l.known[name]
	l.mu.Unlock()
	if ok && in.Dir != "" {
		// Still there: gone since, it is limactl's to say what became
		// of it.
		if _, err := os.Stat(filepath.Join(in.Dir, "lima.yaml")); err == nil {
			return in, nil
		}
	}
	if l.ByFolder {
		dir := filepath.Join(l.Engine.Env().LimaHome, name)
		if _, err := os.Stat(filepath.Join(dir, "lima.yaml")); err != nil {
			return autostart.Instance{}, fmt.Errorf("no instance named %q in %s", name, l.Engine.Env().LimaHome)
		}
		return autostart.Instance{Name: name, Dir: dir}, nil
	}
	if l.Lima.Limactl == "" {
		if l.LimactlErr != nil {
			return autostart.Instance{}, l.LimactlErr
		}
		return autostart.Instance{}, lima.ErrNoLimactl
	}
	list, err := l.Lima.List(ctx)
	if err != nil {
		return autostart.Instance{}, err
	}
	var names []string
	for _, in := range list {
		if in.Name == name {
			dir := in.Dir
			if dir == "" {
				dir = filepath.Join(l.Engine.Env().LimaHome, name)
			}
			return autostart.Instance{Name: name, Dir: dir}, nil
		}
		names = append(names, in.Name)
	}
	if len(names) == 0 {
		return autostart.Instance{}, fmt.Errorf("no instance named %q: limactl lists no instances in %s", name, l.Engine.Env().LimaHome)
	}
	return autostart.Instance{}, fmt.Errorf("no instance named %q (instances: %s)", name, strings.Join(names, ", "))
}

// findColima returns the instance of a Colima profile: the one the last
// Snapshot listed while its folder is there, or else the one limactl lists
// now in Colima's Lima home.
func (l *Live) findColima(ctx context.Context, profile string) (autostart.Instance, error) {
	if err := names.CheckProfile(profile); err != nil {
		return autostart.Instance{}, fmt.Errorf("Colima profile %q: %w", profile, err)
	}
	if !l.hasColima() {
		return autostart.Instance{}, fmt.Errorf("no Colima profile %q: Colima has no Lima home here (COLIMA_HOME/_lima)", profile)
	}
	l.mu.Lock()
	in, ok := l.known[ColimaID(profile)]
	l.mu.Unlock()
	if ok && in.Dir != "" {
		if _, err := os.Stat(filepath.Join(in.Dir, "lima.yaml")); err == nil {
			return in, nil
		}
	}
	profiles, err := l.colimaProfiles(ctx)
	if err != nil {
		return autostart.Instance{}, err
	}
	var all []string
	for _, p := range profiles {
		if p.Profile == profile {
			return autostart.Instance{Name: p.Name, Dir: p.Dir, Tool: autostart.ToolColima, Profile: p.Profile}, nil
		}
		all = append(all, p.Profile)
	}
	if len(all) == 0 {
		return autostart.Instance{}, fmt.Errorf("no Colima profile %q: there are none in %s", profile, l.Colima.LimaHome())
	}
	return autostart.Instance{}, fmt.Errorf("no Colima profile %q (profiles: %s)", profile, strings.Join(all, ", "))
}

// Enable implements Service. It never takes a Colima profile over from
// `brew services`: the engine refuses while brew's job starts the profile
// (autostart.ErrBrewServices), and EnableTakingOver is the user's
// consent.
func (l *Live) Enable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	return l.EnableAs(ctx, name, c, autostart.EnableOptions{})
}

// EnableAs is Enable with options (the account a boot job runs as).
func (l *Live) EnableAs(ctx context.Context, name string, c autostart.Condition, o autostart.EnableOptions) (autostart.Result, error) {
	p, err := l.PlanEnable(ctx, name, c, o)
	if err != nil {
		return autostart.Result{}, err
	}
	return l.execute(ctx, p)
}

// execute runs a plan of the engine, leaving After pending when DeferAfter
// is set.
func (l *Live) execute(ctx context.Context, p autostart.Plan) (autostart.Result, error) {
	if l.DeferAfter {
		return l.Engine.ExecuteChange(ctx, p)
	}
	return l.Engine.Execute(ctx, p)
}

// PlanEnable is what EnableAs would do, changing nothing.
func (l *Live) PlanEnable(ctx context.Context, name string, c autostart.Condition, o autostart.EnableOptions) (autostart.Plan, error) {
	inst, err := l.Find(ctx, name)
	if err != nil {
		return autostart.Plan{}, err
	}
	return l.Engine.PlanEnable(ctx, inst, c, o)
}

// Disable implements Service. It works for an instance limactl no longer
// lists too, so that a stale registration can always be removed; why the
// instance could not be found is then the Result's Warning.
func (l *Live) Disable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	p, err := l.PlanDisable(ctx, name, c)
	if err != nil {
		return autostart.Result{}, err
	}
	return l.execute(ctx, p)
}

// PlanDisable is what Disable would do, changing nothing.
func (l *Live) PlanDisable(ctx context.Context, name string, c autostart.Condition) (autostart.Plan, error) {
	inst, warning, err := l.findToRemove(ctx, name)
	if err != nil {
		return autostart.Plan{}, err
	}
	p, err := l.Engine.PlanDisable(ctx, inst, c)
	p.Result.Warning = warning
	return p, err
}

// findToRemove is the instance whose registrations Disable removes: the
// one limactl lists, or else one of that name, with a warning saying why
// limactl could not confirm it.
func (l *Live) findToRemove(ctx context.Context, name string) (autostart.Instance, string, error) {
	inst, err := l.Find(ctx, name)
	if err == nil {
		return inst, "", nil
	}
	if errors.Is(err, autostart.ErrInvalidName) {
		return autostart.Instance{}, "", err
	}
	if profile, ok := ParseID(name); ok {
		if names.CheckProfile(profile) != nil {
			return autostart.Instance{}, "", err
		}
		inst := autostart.Instance{Name: names.InstanceName(profile), Tool: autostart.ToolColima, Profile: profile}
		if l.Colima != nil && l.Colima.Home != "" {
			inst.Dir = filepath.Join(l.Colima.LimaHome(), inst.Name)
		}
		return inst, err.Error() + "; removing the registration anyway", nil
	}
	return autostart.Instance{Name: name}, err.Error() + "; removing the registration anyway", nil
}

// Repair implements Service.
func (l *Live) Repair(ctx context.Context, name string) (autostart.Result, error) {
	p, err := l.PlanRepair(ctx, name)
	if err != nil {
		return autostart.Result{}, err
	}
	return l.execute(ctx, p)
}

// PlanRepair is what Repair would do, changing nothing.
func (l *Live) PlanRepair(ctx context.Context, name string) (autostart.Plan, error) {
	inst, err := l.Find(ctx, name)
	if err != nil {
		return autostart.Plan{}, err
	}
	return l.Engine.PlanRepair(ctx, inst)
}

// Start implements Service. A Colima profile is started by `colima start
// --profile P`, never by limactl.
func (l *Live) Start(ctx context.Context, name string) error {
	if profile, ok := ParseID(name); ok {
		return l.colimaClient().Start(ctx, profile)
	}
	return l.Lima.Start(ctx, name)
}

// Stop implements Service.
func (l *Live) Stop(ctx context.Context, name string) error {
	if profile, ok := ParseID(name); ok {
		return l.colimaClient().Stop(ctx, profile)
	}
	return l.Lima.Stop(ctx, name)
}

// Restart implements Service.
func (l *Live) Restart(ctx context.Context, name string) error {
	if profile, ok := ParseID(name); ok {
		return l.colimaClient().Restart(ctx, profile)
	}
	return l.Lima.Restart(ctx, name)
}

// colimaClient is l.Colima, or one that says colima is missing.
func (l *Live) colimaClient() *colima.Client {
	if l.Colima != nil {
		return l.Colima
	}
	return &colima.Client{}
}

// SetSelfStart implements Service.
func (l *Live) SetSelfStart(_ context.Context, on bool) error {
	if l.SelfStart == nil {
		return errors.New("opening LimaBar at login is not available here")
	}
	if on {
		return l.SelfStart.Enable()
	}
	return l.SelfStart.Disable()
}

// onJob finds an instance and hands its job to one of l.Health's actions.
func (l *Live) onJob(ctx context.Context, name string, c autostart.Condition,
	act func(HealthActor, context.Context, autostart.Instance, autostart.Condition) error) error {
	a, ok := l.Health.(HealthActor)
	if !ok {
		return ErrNoHealthActions
	}
	inst, err := l.Find(ctx, name)
	if err != nil {
		return err
	}
	return act(a, ctx, inst, c)
}

// TryAgain implements Service.
func (l *Live) TryAgain(ctx context.Context, name string, c autostart.Condition) error {
	return l.onJob(ctx, name, c, HealthActor.TryAgain)
}

// StopRetrying implements Service.
func (l *Live) StopRetrying(ctx context.Context, name string, c autostart.Condition) error {
	return l.onJob(ctx, name, c, HealthActor.StopRetrying)
}

// FixStale implements Service.
func (l *Live) FixStale(ctx context.Context, name string) error {
	inst, err := l.Find(ctx, name)
	if err != nil {
		return err
	}
	p := l.Process
	if p == nil {
		p = Procfs{}
	}
	if err := FixStale(inst.Dir, p); err != nil {
		return fmt.Errorf("instance %q: %w", inst.Name, err)
	}
	return nil
}

// WatchHealth calls changed whenever a registered job's health may have
// changed, where the service manager can tell; it returns at once where
// it cannot.
func (l *Live) WatchHealth(ctx context.Context, changed func()) error {
	if w, ok := l.Health.(HealthWatcher); ok {
		return w.WatchHealth(ctx, changed)
	}
	return nil
}

// StateDir implements Service.
func (l *Live) StateDir() string { return l.Engine.Env().StateDir }

// WatchDirs implements Service: LIMA_HOME and the folders registrations
// live in.
func (l *Live) WatchDirs() []string {
	env := l.Engine.Env()
	dirs := []string{env.LimaHome}
	if l.Platform == autostart.Darwin {
		dirs = append(dirs, env.LaunchAgentsDir(), env.LaunchDaemonsDir)
	} else {
		dirs = append(dirs, env.UnitDir(), env.UnitDir()+"/default.target.wants", env.LingerDir)
	}
	return dirs
}
