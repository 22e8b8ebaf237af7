// Package cli is LimaBar's command line, for scripts, headless Macs and
// configuration tools: list, enable, disable and doctor. It prints and
// parses; the work is done by the state Service and the autostart engine.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/problem"
)

// Usage is the command line summary, `limabar help`.
const Usage = `Usage:
  limabar                         run the menu-bar app
  limabar list [--json]           instances with status, login/boot state and problems
  limabar enable  [--condition=login|boot] [--user U] [--dry-run [--json]] NAME
  limabar disable [--condition=login|boot|all] [--dry-run [--json]] NAME
  limabar disable --all [--dry-run] every registration of every instance (before uninstalling)
  limabar doctor [--json] [--fix [--dry-run]] find (and repair) stale or broken registrations
  limabar version [--json]
  limabar help [COMMAND]          what a command does, and its flags

Without --condition, enable starts NAME at login (as limactl autostart enable
does) and disable removes both starts (as limactl autostart disable does).
"limabar help COMMAND" or "limabar COMMAND --help" tells more.
`

// commandHelp is the usage of each command: `limabar help COMMAND`,
// `limabar COMMAND --help`. TestHelpFlagsAreTheCommandsFlags checks that
// every flag it lists is one the command takes.
var commandHelp = map[string]string{
	"list": `Usage: limabar list [--json]

Lists the Lima instances with their status, whether each starts at login
and at boot, the health of its autostart job, and how many problems it has.
Colima's profiles follow, as colima:PROFILE, when Colima has a Lima home.

Flags:
  --json   print JSON, one object per instance (fields in docs/JSON.md)
`,
	"enable": `Usage: limabar enable [--condition=login|boot] [--user U] [--take-over] [--dry-run [--json]] NAME

Makes instance NAME start at login or at boot: on Linux with a unit of your
systemd (at boot, with lingering on), on macOS with a LaunchAgent (login)
or a LaunchDaemon (boot). NAME colima:PROFILE is a Colima profile, which
the job starts with colima start --foreground --profile PROFILE.

Flags:
  --condition=login|boot   when NAME starts (default login)
  --user U                 the account a boot start runs as (default: the
                           one running limabar)
  --take-over              for a Colima profile that brew services starts,
                           stop brew's job and register LimaBar's instead
  --dry-run                print what would be done, and do nothing
  --json                   with --dry-run, print the steps as JSON
`,
	"disable": `Usage: limabar disable [--condition=login|boot|all] [--dry-run [--json]] NAME
       limabar disable --all [--dry-run]

Stops instance NAME (colima:PROFILE for a Colima profile) from starting at
login, at boot, or both. It works even when limactl cannot confirm the
instance, so that a stale registration can always be removed. With --all it removes every registration LimaBar or
limactl made, of every instance, as before uninstalling LimaBar.

Flags:
  --condition=login|boot|all   which start to remove (default all)
  --all                        every registration of every instance
  --dry-run                    print what would be done, and do nothing
  --json                       with --dry-run, print the steps as JSON
`,
	"doctor": `Usage: limabar doctor [--json] [--fix [--dry-run]]

Finds registrations that are stale or broken, autostart jobs that failed,
and registrations of instances that no longer exist. Exits 3 when problems
remain.

Flags:
  --json      print JSON, one object per instance with problems
  --fix       re-register what has problems with the current settings, and
              remove the registrations of instances that are gone
  --dry-run   with --fix, print what the fix would do, and do nothing
`,
	"version": `Usage: limabar version [--json]

Prints LimaBar's version, the commit it was built from and when.

Flags:
  --json   print them as JSON
`,
	"help": `Usage: limabar help [COMMAND]

Prints the usage of limabar, or what COMMAND does and its flags.
`,
}

