//go:build tools

// Package colima pins Colima's colima for the tests that run it (listing
// profiles, a start that fails for want of limactl or QEMU). It is a module
// of its own, apart from scripts/tools, so that colima builds with the
// dependencies its own release pins and the app never depends on it.
package colima

import _ "github.com/abiosoft/colima/cmd/colima"
