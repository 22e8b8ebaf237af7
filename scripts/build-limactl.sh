#!/usr/bin/env bash
# Builds Lima's limactl, at the version pinned in scripts/limactl/go.mod, into
# build/tools/limactl (or the path given as $1) for the interoperability tests.
# Does nothing when the binary is newer than the pinning files and this script.
# Holds a lock while it works, so test binaries of several packages (and the
# Makefile) can all call it at once and only one of them builds.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=scripts/lib/pinned-go-tool.sh
. "$root/scripts/lib/pinned-go-tool.sh"

build_pinned_go_tool limactl "$root/scripts/limactl" \
  github.com/lima-vm/lima github.com/lima-vm/lima/cmd/limactl \
  github.com/lima-vm/lima/pkg/version.Version \
  "${1:-$root/build/tools/limactl}"
