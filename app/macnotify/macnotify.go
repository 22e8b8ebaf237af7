// Package macnotify decides how LimaBar's notifications reach a Mac user:
// through the User Notifications framework (UNUserNotificationCenter) when
// LimaBar runs from its app bundle, and through osascript's display
// notification only outside one (a binary run from a terminal).
//
// Why not osascript everywhere: a notification that osascript displays
// belongs to Script Editor. On macOS 14 and 15 it is dropped silently until
// Script Editor has the notification permission, while osascript exits 0
// (gen2brain/beeep#67, cline/cline#3097), and a click on it opens Script
// Editor with an empty document (ognistik/macrowhisper#9), so it can offer
// no Show Log. The framework's notifications are LimaBar's: its name and
// icon, its own switch in System Settings → Notifications, and clicks that
// come back to LimaBar.
//
// Why not the framework everywhere: +[UNUserNotificationCenter
// currentNotificationCenter] raises NSInternalInconsistencyException
// ("bundleProxyForCurrentProcess is nil: mainBundle.bundleURL …") in a
// process without an app bundle, which ends it (lucasmaurice/timetracker#10;
// testdata/bundleproxy-nil.txt). The command line never gets here: only the
// menu-bar app builds a Notifier, and InBundle guards the center.
//
// Everything that decides lives here, without build tags, and is tested on
// Linux with a stand-in Center: the permission asked once, at the first
// notification; one notification per key (a repeated failure replaces its
// earlier notification instead of piling up); the click on a notification or
// on its action routed to the caller's handler, on a goroutine; the choice
// between the center and the fallback. app/macos holds the Objective-C side.
package macnotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Authorization is the notification permission of the app, as the values of
// UNAuthorizationStatus (UNNotificationSettings.h): the Center reports the
// framework's number unchanged.
type Authorization int

// The values of UNAuthorizationStatus.
const (
	NotDetermined Authorization = 0
	Denied        Authorization = 1
	Authorized    Authorization = 2
	Provisional   Authorization = 3
	Ephemeral     Authorization = 4
)

func (a Authorization) String() string {
	switch a {
	case NotDetermined:
		return "notDetermined"
	case Denied:
		return "denied"
	case Authorized:
		return "authorized"
	case Provisional:
		return "provisional"
	case Ephemeral:
		return "ephemeral"
	}
	return fmt.Sprintf("UNAuthorizationStatus(%d)", int(a))
}

// mayPost says whether the framework delivers a request under a.
func (a Authorization) mayPost() bool {
	return a == Authorized || a == Provisional || a == Ephemeral
}

// The action identifiers the framework reports in a response: a click on the
// notification itself and its dismissal (UNNotificationResponse.h).
const (
	DefaultAction = "com.apple.UNNotificationDefaultActionIdentifier"
	DismissAction = "com.apple.UNNotificationDismissActionIdentifier"
)

// idPrefix starts the identifiers LimaBar gives its requests, categories and
// actions.
const idPrefix = "io.github.limabar."

// Category is a UNNotificationCategory with one action button.
type Category struct {
	ID          string
	ActionID    string
	ActionTitle string
}

// Request is one UNNotificationRequest. A request whose ID equals one
// delivered before replaces it in Notification Center.
type Request struct {
	ID       string
	Title    string
	Body     string
	Category string // "" for none
}

// Response is a user's answer to a delivered notification
// (UNNotificationResponse): the request's ID and the action's.
type Response struct {
	RequestID string
	ActionID  string
}

// Center is what LimaBar uses of UNUserNotificationCenter. The real one is
// in app/macos; each method waits for the framework's completion handler.
type Center interface {
	// Authorization reads the permission (getNotificationSettings).
	Authorization(ctx context.Context) (Authorization, error)
	// RequestAuthorization asks for alerts and sounds. The first time,
	// macOS shows its prompt and the answer comes when the user gives
	// it; later it answers from the stored choice without a prompt.
	RequestAuthorization(ctx context.Context) (granted bool, err error)
	// SetCategories replaces the app's categories.
	SetCategories(cs []Category) error
	// Add posts a request.
	Add(ctx context.Context, r Request) error
	// OnResponse makes the center call fn with each response, on a queue
	// of the framework's; fn returns at once.
	OnResponse(fn func(Response))
}

