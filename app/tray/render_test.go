package tray

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/autostart"
)

// fakeKit is a toolkit that behaves like systray: items are appended in
// creation order, start visible, and can only be hidden.
type fakeKit struct {
	top     []*fakeNode
	calls   int
	icon    menu.IconKey
	tooltip string
}

type fakeNode struct {
	kit       *fakeKit
	sep       bool
	title     string
	tooltip   string
	enabled   bool
	checked   bool
	visible   bool
	checkable bool
	children  []*fakeNode
	clicks    chan struct{}
}

func (k *fakeKit) AddItem(parent widget, checkable bool) (widget, <-chan struct{}) {
	k.calls++
	n := &fakeNode{kit: k, enabled: true, visible: true, checkable: checkable, clicks: make(chan struct{})}
	if parent == nil {
		k.top = append(k.top, n)
	} else {
		p := parent.(*fakeNode)
		p.children = append(p.children, n)
	}
	return n, n.clicks
}

func (k *fakeKit) AddSeparator()            { k.top = append(k.top, &fakeNode{sep: true, visible: true}) }
func (k *fakeKit) SetIcon(key menu.IconKey) { k.calls++; k.icon = key }
func (k *fakeKit) SetTooltip(s string)      { k.calls++; k.tooltip = s }
func (n *fakeNode) SetTitle(s string)       { n.kit.calls++; n.title = s }
func (n *fakeNode) SetTooltip(s string)     { n.kit.calls++; n.tooltip = s }
func (n *fakeNode) Enable()                 { n.kit.calls++; n.enabled = true }
func (n *fakeNode) Disable()                { n.kit.calls++; n.enabled = false }
func (n *fakeNode) Check()                  { n.kit.calls++; n.checked = true }
func (n *fakeNode) Uncheck()                { n.kit.calls++; n.checked = false }
func (n *fakeNode) Show()                   { n.kit.calls++; n.visible = true }
func (n *fakeNode) Hide()                   { n.kit.calls++; n.visible = false }

// shown writes what a user sees, in the format of dumpItems.
func shown(b *strings.Builder, nodes []*fakeNode, depth int) {
	for _, n := range nodes {
		if !n.visible {
			continue
		}
		if n.sep {
			b.WriteString("---\n")
			continue
		}
		line(b, depth, n.enabled, n.checkable, n.checked, n.title, n.tooltip)
		shown(b, n.children, depth+1)
	}
}

func dumpItems(b *strings.Builder, items []menu.Item, depth int) {
	for _, it := range items {
		line(b, depth, it.Enabled, it.Checkable, it.Checked, it.Title, it.Tooltip)
		dumpItems(b, it.Children, depth+1)
	}
}

func line(b *strings.Builder, depth int, enabled, checkable, checked bool, title, tooltip string) {
	b.WriteString(strings.Repeat("  ", depth))
	if !enabled {
		b.WriteString("~")
	}
	if checkable {
		if checked {
			b.WriteString("[x] ")
		} else {
			b.WriteString("[ ] ")
		}
	}
	b.WriteString(title)
	if tooltip != "" {
		b.WriteString(" (" + tooltip + ")")
	}
	b.WriteString("\n")
}

func want(m menu.Menu) string {
	var b strings.Builder
	dumpItems(&b, m.Header, 0)
	dumpItems(&b, m.Instances, 0)
	b.WriteString("---\n")
	dumpItems(&b, m.Footer, 0)
	return b.String()
}

func got(k *fakeKit) string {
	var b strings.Builder
	shown(&b, k.top, 0)
	return b.String()
}

