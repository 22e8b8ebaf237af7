//go:build !linux

package watch

func newDefaultBackend() (backend, error) { return newFSNotify() }
