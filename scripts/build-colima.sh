#!/usr/bin/env bash
# Builds Colima's colima, at the version pinned in scripts/tools/colima/go.mod,
# into build/tools/colima (or the path given as $1) for the tests that run it
# without a VM. Does nothing when the binary is newer than the pinning files
# and this script. Holds a lock while it works, so test binaries of several
# packages (and the Makefile) can all call it at once and only one builds.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=scripts/lib/pinned-go-tool.sh
. "$root/scripts/lib/pinned-go-tool.sh"

# The version goes where Colima's own Makefile puts it.
build_pinned_go_tool colima "$root/scripts/tools/colima" \
  github.com/abiosoft/colima github.com/abiosoft/colima/cmd/colima \
  github.com/abiosoft/colima/config.appVersion \
  "${1:-$root/build/tools/colima}"
