package menu

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/state"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/problem"
)

// dump writes items as indented text: "[x]"/"[ ]" for switches, "~" for a
// disabled item, "-> kind" for its action.
func dump(b *strings.Builder, items []Item, depth int) {
	for _, it := range items {
		b.WriteString(strings.Repeat("  ", depth))
		if !it.Enabled {
			b.WriteString("~")
		}
		if it.Checkable {
			if it.Checked {
				b.WriteString("[x] ")
			} else {
				b.WriteString("[ ] ")
			}
		}
		b.WriteString(it.Title)
		if a := it.Action; a.Kind != None && it.Enabled {
			b.WriteString(" -> " + a.Kind.String())
			if a.Condition != "" {
				b.WriteString(" " + string(a.Condition))
			}
			if a.Kind == SetSelfStart {
				fmt.Fprintf(b, " %t", a.On)
			}
			if a.Target != "" {
				b.WriteString(" " + a.Target)
			}
		}
		b.WriteString("\n")
		dump(b, it.Children, depth+1)
	}
}

func dumpMenu(m Menu) string {
	var b strings.Builder
	dump(&b, m.Header, 0)
	b.WriteString("---\n")
	dump(&b, m.Instances, 0)
	b.WriteString("---\n")
	dump(&b, m.Footer, 0)
	return b.String()
}

func snap(insts ...state.Instance) *state.Snapshot {
	return &state.Snapshot{
		Platform:           autostart.Linux,
		Limactl:            "/usr/local/bin/limactl",
		LimaHome:           "/home/u/.lima",
		Instances:          insts,
		SelfStartSupported: true,
	}
}

func inst(name, status string) state.Instance {
	return state.Instance{
		Instance: lima.Instance{Name: name, Status: status, Dir: "/home/u/.lima/" + name},
		Autostart: autostart.Status{
			Login: autostart.CondStatus{Supported: true},
			Boot:  autostart.CondStatus{Supported: true},
		},
	}
}

