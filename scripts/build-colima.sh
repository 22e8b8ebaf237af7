#!/usr/bin/env bash
# Builds Colima's colima, at the version pinned in scripts/tools/colima/go.mod,
# into build/tools/colima (or the path given as $1) for the tests that run it
# without a VM. Does nothing when the binary is newer than the pinning files
# and this script. Holds a lock while it works, so test binaries of several
# packages (and the Makefile) can all call it at once and only one builds.
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$script")/.." && pwd)"
tools="$root/scripts/tools/colima"
out="${1:-$root/build/tools/colima}"
outdir="$(dirname "$out")"

mkdir -p "$outdir"
exec 9>"$outdir/.colima.lock"
flock 9

up_to_date() {
  [ -x "$out" ] || return 1
  local f
  for f in "$tools/go.mod" "$tools/go.sum" "$tools/tools.go" "$script"; do
    [ "$out" -nt "$f" ] || return 1
  done
}

if up_to_date; then
  exit 0
fi

cd "$tools"
export GOWORK=off
version="$(go list -m -f '{{.Version}}' github.com/abiosoft/colima)"
echo "build-colima: building colima $version into $out" >&2
start=$SECONDS

tmp="$(mktemp -d "$outdir/.colima-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# No cgo: the tests never start a VM, and a static binary needs no C
# toolchain. The version goes where Colima's own Makefile puts it.
CGO_ENABLED=0 go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X github.com/abiosoft/colima/config.appVersion=$version" \
  -o "$tmp/colima" github.com/abiosoft/colima/cmd/colima
chmod 0755 "$tmp/colima"
mv -f "$tmp/colima" "$out"
echo "build-colima: done in $((SECONDS - start)) s" >&2
