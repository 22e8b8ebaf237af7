//go:build !testhooks

package macos

// centerHook does nothing in the shipped binary (see
// centerhook_testhooks.go).
func centerHook() {}
