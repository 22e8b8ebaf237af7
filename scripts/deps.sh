#!/usr/bin/env bash
# Installs the Debian packages LimaBar needs, skipping what is already there
# (and apt-get update with it). Uses sudo only when not root.
#
#   scripts/deps.sh          what `make test` needs: the build and the tests
#   scripts/deps.sh --build  what compiling needs (`make run`): on
#                            Debian/Ubuntu it installs them; elsewhere it
#                            checks them and names, in one line, what to
#                            install
#
#   build, tray (cgo): libayatana-appindicator3-dev libxcb1-dev (the X11
#                      system tray check) pkg-config gcc
#   test harness:      systemd (systemd --user, systemctl), dbus (dbus-daemon),
#                      xvfb, util-linux (setpriv, flock)
#   screenshot:        dbus-x11 xdotool trayer imagemagick x11-utils (xwininfo)
#   bundle checks:     libplist-utils (plistutil) desktop-file-utils
#   script checks:     shellcheck (bundle.sh, install.sh, the privileged scripts)
#   packaging checks:  ruby (ruby -c on the Homebrew cask); dpkg-deb and
#                      apt-get come with Debian itself
set -euo pipefail

build_packages=(libayatana-appindicator3-dev libxcb1-dev pkg-config gcc)
test_packages=(
  systemd dbus xvfb util-linux
  dbus-x11 xdotool trayer imagemagick x11-utils
  libplist-utils desktop-file-utils
  shellcheck
  ruby
)

# The pkg-config names cgo asks for: the tray library and XCB.
tray_pc=ayatana-appindicator3-0.1
x11_pc=xcb

fail() {
  echo "limabar: $*" >&2
  exit 1
}

# check_build stops, with one line naming what to install, when something
# compiling needs is missing where this script cannot install it.
check_build() {
  if [ "$(uname -s)" = Darwin ]; then
    if ! xcode-select -p >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
      fail "building needs the Xcode Command Line Tools: run xcode-select --install"
    fi
    return
  fi
  local missing=()
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v "${CC:-cc}" >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=("a C compiler (gcc)")
  if [ ${#missing[@]} -eq 0 ]; then
    pkg-config --exists "$tray_pc" >/dev/null 2>&1 ||
      missing+=("the development files of libayatana-appindicator3 ($tray_pc)")
    pkg-config --exists "$x11_pc" >/dev/null 2>&1 ||
      missing+=("the development files of libxcb ($x11_pc)")
  fi
  if [ ${#missing[@]} -ne 0 ]; then
    local list
    list=$(printf '%s, ' "${missing[@]}")
    fail "building needs ${list%, }: install them with your package manager (Debian/Ubuntu: apt-get install ${build_packages[*]})"
  fi
}

mode="test"
case "${1:-}" in
'') ;;
--build) mode=build ;;
*) fail "deps.sh: unknown argument ${1}; use --build or nothing" ;;
esac

packages=("${build_packages[@]}")
if [ "$mode" = test ]; then
  packages+=("${test_packages[@]}")
fi

if [ "$(uname -s)" != Linux ] || ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  # Not Debian or Ubuntu: nothing to install from here.
  if [ "$mode" = build ]; then
    check_build
    exit 0
  fi
  fail "deps.sh installs packages on Debian and Ubuntu only; install these with your package manager: ${packages[*]}"
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -ne 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  echo "deps: installing ${missing[*]}" >&2
  # Passed through env, because sudo drops the caller's environment.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$mode" = build ]; then
  check_build
fi
