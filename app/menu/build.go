package menu

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/loginitem"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/problem"
)

// Input is everything the menu shows: the last snapshot and what LimaBar is
// doing or failed to do since.
type Input struct {
	// Snapshot is nil until the first read has finished.
	Snapshot *state.Snapshot
	// Busy holds the actions in flight, by the slot they occupy.
	Busy map[Slot]Action
	// Failures are shown newest first; only the first MaxFailures appear.
	Failures []Failure
	// Waiting is set while a refresh has taken long (limactl slow or hung);
	// the menu keeps showing the last snapshot and says so.
	Waiting bool
	// Refreshing says that Snapshot is the one kept from LimaBar's last
	// run, shown at start-up until the first read replaces it: the menu
	// says so, and holds what would act on it.
	Refreshing bool
	// Version is LimaBar's own version, shown on the About line above
	// Quit; "" leaves the line out.
	Version string
}

// StaleLine is the header line under a failed list when the menu still
// shows the instances of the last list that worked.
const StaleLine = "Instances as last listed (may be out of date)"

// LogFile is the file Show Log opens: the host agent's log, where Lima
// writes why an instance failed to start.
const LogFile = "ha.stderr.log"

// LogPath is the log Show Log opens for the instance in folder dir, "" when
// the folder is not known. A failure notification's Show Log opens it too,
// so both must come from here.
func LogPath(dir string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, LogFile)
}

// LogOf is the log Show Log opens for an instance: the file the reason of
// its failed autostart was read from (on a Mac often launchd.stderr.log,
// where `limactl start` itself wrote it), else LogPath.
func LogOf(in state.Instance) string {
	if in.Health != nil && in.Health.Bad() && in.Health.Log != "" {
		return in.Health.Log
	}
	return LogPath(in.Dir)
}

// Build returns the menu for in. It is cheap (a few microseconds per
// instance) so the program rebuilds the whole menu on every change.
func Build(in Input) Menu {
	b := builder{in: in}
	m := Menu{
		Header:    b.header(),
		Instances: b.instances(),
		Footer:    b.footer(),
		Icon:      IconNormal,
	}
	if b.attention {
		m.Icon = IconAttention
	}
	m.Tooltip = b.tooltip()
	return m
}

type builder struct {
	in        Input
	attention bool
}

func (b *builder) busy(s Slot) (Action, bool) {
	a, ok := b.in.Busy[s]
	return a, ok
}

func (b *builder) header() []Item {
	var h []Item
	for i, f := range b.in.Failures {
		if i == MaxFailures {
			break
		}
		b.attention = true
		h = append(h, Item{
			Title:   "⚠ " + FailureLine(f.Action, f.Err),
			Tooltip: FailureTitle(f.Action) + ": " + f.Err,
			Enabled: true,
			Action:  Action{Kind: ShowFailure, Failure: f.ID, Instance: f.Action.Instance},
		})
	}
	snap := b.in.Snapshot
	switch {
	case snap == nil:
		h = append(h, line("Reading Lima instances…"))
	case snap.Limactl == "":
		b.attention = true
		msg := "limactl was not found"
		if snap.LimactlErr != "" {
			msg = snap.LimactlErr
		}
		h = append(h,
			Item{Title: "Lima is not installed (limactl not found)", Tooltip: msg},
			Item{Title: "Install Lima…", Tooltip: InstallURL, Enabled: true,
				Action: Action{Kind: OpenURL, Target: InstallURL}},
		)
	case snap.ListErr != "":
		b.attention = true
		h = append(h, Item{
			Title:   "⚠ " + ListFailureLine(snap.ListErr),
			Tooltip: "Could not list instances: " + snap.ListErr,
			Enabled: true,
			Action:  Action{Kind: ShowText, Target: "Could not list instances: " + snap.ListErr},
		})
		if snap.InstancesStale && len(snap.Instances) > 0 {
			h = append(h, Item{
				Title:   StaleLine,
				Tooltip: "The instances below are from the last time limactl listed them; LimaBar lists them again when something changes or on Refresh",
			})
		}
	case len(snap.Instances) == 0 && snap.LimaHomeMissing:
		h = append(h, Item{
			Title:   truncate("No Lima instances: "+snap.LimaHome+" does not exist", FailureLineWidth),
			Tooltip: "LIMA_HOME " + snap.LimaHome + " is missing (deleted, or on a volume that is not mounted)",
		})
	case len(snap.Instances) == 0:
		h = append(h, Item{
			Title:   "No Lima instances",
			Tooltip: "Create one in a terminal with: limactl start",
		})
	default:
		h = append(h, line(summary(snap.Instances)))
	}
	if b.in.Refreshing && snap != nil {
		h = append(h, Item{Title: RefreshingLine, Tooltip: RefreshingTooltip})
	}
	if b.in.Waiting {
		h = append(h, line("Waiting for limactl…"))
	}
	return h
}

