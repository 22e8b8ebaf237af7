package macnotify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/limabar/limabar/autostart/runner"
)

// center is a stand-in for UNUserNotificationCenter that records every call
// and models the permission as Apple documents it
// (requestAuthorization(options:completionHandler:)): the first request
// prompts and stores the user's answer; later requests return the stored
// answer without a prompt.
type center struct {
	mu       sync.Mutex
	calls    []string
	status   Authorization
	answer   bool // the user's click at the prompt
	prompts  int
	requests []Request
	cats     []Category
	respond  func(Response)
	addErr   error
}

func (c *center) record(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, s)
}

func (c *center) Authorization(context.Context) (Authorization, error) {
	c.record("authorization")
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status, nil
}

func (c *center) RequestAuthorization(context.Context) (bool, error) {
	c.record("requestAuthorization")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status == NotDetermined {
		c.prompts++
		c.status = Denied
		if c.answer {
			c.status = Authorized
		}
	}
	return c.status == Authorized, nil
}

func (c *center) SetCategories(cs []Category) error {
	c.record(fmt.Sprintf("setCategories %d", len(cs)))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cats = cs
	return nil
}

func (c *center) Add(_ context.Context, r Request) error {
	c.record("add " + r.Title)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests = append(c.requests, r)
	return c.addErr
}

func (c *center) OnResponse(fn func(Response)) {
	c.record("onResponse")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.respond = fn
}

func (c *center) callList() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func logTo(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, nil))
}

func TestNothingTouchesTheCenterBeforeTheFirstNotification(t *testing.T) {
	c := &center{}
	n := New(Options{Center: c})
	n.Close()
	if calls := c.callList(); len(calls) != 0 {
		t.Errorf("center calls without a notification: %q", calls)
	}
}

func TestPermissionAskedOnceAtTheFirstNotification(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  Authorization
		answer  bool
		want    []string
		prompts int
	}{
		{"the user allows", NotDetermined, true, []string{
			"authorization", "requestAuthorization", "add a",
			"authorization", "add b",
			"authorization", "add c"}, 1},
		{"the user does not allow", NotDetermined, false, []string{
			"authorization", "requestAuthorization",
			"authorization",
			"authorization"}, 1},
		{"allowed before", Authorized, false, []string{
			"authorization", "add a", "authorization", "add b", "authorization", "add c"}, 0},
		{"provisional", Provisional, false, []string{
			"authorization", "add a", "authorization", "add b", "authorization", "add c"}, 0},
		{"turned off in System Settings", Denied, false, []string{
			"authorization", "authorization", "authorization"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &center{status: tc.status, answer: tc.answer}
			var log bytes.Buffer
			n := New(Options{Center: c, Logger: logTo(&log)})
			for _, title := range []string{"a", "b", "c"} {
				if err := n.Notify(title, "body"); err != nil {
					t.Fatalf("Notify(%q): %v", title, err)
				}
			}
			n.Close()
			if got := c.callList(); !slices.Equal(got, tc.want) {
				t.Errorf("center calls:\n got %q\nwant %q", got, tc.want)
			}
			if c.prompts != tc.prompts {
				t.Errorf("prompts: got %d, want %d", c.prompts, tc.prompts)
			}
			denied := !tc.answer && (tc.status == NotDetermined || tc.status == Denied)
			if got := strings.Count(log.String(), "System Settings → Notifications → LimaBar"); denied && got != 1 {
				t.Errorf("the log says %d times that notifications are off, want once:\n%s", got, log.String())
			}
		})
	}
}

func TestTheRequestWaitsForThePromptWithoutHoldingTheCaller(t *testing.T) {
	answered := make(chan struct{})
	c := &promptCenter{center: center{answer: true}, answered: answered}
	n := New(Options{Center: c})
	// The prompt is up until answered is closed; Notify must return
	// before that.
	if err := n.Notify("a", "body"); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify("b", "body"); err != nil {
		t.Fatal(err)
	}
	close(answered)
	n.Close()
	want := []string{"authorization", "requestAuthorization", "add a", "authorization", "add b"}
	if got := c.callList(); !slices.Equal(got, want) {
		t.Errorf("center calls:\n got %q\nwant %q", got, want)
	}
}

