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
	ExitTimeOut                 int               `plist:"ExitTimeOut,omitempty"`
	KeepAlive                   *KeepAlive        `plist:"KeepAlive,omitempty"`
	UserName                    string            `plist:"UserName,omitempty"`
	EnvironmentVariables        map[string]string `plist:"EnvironmentVariables,omitempty"`
	AssociatedBundleIdentifiers []string          `plist:"AssociatedBundleIdentifiers,omitempty"`
}

// ProcessType is what LimaBar's jobs say: launchd.plist(5) gives
// Background jobs CPU and I/O limits, and an unset or Standard type still
// "light resource limits", and every child (QEMU) inherits them; on Apple
// silicon a background process runs on the efficiency cores. A VM started
// at login must run as fast as one started from a terminal. limactl writes
// Background.
const ProcessType = "Interactive"

// ExitTimeOut is the seconds launchd waits after SIGTERM before it sends
// SIGKILL (launchd.plist(5)). The current man page calls the default
// "system-defined"; `launchctl print` of jobs that set none shows `exit
// timeout = 5` (testdata/corpus: print-user-resticprofile.txt, macOS 13+;
// print-system-wazuh-mojave.txt, 10.14), not the 20 of the old man page.
// The job is Lima's host agent,
// which on SIGTERM powers the guest off and gives QEMU three minutes to do
// so (shutdownQEMU in Lima's pkg/driver/qemu/qemu_driver.go); 210 s leaves
// it that window and half a minute more. limactl writes none.
const ExitTimeOut = 210

// KeepAlive is the plist key as a dictionary. SuccessfulExit false makes
// launchd start the job again only after it exited unsuccessfully (a crash,
// a non-zero exit), as Lima's own `limactl autostart enable --keep-alive`
// writes it (lima-vm/lima PR #5086): a VM the user stopped stays stopped.
// Crashed is kept for reading: other writers use it.
type KeepAlive struct {
	// Always is KeepAlive written as a plain boolean (<true/>, <false/>).
	Always *bool `plist:"-"`
	// SuccessfulExit: nil when absent from the dictionary.
	SuccessfulExit *bool `plist:"SuccessfulExit,omitempty"`
	Crashed        *bool `plist:"Crashed,omitempty"`
}

// keepAliveDict is KeepAlive's dictionary form, for encoding and decoding
// without recursion into the methods below.
type keepAliveDict struct {
	SuccessfulExit *bool `plist:"SuccessfulExit,omitempty"`
	Crashed        *bool `plist:"Crashed,omitempty"`
}

// MarshalPlist writes a boolean KeepAlive as a boolean, any other as a
// dictionary.
func (k *KeepAlive) MarshalPlist() (any, error) {
	if k.Always != nil {
		return *k.Always, nil
	}
	return keepAliveDict{SuccessfulExit: k.SuccessfulExit, Crashed: k.Crashed}, nil
}

// UnmarshalPlist reads KeepAlive in either form launchd.plist(5) allows.
func (k *KeepAlive) UnmarshalPlist(unmarshal func(any) error) error {
	var b bool
	if err := unmarshal(&b); err == nil {
		*k = KeepAlive{Always: &b}
		return nil
	}
	var d keepAliveDict
	if err := unmarshal(&d); err != nil {
		return err
	}
	*k = KeepAlive{SuccessfulExit: d.SuccessfulExit, Crashed: d.Crashed}
	return nil
}

// RestartsOnFailureOnly says whether the KeepAlive restarts the job after
// an unsuccessful exit and only then.
func (k *KeepAlive) RestartsOnFailureOnly() bool {
	return k != nil && k.Always == nil && k.SuccessfulExit != nil && !*k.SuccessfulExit
}

// keepAliveOnFailure is the KeepAlive LimaBar writes.
func keepAliveOnFailure() *KeepAlive {
	f := false
	return &KeepAlive{SuccessfulExit: &f}
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
	return agentJob(AgentLabel(p.Name), []string{p.Limactl, "start", p.Name, "--foreground"},
		p.InstanceDir, ExitTimeOut, env(p, false))
}

// Daemon is the LaunchDaemon that starts the instance at boot as p.User.
// HOME and USER are set explicitly rather than left to launchd. It has no
// StandardOutPath/StandardErrorPath: launchd opens those as root, and in the
// instance folder, which the user can write, a symbolic link would make root
// write VM output into any file. Lima's own ha.stdout.log and ha.stderr.log
// in the instance folder still record the host agent.
func Daemon(p Params) Job {
	return daemonJob(Agent(p), DaemonLabel(p.Name), p.User, env(p, true))
}

func env(p Params, daemon bool) map[string]string {
	return jobEnv(jobenv.PATH(p.Limactl), p.Home, "LIMA_HOME", p.LimaHome, p.User, daemon)
}

// agentJob is a LaunchAgent of LimaBar's that runs args at load, in the
// instance folder, with its logs there (launchd.stdout.log,
// launchd.stderr.log), ProcessType, KeepAlive on failure only, and the
// given stop time and environment.
func agentJob(label string, args []string, instanceDir string, exitTimeOut int, env map[string]string) Job {
	return Job{
		Label:                       label,
		ProgramArguments:            args,
		RunAtLoad:                   true,
		WorkingDirectory:            instanceDir,
		StandardOutPath:             filepath.Join(instanceDir, "launchd.stdout.log"),
		StandardErrorPath:           filepath.Join(instanceDir, "launchd.stderr.log"),
		ProcessType:                 ProcessType,
		ExitTimeOut:                 exitTimeOut,
		KeepAlive:                   keepAliveOnFailure(),
		EnvironmentVariables:        env,
		AssociatedBundleIdentifiers: []string{BundleID},
	}
}

// daemonJob is agent j as a LaunchDaemon run as user, with the daemon's
// label and environment and without log paths (see Daemon).
func daemonJob(j Job, label, user string, env map[string]string) Job {
	j.Label = label
	j.UserName = user
	j.EnvironmentVariables = env
	j.StandardOutPath, j.StandardErrorPath = "", ""
	return j
}

// jobEnv is a job's environment: PATH, HOME, homeVar (LIMA_HOME or
// COLIMA_HOME) when homeVal is set, and USER for a daemon.
func jobEnv(path, home, homeVar, homeVal, user string, daemon bool) map[string]string {
	e := map[string]string{
		"PATH": path,
		"HOME": home,
	}
	if homeVal != "" {
		e[homeVar] = homeVal
	}
	if daemon {
		e["USER"] = user
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