func line(title string) Item { return Item{Title: title} }

func summary(insts []state.Instance) string {
	running := 0
	for _, in := range insts {
		if in.Status == lima.StatusRunning {
			running++
		}
	}
	noun := "instances"
	if len(insts) == 1 {
		noun = "instance"
	}
	return fmt.Sprintf("%d of %d %s running", running, len(insts), noun)
}

func (b *builder) instances() []Item {
	snap := b.in.Snapshot
	if snap == nil || snap.Limactl == "" {
		return nil
	}
	if snap.ColimaHome != "" {
		return b.groups(snap)
	}
	insts := snap.Instances
	items := make([]Item, 0, min(len(insts), MaxInstances))
	inline := insts
	var more []state.Instance
	if len(insts) > MaxInstances {
		inline, more = insts[:MaxInstances-1], insts[MaxInstances-1:]
	}
	for i := range inline {
		items = append(items, b.instance(snap, &inline[i]))
	}
	if len(more) > 0 {
		children := make([]Item, 0, len(more))
		for i := range more {
			children = append(children, b.instance(snap, &more[i]))
		}
		items = append(items, moreItem(children))
	}
	return items
}

// moreItem is the "More Instances" submenu holding the rows that do not fit.
func moreItem(children []Item) Item {
	return Item{
		Title:    fmt.Sprintf("More Instances (%d)", len(children)),
		Enabled:  true,
		Children: children,
	}
}

// problems lists what is wrong with an instance, each once: limactl's
// errors and broken registrations first, marked ⚠ and counted in serious,
// then degraded ones, marked ◇, which do not stop the VM from starting and
// so raise no attention icon. Cosmetic problems are left to doctor.
// repairable counts the registration problems Repair Autostart fixes.
func problems(in *state.Instance) (lines []Item, serious, repairable int) {
	seen := map[string]bool{}
	add := func(mark, text, tip string) bool {
		if seen[text] {
			return false
		}
		seen[text] = true
		if tip == "" {
			tip = text
		}
		lines = append(lines, Item{Title: truncate(mark+" "+firstLine(text), problemWidth+2), Tooltip: tip})
		return true
	}
	for _, e := range in.Errors {
		// limactl's messages lead with context ("failed to unmarshal
		// YAML (main file PATH): [2:12] …") and may go on with a quote of
		// the file: the line shows the end of the first line, the
		// tooltip all of it.
		first, _, _ := strings.Cut(strings.TrimSpace(e), "\n")
		if seen[first] {
			continue
		}
		seen[first] = true
		lines = append(lines, Item{Title: "⚠ " + fitTail(first, problemWidth), Tooltip: e})
	}
	if in.AutostartErr != "" {
		// The instance and the cause fit the line; the whole error is
		// in the tooltip and one click away.
		full := "Autostart state unknown: " + in.AutostartErr
		if add("⚠", AutostartUnknownLine(in.Label(), in.AutostartErr), full) {
			last := &lines[len(lines)-1]
			last.Enabled = true
			last.Action = Action{Kind: ShowText, Target: in.Label() + ": " + full}
		}
	}
	serious = len(lines)
	for _, sev := range []problem.Severity{problem.Broken, problem.Degraded} {
		mark := "⚠"
		if sev == problem.Degraded {
			mark = "◇"
		}
		for _, c := range []struct {
			name string
			st   autostart.CondStatus
		}{{"Start at Login", in.Autostart.Login}, {"Start at Boot", in.Autostart.Boot}} {
			for _, p := range c.st.Problems {
				if p.Severity() != sev || !add(mark, p.Message, c.name+": "+p.Message+" ("+p.Code+", "+string(sev)+")") {
					continue
				}
				repairable++
				if sev == problem.Broken {
					serious++
				}
			}
		}
	}
	return lines, serious, repairable
}

