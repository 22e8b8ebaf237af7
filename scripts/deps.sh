#!/usr/bin/env bash
# Installs the Debian packages that `make test` needs, skipping what is
# already there (and apt-get update with it). Uses sudo only when not root.
#
#   tray (cgo):        libayatana-appindicator3-dev pkg-config gcc
#   test harness:      systemd (systemd --user, systemctl), dbus (dbus-daemon),
#                      xvfb, util-linux (setpriv, flock)
#   screenshot:        dbus-x11 xdotool trayer imagemagick x11-utils (xwininfo)
#   bundle checks:     libplist-utils (plistutil) desktop-file-utils
#   script checks:     shellcheck (bundle.sh, install.sh, the privileged scripts)
set -euo pipefail

packages=(
  libayatana-appindicator3-dev pkg-config gcc
  systemd dbus xvfb util-linux
  dbus-x11 xdotool trayer imagemagick x11-utils
  libplist-utils desktop-file-utils
  shellcheck
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
# Passed through env, because sudo drops the caller's environment.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
