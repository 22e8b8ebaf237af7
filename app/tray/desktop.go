package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/limabar/limabar/app/notify"
	"github.com/limabar/limabar/autostart/quote"
	"github.com/limabar/limabar/autostart/runner"
)

// Desktop opens things for the user and tells them about failures. The
// program uses the platform's own: MacCommands (with app/macos for URLs and
// folders) on a Mac, XDG commands on Linux; tests use a fake.
type Desktop interface {
	OpenURL(u string) error
	OpenFolder(path string) error
	// OpenFile opens a file in the application the user chose for it
	// (Console or a text editor for a log).
	OpenFile(path string) error
	// OpenTerminal runs argv in a new terminal window.
	OpenTerminal(argv []string) error
	// Notify shows a passing notice (a failure that happened in the
	// background, a switch that turned the other one off).
	Notify(title, message string) error
	// NotifyAction is Notify with a button labelled label: a click on it,
	// or on the notification itself, runs onClick, on a goroutine of the
	// desktop's that onClick must not hold. A desktop whose notifications
	// cannot be clicked shows a plain one.
	NotifyAction(title, message, label string, onClick func()) error
	// Alert shows a message the user asked to read.
	Alert(title, message string) error
}

// ErrUnavailable means the desktop has no way to do what was asked (no
// notification daemon, no terminal).
var ErrUnavailable = errors.New("not available on this desktop")

// Commands starts external programs for a Desktop. Start runs argv without
// waiting for it to finish; it reports a program that is missing or that
// fails at once.
type Commands struct {
	LookPath func(string) (string, error)
	Start    func(argv []string) error
	Getenv   func(string) string
}

// SystemCommands runs real programs through r, which logs each one with
// its exit status and duration when it ends.
func SystemCommands(r runner.Runner) Commands {
	return Commands{LookPath: exec.LookPath, Start: func(argv []string) error { return startDetached(r, argv) }, Getenv: os.Getenv}
}

// startDetached starts argv and waits a moment for it: an opener that fails
// (no handler for a URL, a terminal that does not understand its flags)
// usually exits within that moment with a message, which is then the
// error; one that keeps running (a terminal, a dialog) is left to run, and
// the runner reaps it whenever it ends.
func startDetached(r runner.Runner, argv []string) error {
	exited := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), argv[0], argv[1:]...)
		exited <- err
	}()
	select {
	case err := <-exited:
		return err
	case <-time.After(time.Second):
		return nil
	}
}

// XDG is the Linux desktop: xdg-open, the user's terminal, and
// org.freedesktop.Notifications (or notify-send).
type XDG struct {
	Cmd Commands
	// Notifications sends a notification, with a button labelled label
	// whose click runs onClick when onClick is not nil; nil means
	// notify-send.
	Notifications func(ctx context.Context, title, body, label string, onClick func()) error
	// Logger gets the failures of notify-send; nil is slog.Default().
	Logger *slog.Logger
}

var _ Desktop = (*XDG)(nil)

// NewXDG returns the Linux desktop with real commands run through r, and
// notifications over the session bus.
func NewXDG(r runner.Runner) *XDG {
	return &XDG{Cmd: SystemCommands(r), Notifications: sessionNotifications()}
}

// sessionNotifications sends notifications over one connection to the
// session bus, opened at the first notification (most runs send none). The
// connection stays open for the life of the program: a click on a
// notification comes back over it.
func sessionNotifications() func(ctx context.Context, title, body, label string, onClick func()) error {
	var (
		once sync.Once
		n    *notify.Notifier
		err  error
	)
	return func(ctx context.Context, title, body, label string, onClick func()) error {
		once.Do(func() { n, err = notify.Connect("LimaBar") })
		if err != nil {
			return err
		}
		if onClick == nil {
			_, err := n.Notify(ctx, title, body)
			return err
		}
		_, err := n.NotifyAction(ctx, title, body, label, onClick)
		return err
	}
}