// statusMark is the mark before an instance's name, as text and as an icon
// key.
func statusMark(status string, problems int, busy bool) (string, IconKey) {
	switch {
	case busy:
		return "◌", IconBusy
	case problems > 0 || status == lima.StatusBroken:
		return "⚠", IconProblem
	case status == lima.StatusRunning:
		return "●", IconRunning
	case status == lima.StatusStopped:
		return "○", IconStopped
	}
	return "◌", IconBusy
}

func (b *builder) instance(snap *state.Snapshot, in *state.Instance) Item {
	// name is what actions carry (the ID: "colima:P" for a Colima
	// profile); label is what the row says.
	name, label := in.ID(), in.Label()
	probLines, serious, autostartProblems := problems(in)
	power, powerBusy := b.busy(Slot{name, GroupPower})
	status := in.Status
	if status == "" {
		status = "Unknown"
	}
	bad := in.Health != nil && in.Health.Bad()
	if serious > 0 || bad {
		b.attention = true
	}

	// Title: mark, name, status, and what starts it by itself.
	var title strings.Builder
	mark, icon := statusMark(in.Status, serious+boolInt(bad), powerBusy)
	title.WriteString(mark)
	title.WriteString(" ")
	title.WriteString(label)
	if in.Runtime != "" {
		title.WriteString(" · ")
		title.WriteString(in.Runtime)
	}
	title.WriteString(" — ")
	if powerBusy {
		title.WriteString(BusyTitle(power))
	} else {
		title.WriteString(status)
	}
	switch {
	case in.Autostart.Boot.Enabled:
		title.WriteString(" · starts at boot")
	case in.Autostart.Login.Enabled:
		title.WriteString(" · starts at login")
	}
	if bad {
		title.WriteString(" · ")
		title.WriteString(healthShort(in.Health))
	}
	if serious > 0 {
		title.WriteString(" · ")
		title.WriteString(plural(serious, "problem"))
	}

	children := make([]Item, 0, 12)
	children = append(children, line(details(in, status)))

	// Start / Stop / Restart. limactl cannot start an instance it reports
	// errors for, whatever status it gives.
	running := in.Status == lima.StatusRunning
	switch {
	case powerBusy:
		children = append(children, line(BusyTitle(power)))
	case in.Status == lima.StatusBroken || len(in.Errors) > 0:
		children = append(children, Item{Title: "Start", Tooltip: "The instance is broken; see the problems below"})
	case running:
		children = append(children,
			Item{Title: "Stop", Enabled: true, Action: Action{Kind: Stop, Instance: name}},
			Item{Title: "Restart", Enabled: true, Action: Action{Kind: Restart, Instance: name}},
		)
	case in.Status == lima.StatusStopped:
		children = append(children, Item{Title: "Start", Enabled: true, Action: Action{Kind: Start, Instance: name}})
	default:
		// An unusual status (Starting, Unknown): offer both and let
		// limactl decide.
		children = append(children,
			Item{Title: "Start", Enabled: true, Action: Action{Kind: Start, Instance: name}},
			Item{Title: "Stop", Enabled: true, Action: Action{Kind: Stop, Instance: name}},
		)
	}

	// The two switches.
	children = append(children,
		b.autostartSwitch(snap.Platform, in, autostart.Login),
		b.autostartSwitch(snap.Platform, in, autostart.Boot),
	)

	// What became of the job, and what fixes it.
	if bad {
		children = append(children, healthItems(snap.Platform, in)...)
	}

	// Problems, then the way to fix them.
	shown := probLines
	if len(shown) > MaxProblemLines {
		shown = shown[:MaxProblemLines-1]
	}
	children = append(children, shown...)
	if hidden := len(probLines) - len(shown); hidden > 0 {
		var tip strings.Builder
		for _, p := range probLines[len(shown):] {
			tip.WriteString(p.Tooltip)
			tip.WriteString("\n")
		}
		children = append(children, Item{
			Title:   fmt.Sprintf("⚠ …and %d more", hidden),
			Tooltip: strings.TrimSpace(tip.String()),
		})
	}
	if autostartProblems > 0 {
		tip := "Rewrite the registration with the current limactl, PATH and LIMA_HOME"
		if in.IsColima() {
			tip = "Rewrite the registration with the current colima, PATH and COLIMA_HOME"
		}
		repair := Item{
			Title:   "Repair Autostart",
			Tooltip: tip,
			Enabled: true,
			Action:  Action{Kind: Repair, Instance: name},
		}
		if a, ok := b.busy(Slot{name, GroupRepair}); ok {
			repair.Title = BusyTitle(a)
			repair.Enabled = false
		}
		children = append(children, repair)
	}

	// Ways to look inside.
	shell := Item{Title: "Open Shell", Action: Action{Kind: OpenShell, Instance: name}}
	switch {
	case running && in.IsColima():
		shell.Enabled = true
		shell.Tooltip = "colima ssh --profile " + in.Profile
	case running:
		shell.Enabled = true
		shell.Tooltip = "limactl shell " + name
	default:
		shell.Tooltip = "The instance is not running"
	}
	children = append(children, shell)
	if log := LogOf(*in); log != "" {
		children = append(children,
			Item{Title: "Show Log", Tooltip: log, Enabled: true,
				Action: Action{Kind: ShowLog, Instance: name, Target: log}},
			Item{Title: "Open Folder", Tooltip: in.Dir, Enabled: true,
				Action: Action{Kind: OpenFolder, Instance: name, Target: in.Dir}},
		)
	}

	switch {
	case snap.InstancesStale && !in.IsColima():
		holdStale(children, StaleTooltip)
	case b.in.Refreshing:
		holdStale(children, RefreshingTooltip)
	}

	return Item{
		Title:    title.String(),
		Tooltip:  in.Dir,
		Enabled:  true,
		Icon:     icon,
		Children: children,
	}
}