// randomMenu makes a menu within the model's bounds, with items of every
// kind in random order, so that the pools are reused in every way.
func randomMenu(r *rand.Rand) menu.Menu {
	plain := func(prefix string) menu.Item {
		return menu.Item{
			Title:   fmt.Sprintf("%s %d", prefix, r.IntN(3)),
			Tooltip: []string{"", "tip"}[r.IntN(2)],
			Enabled: r.IntN(2) == 0,
			Action:  menu.Action{Kind: menu.Start, Instance: prefix},
		}
	}
	child := func(depth int) menu.Item {
		it := plain("child")
		switch r.IntN(4) {
		case 0:
			it.Checkable, it.Checked = true, r.IntN(2) == 0
		}
		return it
	}
	instance := func(name string) menu.Item {
		it := plain(name)
		for range 1 + r.IntN(8) {
			it.Children = append(it.Children, child(1))
		}
		return it
	}
	var m menu.Menu
	m.Icon = []menu.IconKey{menu.IconNormal, menu.IconAttention}[r.IntN(2)]
	m.Tooltip = fmt.Sprint("tip ", r.IntN(2))
	for range r.IntN(menu.MaxHeader + 1) {
		m.Header = append(m.Header, plain("header"))
	}
	n := r.IntN(menu.MaxInstances + 1)
	for i := range n {
		if i == menu.MaxInstances-1 && r.IntN(2) == 0 {
			more := plain("More")
			for j := range 1 + r.IntN(5) {
				more.Children = append(more.Children, instance(fmt.Sprint("more", j)))
			}
			m.Instances = append(m.Instances, more)
			break
		}
		m.Instances = append(m.Instances, instance(fmt.Sprint("vm", i)))
	}
	for range 1 + r.IntN(4) {
		it := child(0)
		m.Footer = append(m.Footer, it)
	}
	return m
}

func TestRenderShowsExactlyTheModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kit := &fakeKit{}
	done := make(chan struct{})
	defer close(done)
	rd := newRenderer(kit, func(menu.Action) {}, done)
	for i := range 300 {
		m := randomMenu(r)
		rd.Render(m)
		if g, w := got(kit), want(m); g != w {
			t.Fatalf("render %d: menu shows\n%s\nwant\n%s", i, g, w)
		}
		if kit.icon != m.Icon || kit.tooltip != m.Tooltip {
			t.Fatalf("render %d: icon %q tooltip %q, want %q %q", i, kit.icon, kit.tooltip, m.Icon, m.Tooltip)
		}
		// The same menu again changes nothing.
		before := kit.calls
		rd.Render(m)
		if kit.calls != before {
			t.Fatalf("render %d: rendering the same menu again made %d toolkit calls", i, kit.calls-before)
		}
	}
}

func TestRenderReusesItems(t *testing.T) {
	kit := &fakeKit{}
	done := make(chan struct{})
	defer close(done)
	rd := newRenderer(kit, func(menu.Action) {}, done)
	r := rand.New(rand.NewPCG(3, 4))
	menus := []menu.Menu{randomMenu(r), randomMenu(r), randomMenu(r)}
	for range 20 {
		for _, m := range menus {
			rd.Render(m)
		}
	}
	count := func() int {
		n := 0
		var walk func([]*fakeNode)
		walk = func(ns []*fakeNode) {
			for _, x := range ns {
				n++
				walk(x.children)
			}
		}
		walk(kit.top)
		return n
	}
	settled := count()
	for range 20 {
		for _, m := range menus {
			rd.Render(m)
		}
	}
	if n := count(); n != settled {
		t.Errorf("alternating between three menus keeps creating items: %d, then %d", settled, n)
	}
}

func TestRenderFixedSectionsDoNotGrow(t *testing.T) {
	kit := &fakeKit{}
	done := make(chan struct{})
	defer close(done)
	rd := newRenderer(kit, func(menu.Action) {}, done)
	top := len(kit.top)
	m := menu.Menu{Footer: []menu.Item{{Title: "Quit", Enabled: true}}}
	for i := range menu.MaxInstances {
		m.Instances = append(m.Instances, menu.Item{Title: fmt.Sprint("vm", i), Children: []menu.Item{{Title: "Start"}}})
	}
	rd.Render(m)
	if n := len(kit.top); n != top+1 {
		t.Errorf("top level has %d items after a full render, want %d (the pools and Quit)", n, top+1)
	}
	if last := kit.top[len(kit.top)-1]; last.title != "Quit" {
		t.Errorf("last top-level item is %q, want Quit", last.title)
	}
}

