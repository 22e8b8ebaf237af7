package macos

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/app/macnotify"
	"github.com/limabar/limabar/app/tray"
	"github.com/limabar/limabar/autostart/runner"
)

// A test binary runs outside an app bundle, on a Mac too: the Desktop must
// leave the notification center alone there and use osascript.
func TestDesktopOutsideABundleNotifiesWithOsascript(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "argv")
	osascript := filepath.Join(dir, "osascript")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + out + "'\n"
	if err := os.WriteFile(osascript, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	d := NewDesktop(&tray.MacCommands{Osascript: osascript}, runner.Exec{}, nil)
	if err := d.NotifyAction("default: did not start", "Open LimaBar's menu.", "Show Log", func() { t.Error("clicked") }); err != nil {
		t.Fatal(err)
	}
	d.Close()
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "-e\ndisplay notification \"Open LimaBar's menu.\" with title \"default: did not start\"\n"
	if string(got) != want {
		t.Errorf("osascript argv:\n got %q\nwant %q", got, want)
	}
}

func TestDesktopLogsAFailedOsascript(t *testing.T) {
	dir := t.TempDir()
	osascript := filepath.Join(dir, "osascript")
	if err := os.WriteFile(osascript, []byte("#!/bin/sh\necho 'osascript: no user interaction allowed' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	d := NewDesktop(&tray.MacCommands{Osascript: osascript}, runner.Exec{}, slog.New(slog.NewTextHandler(&log, nil)))
	if err := d.Notify("t", "b"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "no user interaction allowed") {
		t.Errorf("log: got %q, want a warning with osascript's message", log.String())
	}
}

// standInCenter stands in for UNUserNotificationCenter in a bundle whose
// notifications the user allowed: it keeps the categories, hands each
// request to the test, and answers as the user would through respond.
type standInCenter struct {
	mu         sync.Mutex
	categories []macnotify.Category
	respond    func(macnotify.Response)
	added      chan macnotify.Request
}

func (c *standInCenter) Authorization(context.Context) (macnotify.Authorization, error) {
	return macnotify.Authorized, nil
}
func (c *standInCenter) RequestAuthorization(context.Context) (bool, error) { return true, nil }
func (c *standInCenter) SetCategories(cs []macnotify.Category) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.categories = cs
	return nil
}
func (c *standInCenter) Add(_ context.Context, r macnotify.Request) error {
	c.added <- r
	return nil
}
func (c *standInCenter) OnResponse(fn func(macnotify.Response)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.respond = fn
}

// click answers request r with action as the framework would, on a
// goroutine of its own.
func (c *standInCenter) click(r macnotify.Request, action string) {
	c.mu.Lock()
	fn := c.respond
	c.mu.Unlock()
	go fn(macnotify.Response{RequestID: r.ID, ActionID: action})
}

func (c *standInCenter) actionOf(category string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cat := range c.categories {
		if cat.ID == category {
			return cat.ActionID
		}
	}
	return ""
}

// TestDesktopClickRunsTheCallersHandler: from the bundle, a click on a
// notification, or on its Show Log button, runs the handler the caller
// gave NotifyAction, as the XDG desktop does on Linux; the loop of app/ui
// gives the same handler on both (its Show Log), so a click on a Mac opens
// the log as on Linux. Nothing goes through osascript.
func TestDesktopClickRunsTheCallersHandler(t *testing.T) {
	c := &standInCenter{added: make(chan macnotify.Request, 4)}
	d := newDesktop(&tray.MacCommands{}, runner.NewFake(t), c, slog.New(slog.DiscardHandler))
	defer d.Close()
	clicks := make(chan string, 4)
	const title = "default: qemu-system-aarch64 not found — keeps failing at login"
	for _, click := range []struct {
		name   string
		action func(macnotify.Request) string
	}{
		{"the notification", func(macnotify.Request) string { return macnotify.DefaultAction }},
		{"its Show Log button", func(r macnotify.Request) string { return c.actionOf(r.Category) }},
	} {
		t.Run(click.name, func(t *testing.T) {
			if err := d.NotifyAction(title, "Open LimaBar's menu to try again or show the log.", "Show Log", func() { clicks <- click.name }); err != nil {
				t.Fatal(err)
			}
			var r macnotify.Request
			select {
			case r = <-c.added:
			case <-time.After(10 * time.Second):
				t.Fatal("no notification was posted to the center")
			}
			if r.Title != title || r.Category == "" {
				t.Fatalf("request %+v: want the title and a category with the button", r)
			}
			action := click.action(r)
			if action == "" {
				t.Fatalf("no button in category %q", r.Category)
			}
			c.click(r, action)
			select {
			case got := <-clicks:
				if got != click.name {
					t.Errorf("the handler of %q ran, want %q's", got, click.name)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("a click on %s did not run the handler", click.name)
			}
		})
	}
}
