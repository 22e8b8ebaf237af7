package health

import "testing"

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
