package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/problem"
	"github.com/limabar/limabar/autostart/systemd"
)

// ErrBrewServices is returned by Enable of a Colima profile that `brew
// services` starts (Homebrew's homebrew.mxcl.colima agent, or its
// homebrew.colima.service unit) when the caller did not ask to take over
// (EnableOptions.TakeOver): LimaBar never adds a second job for one
// profile.
var ErrBrewServices = errors.New("started by brew services")

// JobLabel is the launchd label of the instance's job for c: Lima's
// (io.lima-vm.autostart.NAME, io.lima-vm.daemon.NAME) for a Lima
// instance, LimaBar's own (package colima) for a Colima profile.
func (i Instance) JobLabel(c Condition) string {
	if c == Boot {
		return daemonLabelOf(i)
	}
	return agentLabelOf(i)
}

// UnitName is the systemd user unit that starts the instance:
// lima-vm@NAME.service, or limabar-colima@PROFILE.service.
func (i Instance) UnitName() string { return unitNameOf(i) }

// title is how messages name the instance: its name, or "Colima profile
// P".
func (i Instance) title() string {
	if i.IsColima() {
		return "Colima profile " + i.Profile
	}
	return i.Name
}

// subject is how a plan's errors name the instance.
func (i Instance) subject() string {
	if i.IsColima() {
		return fmt.Sprintf("Colima profile %q", i.Profile)
	}
	return fmt.Sprintf("instance %q", i.Name)
}

// profile is the Colima profile of the instance: Profile, or the one its
// name says.
func (i Instance) profile() string {
	if i.Profile != "" {
		return i.Profile
	}
	p, _ := colima.ProfileOf(i.Name)
	return p
}

func agentLabelOf(i Instance) string {
	if i.IsColima() {
		return colima.AgentLabel(i.profile())
	}
	return launchd.AgentLabel(i.Name)
}

func daemonLabelOf(i Instance) string {
	if i.IsColima() {
		return colima.DaemonLabel(i.profile())
	}
	return launchd.DaemonLabel(i.Name)
}

func unitNameOf(i Instance) string {
	if i.IsColima() {
		return colima.UnitName(i.profile())
	}
	return systemd.UnitName(i.Name)
}

// colimaHome is the COLIMA_HOME in use: Env.ColimaHome, or ~/.colima.
func (e *Env) colimaHome() string {
	if e.ColimaHome != "" {
		return e.ColimaHome
	}
	return colima.DefaultHome(e.Home)
}

// CustomColimaHome reports whether COLIMA_HOME must be passed to the jobs
// of Colima profiles: it is not ~/.colima. (On Linux colima falls back to
// ~/.config/colima when ~/.colima is missing, colima v0.10.1
// config/files.go; passing that one explicitly does no harm.)
func (e *Env) CustomColimaHome() bool {
	return filepath.Clean(e.colimaHome()) != filepath.Clean(colima.DefaultHome(e.Home))
}

// colimaInstance checks a Colima instance and fills in its Profile (the
// canonical one, as colima names it) and Dir.
func (e *Env) colimaInstance(inst Instance) (Instance, error) {
	p, ok := colima.ProfileOf(inst.Name)
	if !ok {
		return inst, fmt.Errorf("%w %q: not the instance of a Colima profile (colima or colima-PROFILE)", ErrInvalidName, inst.Name)
	}
	if inst.Profile != "" && colima.InstanceName(inst.Profile) != inst.Name {
		return inst, fmt.Errorf("%w: profile %q is not the one of instance %q", ErrInvalidName, inst.Profile, inst.Name)
	}
	if err := colima.CheckProfile(p); err != nil {
		return inst, err
	}
	inst.Profile = p
	if inst.Dir == "" {
		inst.Dir = filepath.Join(colima.LimaHome(e.colimaHome()), inst.Name)
	}
	return inst, nil
}

