package tray

import (
	"sync"
	"time"

	"github.com/limabar/limabar/app/menu"
)

// widget is one item of the toolkit's menu. getlantern/systray's items
// satisfy it through systrayWidget; tests use a fake.
type widget interface {
	SetTitle(string)
	SetTooltip(string)
	Enable()
	Disable()
	Check()
	Uncheck()
	Show()
	Hide()
}

// toolkit creates widgets. Items are appended in the order they are
// created and can never be removed or moved, which is why the renderer
// keeps pools.
type toolkit interface {
	// AddItem appends an item to parent's submenu, or to the top level
	// when parent is nil. clicks receives a value per click.
	AddItem(parent widget, checkable bool) (w widget, clicks <-chan struct{})
	AddSeparator()
	SetIcon(menu.IconKey)
	SetTooltip(string)
}

// applied is what a widget shows now, so that a render only touches what
// changed: every toolkit call crosses to the UI thread, and a menu of 200
// instances has thousands of items.
type applied struct {
	set      bool // title, tooltip and enabled have been applied
	title    string
	tooltip  string
	enabled  bool
	checkSet bool // checked is what the widget shows
	checked  bool
	visible  bool
}

// row is one widget of a pool and what it stands for at the moment.
type row struct {
	w         widget
	checkable bool
	submenu   bool
	shown     applied
	action    menu.Action
	children  []*row
	// meant is the last action the row carried, kept while it is hidden
	// or shows a plain line, and reboundAt is when the row last took an
	// action other than that one; see staleClickWindow.
	meant     menu.Action
	reboundAt time.Time
	// clicked is set when a click of the row was carried out, until the
	// row's action next changes: that change is the answer to the
	// user's own click, which the user expects, so it opens no window.
	// When the row, after showing it was busy, offers the same action
	// again (the action failed or the password prompt was cancelled), the
	// click has had its answer, and clicked is cleared, so that a later
	// change from outside is guarded again.
	clicked, sawBusy bool
}

// staleClickWindow is how long a row's clicks are dropped after it takes a
// different action: a pooled row given to another instance, or the same
// row of one instance whose action changed (Start became Stop because the
// VM was started in a terminal; a switch turned on from outside now turns
// off). The toolkit's item ids cannot change, so a click sent by a panel
// that had not redrawn yet would otherwise do what the user never saw
// offered. A change that answers the user's own click on the row (the switch they
// turned on now offers to turn it off) opens no window: a quick second
// click then does what it shows.
const staleClickWindow = time.Second

// renderer draws menu.Menu values onto a toolkit, reusing widgets.
type renderer struct {
	tk      toolkit
	onClick func(menu.Action)
	done    <-chan struct{}
	now     func() time.Time // time.Now; tests move it on
	// handled, when set, is called after each click has been handled,
	// run or dropped, so that a test can wait for it.
	handled func()

	mu       sync.Mutex
	header   []*row // fixed: menu.MaxHeader plain rows
	insts    []*row // fixed: menu.MaxInstances submenu rows
	footer   []*row // grows at the end of the menu
	icon     menu.IconKey
	tooltip  string
	rendered bool
}

// newRenderer creates the fixed part of the menu: places for the header
// lines and the instances, then the line above LimaBar's own items.
func newRenderer(tk toolkit, onClick func(menu.Action), done <-chan struct{}) *renderer {
	r := &renderer{tk: tk, onClick: onClick, done: done, now: time.Now}
	for range menu.MaxHeader {
		r.header = append(r.header, r.newRow(nil, false, false))
	}
	for range menu.MaxInstances {
		r.insts = append(r.insts, r.newRow(nil, false, true))
	}
	tk.AddSeparator()
	return r
}

// newRow creates a hidden widget and the goroutine that receives its clicks.
// Widgets live as long as the program, and so do these goroutines: systray
// drops a click when nobody is receiving, so each widget has a receiver.
func (r *renderer) newRow(parent *row, checkable, submenu bool) *row {
	var pw widget
	if parent != nil {
		pw = parent.w
	}
	w, clicks := r.tk.AddItem(pw, checkable)
	w.Hide()
	ro := &row{w: w, checkable: checkable, submenu: submenu}
	go func() {
		for {
			select {
			case <-clicks:
				r.click(ro)
				if r.handled != nil {
					r.handled()
				}
			case <-r.done:
				return
			}
		}
	}()
	return ro
}

