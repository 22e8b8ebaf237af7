package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/limabar/limabar/app/hostenv"
	"github.com/limabar/limabar/app/loginitem"
	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// standInAppService stands in for SMAppService.mainApp: a status that
// only the user changes (in System Settings), and the calls it was asked.
type standInAppService struct {
	mu     sync.Mutex
	status loginitem.Status
	calls  []string
}

func (s *standInAppService) call(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, name)
	return nil
}

func (s *standInAppService) Status() loginitem.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}
func (s *standInAppService) Register() error     { return s.call("register") }
func (s *standInAppService) Unregister() error   { return s.call("unregister") }
func (s *standInAppService) OpenSettings() error { return s.call("open settings") }

func (s *standInAppService) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// TestLoginItemWaitingForApprovalShowsInTheMenu: on a Mac whose
// SMAppService reports LimaBar's login item as requiresApproval (the user
// switched LimaBar off in Login Items), the program's switch is off, the
// line under it says where to approve it, and a click on the line opens
// System Settings → General → Login Items through the Desktop, as every
// other URL of the menu.
func TestLoginItemWaitingForApprovalShowsInTheMenu(t *testing.T) {
	r := runner.NewFake(t, runner.Response{Match: []string{"/opt/homebrew/bin/limactl", "list", "--json"}})
	live := newMacLive(t, r)
	env := live.Engine.Env()
	host := &hostenv.Host{
		Platform: autostart.Darwin,
		Home:     env.Home,
		UID:      env.UID,
		User:     env.User,
		Logger:   slog.New(slog.DiscardHandler),
	}
	service := &standInAppService{status: loginitem.RequiresApproval}
	live.SelfStart = selfStarterOf(host, service, slog.New(slog.DiscardHandler))
	if _, ok := live.SelfStart.(*loginitem.Item); !ok {
		t.Fatalf("Open LimaBar at Login on a Mac with SMAppService is %T, want the login item", live.SelfStart)
	}

	desktop := &fakeDesktop{}
	view := &fakeView{}
	g := newGUI(live, desktop, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { g.stop(cancel) })
	g.start(ctx, view)
	h := &harness{t: t, view: view, desktop: desktop, g: g}

	const note = "⚠ Approve LimaBar in System Settings → General → Login Items"
	m := h.waitFor("the note under the switch", func(m menu.Menu) bool { return hasTitle(m.Footer, note) })
	var got []string
	for _, it := range m.Footer[:2] {
		got = append(got, it.Title)
	}
	if want := []string{"Open LimaBar at Login", note}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("the footer begins with %q, want %q", got, want)
	}
	if self := m.Footer[0]; self.Checked || !self.Enabled {
		t.Errorf("the switch: checked %v, enabled %v; want off and usable while macOS waits for the approval", self.Checked, self.Enabled)
	}

	h.click(note)
	g.idle()
	if got, want := desktop.Got(), "url "+loginitem.SettingsURL; len(got) != 1 || got[0] != want {
		t.Errorf("the desktop was told %q, want %q", got, want)
	}
	if calls := service.Calls(); len(calls) != 0 {
		t.Errorf("SMAppService was asked %q, want nothing: only the user approves", calls)
	}
	// No earlier LaunchAgent: the migration is recorded as done, in
	// LimaBar's state folder.
	if _, err := os.Stat(filepath.Join(host.StateDir(), "login-item-migrated")); err != nil {
		t.Errorf("the migration's record: %v", err)
	}
}