// clickLog records the actions a renderer runs, in order, and counts the
// clicks it has handled, so that a test can click an item and know, with no
// wait, what that click ran: something or nothing.
type clickLog struct {
	mu      sync.Mutex
	got     []menu.Action
	handled int           // clicks handled, run or dropped
	changed chan struct{} // closed and replaced when handled grows
}

// newClickRenderer is newRenderer reporting to log.
func newClickRenderer(kit *fakeKit, log *clickLog, done <-chan struct{}) *renderer {
	rd := newRenderer(kit, log.add, done)
	rd.handled = log.clickHandled
	return rd
}

func (c *clickLog) add(a menu.Action) {
	c.mu.Lock()
	c.got = append(c.got, a)
	c.mu.Unlock()
}

func (c *clickLog) clickHandled() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handled++
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// click clicks n, waits until the renderer has handled that click and
// returns every action run so far. Clicks are sent one at a time, so the
// count of handled clicks says when this one is done; the test fails if it
// is not handled within a generous deadline.
func (c *clickLog) click(t *testing.T, n *fakeNode) []menu.Action {
	t.Helper()
	c.mu.Lock()
	want := c.handled + 1
	c.mu.Unlock()
	n.clicks <- struct{}{}
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		if c.handled >= want {
			got := slices.Clone(c.got)
			c.mu.Unlock()
			return got
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("a click was not handled within 10s")
		}
	}
}

// TestClicks: a shown, enabled item with an action runs it once per click,
// in the order of the clicks; a disabled item, a line without an action and
// a hidden item run nothing; a render after a click sets the box back to
// what the model says.
func TestClicks(t *testing.T) {
	kit := &fakeKit{}
	done := make(chan struct{})
	defer close(done)
	var log clickLog
	rd := newClickRenderer(kit, &log, done)
	login := menu.Action{Kind: menu.Enable, Instance: "default", Condition: autostart.Login}
	quit := menu.Action{Kind: menu.Quit}
	m := menu.Menu{
		Header: []menu.Item{{Title: "1 of 1 instance running"}},
		Instances: []menu.Item{{Title: "● default — Running", Enabled: true, Children: []menu.Item{
			{Title: "Start at Login", Enabled: true, Checkable: true, Action: login},
			{Title: "Start", Enabled: false, Action: menu.Action{Kind: menu.Start, Instance: "default"}},
		}}},
		Footer: []menu.Item{{Title: "Quit LimaBar", Enabled: true, Action: quit}},
	}
	rd.Render(m)
	header, inst, quitItem := kit.top[0], kit.top[menu.MaxHeader], kit.top[len(kit.top)-1]
	sw, start := inst.children[0], inst.children[1]
	if quitItem.title != "Quit LimaBar" {
		t.Fatalf("last top-level item is %q, want Quit LimaBar", quitItem.title)
	}

	var want []menu.Action
	// ran clicks n once and checks that a, and nothing else, ran after
	// what ran before.
	ran := func(step string, n *fakeNode, a menu.Action) {
		t.Helper()
		want = append(want, a)
		if got := log.click(t, n); !slices.Equal(got, want) {
			t.Fatalf("%s: clicks gave %v, want %v", step, got, want)
		}
	}
	// ranNothing clicks n and checks that nothing ran.
	ranNothing := func(step string, n *fakeNode) {
		t.Helper()
		if got := log.click(t, n); !slices.Equal(got, want) {
			t.Fatalf("%s: clicks gave %v, want %v", step, got, want)
		}
	}

	ranNothing("the disabled Start", start)
	ranNothing("the header line", header)
	ran("the switch", sw, login)
	ran("Quit", quitItem, quit)

	// The toolkit ticked the box by itself; the next render sets it back
	// to what the model says even though the model did not change.
	sw.checked = true
	rd.Render(m)
	if sw.checked {
		t.Errorf("switch still ticked after a render that says it is off")
	}
	ran("the switch again", sw, login)

	m.Footer = nil
	rd.Render(m)
	ranNothing("the hidden Quit", quitItem)
	ran("the switch after Quit went", sw, login)
}

