#!/usr/bin/env bash
# The first step of `make run` and `make test`: stops, with one line, when
# what follows cannot work, before anything is installed or built.
#
#   scripts/checkgo.sh run   as root, says to run it as your own user (the
#                            app refuses to run as root, so building first
#                            would be wasted); then checks Go
#   scripts/checkgo.sh test  checks Go (the tests run as root too)
#
# Go must be at least the version on the `go` line of go.mod. $GO names the
# go command (the Makefile's GO), `go` by default.
set -euo pipefail

src="${BASH_SOURCE[0]}"
case "$src" in
*/*) root="$(cd "${src%/*}/.." && pwd)" ;;
*) root="$(cd .. && pwd)" ;;
esac
go_cmd="${GO:-go}"
dl="install it from https://go.dev/dl/; Debian 12's golang-go is 1.19, too old"

fail() {
  echo "limabar: $*" >&2
  exit 1
}

target="${1:-}"
case "$target" in
run | test) ;;
*) fail "checkgo.sh: unknown argument '${target}'; use run or test" ;;
esac

if [ "$target" = run ] && [ "$(id -u)" -eq 0 ]; then
  fail "make run starts LimaBar, which refuses to run as root: run make run as your own user, the one who owns the Lima instances"
fi

need=""
while read -r key value _; do
  if [ "$key" = go ]; then
    need="$value"
    break
  fi
done <"$root/go.mod"
[ -n "$need" ] || fail "checkgo.sh: go.mod has no go line"

# version_parts splits 1.26.8 (or go1.26rc1) into "major minor patch".
version_parts() {
  local v="${1#go}" major minor patch
  v="${v%%[!0-9.]*}"
  IFS=. read -r major minor patch _ <<<"$v"
  echo "${major:-0} ${minor:-0} ${patch:-0}"
}

if ! command -v "$go_cmd" >/dev/null 2>&1; then
  fail "make $target needs Go $need or later (go.mod), and there is no $go_cmd on PATH: $dl"
fi

# `go version` prints "go version go1.26.8 linux/amd64"; a development
# build prints "go version devel go1.27-…", which is let through.
read -r _ _ have _ < <(cd "$root" || exit; "$go_cmd" version 2>/dev/null || true)
have="${have:-unknown}"
if [ "$have" = devel ]; then
  exit 0
fi
if [ "${have#go[0-9]}" = "$have" ]; then
  fail "make $target needs Go $need or later (go.mod), and '$go_cmd version' does not say which Go it is: $dl"
fi
read -r n1 n2 n3 <<<"$(version_parts "$need")"
read -r h1 h2 h3 <<<"$(version_parts "$have")"
if ((h1 < n1 || (h1 == n1 && (h2 < n2 || (h2 == n2 && h3 < n3))))); then
  fail "make $target needs Go $need or later (go.mod), and $go_cmd is ${have#go}: $dl"
fi
