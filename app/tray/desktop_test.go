package tray

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/app/notify"
	"github.com/limabar/limabar/autostart/runner"
)

// fakeCommands finds the programs in have and records what is started.
func fakeCommands(have []string, env map[string]string, started *[][]string) Commands {
	return Commands{
		LookPath: func(name string) (string, error) {
			for _, h := range have {
				if h == name {
					return "/usr/bin/" + name, nil
				}
			}
			return "", exec.ErrNotFound
		},
		Start: func(argv []string) error {
			*started = append(*started, argv)
			return nil
		},
		Getenv: func(k string) string { return env[k] },
	}
}

func TestXDGTerminal(t *testing.T) {
	shell := []string{"/opt/lima/bin/limactl", "shell", "default"}
	tests := []struct {
		name string
		have []string
		env  map[string]string
		want string
	}{
		{"TERMINAL wins", []string{"foot", "xterm"}, map[string]string{"TERMINAL": "foot"}, "foot -e /opt/lima/bin/limactl shell default"},
		{"TERMINAL missing falls through", []string{"xterm"}, map[string]string{"TERMINAL": "nope"}, "xterm -e /opt/lima/bin/limactl shell default"},
		{"Debian alternative", []string{"x-terminal-emulator", "xterm"}, nil, "x-terminal-emulator -e /opt/lima/bin/limactl shell default"},
		{"GNOME", []string{"gnome-terminal"}, nil, "gnome-terminal -- /opt/lima/bin/limactl shell default"},
		{"Xfce", []string{"xfce4-terminal"}, nil, "xfce4-terminal -x /opt/lima/bin/limactl shell default"},
		{"wezterm", []string{"wezterm"}, nil, "wezterm start -- /opt/lima/bin/limactl shell default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var started [][]string
			x := &XDG{Cmd: fakeCommands(tt.have, tt.env, &started)}
			if err := x.OpenTerminal(shell); err != nil {
				t.Fatal(err)
			}
			if len(started) != 1 {
				t.Fatalf("started %q, want one command", started)
			}
			if got := strings.Join(started[0], " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestXDGNoTerminal(t *testing.T) {
	var started [][]string
	x := &XDG{Cmd: fakeCommands(nil, nil, &started)}
	err := x.OpenTerminal([]string{"limactl", "shell", "x"})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}

func TestXDGNotifyAndAlert(t *testing.T) {
	tests := []struct {
		name   string
		have   []string
		call   func(*XDG) error
		want   string
		wantOK bool
	}{
		{"notify", []string{"notify-send"}, func(x *XDG) error { return x.Notify("Could not start k3s", "-boom") },
			"notify-send --app-name=LimaBar -- Could not start k3s -boom", true},
		{"no notifier", nil, func(x *XDG) error { return x.Notify("t", "m") }, "", false},
		{"alert with zenity", []string{"zenity", "notify-send"}, func(x *XDG) error { return x.Alert("T", "<b>m</b>") },
			"zenity --error --no-markup --title=T --text=<b>m</b>", true},
		{"alert falls back to a notification", []string{"notify-send"}, func(x *XDG) error { return x.Alert("T", "m") },
			"notify-send --app-name=LimaBar -- T m", true},
		{"open a folder", []string{"xdg-open"}, func(x *XDG) error { return x.OpenFolder("/home/u/.lima/default") },
			"xdg-open /home/u/.lima/default", true},
		{"no xdg-open", nil, func(x *XDG) error { return x.OpenURL("https://lima-vm.io/") }, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var started [][]string
			x := &XDG{Cmd: fakeCommands(tt.have, nil, &started)}
			err := tt.call(x)
			if (err == nil) != tt.wantOK {
				t.Fatalf("error %v, want ok=%t", err, tt.wantOK)
			}
			if !tt.wantOK {
				if len(started) != 0 {
					t.Errorf("started %q after a failure", started)
				}
				return
			}
			if len(started) != 1 || strings.Join(started[0], " ") != tt.want {
				t.Errorf("started %q, want %q", started, tt.want)
			}
		})
	}
}

func TestXDGNotifyAction(t *testing.T) {
	type sent struct {
		title, body, label string
		onClick            func()
	}
	var got []sent
	x := &XDG{
		Cmd: fakeCommands(nil, nil, new([][]string)),
		Notifications: func(_ context.Context, title, body, label string, onClick func()) error {
			got = append(got, sent{title, body, label, onClick})
			return nil
		},
	}
	clicked := 0
	if err := x.NotifyAction("default: Did not start at login", "Open the menu", "Show Log", func() { clicked++ }); err != nil {
		t.Fatal(err)
	}
	if err := x.Notify("plain", "no button"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("sent %d notifications, want 2", len(got))
	}
	if a := got[0]; a.title != "default: Did not start at login" || a.body != "Open the menu" || a.label != "Show Log" || a.onClick == nil {
		t.Errorf("with an action: sent %q, %q, %q, onClick set %t", a.title, a.body, a.label, a.onClick != nil)
	}
	got[0].onClick()
	if clicked != 1 {
		t.Errorf("the click ran the callback %d times, want 1", clicked)
	}
	if p := got[1]; p.title != "plain" || p.body != "no button" || p.onClick != nil {
		t.Errorf("plain: sent %q, %q, onClick set %t", p.title, p.body, p.onClick != nil)
	}
}

func TestNotifyActionFallsBackToAPlainNotification(t *testing.T) {
	t.Run("notify-send", func(t *testing.T) {
		var started [][]string
		x := &XDG{Cmd: fakeCommands([]string{"notify-send"}, nil, &started)}
		if err := x.NotifyAction("T", "m", "Show Log", func() {}); err != nil {
			t.Fatal(err)
		}
		want := "notify-send --app-name=LimaBar -- T m"
		if len(started) != 1 || strings.Join(started[0], " ") != want {
			t.Errorf("started %q, want %q", started, want)
		}
	})
	t.Run("osascript", func(t *testing.T) {
		var started [][]string
		m := &MacCommands{Cmd: fakeCommands(nil, nil, &started)}
		if err := m.NotifyAction("T", "m", "Show Log", func() {}); err != nil {
			t.Fatal(err)
		}
		want := []string{"/usr/bin/osascript", "-e", `display notification "m" with title "T"`}
		if len(started) != 1 || strings.Join(started[0], "\x00") != strings.Join(want, "\x00") {
			t.Errorf("started %q, want %q", started, want)
		}
	})
}

func TestMacTerminalQuoting(t *testing.T) {
	var started [][]string
	m := &MacCommands{Cmd: fakeCommands(nil, nil, &started)}
	if err := m.OpenTerminal([]string{"/opt/homebrew/bin/limactl", "shell", `it's "x"\y`}); err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/bin/osascript",
		"-e", `tell application "Terminal"`,
		"-e", "activate",
		"-e", `do script "'/opt/homebrew/bin/limactl' 'shell' 'it'\\''s \"x\"\\y'"`,
		"-e", "end tell"}
	if len(started) != 1 || strings.Join(started[0], "\x00") != strings.Join(want, "\x00") {
		t.Errorf("got %q\nwant %q", started, want)
	}
}

func TestMacTerminalNotAuthorized(t *testing.T) {
	cmd := fakeCommands(nil, nil, new([][]string))
	cmd.Start = func([]string) error {
		return errors.New("/usr/bin/osascript: 0:98: execution error: Not authorized to send Apple events to Terminal. (-1743)")
	}
	m := &MacCommands{Cmd: cmd}
	err := m.OpenTerminal([]string{"/opt/homebrew/bin/limactl", "shell", "default"})
	if err == nil || !strings.Contains(err.Error(), "Not authorized") || !strings.Contains(err.Error(), "Privacy & Security > Automation") {
		t.Errorf("got %v, want osascript's message and where to allow LimaBar", err)
	}
}

func TestMacTerminalRefuses(t *testing.T) {
	tests := []struct {
		name string
		argv []string
	}{
		{"no command", nil},
		{"line break", []string{"limactl", "shell", "a\nrm -rf ~"}},
		{"carriage return", []string{"limactl\r"}},
		{"NUL", []string{"lima\x00ctl"}},
		{"tab", []string{"a\tb"}},
		{"DEL", []string{"a\x7fb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var started [][]string
			m := &MacCommands{Cmd: fakeCommands(nil, nil, &started)}
			if err := m.OpenTerminal(tt.argv); err == nil {
				t.Errorf("OpenTerminal(%q): got no error", tt.argv)
			}
			if len(started) != 0 {
				t.Errorf("OpenTerminal(%q) started %q, want nothing", tt.argv, started)
			}
		})
	}
}

func TestMacAlertComesToTheFront(t *testing.T) {
	var started [][]string
	m := &MacCommands{Cmd: fakeCommands(nil, nil, &started)}
	if err := m.Alert(`Could not turn on "Start at boot"`, "limactl: not found"); err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/bin/osascript",
		"-e", "activate",
		"-e", `display alert "Could not turn on \"Start at boot\"" message "limactl: not found" as critical`}
	if len(started) != 1 || strings.Join(started[0], "\x00") != strings.Join(want, "\x00") {
		t.Errorf("got %q\nwant %q", started, want)
	}
}