// promptCenter keeps the permission prompt up until answered is closed.
type promptCenter struct {
	center
	answered chan struct{}
}

func (c *promptCenter) RequestAuthorization(ctx context.Context) (bool, error) {
	<-c.answered
	return c.center.RequestAuthorization(ctx)
}

func TestOneNotificationPerKey(t *testing.T) {
	c := &center{status: Authorized}
	n := New(Options{Center: c})
	for _, title := range []string{"default: did not start", "default: did not start", "k3s: did not start"} {
		if err := n.Notify(title, "body"); err != nil {
			t.Fatal(err)
		}
	}
	n.Close()
	ids := []string{}
	for _, r := range c.requests {
		ids = append(ids, r.ID)
	}
	want := []string{
		"io.github.limabar.notification.default: did not start",
		"io.github.limabar.notification.default: did not start",
		"io.github.limabar.notification.k3s: did not start",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("request IDs: got %q, want %q (the same failure replaces its notification)", ids, want)
	}
}

func TestClickRouting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		action    func(Category) string
		wantClick bool
	}{
		{"click on the notification", func(Category) string { return DefaultAction }, true},
		{"click on Show Log", func(c Category) string { return c.ActionID }, true},
		{"dismissed", func(Category) string { return DismissAction }, false},
		{"an action of another app's", func(Category) string { return "com.example.other" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &center{status: Authorized}
			n := New(Options{Center: c})
			clicked := make(chan string, 1)
			if err := n.NotifyAction("default: did not start", "body", "Show Log", func() { clicked <- "show log" }); err != nil {
				t.Fatal(err)
			}
			n.Close()
			if len(c.cats) != 1 || c.cats[0].ActionTitle != "Show Log" {
				t.Fatalf("categories: got %+v, want one with a Show Log action", c.cats)
			}
			if got, want := c.requests[0].Category, c.cats[0].ID; got != want {
				t.Errorf("request category: got %q, want %q", got, want)
			}
			c.respond(Response{RequestID: c.requests[0].ID, ActionID: tc.action(c.cats[0])})
			n.mu.Lock()
			_, kept := n.onClick[c.requests[0].ID]
			n.mu.Unlock()
			if tc.wantClick {
				if got := <-clicked; got != "show log" {
					t.Errorf("handler: got %q", got)
				}
			}
			// Known actions end the notification's handler; an unknown
			// one leaves it for a later click.
			wantKept := !tc.wantClick && tc.action(c.cats[0]) != DismissAction
			if kept != wantKept {
				t.Errorf("handler kept after the response: got %v, want %v", kept, wantKept)
			}
		})
	}
}

func TestTheResponseHandlerDoesNotRunTheClickOnTheFrameworksQueue(t *testing.T) {
	c := &center{status: Authorized}
	n := New(Options{Center: c})
	release := make(chan struct{})
	ran := make(chan struct{})
	if err := n.NotifyAction("t", "b", "Show Log", func() { <-release; close(ran) }); err != nil {
		t.Fatal(err)
	}
	n.Close()
	// respond returns although the handler is blocked: it ran elsewhere.
	c.respond(Response{RequestID: c.requests[0].ID, ActionID: DefaultAction})
	close(release)
	<-ran
}

func TestCategoriesAreRegisteredOncePerLabel(t *testing.T) {
	c := &center{status: Authorized}
	n := New(Options{Center: c})
	for _, label := range []string{"Show Log", "Show Log", "Open"} {
		if err := n.NotifyAction("t "+label, "b", label, func() {}); err != nil {
			t.Fatal(err)
		}
	}
	n.Close()
	var sets []string
	for _, call := range c.callList() {
		if strings.HasPrefix(call, "setCategories") || call == "onResponse" {
			sets = append(sets, call)
		}
	}
	if want := []string{"onResponse", "setCategories 1", "setCategories 2"}; !slices.Equal(sets, want) {
		t.Errorf("got %q, want %q", sets, want)
	}
}

func TestAFailedRequestIsLogged(t *testing.T) {
	c := &center{status: Authorized, addErr: errors.New("Notifications are not allowed for this application")}
	var log bytes.Buffer
	n := New(Options{Center: c, Logger: logTo(&log)})
	if err := n.Notify("t", "b"); err != nil {
		t.Fatal(err)
	}
	n.Close()
	if !strings.Contains(log.String(), "Notifications are not allowed for this application") {
		t.Errorf("log: got %q, want the framework's error", log.String())
	}
}

