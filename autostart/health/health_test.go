package health

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFromUnit(t *testing.T) {
	since := time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		u    Unit
		want Health
	}{
		{"running", Unit{LoadState: "loaded", ActiveState: "active", SubState: "running", Result: "success", StateChange: since},
			Health{State: Running, Since: since}},
		{"never started", Unit{LoadState: "loaded", ActiveState: "inactive", SubState: "dead", Result: "success"},
			Health{State: Stopped}},
		{"failed once", Unit{LoadState: "loaded", ActiveState: "failed", SubState: "failed", Result: "exit-code", ExecMainStatus: 1, StateChange: since},
			Health{State: Failed, ExitCode: 1, Since: since}},
		{"waiting to restart", Unit{LoadState: "loaded", ActiveState: "activating", SubState: "auto-restart", Result: "exit-code", ExecMainStatus: 1, NRestarts: 2},
			Health{State: Failing, ExitCode: 1, Restarts: 2, Restarting: true}},
		{"start limit hit", Unit{LoadState: "loaded", ActiveState: "failed", SubState: "failed", Result: "start-limit-hit", ExecMainStatus: 1, NRestarts: 4, StateChange: since},
			Health{State: Failing, ExitCode: 1, Restarts: 4, Since: since}},
		{"killed by a signal", Unit{LoadState: "loaded", ActiveState: "failed", SubState: "failed", Result: "signal", ExecMainStatus: 9},
			Health{State: Failed}},
		{"unit gone", Unit{LoadState: "not-found", ActiveState: "inactive"}, Health{State: Unknown}},
		{"starting", Unit{LoadState: "loaded", ActiveState: "activating", SubState: "start"}, Health{State: Running}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromUnit(tt.u); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestHealthJSON(t *testing.T) {
	h := Health{State: Failed, Reason: "qemu-system-x86_64 not found", ExitCode: 1, Restarts: 0,
		Since: time.Date(2026, 12, 3, 22, 0, 0, 500, time.FixedZone("x", 3600))}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"state":"failed","reason":"qemu-system-x86_64 not found","exitCode":1,"restarts":0,"since":"2026-12-03T21:00:00Z"}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	var back Health
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.State != Failed || back.Reason != h.Reason || back.ExitCode != 1 || !back.Since.Equal(h.Since.Truncate(time.Second)) {
		t.Errorf("round trip: got %+v", back)
	}
	b, _ = json.Marshal(Health{State: Unknown})
	if want := `{"state":"unknown","reason":"","exitCode":0,"restarts":0,"since":""}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestReason(t *testing.T) {
	tests := []struct{ name, log, want string }{
		{"logrus fatal", `time="2026-12-03T22:00:00Z" level=info msg="Using the existing instance \"default\""` + "\n" +
			`time="2026-12-03T22:00:00Z" level=fatal msg="failed to find the QEMU binary for the architecture \"x86_64\": exec: \"qemu-system-x86_64\": executable file not found in $PATH"` + "\n",
			`failed to find the QEMU binary for the architecture "x86_64": exec: "qemu-system-x86_64": executable file not found in $PATH`},
		{"fatal before info lines", `level=fatal msg="qemu-system-x86_64 not found"` + "\n" + `level=info msg="exiting"` + "\n\n",
			"qemu-system-x86_64 not found"},
		{"host agent JSON", `{"level":"info","msg":"Starting QEMU","time":"x"}` + "\n" + `{"level":"error","msg":"failed to start QEMU","error":"exit status 1","time":"x"}`,
			"failed to start QEMU: exit status 1"},
		{"error field", `level=fatal msg="failed to start" error="ha.sock: address already in use"`, "failed to start: ha.sock: address already in use"},
		{"plain text", "panic: something\nsegmentation fault\n", "segmentation fault"},
		{"only info", `level=info msg="Starting the instance"`, ""},
		{"empty", "", ""},
		{"warning when nothing worse", `level=warning msg="the instance is registered"` + "\n" + `level=info msg="x"`, "the instance is registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reason(tt.log); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

type procs map[int]string

func (p procs) Alive(pid int) bool     { _, ok := p[pid]; return ok }
func (p procs) Command(pid int) string { return p[pid] }

func TestJudge(t *testing.T) {
	p := procs{
		100: "/usr/local/bin/limactl\x00hostagent\x00--pidfile\x00/home/a/.lima/default/ha.pid\x00default",
		200: "/usr/sbin/sshd\x00-D",
		300: "",
		400: "limactl",
		500: "/opt/homebrew/bin/limactl\x00start\x00default\x00--foreground",
	}
	tests := []struct {
		content string
		want    Verdict
		pid     int
	}{
		{"100\n", Live, 100},
		{"999\n", Stale, 999},
		{"200", Stale, 200},
		{"300", Unsure, 300},
		{"400", Live, 400},
		{"500", Live, 500},
		{"", Stale, 0},
		{"garbage", Stale, 0},
	}
	for _, tt := range tests {
		got, pid := Judge(tt.content, p)
		if got != tt.want || pid != tt.pid {
			t.Errorf("Judge(%q) = %v, %d; want %v, %d", tt.content, got, pid, tt.want, tt.pid)
		}
	}
}

// TestKeyOfAFailureLoop: a job that keeps failing is one failure to tell
// in one boot, whatever the time of its newest run, and a new one after a
// reboot; failed runs are told apart by time.
func TestKeyOfAFailureLoop(t *testing.T) {
	t1 := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	t2 := t1.Add(10 * time.Second)
	const boot1, boot2 = "6f1c7d2e-0b7a-4a52-9d0e-1f5b8c3a9e01", "b2d9e4a0-5c1f-4e3b-8a6d-7c0e2f9b1d34"
	if a, b := (Health{State: Failing, Since: t1}).Key("default", "login", boot1), (Health{State: Failing, Since: t2}).Key("default", "login", boot1); a != b {
		t.Errorf("failing in one boot: keys %q and %q differ", a, b)
	}
	if a, b := (Health{State: Failing, Since: t1}).Key("default", "login", boot1), (Health{State: Failing, Since: t1}).Key("default", "login", boot2); a == b {
		t.Errorf("failing in two boots: both have the key %q", a)
	}
	if a, b := (Health{State: Failed, Since: t1}).Key("default", "login", boot1), (Health{State: Failed, Since: t2}).Key("default", "login", boot1); a == b {
		t.Errorf("failed: both runs have the key %q", a)
	}
	if a, b := (Health{State: Failing}).Key("default", "login", boot1), (Health{State: Failing}).Key("default", "boot", boot1); a == b {
		t.Errorf("login and boot share the key %q", a)
	}
	if got, want := (Health{State: Failing}).Key("default", "login", ""), "default/login/failing"; got != want {
		t.Errorf("boot unknown: key %q, want %q", got, want)
	}
}
