//go:build tools

// Package limactl pins Lima's limactl for the interoperability tests. It is a
// separate module so that the app itself never depends on Lima.
package limactl

import _ "github.com/lima-vm/lima/cmd/limactl"
