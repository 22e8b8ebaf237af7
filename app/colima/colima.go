// Package colima lists Colima's profiles and starts, stops and opens them
// through colima, the way Colima needs: each profile is a Lima instance in
// Colima's own Lima home (COLIMA_HOME/_lima), but it must be started by
// `colima start --profile P`, never by `limactl start`, which would skip
// everything Colima does around the VM (lima.yaml made from colima.yaml, its
// network helper, the runtime and the docker context).
//
// Listing needs no colima at all and no VM: `limactl list --json` with
// LIMA_HOME set to Colima's Lima home says the status of every profile, as
// for Lima's own instances, and the runtime is in the profile's colima.yaml.
// `colima list --json` would say less (no folder, no errors, the runtime of
// running profiles only) and asks a running VM for its address over SSH
// (colima v0.10.1 environment/vm/lima/limautil/instance.go, Instances).
package colima

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/limabar/limabar/app/lima"
	names "github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/runner"
)

// ErrNoColima means no colima was found anywhere LimaBar looks.
var ErrNoColima = errors.New("colima was not found: install Colima (https://github.com/abiosoft/colima#installation)")

// Profile is one Colima profile: the Lima instance Colima keeps for it, as
// limactl lists it, with the profile's name and container runtime.
type Profile struct {
	lima.Instance
	// Profile is "default" for the instance "colima", P for "colima-P".
	Profile string
	// Runtime is docker, containerd or incus (with "+k3s" when Kubernetes
	// is on), as colima.yaml says; "" when it says none of these.
	Runtime string
}

// Client lists Colima's profiles with limactl and runs colima for them.
type Client struct {
	// Colima is the colima found, "" when none.
	Colima string
	// Home is the COLIMA_HOME in use; its Lima home is Home/_lima.
	Home string
	// Limactl runs limactl on Colima's Lima home (its runner sets
	// LIMA_HOME to LimaHome(Home)).
	Limactl *lima.Client
	// Runner runs colima, with COLIMA_HOME set to Home and without any
	// LIMA_HOME (colima obeys one, which would be Lima's, not its own).
	Runner runner.Runner
}

// LimaHome is the Lima home Colima keeps its profiles' instances in.
func (c *Client) LimaHome() string { return names.LimaHome(c.Home) }

// Exists reports whether Colima's Lima home is there: without it Colima
// has no profiles and the menu shows no Colima group.
func (c *Client) Exists() bool {
	if c == nil || c.Home == "" {
		return false
	}
	fi, err := os.Stat(c.LimaHome())
	return err == nil && fi.IsDir()
}

// List lists the profiles: the instances of Colima's Lima home whose names
// Colima made ("colima", "colima-P"), as Colima itself keeps to them.
func (c *Client) List(ctx context.Context) ([]Profile, error) {
	list, err := c.Limactl.List(ctx)
	if err != nil {
		return nil, err
	}
	return Profiles(list, c.Home), nil
}

// Profiles keeps the instances of list that are Colima's profiles, with
// their runtime read from home.
func Profiles(list []lima.Instance, home string) []Profile {
	var out []Profile
	for _, in := range list {
		p, ok := names.ProfileOf(in.Name)
		if !ok {
			continue
		}
		if in.Dir == "" {
			in.Dir = filepath.Join(names.LimaHome(home), in.Name)
		}
		out = append(out, Profile{Instance: in, Profile: p, Runtime: Runtime(in.Dir, home, p)})
	}
	return out
}

// ByFolder lists the profiles from the folders of Colima's Lima home,
// without limactl (which refuses to run as root): each instance folder
// holding a lima.yaml, status unknown.
func ByFolder(home string) ([]Profile, error) {
	entries, err := os.ReadDir(names.LimaHome(home))
	if err != nil {
		return nil, err
	}
	var list []lima.Instance
	for _, e := range entries {
		dir := filepath.Join(names.LimaHome(home), e.Name())
		if _, err := os.Stat(filepath.Join(dir, "lima.yaml")); err == nil {
			list = append(list, lima.Instance{Name: e.Name(), Dir: dir})
		}
	}
	return Profiles(list, home), nil
}

// ConfigFile is the name of Colima's configuration file.
const ConfigFile = "colima.yaml"

// Runtime is the runtime of profile: what colima.yaml in the instance
// folder dir says, which colima writes at every start and `colima list`
// reports (colima v0.10.1 config/profile.go StateFile, and
// limautil.getRuntime), else what the profile's own colima.yaml in home
// says, which its next start uses (Profile.File).
func Runtime(dir, home, profile string) string {
	for _, f := range []string{
		filepath.Join(dir, ConfigFile),
		filepath.Join(home, shortName(profile), ConfigFile),
	} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		return ParseRuntime(data)
	}
	return ""
}

// shortName is the folder of a profile's configuration in COLIMA_HOME:
// the profile's name, "default" for the default one (Profile.ConfigDir).
func shortName(profile string) string {
	if profile == "" || profile == "colima" {
		return names.DefaultProfile
	}
	return profile
}

