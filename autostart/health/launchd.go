package health

import (
	"strconv"

	"github.com/limabar/limabar/autostart/launchd"
)

// Job is what `launchctl print DOMAIN/LABEL` says about a job: the
// top-level "key = value" lines of its block, as launchd.ParsePrint reads
// them.
type Job struct {
	State string // "running", "not running", "spawn scheduled", "waiting", …
	PID   int
	Runs  int
	// LastExit is the last exit code; Exited is false while the job has
	// never exited ("(never exited)") or was ended by a signal.
	LastExit int
	Exited   bool
	// Signal is the signal that ended the last run ("last terminating
	// signal = Killed: 9"), 0 when none.
	Signal int
}

// ParsePrint reads `launchctl print` of one job with launchd.ParsePrint.
func ParsePrint(out string) Job {
	return JobOf(launchd.ParsePrint([]byte(out)))
}

// JobOf is the Job of what launchd.ParsePrint read.
func JobOf(p launchd.PrintInfo) Job {
	return Job{State: p.State, PID: p.PID, Runs: p.Runs, LastExit: p.ExitCode, Exited: p.Exited, Signal: p.Signal}
}

// signalNames are the signals a job's run ends by, as Go and kill(1) name
// them (sys/signal.h on macOS).
var signalNames = map[int]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
	8: "SIGFPE", 9: "SIGKILL", 10: "SIGBUS", 11: "SIGSEGV", 12: "SIGSYS", 13: "SIGPIPE",
	14: "SIGALRM", 15: "SIGTERM", 30: "SIGUSR1", 31: "SIGUSR2",
}

// SignalName names signal n: "SIGKILL", or "signal 42".
func SignalName(n int) string {
	if s, ok := signalNames[n]; ok {
		return s
	}
	return "signal " + strconv.Itoa(n)
}

// crashLoopRuns is how many failed runs of a launchd job make a crash loop.
const crashLoopRuns = 3

// FromJob turns a launchd job into Health. launchd keeps a KeepAlive job
// ({SuccessfulExit false}) that exits non-zero coming back every ten
// seconds (its throttle interval) for ever, so a job that failed after
// more than one run is Failing; one run that failed is Failed. launchd has
// no start limit: while a respawn waits ("spawn scheduled") the job is
// Restarting, not notified yet, only for its first crashLoopRuns runs;
// after that it is a crash loop, told to the user, who can Stop Retrying.
// A run ended by a signal failed too ("last terminating signal = Killed:
// 9", launchd prints no exit code then): its Reason says "killed by
// SIGKILL".
func FromJob(j Job) Health {
	h := Health{Restarts: max(j.Runs-1, 0)}
	if j.Exited {
		h.ExitCode = j.LastExit
	}
	failed := (j.Exited && j.LastExit != 0) || j.Signal != 0
	if j.Signal != 0 {
		h.Signal = j.Signal
		h.Reason = "killed by " + SignalName(j.Signal)
	}
	switch {
	case j.State == "running":
		h.State = Running
		h.Reason, h.Signal = "", 0
	case failed && j.Runs > 1:
		h.State = Failing
		h.Restarting = j.State == "spawn scheduled" && j.Runs < crashLoopRuns
	case failed:
		h.State = Failed
	case j.State != "":
		h.State = Stopped
	default:
		h.State = Unknown
	}
	return h
}