func (x *XDG) open(target string) error {
	if _, err := x.Cmd.LookPath("xdg-open"); err != nil {
		return fmt.Errorf("cannot open %s: xdg-open is not installed (package xdg-utils)", target)
	}
	return x.Cmd.Start([]string{"xdg-open", target})
}

// OpenURL implements Desktop.
func (x *XDG) OpenURL(u string) error { return x.open(u) }

// OpenFolder implements Desktop.
func (x *XDG) OpenFolder(path string) error { return x.open(path) }

// OpenFile implements Desktop.
func (x *XDG) OpenFile(path string) error { return x.open(path) }

// terminals are tried in order after $TERMINAL; each with the words that
// make it run a command.
var terminals = []struct {
	name string
	run  []string
}{
	{"x-terminal-emulator", []string{"-e"}}, // Debian's alternatives
	{"gnome-terminal", []string{"--"}},
	{"kgx", []string{"--"}},
	{"konsole", []string{"-e"}},
	{"xfce4-terminal", []string{"-x"}},
	{"kitty", nil},
	{"alacritty", []string{"-e"}},
	{"foot", nil},
	{"wezterm", []string{"start", "--"}},
	{"tilix", []string{"-e"}},
	{"xterm", []string{"-e"}},
}

// TerminalArgv is the command that runs argv in the user's terminal:
// $TERMINAL if set (with -e, the common convention), otherwise the first
// terminal found.
func (x *XDG) TerminalArgv(argv []string) ([]string, error) {
	if t := strings.TrimSpace(x.Cmd.Getenv("TERMINAL")); t != "" {
		if _, err := x.Cmd.LookPath(t); err == nil {
			return append([]string{t, "-e"}, argv...), nil
		}
	}
	for _, t := range terminals {
		if _, err := x.Cmd.LookPath(t.name); err == nil {
			out := append([]string{t.name}, t.run...)
			return append(out, argv...), nil
		}
	}
	return nil, fmt.Errorf("no terminal found (set TERMINAL or install one): %w", ErrUnavailable)
}

// OpenTerminal implements Desktop.
func (x *XDG) OpenTerminal(argv []string) error {
	full, err := x.TerminalArgv(argv)
	if err != nil {
		return err
	}
	return x.Cmd.Start(full)
}

// Notify implements Desktop: over D-Bus to the desktop's notification
// service when Notifications is set (NewXDG sets it), else with
// notify-send (libnotify).
func (x *XDG) Notify(title, message string) error {
	return x.NotifyAction(title, message, "", nil)
}

// NotifyAction implements Desktop: the button and the click on the
// notification go over D-Bus when Notifications is set. notify-send shows
// a plain notification instead: it can report a click only by staying
// until the notification closes (--action with --wait, libnotify 0.7.10 and
// later), and it is only the fallback for a desktop without the service.
func (x *XDG) NotifyAction(title, message, label string, onClick func()) error {
	if x.Notifications != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := x.Notifications(ctx, title, message, label, onClick)
		cancel()
		if !errors.Is(err, notify.ErrUnavailable) && !errors.Is(err, notify.ErrNoBus) {
			return err
		}
	}
	return x.notifySend(title, message)
}

// notifySend is the fallback without a notification service on the
// session bus; its failure is logged, with notify-send's own message.
func (x *XDG) notifySend(title, message string) error {
	logger := x.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if _, err := x.Cmd.LookPath("notify-send"); err != nil {
		logger.Warn("notification not shown: no notification service, and notify-send is not installed (package libnotify-bin)", "title", title)
		return fmt.Errorf("notify-send: %w", ErrUnavailable)
	}
	if err := x.Cmd.Start([]string{"notify-send", "--app-name=LimaBar", "--", title, message}); err != nil {
		logger.Warn("notification not shown: notify-send failed", "title", title, "err", err)
		return err
	}
	return nil
}

