#!/usr/bin/env bash
# Checks the GitHub workflows in .github/workflows with actionlint, built
# at the version pinned in scripts/tools/go.mod into build/tools/actionlint.
# actionlint runs shellcheck on every run: step when shellcheck is on PATH;
# scripts/deps.sh installs it, and without it this script fails rather than
# check less.
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$script")/.." && pwd)"
tools="$root/scripts/tools"
out="$root/build/tools/actionlint"

if ! command -v shellcheck >/dev/null; then
  echo "actionlint: shellcheck is not installed (run scripts/deps.sh)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [ ! -x "$out" ] || [ "$tools/go.mod" -nt "$out" ] || [ "$tools/go.sum" -nt "$out" ]; then
  (cd "$tools" && GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$out" github.com/rhysd/actionlint/cmd/actionlint)
fi
exec 9>&-

cd "$root"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  echo "actionlint: no workflows in .github/workflows" >&2
  exit 1
fi
"$out" -no-color -shellcheck "$(command -v shellcheck)" "${workflows[@]}"
echo "actionlint: ${#workflows[@]} workflows checked: ${workflows[*]}"
