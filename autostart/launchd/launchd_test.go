package launchd

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"howett.net/plist"
)

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeMatchesGolden(t *testing.T) {
	alice := Params{Name: "default", InstanceDir: "/Users/alice/.lima/default", Limactl: "/opt/homebrew/bin/limactl", Home: "/Users/alice", User: "alice"}
	custom := alice
	custom.LimaHome = "/Volumes/VMs/lima & <co>"
	custom.InstanceDir = "/Volumes/VMs/lima & <co>/default"
	for _, tc := range []struct {
		name   string
		job    Job
		golden string
	}{
		{"agent", Agent(alice), "agent.plist"},
		{"daemon with custom LIMA_HOME and XML metacharacters", Daemon(custom), "daemon-custom-lima-home.plist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(tc.job)
			if err != nil {
				t.Fatal(err)
			}
			if want := golden(t, tc.golden); string(got) != string(want) {
				t.Errorf("plist differs from testdata/%s:\n%s", tc.golden, got)
			}
			// Decode with the plist library itself, not our Decode.
			var m map[string]any
			if _, err := plist.Unmarshal(got, &m); err != nil {
				t.Fatalf("written plist does not decode: %v", err)
			}
			if m["Label"] != tc.job.Label {
				t.Errorf("Label = %v, want %q", m["Label"], tc.job.Label)
			}
			back, err := Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.job) {
				t.Errorf("round trip:\n got %#v\nwant %#v", back, tc.job)
			}
		})
	}
}

func TestDaemonRunsAsUser(t *testing.T) {
	j := Daemon(Params{Name: "vm1", InstanceDir: "/Users/ci/.lima/vm1", Limactl: "/usr/local/bin/limactl", Home: "/Users/ci", User: "ci"})
	if j.UserName != "ci" || j.EnvironmentVariables["USER"] != "ci" || j.EnvironmentVariables["HOME"] != "/Users/ci" {
		t.Errorf("got UserName %q, env %v", j.UserName, j.EnvironmentVariables)
	}
	if j.Label != "io.lima-vm.daemon.vm1" {
		t.Errorf("label %q", j.Label)
	}
}

func TestDecodeLimactlWrittenAgent(t *testing.T) {
	j, err := Decode(golden(t, "limactl-agent.plist"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Label != "io.lima-vm.autostart.default" || len(j.ProgramArguments) != 4 || j.EnvironmentVariables != nil {
		t.Errorf("got %#v", j)
	}
	if j.StandardErrorPath != "launchd.stderr.log" {
		t.Errorf("StandardErrorPath %q", j.StandardErrorPath)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "not a plist", "<plist><dict><key>Label</key>", `<?xml version="1.0"?><plist version="1.0"><dict><key>RunAtLoad</key><true/></dict></plist>`} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) succeeded", in)
		}
	}
}

