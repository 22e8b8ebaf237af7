package elevate

import (
	"errors"
	"fmt"

	"github.com/limabar/limabar/autostart/runner"
)

// Session is how the current process can ask for an administrator password.
type Session string

const (
	// SessionGUI is a logged-in macOS desktop: the administrator dialog.
	SessionGUI Session = "gui"
	// SessionTTY is a terminal without a desktop (SSH): sudo.
	SessionTTY Session = "tty"
	// SessionNone is neither, for example a launchd job or a pipe.
	SessionNone Session = "none"
)

// DetectSession picks the session from what the caller found out. The
// desktop wins over a terminal: the dialog says what will be done and looks
// the same from the app and from Terminal. Over SSH the caller reports no
// desktop, and sudo asks on the terminal.
func DetectSession(stdinIsTTY, guiSession bool) Session {
	switch {
	case guiSession:
		return SessionGUI
	case stdinIsTTY:
		return SessionTTY
	default:
		return SessionNone
	}
}

// ErrNoPrompt means there is no way to ask for an administrator password.
var ErrNoPrompt = errors.New("there is no administrator dialog and no terminal to ask for a password")

// ChooseTools are the programs and hooks Choose may use. Empty paths mean
// each elevator's default: the absolute macOS paths /usr/bin/osascript,
// /usr/bin/sudo and /bin/sh. Bare names ("osascript", "sudo") are looked up
// on PATH, for tests with fakes there.
type ChooseTools struct {
	Osascript string
	Sudo      string
	Shell     string
}

// Choose returns the way to run the privileged script: directly when
// already root, else the dialog on a desktop, else sudo on a terminal. With
// none of them it returns an error wrapping ErrNoPrompt that says what to
// run instead.
func Choose(isRoot bool, s Session, r runner.Runner, t ChooseTools) (Elevator, error) {
	if isRoot {
		return Direct{Runner: r, Shell: t.Shell}, nil
	}
	switch s {
	case SessionGUI:
		return Osascript{Runner: r, Path: t.Osascript}, nil
	case SessionTTY:
		return Sudo{Runner: r, Path: t.Sudo}, nil
	case SessionNone:
		return nil, fmt.Errorf("%w; run it in a terminal with sudo instead, for example "+
			"`sudo limabar enable --condition=boot --user \"$USER\" NAME` or "+
			"`sudo limabar disable --condition=boot NAME`", ErrNoPrompt)
	default:
		return nil, fmt.Errorf("unknown session %q", s)
	}
}
