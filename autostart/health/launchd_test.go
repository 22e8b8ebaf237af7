package health

import (
	"os"
	"path/filepath"
	"testing"
)

// printFailing is the shape of `launchctl print gui/501/LABEL` (macOS 14)
// for an agent whose limactl exits 1 at each start.
const printFailing = `gui/501/io.lima-vm.autostart.default = {
	active count = 0
	path = /Users/alice/Library/LaunchAgents/io.lima-vm.autostart.default.plist
	type = LaunchAgent
	state = not running

	program = /opt/homebrew/bin/limactl
	arguments = {
		/opt/homebrew/bin/limactl
		start
		default
		--foreground
	}

	stdout path = /Users/alice/.lima/default/launchd.stdout.log
	stderr path = /Users/alice/.lima/default/launchd.stderr.log
	environment = {
		PATH => /opt/homebrew/bin:/usr/bin:/bin
		state = not a key of the job
	}

	runs = 3
	last exit code = 1
	spawn type = daemon (3)
}
`

const printRunning = `gui/501/io.lima-vm.autostart.default = {
	state = running
	runs = 1
	pid = 4242
	last exit code = (never exited)
}
`

func TestParsePrint(t *testing.T) {
	if got, want := ParsePrint(printFailing), (Job{State: "not running", Runs: 3, LastExit: 1, Exited: true}); got != want {
		t.Errorf("failing: got %+v, want %+v", got, want)
	}
	if got, want := ParsePrint(printRunning), (Job{State: "running", Runs: 1, PID: 4242}); got != want {
		t.Errorf("running: got %+v, want %+v", got, want)
	}
}

func TestFromJob(t *testing.T) {
	tests := []struct {
		name string
		j    Job
		want Health
	}{
		{"running", Job{State: "running", Runs: 1, PID: 4242}, Health{State: Running}},
		{"failed once", Job{State: "not running", Runs: 1, LastExit: 1, Exited: true}, Health{State: Failed, ExitCode: 1}},
		{"keeps failing", Job{State: "not running", Runs: 3, LastExit: 1, Exited: true}, Health{State: Failing, ExitCode: 1, Restarts: 2}},
		{"throttled before the second respawn", Job{State: "spawn scheduled", Runs: 2, LastExit: 1, Exited: true}, Health{State: Failing, ExitCode: 1, Restarts: 1, Restarting: true}},
		// launchd never gives up: from the third failed run on, the
		// waiting respawn is no reason to keep quiet.
		{"a crash loop, throttled", Job{State: "spawn scheduled", Runs: 4, LastExit: 1, Exited: true}, Health{State: Failing, ExitCode: 1, Restarts: 3}},
		{"stopped on purpose", Job{State: "not running", Runs: 2, LastExit: 0, Exited: true}, Health{State: Stopped, Restarts: 1}},
		{"never ran", Job{State: "not running"}, Health{State: Stopped}},
		{"unreadable", Job{}, Health{State: Unknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromJob(tt.j); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestHealthOfCorpusSamples reads samples of testdata/corpus the way
// LimaBar reads a job: an exit code printed with its meaning is a failure
// with that code, a run ended by a signal a failure killed by it.
func TestHealthOfCorpusSamples(t *testing.T) {
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "launchd", "testdata", "corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	// jackielii/skhd.zig#30: "last exit code = 78: EX_CONFIG".
	if h := FromJob(ParsePrint(read("print-skhd-zig-ex-config.txt"))); h.State != Failed || h.ExitCode != 78 || h.Signal != 0 {
		t.Errorf("78: EX_CONFIG: %+v, want failed with exit code 78", h)
	}
	// A crash loop, throttled (TOSS-Soft/toss-agent-runtime#38).
	if h := FromJob(ParsePrint(read("print-toss-spawn-scheduled.txt"))); h.State != Failing || h.ExitCode != 5 || h.Restarts != 4 || h.Restarting {
		t.Errorf("spawn scheduled after 5 runs: %+v, want failing with exit code 5", h)
	}
	// rtzll/tldw: running again after a SIGKILL is running.
	if h := FromJob(ParsePrint(read("print-tldw-killed.txt"))); h.State != Running || h.Signal != 0 || h.Reason != "" {
		t.Errorf("running after a kill: %+v, want running", h)
	}
}

// TestHealthOfTextExitCodeAndSignal: the lines real Macs print for a
// limactl that exits 1 (issue 17) and for a VM killed by launchd.
func TestHealthOfTextExitCodeAndSignal(t *testing.T) {
	exit1 := "gui/501/io.lima-vm.autostart.default = {\n\tstate = not running\n\truns = 1\n\tlast exit code = 1: Operation not permitted\n}\n"
	if h := FromJob(ParsePrint(exit1)); h.State != Failed || h.ExitCode != 1 || h.Signal != 0 || h.Reason != "" {
		t.Errorf("1: Operation not permitted: %+v, want failed with exit code 1", h)
	}
	killed := "system/io.lima-vm.autostart.default = {\n\tstate = not running\n\truns = 1\n\tlast terminating signal = Killed: 9\n}\n"
	if h := FromJob(ParsePrint(killed)); h.State != Failed || h.ExitCode != 0 || h.Signal != 9 || h.Reason != "killed by SIGKILL" {
		t.Errorf("Killed: 9: %+v, want failed, killed by SIGKILL", h)
	}
	loop := "gui/501/x = {\n\tstate = spawn scheduled\n\truns = 4\n\tlast terminating signal = Segmentation fault: 11\n}\n"
	if h := FromJob(ParsePrint(loop)); h.State != Failing || h.Signal != 11 || h.Reason != "killed by SIGSEGV" {
		t.Errorf("a crash loop by signal: %+v, want failing, killed by SIGSEGV", h)
	}
}
