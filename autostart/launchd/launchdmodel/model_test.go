package launchdmodel

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/health"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/runner"
)

func limaJob(label string, exitTimeOut int, keepAlive *launchd.KeepAlive) launchd.Job {
	return launchd.Job{Label: label, ProgramArguments: []string{"/opt/homebrew/bin/limactl", "start", "default", "--foreground"},
		RunAtLoad: true, ExitTimeOut: exitTimeOut, KeepAlive: keepAlive}
}

func onFailure() *launchd.KeepAlive {
	f := false
	return &launchd.KeepAlive{SuccessfulExit: &f}
}

// TestExitTimeOutKills: a host agent that needs 3 minutes to shut its
// guest down is SIGKILLed after 5 s when the plist sets no ExitTimeOut
// (what `launchctl print` shows as such a job's exit timeout), and exits
// cleanly with LimaBar's 210 s.
func TestExitTimeOutKills(t *testing.T) {
	for _, tc := range []struct {
		exitTimeOut int
		gone        time.Duration
		last        string
		killed      int
	}{
		{0, 5 * time.Second, "last terminating signal = Killed: 9", 1},
		{launchd.ExitTimeOut, 3 * time.Minute, "last exit code = 0", 0},
	} {
		clock := NewFakeClock()
		m := New(clock, os.ReadFile)
		m.ExitDelay = 3 * time.Minute
		m.Load("system", "/Library/LaunchDaemons/x.plist", limaJob("x", tc.exitTimeOut, nil))
		if err := m.Terminate("system/x"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(tc.gone - time.Second)
		if j, _ := m.Job("system/x"); j.State != Exiting {
			t.Errorf("ExitTimeOut %d: state %s a second before %v, want still exiting", tc.exitTimeOut, j.State, tc.gone)
		}
		clock.Advance(time.Second)
		j, _ := m.Job("system/x")
		if j.State != NotRunning || j.Killed != tc.killed {
			t.Errorf("ExitTimeOut %d: state %s killed %d, want not running, %d", tc.exitTimeOut, j.State, j.Killed, tc.killed)
		}
		if out := m.Launchctl("print", "system/x").Stdout; !strings.Contains(out, "\t"+tc.last+"\n") {
			t.Errorf("ExitTimeOut %d: print says\n%s\nwant %q", tc.exitTimeOut, out, tc.last)
		}
	}
}

// TestKeepAlive: {SuccessfulExit false} starts the job again after a
// failure only; without KeepAlive it stays down. The process ran for the
// throttle interval, so the restart is at once.
func TestKeepAlive(t *testing.T) {
	always := true
	for _, tc := range []struct {
		name      string
		keepAlive *launchd.KeepAlive
		code      int
		running   bool
	}{
		{"on failure, exit 1", onFailure(), 1, true},
		{"on failure, exit 0", onFailure(), 0, false},
		{"none, exit 1", nil, 1, false},
		{"always, exit 0", &launchd.KeepAlive{Always: &always}, 0, true},
	} {
		clock := NewFakeClock()
		m := New(clock, os.ReadFile)
		m.Load("gui/501", "/a.plist", limaJob("a", 0, tc.keepAlive))
		pid := func() int { j, _ := m.Job("gui/501/a"); return j.PID }()
		clock.Advance(ThrottleInterval)
		if err := m.ProcessExits("gui/501/a", tc.code); err != nil {
			t.Fatal(err)
		}
		j, _ := m.Job("gui/501/a")
		if (j.State == Running) != tc.running {
			t.Errorf("%s: state %s, want running %v", tc.name, j.State, tc.running)
		}
		if tc.running && (j.PID == pid || j.Runs != 2) {
			t.Errorf("%s: pid %d runs %d, want a new process and 2 runs", tc.name, j.PID, j.Runs)
		}
		if j.LastExit == nil || j.LastExit.Code != tc.code {
			t.Errorf("%s: last exit %v", tc.name, j.LastExit)
		}
	}
}

// TestThrottle: a job whose process fails at once, as `limactl start`
// does when QEMU is missing, is not spawned again before ten seconds have
// passed since its start; meanwhile print says "spawn scheduled", with no
// pid, and the last exit code. kickstart starts it at once, and bootout
// unloads it at once.
func TestThrottle(t *testing.T) {
	const target = "gui/501/io.lima-vm.autostart.default"
	clock := NewFakeClock()
	m := New(clock, os.ReadFile)
	m.Load("gui/501", "/a.plist", limaJob("io.lima-vm.autostart.default", launchd.ExitTimeOut, onFailure()))
	clock.Advance(time.Second)
	if err := m.ProcessExits(target, 1); err != nil {
		t.Fatal(err)
	}
	out := m.Launchctl("print", target).Stdout
	for _, line := range []string{"\tactive count = 0\n", "\tstate = spawn scheduled\n", "\truns = 1\n", "\tlast exit code = 1: Operation not permitted\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("print right after the failure has no %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, "pid = ") {
		t.Errorf("print of a job waiting to respawn shows a pid:\n%s", out)
	}
	if h := health.FromJob(health.ParsePrint(out)); h.State != health.Failed || h.ExitCode != 1 {
		t.Errorf("health of one failed run = %+v, want failed with exit 1", h)
	}

	clock.Advance(ThrottleInterval - time.Second - time.Nanosecond)
	if j, _ := m.Job(target); j.State != SpawnScheduled || j.Runs != 1 {
		t.Errorf("just before the throttle interval: %s, %d runs; want spawn scheduled, 1 run", j.State, j.Runs)
	}
	clock.Advance(time.Nanosecond)
	if j, _ := m.Job(target); j.State != Running || j.Runs != 2 || j.PID == 0 {
		t.Errorf("after the throttle interval: %s, %d runs, pid %d; want running, 2 runs", j.State, j.Runs, j.PID)
	}

	// The second run fails at once too: the next spawn is ten seconds
	// after this one's start, and print says it failed again.
	if err := m.ProcessExits(target, 1); err != nil {
		t.Fatal(err)
	}
	out = m.Launchctl("print", target).Stdout
	if h := health.FromJob(health.ParsePrint(out)); h.State != health.Failing || !h.Restarting || h.Restarts != 1 {
		t.Errorf("health of two failed runs = %+v, want failing, restarting, 1 restart", h)
	}

	if r := m.Launchctl("kickstart", target); r.Code != 0 {
		t.Fatalf("kickstart: %+v", r)
	}
	if j, _ := m.Job(target); j.State != Running || j.Runs != 3 {
		t.Errorf("after kickstart: %s, %d runs; want running at once, 3 runs", j.State, j.Runs)
	}

	if err := m.ProcessExits(target, 1); err != nil {
		t.Fatal(err)
	}
	if r := m.Launchctl("bootout", target); r.Code != 0 {
		t.Fatalf("bootout: %+v", r)
	}
	if _, ok := m.Job(target); ok {
		t.Error("a job waiting to respawn is still loaded after bootout")
	}
}

// TestBootoutVariants: the answers sources disagree on, as options.
func TestBootoutVariants(t *testing.T) {
	clock := NewFakeClock()
	m := New(clock, os.ReadFile)
	m.ExitDelay = 5 * time.Second
	if r := m.Launchctl("bootout", "system/x"); r.Code != 3 || r.Stderr != "Boot-out failed: 3: No such process\n" {
		t.Errorf("default: %+v", r)
	}
	m.BootoutMissingCode = 5
	if r := m.Launchctl("bootout", "system/x"); r.Code != 5 || r.Stderr != "Boot-out failed: 5: Input/output error\n" {
		t.Errorf("Darwin 27: %+v", r)
	}
	m.BootoutInProgress = true
	m.Load("system", "/x.plist", limaJob("x", 0, nil))
	if r := m.Launchctl("bootout", "system/x"); r.Code != 36 || r.Stderr != "Boot-out failed: 36: Operation now in progress\n" {
		t.Errorf("in progress: %+v", r)
	}
	if j, ok := m.Job("system/x"); !ok || j.State != Exiting || !j.Unloading {
		t.Errorf("after bootout 36: %+v %v, want exiting", j, ok)
	}
	if r := m.Launchctl("kickstart", "system/x"); r.Code != 37 {
		t.Errorf("kickstart while exiting: %+v", r)
	}
	clock.Advance(5 * time.Second)
	if _, ok := m.Job("system/x"); ok {
		t.Error("still loaded after its exit delay")
	}
}

// TestPrintGolden: the whole print output of a running LimaBar agent.
func TestPrintGolden(t *testing.T) {
	m := New(NewFakeClock(), os.ReadFile)
	job := launchd.Agent(launchd.Params{Name: "default", InstanceDir: "/Users/alice/.lima/default", Limactl: "/opt/homebrew/bin/limactl", Home: "/Users/alice"})
	m.Load("gui/501", "/Users/alice/Library/LaunchAgents/io.lima-vm.autostart.default.plist", job)
	got := m.Launchctl("print", "gui/501/io.lima-vm.autostart.default").Stdout
	want := `gui/501/io.lima-vm.autostart.default = {
	active count = 1
	path = /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.default.plist
	type = LaunchAgent
	state = running

	program = /opt/homebrew/bin/limactl
	arguments = {
		/opt/homebrew/bin/limactl
		start
		default
		--foreground
	}

	working directory = /Users/alice/.lima/default

	stdout path = /Users/alice/.lima/default/launchd.stdout.log
	stderr path = /Users/alice/.lima/default/launchd.stderr.log
	default environment = {
		PATH => /usr/bin:/bin:/usr/sbin:/sbin
	}

	environment = {
		HOME => /Users/alice
		PATH => /opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
		XPC_SERVICE_NAME => io.lima-vm.autostart.default
	}

	domain = gui/501
	minimum runtime = 10
	exit timeout = 210
	runs = 1
	pid = 1001
	last exit code = (never exited)

	spawn type = daemon (3)
}
`
	if got != want {
		t.Errorf("print:\n%s\nwant\n%s", got, want)
	}
	if p := launchd.ParsePrint([]byte(got)); p != (launchd.PrintInfo{State: "running", PID: 1001, Runs: 1, LastExit: "(never exited)", ExitTimeout: 210, SpawnType: "daemon (3)"}) || !p.Running() {
		t.Errorf("ParsePrint = %+v", p)
	}
	if r := m.Launchctl("print", "gui/501/io.lima-vm.autostart.other"); r.Code != 113 ||
		r.Stderr != "Bad request.\nCould not find service \"io.lima-vm.autostart.other\" in domain for user gui: 501\n" {
		t.Errorf("print of a job not loaded: %+v", r)
	}
}

// TestFileRoundTrip: the state the fake launchctl keeps between runs,
// including the clock moved forward by a fake sleep.
func TestFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "launchd.json")
	m, clock, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m.ExitDelay = time.Hour
	m.Load("system", "/x.plist", limaJob("x", launchd.ExitTimeOut, onFailure()))
	m.Launchctl("disable", "gui/501/y")
	m.Launchctl("bootout", "system/x")
	if err := SaveFile(path, m, clock); err != nil {
		t.Fatal(err)
	}
	m2, clock2, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"loaded system/x SIGTERMed pid=1001 runs=1", "override gui/501/y disabled=true"}
	if got := m2.Summary(); !reflect.DeepEqual(got, want) {
		t.Errorf("reloaded: %q, want %q", got, want)
	}
	clock2.Offset += time.Duration(launchd.ExitTimeOut) * time.Second
	if got := m2.Summary(); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("after the exit timeout: %q, want %q", got, want[1:])
	}
	if j, _ := m2.Job("gui/501/y"); j.Label != "" {
		t.Error("an override loaded a job")
	}
}