// TestStaleClickOnReboundItem: when an instance above another goes away,
// the pooled items move to the next instance; a click sent for the old one
// right then must not act on the new one.
func TestStaleClickOnReboundItem(t *testing.T) {
	kit := &fakeKit{}
	done := make(chan struct{})
	defer close(done)
	var log clickLog
	clock := &fakeClock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	rd := newClickRenderer(kit, &log, done)
	rd.now = clock.now
	inst := func(name string) menu.Item {
		return menu.Item{Title: "○ " + name, Enabled: true, Children: []menu.Item{
			{Title: "Start at Login", Enabled: true, Checkable: true, Action: menu.Action{Kind: menu.Enable, Instance: name, Condition: autostart.Login}},
		}}
	}
	quit := menu.Item{Title: "Quit LimaBar", Enabled: true, Action: menu.Action{Kind: menu.Quit}}
	rd.Render(menu.Menu{Instances: []menu.Item{inst("a1"), inst("b2")}, Footer: []menu.Item{quit}})
	first := kit.top[menu.MaxHeader].children[0]

	rd.Render(menu.Menu{Instances: []menu.Item{inst("b2")}, Footer: []menu.Item{quit}})
	clock.add(staleClickWindow - time.Millisecond)
	// meant for a1, now b2's switch
	if got := log.click(t, first); len(got) != 0 {
		t.Fatalf("a click on the rebound switch ran %v", got)
	}
	if got := log.click(t, kit.top[len(kit.top)-1]); len(got) != 1 || got[0].Kind != menu.Quit {
		t.Errorf("clicks gave %v, want only Quit", got)
	}
}

// fakeClock is a clock that moves only when told; the renderer reads it
// from its click goroutines.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestStaleClickAfterActionChanges: a row of one instance whose action
// changed (the VM was started or registered from outside) drops clicks for
// staleClickWindow, as a row given to another instance does: the panel may
// still show the old item. A row whose action did not change never does.
func TestStaleClickAfterActionChanges(t *testing.T) {
	start := menu.Action{Kind: menu.Start, Instance: "default"}
	stop := menu.Action{Kind: menu.Stop, Instance: "default"}
	enable := menu.Action{Kind: menu.Enable, Instance: "default", Condition: autostart.Login}
	disable := menu.Action{Kind: menu.Disable, Instance: "default", Condition: autostart.Login}
	power := func(title string, a menu.Action) menu.Item {
		return menu.Item{Title: title, Enabled: a.Kind != menu.None, Action: a}
	}
	login := func(a menu.Action) menu.Item {
		return menu.Item{Title: "Start at Login", Enabled: true, Checkable: true, Checked: a.Kind == menu.Disable, Action: a}
	}
	menuOf := func(p, l menu.Item) menu.Menu {
		return menu.Menu{Instances: []menu.Item{{Title: "default", Enabled: true, Children: []menu.Item{p, l}}}}
	}
	tests := []struct {
		name    string
		renders []menu.Menu // the last one is shown when the click comes
		row     int         // 0: the power row, 1: the switch
		want    menu.Action // the action the click runs at once, None for dropped
	}{
		{"Start became Stop", []menu.Menu{menuOf(power("Start", start), login(enable)), menuOf(power("Stop", stop), login(enable))}, 0, menu.Action{}},
		{"Start, busy, then Stop", []menu.Menu{menuOf(power("Start", start), login(enable)), menuOf(power("Starting…", menu.Action{}), login(enable)), menuOf(power("Stop", stop), login(enable))}, 0, menu.Action{}},
		{"switch turned on from outside", []menu.Menu{menuOf(power("Start", start), login(enable)), menuOf(power("Start", start), login(disable))}, 1, menu.Action{}},
		{"the other row of the instance is not affected", []menu.Menu{menuOf(power("Start", start), login(enable)), menuOf(power("Start", start), login(disable))}, 0, start},
		{"the same action rendered again", []menu.Menu{menuOf(power("Start", start), login(enable)), menuOf(power("Start", start), login(enable))}, 0, start},
		{"retitled with the same action", []menu.Menu{menuOf(power("Start", start), login(enable)), menuOf(power("Start now", start), login(enable))}, 0, start},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kit := &fakeKit{}
			done := make(chan struct{})
			defer close(done)
			var log clickLog
			clock := &fakeClock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
			rd := newClickRenderer(kit, &log, done)
			rd.now = clock.now
			for _, m := range tt.renders {
				rd.Render(m)
				clock.add(10 * time.Millisecond)
			}
			row := kit.top[menu.MaxHeader].children[tt.row]
			last := tt.renders[len(tt.renders)-1].Instances[0].Children[tt.row].Action
			if tt.want.Kind != menu.None {
				if got := log.click(t, row); !slices.Equal(got, []menu.Action{tt.want}) {
					t.Errorf("the click gave %v, want %v", got, tt.want)
				}
				return
			}
			if got := log.click(t, row); len(got) != 0 {
				t.Fatalf("a click right after the change ran %v", got)
			}
			// Once the window has passed, the same row acts.
			clock.add(staleClickWindow)
			if got := log.click(t, row); !slices.Equal(got, []menu.Action{last}) {
				t.Errorf("the click after the window gave %v, want %v", got, last)
			}
		})
	}
}

