// Package launchdmodel is a stateful model of launchd as launchctl(1) shows
// it, for the tests of LimaBar's macOS paths: no machine that runs them
// here has launchd, and a fake that answers every call with success at once
// hides exactly the failures that matter (a VM stopped by a reinstall, a
// daemon left unloaded). The same model answers in-process tests (through
// Runner) and the real limabar binary in end-to-end tests (through the fake
// launchctl program in scripts/e2e/fakes/launchctl, which keeps the model in
// a file). The contract tests of this package run the same test bodies
// against the model and, on a Mac, against the real launchctl; they are how
// a Mac proves the model right.
//
// What is modelled, and where it comes from:
//
//   - Domains: "system", "gui/UID", "user/UID" (launchctl(1), "SPECIFIERS").
//     A service target is DOMAIN/LABEL. Who may change which domain, and
//     that gui/UID exists only with a desktop login: domain.go.
//   - A loaded job's process behaves like `limactl start NAME --foreground`,
//     Lima's host agent: on SIGTERM it shuts the guest down, which takes the
//     time the test sets (Job.ExitDelay; Lima gives QEMU up to three minutes,
//     shutdownQEMU in pkg/driver/qemu/qemu_driver.go), then exits 0.
//   - `bootstrap DOMAIN PATH` loads the plist at PATH; with RunAtLoad the job
//     starts at once (launchd.plist(5), RunAtLoad). While the label is loaded
//     — including while its process is still exiting after a bootout — it
//     fails with "Bootstrap failed: 5: Input/output error", exit 5: reported
//     as the race after bootout in openclaw/openclaw#136453 (a retry seconds
//     later succeeds), Layr-Labs/d-inference#1102 (launchd's log: "scheduling
//     cleanup in 5 sec after sending Terminated: 15"; bootstrap 0.5 s later
//     fails with 5), kxn/codex-remote-feishu#914 (the rollback's bootstrap
//     fails the same way), y3owk1n/mimi#160. A job with a disable override
//     cannot be bootstrapped either (launchctl(1), "disable"; Lima's
//     RequestStart: "If disabled, `launchctl bootstrap` will fail"); the
//     model answers 5 as well. Sources do not agree on that code: newer
//     macOS is said to answer 119 ("Service is disabled"); the contract test
//     on a Mac pins it.
//   - `bootout TARGET` (or `bootout DOMAIN PATH`) sends SIGTERM and returns
//     at once, before the process has exited; the label stays loaded until
//     it has (the reports above; pingdotgg/t3code#7874: "bootout can return
//     while a job is still honoring its plist shutdown timeout"; there is no
//     `--wait` on macOS 15, pingdotgg/t3code#11995). Some macOS versions
//     answer "Boot-out failed: 36: Operation now in progress" while the job
//     still stops (osquery/osquery#5698): Model.BootoutInProgress makes the
//     model answer so, and a bootout of a job already exiting always does.
//     A job that is loaded but not running leaves at once.
//   - `bootout` of a label that is not loaded: "Boot-out failed: 3: No such
//     process", exit 3 (TOSS-Soft/toss-agent-runtime#42). Sources disagree:
//     on Darwin 27 it is reported as "Boot-out failed: 5: Input/output error"
//     (jdx/mise#10965); Model.BootoutMissingCode selects it.
//   - ExitTimeOut: launchd sends SIGKILL when the process has not exited
//     ExitTimeOut seconds after SIGTERM (launchd.plist(5), ExitTimeOut).
//     When the plist sets none, launchd.plist(5) of old said 20 s and today
//     says "system-defined"; `launchctl print` of such jobs shows `exit
//     timeout = 5` (launchd/testdata/corpus: print-user-resticprofile.txt,
//     a plist with no ExitTimeOut on macOS 13 or later;
//     print-system-wazuh-mojave.txt, 10.14), so the model uses 5. The job
//     then shows "last terminating signal = Killed: 9" and Job.Killed
//     counts it.
//   - KeepAlive {SuccessfulExit false}: after an exit that is not successful
//     (non-zero, or a signal) the job is started again; KeepAlive true
//     starts it after any exit (launchd.plist(5), KeepAlive). A job that was
//     booted out is never started again.
//   - Throttling: launchd spawns a job at most once every ThrottleInterval,
//     10 s when the plist sets none (launchd.plist(5), ThrottleInterval;
//     LimaBar's and Lima's plists set none). A job that exits sooner after
//     its start is not restarted at once: launchd logs "Service only ran
//     for 0 seconds. Pushing respawn out by 10 seconds." and `print` shows
//     `state = spawn scheduled`, with no pid, until then
//     (health.FromJob reads that state). This is what a login item whose
//     `limactl start` fails at once looks like between its tries.
//   - `enable`/`disable TARGET` set a persistent override, whether or not
//     the job is loaded, and do not start or stop it (launchctl(1)).
//     `print-disabled DOMAIN` lists them as `"LABEL" => disabled|enabled`
//     inside `disabled services = { … }` (newer macOS; older ones print
//     true/false, which launchd.ParsePrintDisabled also reads).
//   - `print TARGET` of a loaded job prints the block real Macs print
//     (launchd/testdata/corpus, print-*.txt, from OS X 10.10 to macOS 26;
//     the layout of print-user-resticprofile.txt, macOS 13 or later): the
//     target, active count, path, type, state; program and arguments;
//     working directory; stdout and stderr path; the default environment
//     (PATH => /usr/bin:/bin:/usr/sbin:/sbin) and the environment, to which
//     launchd adds XPC_SERVICE_NAME; domain, username, minimum runtime (the
//     throttle interval), exit timeout, runs, pid, the last exit; then
//     spawn type = daemon (3). `state = running` (with `pid = N`), `state =
//     not running`, `spawn scheduled`, or, between SIGTERM and the exit,
//     `state = SIGTERMed` (kxn/codex-remote-feishu#914 reports that word).
//     The last exit is `last exit code = (never exited)`, or the code with
//     the meaning launchd prints after it: `78: EX_CONFIG`
//     (jackielii/skhd.zig#30), `1: Operation not permitted` (issue 17; the
//     code limactl exits with); other codes bare (`last exit code = 5`,
//     TOSS-Soft/toss-agent-runtime#38; sources disagree on exit 1, which
//     OS X 10.10 printed bare, boxen/puppet-boxen#104). A run ended by a
//     signal shows `last terminating signal = Killed: 9` (or
//     `Terminated: 15`) and no last exit code (rtzll/tldw). Apple says this
//     output is not API; launchd.ParsePrint is LimaBar's one reader of it.
//     A label that is not loaded: exit 113 and `Could not find service
//     "LABEL" in domain for system` or `… for user gui: UID`
//     (TOSS-Soft/toss-agent-runtime#40, DeterminateSystems/nix-installer#960).
//   - `kickstart [-k] [-p] TARGET` starts a loaded job that is not running,
//     also one whose respawn is scheduled (the throttle holds back
//     launchd's own respawns, not a start asked for; not yet confirmed on
//     a Mac by a contract test); a running one is left alone, or with -k
//     killed and started again (launchctl(1)); not loaded: exit 113 as for print
//     (NousResearch/hermes-agent#5536). While the job is exiting after a
//     bootout the model answers 37 "Operation already in progress", the
//     error launchd logs for a bootstrap in that window
//     (Layr-Labs/d-inference#1102), in the words kickstart fails with:
//     `Could not kickstart service "LABEL": N: TEXT`
//     (NousResearch/hermes-agent#30352, DeterminateSystems/nix-installer#1344).
//
// Time comes from a Clock: a FakeClock in unit tests (nothing waits for
// real), the wall clock in the fake launchctl program unless its state says
// otherwise.
package launchdmodel

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/limabar/limabar/autostart/launchd"
)