func TestBuild(t *testing.T) {
	running := inst("default", lima.StatusRunning)
	running.Autostart.Login.Enabled = true
	running.Autostart.Login.Path = "/home/u/.config/systemd/user/lima-vm@default.service"
	running.VMType, running.Arch, running.CPUs, running.Memory = "qemu", "x86_64", 4, 4<<30

	problemInst := inst("docker", lima.StatusStopped)
	problemInst.Autostart.Boot.Enabled = true
	problemInst.Autostart.Boot.Problems = []autostart.Problem{
		{Code: "limactl-missing", Message: "the job runs /old/limactl, which does not exist"},
		{Code: "linger-off", Message: "lingering is off"},
	}

	broken := inst("bad", lima.StatusBroken)
	broken.Errors = []string{"field `cpus` must be a number"}

	selfStarting := snap()
	selfStarting.SelfStart = true
	homeGone := snap()
	homeGone.LimaHome = "/Volumes/VMs/lima"
	homeGone.LimaHomeMissing = true

	tests := []struct {
		name string
		in   Input
		want string
	}{
		{
			name: "before the first read",
			in:   Input{},
			want: `~Reading Lima instances…
---
---
~[ ] Open LimaBar at Login
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "limactl missing",
			in:   Input{Snapshot: &state.Snapshot{Platform: autostart.Darwin, LimactlErr: "limactl was not found", SelfStartSupported: true}},
			want: `~Lima is not installed (limactl not found)
Install Lima… -> open-url https://lima-vm.io/docs/installation/
---
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "no instances, LimaBar opens at login",
			in:   Input{Snapshot: selfStarting},
			want: `~No Lima instances
---
---
[x] Open LimaBar at Login -> set-self-start false
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "a Mac's login item waiting for the user's approval",
			in: Input{Snapshot: &state.Snapshot{Platform: autostart.Darwin, Limactl: "/opt/homebrew/bin/limactl", SelfStartSupported: true,
				SelfStartNote: "Approve LimaBar in System Settings → General → Login Items"}},
			want: `~No Lima instances
---
---
[ ] Open LimaBar at Login -> set-self-start true
⚠ Approve LimaBar in System Settings → General → Login Items -> open-url x-apple.systempreferences:com.apple.LoginItems-Settings.extension
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "LIMA_HOME missing",
			in:   Input{Snapshot: homeGone},
			want: `~No Lima instances: /Volumes/VMs/lima does not exist
---
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "list failed",
			in: Input{Snapshot: &state.Snapshot{
				Limactl: "/bin/limactl", ListErr: "limactl list did not answer within 30s",
			}},
			want: `⚠ limactl list did not answer within 30s — instances not listed -> show-text Could not list instances: limactl list did not answer within 30s
---
---
~[ ] Open LimaBar at Login
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "running with login, stopped, problems, broken",
			in:   Input{Snapshot: snap(broken, running, problemInst, inst("k3s", lima.StatusStopped))},
			want: `~1 of 4 instances running
---
⚠ bad — Broken · 1 problem
  ~Broken
  ~Start
  [ ] Start at Login -> enable login
  [ ] Start at Boot -> enable boot
  ~⚠ field ` + "`cpus`" + ` must be a number
  ~Open Shell
  Show Log -> show-log /home/u/.lima/bad/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/bad
● default — Running · starts at login
  ~Running · qemu · x86_64 · 4 CPUs · 4 GiB memory
  Stop -> stop
  Restart -> restart
  [x] Start at Login -> disable login
  [ ] Start at Boot -> enable boot
  Open Shell -> open-shell
  Show Log -> show-log /home/u/.lima/default/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/default
⚠ docker — Stopped · starts at boot · 2 problems
  ~Stopped
  Start -> start
  [ ] Start at Login -> enable login
  [x] Start at Boot -> disable boot
  ~⚠ the job runs /old/limactl, which does not exist
  ~⚠ lingering is off
  Repair Autostart -> repair
  ~Open Shell
  Show Log -> show-log /home/u/.lima/docker/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/docker
○ k3s — Stopped
  ~Stopped
  Start -> start
  [ ] Start at Login -> enable login
  [ ] Start at Boot -> enable boot
  ~Open Shell
  Show Log -> show-log /home/u/.lima/k3s/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/k3s
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "busy: starting, enabling boot, repairing, updating self-start",
			in: Input{
				Snapshot: snap(problemInst),
				Busy: map[Slot]Action{
					{"docker", GroupPower}:  {Kind: Start, Instance: "docker"},
					{"docker", GroupLogin}:  {Kind: Enable, Instance: "docker", Condition: autostart.Login},
					{"docker", GroupRepair}: {Kind: Repair, Instance: "docker"},
					{"", GroupSelfStart}:    {Kind: SetSelfStart, On: true},
				},
			},
			want: `~0 of 1 instance running
---
◌ docker — Starting… · starts at boot · 2 problems
  ~Stopped
  ~Starting…
  ~[x] Start at Login — Enabling…
  [x] Start at Boot -> disable boot
  ~⚠ the job runs /old/limactl, which does not exist
  ~⚠ lingering is off
  ~Repairing…
  ~Open Shell
  Show Log -> show-log /home/u/.lima/docker/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/docker
---
~[x] Open LimaBar at Login — Updating…
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "failures newest first, at most three, and a slow limactl",
			in: Input{
				Snapshot: snap(),
				Waiting:  true,
				Failures: []Failure{
					{ID: 4, Action: Action{Kind: Enable, Instance: "default", Condition: autostart.Boot}, Err: "authorization failed"},
					{ID: 3, Action: Action{Kind: Start, Instance: "k3s"}, Err: "exit status 1\nmore detail"},
					{ID: 2, Action: Action{Kind: SetSelfStart, On: true}, Err: "permission denied"},
					{ID: 1, Action: Action{Kind: Stop, Instance: "old"}, Err: "not shown"},
				},
			},
			want: `⚠ default: authorization failed — Start at Boot not turned on -> show-failure
⚠ k3s: exit status 1 — not started -> show-failure
⚠ permission denied — Open LimaBar at Login not changed -> show-failure
~No Lima instances
~Waiting for limactl…
---
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Build(tt.in)
			got := dumpMenu(m)
			if got != tt.want {
				t.Errorf("menu differs\ngot:\n%s\nwant:\n%s", got, tt.want)
			}
			// The top level keeps a steady, bounded width.
			for _, it := range m.Header {
				if n := len([]rune(it.Title)); n > FailureLineWidth {
					t.Errorf("header line %q is %d characters, more than %d", it.Title, n, FailureLineWidth)
				}
			}
		})
	}
}

// TestBuildMissingLimaHomeLineIsBounded: a deep LIMA_HOME does not widen
// the menu; the tooltip has the whole path.
func TestBuildMissingLimaHomeLineIsBounded(t *testing.T) {
	s := snap()
	s.LimaHomeMissing = true
	s.LimaHome = "/Volumes/External Disk With A Long Name/virtual machines/lima/homes/alice"
	it := Build(Input{Snapshot: s}).Header[0]
	if want := "No Lima instances: /Volumes/External Disk With A Long Name/virtual machines/lim…"; it.Title != want {
		t.Errorf("got  %q\nwant %q", it.Title, want)
	}
	if !strings.Contains(it.Tooltip, s.LimaHome) {
		t.Errorf("tooltip %q lacks the path", it.Tooltip)
	}
}

func TestBuildIcon(t *testing.T) {
	withProblem := inst("docker", lima.StatusRunning)
	withProblem.Autostart.Login.Problems = []autostart.Problem{{Code: "limactl-missing", Message: "no limactl"}}
	tests := []struct {
		name string
		in   Input
		want IconKey
	}{
		{"all well", Input{Snapshot: snap(inst("default", lima.StatusRunning))}, IconNormal},
		{"a problem", Input{Snapshot: snap(withProblem)}, IconAttention},
		{"limactl missing", Input{Snapshot: &state.Snapshot{}}, IconAttention},
		{"a failure", Input{Snapshot: snap(), Failures: []Failure{{ID: 1, Err: "x"}}}, IconAttention},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Build(tt.in).Icon; got != tt.want {
				t.Errorf("icon: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildUnsupportedBoot(t *testing.T) {
	in := inst("default", lima.StatusStopped)
	in.Autostart.Boot.Supported = false
	m := Build(Input{Snapshot: snap(in)})
	boot := m.Instances[0].Children[3]
	if boot.Title != "Start at Boot" || boot.Enabled {
		t.Errorf("boot switch: got %q enabled=%t, want %q disabled", boot.Title, boot.Enabled, "Start at Boot")
	}
	if boot.Tooltip != "Not available on this system" {
		t.Errorf("boot tooltip: got %q", boot.Tooltip)
	}
}

func TestBuildAutostartUnreadable(t *testing.T) {
	in := inst("default", lima.StatusRunning)
	in.AutostartErr = "systemctl: no user manager"
	m := Build(Input{Snapshot: snap(in)})
	got := dumpMenu(Menu{Instances: m.Instances})
	want := `---
⚠ default — Running · 1 problem
  ~Running
  Stop -> stop
  Restart -> restart
  ~[ ] Start at Login
  ~[ ] Start at Boot
  ⚠ default: no user manager — autostart state unknown -> show-text default: Autostart state unknown: systemctl: no user manager
  Open Shell -> open-shell
  Show Log -> show-log /home/u/.lima/default/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/default
---
`
	if got != want {
		t.Errorf("menu differs\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestBuildManyProblems(t *testing.T) {
	in := inst("default", lima.StatusStopped)
	for i := range 9 {
		in.Autostart.Login.Problems = append(in.Autostart.Login.Problems,
			autostart.Problem{Code: fmt.Sprint("c", i), Message: fmt.Sprint("problem ", i)})
	}
	// The same problem on both conditions counts once.
	in.Autostart.Boot.Problems = in.Autostart.Login.Problems[:1]
	m := Build(Input{Snapshot: snap(in)})
	if want := "⚠ default — Stopped · 9 problems"; m.Instances[0].Title != want {
		t.Errorf("title: got %q, want %q", m.Instances[0].Title, want)
	}
	var lines []string
	for _, c := range m.Instances[0].Children {
		if strings.HasPrefix(c.Title, "⚠") {
			lines = append(lines, c.Title)
		}
	}
	want := []string{"⚠ problem 0", "⚠ problem 1", "⚠ problem 2", "⚠ problem 3", "⚠ problem 4", "⚠ …and 4 more"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("problem lines: got %q, want %q", lines, want)
	}
}

func TestBuildLongErrorKeepsItsEnd(t *testing.T) {
	err := `cannot make instance "k3s" start at boot: turning on lingering: loginctl enable-linger nobody: Could not enable-linger: Access denied`
	m := Build(Input{Snapshot: snap(), Failures: []Failure{{ID: 1, Action: Action{Kind: Enable, Instance: "k3s", Condition: autostart.Boot}, Err: err}}})
	want := "⚠ k3s: Access denied — Start at Boot not turned on"
	if got := m.Header[0].Title; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, want := m.Header[0].Tooltip, "Could not enable Start at Boot for k3s: "+err; got != want {
		t.Errorf("tooltip %q, want what failed and the whole error, %q", got, want)
	}
}

func TestBuildLongErrorIsShortened(t *testing.T) {
	long := strings.Repeat("é", 300)
	m := Build(Input{Snapshot: snap(), Failures: []Failure{{ID: 1, Action: Action{Kind: Start, Instance: "x"}, Err: long}}})
	got := m.Header[0]
	if n := len([]rune(got.Title)); n != FailureWidth {
		t.Errorf("title length: got %d runes, want %d", n, FailureWidth)
	}
	if !strings.HasSuffix(got.Title, "…") {
		t.Errorf("title %q does not end with an ellipsis", got.Title)
	}
	if got.Tooltip != "Could not start x: "+long {
		t.Errorf("tooltip lost the full error")
	}
}

func manyInstances(n int) *state.Snapshot {
	s := snap()
	for i := range n {
		in := inst(fmt.Sprintf("vm%03d", i), lima.StatusStopped)
		if i%3 == 0 {
			in.Status = lima.StatusRunning
			in.Autostart.Login.Enabled = true
		}
		if i%10 == 0 {
			in.Autostart.Login.Problems = []autostart.Problem{{Code: "path-missing", Message: "no PATH"}}
		}
		s.Instances = append(s.Instances, in)
	}
	return s
}

func TestBuildManyInstances(t *testing.T) {
	tests := []struct {
		n          int
		wantInline int
		wantMore   int
	}{
		{n: MaxInstances, wantInline: MaxInstances},
		{n: MaxInstances + 1, wantInline: MaxInstances - 1, wantMore: 2},
		{n: 200, wantInline: MaxInstances - 1, wantMore: 200 - MaxInstances + 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			m := Build(Input{Snapshot: manyInstances(tt.n)})
			if len(m.Instances) > MaxInstances {
				t.Fatalf("got %d top-level instance items, want at most %d", len(m.Instances), MaxInstances)
			}
			inline := 0
			for _, it := range m.Instances {
				if strings.HasPrefix(it.Title, "More Instances") {
					if want := fmt.Sprintf("More Instances (%d)", tt.wantMore); it.Title != want {
						t.Errorf("got %q, want %q", it.Title, want)
					}
					if len(it.Children) != tt.wantMore {
						t.Errorf("More Instances has %d children, want %d", len(it.Children), tt.wantMore)
					}
					continue
				}
				inline++
			}
			if inline != tt.wantInline {
				t.Errorf("got %d inline instances, want %d", inline, tt.wantInline)
			}
			if tt.wantMore == 0 && len(m.Instances) != tt.wantInline {
				t.Errorf("unexpected More Instances item")
			}
		})
	}
}

func TestHeaderBound(t *testing.T) {
	var failures []Failure
	for i := range 10 {
		failures = append(failures, Failure{ID: i, Action: Action{Kind: Start, Instance: "x"}, Err: "e"})
	}
	stale := manyInstances(3)
	stale.ListErr, stale.InstancesStale = "e", true
	for _, s := range []*state.Snapshot{nil, {}, {Limactl: "/l", ListErr: "e"}, snap(), manyInstances(3), stale} {
		m := Build(Input{Snapshot: s, Failures: failures, Waiting: true})
		if len(m.Header) > MaxHeader {
			t.Errorf("header has %d items, more than MaxHeader %d", len(m.Header), MaxHeader)
		}
		for _, it := range m.Header {
			if it.Checkable || it.Submenu() {
				t.Errorf("header item %q is not a plain line", it.Title)
			}
		}
	}
}

func TestActionSlot(t *testing.T) {
	tests := []struct {
		a      Action
		want   Slot
		wantOK bool
	}{
		{Action{Kind: Start, Instance: "a"}, Slot{"a", GroupPower}, true},
		{Action{Kind: Restart, Instance: "a"}, Slot{"a", GroupPower}, true},
		{Action{Kind: Enable, Instance: "a", Condition: autostart.Login}, Slot{"a", GroupLogin}, true},
		{Action{Kind: Disable, Instance: "a", Condition: autostart.Login}, Slot{"a", GroupLogin}, true},
		{Action{Kind: Enable, Instance: "a", Condition: autostart.Boot}, Slot{"a", GroupBoot}, true},
		{Action{Kind: Repair, Instance: "a"}, Slot{"a", GroupRepair}, true},
		{Action{Kind: SetSelfStart, On: true}, Slot{"", GroupSelfStart}, true},
		{Action{Kind: OpenShell, Instance: "a"}, Slot{}, false},
		{Action{Kind: Refresh}, Slot{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.a.Kind.String(), func(t *testing.T) {
			got, ok := tt.a.Slot()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v %t, want %v %t", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBuild200IsFast(t *testing.T) {
	s := manyInstances(200)
	res := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			Build(Input{Snapshot: s})
		}
	})
	// The issue asks for well under 100 ms; a slow race-enabled CI machine
	// still builds it in a few milliseconds.
	if per := res.NsPerOp(); per > 20e6 {
		t.Errorf("building 200 instances took %.1f ms, want under 20 ms", float64(per)/1e6)
	}
}

func BenchmarkModel500(b *testing.B) {
	s := manyInstances(500)
	b.ReportAllocs()
	for b.Loop() {
		Build(Input{Snapshot: s})
	}
}

func TestBuildInstanceIcons(t *testing.T) {
	withProblem := inst("c", lima.StatusRunning)
	withProblem.Autostart.Login.Problems = []autostart.Problem{{Code: "limactl-missing", Message: "no limactl"}}
	m := Build(Input{
		Snapshot: snap(inst("a", lima.StatusRunning), inst("b", lima.StatusStopped), withProblem, inst("d", lima.StatusStopped)),
		Busy:     map[Slot]Action{{"d", GroupPower}: {Kind: Start, Instance: "d"}},
	})
	want := []IconKey{IconRunning, IconStopped, IconProblem, IconBusy}
	for i, it := range m.Instances {
		if it.Icon != want[i] {
			t.Errorf("%s: icon %q, want %q", it.Title, it.Icon, want[i])
		}
	}
}

// TestBuildBrokenByLimactl: an instance whose lima.yaml Lima v1.2.1 cannot
// load, as app/lima reads it, shows as broken with the reason and without
// Start or Stop; the instance beside it is unaffected.
func TestBuildBrokenByLimactl(t *testing.T) {
	bad := inst("bad", lima.StatusBroken)
	bad.Errors = []string{"failed to unmarshal YAML (main file \"/home/u/.lima/bad/lima.yaml\"): [2:12] mapping value is not allowed in this context\n" +
		"   1 | images: [\n" +
		">  2 |   this is: not: valid\n" +
		"                  ^"}
	m := Build(Input{Snapshot: snap(bad, inst("good", lima.StatusStopped))})
	want := `~0 of 2 instances running
---
⚠ bad — Broken · 1 problem
  ~Broken
  ~Start
  [ ] Start at Login -> enable login
  [ ] Start at Boot -> enable boot
  ~⚠ …[2:12] mapping value is not allowed in this context
  ~Open Shell
  Show Log -> show-log /home/u/.lima/bad/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/bad
○ good — Stopped
  ~Stopped
  Start -> start
  [ ] Start at Login -> enable login
  [ ] Start at Boot -> enable boot
  ~Open Shell
  Show Log -> show-log /home/u/.lima/good/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/good
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`
	if got := dumpMenu(m); got != want {
		t.Errorf("menu differs\ngot:\n%s\nwant:\n%s", got, want)
	}
	if tip := m.Instances[0].Children[4].Tooltip; tip != bad.Errors[0] {
		t.Errorf("problem tooltip %q, want limactl's whole message", tip)
	}
	if m.Icon != IconAttention {
		t.Errorf("icon %q, want %q", m.Icon, IconAttention)
	}
}

// TestBuildErrorsWithoutBrokenStatus: errors alone keep Start and Stop
// away, even from a status limactl did not call Broken.
func TestBuildErrorsWithoutBrokenStatus(t *testing.T) {
	in := inst("odd", "")
	in.Errors = []string{"lima.yaml has errors"}
	m := Build(Input{Snapshot: snap(in)})
	var power []string
	for _, c := range m.Instances[0].Children {
		if c.Title == "Start" || c.Title == "Stop" || c.Title == "Restart" {
			power = append(power, fmt.Sprintf("%s enabled=%t", c.Title, c.Enabled))
		}
	}
	if strings.Join(power, "|") != "Start enabled=false" {
		t.Errorf("power items %q, want only a disabled Start", power)
	}
	if want := "⚠ odd — Unknown · 1 problem"; m.Instances[0].Title != want {
		t.Errorf("title %q, want %q", m.Instances[0].Title, want)
	}
}

// TestBuildStaleInstances: after a failed list the menu shows the error,
// says the instances are the last ones listed, and keeps them usable.
func TestBuildStaleInstances(t *testing.T) {
	running := inst("default", lima.StatusRunning)
	running.Autostart.Login.Enabled = true
	s := snap(running)
	s.ListErr = "limactl list did not answer within 30s"
	s.InstancesStale = true
	failedNoInstances := snap()
	failedNoInstances.ListErr = "limactl list failed: exit status 1"
	failedNoInstances.InstancesStale = true

	tests := []struct {
		name string
		in   Input
		want string
	}{
		{
			name: "last instances under the error",
			in:   Input{Snapshot: s},
			want: `⚠ limactl list did not answer within 30s — instances not listed -> show-text Could not list instances: limactl list did not answer within 30s
~Instances as last listed (may be out of date)
---
● default — Running · starts at login
  ~Running
  ~Stop
  ~Restart
  ~[x] Start at Login
  ~[ ] Start at Boot
  Open Shell -> open-shell
  Show Log -> show-log /home/u/.lima/default/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/default
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "and while limactl is still slow",
			in:   Input{Snapshot: s, Waiting: true},
			want: `⚠ limactl list did not answer within 30s — instances not listed -> show-text Could not list instances: limactl list did not answer within 30s
~Instances as last listed (may be out of date)
~Waiting for limactl…
---
● default — Running · starts at login
  ~Running
  ~Stop
  ~Restart
  ~[x] Start at Login
  ~[ ] Start at Boot
  Open Shell -> open-shell
  Show Log -> show-log /home/u/.lima/default/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/default
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
		{
			name: "nothing to keep",
			in:   Input{Snapshot: failedNoInstances},
			want: `⚠ limactl list failed: exit status 1 — instances not listed -> show-text Could not list instances: limactl list failed: exit status 1
---
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Build(tt.in)
			if got := dumpMenu(m); got != tt.want {
				t.Errorf("menu differs\ngot:\n%s\nwant:\n%s", got, tt.want)
			}
			if m.Icon != IconAttention {
				t.Errorf("icon %q, want %q", m.Icon, IconAttention)
			}
		})
	}
}

