// Package tray draws LimaBar's menu with github.com/getlantern/systray, the
// same code on macOS (a status-bar item with a template icon) and on Linux
// (an AppIndicator/StatusNotifierItem whose menu is exported over D-Bus as
// com.canonical.dbusmenu). It only draws: what the menu says comes from
// app/menu, and what a click does is up to the caller.
//
// systray cannot remove or insert items, so the renderer keeps pools of
// items and shows, hides and retitles them (see render.go).
package tray

import (
	"sync"

	"github.com/getlantern/systray"

	"github.com/limabar/limabar/app/menu"
	"github.com/limabar/limabar/assets"
)

// Icon is a tray image in two versions: Template for the macOS menu bar
// (black and transparent; macOS tints it for light and dark menu bars) and
// Regular for Linux trays, which show images as they are.
type Icon struct {
	Template []byte
	Regular  []byte
}

// Options configure the tray.
type Options struct {
	// Icons maps the model's icon keys to images (DefaultIcons gives
	// LimaBar's own). A missing key falls back to menu.IconNormal, then
	// to LimaBar's icon from the assets package.
	Icons map[menu.IconKey]Icon
	// OnClick receives the action of each clicked item. It is called on a
	// goroutine that serves clicks and must not block: hand long work to
	// another goroutine.
	OnClick func(menu.Action)
	// OnExit runs in the toolkit's exit callback, on the main thread. On
	// a Mac the process ends when it returns ([NSApp terminate:] exits
	// after it), so what must be done before the program ends is done
	// here; it must stop drawing first, since a draw waits for the main
	// thread it holds.
	OnExit func()
}

// Tray is the running tray icon and its menu.
type Tray struct {
	r *renderer
}

// Render shows m, changing only the items that differ from what is shown.
// It is safe to call from any goroutine.
func (t *Tray) Render(m menu.Menu) { t.r.Render(m) }

// lifecycle keeps a Quit that comes before the toolkit is ready: systray's
// own Quit then does nothing on macOS (its app delegate does not exist yet)
// yet uses up systray's only quit, and the app could then be stopped only
// by SIGKILL.
var lifecycle struct {
	sync.Mutex
	ready, quit bool
}

// Run shows the tray icon and runs the toolkit's event loop on the calling
// goroutine, which must be the main one (macOS draws only there). ready is
// called on its own goroutine once the icon exists. After Quit, also when
// Quit came first, the toolkit runs opts.OnExit and then Run returns; on a
// Mac the process exits instead of returning.
func Run(opts Options, ready func(*Tray)) {
	done := make(chan struct{})
	var once sync.Once
	systray.Run(func() {
		if lifecycleStep(true, false) {
			systray.Quit()
			return
		}
		kit := &systrayKit{icons: opts.Icons}
		onClick := opts.OnClick
		if onClick == nil {
			onClick = func(menu.Action) {}
		}
		t := &Tray{r: newRenderer(kit, onClick, done)}
		ready(t)
	}, func() {
		once.Do(func() { close(done) })
		if opts.OnExit != nil {
			opts.OnExit()
		}
	})
}

// Quit closes the menu and makes Run return. It may be called from any
// goroutine, more than once, and before Run: Run then returns as soon as
// the toolkit is up.
func Quit() {
	if lifecycleStep(false, true) {
		systray.Quit()
	}
}

// lifecycleStep records that the toolkit is ready or that a quit was asked,
// and reports whether both have now happened: then systray's Quit works.
func lifecycleStep(ready, quit bool) bool {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	lifecycle.ready = lifecycle.ready || ready
	lifecycle.quit = lifecycle.quit || quit
	return lifecycle.ready && lifecycle.quit
}

// systrayKit is the toolkit on top of getlantern/systray.
type systrayKit struct {
	icons map[menu.IconKey]Icon
}

func (k *systrayKit) AddItem(parent widget, checkable bool) (widget, <-chan struct{}) {
	var it *systray.MenuItem
	switch p, _ := parent.(*systray.MenuItem); {
	case p == nil && checkable:
		it = systray.AddMenuItemCheckbox("", "", false)
	case p == nil:
		it = systray.AddMenuItem("", "")
	case checkable:
		it = p.AddSubMenuItemCheckbox("", "", false)
	default:
		it = p.AddSubMenuItem("", "")
	}
	return it, it.ClickedCh
}

func (k *systrayKit) AddSeparator() { systray.AddSeparator() }

func (k *systrayKit) SetIcon(key menu.IconKey) {
	icon := pickIcon(k.icons, key)
	systray.SetTemplateIcon(icon.Template, icon.Regular)
}

func (k *systrayKit) SetTooltip(s string) { systray.SetTooltip(s) }

// DefaultIcons are LimaBar's tray images from the assets package: the llama
// for menu.IconNormal, and the llama with a warning badge for
// menu.IconAttention, so that an instance with problems or a failed action
// shows in the menu bar without opening the menu. systray draws the
// menu-bar image at 16 pt: the 2× templates are sharp on Retina screens and
// scaled down elsewhere.
func DefaultIcons() map[menu.IconKey]Icon {
	return map[menu.IconKey]Icon{
		menu.IconNormal:    {Template: assets.TemplateIcon2x, Regular: assets.TrayIcon},
		menu.IconAttention: {Template: assets.TemplateAttentionIcon2x, Regular: assets.TrayAttentionIcon},
	}
}

// pickIcon finds the image for key, falling back to the normal icon and then
// to LimaBar's own, so that the tray never shows nothing.
func pickIcon(icons map[menu.IconKey]Icon, key menu.IconKey) Icon {
	for _, k := range []menu.IconKey{key, menu.IconNormal} {
		if ic, ok := icons[k]; ok && len(ic.Regular) > 0 {
			if len(ic.Template) == 0 {
				ic.Template = ic.Regular
			}
			return ic
		}
	}
	return DefaultIcons()[menu.IconNormal]
}
