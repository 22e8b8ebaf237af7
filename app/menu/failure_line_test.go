package menu

import (
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/health"
)

// first60 is what a failure line must say its most in: its first
// FailureWidth characters.
func first60(s string) string {
	r := []rune(s)
	if len(r) > FailureWidth {
		r = r[:FailureWidth]
	}
	return string(r)
}

// TestFailureLinesLeadWithTheCause goes over every failure the menu's top
// level can show, with messages as the engine, limactl and the desktop
// word them: the first 60 characters name the instance and the cause, the
// line stays within FailureLineWidth, and a click shows the whole text.
func TestFailureLinesLeadWithTheCause(t *testing.T) {
	tests := []struct {
		name   string
		action Action
		err    string
		cause  string // what the first 60 characters must hold, besides the instance
	}{
		{"a step that failed, nothing changed", Action{Kind: Enable, Instance: "default", Condition: autostart.Boot},
			`failed to install the LaunchDaemon for instance "default" (the privileged script: mkdir /Library/LaunchDaemons/x: No such file or directory); nothing was changed`,
			"No such file or directory"},
		{"systemd refused", Action{Kind: Enable, Instance: "k3s", Condition: autostart.Boot},
			`cannot make instance "k3s" start at boot: turning on lingering: loginctl enable-linger nobody: Could not enable-linger: Access denied`,
			"Access denied"},
		{"the reload after a change", Action{Kind: Enable, Instance: "default", Condition: autostart.Login},
			`default will start at login, but failed to reload systemd for instance "default": systemctl --user daemon-reload: Failed to daemon-reload: Access denied`,
			"Access denied"},
		{"a disable whose undo failed", Action{Kind: Disable, Instance: "default", Condition: autostart.Boot},
			`failed to remove the LaunchDaemon for instance "default": cancelled by the user, and /Library/LaunchDaemons/io.lima-vm.daemon.default.plist could not be restored: permission denied`,
			"cancelled by the user"},
		{"lingering refused", Action{Kind: Enable, Instance: "k3s", Condition: autostart.Boot},
			`failed to turn lingering on for instance "k3s": turning lingering on for nobody was refused (loginctl enable-linger nobody: Could not enable-linger: Access denied); nothing was changed`,
			"turning lingering on for nobody was refused"},
		{"an instance gone before the click", Action{Kind: Enable, Instance: "b2", Condition: autostart.Login},
			`no instance named "b2" (instances: a1, c3, d4)`,
			`no instance named "b2"`},
		{"limactl start that exited", Action{Kind: Start, Instance: "k3s"},
			"limactl start k3s: exit status 1\nlevel=fatal msg=\"instance is already running\"",
			"limactl start k3s: exit status 1"},
		{"limactl stop", Action{Kind: Stop, Instance: "default"},
			`limactl stop default: signal: killed`, "signal: killed"},
		{"limactl restart", Action{Kind: Restart, Instance: "default"},
			`limactl stop default: context deadline exceeded`, "context deadline exceeded"},
		{"repair", Action{Kind: Repair, Instance: "default"},
			`failed to write the unit for instance "default": open /home/alice/.config/systemd/user/lima-vm@default.service: read-only file system; nothing was changed`,
			"read-only file system"},
		{"a shell without a terminal", Action{Kind: OpenShell, Instance: "default"},
			`no terminal emulator found (tried x-terminal-emulator, gnome-terminal, konsole, xterm)`,
			"no terminal emulator found"},
		{"a log without an opener", Action{Kind: ShowLog, Instance: "default", Target: "/home/alice/.lima/default/ha.stderr.log"},
			`xdg-open /home/alice/.lima/default/ha.stderr.log: exec: "xdg-open": executable file not found in $PATH`,
			"executable file not found in $PATH"},
		{"a folder without an opener", Action{Kind: OpenFolder, Instance: "default"},
			`xdg-open /home/alice/.lima/default: exit status 4`, "exit status 4"},
		{"a URL", Action{Kind: OpenURL, Target: InstallURL},
			`xdg-open https://lima-vm.io/docs/installation/: exit status 3`, "exit status 3"},
		{"Open LimaBar at Login", Action{Kind: SetSelfStart, On: true},
			`writing /home/alice/.config/autostart/limabar.desktop: permission denied`, "permission denied"},
		{"Try Again", Action{Kind: TryAgain, Instance: "default", Condition: autostart.Login},
			`systemctl --user start lima-vm@default.service: Job for lima-vm@default.service failed because the control process exited with error code.`,
			"Job for lima-vm@default.service failed"},
		{"Stop Retrying", Action{Kind: StopRetrying, Instance: "default", Condition: autostart.Boot},
			`launchctl kill SIGTERM system/io.lima-vm.daemon.default: Operation not permitted`, "Operation not permitted"},
		{"a stale ha.pid", Action{Kind: FixStale, Instance: "default"},
			`remove /home/alice/.lima/default/ha.pid: operation not permitted`, "operation not permitted"},
		{"a long instance name and cause", Action{Kind: Enable, Instance: "a-rather-long-instance-name", Condition: autostart.Login},
			`failed to write the unit: the file system holding the home folder is full and refuses writes`,
			"the file system holding the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Build(Input{Snapshot: snap(), Failures: []Failure{{ID: 7, Action: tt.action, Err: tt.err}}})
			it := m.Header[0]
			head := first60(it.Title)
			if tt.action.Instance != "" && !strings.HasPrefix(head, "⚠ "+tt.action.Instance+": ") {
				t.Errorf("line %q does not begin with the instance %s", it.Title, tt.action.Instance)
			}
			if !strings.Contains(head, tt.cause) {
				t.Errorf("line %q: its first %d characters %q do not hold the cause %q", it.Title, FailureWidth, head, tt.cause)
			}
			if n := len([]rune(it.Title)); n > FailureLineWidth {
				t.Errorf("line %q is %d characters, more than %d", it.Title, n, FailureLineWidth)
			}
			if !it.Enabled || it.Action.Kind != ShowFailure || it.Action.Failure != 7 {
				t.Errorf("line %q: a click does %+v, want the failure shown whole", it.Title, it.Action)
			}
			if !strings.Contains(it.Tooltip, strings.TrimSpace(tt.err)) {
				t.Errorf("tooltip %q lacks the whole message", it.Tooltip)
			}
		})
	}
}