// Backend is what the commands need from the program.
type Backend interface {
	Snapshot(ctx context.Context) state.Snapshot
	EnableAs(ctx context.Context, name string, c autostart.Condition, o autostart.EnableOptions) (autostart.Result, error)
	Disable(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error)
	Repair(ctx context.Context, name string) (autostart.Result, error)
	// PlanEnable, PlanDisable and PlanRepair read the state and return
	// what EnableAs, Disable and Repair would do, changing nothing: the
	// --dry-run of each.
	PlanEnable(ctx context.Context, name string, c autostart.Condition, o autostart.EnableOptions) (autostart.Plan, error)
	PlanDisable(ctx context.Context, name string, c autostart.Condition) (autostart.Plan, error)
	PlanRepair(ctx context.Context, name string) (autostart.Plan, error)
	// Registered lists every registration file, also those of instances
	// limactl no longer lists, which the snapshot does not hold.
	Registered(ctx context.Context) ([]autostart.Registration, error)
}

// CLI runs one command.
type CLI struct {
	Stdout, Stderr io.Writer
	Version        string
	// Build is what `limabar version` prints; its Version, when set, is
	// the same as Version.
	Build BuildInfo
	// Platform is the platform the engine acts for; AccountRule says
	// what it allows.
	Platform autostart.Platform
	// IsRoot is true when running as root.
	IsRoot bool
	// User is the account running the command.
	User string
	// Backend is built lazily, after the arguments were checked, so that a
	// bad argument never touches the machine.
	Backend func(user string) (Backend, error)
	// Getenv reads the environment; nil is os.Getenv.
	Getenv func(string) string
}

// usageError is bad usage (exit 2), with a message suited to stderr.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// helpRequested is -h, -help or --help given to a command: its usage is
// printed on stdout, and limabar exits 0.
type helpRequested struct{ command string }

func (e helpRequested) Error() string { return e.command + ": help requested" }

func (c *CLI) who() Who { return Who{Platform: c.Platform, Root: c.IsRoot, Self: c.User} }

// Run runs args (without the program name) and returns the exit code:
// 0 success, 1 failure, 2 bad usage, 3 problems found by doctor.
func (c *CLI) Run(ctx context.Context, args []string) int {
	code, err := c.run(ctx, args)
	var help helpRequested
	if errors.As(err, &help) {
		fmt.Fprint(c.Stdout, commandHelp[help.command])
		return 0
	}
	if err != nil {
		msg := err.Error()
		if errors.Is(err, autostart.ErrCancelled) && !undoFailed(err) {
			msg = "cancelled: the administrator prompt was dismissed; nothing was changed"
		}
		if why := c.noUserManager(msg); why != "" {
			msg = why + ": " + msg
		}
		fmt.Fprintf(c.Stderr, "limabar: %s\n", oneLine(msg))
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		if code == 0 {
			code = 1
		}
	}
	return code
}

// noUserManager says why systemctl --user could not reach the user's
// systemd, when msg, an error, is systemctl's "Failed to connect to bus"
// and the reason is the usual one: a shell from su, sudo -u or runuser,
// which has no login session and so no XDG_RUNTIME_DIR, where the user
// manager's socket is. Otherwise it returns "".
func (c *CLI) noUserManager(msg string) string {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if c.Platform != autostart.Linux || !strings.Contains(msg, "systemctl --user") ||
		!strings.Contains(msg, "Failed to connect to bus") || getenv("XDG_RUNTIME_DIR") != "" {
		return ""
	}
	who := c.User
	if who == "" {
		who = "yourself"
	}
	return fmt.Sprintf("cannot reach your systemd user manager: XDG_RUNTIME_DIR is not set, as in a shell from su or sudo; log in as %s (a desktop, SSH, or machinectl shell %s@)", who, who)
}

