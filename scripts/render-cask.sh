#!/usr/bin/env bash
# Renders the Homebrew cask of a release from packaging/limabar.rb.in to
# standard output.
#
# Usage: scripts/render-cask.sh [--notarized] VERSION SHA256
#
#   VERSION      the release's version without the v (1.2.3)
#   SHA256       the checksum of LimaBar-vVERSION-macos-universal.zip
#   --notarized  the app is notarized: leave out the caveats that tell the
#                user to allow it with Open Anyway
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
notarized=0
if [ "${1:-}" = --notarized ]; then
  notarized=1
  shift
fi
if [ $# -ne 2 ]; then
  sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
fi
version=${1#v}
sha256=$2
if ! [[ $version =~ ^[0-9]+(\.[0-9]+)*([-+.][0-9A-Za-z.]+)?$ ]]; then
  echo "render-cask.sh: $version is not a release version" >&2
  exit 2
fi
if ! [[ $sha256 =~ ^[0-9a-f]{64}$ ]]; then
  echo "render-cask.sh: $sha256 is not a SHA-256 in hex" >&2
  exit 2
fi

if [ "$notarized" = 1 ]; then
  drop='/^@@UNNOTARIZED@@$/,/^@@END@@$/d'
else
  drop='/^@@UNNOTARIZED@@$/d;/^@@END@@$/d'
fi
sed -e '/^#@/d' -e "$drop" -e "s/@VERSION@/$version/" -e "s/@SHA256@/$sha256/" "$root/packaging/limabar.rb.in"
