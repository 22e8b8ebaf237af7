// Package launchd builds and reads the launchd jobs that start a Lima
// instance on macOS: the LaunchAgent for login and the LaunchDaemon for boot,
// with the same paths and labels as limactl. Jobs are Go values encoded with
// howett.net/plist, so no path can break the XML. It also parses launchctl's
// output. Nothing here runs a command or has a build tag: it is tested on
// Linux.
package launchd

import (
	"bytes"
	"fmt"
	"path/filepath"

	"howett.net/plist"

	"github.com/limabar/limabar/autostart/jobenv"
)

// BundleID is LimaBar's bundle identifier. Naming it in
// AssociatedBundleIdentifiers makes macOS 13+ show the job under LimaBar in
// Login Items instead of "Item from unidentified developer".
const BundleID = "io.github.limabar"

// AgentLabel is the label limactl uses for the login job.
func AgentLabel(name string) string { return "io.lima-vm.autostart." + name }

// DaemonLabel is the label of the boot job.
func DaemonLabel(name string) string { return "io.lima-vm.daemon." + name }

// PlistPath is DIR/LABEL.plist.
func PlistPath(dir, label string) string { return filepath.Join(dir, label+".plist") }

// Job is a launchd job as LimaBar writes and reads it. The encoder writes
// the keys sorted, as plutil does.
type Job struct {
	Label                       string            `plist:"Label"`
	ProgramArguments            []string          `plist:"ProgramArguments"`
	RunAtLoad                   bool              `plist:"RunAtLoad"`
	WorkingDirectory            string            `plist:"WorkingDirectory,omitempty"`
	StandardOutPath             string            `plist:"StandardOutPath,omitempty"`
	StandardErrorPath           string            `plist:"StandardErrorPath,omitempty"`
	ProcessType                 string            `plist:"ProcessType,omitempty"`
	UserName                    string            `plist:"UserName,omitempty"`
	EnvironmentVariables        map[string]string `plist:"EnvironmentVariables,omitempty"`
	AssociatedBundleIdentifiers []string          `plist:"AssociatedBundleIdentifiers,omitempty"`
}

// Params are the facts a job is built from.
type Params struct {
	Name        string // instance name, already validated
	InstanceDir string // LIMA_HOME/NAME
	Limactl     string // absolute, unresolved path of limactl
	Home        string // the user's home
	LimaHome    string // set only when not the default ~/.lima
	User        string // the user the daemon runs as (daemon only)
}

// Agent is the LaunchAgent that starts the instance at login.
func Agent(p Params) Job {
	return Job{
		Label:                       AgentLabel(p.Name),
		ProgramArguments:            []string{p.Limactl, "start", p.Name, "--foreground"},
		RunAtLoad:                   true,
		WorkingDirectory:            p.InstanceDir,
		StandardOutPath:             filepath.Join(p.InstanceDir, "launchd.stdout.log"),
		StandardErrorPath:           filepath.Join(p.InstanceDir, "launchd.stderr.log"),
		ProcessType:                 "Background",
		EnvironmentVariables:        env(p, false),
		AssociatedBundleIdentifiers: []string{BundleID},
	}
}

// Daemon is the LaunchDaemon that starts the instance at boot as p.User.
// HOME and USER are set explicitly rather than left to launchd. It has no
// StandardOutPath/StandardErrorPath: launchd opens those as root, and in the
// instance folder, which the user can write, a symbolic link would make root
// write VM output into any file. Lima's own ha.stdout.log and ha.stderr.log
// in the instance folder still record the host agent.
func Daemon(p Params) Job {
	j := Agent(p)
	j.Label = DaemonLabel(p.Name)
	j.UserName = p.User
	j.EnvironmentVariables = env(p, true)
	j.StandardOutPath, j.StandardErrorPath = "", ""
	return j
}

func env(p Params, daemon bool) map[string]string {
	e := map[string]string{
		"PATH": jobenv.PATH(p.Limactl),
		"HOME": p.Home,
	}
	if p.LimaHome != "" {
		e["LIMA_HOME"] = p.LimaHome
	}
	if daemon {
		e["USER"] = p.User
	}
	return e
}

// Encode writes the job as an XML plist. It refuses a job holding a
// string XML cannot carry (see Params.Check) rather than write one that
// names other paths.
func Encode(j Job) ([]byte, error) {
	if err := checkJob(j); err != nil {
		return nil, fmt.Errorf("encode plist for %q: %w", j.Label, err)
	}
	data, err := EncodeXML(j)
	if err != nil {
		return nil, fmt.Errorf("encode plist for %s: %w", j.Label, err)
	}
	return data, nil
}

// EncodeXML is the one way LimaBar writes a plist: XML, keys sorted and
// indented with tabs as plutil writes them, ending with a line feed. v is
// a struct with plist tags.
func EncodeXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := plist.NewEncoderForFormat(&buf, plist.XMLFormat)
	enc.Indent("\t")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// Decode reads a job from any plist format launchd accepts (XML, binary,
// OpenStep).
func Decode(data []byte) (Job, error) {
	var j Job
	if _, err := plist.Unmarshal(data, &j); err != nil {
		return Job{}, err
	}
	if j.Label == "" {
		return Job{}, fmt.Errorf("no Label")
	}
	return j, nil
}
