// Package macos holds the few pieces of LimaBar that talk to AppKit and
// Foundation through darwinkit: the administrator prompt run in-process with
// NSAppleScript, alerts, and opening URLs, Finder folders and Terminal.
//
// The darwin file only translates between Go and Objective-C. Everything
// that decides what is run lives in code without build tags, tested on
// Linux: the administrator script's AppleScript in autostart/elevate, and
// here the Terminal script with its shell quoting and the mapping from
// AppleScript error numbers to Go errors. Other platforms get stubs with the
// same API that log or return ErrNotMacOS.
//
// Telling Terminal to run a command sends it Apple events, which macOS
// allows only after asking the user, and only for an app whose Info.plist
// has NSAppleEventsUsageDescription.
package macos

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/quote"
)

// ErrNotMacOS is returned by the stubs on platforms other than macOS.
var ErrNotMacOS = errors.New("not on macOS")

// ErrNotAuthorized means macOS refused to let LimaBar send Apple events to
// another application (AppleScript error -1743): the user denied, or has not
// yet granted, the Automation permission.
var ErrNotAuthorized = errors.New("not allowed to control the application: allow LimaBar in System Settings > Privacy & Security > Automation")

// AdminPrompt runs the privileged script through the standard macOS
// administrator dialog, in-process with NSAppleScript, so that the dialog
// names LimaBar rather than osascript. On other platforms it always fails
// with ErrNotMacOS.
type AdminPrompt struct{}

var _ elevate.Elevator = AdminPrompt{}

// AppleScript error numbers LimaBar tells apart.
const (
	errUserCanceled   = -128
	errAENotPermitted = -1743
)

// scriptError turns the error dictionary of a failed NSAppleScript run into
// a Go error. Cancelling the administrator dialog is not a failure (the
// caller shows nothing), so it maps to elevate.ErrCancelled; a denied
// Automation permission needs a different fix from the user than a failing
// script, so it gets its own sentinel. hasNumber is false when the dictionary
// carried no NSAppleScriptErrorNumber.
func scriptError(number int, hasNumber bool, message string) error {
	message = strings.TrimSpace(message)
	if !hasNumber {
		if message == "" {
			return errors.New("script failed without an error number or message")
		}
		return fmt.Errorf("script failed: %s", message)
	}
	switch number {
	case errUserCanceled:
		return elevate.ErrCancelled
	case errAENotPermitted:
		return ErrNotAuthorized
	}
	if message == "" {
		return fmt.Errorf("script failed with AppleScript error %d", number)
	}
	return fmt.Errorf("script failed with AppleScript error %d: %s", number, message)
}

// shellCommand joins argv into one shell command line. Control characters
// are refused: Terminal's do script types the text into an interactive
// shell, where a line break would run the first half on its own.
func shellCommand(argv []string) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("empty command")
	}
	words := make([]string, len(argv))
	for i, arg := range argv {
		for _, c := range arg {
			if c < 0x20 || c == 0x7f {
				return "", fmt.Errorf("argument %d of the command (%q) contains a control character", i, arg)
			}
		}
		words[i] = quote.Shell(arg)
	}
	return strings.Join(words, " "), nil
}

// terminalScript returns the AppleScript that opens a new Terminal window
// running argv, for example limactl shell NAME. Each argument is
// shell-quoted, and the whole command is then written as an AppleScript
// string literal, by the quoters the administrator prompt uses too, so no
// argument can end the string or the shell word it is in.
func terminalScript(argv []string) (string, error) {
	cmd, err := shellCommand(argv)
	if err != nil {
		return "", err
	}
	return "tell application \"Terminal\"\n" +
		"\tdo script " + quote.AppleScript(cmd) + "\n" +
		"\tactivate\n" +
		"end tell\n", nil
}

// checkURL refuses what NSURL would turn into nil or NSWorkspace into a
// file open: only absolute URLs with a scheme are opened.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Scheme == "" || !u.IsAbs() {
		return fmt.Errorf("invalid URL %q: not absolute", raw)
	}
	return nil
}

// checkFolder makes sure path names an existing directory before it is
// handed to Finder, which otherwise fails without saying why.
func checkFolder(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("folder %q: not an absolute path", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("folder %q: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("folder %q: not a directory", path)
	}
	return nil
}
