#!/usr/bin/env bash
# Takes docs/screenshot-linux.png: LimaBar's menu open in an XEmbed tray.
#
# Everything runs in a throwaway world: a virtual X server (Xvfb), a private
# session bus, trayer as the tray, a stub limactl that lists three instances,
# and registrations written as files. The script clicks the tray icon with
# xdotool, opens the first instance's submenu and captures the screen with
# ImageMagick's import.
#
# Usage: scripts/screenshot.sh [output.png]   (default docs/screenshot-linux.png)
# Needs: go, Xvfb, dbus-daemon, trayer, xdotool, xwininfo, ImageMagick
# (scripts/deps.sh installs them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$repo/docs/screenshot-linux.png}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac

for tool in go Xvfb dbus-daemon trayer xdotool xwininfo import convert display; do
	if ! command -v "$tool" >/dev/null; then
		echo "screenshot: $tool is not installed (run scripts/deps.sh)" >&2
		exit 1
	fi
done

work=$(mktemp -d /tmp/limabar-shot-XXXXXX)
chmod 755 "$work"
# LimaBar refuses to run as root on Linux (the instances' units live in
# their owner's systemd), so as root the app runs as nobody, in a world
# nobody owns.
runas=()
if [ "$(id -u)" -eq 0 ]; then
	runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

echo "screenshot: building limabar" >&2
(cd "$repo" && go build -o "$work/limabar" ./app)

# The user's world: three instances, one registered cleanly for login, one
# registered by an old Lima from a limactl that is gone.
home=$work/home
bin=$work/bin
units=$home/.config/systemd/user
mkdir -p "$bin" "$units/default.target.wants" "$work/run" "$work/bus"
chmod 700 "$work/run"
for name in default docker k3s; do
	mkdir -p "$home/.lima/$name"
	echo 'images: []' >"$home/.lima/$name/lima.yaml"
done
echo 1 >"$home/.lima/default/ha.pid"
echo 1 >"$home/.lima/docker/ha.pid"

cat >"$bin/limactl" <<'EOF'
#!/bin/sh
home="${LIMA_HOME:-$HOME/.lima}"
[ "$1" = list ] || exit 0
for d in "$home"/*/; do
	d=${d%/}
	st=Stopped
	[ -f "$d/ha.pid" ] && st=Running
	printf '{"name":"%s","status":"%s","dir":"%s","vmType":"qemu","arch":"x86_64","cpus":4,"memory":4294967296,"disk":107374182400}\n' \
		"${d##*/}" "$st" "$d"
done
EOF
chmod 755 "$bin/limactl"

cat >"$units/lima-vm@default.service" <<EOF
[Unit]
Description=Lima - Linux virtual machines, with a focus on running containers.
Documentation=man:lima(1)

[Service]
ExecStart="$bin/limactl" start %i --foreground
WorkingDirectory=%h
Type=simple
TimeoutSec=10
Restart=on-failure
Environment="PATH=$bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"

[Install]
WantedBy=default.target
EOF
sed -e 's|^ExecStart=.*|ExecStart=/usr/local/Cellar/lima/0.23.2/bin/limactl start %i --foreground|' \
	-e '/^Environment=/d' "$units/lima-vm@default.service" >"$units/lima-vm@docker.service"
ln -s ../lima-vm@default.service "$units/default.target.wants/"
ln -s ../lima-vm@docker.service "$units/default.target.wants/"
if [ ${#runas[@]} -gt 0 ]; then
	chown -R nobody:nogroup "$home" "$work/run"
fi

# The display, with a desktop-like background so the menu stands out.
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1024x640x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
exec 3>&-
for _ in $(seq 100); do
	[ -s "$work/display" ] && break
	sleep 0.1
done
[ -s "$work/display" ] || { echo "screenshot: Xvfb did not start" >&2; exit 1; }
DISPLAY=":$(cat "$work/display")"
export DISPLAY
convert -size 1024x640 gradient:'#dfe6ee-#b7c4d3' "$work/background.png"
# display sets the background and then exits non-zero.
display -window root "$work/background.png" || true

# A private session bus without service activation.
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$work/bus/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile >"$work/dbus.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	[ -S "$work/bus/socket" ] && break
	sleep 0.1
done
chmod 777 "$work/bus/socket"
export DBUS_SESSION_BUS_ADDRESS=unix:path=$work/bus/socket

trayer --edge top --align left --widthtype request --height 32 \
	--transparent true --alpha 0 --tint 0x2b3440 --SetDockType true >"$work/trayer.log" 2>&1 &
pids+=($!)
sleep 1

HOME=$home XDG_CONFIG_HOME=$home/.config XDG_STATE_HOME=$home/.local/state \
	XDG_RUNTIME_DIR=$work/run LIMACTL=$bin/limactl NO_AT_BRIDGE=1 \
	"${runas[@]}" "$work/limabar" >"$work/limabar.log" 2>&1 &
pids+=($!)

# geometry ID prints "x y width height" of a window.
geometry() {
	xwininfo -id "$1" | awk '
		/Absolute upper-left X/ {x=$NF} /Absolute upper-left Y/ {y=$NF}
		/Width:/ {w=$NF} /Height:/ {h=$NF}
		END {print x, y, w, h}'
}

# windows prints the ids of limabar's visible windows (none is no error).
windows() {
	xdotool search --onlyvisible --name '^limabar$' 2>/dev/null || true
}

# menus prints the geometry of each open menu of limabar, leftmost first.
menus() {
	local id
	for id in $(windows); do
		geometry "$id"
	done | awk '$3 > 50 && $4 > 50' | sort -n -k1
}

# The icon appears once limabar has drawn its menu.
icon=""
for _ in $(seq 100); do
	icon=$(windows | while read -r id; do
		read -r x y w h < <(geometry "$id")
		if [ "$y" -ge 0 ] && [ "$h" -le 40 ] && [ "$w" -le 40 ]; then echo "$x $y $w $h"; fi
	done | head -n1)
	[ -n "$icon" ] && break
	sleep 0.1
done
[ -n "$icon" ] || { echo "screenshot: the tray icon did not appear" >&2; cat "$work/limabar.log" >&2; exit 1; }
sleep 1 # let the first refresh land
read -r ix iy iw ih <<<"$icon"
xdotool mousemove $((ix + iw / 2)) $((iy + ih / 2)) click 1

menu=""
for _ in $(seq 50); do
	menu=$(menus | head -n1)
	[ -n "$menu" ] && break
	sleep 0.1
done
[ -n "$menu" ] || { echo "screenshot: the menu did not open" >&2; exit 1; }
read -r mx my mw mh <<<"$menu"

# Hover the first instance (the second line) to open its submenu.
xdotool mousemove $((mx + 120)) $((my + 41))
sleep 1.5
xdotool mousemove $((mx + 120)) $((my + 42))
sleep 0.5

# Crop to the tray and the menus, with a margin.
right=$((mx + mw))
bottom=$((my + mh))
while read -r x y w h; do
	[ $((x + w)) -gt "$right" ] && right=$((x + w))
	[ $((y + h)) -gt "$bottom" ] && bottom=$((y + h))
done < <(menus)
import -window root "$work/shot.png"
mkdir -p "$(dirname "$out")"
convert "$work/shot.png" -crop "$((right + 24))x$((bottom + 24))+0+0" +repage "$out"
echo "screenshot: wrote $out" >&2
