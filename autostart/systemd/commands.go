package systemd

// The argv builders return systemctl/loginctl arguments (without the program)
// for one step, so that the engine and the tests agree on them.
//
// enable and disable run with --no-reload: by default systemctl reloads the
// manager after each of them, and a reload of a user manager takes about
// 100 ms (it runs the generators again) while the links themselves take a
// few. A plan reloads once, after its other steps (plan.Plan.After): the
// registration is complete without it, since a manager reads the links when
// it starts, at the next login or boot; the reload makes the running manager
// see the new unit now.

func DaemonReloadArgv() []string             { return []string{"--user", "daemon-reload"} }
func EnableArgv(unit string) []string        { return []string{"--user", "enable", "--no-reload", unit} }
func DisableArgv(unit string) []string       { return []string{"--user", "disable", "--no-reload", unit} }
func ResetFailedArgv(unit string) []string   { return []string{"--user", "reset-failed", unit} }
func EnableLingerArgv(user string) []string  { return []string{"enable-linger", user} }
func DisableLingerArgv(user string) []string { return []string{"disable-linger", user} }