// TestNoBadgeForDegradedOrCosmetic: a job limactl wrote, as Lima 2.2's
// `limactl autostart enable` writes it, has no PATH, no Login Items label
// and no log paths of LimaBar's; it starts the VM all the same, so the
// icon has no badge and the row no ⚠. The degraded problems are in the
// submenu, with Repair; the cosmetic one only in doctor.
func TestNoBadgeForDegradedOrCosmetic(t *testing.T) {
	in := inst("default", lima.StatusRunning)
	in.Autostart.Login.Enabled = true
	in.Autostart.Login.Problems = []autostart.Problem{
		{Code: problem.PathMissing, Message: "the job has no PATH of its own"},
		{Code: problem.LogPaths, Message: "the job keeps no log"},
		{Code: problem.BundleID, Message: "Login Items shows an unidentified developer"},
	}
	m := Build(Input{Snapshot: snap(in)})
	if m.Icon != IconNormal {
		t.Errorf("icon %q, want %q", m.Icon, IconNormal)
	}
	row := m.Instances[0]
	if want := "● default — Running · starts at login"; row.Title != want {
		t.Errorf("title %q, want %q", row.Title, want)
	}
	if row.Icon != IconRunning {
		t.Errorf("row icon %q, want %q", row.Icon, IconRunning)
	}
	var lines []string
	for _, c := range row.Children {
		if strings.HasPrefix(c.Title, "◇") || strings.HasPrefix(c.Title, "⚠") || c.Action.Kind == Repair {
			lines = append(lines, c.Title)
		}
	}
	want := []string{"◇ the job has no PATH of its own", "◇ the job keeps no log", "Repair Autostart"}
	if !slices.Equal(lines, want) {
		t.Errorf("problem lines %q, want %q", lines, want)
	}
}