// undoFailed reports whether a failed change could not be taken back
// entirely: then the error, not "nothing was changed", is what to show.
func undoFailed(err error) bool {
	var se *plan.StepError
	return errors.As(err, &se) && len(se.UndoErrs) > 0
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func (c *CLI) run(ctx context.Context, args []string) (int, error) {
	if len(args) == 0 {
		return 2, usageError{"no command (see limabar help)"}
	}
	switch args[0] {
	case "list":
		return c.list(ctx, args[1:])
	case "enable":
		return c.change(ctx, true, args[1:])
	case "disable":
		if wantsAll(args[1:]) {
			return c.disableAll(ctx, args[1:])
		}
		return c.change(ctx, false, args[1:])
	case "doctor":
		return c.doctor(ctx, args[1:])
	case "version", "--version":
		return c.version(args[1:])
	case "help", "-h", "-help", "--help":
		return c.help(args[1:])
	}
	return 2, usageError{fmt.Sprintf("unknown command %q (see limabar help)", args[0])}
}

// help prints the usage of limabar, or of the command args names.
func (c *CLI) help(args []string) (int, error) {
	pos, err := parse(flag.NewFlagSet("help", flag.ContinueOnError), args)
	if err != nil {
		return 2, err
	}
	switch {
	case len(pos) == 0:
		fmt.Fprint(c.Stdout, Usage)
		return 0, nil
	case len(pos) > 1:
		return 2, usageError{"help takes one command name"}
	}
	name := pos[0]
	if name == "--version" {
		name = "version"
	}
	if _, ok := commandHelp[name]; !ok {
		return 2, usageError{fmt.Sprintf("unknown command %q (see limabar help)", name)}
	}
	return 0, helpRequested{name}
}

// parse parses flags that may stand before or after the positional
// arguments, as limactl allows.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, helpRequested{fs.Name()}
		} else if err != nil {
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// InstanceJSON is one element of `list --json`. Its fields are documented in
// docs/JSON.md and stay stable.
type InstanceJSON struct {
	Name string `json:"name"`
	// ID is what enable and disable take: the name, or "colima:PROFILE"
	// for a Colima profile.
	ID string `json:"id"`
	// Tool is "lima" for an instance of LIMA_HOME, "colima" for a Colima
	// profile's in COLIMA_HOME/_lima; Profile and Runtime are Colima's.
	Tool    autostart.Tool `json:"tool"`
	Profile string         `json:"profile"`
	Runtime string         `json:"runtime,omitempty"`
	// BrewServices is, for a Colima profile that `brew services` starts,
	// the file of brew's job (homebrew.mxcl.colima's plist,
	// homebrew.colima.service); absent otherwise.
	BrewServices string   `json:"brewServices,omitempty"`
	Status       string   `json:"status"`
	Dir          string   `json:"dir"`
	Login        CondJSON `json:"login"`
	Boot         CondJSON `json:"boot"`
	Errors       []string `json:"errors"`
	Problems     int      `json:"problemCount"`
}

// CondJSON is one condition of `list --json`: the registration, and what
// became of its job (null when it is not registered, or its service
// manager cannot be asked).
type CondJSON struct {
	autostart.CondStatus
	Health *health.Health `json:"health"`
}

func toJSON(in state.Instance) InstanceJSON {
	j := InstanceJSON{
		Name: in.Name, ID: in.ID(), Tool: autostart.ToolLima, Profile: in.Profile, Runtime: in.Runtime, BrewServices: in.BrewServices,
		Status: in.Status, Dir: in.Dir,
		Login: CondJSON{CondStatus: in.Autostart.Login}, Boot: CondJSON{CondStatus: in.Autostart.Boot},
		Errors: append([]string{}, in.Errors...),
	}
	if in.IsColima() {
		j.Tool = autostart.ToolColima
	}
	if in.Health != nil {
		if in.HealthCondition == autostart.Boot {
			j.Boot.Health = in.Health
		} else {
			j.Login.Health = in.Health
		}
	}
	if in.AutostartErr != "" {
		j.Errors = append(j.Errors, in.AutostartErr)
	}
	for _, cs := range []*autostart.CondStatus{&j.Login.CondStatus, &j.Boot.CondStatus} {
		if cs.Problems == nil {
			cs.Problems = []autostart.Problem{}
		}
	}
	j.Problems = len(j.Login.Problems) + len(j.Boot.Problems)
	return j
}

func (c *CLI) snapshot(ctx context.Context) (state.Snapshot, error) {
	b, err := c.Backend("")
	if err != nil {
		return state.Snapshot{}, err
	}
	return snapshotOf(ctx, b)
}

// snapshotOf reads a snapshot and turns a limactl that is missing or did
// not answer into an error.
func snapshotOf(ctx context.Context, b Backend) (state.Snapshot, error) {
	s := b.Snapshot(ctx)
	if s.LimactlErr != "" {
		return s, errors.New(s.LimactlErr)
	}
	if s.ListErr != "" {
		return s, errors.New(s.ListErr)
	}
	return s, nil
}

func (c *CLI) list(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return 2, err
	}
	if len(pos) > 0 {
		return 2, usageError{"list takes no instance names"}
	}
	if err := AccountRule(c.who(), "", ""); err != nil {
		return 2, err
	}
	s, err := c.snapshot(ctx)
	if err != nil {
		return 1, err
	}
	if *asJSON {
		out := make([]InstanceJSON, 0, len(s.Instances))
		for _, in := range s.Instances {
			out = append(out, toJSON(in))
		}
		return 0, writeJSON(c.Stdout, out)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tLOGIN\tBOOT\tHEALTH\tPROBLEMS")
	for _, in := range s.Instances {
		j := toJSON(in)
		hs := "-"
		if in.Health != nil {
			hs = string(in.Health.State)
		}
		// The column counts what limactl says is wrong with the instance
		// too (a broken lima.yaml), not only its registrations' problems.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", j.ID, j.Status, onOff(j.Login.CondStatus), onOff(j.Boot.CondStatus), hs, j.Problems+len(j.Errors))
	}
	if err := tw.Flush(); err != nil {
		return 1, err
	}
	var lines []string
	for _, in := range s.Instances {
		lines = append(lines, failureLines(in)...)
	}
	if len(lines) > 0 {
		fmt.Fprintln(c.Stdout)
		for _, l := range lines {
			fmt.Fprintln(c.Stdout, l)
		}
	}
	return 0, nil
}

// failureLines are what `limabar list` says below its table of an
// instance whose job failed, whose registration could not be read, or
// that limactl reports an error for: each as the menu says it, marked
// ⚠, the instance and the cause first, then its whole text indented.
func failureLines(in state.Instance) []string {
	var out []string
	if in.Health != nil && in.Health.Bad() {
		out = append(out, failureLine(menu.HealthFailureLine(in.Name, in.Health, in.HealthCondition), healthSentence(in.Health))...)
	}
	for _, e := range in.Errors {
		out = append(out, failureLine(menu.InstanceErrorLine(in.Name, e), e)...)
	}
	if in.AutostartErr != "" {
		out = append(out, failureLine(menu.AutostartUnknownLine(in.Name, in.AutostartErr), "autostart state unknown: "+in.AutostartErr)...)
	}
	return out
}

// failureLine is a failure's short form, marked ⚠ as in the menu, and
// its whole text on an indented line after it.
func failureLine(short, full string) []string {
	return []string{"⚠ " + short, "    " + oneLine(full)}
}

func onOff(cs autostart.CondStatus) string {
	switch {
	case !cs.Supported:
		return "-"
	case cs.Enabled:
		return "on"
	}
	return "off"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *CLI) change(ctx context.Context, on bool, args []string) (int, error) {
	verb := "disable"
	if on {
		verb = "enable"
	}
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	// The defaults are limactl autostart's: enable starts at login,
	// disable removes every start.
	def := "all"
	if on {
		def = "login"
	}
	cond := fs.String("condition", def, "login or boot"+map[bool]string{false: " or all", true: ""}[on])
	user := ""
	takeOver := false
	if on {
		fs.StringVar(&user, "user", "", "the account a boot job runs as (macOS)")
		fs.BoolVar(&takeOver, "take-over", false, "take a Colima profile over from brew services")
	}
	dryRun := fs.Bool("dry-run", false, "print what would be done, and do nothing")
	asJSON := fs.Bool("json", false, "with --dry-run, print the steps as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return 2, err
	}
	if *asJSON && !*dryRun {
		return 2, usageError{"--json goes with --dry-run"}
	}
	if len(pos) != 1 {
		return 2, usageError{fmt.Sprintf("%s takes exactly one instance name", verb)}
	}
	name := pos[0]
	if err := checkID(name); err != nil {
		return 2, err
	}
	var conds []autostart.Condition
	if !on && *cond == "all" {
		// Boot first: it is the step that may be cancelled at the
		// administrator prompt, and then nothing has changed yet.
		conds = []autostart.Condition{autostart.Boot, autostart.Login}
	} else {
		cd, err := autostart.ParseCondition(*cond)
		if err != nil && !on {
			return 2, usageError{fmt.Sprintf("unknown condition %q: want login, boot or all", *cond)}
		}
		if err != nil {
			return 2, usageError{err.Error()}
		}
		conds = []autostart.Condition{cd}
	}
	enabled := autostart.Condition("")
	if on {
		enabled = conds[0]
	}
	if err := AccountRule(c.who(), user, enabled); err != nil {
		return 2, err
	}
	b, err := c.Backend(user)
	if err != nil {
		return 1, err
	}
	opts := autostart.EnableOptions{User: user}
	if takeOver {
		opts = state.TakeOver(opts)
	}
	if *dryRun {
		return c.dryRun(ctx, b, verb, name, conds, opts, *asJSON)
	}
	// A warning is printed once, though --condition=all meets it for each
	// condition; a failure prints only its error, as one line.
	warned := map[string]bool{}
	for _, cd := range conds {
		var res autostart.Result
		if on {
			res, err = b.EnableAs(ctx, name, cd, opts)
		} else {
			res, err = b.Disable(ctx, name, cd)
		}
		if err != nil {
			return 1, err
		}
		if w := oneLine(res.Warning); w != "" && !warned[w] {
			warned[w] = true
			fmt.Fprintf(c.Stderr, "limabar: warning: %s\n", w)
		}
		if res.Message != "" {
			fmt.Fprintln(c.Stdout, res.Message)
		}
	}
	return 0, nil
}

// dryRun prints the plans of enable or disable for each condition, each
// made from the state as it is now, and changes nothing.
func (c *CLI) dryRun(ctx context.Context, b Backend, verb, name string, conds []autostart.Condition, o autostart.EnableOptions, asJSON bool) (int, error) {
	out := dryRunOutput{c: c, asJSON: asJSON}
	for _, cd := range conds {
		var p autostart.Plan
		var err error
		if verb == "enable" {
			p, err = b.PlanEnable(ctx, name, cd, o)
		} else {
			p, err = b.PlanDisable(ctx, name, cd)
		}
		if err != nil {
			return 1, err
		}
		if err := out.add(verb, cd, name, p); err != nil {
			return 1, err
		}
	}
	if err := out.end(); err != nil {
		return 1, err
	}
	return 0, nil
}

// dryRunOutput writes the plans of a dry run: in text each as it comes,
// under the command that would run it; in JSON the steps of them all, as
// one list, at the end.
type dryRunOutput struct {
	c      *CLI
	asJSON bool
	steps  []plan.StepJSON
}

func (d *dryRunOutput) add(verb string, cond autostart.Condition, name string, p autostart.Plan) error {
	if d.asJSON {
		d.steps = append(d.steps, plan.JSON(p.Plan)...)
		return nil
	}
	fmt.Fprintf(d.c.Stdout, "%s --condition=%s %s would run these steps (dry run: nothing is changed):\n", verb, cond, name)
	return d.c.printPlan(p)
}

func (d *dryRunOutput) end() error {
	if !d.asJSON {
		return nil
	}
	if d.steps == nil {
		d.steps = []plan.StepJSON{}
	}
	return writeJSON(d.c.Stdout, d.steps)
}

// printPlan writes the steps of a plan and what it reports when done.
func (c *CLI) printPlan(p autostart.Plan) error {
	if err := plan.Format(c.Stdout, p.Plan); err != nil {
		return err
	}
	if w := oneLine(p.Result.Warning); w != "" {
		fmt.Fprintf(c.Stderr, "limabar: warning: %s\n", w)
	}
	_, err := fmt.Fprintf(c.Stdout, "and then: %s\n", p.Result.Message)
	return err
}

// DoctorJSON is one element of `doctor --json`.
type DoctorJSON struct {
	Name     string              `json:"name"`
	Problems []autostart.Problem `json:"problems"`
	// Health is set when the instance's registered job failed.
	Health  *health.Health `json:"health,omitempty"`
	Fixed   bool           `json:"fixed"`
	Message string         `json:"message,omitempty"`
	Error   string         `json:"error,omitempty"`
	// Plan is, with --fix --dry-run, the steps the fix would run.
	Plan []plan.StepJSON `json:"plan,omitempty"`
	// healthCondition is the registration Health is of.
	healthCondition autostart.Condition
}

func (c *CLI) doctor(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	fix := fs.Bool("fix", false, "re-register what has problems with the current settings, and remove the registrations of instances that are gone")
	dryRun := fs.Bool("dry-run", false, "with --fix, print what the fix would do, and do nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return 2, err
	}
	if *dryRun && !*fix {
		return 2, usageError{"--dry-run goes with --fix"}
	}
	if len(pos) > 0 {
		return 2, usageError{"doctor takes no instance names"}
	}
	if err := AccountRule(c.who(), "", ""); err != nil {
		return 2, err
	}
	b, err := c.Backend("")
	if err != nil {
		return 1, err
	}
	s, err := snapshotOf(ctx, b)
	if err != nil {
		return 1, err
	}
	regs, err := b.Registered(ctx)
	if err != nil {
		return 1, err
	}
	report := []DoctorJSON{}
	// plans are, in a dry run, the plan of each entry of report.
	var plans []plan.Plan
	// verbs says, for each entry of report, what a fix did to it.
	var verbs []string
	remaining := 0
	// repairable counts what --fix repairs or removes, which the last line
	// of the report tells to run it for.
	repairable := 0
	fc, clears := b.(failureClearer)
	clears = clears && fc.ClearsFailures()
	for _, in := range s.Instances {
		j := toJSON(in)
		ps := append(append([]autostart.Problem{}, j.Login.Problems...), j.Boot.Problems...)
		failed := in.Health != nil && in.Health.Bad()
		if len(ps) == 0 && !failed {
			continue
		}
		d := DoctorJSON{Name: in.ID(), Problems: ps}
		if failed {
			d.Health, d.healthCondition = in.Health, in.HealthCondition
		}
		if len(ps) == 0 {
			// A job that fails with a sound registration: nothing to
			// repair here, the reason says what to fix. --fix clears the
			// failure where the service manager can, and starts nothing.
			report = append(report, clearFailure(ctx, b, fc, clears, in, d, *fix && !*dryRun, &remaining))
			if *dryRun {
				plans = append(plans, plan.Plan{})
			}
			verbs = append(verbs, "cleared")
			continue
		}
		repairable++
		if *dryRun {
			p, err := b.PlanRepair(ctx, in.ID())
			if err != nil {
				d.Error = err.Error()
			}
			d.Plan, d.Message = plan.JSON(p.Plan), p.Result.Message
			plans = append(plans, p.Plan)
			remaining++
		} else if *fix {
			res, err := b.Repair(ctx, in.ID())
			switch {
			case err != nil:
				d.Error = err.Error()
				remaining++
			case leftAfter(ctx, b, in.ID()) > 0:
				d.Message = res.Message
				d.Error = "problems remain after the repair"
				remaining++
			default:
				d.Fixed, d.Message = true, res.Message
			}
		} else {
			remaining++
		}
		report = append(report, d)
		verbs = append(verbs, "repaired")
	}
	for _, m := range missingInstances(s, regs) {
		d := DoctorJSON{Name: m.name, Problems: []autostart.Problem{}}
		var unverified []string
		for _, r := range m.regs {
			if r.Unverified != "" {
				unverified = append(unverified, r.Path)
				d.Problems = append(d.Problems, autostart.Problem{Code: problem.InstanceUnverified,
					Message: fmt.Sprintf("limactl does not list instance %s, and it cannot be told whether it still exists (%s): %s", m.name, r.Unverified, r.Path)})
				continue
			}
			d.Problems = append(d.Problems, autostart.Problem{Code: problem.InstanceMissing,
				Message: fmt.Sprintf("the registration starts instance %s, which no longer exists: %s", m.name, r.Path)})
		}
		switch {
		case len(unverified) > 0 && *fix:
			// Removing what may be a working registration is worse
			// than leaving a stale one: `limabar disable` removes it
			// once the user knows.
			d.Error = fmt.Sprintf("left alone: the instance may still exist (`limabar disable --condition=all %s` removes it)", m.name)
			remaining++
			plans = append(plans, plan.Plan{})
		case len(unverified) > 0:
			// --fix says how to remove it.
			repairable++
			remaining++
		case *dryRun:
			repairable++
			p, msg, err := planRemovals(ctx, b, m)
			if err != nil {
				d.Error = err.Error()
			}
			d.Plan, d.Message = plan.JSON(p), msg
			plans = append(plans, p)
			remaining++
		case *fix:
			d.Message, err = removeRegistrations(ctx, b, m)
			switch {
			case err != nil:
				d.Error = err.Error()
				remaining++
			default:
				d.Fixed = true
			}
		default:
			repairable++
			remaining++
		}
		report = append(report, d)
		verbs = append(verbs, "removed")
	}
	if *asJSON {
		if err := writeJSON(c.Stdout, report); err != nil {
			return 1, err
		}
	} else {
		if len(report) == 0 {
			fmt.Fprintln(c.Stdout, "No problems found.")
		}
		for i, d := range report {
			if d.Health != nil {
				for _, l := range failureLine(menu.HealthFailureLine(d.Name, d.Health, d.healthCondition), healthSentence(d.Health)) {
					fmt.Fprintln(c.Stdout, l)
				}
			}
			for _, p := range d.Problems {
				fmt.Fprintf(c.Stdout, "%s: %s (%s)\n", d.Name, p.Message, p.Code)
			}
			switch {
			case *dryRun && d.Error == "" && len(d.Problems) > 0:
				fmt.Fprintf(c.Stdout, "%s: would be %s with these steps (dry run: nothing is changed):\n", d.Name, verbs[i])
				if err := plan.Format(c.Stdout, plans[i]); err != nil {
					return 1, err
				}
				fmt.Fprintf(c.Stdout, "and then: %s\n", d.Message)
			case d.Fixed:
				fmt.Fprintf(c.Stdout, "%s: %s: %s\n", d.Name, verbs[i], d.Message)
			case d.Error != "":
				for _, l := range failureLine(menu.NotDoneLine(d.Name, verbs[i], d.Error), d.Error) {
					fmt.Fprintln(c.Stdout, l)
				}
			case d.Message != "" && len(d.Problems) == 0:
				fmt.Fprintf(c.Stdout, "%s: %s\n", d.Name, d.Message)
			}
		}
		if repairable > 0 && !*fix {
			fmt.Fprintln(c.Stdout, "Run `limabar doctor --fix` to repair.")
		}
	}
	if remaining > 0 {
		return 3, nil
	}
	return 0, nil
}

// failureClearer is a Backend that can forget a job's failure without
// starting or stopping it (systemd's reset-failed).
type failureClearer interface {
	ClearsFailures() bool
	ClearFailure(ctx context.Context, name string, c autostart.Condition) error
}

// clearFailure is doctor's entry d for an instance whose job failed with
// a sound registration. With fix, the failure is cleared where the
// service manager can (clears), and read again; otherwise, and where it
// cannot, the entry says what to do. remaining counts what is left.
func clearFailure(ctx context.Context, b Backend, fc failureClearer, clears bool, in state.Instance, d DoctorJSON, fix bool, remaining *int) DoctorJSON {
	start := fmt.Sprintf("`limactl start %s`", in.Name)
	if in.IsColima() {
		start = fmt.Sprintf("`colima start --profile %s`", in.Profile)
	}
	switch {
	case !clears:
		*remaining++
		d.Message = fmt.Sprintf("fix the cause, then start the instance with %s (or Try Again in the menu): the failure is shown until the job runs again", start)
		if fix {
			d.Error = d.Message
		}
		return d
	case !fix:
		*remaining++
		d.Message = fmt.Sprintf("fix the cause, then `limabar doctor --fix` clears the failure (it starts nothing) and %s starts the instance", start)
		return d
	}
	if err := fc.ClearFailure(ctx, in.ID(), in.HealthCondition); err != nil {
		*remaining++
		d.Error = err.Error()
		return d
	}
	for _, now := range b.Snapshot(ctx).Instances {
		if now.ID() == in.ID() && now.Health != nil && now.Health.Bad() {
			*remaining++
			d.Error = "the job failed again: " + healthSentence(now.Health)
			return d
		}
	}
	d.Fixed = true
	d.Message = fmt.Sprintf("the failure is forgotten and nothing was started: the job runs at the next %s, or %s starts the instance now", in.HealthCondition, start)
	return d
}

// healthSentence is a failed job's health for doctor's text output.
func healthSentence(h *health.Health) string {
	s := "the autostart job did not start"
	if h.State == health.Failing {
		s = "the autostart job keeps failing"
	}
	if h.Reason != "" {
		s += ": " + h.Reason
	}
	switch {
	case h.ExitCode != 0:
		s += fmt.Sprintf(" (exit %d)", h.ExitCode)
	case h.Signal != 0:
		s += fmt.Sprintf(" (killed by signal %d)", h.Signal)
	}
	return s + " (" + string(h.State) + ")"
}

// leftAfter counts the problems an instance still has, read afresh.
func leftAfter(ctx context.Context, b Backend, name string) int {
	for _, in := range b.Snapshot(ctx).Instances {
		if in.ID() == name {
			return len(in.Autostart.Login.Problems) + len(in.Autostart.Boot.Problems)
		}
	}
	return 0
}

// missing is an instance that limactl does not list but that registrations
// still start.
type missing struct {
	name string
	regs []autostart.Registration // boot before login
}

// missingInstances groups the registrations whose instance limactl does
// not list, by name, in the engine's order. At the next login or boot
// launchd or systemd would run `limactl start NAME`, which fails. A job
// that passes another LIMA_HOME holding the instance starts one that
// exists, and is left alone.
func missingInstances(s state.Snapshot, regs []autostart.Registration) []missing {
	listed := map[string]bool{}
	for _, in := range s.Instances {
		listed[in.ID()] = true
	}
	var out []missing
	for _, r := range regs {
		id := regID(r)
		if listed[id] || r.OtherLimaHome != "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].name == id {
			out[n-1].regs = append(out[n-1].regs, r)
			continue
		}
		out = append(out, missing{name: id, regs: []autostart.Registration{r}})
	}
	return out
}

