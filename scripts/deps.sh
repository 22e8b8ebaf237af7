#!/usr/bin/env bash
# Installs the Debian packages that `make test` needs, skipping what is
# already there. Uses sudo only when not root.
set -euo pipefail

packages=(
  libayatana-appindicator3-dev pkg-config gcc
  xvfb dbus dbus-x11 xdotool trayer imagemagick
  libplist-utils desktop-file-utils systemd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