// TestOnlyCosmeticOffersNoRepair: a problem only doctor mentions does not
// put Repair in the menu either.
func TestOnlyCosmeticOffersNoRepair(t *testing.T) {
	in := inst("default", lima.StatusRunning)
	in.Autostart.Login.Enabled = true
	in.Autostart.Login.Problems = []autostart.Problem{{Code: problem.BundleID, Message: "no label"}}
	m := Build(Input{Snapshot: snap(in)})
	for _, c := range m.Instances[0].Children {
		if c.Action.Kind == Repair || strings.Contains(c.Title, "no label") {
			t.Errorf("cosmetic problem shown: %q", c.Title)
		}
	}
}

func TestBuildFailedAutostart(t *testing.T) {
	failed := func(st health.State, stale *health.StalePID) state.Instance {
		in := inst("default", lima.StatusStopped)
		in.Autostart.Login.Enabled = true
		in.Health = &health.Health{State: st, Reason: "qemu-system-x86_64 not found", ExitCode: 1, Stale: stale}
		if st == health.Failing {
			in.Health.Restarts = 4
		}
		in.HealthCondition = autostart.Login
		return in
	}
	tests := []struct {
		name  string
		in    state.Instance
		title string
		lines []string
		// full is what a click on the first line shows.
		full string
	}{
		{"failed once", failed(health.Failed, nil),
			"⚠ default — Stopped · starts at login · did not start",
			[]string{"⚠ default: qemu-system-x86_64 not found — did not start at login", "Try Again -> try-again"},
			"default: Did not start at login: qemu-system-x86_64 not found (exit 1)"},
		{"keeps failing", failed(health.Failing, nil),
			"⚠ default — Stopped · starts at login · keeps failing",
			[]string{"⚠ default: qemu-system-x86_64 not found — keeps failing at login", "Try Again -> try-again", "Stop Retrying -> stop-retrying"},
			"default: Keeps failing at login: qemu-system-x86_64 not found (exit 1, 4 restarts)"},
		{"stale ha.pid", failed(health.Failing, &health.StalePID{Path: "/h/.lima/default/ha.pid", PID: 4242}),
			"⚠ default — Stopped · starts at login · keeps failing",
			[]string{"⚠ default: qemu-system-x86_64 not found — keeps failing at login",
				"⚠ Stale ha.pid: process 4242 is not Lima's host agent (unclean shutdown?)",
				"Remove Stale ha.pid -> fix-stale", "Try Again -> try-again", "Stop Retrying -> stop-retrying"},
			"default: Keeps failing at login: qemu-system-x86_64 not found (exit 1, 4 restarts)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Build(Input{Snapshot: snap(tt.in)})
			if m.Icon != IconAttention {
				t.Errorf("icon %q, want %q", m.Icon, IconAttention)
			}
			row := m.Instances[0]
			if row.Title != tt.title {
				t.Errorf("title %q, want %q", row.Title, tt.title)
			}
			var lines []string
			for _, c := range row.Children {
				switch {
				case strings.HasPrefix(c.Title, "⚠ default:"):
					if !c.Enabled || c.Action.Kind != ShowText || c.Action.Target != tt.full {
						t.Errorf("%q: enabled %v, action %+v; want a click that shows %q", c.Title, c.Enabled, c.Action, tt.full)
					}
					if n := runeLen(c.Title); n > FailureLineWidth {
						t.Errorf("%q is %d characters, more than %d", c.Title, n, FailureLineWidth)
					}
					lines = append(lines, c.Title)
				case strings.HasPrefix(c.Title, "⚠"):
					lines = append(lines, c.Title)
				case c.Action.Kind == TryAgain || c.Action.Kind == StopRetrying || c.Action.Kind == FixStale:
					if c.Action.Instance != "default" || !c.Enabled {
						t.Errorf("%q: action %+v enabled %v", c.Title, c.Action, c.Enabled)
					}
					lines = append(lines, c.Title+" -> "+c.Action.Kind.String())
				}
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("lines\n got %q\nwant %q", lines, tt.lines)
			}
		})
	}
}