// Fallback shows a notification without the framework (osascript).
type Fallback func(ctx context.Context, title, body string) error

// InBundle says whether a process whose main bundle has this identifier
// and path runs from an app bundle, where the framework works. A binary
// run from a terminal has no identifier, and its main bundle is its folder.
func InBundle(bundleID, bundlePath string) bool {
	return bundleID != "" && strings.HasSuffix(filepath.Clean(bundlePath), ".app")
}

// Options configure a Notifier.
type Options struct {
	// Center is the framework, or nil outside an app bundle.
	Center Center
	// Fallback is used when Center is nil.
	Fallback Fallback
	// Logger gets what could not be shown; nil is slog.Default().
	Logger *slog.Logger
	// Timeout bounds one notification's calls, the permission prompt
	// excepted; zero is 10 s.
	Timeout time.Duration
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("notifications: closed")

// ErrBusy is returned when notifications come faster than they can be
// posted (queueLen are waiting).
var ErrBusy = errors.New("notifications: too many waiting")

// queueLen bounds the notifications waiting to be posted.
const queueLen = 32

type job struct {
	title, body, label string
	onClick            func()
}

// Notifier posts notifications in order, from a goroutine of its own: the
// caller never waits for the permission prompt, the framework or
// osascript, and what fails is logged there. Nothing touches the Center
// before the first notification.
type Notifier struct {
	center   Center
	fallback Fallback
	logger   *slog.Logger
	timeout  time.Duration

	queue chan job
	done  chan struct{}

	// Owned by the worker goroutine.
	asked       bool // RequestAuthorization was called, in this process
	deniedSaid  bool
	categories  []Category
	responseSet bool

	mu      sync.Mutex
	closed  bool
	onClick map[string]func() // request ID → handler
	actions map[string]bool   // action IDs that count as a click
}

// New returns a Notifier and starts its goroutine; Close ends it.
func New(o Options) *Notifier {
	n := &Notifier{
		center: o.Center, fallback: o.Fallback, logger: o.Logger, timeout: o.Timeout,
		queue: make(chan job, queueLen), done: make(chan struct{}),
		onClick: map[string]func(){}, actions: map[string]bool{DefaultAction: true},
	}
	if n.logger == nil {
		n.logger = slog.Default()
	}
	if n.timeout == 0 {
		n.timeout = 10 * time.Second
	}
	go n.work()
	return n
}

// Notify queues a plain notification.
func (n *Notifier) Notify(title, body string) error {
	return n.enqueue(job{title: title, body: body})
}

// NotifyAction queues a notification with a button labelled label. A click
// on the button or on the notification runs onClick on a goroutine of its
// own. Outside a bundle the notification is plain: osascript's cannot be
// clicked back to LimaBar.
func (n *Notifier) NotifyAction(title, body, label string, onClick func()) error {
	return n.enqueue(job{title: title, body: body, label: label, onClick: onClick})
}

func (n *Notifier) enqueue(j job) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	select {
	case n.queue <- j:
		return nil
	default:
		n.logger.Warn("notification not shown: too many waiting", "title", j.title)
		return ErrBusy
	}
}

// Close posts what is queued, then ends the goroutine.
func (n *Notifier) Close() {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.queue)
	}
	n.mu.Unlock()
	<-n.done
}

func (n *Notifier) work() {
	defer close(n.done)
	for j := range n.queue {
		n.post(j)
	}
}