// planRemovals is the plan of removeRegistrations, as one plan: the steps
// of each removal, boot first, and what they report.
func planRemovals(ctx context.Context, b Backend, m missing) (plan.Plan, string, error) {
	all := plan.Plan{Subject: fmt.Sprintf("instance %q", m.name)}
	var msgs []string
	for _, r := range m.regs {
		p, err := b.PlanDisable(ctx, m.name, r.Condition)
		if err != nil {
			return all, strings.Join(msgs, "; "), err
		}
		all.Steps = append(all.Steps, p.All()...)
		if p.Result.Message != "" {
			msgs = append(msgs, p.Result.Message)
		}
	}
	return all, strings.Join(msgs, "; "), nil
}

// removeRegistrations disables each registration of an instance that is
// gone, boot first (it is the step that may be cancelled at the
// administrator prompt), and checks that none is left. Disable warns that
// limactl does not know the instance, which is why it is removed, so the
// warning is not repeated.
func removeRegistrations(ctx context.Context, b Backend, m missing) (string, error) {
	var msgs []string
	for _, r := range m.regs {
		res, err := b.Disable(ctx, m.name, r.Condition)
		if err != nil {
			return strings.Join(msgs, "; "), err
		}
		if res.Message != "" {
			msgs = append(msgs, res.Message)
		}
	}
	msg := strings.Join(msgs, "; ")
	regs, err := b.Registered(ctx)
	if err != nil {
		return msg, err
	}
	for _, r := range regs {
		if r.Name == m.name {
			return msg, fmt.Errorf("%s is still there after the removal", r.Path)
		}
	}
	return msg, nil
}