// Clock tells the model what time it is.
type Clock interface{ Now() time.Time }

// FakeClock is a Clock that moves only when told to.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock starts at a fixed instant, so that runs repeat exactly.
func NewFakeClock() *FakeClock {
	return &FakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Now implements Clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// WallClock is the real time.
type WallClock struct{}

// Now implements Clock.
func (WallClock) Now() time.Time { return time.Now() }

// State is what `launchctl print` says of a job's process.
type State string

const (
	Running    State = "running"
	NotRunning State = "not running"
	// Exiting: SIGTERM was sent and the process has not exited yet.
	Exiting State = "SIGTERMed"
	// SpawnScheduled: KeepAlive wants the job again, and launchd waits
	// out its throttle interval before it spawns it.
	SpawnScheduled State = "spawn scheduled"
)

// DefaultExitTimeOut is launchd's ExitTimeOut when the plist sets none.
// The old launchd.plist(5) said 20 s; the current one says only
// "system-defined". What real Macs print settles it: `launchctl print`
// shows `exit timeout = 5` for jobs whose plists set no ExitTimeOut,
// agents and daemons alike — byliu-labs/egress-guard
// internal/cli/status_darwin_test.go (a verbatim print of
// system/com.byliu.egress-guard.daemon, whose plist in
// internal/cli/launchdaemon_darwin.go has no ExitTimeOut), a verified
// LaunchAgent (gui/501/com.motherboard.snapshot.retention, its plist shown
// beside it) in MarcelaLePortfolio/motherboard-systems-hq, and
// canyonroad/agentsh's spawn-scheduled fixture of a system extension;
// and in this repository's corpus (launchd/testdata/corpus:
// print-user-resticprofile.txt, print-system-wazuh-mojave.txt).
const DefaultExitTimeOut = 5 * time.Second

// ThrottleInterval is launchd's ThrottleInterval when the plist sets none
// (launchd.plist(5)): it spawns a job at most once in this time.
const ThrottleInterval = 10 * time.Second

// Exit is how a job's process ended.
type Exit struct {
	Code   int `json:"code"`
	Signal int `json:"signal,omitempty"` // 9 when launchd SIGKILLed it
}

// Job is a loaded job.
type Job struct {
	Domain string      `json:"domain"`
	Label  string      `json:"label"`
	Path   string      `json:"path"`
	Plist  launchd.Job `json:"plist"`
	State  State       `json:"state"`
	PID    int         `json:"pid,omitempty"`
	Runs   int         `json:"runs"`
	// LastExit is nil until the process first ended.
	LastExit *Exit `json:"lastExit,omitempty"`
	// ExitDelay is how long the process takes to exit after SIGTERM.
	ExitDelay time.Duration `json:"exitDelay"`
	// TermAt is when SIGTERM was sent (State Exiting).
	TermAt time.Time `json:"termAt,omitzero"`
	// StartedAt is when the job's process was last spawned; launchd's
	// throttle counts from it.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// SpawnAt is when a throttled respawn is due (State SpawnScheduled).
	SpawnAt time.Time `json:"spawnAt,omitzero"`
	// Unloading: booted out; the job leaves the domain when its process
	// has exited.
	Unloading bool `json:"unloading,omitempty"`
	// Killed counts the SIGKILLs launchd sent after ExitTimeOut.
	Killed int `json:"killed,omitempty"`
}

// Target is the job's service target, DOMAIN/LABEL.
func (j *Job) Target() string { return j.Domain + "/" + j.Label }

// hasProcess says whether the job has a process (running, or exiting).
func (j *Job) hasProcess() bool { return j.State == Running || j.State == Exiting }

func (j *Job) exitTimeOut() time.Duration {
	if j.Plist.ExitTimeOut > 0 {
		return time.Duration(j.Plist.ExitTimeOut) * time.Second
	}
	return DefaultExitTimeOut
}

// Domain is one launchd domain: its loaded jobs and its overrides.
type Domain struct {
	Jobs map[string]*Job `json:"jobs"`
	// Disabled holds the overrides: true for disabled, false for enabled.
	Disabled map[string]bool `json:"disabled"`
}

// Model is launchd. Its exported fields are its whole state, so that it can
// be kept in a file between runs of the fake launchctl; the zero Model is
// usable once Clock and ReadFile are set.
type Model struct {
	mu sync.Mutex

	Clock    Clock                             `json:"-"`
	ReadFile func(path string) ([]byte, error) `json:"-"`

	Domains map[string]*Domain `json:"domains"`
	NextPID int                `json:"nextPID"`
	// ExitDelay is the time a newly started process takes to exit after
	// SIGTERM.
	ExitDelay time.Duration `json:"exitDelay"`
	// ExitDelays overrides ExitDelay per label.
	ExitDelays map[string]time.Duration `json:"exitDelays,omitempty"`
	// BootoutInProgress makes a bootout of a running job answer 36
	// "Operation now in progress" (it still stops the job).
	BootoutInProgress bool `json:"bootoutInProgress,omitempty"`
	// BootoutMissingCode is the error of a bootout of a label that is not
	// loaded: 3 (No such process) when 0, or 5 (Input/output error).
	BootoutMissingCode int `json:"bootoutMissingCode,omitempty"`
	// NoDesktop: nobody is logged in at the desktop (a Mac reached over
	// SSH), so there is no gui/UID domain (see domain.go).
	NoDesktop bool `json:"noDesktop,omitempty"`
	// Calls are the calls LaunchctlAs was asked that change something,
	// with their callers (see domain.go).
	Calls []Call `json:"calls,omitempty"`
}

// New returns an empty launchd.
func New(clock Clock, readFile func(string) ([]byte, error)) *Model {
	return &Model{Clock: clock, ReadFile: readFile, NextPID: 1000}
}

// Result is what one launchctl call printed and its exit status.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func fail(code int, format string, args ...any) Result {
	return Result{Stderr: fmt.Sprintf(format, args...) + "\n", Code: code}
}

