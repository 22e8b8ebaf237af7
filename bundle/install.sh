#!/usr/bin/env bash
# Installs LimaBar for the current user, without root:
#   PREFIX/bin/limabar
#   PREFIX/share/applications/io.github.limabar.desktop
#   PREFIX/share/icons/hicolor/SIZE/apps/io.github.limabar.png
# where PREFIX is ~/.local unless --prefix says otherwise. With --autostart it
# also opens LimaBar at login, through the same XDG autostart entry that the
# app's "Open LimaBar at Login" switch writes. --uninstall removes all of it,
# and the folders the install made once they are empty; with --purge (or
# when the user says yes) also LimaBar's settings and records: its log, what
# it notified, the restarts it stopped.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: ./install.sh [--install] [--prefix DIR] [--autostart]
       ./install.sh --uninstall [--prefix DIR] [--purge]

  --install      install (the default)
  --prefix DIR   install under DIR instead of ~/.local
  --autostart    open LimaBar when you log in
  --uninstall    remove LimaBar, its login entry and the folders the install
                 made; asks whether to remove LimaBar's settings and records
  --purge        with --uninstall, remove LimaBar's settings and records
                 (its log, what it notified) without asking
EOF
}

prefix="${HOME:?HOME is not set}/.local"
autostart=0
uninstall=0
purge=0
while [ $# -gt 0 ]; do
  case $1 in
    --prefix)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      prefix=$2
      shift 2
      ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --autostart) autostart=1; shift ;;
    --install) uninstall=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case $prefix in
  /*) ;;
  *) prefix="$PWD/$prefix" ;;
esac
if [ "$purge" -eq 1 ] && [ "$uninstall" -eq 0 ]; then
  echo "install.sh: --purge goes with --uninstall" >&2
  usage >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
id=io.github.limabar
bin="$prefix/bin/limabar"
apps="$prefix/share/applications"
icons="$prefix/share/icons/hicolor"
autostart_file="${XDG_CONFIG_HOME:-$HOME/.config}/autostart/limabar.desktop"
sizes=(16x16 22x22 24x24 32x32 48x48 64x64 128x128 256x256 512x512)
# xdg_dir prints an XDG base folder: the variable when it is an absolute
# path, else the default, as LimaBar itself reads them.
xdg_dir() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$2" ;;
  esac
}
settings_dir="$(xdg_dir "${XDG_CONFIG_HOME:-}" "$HOME/.config")/limabar"
state_dir="$(xdg_dir "${XDG_STATE_HOME:-}" "$HOME/.local/state")/limabar"
# folders_record lists the folders that did not exist before the install
# and that LimaBar's files go in (also those the app makes for its settings,
# records and login entry), so that uninstalling removes them again, and
# only them, once they are empty. It is one of LimaBar's records: an
# uninstall that keeps them keeps it, for the one that removes them.
folders_record="$state_dir/installed-folders"

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

# missing_folders prints each folder on the way to the given ones that does
# not exist yet, parents first: the folders an install is about to make.
missing_folders() {
  local d
  for d in "$@"; do
    while [ ! -e "$d" ] && [ "$d" != / ]; do
      printf '%s\n' "$d"
      d=$(dirname "$d")
    done
  done | LC_ALL=C sort -u
}

# remove prints what it removes: each file, and each folder given that is
# empty (a folder with something in it is left alone, silently).
remove() {
  local p
  for p in "$@"; do
    if [ -d "$p" ] && [ ! -L "$p" ]; then
      if rmdir "$p" 2>/dev/null; then
        echo "removed $p/"
      fi
    elif [ -e "$p" ] || [ -L "$p" ]; then
      rm -f "$p"
      echo "removed $p"
    fi
  done
}

# purge_state removes LimaBar's settings and records; the folders they were
# in go with the recorded ones.
purge_state() {
  local d
  for d in "$settings_dir" "$state_dir"; do
    if [ -e "$d" ]; then
      rm -rf "$d"
      echo "removed $d/ (LimaBar's settings and records)"
    fi
  done
}

# ask_purge says whether to purge: yes with --purge, else the user's answer
# on a terminal, else no.
ask_purge() {
  local answer
  [ "$purge" -eq 1 ] && return 0
  [ -e "$settings_dir" ] || [ -e "$state_dir" ] || return 1
  [ -t 0 ] || return 1
  printf 'Also remove LimaBar'\''s settings and records (its log, what it notified)\nin %s and %s? [y/N] ' "$settings_dir" "$state_dir"
  read -r answer || answer=
  case $answer in
    [yY] | [yY][eE][sS]) return 0 ;;
  esac
  return 1
}

do_uninstall() {
  local size folders='' d
  remove "$bin" "$apps/$id.desktop" "$autostart_file"
  for size in "${sizes[@]}"; do
    remove "$icons/$size/apps/$id.png"
  done
  if [ -f "$folders_record" ]; then
    # Children sort after their parents: reversed, they go first.
    folders=$(LC_ALL=C sort -ru "$folders_record")
    rm -f "$folders_record"
  else
    # An install older than the record: its icon folders are the ones it
    # surely made.
    for size in "${sizes[@]}"; do
      remove "$icons/$size/apps" "$icons/$size"
    done
  fi
  if ask_purge; then
    purge_state
  fi
  if [ -n "$folders" ]; then
    while IFS= read -r d; do
      remove "$d"
    done <<<"$folders"
  fi
  if [ -e "$settings_dir" ] || [ -e "$state_dir" ]; then
    if [ -n "$folders" ] && [ -d "$state_dir" ]; then
      # What is left, for a later --purge to remove once empty.
      while IFS= read -r d; do
        [ ! -d "$d" ] || printf '%s\n' "$d"
      done <<<"$folders" >"$folders_record.tmp.$$"
      mv -f "$folders_record.tmp.$$" "$folders_record"
    fi
    echo "LimaBar's settings and records are kept in $settings_dir and $state_dir;"
    echo "./install.sh --uninstall --purge removes them."
  fi
  echo "LimaBar is uninstalled from $prefix."
  cat <<'EOF'
Lima instances set to start at login or at boot are not changed by this and
keep starting. `limabar disable --all` stops that for every instance: run it
before uninstalling (or reinstall to run it).
EOF
}

do_install() {
  local exec_value tmp line size made
  [ -f "$here/limabar" ] || { echo "install.sh: no limabar next to install.sh in $here" >&2; exit 1; }
  exec_value=$(exec_arg "$bin")
  # The app's "Open LimaBar at Login" makes the autostart folder when
  # --autostart does not.
  local dirs=("$(dirname "$bin")" "$apps" "$(dirname "$folders_record")" "$(dirname "$settings_dir")"
    "$(dirname "$state_dir")" "$(dirname "$autostart_file")")
  for size in "${sizes[@]}"; do
    dirs+=("$icons/$size/apps")
  done
  made=$(missing_folders "${dirs[@]}")
  mkdir -p "$(dirname "$folders_record")"
  # An upgrade keeps what the first install made.
  {
    [ ! -f "$folders_record" ] || cat "$folders_record"
    [ -z "$made" ] || printf '%s\n' "$made"
  } | LC_ALL=C sort -u >"$folders_record.tmp.$$"
  chmod 0644 "$folders_record.tmp.$$"
  mv -f "$folders_record.tmp.$$" "$folders_record"
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