func (r *renderer) click(ro *row) {
	r.mu.Lock()
	a := ro.action
	ok := ro.shown.visible && ro.shown.enabled && a.Kind != menu.None &&
		(ro.reboundAt.IsZero() || r.now().Sub(ro.reboundAt) >= staleClickWindow)
	if ro.checkable {
		// GTK flips a check item by itself when it is clicked; forget
		// what it shows so that the next render sets it for sure.
		ro.shown.checkSet = false
	}
	if ok {
		ro.clicked, ro.sawBusy = true, false
	}
	r.mu.Unlock()
	if ok {
		r.onClick(a)
	}
}

// Render shows m. It may be called from any goroutine.
func (r *renderer) Render(m menu.Menu) {
	r.mu.Lock()
	defer r.mu.Unlock()
	update(r.rendered, &r.icon, m.Icon, r.tk.SetIcon)
	update(r.rendered, &r.tooltip, m.Tooltip, r.tk.SetTooltip)
	r.rendered = true
	r.header = r.reconcile(nil, r.header, m.Header, false)
	r.insts = r.reconcile(nil, r.insts, m.Instances, false)
	r.footer = r.reconcile(nil, r.footer, m.Footer, true)
}

func fits(ro *row, it menu.Item) bool {
	return ro.checkable == it.Checkable && ro.submenu == it.Submenu()
}

// reconcile makes rows show items in order. Each item takes the next row
// of its kind; rows passed over are hidden. When no row of the kind is left,
// a new one is appended if grow allows it (the pool is at the end of its
// menu), otherwise the item is dropped; the menu model keeps fixed sections
// within their bounds so that this does not happen.
func (r *renderer) reconcile(parent *row, rows []*row, items []menu.Item, grow bool) []*row {
	next := 0
	for _, it := range items {
		j := next
		for j < len(rows) && !fits(rows[j], it) {
			j++
		}
		if j == len(rows) {
			if !grow {
				break
			}
			rows = append(rows, r.newRow(parent, it.Checkable, it.Submenu()))
		}
		for k := next; k < j; k++ {
			r.hide(rows[k])
		}
		r.apply(rows[j], it)
		next = j + 1
	}
	for k := next; k < len(rows); k++ {
		r.hide(rows[k])
	}
	return rows
}

func (r *renderer) hide(ro *row) {
	ro.action = menu.Action{}
	if ro.shown.visible {
		ro.w.Hide()
		ro.shown.visible = false
	}
}

func (r *renderer) apply(ro *row, it menu.Item) {
	if ro.clicked && (it.Action.Kind == menu.None || !it.Enabled) {
		ro.sawBusy = true
	}
	if it.Action.Kind != menu.None {
		switch {
		case ro.meant.Kind != menu.None && ro.meant != it.Action:
			if !ro.clicked || ro.meant.Instance != it.Action.Instance {
				ro.reboundAt = r.now()
			}
			ro.clicked, ro.sawBusy = false, false
		case ro.clicked && ro.sawBusy && it.Enabled:
			// The same action offered again after the busy state.
			ro.clicked, ro.sawBusy = false, false
		}
		ro.meant = it.Action
	}
	ro.action = it.Action
	if ro.submenu {
		// Fill the submenu before showing it, so that it never opens
		// empty.
		ro.children = r.reconcile(ro, ro.children, it.Children, true)
	}
	s := &ro.shown
	update(s.set, &s.title, it.Title, ro.w.SetTitle)
	update(s.set, &s.tooltip, it.Tooltip, ro.w.SetTooltip)
	update(s.set, &s.enabled, it.Enabled, func(on bool) {
		if on {
			ro.w.Enable()
		} else {
			ro.w.Disable()
		}
	})
	s.set = true
	if ro.checkable && (!s.checkSet || s.checked != it.Checked) {
		if it.Checked {
			ro.w.Check()
		} else {
			ro.w.Uncheck()
		}
		s.checked, s.checkSet = it.Checked, true
	}
	if !s.visible {
		ro.w.Show()
		s.visible = true
	}
}

// update hands want to apply when nothing was shown yet or it differs from
// what was (*shown), and remembers it: each toolkit call redraws, so only
// what changed is sent.
func update[T comparable](set bool, shown *T, want T, apply func(T)) {
	if !set || *shown != want {
		apply(want)
		*shown = want
	}
}
