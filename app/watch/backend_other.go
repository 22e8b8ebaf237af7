//go:build !linux && !darwin

package watch

func newDefaultBackend() (backend, error) { return newFSNotify() }
