package ui

import (
	"sync"

	"github.com/limabar/limabar/app/menu"
)

// View draws menus; *tray.Tray is the real one.
type View interface {
	Render(menu.Menu)
}

// Mailbox carries menus from the loop to the toolkit. The newest menu
// wins: Post never waits, and a menu not yet drawn is replaced by a newer
// one. On a Mac every draw waits for the main thread; the loop never does.
// Its mutex is the only one of this package.
type Mailbox struct {
	mu     sync.Mutex
	next   *menu.Menu
	closed bool
	wake   chan struct{} // one pending wake-up at most
}

// NewMailbox returns an empty mailbox.
func NewMailbox() *Mailbox {
	return &Mailbox{wake: make(chan struct{}, 1)}
}

// Post leaves m for the toolkit, replacing a menu not drawn yet.
func (b *Mailbox) Post(m menu.Menu) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.next = &m
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// take returns the menu to draw, if any, and whether the mailbox is open.
func (b *Mailbox) take() (*menu.Menu, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.next
	b.next = nil
	return m, !b.closed
}

// Close stops the drawing: Serve draws nothing more once Close returns,
// except a draw it had begun.
func (b *Mailbox) Close() {
	b.mu.Lock()
	b.closed = true
	b.next = nil
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Serve draws the menus posted on v, the newest first, until Close. It
// runs on a goroutine of its own, which alone waits for the toolkit.
func (b *Mailbox) Serve(v View) {
	for range b.wake {
		m, open := b.take()
		if !open {
			return
		}
		if m != nil {
			v.Render(*m)
		}
	}
}