// colimaJobProblems checks what a job for a Colima profile runs and with
// which environment, against what LimaBar writes now: `colima start
// --foreground --profile P` with the colima found, a PATH, COLIMA_HOME
// when it is not ~/.colima, and the profile's folder still there.
func (e *Env) colimaJobProblems(inst Instance, args []string, env map[string]string) []Problem {
	var ps []Problem
	want := launchd.ColimaArgs("colima", inst.Profile)
	if len(args) != len(want) || args[1] != want[1] || args[2] != want[2] || args[3] != want[3] || args[4] != want[4] {
		ps = append(ps, mkProblem(problem.Args, fmt.Sprintf("the job runs %q instead of `colima start --foreground --profile %s`", strings.Join(args, " "), inst.Profile)))
	}
	if len(args) > 0 {
		switch exe := args[0]; {
		case !exists(exe):
			ps = append(ps, mkProblem(problem.ColimaMissing, fmt.Sprintf("the job runs %s, which no longer exists", exe)))
		case e.Colima != "" && exe != e.Colima:
			ps = append(ps, mkProblem(problem.ColimaDiffers, fmt.Sprintf("the job runs %s, not %s (a versioned path breaks when Colima is upgraded)", exe, e.Colima)))
		}
	}
	if env["PATH"] == "" {
		ps = append(ps, mkProblem(problem.PathMissing, "the job has no PATH of its own, so colima cannot find limactl, QEMU or docker"))
	}
	home := e.colimaHome()
	switch g := env["COLIMA_HOME"]; {
	case e.CustomColimaHome() && g == "":
		ps = append(ps, mkProblem(problem.ColimaHomeMissing, fmt.Sprintf("COLIMA_HOME %s is not passed to the job, so colima would look in ~/.colima and make a new VM there", home)))
	case g != "" && filepath.Clean(g) != filepath.Clean(home):
		ps = append(ps, mkProblem(problem.ColimaHomeDiffers, fmt.Sprintf("the job uses COLIMA_HOME %s, not %s", g, home)))
	}
	if _, err := os.Lstat(inst.Dir); errors.Is(err, os.ErrNotExist) {
		ps = append(ps, mkProblem(problem.ProfileMissing, fmt.Sprintf("the profile's folder %s is gone (colima delete?): the job would make a new VM for profile %s", inst.Dir, inst.Profile)))
	}
	return ps
}

// colimaLimaHome is Colima's Lima home, where its profiles' instances are.
func (e *Env) colimaLimaHome() string { return colima.LimaHome(e.colimaHome()) }

// limaJobForProfile says whether the Lima job file at path (Lima's own
// label or unit for the profile's instance name) starts this Colima
// profile's instance: the LIMA_HOME it runs limactl with is Colima's Lima
// home. Such a job runs `limactl start`, skipping Colima's set-up. It is
// told only when the engine knows Colima's home (Env.ColimaHome).
func (e *Env) limaJobForProfile(path string, jobEnv func([]byte) (map[string]string, error)) bool {
	if e.ColimaHome == "" {
		return false
	}
	home := e.jobLimaHome(path, jobEnv)
	return home != "" && filepath.Clean(home) == filepath.Clean(e.colimaLimaHome())
}

// limaJobProblem is the problem of a Lima job that starts a Colima
// profile's instance.
func limaJobProblem(inst Instance, path string) Problem {
	return mkProblem(problem.LimaJob, fmt.Sprintf("%s runs limactl, skipping Colima's set-up (its lima.yaml from colima.yaml, network, runtime, docker context); Repair replaces it with a job that runs colima", path))
}

// brewProblem is the problem of LimaBar's job for a profile that brew
// services starts too.
func brewProblem(path string) Problem {
	return mkProblem(problem.BrewServices, fmt.Sprintf("also started by brew services (%s): two jobs start the VM; Repair leaves only LimaBar's", path))
}

// brewRefusal is Enable's error for a profile brew services starts.
func brewRefusal(inst Instance, path string) error {
	return fmt.Errorf("cannot register %s: %w (%s); LimaBar takes over only when asked to: it then stops brew's job and registers its own (or run `brew services stop colima` first)",
		inst.subject(), ErrBrewServices, path)
}
