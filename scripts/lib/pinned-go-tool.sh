#!/usr/bin/env bash
# Sourced by scripts/build-limactl.sh and scripts/build-colima.sh: builds a Go
# command at the version pinned in a tools module (go.mod, go.sum, tools.go).
set -euo pipefail

# build_pinned_go_tool NAME TOOLS MODULE PKG VERSION_VAR OUT
# builds the command PKG of MODULE, at the version TOOLS/go.mod pins, into OUT,
# with that version set in the Go variable VERSION_VAR. Does nothing when OUT
# is newer than the pinning files, the calling script and this file. Holds a
# lock (OUT's directory/.NAME.lock) while it works, so test binaries of several
# packages (and the Makefile) can all call it at once and only one builds.
# Messages on stderr are prefixed with the calling script's name.
build_pinned_go_tool() {
  local name="$1" tools="$2" module="$3" pkg="$4" version_var="$5" out="$6"
  local script lib outdir prefix
  script="$(readlink -f "$0")"
  lib="$(readlink -f "${BASH_SOURCE[0]}")"
  outdir="$(dirname "$out")"
  prefix="$(basename "$script" .sh)"

  mkdir -p "$outdir"
  exec 9>"$outdir/.$name.lock"
  flock 9

  if pinned_go_tool_up_to_date "$out" "$tools/go.mod" "$tools/go.sum" "$tools/tools.go" "$script" "$lib"; then
    return 0
  fi

  cd "$tools"
  export GOWORK=off
  local version start
  version="$(go list -m -f '{{.Version}}' "$module")"
  echo "$prefix: building $name $version into $out" >&2
  start=$SECONDS

  tmp="$(mktemp -d "$outdir/.$name-build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # No cgo: the tests never start a VM, and a static binary needs no C
  # toolchain.
  CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X $version_var=$version" \
    -o "$tmp/$name" "$pkg"
  chmod 0755 "$tmp/$name"
  mv -f "$tmp/$name" "$out"
  echo "$prefix: done in $((SECONDS - start)) s" >&2
}

# pinned_go_tool_up_to_date OUT FILE... succeeds when OUT is an executable
# newer than every FILE.
pinned_go_tool_up_to_date() {
  local out="$1" f
  shift
  [ -x "$out" ] || return 1
  for f in "$@"; do
    [ "$out" -nt "$f" ] || return 1
  done
}
