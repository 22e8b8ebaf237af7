package autostart

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/systemd"
)

// Registration is one registration file found in the folders where limactl
// and LimaBar write them, whatever instance it names.
type Registration struct {
	// Name is the instance the file starts, from the file's name.
	Name      string    `json:"name"`
	Condition Condition `json:"condition"`
	Path      string    `json:"path"`
	// OtherLimaHome is set when the job passes a LIMA_HOME other than the
	// engine's and that LIMA_HOME holds the instance (its lima.yaml): the
	// job starts an instance that exists, although the limactl of this
	// LIMA_HOME does not list it. It is empty otherwise.
	OtherLimaHome string `json:"otherLimaHome,omitempty"`
	// Unverified, when set, says why it cannot be told whether the
	// instance still exists: the job's LIMA_HOME cannot be read (a volume
	// that is not mounted, a folder without permission), cannot be
	// resolved (%h in a unit), or the job file itself cannot be read. Such
	// a registration must not be taken for one whose instance is gone.
	Unverified string `json:"unverified,omitempty"`
	// Tool is ToolColima for LimaBar's job of a Colima profile (Name is
	// then the profile's instance, colima or colima-P, and Profile the
	// profile; OtherLimaHome and Unverified speak of the Lima home of the
	// COLIMA_HOME the job passes), empty for a Lima job.
	Tool    Tool   `json:"tool,omitempty"`
	Profile string `json:"profile,omitempty"`
}

// Instance is the instance the registration starts, as Status, Disable
// and Repair take it.
func (r Registration) Instance() Instance {
	return Instance{Name: r.Name, Tool: r.Tool, Profile: r.Profile}
}

// Registered lists, by instance name, every registration in the
// LaunchAgents folder, the LaunchDaemons folder (this account's daemons
// only) and the systemd user unit folder, by the file names limactl uses.
// Status reads the registrations of the instances limactl lists; this
// finds the ones whose instance is gone (deleted by an old Lima's
// `limactl delete`, which left them, or its folder removed by hand), which
// launchd or systemd would still try to start at every login or boot.
// Files whose name holds no valid instance name are not Lima's and are
// left out, as are the temporary files of a write in progress.
func (m *Manager) Registered(ctx context.Context) ([]Registration, error) {
	regs, err := m.backend.registered(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to list the autostart registrations: %w", err)
	}
	// By instance, then boot before login ("boot" < "login"): boot is the
	// removal that may be cancelled at the administrator prompt, and then
	// nothing has changed yet.
	slices.SortFunc(regs, func(a, b Registration) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Condition, b.Condition))
	})
	return regs, nil
}

// registrationNames lists the instance names of the files in dir named
// PREFIX+NAME+SUFFIX. A folder that does not exist holds none. Temporary
// files of an atomic write (".FILE.tmp-N") do not match, as they start
// with a dot and end otherwise.
func registrationNames(dir, prefix, suffix string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		file := e.Name()
		if e.IsDir() || !strings.HasPrefix(file, prefix) || !strings.HasSuffix(file, suffix) || len(file) < len(prefix)+len(suffix) {
			continue
		}
		name := file[len(prefix) : len(file)-len(suffix)]
		if ValidateName(name) != nil {
			continue
		}
		names = append(names, name)
	}
	return names, nil
}

// locate says where the job's instance is. other is limaHome when that is
// not the engine's LIMA_HOME and holds the instance (its lima.yaml).
// unverified says why it cannot be told whether the instance exists; it is
// empty when limaHome was read and the instance is either there or
// verifiably not. Only a LIMA_HOME that could be read and lacks the
// instance's folder means the instance is gone: a missing or unreadable
// LIMA_HOME (an external volume not mounted) proves nothing.
func (e *Env) locate(limaHome, name string) (other, unverified string) {
	switch {
	case limaHome == "":
		return "", "its job file cannot be read, so the LIMA_HOME it uses is unknown"
	case !filepath.IsAbs(limaHome):
		return "", fmt.Sprintf("its LIMA_HOME %q is not an absolute path", limaHome)
	}
	if _, err := os.ReadDir(limaHome); err != nil {
		return "", fmt.Sprintf("its LIMA_HOME %s cannot be read: %v", limaHome, err)
	}
	dir := filepath.Join(limaHome, name)
	switch _, err := os.Lstat(dir); {
	case errors.Is(err, os.ErrNotExist):
		return "", ""
	case err != nil:
		return "", fmt.Sprintf("its folder %s cannot be read: %v", dir, err)
	}
	if filepath.Clean(limaHome) != filepath.Clean(e.LimaHome) && exists(filepath.Join(dir, "lima.yaml")) {
		return limaHome, ""
	}
	if filepath.Clean(limaHome) == filepath.Clean(e.LimaHome) {
		// The folder is there although limactl may not list it: not
		// gone, whatever limactl says.
		return "", fmt.Sprintf("its folder %s still exists", dir)
	}
	return "", ""
}

// registration is the Registration of the job file at path. jobEnv reads
// the environment the job gives limactl from the file's bytes.
func (e *Env) registration(name string, cond Condition, path string, jobEnv func([]byte) (map[string]string, error)) Registration {
	r := Registration{Name: name, Condition: cond, Path: path}
	r.OtherLimaHome, r.Unverified = e.locate(e.jobLimaHome(path, jobEnv), name)
	return r
}

// jobLimaHome is the LIMA_HOME the job at path runs limactl with: the one
// it passes, or ~/.lima of the HOME it sets, or of the user. A file that
// cannot be read names none.
func (e *Env) jobLimaHome(path string, jobEnv func([]byte) (map[string]string, error)) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	env, err := jobEnv(data)
	switch {
	case err != nil:
		return ""
	case env["LIMA_HOME"] != "":
		return env["LIMA_HOME"]
	case env["HOME"] != "":
		return filepath.Join(env["HOME"], ".lima")
	}
	return e.DefaultLimaHome()
}