func TestStartDetached(t *testing.T) {
	if err := startDetached(runner.Exec{}, []string{"sh", "-c", "echo no handler >&2; exit 3"}); err == nil || !strings.Contains(err.Error(), "no handler") {
		t.Errorf("a failing opener: got %v, want its message", err)
	}
	if err := startDetached(runner.Exec{}, []string{"true"}); err != nil {
		t.Errorf("true: %v", err)
	}
	if err := startDetached(runner.Exec{}, []string{"/nonexistent/opener"}); err == nil {
		t.Error("a missing program: got no error")
	}
	if err := startDetached(runner.Exec{}, []string{"sleep", "3"}); err != nil {
		t.Errorf("a program that keeps running: %v", err)
	}
}

func TestNotifySendFallbackReportsItsFailureInTheLog(t *testing.T) {
	dir := t.TempDir()
	// A stand-in notify-send that fails as libnotify's does without a
	// notification service: its message on stderr, exit status 1.
	script := "#!/bin/sh\necho 'GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications was not provided by any .service files' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "notify-send"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"no notification service", fmt.Errorf("notification %q: %w", "T", notify.ErrUnavailable)},
		{"no session bus", fmt.Errorf("notifications: %w: %w", notify.ErrNoBus, errors.New("DBUS_SESSION_BUS_ADDRESS is not set"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			x := &XDG{
				Cmd:           SystemCommands(runner.Exec{}),
				Notifications: func(context.Context, string, string, string, func()) error { return tc.err },
				Logger:        slog.New(slog.NewTextHandler(&log, nil)),
			}
			if err := x.NotifyAction("T", "m", "Show Log", func() {}); err == nil {
				t.Error("NotifyAction: no error")
			}
			if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "was not provided by any .service files") {
				t.Errorf("log: got %q, want a warning with notify-send's message", log.String())
			}
		})
	}
	t.Run("not installed", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		var log bytes.Buffer
		x := &XDG{Cmd: SystemCommands(runner.Exec{}), Logger: slog.New(slog.NewTextHandler(&log, nil))}
		if err := x.Notify("T", "m"); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Notify: got %v, want ErrUnavailable", err)
		}
		if !strings.Contains(log.String(), "notify-send is not installed") {
			t.Errorf("log: got %q", log.String())
		}
	})
	t.Run("another failure is not hidden by notify-send", func(t *testing.T) {
		boom := errors.New("org.freedesktop.DBus.Error.NoReply")
		x := &XDG{Cmd: fakeCommands(nil, nil, new([][]string)),
			Notifications: func(context.Context, string, string, string, func()) error { return boom }}
		if err := x.Notify("T", "m"); !errors.Is(err, boom) {
			t.Errorf("Notify: got %v, want the service's error", err)
		}
	})
}
