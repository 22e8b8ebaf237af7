package state

import (
	"context"

	"github.com/limabar/limabar/autostart"
)

// brewServicesOf is the file of the `brew services` job that starts a
// Colima profile, as the engine's status of the profile says
// (Status.BrewServices, homebrew.mxcl.colima or homebrew.colima.service);
// "" while the engine does not say it.
func brewServicesOf(st autostart.Status) string { return st.BrewServices }

// TakeOver is o asking the engine to take a profile over from `brew
// services` (EnableOptions.TakeOver: stop brew's job, then register
// LimaBar's). The menu's switch of such a profile says that turning it on
// takes over, so a click on it is the user's consent; the command line asks
// for it with --take-over. Without it the engine refuses rather than add a
// second job.
func TakeOver(o autostart.EnableOptions) autostart.EnableOptions { o.TakeOver = true; return o }

// TakeOverEnabler is a Service that can take a Colima profile over from
// `brew services` when turning its switch on. The menu asks for it only on
// a click of a switch that says it takes over (menu.Action.TakeOver);
// Enable never takes over.
type TakeOverEnabler interface {
	EnableTakingOver(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error)
}

var _ TakeOverEnabler = (*Live)(nil)

// EnableTakingOver implements TakeOverEnabler: Enable with TakeOver.
func (l *Live) EnableTakingOver(ctx context.Context, name string, c autostart.Condition) (autostart.Result, error) {
	return l.EnableAs(ctx, name, c, TakeOver(autostart.EnableOptions{}))
}