// StaleTooltip says why an action of an instance shown as last listed is
// not offered.
const StaleTooltip = "Not available while limactl cannot list the instances: what this shows was read before, and may have changed since"

// RefreshingLine is the header line of the menu kept from LimaBar's last
// run, shown at start-up until the first read replaces it.
const RefreshingLine = "Refreshing…"

// RefreshingTooltip says why an action of the menu kept from the last run
// is not offered yet.
const RefreshingTooltip = "Not available until LimaBar has read the instances again: this menu is the one of LimaBar's last run"

// holdStale turns off the items that would change an instance shown from
// an earlier list: its switches and status were read then, and acting on
// them now could do the opposite of what is on disk. Looking inside (log,
// folder, shell) stays.
func holdStale(items []Item, why string) {
	for i := range items {
		switch items[i].Action.Kind {
		case Start, Stop, Restart, Enable, Disable, Repair, TryAgain, StopRetrying, FixStale:
			items[i].Enabled = false
			items[i].Tooltip = why
		}
	}
}

// details is the first, informational line of an instance's submenu.
func details(in *state.Instance, status string) string {
	parts := []string{status}
	if in.IsColima() {
		parts = append(parts, "Colima profile "+in.Profile)
	}
	if in.VMType != "" {
		parts = append(parts, in.VMType)
	}
	if in.Arch != "" {
		parts = append(parts, in.Arch)
	}
	if in.CPUs > 0 {
		parts = append(parts, plural(in.CPUs, "CPU"))
	}
	if in.Memory > 0 {
		parts = append(parts, bytesText(in.Memory)+" memory")
	}
	if in.Disk > 0 {
		parts = append(parts, bytesText(in.Disk)+" disk")
	}
	return strings.Join(parts, " · ")
}

