package state

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/limabar/limabar/app/lima"
	"github.com/limabar/limabar/app/loginitem"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// standInService stands in for SMAppService.mainApp in a given status.
type standInService struct{ status loginitem.Status }

func (s *standInService) Status() loginitem.Status { return s.status }
func (s *standInService) Register() error          { return nil }
func (s *standInService) Unregister() error        { return nil }
func (s *standInService) OpenSettings() error      { return nil }

// noAgent is an earlier LimaBar's LaunchAgent that is not there.
type noAgent struct{ path string }

func (a noAgent) Path() (string, error)  { return a.path, nil }
func (a noAgent) Enabled() (bool, error) { return false, nil }
func (a noAgent) Enable() error          { return nil }
func (a noAgent) Disable() error         { return nil }

// xdgEntry stands in for Linux's XDG autostart entry, which has no status
// of its own.
type xdgEntry struct{ on bool }

func (x xdgEntry) Enabled() (bool, error) { return x.on, nil }
func (x xdgEntry) Enable() error          { return nil }
func (x xdgEntry) Disable() error         { return nil }

// TestSnapshotSaysWhatMacOSHoldsBack: the snapshot carries the switch of
// Open LimaBar at Login and, for a login item of SMAppService that macOS
// holds back, what the menu says beside it; a login item that is
// enabled or not registered, and Linux's entry, have no note.
func TestSnapshotSaysWhatMacOSHoldsBack(t *testing.T) {
	tmp := t.TempDir()
	engine, err := autostart.New(autostart.Env{
		Platform: autostart.Darwin, Home: tmp, StateDir: filepath.Join(tmp, "state"),
		LaunchDaemonsDir: filepath.Join(tmp, "LaunchDaemons"), UID: 501, User: "alice",
		LimaHome: filepath.Join(tmp, ".lima"),
		Tools:    autostart.Tools{Launchctl: "launchctl", Plutil: "plutil"},
		Runner:   runner.NewFake(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	item := func(st loginitem.Status) SelfStarter {
		return loginitem.New(&standInService{status: st}, noAgent{filepath.Join(tmp, "no-agent.plist")}, filepath.Join(t.TempDir(), "migrated"), slog.New(slog.DiscardHandler))
	}
	for _, tc := range []struct {
		name      string
		self      SelfStarter
		on        bool
		supported bool
		note      string
	}{
		{"requiresApproval", item(loginitem.RequiresApproval), false, true, "Approve LimaBar in System Settings → General → Login Items"},
		{"notFound", item(loginitem.NotFound), false, true, "macOS cannot find LimaBar.app to open at login; move it to Applications"},
		{"enabled", item(loginitem.Enabled), true, true, ""},
		{"notRegistered", item(loginitem.NotRegistered), false, true, ""},
		{"Linux's entry", xdgEntry{on: true}, true, true, ""},
		{"none", nil, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := &Live{Platform: autostart.Darwin, Lima: &lima.Client{}, Engine: engine, SelfStart: tc.self}
			s := live.Snapshot(context.Background())
			if s.SelfStart != tc.on || s.SelfStartSupported != tc.supported || s.SelfStartNote != tc.note {
				t.Errorf("switch on %v, supported %v, note %q; want %v, %v, %q",
					s.SelfStart, s.SelfStartSupported, s.SelfStartNote, tc.on, tc.supported, tc.note)
			}
		})
	}
}
