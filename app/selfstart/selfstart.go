// Package selfstart is the "Open LimaBar at Login" switch: it registers
// LimaBar itself, not a Lima instance, to open when the user logs in. On
// macOS that is a LaunchAgent in ~/Library/LaunchAgents, on Linux an XDG
// autostart entry in $XDG_CONFIG_HOME/autostart. On macOS 13 and later,
// LimaBar.app registers itself with SMAppService instead (app/loginitem),
// which keeps this agent for older macOS and for a binary run outside the
// bundle, and migrates the agent an earlier LimaBar wrote.
//
// Like the engine, it has no build tags: the platform is a value, every path
// comes from the caller and launchctl goes through the runner seam, so both
// platforms are tested on Linux.
package selfstart

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/plan"
	"github.com/limabar/limabar/autostart/runner"
)

const (
	// Label is the launchd label of the LaunchAgent. It is the app's bundle
	// identifier, as macOS expects of a login item that belongs to an app.
	Label = launchd.BundleID
	// DesktopFile is the name of the XDG autostart entry. The tarball's
	// install.sh --autostart writes the same file, so the checkbox shows it.
	DesktopFile = "limabar.desktop"
	// IconName is the icon the Linux tarball installs into the hicolor theme.
	IconName = "io.github.limabar"

	// open is how the LaunchAgent starts the app; see agent.
	open = "/usr/bin/open"
)

// ErrTranslocated is returned on macOS when LimaBar runs from the
// read-only copy that App Translocation makes of a downloaded app opened
// where it was unpacked: that path changes at every start, so a login item
// pointing at it would not work.
var ErrTranslocated = errors.New("running from a temporary copy that macOS made of the app (App Translocation): move LimaBar.app to the Applications folder, open it from there and try again")

// commandTimeout bounds each launchctl call; launchctl answers at once or
// is stuck.
const commandTimeout = 15 * time.Second

// LoginItem is LimaBar's own login item. Its zero paths are not guessed:
// the caller fills them in from the real environment, tests from temporary
// folders.
type LoginItem struct {
	Platform autostart.Platform

	// Home is the user's home folder (~/Library/LaunchAgents is under it).
	Home string
	// ConfigHome is $XDG_CONFIG_HOME; empty means Home/.config.
	ConfigHome string

	// Executable is the absolute path of the running limabar.
	Executable string
	// Bundle is the LimaBar.app that holds Executable (see BundleOf), or
	// empty when LimaBar does not run from an app bundle. macOS only.
	Bundle string

	// UID names the launchd domain gui/<uid>. macOS only.
	UID int
	// Launchctl is the launchctl to run; empty means /bin/launchctl.
	Launchctl string
	// Runner runs launchctl; nil means the real one.
	Runner runner.Runner
	// Files writes and removes the entry; nil means the real file system.
	Files autostart.Files
}

// BundleOf returns the .app folder that holds exe when exe is an app's main
// executable (X.app/Contents/MacOS/NAME), and "" otherwise, for instance
// for a binary built with `go build`.
func BundleOf(exe string) string {
	macos := filepath.Dir(filepath.Clean(exe))
	contents := filepath.Dir(macos)
	app := filepath.Dir(contents)
	if filepath.Base(macos) != "MacOS" || filepath.Base(contents) != "Contents" || !strings.HasSuffix(app, ".app") {
		return ""
	}
	return app
}

// Path is the file that registers LimaBar to open at login.
func (l LoginItem) Path() (string, error) {
	switch l.Platform {
	case autostart.Darwin:
		if l.Home == "" {
			return "", errors.New("no home folder to put the LaunchAgent in")
		}
		return filepath.Join(l.Home, "Library", "LaunchAgents", Label+".plist"), nil
	case autostart.Linux:
		ch := l.ConfigHome
		if ch == "" {
			if l.Home == "" {
				return "", errors.New("no home folder to put the autostart entry in")
			}
			ch = filepath.Join(l.Home, ".config")
		}
		return filepath.Join(ch, "autostart", DesktopFile), nil
	}
	return "", fmt.Errorf("open at login on %q: %w", l.Platform, autostart.ErrNotSupported)
}

// Entry is the content Enable writes.
func (l LoginItem) Entry() ([]byte, error) {
	switch l.Platform {
	case autostart.Darwin:
		args, err := l.programArguments()
		if err != nil {
			return nil, err
		}
		return encodeAgent(agent{
			Label:                       Label,
			ProgramArguments:            args,
			RunAtLoad:                   true,
			LimitLoadToSessionType:      "Aqua",
			AssociatedBundleIdentifiers: []string{launchd.BundleID},
		})
	case autostart.Linux:
		if err := checkExecutable(l.Executable); err != nil {
			return nil, err
		}
		return DesktopEntry(l.Executable)
	}
	return nil, fmt.Errorf("open at login on %q: %w", l.Platform, autostart.ErrNotSupported)
}

// Enabled reports whether LimaBar will open at the next login: the entry
// exists, starts this copy of LimaBar and, on macOS, launchd has no disable
// override for it. An entry left by a copy that has moved counts as off, so
// that turning the switch on points it here.
func (l LoginItem) Enabled() (bool, error) {
	path, err := l.Path()
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the login item: %w", err)
	}
	switch l.Platform {
	case autostart.Darwin:
		return l.agentEnabled(data)
	default:
		return l.desktopEnabled(data)
	}
}

