package state

import "github.com/limabar/limabar/autostart"

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
