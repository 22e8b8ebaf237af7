package health

import (
	"strconv"
	"strings"
)

// Job is what `launchctl print DOMAIN/LABEL` says about a job: the
// top-level "key = value" lines of its block.
type Job struct {
	State string // "running", "not running", "spawn scheduled", "waiting", …
	PID   int
	Runs  int
	// LastExit is the last exit code; Exited is false while the job has
	// never exited ("(never exited)").
	LastExit int
	Exited   bool
}

// ParsePrint reads the top level of `launchctl print` of one job. Nested
// blocks (environment, endpoints, …) are skipped: their keys are not the
// job's. The format is not a stable interface; what it cannot read it
// leaves at zero.
func ParsePrint(out string) Job {
	var j Job
	depth := 0
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasSuffix(t, "{") {
			depth++
			continue
		}
		if t == "}" {
			depth--
			continue
		}
		if depth != 1 {
			continue
		}
		key, val, ok := strings.Cut(t, " = ")
		if !ok {
			continue
		}
		switch key {
		case "state":
			j.State = val
		case "pid":
			j.PID, _ = strconv.Atoi(val)
		case "runs":
			j.Runs, _ = strconv.Atoi(val)
		case "last exit code":
			if n, err := strconv.Atoi(val); err == nil {
				j.LastExit, j.Exited = n, true
			}
		}
	}
	return j
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
func FromJob(j Job) Health {
	h := Health{Restarts: max(j.Runs-1, 0)}
	if j.Exited {
		h.ExitCode = j.LastExit
	}
	switch {
	case j.State == "running":
		h.State = Running
	case j.Exited && j.LastExit != 0 && j.Runs > 1:
		h.State = Failing
		h.Restarting = j.State == "spawn scheduled" && j.Runs < crashLoopRuns
	case j.Exited && j.LastExit != 0:
		h.State = Failed
	case j.State != "":
		h.State = Stopped
	default:
		h.State = Unknown
	}
	return h
}
