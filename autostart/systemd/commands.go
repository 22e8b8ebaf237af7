package systemd

// The argv builders return systemctl/loginctl arguments (without the program)
// for one step, so that the engine and the tests agree on them.

func DaemonReloadArgv() []string             { return []string{"--user", "daemon-reload"} }
func EnableArgv(unit string) []string        { return []string{"--user", "enable", unit} }
func DisableArgv(unit string) []string       { return []string{"--user", "disable", unit} }
func EnableLingerArgv(user string) []string  { return []string{"enable-linger", user} }
func DisableLingerArgv(user string) []string { return []string{"disable-linger", user} }