// post shows one notification, logging what prevents it.
func (n *Notifier) post(j job) {
	if n.center == nil {
		ctx, cancel := context.WithTimeout(context.Background(), n.timeout)
		defer cancel()
		if n.fallback == nil {
			n.logger.Warn("notification not shown: no way to show one", "title", j.title)
			return
		}
		if err := n.fallback(ctx, j.title, j.body); err != nil {
			n.logger.Warn("notification not shown", "title", j.title, "err", err)
		}
		return
	}
	if !n.authorized() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.timeout)
	defer cancel()
	r := Request{ID: RequestID(j.title), Title: j.title, Body: j.body}
	if j.onClick != nil {
		if !n.responseSet {
			n.center.OnResponse(n.respond)
			n.responseSet = true
		}
		c, err := n.category(j.label)
		if err != nil {
			n.logger.Warn("notification shown without its button", "title", j.title, "err", err)
		} else {
			r.Category = c.ID
		}
		n.mu.Lock()
		n.onClick[r.ID] = j.onClick
		n.mu.Unlock()
	} else {
		// A plain notification replacing a clickable one of the same key
		// takes its click away too.
		n.mu.Lock()
		delete(n.onClick, r.ID)
		n.mu.Unlock()
	}
	if err := n.center.Add(ctx, r); err != nil {
		n.logger.Warn("notification not shown", "title", j.title, "err", err)
	}
}

// authorized reads the permission before each notification (the user can
// change it in System Settings at any time) and asks for it once per
// process, at the first notification while macOS has no answer yet.
// Apple's requestAuthorization(options:completionHandler:): "The first time
// your app makes this authorization request, the system prompts the user to
// grant or deny the request and records the user's response. Subsequent
// authorization requests don't prompt the user."
func (n *Notifier) authorized() bool {
	ctx, cancel := context.WithTimeout(context.Background(), n.timeout)
	a, err := n.center.Authorization(ctx)
	cancel()
	if err != nil {
		n.logger.Warn("notification not shown: cannot read the notification permission", "err", err)
		return false
	}
	if a == NotDetermined && !n.asked {
		n.asked = true
		// No timeout: the answer comes when the user clicks Allow or
		// Don't Allow, and this goroutine has nothing else to do.
		granted, err := n.center.RequestAuthorization(context.Background())
		switch {
		case err != nil:
			n.logger.Warn("notification permission not granted", "err", err)
			return false
		case granted:
			n.logger.Info("notifications allowed by the user")
			return true
		default:
			a = Denied
		}
	}
	if a.mayPost() {
		return true
	}
	if !n.deniedSaid {
		n.deniedSaid = true
		n.logger.Warn("notifications are turned off for LimaBar; turn them on in System Settings → Notifications → LimaBar",
			"permission", a.String())
	}
	return false
}

// category returns the category whose action is labelled label, registering
// it, with every earlier one, the first time: setNotificationCategories
// replaces the whole set.
func (n *Notifier) category(label string) (Category, error) {
	if label == "" {
		label = "Show"
	}
	for _, c := range n.categories {
		if c.ActionTitle == label {
			return c, nil
		}
	}
	num := len(n.categories) + 1
	c := Category{
		ID:          fmt.Sprintf("%scategory.%d", idPrefix, num),
		ActionID:    fmt.Sprintf("%saction.%d", idPrefix, num),
		ActionTitle: label,
	}
	all := append(append([]Category(nil), n.categories...), c)
	if err := n.center.SetCategories(all); err != nil {
		return Category{}, fmt.Errorf("register the %q button: %w", label, err)
	}
	n.categories = all
	n.mu.Lock()
	n.actions[c.ActionID] = true
	n.mu.Unlock()
	return c, nil
}

// respond is the Center's response handler. It runs on the framework's
// queue and returns at once: the handler runs on a goroutine of its own.
func (n *Notifier) respond(r Response) {
	n.mu.Lock()
	fn := n.onClick[r.RequestID]
	click := n.actions[r.ActionID]
	if click || r.ActionID == DismissAction {
		delete(n.onClick, r.RequestID)
	}
	n.mu.Unlock()
	if click && fn != nil {
		go fn()
	}
}

// RequestID is the identifier of the request for a notification titled
// title: one per title, so that a failure notified again replaces its
// earlier notification rather than adding one. The title names the
// instance and the failure (menu.FailureLine, menu.HealthLine).
func RequestID(title string) string {
	return idPrefix + "notification." + title
}