// TestFileStoppedClock: a clock stopped by a test stays stopped across runs
// of the fake launchctl, so a respawn that is due in ten seconds never
// comes, while a fake sleep still moves it.
func TestFileStoppedClock(t *testing.T) {
	const target = "gui/501/x"
	path := filepath.Join(t.TempDir(), "launchd.json")
	m, clock, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clock.At = time.Now().Add(-time.Hour)
	m.Load("gui/501", "/x.plist", limaJob("x", launchd.ExitTimeOut, onFailure()))
	if err := m.ProcessExits(target, 1); err != nil {
		t.Fatal(err)
	}
	if err := SaveFile(path, m, clock); err != nil {
		t.Fatal(err)
	}
	m2, clock2, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !clock2.At.Equal(clock.At) {
		t.Errorf("clock stopped at %v after reloading, want %v", clock2.At, clock.At)
	}
	if j, _ := m2.Job(target); j.State != SpawnScheduled || j.Runs != 1 {
		t.Errorf("an hour of wall time later: %s, %d runs; want still spawn scheduled, 1 run", j.State, j.Runs)
	}
	clock2.Offset += ThrottleInterval
	if j, _ := m2.Job(target); j.State != Running || j.Runs != 2 {
		t.Errorf("after a fake sleep of the throttle interval: %s, %d runs; want running, 2 runs", j.State, j.Runs)
	}
}