// TestListFailureLineLeadsWithTheCause: a limactl list that failed says
// why in its first 60 characters, and a click shows the whole text.
func TestListFailureLineLeadsWithTheCause(t *testing.T) {
	tests := []struct{ err, want string }{
		{"LIMA_HOME /tmp/TestFaultTrayLimaHomeDeleted2750142719/001/afile (from the environment) is not a folder",
			"⚠ LIMA_HOME …/afile (from the environment) is not a folder"},
		{"LIMA_HOME /tmp/TestFaultTrayLimaHomeDeleted2750142719/001/a-longer-name-of-the-file (from the environment) is not a folder",
			"⚠ LIMA_HOME …/a-longer-name-of-the-file is not a folder — instances not listed"},
		{"LIMA_HOME /tmp/TestFaultTrayLimaHomeDeleted2750142719/001/a folder with spaces/x (from the environment) does not exist",
			"⚠ LIMA_HOME …/a folder with spaces/x does not exist — instances not listed"},
		{"limactl list did not answer within 30s", "⚠ limactl list did not answer within 30s — instances not listed"},
		{"limactl list: exit status 1", "⚠ limactl list: exit status 1 — instances not listed"},
	}
	for _, tt := range tests {
		t.Run(tt.err, func(t *testing.T) {
			s := snap()
			s.ListErr = tt.err
			it := Build(Input{Snapshot: s}).Header[0]
			if it.Title != tt.want {
				t.Errorf("got  %q\nwant %q", it.Title, tt.want)
			}
			if want := "Could not list instances: " + tt.err; !it.Enabled || it.Action.Kind != ShowText || it.Action.Target != want {
				t.Errorf("a click does %+v, want the whole text %q shown", it.Action, want)
			}
		})
	}
}

