#!/usr/bin/env bash
# Installs LimaBar for the current user, without root:
#   PREFIX/bin/limabar
#   PREFIX/share/applications/io.github.limabar.desktop
#   PREFIX/share/icons/hicolor/SIZE/apps/io.github.limabar.png
# where PREFIX is ~/.local unless --prefix says otherwise. With --autostart it
# also opens LimaBar at login, through the same XDG autostart entry that the
# app's "Open LimaBar at Login" switch writes. --uninstall removes all of it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./install.sh [--prefix DIR] [--autostart] [--uninstall]

  --prefix DIR   install under DIR instead of ~/.local
  --autostart    open LimaBar when you log in
  --uninstall    remove LimaBar and its login entry
EOF
}

prefix="${HOME:?HOME is not set}/.local"
autostart=0
uninstall=0
while [ $# -gt 0 ]; do
  case $1 in
    --prefix)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      prefix=$2
      shift 2
      ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --autostart) autostart=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case $prefix in
  /*) ;;
  *) prefix="$PWD/$prefix" ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
id=io.github.limabar
bin="$prefix/bin/limabar"
apps="$prefix/share/applications"
icons="$prefix/share/icons/hicolor"
autostart_file="${XDG_CONFIG_HOME:-$HOME/.config}/autostart/limabar.desktop"
sizes=(16x16 22x22 24x24 32x32 48x48 64x64 128x128 256x256 512x512)

# exec_arg prints a path as the program of an Exec= value, quoted as the
# desktop entry spec asks: in double quotes if it holds a reserved
# character, with " ` $ \ escaped, % doubled, and every backslash escaped
# once more because Exec is a string value. LimaBar quotes the same way, so
# the app sees the autostart entry written here as its own.
exec_arg() {
  local s=$1 reserved=' "'\''\><~|&;$*?#()`' quote=0 out='' c i
  if [[ $s == *[[:cntrl:]]* ]]; then
    echo "install.sh: the path $s has a control character; install somewhere else with --prefix" >&2
    return 1
  fi
  for ((i = 0; i < ${#reserved}; i++)); do
    if [[ $s == *"${reserved:i:1}"* ]]; then
      quote=1
    fi
  done
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      %) out+='%%' ;;
      '"' | '`' | '$') out+="\\\\$c" ;;
      \\) out+="\\\\\\\\" ;; # four: \\ for the quotes, doubled for the string
      *) out+=$c ;;
    esac
  done
  if [ "$quote" -eq 1 ]; then
    out="\"$out\""
  fi
  printf '%s\n' "$out"
}

# put copies a file into place through a temporary file, so that a reader
# never sees half of it.
put() {
  local src=$1 dst=$2 mode=$3
  mkdir -p "$(dirname "$dst")"
  install -m "$mode" "$src" "$dst.tmp.$$"
  mv -f "$dst.tmp.$$" "$dst"
}

write_autostart() {
  local exec_value tmp
  exec_value=$(exec_arg "$bin")
  mkdir -p "$(dirname "$autostart_file")"
  tmp="$autostart_file.tmp.$$"
  cat >"$tmp" <<EOF
[Desktop Entry]
Type=Application
Name=LimaBar
Comment=Start Lima virtual machines at login or at boot
Exec=$exec_value
Icon=$id
Terminal=false
X-GNOME-Autostart-enabled=true
EOF
  chmod 0644 "$tmp"
  mv -f "$tmp" "$autostart_file"
}

do_uninstall() {
  rm -f "$bin" "$apps/$id.desktop" "$autostart_file"
  local size
  for size in "${sizes[@]}"; do
    rm -f "$icons/$size/apps/$id.png"
    rmdir "$icons/$size/apps" "$icons/$size" 2>/dev/null || true
  done
  echo "LimaBar is uninstalled from $prefix."
  cat <<'EOF'
Lima instances set to start at login or at boot are not changed by this and
keep starting. `limabar disable --condition=all NAME` stops that for one
instance: run it for each before uninstalling (or reinstall to run it).
EOF
}

do_install() {
  local exec_value tmp line size
  [ -f "$here/limabar" ] || { echo "install.sh: no limabar next to install.sh in $here" >&2; exit 1; }
  exec_value=$(exec_arg "$bin")
  put "$here/limabar" "$bin" 0755

  mkdir -p "$apps"
  tmp="$apps/$id.desktop.tmp.$$"
  while IFS= read -r line || [ -n "$line" ]; do
    if [ "$line" = "Exec=limabar" ]; then
      line="Exec=$exec_value"
    fi
    printf '%s\n' "$line"
  done <"$here/$id.desktop" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$apps/$id.desktop"

  for size in "${sizes[@]}"; do
    put "$here/icons/hicolor/$size/apps/$id.png" "$icons/$size/apps/$id.png" 0644
  done
  # Desktops notice a new icon when the theme folder changes.
  touch "$icons" 2>/dev/null || true

  if [ "$autostart" -eq 1 ]; then
    write_autostart
  fi

  echo "LimaBar is installed: $bin"
  if [ "$autostart" -eq 1 ]; then
    echo "It opens at login ($autostart_file)."
  fi
  case ":${PATH:-}:" in
    *":$prefix/bin:"*) ;;
    *) echo "Note: $prefix/bin is not on your PATH; the menu entry works anyway." ;;
  esac
  if command -v ldd >/dev/null 2>&1; then
    local missing
    missing=$(ldd "$bin" 2>/dev/null | awk '/not found/ { print $1 }' || true)
    if [ -n "$missing" ]; then
      echo "Warning: limabar needs libraries that are not installed:" >&2
      printf '  %s\n' "$missing" >&2
      echo "On Debian or Ubuntu: sudo apt install libayatana-appindicator3-1" >&2
    fi
  fi
}

if [ "$uninstall" -eq 1 ]; then
  do_uninstall
else
  do_install
fi