// errno texts launchctl prints after "Bootstrap failed: N: " (launchd/testdata/corpus).
var errText = map[int]string{
	3:   "No such process",
	5:   "Input/output error",
	36:  "Operation now in progress",
	37:  "Operation already in progress",
	113: "Could not find specified service",
}

// Launchctl runs one `launchctl ARGS…` against the model.
func (m *Model) Launchctl(args ...string) Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settle()
	if len(args) == 0 {
		return fail(64, "Usage: launchctl <subcommand> ... | help [subcommand]")
	}
	switch args[0] {
	case "bootstrap":
		return m.bootstrap(args[1:])
	case "bootout":
		return m.bootout(args[1:])
	case "enable", "disable":
		if len(args) != 2 {
			return fail(64, "Usage: launchctl %s <service-target>", args[0])
		}
		domain, label, err := splitTarget(args[1])
		if err != nil || label == "" {
			return fail(64, "Unrecognized target specifier.")
		}
		d := m.domain(domain)
		d.Disabled[label] = args[0] == "disable"
		return Result{}
	case "print":
		if len(args) != 2 {
			return fail(64, "Usage: launchctl print <service-target>")
		}
		return m.print(args[1])
	case "print-disabled":
		if len(args) != 2 {
			return fail(64, "Usage: launchctl print-disabled <domain-target>")
		}
		return m.printDisabled(args[1])
	case "kickstart":
		return m.kickstart(args[1:])
	}
	return fail(64, "Unrecognized subcommand: %s", args[0])
}

