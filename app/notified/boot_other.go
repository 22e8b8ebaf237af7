//go:build !linux && !darwin

package notified

func boot() string { return "" }
