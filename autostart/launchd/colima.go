package launchd

import (
	"github.com/limabar/limabar/autostart/colima"
	"github.com/limabar/limabar/autostart/jobenv"
)

// ColimaExitTimeOut is the seconds launchd gives a Colima job between
// SIGTERM and SIGKILL. The job is `colima start --foreground`, which on
// SIGTERM runs a whole `colima stop` itself before it exits (colima
// v0.10.1 cmd/start.go, awaitForInterruption, then app.Stop in
// app/app.go): it stops the container runtime in the guest (`systemctl
// stop docker.service`, up to systemd's default of 90 s in the guest),
// on macOS its network daemon (up to 10 tries a second apart,
// environment/vm/lima/lima.go Stop), then `limactl stop`, which waits up
// to 3 min 10 s for the host agent to power QEMU off (Lima's
// pkg/instance/stop.go, waitForHostAgentTermination). That is 290 s;
// 360 s leaves more than a minute for the SSH round trips around them.
const ColimaExitTimeOut = 360

// ColimaParams are the facts of a job that starts a Colima profile.
type ColimaParams struct {
	Profile     string // the profile, already checked (colima.CheckProfile)
	InstanceDir string // COLIMA_HOME/_lima/colima-P: the working folder and the logs
	Colima      string // absolute, unresolved path of colima
	Limactl     string // limactl as found, for PATH only ("" when not found)
	Home        string // the user's home
	ColimaHome  string // set only when not the default ~/.colima
	User        string // the user the daemon runs as (daemon only)
}

// Check refuses parameters that a plist cannot carry unchanged, naming
// the value (see Params.Check).
func (p ColimaParams) Check() error {
	return checkValues([]value{
		{"the profile name", p.Profile},
		{"the colima path", p.Colima},
		{"the limactl path", p.Limactl},
		{"the home folder", p.Home},
		{"the COLIMA_HOME path", p.ColimaHome},
		{"the instance folder", p.InstanceDir},
		{"the user name", p.User},
	})
}

// ColimaArgs is what a Colima job runs: `colima start --foreground
// --profile P`. Colima's own start (not `limactl start`) regenerates the
// instance's lima.yaml from colima.yaml and sets up its network, runtime
// and docker context; --foreground keeps it as the job's process, so the
// job lives as long as the VM.
func ColimaArgs(colimaPath, profile string) []string {
	return []string{colimaPath, "start", "--foreground", "--profile", profile}
}

// ColimaAgent is LimaBar's LaunchAgent that starts a Colima profile at
// login: the Lima agent's keys (RunAtLoad, KeepAlive on failure only,
// ProcessType Interactive, the logs in the instance folder, which the
// health reader and the watcher read as for a Lima instance) with
// colima's command, its stop time, and its environment.
func ColimaAgent(p ColimaParams) Job {
	return agentJob(colima.AgentLabel(p.Profile), ColimaArgs(p.Colima, p.Profile),
		p.InstanceDir, ColimaExitTimeOut, colimaEnv(p, false))
}

// ColimaDaemon is LimaBar's LaunchDaemon that starts a Colima profile at
// boot as p.User, without log paths for the reason Daemon gives.
func ColimaDaemon(p ColimaParams) Job {
	return daemonJob(ColimaAgent(p), colima.DaemonLabel(p.Profile), p.User, colimaEnv(p, true))
}

// colimaEnv is a Colima job's environment: PATH (colima, limactl, QEMU and
// docker), HOME, COLIMA_HOME when it is not ~/.colima (colima v0.10.1
// config/files.go reads COLIMA_HOME, else ~/.colima), and USER for a
// daemon. No LIMA_HOME: colima sets it for every limactl it runs
// (environment/vm/lima/limautil/limautil.go, Limactl).
func colimaEnv(p ColimaParams, daemon bool) map[string]string {
	return jobEnv(jobenv.ColimaPATH(p.Colima, p.Limactl), p.Home, "COLIMA_HOME", p.ColimaHome, p.User, daemon)
}