// splitTarget splits a service target (or a domain target, label "") into
// its domain and label.
func splitTarget(t string) (domain, label string, err error) {
	parts := strings.Split(t, "/")
	switch {
	case parts[0] == "system" && len(parts) <= 2:
		domain = "system"
		if len(parts) == 2 {
			label = parts[1]
		}
	case (parts[0] == "gui" || parts[0] == "user") && (len(parts) == 2 || len(parts) == 3):
		if _, err := strconv.Atoi(parts[1]); err != nil {
			return "", "", fmt.Errorf("bad uid in %q", t)
		}
		domain = parts[0] + "/" + parts[1]
		if len(parts) == 3 {
			label = parts[2]
		}
	default:
		return "", "", fmt.Errorf("unrecognized target %q", t)
	}
	return domain, label, nil
}

// domainName is how launchctl names a domain in "Could not find service".
func domainName(domain string) string {
	if domain == "system" {
		return "system"
	}
	kind, uid, _ := strings.Cut(domain, "/")
	return "user " + kind + ": " + uid
}

func (m *Model) domain(name string) *Domain {
	if m.Domains == nil {
		m.Domains = map[string]*Domain{}
	}
	d := m.Domains[name]
	if d == nil {
		d = &Domain{Jobs: map[string]*Job{}, Disabled: map[string]bool{}}
		m.Domains[name] = d
	}
	if d.Jobs == nil {
		d.Jobs = map[string]*Job{}
	}
	if d.Disabled == nil {
		d.Disabled = map[string]bool{}
	}
	return d
}