func bytesText(n int64) string {
	const gib = 1 << 30
	if n >= gib && n%gib == 0 {
		return fmt.Sprintf("%d GiB", n/gib)
	}
	if n >= gib {
		return fmt.Sprintf("%.1f GiB", float64(n)/gib)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func (b *builder) autostartSwitch(p autostart.Platform, in *state.Instance, c autostart.Condition) Item {
	st := in.Autostart.Of(c)
	it := Item{
		Title:     SwitchTitle(c),
		Checkable: true,
		Checked:   st.Enabled,
		Enabled:   st.Supported && in.AutostartErr == "",
		Tooltip:   switchTooltip(p, c, switchSubject(in), st),
	}
	if st.Enabled {
		it.Action = Action{Kind: Disable, Instance: in.ID(), Condition: c}
	} else {
		it.Action = Action{Kind: Enable, Instance: in.ID(), Condition: c}
	}
	brewSwitch(&it, in, c)
	slot, _ := it.Action.Slot()
	if a, ok := b.busy(slot); ok {
		// Show where the switch is going while it gets there.
		it.Title = SwitchTitle(c) + " — " + BusyTitle(a)
		it.Checked = a.Kind == Enable
		it.Enabled = false
	}
	return it
}

// SwitchTitle is the label of a switch.
func SwitchTitle(c autostart.Condition) string {
	if c == autostart.Boot {
		return "Start at Boot"
	}
	return "Start at Login"
}

func switchTooltip(p autostart.Platform, c autostart.Condition, name string, st autostart.CondStatus) string {
	if !st.Supported {
		return "Not available on this system"
	}
	var s string
	switch {
	case c == autostart.Login:
		s = "Start " + name + " when you log in"
	case p == autostart.Darwin:
		s = "Start " + name + " when the Mac starts, before anyone logs in (asks for an administrator password)"
	default:
		s = "Start " + name + " when the computer starts, before anyone logs in (turns on lingering)"
	}
	if st.Path != "" {
		s += "\n" + st.Path
	}
	return s
}

func (b *builder) footer() []Item {
	self := Item{
		Title:     "Open LimaBar at Login",
		Checkable: true,
		Action:    Action{Kind: SetSelfStart, On: true},
	}
	if snap := b.in.Snapshot; snap != nil {
		self.Checked = snap.SelfStart
		self.Enabled = snap.SelfStartSupported
		self.Action.On = !snap.SelfStart
		if !snap.SelfStartSupported {
			self.Tooltip = "Not available on this system"
		}
	}
	if a, ok := b.busy(Slot{"", GroupSelfStart}); ok {
		self.Title += " — " + BusyTitle(a)
		self.Checked = a.On
		self.Enabled = false
	}
	items := []Item{self}
	if snap := b.in.Snapshot; snap != nil && snap.SelfStartNote != "" {
		// macOS holds the login item back (requiresApproval): the
		// switch is off until the user approves LimaBar there, and
		// this line opens the page.
		items = append(items, Item{
			Title:   "⚠ " + snap.SelfStartNote,
			Tooltip: "Opens System Settings → General → Login Items",
			Enabled: true,
			Action:  Action{Kind: OpenURL, Target: loginitem.SettingsURL},
		})
	}
	items = append(items, Item{Title: "Refresh", Enabled: true, Action: Action{Kind: Refresh}})
	if b.in.Version != "" {
		items = append(items, AboutLine(b.in.Version))
	}
	return append(items, Item{Title: "Quit LimaBar", Enabled: true, Action: Action{Kind: Quit}})
}

// AboutLine is the line that says which LimaBar runs: its version, as
// `limabar --version` prints it, so that a bug report can name it.
func AboutLine(version string) Item {
	return Item{Title: "LimaBar " + version, Tooltip: "The version of LimaBar that is running"}
}

func (b *builder) tooltip() string {
	snap := b.in.Snapshot
	switch {
	case snap == nil:
		return "LimaBar"
	case snap.Limactl == "":
		return "LimaBar — Lima is not installed"
	case snap.ListErr != "":
		return "LimaBar — could not list instances"
	}
	return "LimaBar — " + summary(snap.Instances)
}

// BusyTitle is what an item says while its action runs.
func BusyTitle(a Action) string {
	switch a.Kind {
	case Start:
		return "Starting…"
	case Stop:
		return "Stopping…"
	case Restart:
		return "Restarting…"
	case Enable:
		return "Enabling…"
	case Disable:
		return "Disabling…"
	case Repair:
		return "Repairing…"
	case SetSelfStart:
		return "Updating…"
	case TryAgain:
		return "Starting…"
	case StopRetrying:
		return "Stopping…"
	case FixStale:
		return "Removing…"
	}
	return "Working…"
}

// FailureTitle says, for the user, what could not be done.
func FailureTitle(a Action) string {
	n := a.Instance
	switch a.Kind {
	case Start:
		return "Could not start " + n
	case Stop:
		return "Could not stop " + n
	case Restart:
		return "Could not restart " + n
	case Enable:
		return "Could not enable " + SwitchTitle(a.Condition) + " for " + n
	case Disable:
		return "Could not disable " + SwitchTitle(a.Condition) + " for " + n
	case Repair:
		return "Could not repair " + n
	case OpenShell:
		return "Could not open a shell in " + n
	case ShowLog:
		return "Could not show the log of " + n
	case OpenFolder:
		return "Could not open the folder of " + n
	case SetSelfStart:
		return "Could not change Open LimaBar at Login"
	case OpenURL:
		return "Could not open " + a.Target
	case TryAgain:
		return "Could not start " + n + " again"
	case StopRetrying:
		return "Could not stop the restarts of " + n
	case FixStale:
		return "Could not remove the stale ha.pid of " + n
	}
	return "Could not " + a.Kind.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i]) + " …"
	}
	return s
}

