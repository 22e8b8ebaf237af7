#!/usr/bin/env bash
# Builds Lima's limactl, at the version pinned in scripts/limactl/go.mod, into
# build/tools/limactl (or the path given as $1) for the interoperability tests.
# Does nothing when the binary is newer than the pinning files and this script.
# Holds a lock while it works, so test binaries of several packages (and the
# Makefile) can all call it at once and only one of them builds.
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$script")/.." && pwd)"
tools="$root/scripts/limactl"
out="${1:-$root/build/tools/limactl}"
outdir="$(dirname "$out")"

mkdir -p "$outdir"
exec 9>"$outdir/.limactl.lock"
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
version="$(go list -m -f '{{.Version}}' github.com/lima-vm/lima)"
echo "build-limactl: building limactl $version into $out" >&2
start=$SECONDS

tmp="$(mktemp -d "$outdir/.limactl-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# No cgo: the tests never start a VM, and a static binary needs no C toolchain.
CGO_ENABLED=0 go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X github.com/lima-vm/lima/pkg/version.Version=$version" \
  -o "$tmp/limactl" github.com/lima-vm/lima/cmd/limactl
chmod 0755 "$tmp/limactl"
mv -f "$tmp/limactl" "$out"
echo "build-limactl: done in $((SECONDS - start)) s" >&2