func (m *Model) job(target string) *Job {
	domain, label, err := splitTarget(target)
	if err != nil || label == "" {
		return nil
	}
	return m.domain(domain).Jobs[label]
}

func (m *Model) bootstrap(args []string) Result {
	if len(args) < 2 {
		return fail(64, "Usage: launchctl bootstrap <domain-target> [service-path service-path2 ...]")
	}
	domain, label, err := splitTarget(args[0])
	if err != nil || label != "" {
		return fail(64, "Unrecognized target specifier.")
	}
	for _, path := range args[1:] {
		data, err := m.ReadFile(path)
		if err != nil {
			return fail(5, "Bootstrap failed: 5: %s", errText[5])
		}
		pj, err := launchd.Decode(data)
		if err != nil {
			return fail(5, "Bootstrap failed: 5: %s", errText[5])
		}
		d := m.domain(domain)
		if _, loaded := d.Jobs[pj.Label]; loaded || d.Disabled[pj.Label] {
			return Result{Stderr: "Bootstrap failed: 5: " + errText[5] + "\nTry re-running the command as root for richer errors.\n", Code: 5}
		}
		j := &Job{Domain: domain, Label: pj.Label, Path: path, Plist: pj, State: NotRunning}
		d.Jobs[pj.Label] = j
		if pj.RunAtLoad {
			m.start(j, m.Clock.Now())
		}
	}
	return Result{}
}

func (m *Model) bootout(args []string) Result {
	var j *Job
	var domain, label string
	switch len(args) {
	case 1:
		var err error
		domain, label, err = splitTarget(args[0])
		if err != nil || label == "" {
			return fail(64, "Unrecognized target specifier.")
		}
	case 2:
		var err error
		domain, _, err = splitTarget(args[0])
		if err != nil {
			return fail(64, "Unrecognized target specifier.")
		}
		data, rerr := m.ReadFile(args[1])
		pj, derr := launchd.Decode(data)
		if rerr != nil || derr != nil {
			return fail(5, "Boot-out failed: 5: %s", errText[5])
		}
		label = pj.Label
	default:
		return fail(64, "Usage: launchctl bootout <domain-target> [service-path1 service-path2 ...] | <service-target>")
	}
	j = m.domain(domain).Jobs[label]
	if j == nil {
		code := m.BootoutMissingCode
		if code == 0 {
			code = 3
		}
		return fail(code, "Boot-out failed: %d: %s", code, errText[code])
	}
	switch j.State {
	case Running:
		j.Unloading = true
		m.term(j)
		if m.BootoutInProgress {
			return fail(36, "Boot-out failed: 36: %s", errText[36])
		}
		return Result{}
	case Exiting:
		j.Unloading = true
		return fail(36, "Boot-out failed: 36: %s", errText[36])
	}
	delete(m.domain(domain).Jobs, label)
	return Result{}
}

func (m *Model) kickstart(args []string) Result {
	kill, printPID := false, false
	var target string
	for _, a := range args {
		switch a {
		case "-k":
			kill = true
		case "-p":
			printPID = true
		case "-s":
		default:
			if target != "" || strings.HasPrefix(a, "-") {
				return fail(64, "Usage: launchctl kickstart [-k] [-p] <service-target>")
			}
			target = a
		}
	}
	domain, label, err := splitTarget(target)
	if err != nil || label == "" {
		return fail(64, "Unrecognized target specifier.")
	}
	j := m.domain(domain).Jobs[label]
	switch {
	case j == nil:
		return fail(113, "Could not find service %q in domain for %s", label, domainName(domain))
	case j.State == Exiting:
		return fail(37, "Could not kickstart service %q: 37: %s", label, errText[37])
	case j.State == Running && kill:
		j.LastExit = &Exit{Signal: 9}
		m.start(j, m.Clock.Now())
	case j.State == NotRunning, j.State == SpawnScheduled:
		m.start(j, m.Clock.Now())
	}
	if printPID {
		return Result{Stdout: fmt.Sprintf("service spawned with pid: %d\n", j.PID)}
	}
	return Result{}
}