func TestOutsideABundleTheFallbackShowsIt(t *testing.T) {
	var got []string
	n := New(Options{Fallback: func(_ context.Context, title, body string) error {
		got = append(got, title+"|"+body)
		return nil
	}})
	if err := n.NotifyAction("t", "b", "Show Log", func() { t.Error("clicked") }); err != nil {
		t.Fatal(err)
	}
	n.Close()
	if want := []string{"t|b"}; !slices.Equal(got, want) {
		t.Errorf("fallback: got %q, want %q", got, want)
	}
}

func TestAfterCloseNotifyFails(t *testing.T) {
	n := New(Options{Fallback: func(context.Context, string, string) error { return nil }})
	n.Close()
	if err := n.Notify("t", "b"); !errors.Is(err, ErrClosed) {
		t.Errorf("got %v, want ErrClosed", err)
	}
}

func TestInBundle(t *testing.T) {
	for _, tc := range []struct {
		id, path string
		want     bool
	}{
		{"io.github.limabar", "/Applications/LimaBar.app", true},
		{"io.github.limabar", "/Applications/LimaBar.app/", true},
		// A binary run from a terminal: no identifier, its folder.
		{"", "/Users/a/go/bin", false},
		{"", "/Applications/LimaBar.app", false},
		// An Info.plist embedded in a bare binary gives it an identifier,
		// not an app bundle: testdata/bundleproxy-nil.txt (Orca's helper in
		// Contents/Resources).
		{"com.example.helper", "/Applications/Orca.app/Contents/Resources", false},
	} {
		if got := InBundle(tc.id, tc.path); got != tc.want {
			t.Errorf("InBundle(%q, %q) = %v, want %v", tc.id, tc.path, got, tc.want)
		}
	}
}

func TestOsascriptFallbackReportsItsFailureInTheLog(t *testing.T) {
	dir := t.TempDir()
	failing := filepath.Join(dir, "osascript")
	// A stand-in osascript that fails as the real one does on a script
	// error: its message on stderr, exit status 1.
	if err := os.WriteFile(failing, []byte("#!/bin/sh\necho '0:12: execution error: boom (-2700)' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"non-zero exit", failing, "execution error: boom (-2700)"},
		{"cannot start", filepath.Join(dir, "missing"), "no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			o := Osascript{Runner: runner.Exec{}, Path: tc.path}
			n := New(Options{Fallback: o.Notify, Logger: logTo(&log)})
			if err := n.Notify("default: did not start", "body"); err != nil {
				t.Fatal(err)
			}
			n.Close()
			if !strings.Contains(log.String(), "notification not shown") || !strings.Contains(log.String(), tc.want) {
				t.Errorf("log: got %q, want a warning with %q", log.String(), tc.want)
			}
		})
	}
}

func TestOsascriptArgv(t *testing.T) {
	f := runner.NewFake(t, runner.Response{Match: []string{"/usr/bin/osascript"}})
	if err := (Osascript{Runner: f}).Notify(context.Background(), `a "b"`, "c\\d"); err != nil {
		t.Fatal(err)
	}
	want := []string{`/usr/bin/osascript -e display notification "c\\d" with title "a \"b\""`}
	if got := f.Argvs(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTheCrashedProcessesWereNotInABundle walks the published crashes of
// currentNotificationCenter: the main bundle of each is one InBundle
// refuses, whatever its identifier, so LimaBar would have used the
// fallback there.
func TestTheCrashedProcessesWereNotInABundle(t *testing.T) {
	data, err := os.ReadFile("testdata/bundleproxy-nil.txt")
	if err != nil {
		t.Fatal(err)
	}
	urls := 0
	for _, line := range strings.Split(string(data), "\n") {
		_, rest, ok := strings.Cut(line, "mainBundle.bundleURL file://")
		if !ok {
			continue
		}
		path, _, _ := strings.Cut(rest, "'")
		urls++
		if InBundle("io.github.limabar", path) {
			t.Errorf("InBundle(%q) = true for a process that crashed", path)
		}
	}
	if urls != 3 {
		t.Errorf("found %d bundle URLs in the samples, want 3", urls)
	}
}