func TestParsePrintDisabled(t *testing.T) {
	out := `disabled services = {
	"com.apple.ScreenReaderUIServer" => disabled
	"io.lima-vm.autostart.default" => disabled
	"io.lima-vm.autostart.k3s" => enabled
	"io.lima-vm.daemon.old" => true
}

login item associations = {
	"io.lima-vm.autostart.other" => disabled
}
`
	got := ParsePrintDisabled([]byte(out))
	want := map[string]bool{
		"com.apple.ScreenReaderUIServer": true,
		"io.lima-vm.autostart.default":   true,
		"io.lima-vm.autostart.k3s":       false,
		"io.lima-vm.daemon.old":          true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestArgv(t *testing.T) {
	if got := EnableArgv(GUIDomain(501), AgentLabel("a")); !reflect.DeepEqual(got, []string{"enable", "gui/501/io.lima-vm.autostart.a"}) {
		t.Errorf("EnableArgv = %v", got)
	}
	if got := PrintArgv("system", DaemonLabel("a")); !reflect.DeepEqual(got, []string{"print", "system/io.lima-vm.daemon.a"}) {
		t.Errorf("PrintArgv = %v", got)
	}
}

// TestDecodeLimactlV22Daemon reads Lima 2.2's daemon template
// (pkg/autostart/launchd/io.lima-vm.daemon.INSTANCE.plist of
// github.com/lima-vm/lima/v2 v2.2.0, filled in): no ExitTimeOut, no
// KeepAlive, ProcessType Background.
func TestDecodeLimactlV22Daemon(t *testing.T) {
	j, err := Decode(golden(t, "limactl-v2.2-daemon.plist"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Label != "io.lima-vm.daemon.default" || j.UserName != "alice" || j.ProcessType != "Background" ||
		j.ExitTimeOut != 0 || j.KeepAlive != nil {
		t.Errorf("got %#v", j)
	}
	if j.KeepAlive.RestartsOnFailureOnly() {
		t.Error("a job without KeepAlive restarts on failure only")
	}
}

// TestKeepAliveForms: launchd.plist(5) allows KeepAlive as a boolean or a
// dictionary; both decode, and only {SuccessfulExit false} is "restart on
// failure only".
func TestKeepAliveForms(t *testing.T) {
	const head = `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>Label</key><string>x</string><key>KeepAlive</key>`
	for _, tc := range []struct {
		value       string
		onlyFailure bool
		always      string
	}{
		{"<true/>", false, "true"},
		{"<false/>", false, "false"},
		{"<dict><key>SuccessfulExit</key><false/></dict>", true, "nil"},
		{"<dict><key>SuccessfulExit</key><true/></dict>", false, "nil"},
		{"<dict><key>Crashed</key><true/></dict>", false, "nil"},
	} {
		j, err := Decode([]byte(head + tc.value + "</dict></plist>"))
		if err != nil {
			t.Errorf("%s: %v", tc.value, err)
			continue
		}
		if got := j.KeepAlive.RestartsOnFailureOnly(); got != tc.onlyFailure {
			t.Errorf("%s: RestartsOnFailureOnly = %v, want %v", tc.value, got, tc.onlyFailure)
		}
		always := "nil"
		if j.KeepAlive.Always != nil {
			always = map[bool]string{true: "true", false: "false"}[*j.KeepAlive.Always]
		}
		if always != tc.always {
			t.Errorf("%s: Always = %s, want %s", tc.value, always, tc.always)
		}
		if tc.always != "nil" {
			data, err := Encode(j)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), "<key>KeepAlive</key>\n\t\t<"+tc.always+"/>") {
				t.Errorf("%s: encoded as\n%s", tc.value, data)
			}
		}
	}
}

// TestParsePrint reads the fields of a real-looking print output; a nested
// block's "state" (an endpoint's) is not the job's.
func TestParsePrint(t *testing.T) {
	out := "system/io.lima-vm.daemon.default = {\n\tactive count = 1\n\tpath = /Library/LaunchDaemons/io.lima-vm.daemon.default.plist\n" +
		"\tstate = SIGTERMed\n\n\tendpoints = {\n\t\t\"x\" = {\n\t\t\tstate = active\n\t\t}\n\t}\n\n\truns = 3\n\tpid = 812\n\tlast exit code = 1\n}\n"
	want := PrintInfo{State: "SIGTERMed", PID: 812, Runs: 3, LastExit: "1", Exited: true, ExitCode: 1, ExitTimeout: -1}
	if got := ParsePrint([]byte(out)); got != want || !got.Running() {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// A job that failed and waits for its KeepAlive restart has no process
	// (and no VM): the stale ha.pid of lima-vm/lima#4992 makes it fail so
	// at every start.
	if got := ParsePrint([]byte("system/x = {\n\tstate = spawn scheduled\n\truns = 3\n\tlast exit code = 1\n}\n")); got.Running() {
		t.Errorf("spawn scheduled: %+v is taken for running", got)
	}
	if got := ParsePrint([]byte("gui/501/x = {\n\tstate = not running\n\truns = 0\n\tlast exit code = (never exited)\n}\n")); got.Running() || got.Exited || got.LastExit != "(never exited)" {
		t.Errorf("a job that never ran: %+v", got)
	}
}

// TestParseExitAndSignal reads the exit code as launchd prints it, with or
// without its meaning, and a signal in its words.
func TestParseExitAndSignal(t *testing.T) {
	for _, tc := range []struct {
		line             string
		exited           bool
		code, signal     int
		text, signalText string
	}{
		{"last exit code = 0", true, 0, 0, "", ""},
		{"last exit code = 1", true, 1, 0, "", ""},
		{"last exit code = 78: EX_CONFIG", true, 78, 0, "EX_CONFIG", ""},
		{"last exit code = 1: Operation not permitted", true, 1, 0, "Operation not permitted", ""},
		{"last exit code = (never exited)", false, 0, 0, "", ""},
		{"last terminating signal = Killed: 9", false, 0, 9, "", "Killed"},
		{"last terminating signal = Terminated: 15", false, 0, 15, "", "Terminated"},
		{"last terminating signal = Segmentation fault: 11", false, 0, 11, "", "Segmentation fault"},
	} {
		p := ParsePrint([]byte("gui/501/x = {\n\tstate = not running\n\t" + tc.line + "\n}\n"))
		if p.Exited != tc.exited || p.ExitCode != tc.code || p.ExitText != tc.text || p.Signal != tc.signal || p.SignalText != tc.signalText {
			t.Errorf("%s: read %+v", tc.line, p)
		}
	}
}

// TestParseError reads launchctl's error lines into their kinds.
func TestParseError(t *testing.T) {
	for _, tc := range []struct {
		status int
		stderr string
		kind   ErrorKind
		code   int
	}{
		{5, "Bootstrap failed: 5: Input/output error\nTry re-running the command as root for richer errors.\n", IOError, 5},
		{113, "Bad request.\nCould not find service \"x\" in domain for user gui: 501\n", NotLoaded, 113},
		{0, "Could not find service \"x\" in domain for system\n", NotLoaded, 113},
		{3, "Boot-out failed: 3: No such process\n", NotLoaded, 3},
		{36, "Boot-out failed: 36: Operation now in progress\n", InProgress, 36},
		{125, "Could not enable service: 125: Domain does not support specified action\n", DomainNotSupported, 125},
		{1, "Could not kickstart service \"x\": 1: Operation not permitted\n", NotPermitted, 1},
		{64, "Unrecognized target specifier.\n", Usage, 64},
		{2, "something new\n", Other, 2},
	} {
		if e := ParseError(tc.status, tc.stderr); e.Kind != tc.kind || e.Code != tc.code || e.Message == "" {
			t.Errorf("%d %q: %+v, want %s %d", tc.status, tc.stderr, e, tc.kind, tc.code)
		}
	}
}