func (m *Model) print(target string) Result {
	domain, label, err := splitTarget(target)
	if err != nil || label == "" {
		return fail(64, "Unrecognized target specifier.")
	}
	j := m.domain(domain).Jobs[label]
	if j == nil {
		return Result{Stderr: fmt.Sprintf("Bad request.\nCould not find service %q in domain for %s\n", label, domainName(domain)), Code: 113}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s = {\n", j.Target())
	fmt.Fprintf(&b, "\tactive count = %d\n", map[bool]int{true: 1, false: 0}[j.hasProcess()])
	fmt.Fprintf(&b, "\tpath = %s\n", j.Path)
	kind := "LaunchAgent"
	if domain == "system" {
		kind = "LaunchDaemon"
	}
	fmt.Fprintf(&b, "\ttype = %s\n", kind)
	fmt.Fprintf(&b, "\tstate = %s\n\n", j.State)
	if len(j.Plist.ProgramArguments) > 0 {
		fmt.Fprintf(&b, "\tprogram = %s\n", j.Plist.ProgramArguments[0])
		b.WriteString("\targuments = {\n")
		for _, a := range j.Plist.ProgramArguments {
			fmt.Fprintf(&b, "\t\t%s\n", a)
		}
		b.WriteString("\t}\n\n")
	}
	if j.Plist.WorkingDirectory != "" {
		fmt.Fprintf(&b, "\tworking directory = %s\n\n", j.Plist.WorkingDirectory)
	}
	if j.Plist.StandardOutPath != "" {
		fmt.Fprintf(&b, "\tstdout path = %s\n", j.Plist.StandardOutPath)
	}
	if j.Plist.StandardErrorPath != "" {
		fmt.Fprintf(&b, "\tstderr path = %s\n", j.Plist.StandardErrorPath)
	}
	b.WriteString("\tdefault environment = {\n\t\tPATH => /usr/bin:/bin:/usr/sbin:/sbin\n\t}\n\n")
	env := maps.Clone(j.Plist.EnvironmentVariables)
	if env == nil {
		env = map[string]string{}
	}
	env["XPC_SERVICE_NAME"] = j.Label
	b.WriteString("\tenvironment = {\n")
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(&b, "\t\t%s => %s\n", k, env[k])
	}
	b.WriteString("\t}\n\n")
	fmt.Fprintf(&b, "\tdomain = %s\n", domain)
	if j.Plist.UserName != "" {
		fmt.Fprintf(&b, "\tusername = %s\n", j.Plist.UserName)
	}
	fmt.Fprintf(&b, "\tminimum runtime = %d\n", int(ThrottleInterval/time.Second))
	fmt.Fprintf(&b, "\texit timeout = %d\n", int(j.exitTimeOut()/time.Second))
	fmt.Fprintf(&b, "\truns = %d\n", j.Runs)
	if j.hasProcess() {
		fmt.Fprintf(&b, "\tpid = %d\n", j.PID)
	}
	switch {
	case j.LastExit == nil:
		b.WriteString("\tlast exit code = (never exited)\n")
	case j.LastExit.Signal != 0:
		fmt.Fprintf(&b, "\tlast terminating signal = %s\n", signalText(j.LastExit.Signal))
	default:
		fmt.Fprintf(&b, "\tlast exit code = %s\n", exitCodeText(j.LastExit.Code))
	}
	b.WriteString("\n\tspawn type = daemon (3)\n")
	b.WriteString("}\n")
	return Result{Stdout: b.String()}
}

// exitTexts are the meanings `launchctl print` writes after an exit code
// (launchd/testdata/corpus): the sysexits name of 78
// (jackielii/skhd.zig#30) and strerror(1) for 1 (issue 17). Other codes
// are printed bare (TOSS-Soft/toss-agent-runtime#38: `last exit code = 5`).
var exitTexts = map[int]string{1: "Operation not permitted", 78: "EX_CONFIG"}

// exitCodeText is the value of `last exit code` for code.
func exitCodeText(code int) string {
	if t, ok := exitTexts[code]; ok {
		return fmt.Sprintf("%d: %s", code, t)
	}
	return strconv.Itoa(code)
}

// signalTexts are strsignal(3)'s words on macOS, which `last terminating
// signal = Killed: 9` uses (rtzll/tldw; Terminated: 15 likewise).
var signalTexts = map[int]string{6: "Abort trap", 9: "Killed", 11: "Segmentation fault", 15: "Terminated"}

// signalText is the value of `last terminating signal` for sig.
func signalText(sig int) string {
	if t, ok := signalTexts[sig]; ok {
		return fmt.Sprintf("%s: %d", t, sig)
	}
	return fmt.Sprintf("Signal %d: %d", sig, sig)
}

func (m *Model) printDisabled(domainTarget string) Result {
	domain, label, err := splitTarget(domainTarget)
	if err != nil || label != "" {
		return fail(64, "Unrecognized target specifier.")
	}
	d := m.domain(domain)
	var b strings.Builder
	b.WriteString("disabled services = {\n")
	for _, l := range slices.Sorted(maps.Keys(d.Disabled)) {
		v := "enabled"
		if d.Disabled[l] {
			v = "disabled"
		}
		fmt.Fprintf(&b, "\t%q => %s\n", l, v)
	}
	b.WriteString("}\n\nlogin item associations = {\n}\n")
	return Result{Stdout: b.String()}
}

// start runs the job's process at time at: a new pid, one more run.
func (m *Model) start(j *Job, at time.Time) {
	if m.NextPID == 0 {
		m.NextPID = 1000
	}
	m.NextPID++
	j.PID = m.NextPID
	j.Runs++
	j.State = Running
	j.TermAt = time.Time{}
	j.StartedAt = at
	j.SpawnAt = time.Time{}
	j.ExitDelay = m.ExitDelay
	if d, ok := m.ExitDelays[j.Label]; ok {
		j.ExitDelay = d
	}
}

// term sends SIGTERM.
func (m *Model) term(j *Job) {
	j.State = Exiting
	j.TermAt = m.Clock.Now()
}

// settle lets every process that had time to exit exit, launchd SIGKILL
// those past their ExitTimeOut, and the respawns that are due happen.
func (m *Model) settle() {
	now := m.Clock.Now()
	for _, d := range m.Domains {
		for _, label := range slices.Sorted(maps.Keys(d.Jobs)) {
			j := d.Jobs[label]
			switch {
			case j.State == Exiting && j.ExitDelay <= j.exitTimeOut() && !now.Before(j.TermAt.Add(j.ExitDelay)):
				m.exited(d, j, Exit{Code: 0}, j.TermAt.Add(j.ExitDelay))
			case j.State == Exiting && j.ExitDelay > j.exitTimeOut() && !now.Before(j.TermAt.Add(j.exitTimeOut())):
				j.Killed++
				m.exited(d, j, Exit{Signal: 9}, j.TermAt.Add(j.exitTimeOut()))
			}
			if j.State == SpawnScheduled && !now.Before(j.SpawnAt) {
				m.start(j, j.SpawnAt)
			}
		}
	}
}

// exited records the end of j's process at time at: a booted-out job
// leaves its domain; a loaded one is started again when its KeepAlive says
// so, at once or, when it ran for less than the throttle interval, once
// that has passed since its start.
func (m *Model) exited(d *Domain, j *Job, e Exit, at time.Time) {
	j.LastExit = &e
	j.PID = 0
	j.State = NotRunning
	j.TermAt = time.Time{}
	if j.Unloading {
		delete(d.Jobs, j.Label)
		return
	}
	ka := j.Plist.KeepAlive
	switch {
	case ka == nil:
	case ka.Always != nil:
		if *ka.Always {
			m.respawn(j, at)
		}
	case ka.SuccessfulExit != nil && *ka.SuccessfulExit == (e.Code == 0 && e.Signal == 0):
		m.respawn(j, at)
	}
}

// respawn starts j again for its KeepAlive, as soon as the throttle
// interval since its last start allows.
func (m *Model) respawn(j *Job, at time.Time) {
	due := j.StartedAt.Add(ThrottleInterval)
	if !at.Before(due) {
		m.start(j, at)
		return
	}
	j.State = SpawnScheduled
	j.SpawnAt = due
}

// The methods below are for tests: they set up and look at launchd the
// way no launchctl call can.

// Load puts job into domain as launchd does at boot or login (the plist at
// path), running when RunAtLoad says so.
func (m *Model) Load(domain, path string, job launchd.Job) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := &Job{Domain: domain, Label: job.Label, Path: path, Plist: job, State: NotRunning}
	m.domain(domain).Jobs[job.Label] = j
	if job.RunAtLoad {
		m.start(j, m.Clock.Now())
	}
}