// TestRunner: launchctl goes to the model and comes back as runner.Error
// with its exit code and stderr; other commands go to Next; all recorded.
func TestRunner(t *testing.T) {
	next := runner.NewFake(t, runner.Response{Match: []string{"plutil", "-lint", "/x"}, Stdout: "/x: OK\n"})
	r := &Runner{Model: New(NewFakeClock(), os.ReadFile), Launchctl: "launchctl", Next: next}
	_, err := r.Run(context.Background(), "launchctl", "print", "system/x")
	var re *runner.Error
	if !errors.As(err, &re) || re.ExitCode != 113 || !strings.Contains(re.Stderr, "Could not find service") {
		t.Errorf("err = %v", err)
	}
	if _, err := r.Run(context.Background(), "plutil", "-lint", "/x"); err != nil {
		t.Fatal(err)
	}
	if got, want := r.Calls(), []string{"launchctl print system/x", "plutil -lint /x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if got, want := next.Argvs(), []string{"plutil -lint /x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("next got %q, want %q", got, want)
	}
}

// TestPrintInTheCorpusWords: every line the model's print writes, for a
// job in each of its states, is a line real Macs print: its key is one of
// the keys of the print samples of launchd/testdata/corpus, and its last
// exit reads back as what happened.
func TestPrintInTheCorpusWords(t *testing.T) {
	known := map[string]bool{}
	samples, err := filepath.Glob(filepath.Join("..", "testdata", "corpus", "print-*.txt"))
	if err != nil || len(samples) == 0 {
		t.Fatalf("no print samples: %v", err)
	}
	for _, f := range samples {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if k, _, ok := strings.Cut(strings.TrimSpace(line), " = "); ok {
				known[k] = true
			}
		}
	}
	const target = "system/io.lima-vm.autostart.default"
	clock := NewFakeClock()
	m := New(clock, os.ReadFile)
	m.ExitDelay = time.Minute
	job := limaJob("io.lima-vm.autostart.default", 0, onFailure())
	job.UserName = "alice"
	job.WorkingDirectory = "/Users/alice/.lima/default"
	job.StandardErrorPath = "/Users/alice/.lima/default/launchd.stderr.log"
	m.Load("system", "/Library/LaunchDaemons/io.lima-vm.autostart.default.plist", job)
	var outs []string
	print := func() string {
		out := m.Launchctl("print", target).Stdout
		outs = append(outs, out)
		return out
	}
	print()
	if err := m.ProcessExits(target, 1); err != nil {
		t.Fatal(err)
	}
	if p := launchd.ParsePrint([]byte(print())); p.LastExit != "1: Operation not permitted" || p.ExitCode != 1 || p.State != "spawn scheduled" {
		t.Errorf("after exit 1: %+v", p)
	}
	clock.Advance(ThrottleInterval)
	if err := m.ProcessExits(target, 78); err != nil {
		t.Fatal(err)
	}
	if p := launchd.ParsePrint([]byte(print())); p.LastExit != "78: EX_CONFIG" {
		t.Errorf("after exit 78: %+v", p)
	}
	clock.Advance(ThrottleInterval)
	if err := m.ProcessExits(target, 5); err != nil {
		t.Fatal(err)
	}
	if p := launchd.ParsePrint([]byte(print())); p.LastExit != "5" {
		t.Errorf("after exit 5: %+v", p)
	}
	clock.Advance(ThrottleInterval)
	if err := m.Terminate(target); err != nil {
		t.Fatal(err)
	}
	if p := launchd.ParsePrint([]byte(print())); p.State != "SIGTERMed" || p.PID == 0 {
		t.Errorf("while exiting: %+v", p)
	}
	clock.Advance(DefaultExitTimeOut)
	p := launchd.ParsePrint([]byte(print()))
	if p.Signal != 9 || p.SignalText != "Killed" || p.Exited || p.ExitTimeout != 5 {
		t.Errorf("after the exit timeout: %+v, want Killed: 9 after 5 s", p)
	}
	if h := health.FromJob(health.JobOf(p)); !h.Bad() || h.Signal != 9 || h.Reason != "killed by SIGKILL" {
		t.Errorf("health after SIGKILL: %+v", h)
	}
	for _, out := range outs {
		if !strings.HasPrefix(out, target+" = {\n") {
			t.Errorf("print does not open with the target's block:\n%s", out)
		}
		for _, line := range strings.Split(out, "\n")[1:] {
			if k, _, ok := strings.Cut(strings.TrimSpace(line), " = "); ok && !known[k] {
				t.Errorf("the model prints %q, which no corpus sample has:\n%s", line, out)
			}
		}
	}
}