// headerWidth is the widest a header line gets, in characters.
const headerWidth = 90

// problemWidth is the widest the text of a problem line gets, in characters.
const problemWidth = 68

func runeLen(s string) int { return len([]rune(s)) }

// fitTail shortens an error message to n characters by dropping its
// leading context: wrapped errors read "what: while doing: why", and the
// menu names what already, so the end is the part worth the space. The
// whole message stays in the tooltip and behind a click.
func fitTail(msg string, n int) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if runeLen(msg) <= n {
		return msg
	}
	rest := msg
	for {
		_, after, ok := strings.Cut(rest, ": ")
		if !ok {
			break
		}
		rest = after
		if runeLen(rest)+1 <= n {
			return "…" + rest
		}
	}
	return truncate(rest, n)
}

// truncate shortens s to at most n characters, so that one long error
// cannot make the menu as wide as the screen; the tooltip keeps the rest.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// healthShort is what an instance's row says of a job that failed.
func healthShort(h *health.Health) string {
	if h.State == health.Failing {
		return "keeps failing"
	}
	return "did not start"
}

// HealthLine says, in plain words, what became of a job that failed:
// "Did not start at login: qemu-system-x86_64 not found (exit 1)".
func HealthLine(h *health.Health, c autostart.Condition) string {
	when := "at login"
	if c == autostart.Boot {
		when = "at boot"
	}
	var s string
	if h.State == health.Failing {
		s = "Keeps failing " + when
	} else {
		s = "Did not start " + when
	}
	if h.Reason != "" {
		s += ": " + h.Reason
	}
	var facts []string
	if h.ExitCode != 0 {
		facts = append(facts, fmt.Sprintf("exit %d", h.ExitCode))
	}
	if h.Restarts > 0 {
		facts = append(facts, plural(h.Restarts, "restart"))
	}
	if len(facts) > 0 {
		s += " (" + strings.Join(facts, ", ") + ")"
	}
	return s
}

// StalePIDLine says why an instance does not start after an unclean shutdown.
func StalePIDLine(st *health.StalePID) string {
	if st.PID > 0 {
		return fmt.Sprintf("Stale ha.pid: process %d is not Lima's host agent (unclean shutdown?)", st.PID)
	}
	return "Stale ha.pid left by an unclean shutdown"
}

// healthItems are the lines and actions of a job that failed.
func healthItems(p autostart.Platform, in *state.Instance) []Item {
	h, c := in.Health, in.HealthCondition
	// The line leads with the instance and the cause, in the short form
	// of the notification, list and doctor; the whole text is in the
	// tooltip and one click away.
	text := HealthLine(h, c)
	items := []Item{{Title: "⚠ " + HealthFailureLine(in.Label(), h, c), Tooltip: text, Enabled: true,
		Action: Action{Kind: ShowText, Target: in.Label() + ": " + text}}}
	if h.Stale != nil {
		items = append(items,
			Item{Title: "⚠ " + StalePIDLine(h.Stale), Tooltip: h.Stale.Path},
			Item{Title: "Remove Stale ha.pid", Enabled: true,
				Tooltip: "Removes " + h.Stale.Path + " and ha.sock after checking again that no host agent runs under that pid",
				Action:  Action{Kind: FixStale, Instance: in.ID()}},
		)
	}
	tryAgain := "Start the job now"
	if c == autostart.Boot {
		tryAgain += " (" + state.TryAgainBootNote + ")"
	}
	items = append(items, Item{Title: "Try Again", Enabled: true,
		Tooltip: tryAgain,
		Action:  Action{Kind: TryAgain, Instance: in.ID(), Condition: c}})
	if h.State == health.Failing {
		items = append(items, Item{Title: "Stop Retrying", Enabled: true,
			Tooltip: StopRetryingTooltip(p),
			Action:  Action{Kind: StopRetrying, Instance: in.ID(), Condition: c}})
	}
	return items
}

// StopRetryingTooltip says what Stop Retrying does and how it is undone.
// On a Mac it unloads the login agent (`launchctl bootout`): launchd loads
// it again at the next login, and turning Start at Login off and on loads
// it at once. systemd keeps the unit enabled but inactive until the next
// login or boot.
func StopRetryingTooltip(p autostart.Platform) string {
	if p == autostart.Darwin {
		return "Unload the job so that launchd stops restarting it, until the next login; turn Start at Login off and on to load it again now"
	}
	return "Stop the restarts until the next login or boot"
}