// Job returns a copy of the loaded job at target.
func (m *Model) Job(target string) (Job, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settle()
	j := m.job(target)
	if j == nil {
		return Job{}, false
	}
	c := *j
	if j.LastExit != nil {
		e := *j.LastExit
		c.LastExit = &e
	}
	return c, true
}

// ErrNotLoaded is returned for a target that is not loaded.
var ErrNotLoaded = errors.New("not loaded")

// SetExitDelay sets how long the process of the job at target, and every
// later process of that label, takes to exit after SIGTERM.
func (m *Model) SetExitDelay(target string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, label, _ := splitTarget(target)
	if m.ExitDelays == nil {
		m.ExitDelays = map[string]time.Duration{}
	}
	m.ExitDelays[label] = d
	if j := m.job(target); j != nil {
		j.ExitDelay = d
	}
}

// withProcess runs f, under the lock and after settling, on the job at
// target when it has a process (running or, when exiting is true, still
// exiting).
func (m *Model) withProcess(target string, exiting bool, f func(*Job)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settle()
	j := m.job(target)
	switch {
	case j == nil:
		return fmt.Errorf("%s: %w", target, ErrNotLoaded)
	case j.State == Running, exiting && j.State == Exiting:
		f(j)
		return nil
	}
	return fmt.Errorf("%s is not running", target)
}

