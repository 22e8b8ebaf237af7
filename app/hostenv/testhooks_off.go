//go:build !testhooks

package hostenv

// testHooks says that this binary, the shipped one, has no test-only
// switches: the environment cannot make it pretend to be another platform,
// move system paths, or run launchctl, osascript or sudo from PATH.
const testHooks = false

// fromTestEnv does nothing in the shipped binary.
func fromTestEnv(*Options) (bool, error) { return false, nil }