func TestCause(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Access denied", "Access denied"},
		{"a: b: c d", "c d"},
		{"failed to a (b: No such file or directory); nothing was changed", "No such file or directory"},
		{`no instance named "b2" (instances: a1, c3, d4)`, `no instance named "b2" (instances: a1, c3, d4)`},
		{`cannot enable instance "b2": no instance named "b2" (instances: a1, c3, d4)`, `no instance named "b2" (instances: a1, c3, d4)`},
		{"open x: EOF", "open x: EOF"},
		{"xdg-open https://lima-vm.io/docs/installation/: exit status 3", "xdg-open: exit status 3"},
		{"x: cancelled by the user, and y: z w", "cancelled by the user"},
		{"first line: why it failed\nsecond: line", "why it failed"},
		{"cannot read /home/alice/.config/systemd/user/lima-vm@default.service: is a directory", "is a directory"},
		{"reading /home/alice/.config/systemd/user/lima-vm@default.service failed", "reading …/lima-vm@default.service failed"},
	} {
		if got := Cause(tt.in); got != tt.want {
			t.Errorf("Cause(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFailureLineOfAChangeMade: a change that was made, but whose tidying
// up failed, does not say the switch was not turned on.
func TestFailureLineOfAChangeMade(t *testing.T) {
	a := Action{Kind: Enable, Instance: "default", Condition: autostart.Login}
	msg := `default will start at login, but failed to reload systemd for instance "default": systemctl --user daemon-reload: Failed to daemon-reload: Access denied`
	if got, want := FailureLine(a, msg), "default: Access denied — Start at Login on, tidying up failed"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, want := FailureLine(a, "writing the unit: Access denied"), "default: Access denied — Start at Login not turned on"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestShortFormsLeadWithTheCause goes over the failures LimaBar tells of
// outside an action: a job that failed (the notification's title, and
// `limabar list` and `doctor`), a registration that could not be read,
// an error limactl reports for an instance, and what `doctor --fix`
// could not do. Each names the instance and the cause in its first 60
// characters and stays within FailureLineWidth.
func TestShortFormsLeadWithTheCause(t *testing.T) {
	qemu := `failed to find the QEMU binary for the architecture "x86_64": exec: "qemu-system-x86_64": executable file not found in $PATH`
	tests := []struct {
		name, line, instance, cause string
	}{
		{"a job that keeps failing", HealthFailureLine("default", &health.Health{State: health.Failing, Reason: "qemu-system-x86_64 not found", ExitCode: 1, Restarts: 4}, autostart.Login),
			"default", "qemu-system-x86_64 not found"},
		{"Lima's own words", HealthFailureLine("default", &health.Health{State: health.Failed, Reason: qemu, ExitCode: 1}, autostart.Boot),
			"default", `"qemu-system-x86_64": executable file not found`},
		{"a long name and reason", HealthFailureLine("a-rather-long-instance-name-for-k3s", &health.Health{State: health.Failed, Reason: qemu}, autostart.Login),
			"a-rather-long-instance-name-for-k3s", `"qemu-system-x86_64"`},
		{"an exit status only", HealthFailureLine("k3s", &health.Health{State: health.Failed, ExitCode: 3}, autostart.Login),
			"k3s", "exit status 3"},
		{"a signal only", HealthFailureLine("k3s", &health.Health{State: health.Failing, Signal: 9}, autostart.Boot),
			"k3s", "killed by signal 9"},
		{"nothing known", HealthFailureLine("k3s", &health.Health{State: health.Failed}, autostart.Login),
			"k3s", "did not start at login"},
		{"a unit that cannot be read", AutostartUnknownLine("default", "cannot read /home/alice/.config/systemd/user/lima-vm@default.service: permission denied"),
			"default", "permission denied"},
		{"systemd not reachable", AutostartUnknownLine("default", "systemctl --user is-enabled lima-vm@default.service: Failed to connect to bus: No such file or directory"),
			"default", "No such file or directory"},
		{"launchd without a desktop", AutostartUnknownLine("default", "launchctl print-disabled gui/501: exit status 125: Domain does not support specified action"),
			"default", "Domain does not support specified action"},
		{"a broken lima.yaml", InstanceErrorLine("default", "failed to unmarshal YAML (main file /home/alice/.lima/default/lima.yaml): [2:12] mapping value is not allowed in this context"),
			"default", "mapping value is not allowed in this context"},
		{"a repair refused", NotDoneLine("default", "repaired", `failed to write the unit for instance "default": open /home/alice/.config/systemd/user/lima-vm@default.service: read-only file system; nothing was changed`),
			"default", "read-only file system"},
		{"a removal that failed", NotDoneLine("gone", "removed", `failed to remove the LaunchDaemon for instance "gone": launchctl bootout: Input/output error`),
			"gone", "Input/output error"},
		{"a failure systemd keeps", NotDoneLine("default", "cleared", `instance "default": cannot reset lima-vm@default.service: Access denied`),
			"default", "Access denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := first60("⚠ " + tt.line)
			if !strings.HasPrefix(head, "⚠ "+tt.instance+": ") {
				t.Errorf("line %q does not begin with the instance %s", tt.line, tt.instance)
			}
			if !strings.Contains(head, tt.cause) {
				t.Errorf("line %q: its first %d characters %q do not hold the cause %q", tt.line, FailureWidth, head, tt.cause)
			}
			if n := len([]rune("⚠ " + tt.line)); n > FailureLineWidth {
				t.Errorf("line %q is %d characters, more than %d", tt.line, n, FailureLineWidth)
			}
		})
	}
}

// TestAutostartUnknownLineFitsTheSubmenu: the line of a registration that
// could not be read fits a problem line of the instance's submenu whole,
// so that nothing cuts what did not happen in half.
func TestAutostartUnknownLineFitsTheSubmenu(t *testing.T) {
	for _, tt := range []struct{ msg, want string }{
		{"launchctl print-disabled gui/501: exit status 125: Domain does not support specified action",
			"default: Domain does not support specified action"},
		{"cannot read /home/alice/.config/systemd/user/lima-vm@default.service: permission denied",
			"default: permission denied — autostart state unknown"},
	} {
		got := AutostartUnknownLine("default", tt.msg)
		if got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
		if n := runeLen(got); n > problemWidth {
			t.Errorf("%q is %d characters, more than %d", got, n, problemWidth)
		}
	}
}

func TestHealthFailureLine(t *testing.T) {
	h := &health.Health{State: health.Failing, Reason: "qemu-system-x86_64 not found", ExitCode: 1, Restarts: 4}
	if got, want := HealthFailureLine("default", h, autostart.Login), "default: qemu-system-x86_64 not found — keeps failing at login"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	h = &health.Health{State: health.Failed}
	if got, want := HealthFailureLine("default", h, autostart.Boot), "default: did not start at boot"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