// TestOwnClickOpensNoWindow: the user turns a switch on and, as soon as it
// shows on, off again. The change answered their own click, so the second
// click runs. A change from outside afterwards is guarded again, also after
// a click whose action failed (the same action offered again), and a row
// handed to another instance is guarded even right after a click.
func TestOwnClickOpensNoWindow(t *testing.T) {
	enable := menu.Action{Kind: menu.Enable, Instance: "a1", Condition: autostart.Login}
	disable := menu.Action{Kind: menu.Disable, Instance: "a1", Condition: autostart.Login}
	switchOf := func(name string, a menu.Action) menu.Item {
		a.Instance = name
		return menu.Item{Title: name, Enabled: true, Children: []menu.Item{
			{Title: "Start at Login", Enabled: true, Checkable: true, Checked: a.Kind == menu.Disable, Action: a},
		}}
	}
	busy := func(name string) menu.Item {
		return menu.Item{Title: name, Enabled: true, Children: []menu.Item{
			{Title: "Start at Login (turning on…)", Checkable: true},
		}}
	}
	kit := &fakeKit{}
	done := make(chan struct{})
	defer close(done)
	var log clickLog
	clock := &fakeClock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	rd := newClickRenderer(kit, &log, done)
	rd.now = clock.now
	show := func(items ...menu.Item) {
		rd.Render(menu.Menu{Instances: items})
		clock.add(10 * time.Millisecond)
	}
	show(switchOf("a1", enable))
	row := kit.top[menu.MaxHeader].children[0]
	total := 0
	// accepted clicks once and checks that it ran a.
	accepted := func(step string, a menu.Action) {
		t.Helper()
		total++
		if got := log.click(t, row); len(got) != total || got[total-1] != a {
			t.Fatalf("%s: clicks gave %v, want %v last", step, got, a)
		}
	}
	// dropped clicks once and checks that nothing ran.
	dropped := func(step string) {
		t.Helper()
		if got := log.click(t, row); len(got) != total {
			t.Fatalf("%s: a click ran %v", step, got[total:])
		}
	}
	accepted("first click", enable)
	show(busy("a1"))
	show(switchOf("a1", disable))
	accepted("the click right after the user's own change", disable)
	show(busy("a1"))
	show(switchOf("a1", enable)) // the answer to that click: no window
	clock.add(staleClickWindow)
	show(switchOf("a1", disable)) // now from outside
	dropped("right after an outside change")

	// A click whose action fails: the same action is offered again, and
	// a change from outside later is guarded.
	clock.add(staleClickWindow)
	accepted("a click that will fail", disable)
	show(busy("a1"))
	show(switchOf("a1", disable))
	clock.add(staleClickWindow)
	show(switchOf("a1", enable))
	dropped("an outside change after a failed click")

	// Clicked, then the row goes to another instance: guarded.
	clock.add(staleClickWindow)
	accepted("a click before the row moves", enable)
	show(switchOf("b2", enable))
	dropped("a row just handed to b2")
}