func TestBuildHealthyAutostartShowsNothing(t *testing.T) {
	for _, st := range []health.State{health.Running, health.Stopped, health.Unknown} {
		in := inst("default", lima.StatusRunning)
		in.Autostart.Login.Enabled = true
		in.Health = &health.Health{State: st}
		in.HealthCondition = autostart.Login
		m := Build(Input{Snapshot: snap(in)})
		if m.Icon != IconNormal || m.Instances[0].Title != "● default — Running · starts at login" {
			t.Errorf("%s: icon %q, title %q", st, m.Icon, m.Instances[0].Title)
		}
	}
}

// TestShowLogOpensWhereTheReasonIs: on a Mac, `limactl start` run by
// launchd writes why it failed to launchd.stderr.log, and Show Log opens
// that file; without a failure it opens the host agent's log.
func TestShowLogOpensWhereTheReasonIs(t *testing.T) {
	in := inst("default", lima.StatusStopped)
	in.Autostart.Login.Enabled = true
	in.HealthCondition = autostart.Login
	showLog := func(in state.Instance) string {
		for _, c := range Build(Input{Snapshot: snap(in)}).Instances[0].Children {
			if c.Title == "Show Log" {
				return c.Action.Target
			}
		}
		return ""
	}
	if got, want := showLog(in), in.Dir+"/ha.stderr.log"; got != want {
		t.Errorf("no failure: Show Log opens %q, want %q", got, want)
	}
	in.Health = &health.Health{State: health.Failed, Reason: "qemu-system-aarch64 not found", ExitCode: 1, Log: in.Dir + "/launchd.stderr.log"}
	if got, want := showLog(in), in.Dir+"/launchd.stderr.log"; got != want || LogOf(in) != want {
		t.Errorf("failed: Show Log opens %q (LogOf %q), want %q", got, LogOf(in), want)
	}
}