// ProcessExits makes the process of the job at target exit on its own
// with code (a crash, a failed `limactl start`, a `limactl stop`);
// KeepAlive applies.
func (m *Model) ProcessExits(target string, code int) error {
	return m.withProcess(target, true, func(j *Job) {
		m.exited(m.domain(j.Domain), j, Exit{Code: code}, m.Clock.Now())
	})
}

// Terminate sends SIGTERM to the running process of the job at target
// without unloading it, as launchd does at logout or shutdown.
func (m *Model) Terminate(target string) error {
	return m.withProcess(target, false, m.term)
}

// SetLastExit sets what `print` says of the job's last exit without
// running anything: for tests of what reads that output.
func (m *Model) SetLastExit(target string, code int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.job(target)
	if j == nil {
		return fmt.Errorf("%s: %w", target, ErrNotLoaded)
	}
	j.LastExit = &Exit{Code: code}
	return nil
}

// Disabled reports the override of label in domain: disabled, and whether
// there is one.
func (m *Model) Disabled(domain, label string) (disabled, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	disabled, ok = m.domain(domain).Disabled[label]
	return disabled, ok
}

// Summary lists the state, one sorted line per loaded job and override,
// for "nothing changed" checks.
func (m *Model) Summary() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settle()
	var out []string
	for name, d := range m.Domains {
		for l, j := range d.Jobs {
			out = append(out, fmt.Sprintf("loaded %s/%s %s pid=%d runs=%d", name, l, j.State, j.PID, j.Runs))
		}
		for l, v := range d.Disabled {
			out = append(out, fmt.Sprintf("override %s/%s disabled=%v", name, l, v))
		}
	}
	sort.Strings(out)
	return out
}