// Alert implements Desktop with zenity or kdialog, or a notification when
// neither is installed.
func (x *XDG) Alert(title, message string) error {
	if _, err := x.Cmd.LookPath("zenity"); err == nil {
		return x.Cmd.Start([]string{"zenity", "--error", "--no-markup", "--title=" + title, "--text=" + message})
	}
	if _, err := x.Cmd.LookPath("kdialog"); err == nil {
		return x.Cmd.Start([]string{"kdialog", "--title", title, "--error", message})
	}
	return x.Notify(title, message)
}

// MacCommands is a Mac desktop made of command-line tools (open, osascript).
// The app uses it for everything that waits for the user (an alert,
// Terminal's Automation permission): run in a child process, such a wait
// never holds the app's main thread, which draws the menu.
type MacCommands struct {
	Cmd Commands
	// Osascript is the osascript program; "" is /usr/bin/osascript, the
	// one every Mac has.
	Osascript string
}

var _ Desktop = (*MacCommands)(nil)

// OpenURL implements Desktop.
func (m *MacCommands) OpenURL(u string) error { return m.Cmd.Start([]string{"/usr/bin/open", u}) }

// OpenFolder implements Desktop.
func (m *MacCommands) OpenFolder(path string) error {
	return m.Cmd.Start([]string{"/usr/bin/open", path})
}

// OpenFile implements Desktop.
func (m *MacCommands) OpenFile(path string) error {
	return m.Cmd.Start([]string{"/usr/bin/open", path})
}

// OpenTerminal implements Desktop: Terminal runs the shell-quoted argv.
// Control characters are refused: do script types the text into an
// interactive shell, where a line break would run the first half on its
// own.
func (m *MacCommands) OpenTerminal(argv []string) error {
	if len(argv) == 0 {
		return errors.New("open Terminal: empty command")
	}
	for i, arg := range argv {
		if strings.ContainsFunc(arg, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return fmt.Errorf("open Terminal: argument %d of the command (%q) contains a control character", i, arg)
		}
	}
	script := []string{
		"tell application \"Terminal\"",
		"activate",
		"do script " + quote.AppleScript(quote.ShellJoin(argv)),
		"end tell",
	}
	err := m.osascript(script)
	if err != nil && strings.Contains(err.Error(), notAuthorized) {
		return fmt.Errorf("%w (allow LimaBar to control Terminal in System Settings > Privacy & Security > Automation)", err)
	}
	return err
}

// notAuthorized ends osascript's report of AppleScript error -1743: the
// user denied, or has not yet granted, LimaBar the Automation permission
// for the application it tells.
const notAuthorized = "(-1743)"

// Notify implements Desktop.
func (m *MacCommands) Notify(title, message string) error {
	return m.osascript([]string{"display notification " + quote.AppleScript(message) +
		" with title " + quote.AppleScript(title)})
}

// NotifyAction implements Desktop with a plain notification: one shown by
// osascript's display notification has no buttons, and a click on it opens
// Script Editor, not LimaBar, so the click cannot be offered on a Mac.
func (m *MacCommands) NotifyAction(title, message, _ string, _ func()) error {
	return m.Notify(title, message)
}

// Alert implements Desktop. The alert is osascript's own, so it blocks
// nothing in LimaBar while it waits for OK; activate brings it in front of
// the other windows, as LimaBar has no window to be in front of.
func (m *MacCommands) Alert(title, message string) error {
	return m.osascript([]string{"activate", "display alert " + quote.AppleScript(title) +
		" message " + quote.AppleScript(message) + " as critical"})
}

func (m *MacCommands) osascript(lines []string) error {
	prog := m.Osascript
	if prog == "" {
		prog = "/usr/bin/osascript"
	}
	argv := []string{prog}
	for _, l := range lines {
		argv = append(argv, "-e", l)
	}
	return m.Cmd.Start(argv)
}