// TestStopRetryingTooltip: the tooltip says how Stop Retrying is undone on
// each platform, and nothing the platform does not do.
func TestStopRetryingTooltip(t *testing.T) {
	for _, tc := range []struct {
		p    autostart.Platform
		want string
	}{
		{autostart.Darwin, "Unload the job so that launchd stops restarting it, until the next login; turn Start at Login off and on to load it again now"},
		{autostart.Linux, "Stop the restarts until the next login or boot"},
	} {
		if got := StopRetryingTooltip(tc.p); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestAboutLine(t *testing.T) {
	t.Run("the version above Quit", func(t *testing.T) {
		m := Build(Input{Snapshot: snap(), Version: "1.2.3"})
		var b strings.Builder
		dump(&b, m.Footer, 0)
		want := "[ ] Open LimaBar at Login -> set-self-start true\nRefresh -> refresh\n~LimaBar 1.2.3\nQuit LimaBar -> quit\n"
		if got := b.String(); got != want {
			t.Errorf("footer:\n got %q\nwant %q", got, want)
		}
	})
	t.Run("no line without a version", func(t *testing.T) {
		m := Build(Input{Snapshot: snap()})
		for _, it := range m.Footer {
			if strings.HasPrefix(it.Title, "LimaBar ") {
				t.Errorf("footer has %q with no version given", it.Title)
			}
		}
	})
}

// TestBuildRefreshing: the menu kept from LimaBar's last run, shown at
// start-up until the first read, says it is being refreshed, and holds what
// would act on what it shows; looking inside stays.
func TestBuildRefreshing(t *testing.T) {
	running := inst("default", lima.StatusRunning)
	running.Autostart.Login.Enabled = true
	got := dumpMenu(Build(Input{Snapshot: snap(running), Refreshing: true}))
	want := `~1 of 1 instance running
~Refreshing…
---
● default — Running · starts at login
  ~Running
  ~Stop
  ~Restart
  ~[x] Start at Login
  ~[ ] Start at Boot
  Open Shell -> open-shell
  Show Log -> show-log /home/u/.lima/default/ha.stderr.log
  Open Folder -> open-folder /home/u/.lima/default
---
[ ] Open LimaBar at Login -> set-self-start true
Refresh -> refresh
Quit LimaBar -> quit
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	m := Build(Input{Snapshot: snap(running), Refreshing: true})
	if stop := m.Instances[0].Children[1]; stop.Tooltip != RefreshingTooltip {
		t.Errorf("Stop's tooltip %q, want %q", stop.Tooltip, RefreshingTooltip)
	}
}