// plistEnv is the EnvironmentVariables of a launchd job.
func plistEnv(data []byte) (map[string]string, error) {
	job, err := launchd.Decode(data)
	return job.EnvironmentVariables, err
}

// unitEnv is the Environment= of a systemd unit.
func unitEnv(data []byte) (map[string]string, error) {
	f, err := systemd.Parse(data)
	if err != nil {
		return nil, err
	}
	info, err := systemd.Inspect(f)
	return info.Environment, err
}

func (b *launchdBackend) registered(context.Context) ([]Registration, error) {
	var out []Registration
	agents, err := registrationNames(b.env.LaunchAgentsDir(), launchd.AgentLabel(""), ".plist")
	if err != nil {
		return nil, err
	}
	for _, name := range agents {
		path := b.agentPath(Instance{Name: name})
		out = append(out, b.env.registration(name, Login, path, plistEnv))
	}
	daemons, err := registrationNames(b.env.LaunchDaemonsDir, launchd.DaemonLabel(""), ".plist")
	if err != nil {
		return nil, err
	}
	for _, name := range daemons {
		// Another account's daemon starts an instance of that account's
		// LIMA_HOME, which the limactl of this one never lists. It is
		// not this account's registration, with Admin too: root lists
		// the instances of the account it acts for.
		if owner := b.daemonAccount(Instance{Name: name}); owner != "" && owner != b.env.User {
			continue
		}
		path := b.daemonPath(Instance{Name: name})
		out = append(out, b.env.registration(name, Boot, path, plistEnv))
	}
	profiles, err := registrationNames(b.env.LaunchAgentsDir(), colima.AgentLabel(""), ".plist")
	if err != nil {
		return nil, err
	}
	for _, p := range profiles {
		inst := colimaRegInstance(p)
		out = append(out, b.env.colimaRegistration(inst, Login, b.agentPath(inst), plistEnv))
	}
	profiles, err = registrationNames(b.env.LaunchDaemonsDir, colima.DaemonLabel(""), ".plist")
	if err != nil {
		return nil, err
	}
	for _, p := range profiles {
		inst := colimaRegInstance(p)
		if owner := b.daemonAccount(inst); owner != "" && owner != b.env.User {
			continue
		}
		out = append(out, b.env.colimaRegistration(inst, Boot, b.daemonPath(inst), plistEnv))
	}
	return out, nil
}

// colimaRegInstance is the Colima instance of a profile named by a job
// file.
func colimaRegInstance(profile string) Instance {
	return Instance{Name: colima.InstanceName(profile), Tool: ToolColima, Profile: profile}
}

// colimaRegistration is the Registration of LimaBar's job for a Colima
// profile: whether the profile's instance is still in the Lima home of the
// COLIMA_HOME the job passes (or ~/.colima of its HOME), as locate tells
// it for a Lima job. An instance of the engine's own COLIMA_HOME whose
// folder is there is not gone.
func (e *Env) colimaRegistration(inst Instance, cond Condition, path string, jobEnv func([]byte) (map[string]string, error)) Registration {
	r := Registration{Name: inst.Name, Condition: cond, Path: path, Tool: ToolColima, Profile: inst.Profile}
	data, err := os.ReadFile(path)
	var env map[string]string
	if err == nil {
		env, err = jobEnv(data)
	}
	if err != nil {
		r.Unverified = "its job file cannot be read, so the COLIMA_HOME it uses is unknown"
		return r
	}
	home := env["COLIMA_HOME"]
	switch {
	case home == "" && env["HOME"] != "":
		home = colima.DefaultHome(env["HOME"])
	case home == "":
		home = colima.DefaultHome(e.Home)
	}
	limaHome := colima.LimaHome(home)
	if !filepath.IsAbs(limaHome) {
		r.Unverified = fmt.Sprintf("its COLIMA_HOME %q is not an absolute path", home)
		return r
	}
	if _, err := os.ReadDir(limaHome); err != nil {
		r.Unverified = fmt.Sprintf("its COLIMA_HOME %s cannot be read: %v", home, err)
		return r
	}
	dir := filepath.Join(limaHome, inst.Name)
	switch _, err := os.Lstat(dir); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		r.Unverified = fmt.Sprintf("its folder %s cannot be read: %v", dir, err)
	case filepath.Clean(home) == filepath.Clean(e.colimaHome()):
		r.Unverified = fmt.Sprintf("its folder %s still exists", dir)
	default:
		r.OtherLimaHome = limaHome
	}
	return r
}

func (b *systemdBackend) registered(context.Context) ([]Registration, error) {
	names, err := registrationNames(b.env.UnitDir(), "lima-vm@", ".service")
	if err != nil {
		return nil, err
	}
	// Lingering makes every unit start at boot, as Status says.
	cond := Login
	if b.lingering() {
		cond = Boot
	}
	var out []Registration
	for _, name := range names {
		path := b.unitPath(Instance{Name: name})
		out = append(out, b.env.registration(name, cond, path, unitEnv))
	}
	profiles, err := registrationNames(b.env.UnitDir(), strings.TrimSuffix(colima.UnitName(""), ".service"), ".service")
	if err != nil {
		return nil, err
	}
	for _, p := range profiles {
		inst := colimaRegInstance(p)
		out = append(out, b.env.colimaRegistration(inst, cond, b.unitPath(inst), unitEnv))
	}
	return out, nil
}