// ParseRuntime reads the runtime out of a colima.yaml as colima writes it
// (from its embedded defaults/colima.yaml, top-level keys at column 0):
// `runtime:` docker, containerd, incus or none, with "+k3s" when the
// `kubernetes:` block says `enabled: true`, as limautil.getRuntime does.
func ParseRuntime(data []byte) string {
	var rt string
	k8s, inK8s := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			key, val, _ := strings.Cut(line, ":")
			inK8s = key == "kubernetes"
			if key == "runtime" {
				rt = yamlWord(val)
			}
			continue
		}
		if inK8s {
			key, val, _ := strings.Cut(strings.TrimSpace(line), ":")
			if key == "enabled" && yamlWord(val) == "true" {
				k8s = true
			}
		}
	}
	switch rt {
	case "docker", "containerd", "incus":
	case "none":
		return "none"
	default:
		return ""
	}
	if k8s {
		rt += "+k3s"
	}
	return rt
}

// yamlWord is a plain scalar's value: without a trailing comment or quotes.
func yamlWord(v string) string {
	v, _, _ = strings.Cut(v, " #")
	return strings.Trim(strings.TrimSpace(v), `"'`)
}

// Start starts a profile: `colima start --profile P`, which makes Colima
// set the VM up as it needs.
func (c *Client) Start(ctx context.Context, profile string) error {
	return c.do(ctx, profile, "start")
}

// Stop stops a profile: `colima stop --profile P`.
func (c *Client) Stop(ctx context.Context, profile string) error {
	return c.do(ctx, profile, "stop")
}

// Restart restarts a profile: `colima restart --profile P`.
func (c *Client) Restart(ctx context.Context, profile string) error {
	return c.do(ctx, profile, "restart")
}

func (c *Client) do(ctx context.Context, profile, verb string) error {
	if err := names.CheckProfile(profile); err != nil {
		return err
	}
	if c.Colima == "" {
		return ErrNoColima
	}
	// Starting a VM takes minutes; only listing is bounded tightly.
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	if _, err := c.Runner.Run(ctx, c.Colima, verb, "--profile", profile); err != nil {
		return fmt.Errorf("failed to %s Colima profile %q: %w", verb, profile, Reason(err))
	}
	return nil
}

// Reason is err with the message of colima's own fatal line in place of
// its whole stderr when there is one: colima logs with logrus, one
// `level=fatal msg="…"` line at the end (after what limactl logged), and
// that line is why.
func Reason(err error) error {
	var re *runner.Error
	if !errors.As(err, &re) || len(re.Stderr) == 0 {
		return err
	}
	if msg := FatalMessage([]byte(re.Stderr)); msg != "" {
		return fmt.Errorf("%s (%w)", msg, re.Err)
	}
	return err
}

// FatalMessage is the msg of the last `level=fatal` line colima (logrus's
// text format) printed, "" when there is none.
func FatalMessage(stderr []byte) string {
	var msg string
	for _, line := range strings.Split(string(stderr), "\n") {
		if !strings.Contains(line, "level=fatal") {
			continue
		}
		if m := lima.LogFields(line)["msg"]; m != "" {
			msg = m
		}
	}
	return msg
}

// ShellArgv is the command that opens a shell in profile: `colima ssh
// --profile P`, with the COLIMA_HOME in use (a terminal opened from a GUI
// app does not have the shell's environment) and without LIMA_HOME.
func ShellArgv(colima, home, profile string) []string {
	if colima == "" {
		colima = "colima"
	}
	argv := []string{"/usr/bin/env", "-u", "LIMA_HOME"}
	if home != "" {
		argv = append(argv, "COLIMA_HOME="+home)
	}
	return append(argv, colima, "ssh", "--profile", profile)
}

// Environ is the environment colima runs with: base without LIMA_HOME
// (colima would take it for its own Lima home), COLIMA_HOME=home (colima
// obeys a COLIMA_HOME that exists before its own defaults, v0.10.1
// config/files.go), and limactl's folder first on PATH (colima runs
// `limactl` by name).
func Environ(base []string, home, limactl string) []string {
	env := make([]string, 0, len(base)+2)
	path := ""
	for _, kv := range base {
		switch {
		case strings.HasPrefix(kv, "LIMA_HOME="), strings.HasPrefix(kv, "COLIMA_HOME="):
			continue
		case strings.HasPrefix(kv, "PATH="):
			path = strings.TrimPrefix(kv, "PATH=")
			continue
		}
		env = append(env, kv)
	}
	if limactl != "" {
		dir := filepath.Dir(limactl)
		if !pathHas(path, dir) {
			if path == "" {
				path = dir
			} else {
				path = dir + string(os.PathListSeparator) + path
			}
		}
	}
	if path != "" {
		env = append(env, "PATH="+path)
	}
	if home != "" {
		env = append(env, "COLIMA_HOME="+home)
	}
	return env
}

func pathHas(path, dir string) bool {
	for _, p := range filepath.SplitList(path) {
		if filepath.Clean(p) == filepath.Clean(dir) {
			return true
		}
	}
	return false
}