func (l LoginItem) agentEnabled(data []byte) (bool, error) {
	var a agent
	if _, err := plist.Unmarshal(data, &a); err != nil || a.Label != Label {
		// Not a plist LimaBar wrote; Enable replaces it.
		return false, nil
	}
	want, err := l.programArguments()
	if err != nil {
		return false, err
	}
	if !slices.Equal(a.ProgramArguments, want) {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, err := l.runner().Run(ctx, l.launchctl(), launchd.PrintDisabledArgv(launchd.GUIDomain(l.UID))...)
	if err != nil {
		return false, fmt.Errorf("ask launchd whether the login item is disabled: %w", err)
	}
	return !launchd.ParsePrintDisabled(out)[Label], nil
}

func (l LoginItem) desktopEnabled(data []byte) (bool, error) {
	e := parseDesktopEntry(data)
	if e["Hidden"] == "true" || e["X-GNOME-Autostart-enabled"] == "false" {
		return false, nil
	}
	prog, err := execProgram(e["Exec"])
	if err != nil {
		return false, nil
	}
	return filepath.Clean(prog) == filepath.Clean(l.Executable), nil
}

// Enable registers LimaBar to open at the next login. It does not start a
// second LimaBar now. On macOS it also clears a launchd disable override
// (left, for instance, by switching the item off in System Settings); if
// that fails, the previous entry is put back.
func (l LoginItem) Enable() error {
	p, err := l.PlanEnable()
	if err != nil {
		return err
	}
	return l.execute(p)
}

// PlanEnable reads what is there and returns the steps of Enable, changing
// nothing.
func (l LoginItem) PlanEnable() (plan.Plan, error) {
	path, err := l.Path()
	if err != nil {
		return plan.Plan{}, err
	}
	data, err := l.Entry()
	if err != nil {
		return plan.Plan{}, err
	}
	write := plan.WriteFile{Purpose: "write the login item", Path: path, Data: data, Mode: 0o644}
	if fi, err := os.Stat(path); err == nil {
		write.Existed, write.OldMode = true, fi.Mode().Perm()
		write.Old, err = os.ReadFile(path)
		if err != nil {
			return plan.Plan{}, fmt.Errorf("read the login item: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return plan.Plan{}, fmt.Errorf("read the login item: %w", err)
	}
	p := plan.Plan{Subject: subject, Steps: []plan.Step{write}}
	if l.Platform == autostart.Darwin {
		p.Steps = append(p.Steps, plan.Command{Purpose: "enable the login item",
			Argv: append([]string{l.launchctl()}, launchd.EnableArgv(launchd.GUIDomain(l.UID), Label)...)})
	}
	return p, nil
}

// Disable removes the entry, whichever copy of LimaBar it starts. It does
// not quit the running LimaBar: the LaunchAgent only runs `open`, which has
// long exited, so there is nothing for launchd to stop.
func (l LoginItem) Disable() error {
	p, err := l.PlanDisable()
	if err != nil {
		return err
	}
	return l.execute(p)
}

// PlanDisable returns the steps of Disable, changing nothing.
func (l LoginItem) PlanDisable() (plan.Plan, error) {
	path, err := l.Path()
	if err != nil {
		return plan.Plan{}, err
	}
	return plan.Plan{Subject: subject, Steps: []plan.Step{plan.RemoveFile{Purpose: "remove the login item", Path: path}}}, nil
}

// subject names the login item in errors.
const subject = "Open LimaBar at Login"

// execute runs a plan with the item's seams, within commandTimeout.
func (l LoginItem) execute(p plan.Plan) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	return plan.Executor{Files: l.files(), Runner: l.runner()}.Run(ctx, p)
}

// agent is the LaunchAgent. The encoder writes the keys sorted, as plutil
// does.
//
// It runs `open -a LimaBar.app` rather than the executable inside the
// bundle. Started through Launch Services, LimaBar is an ordinary app: a
// second start at login activates the running copy instead of adding a
// second menu-bar icon, and the app does not belong to the launchd job, so
// removing or booting out the job never kills it. LimitLoadToSessionType
// keeps it out of SSH sessions, where there is no menu bar.
type agent struct {
	Label                       string   `plist:"Label"`
	ProgramArguments            []string `plist:"ProgramArguments"`
	RunAtLoad                   bool     `plist:"RunAtLoad"`
	LimitLoadToSessionType      string   `plist:"LimitLoadToSessionType,omitempty"`
	AssociatedBundleIdentifiers []string `plist:"AssociatedBundleIdentifiers,omitempty"`
}

func encodeAgent(a agent) ([]byte, error) {
	data, err := launchd.EncodeXML(a)
	if err != nil {
		return nil, fmt.Errorf("encode the login item: %w", err)
	}
	return data, nil
}

// programArguments opens the bundle when there is one. Without a bundle
// (a binary run from a terminal) it runs the binary itself, which is the
// best that can be done and is what a developer build expects.
func (l LoginItem) programArguments() ([]string, error) {
	if l.Bundle != "" {
		if !filepath.IsAbs(l.Bundle) {
			return nil, fmt.Errorf("the app bundle path %q is not absolute", l.Bundle)
		}
		if strings.Contains(l.Bundle, "/AppTranslocation/") {
			return nil, ErrTranslocated
		}
		return []string{open, "-a", filepath.Clean(l.Bundle)}, nil
	}
	if err := checkExecutable(l.Executable); err != nil {
		return nil, err
	}
	return []string{filepath.Clean(l.Executable)}, nil
}

func checkExecutable(exe string) error {
	if exe == "" {
		return errors.New("the path of the limabar executable is not known")
	}
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("the path of the limabar executable %q is not absolute", exe)
	}
	return nil
}

func (l LoginItem) runner() runner.Runner {
	if l.Runner == nil {
		return runner.Exec{}
	}
	return l.Runner
}

func (l LoginItem) launchctl() string {
	if l.Launchctl == "" {
		return autostart.DarwinTools.Launchctl
	}
	return l.Launchctl
}

func (l LoginItem) files() autostart.Files {
	if l.Files == nil {
		return autostart.OSFiles{}
	}
	return l.Files
}
