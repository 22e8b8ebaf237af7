#!/usr/bin/env bash
# Smoke test of a built LimaBar.app on a Mac (the macOS CI jobs run it):
# the app starts, is still running after 10 s with no crash report, and
# quits cleanly (exit status 0, within 10 s) on SIGTERM.
#
# With --native, it checks LimaBar's native pieces from inside the bundle
# instead: PROBE (go build ./scripts/macsmoke/probe) becomes the executable
# of a copy of APP, which keeps APP's Info.plist, bundle identifier and
# icon; the copy is signed ad hoc and registered with Launch Services, and
# the probe registers the login item through SMAppService.mainApp, reads
# its status, unregisters it, and posts a notification through
# UNUserNotificationCenter. It passes when the probe exits 0 and no crash
# report was written.
#
# Usage: scripts/mac-smoke.sh [APP]                 (default: build/LimaBar.app)
#        scripts/mac-smoke.sh --native APP PROBE [CHECK...]
#
# CHECKs are the probe's: login-item, notification (default both).
#
# The executable is started directly rather than with open(1), so that the
# script knows its pid and its exit status. Its stderr and LimaBar's log
# are printed when something fails.
set -euo pipefail
# macOS's own bash 3.2 runs this: no bash 4 expansions.

probe=
if [ "${1:-}" = --native ]; then
  if [ "$#" -lt 3 ]; then
    echo "usage: $0 --native APP PROBE [CHECK...]" >&2
    exit 2
  fi
  app=$2
  probe=$3
  # What is left are the probe's checks.
  shift 3
else
  app=${1:-build/LimaBar.app}
fi
lsregister=${LSREGISTER:-/System/Library/Frameworks/CoreServices.framework/Frameworks/LaunchServices.framework/Support/lsregister}
stay=10
quit_within=10

fail() {
  echo "mac-smoke: FAIL: $*" >&2
  if [ -s "${stderr_file:-}" ]; then
    echo "--- stderr of the app" >&2
    cat "$stderr_file" >&2
  fi
  if [ -f "$HOME/Library/Logs/LimaBar/limabar.log" ]; then
    echo "--- ~/Library/Logs/LimaBar/limabar.log (last 50 lines)" >&2
    tail -n 50 "$HOME/Library/Logs/LimaBar/limabar.log" >&2
  fi
  exit 1
}

if [ "$(uname -s)" != Darwin ]; then
  echo "mac-smoke: runs on macOS only" >&2
  exit 2
fi
[ -d "$app" ] || fail "$app does not exist (run make bundle)"
exe_name=$(plutil -extract CFBundleExecutable raw -o - "$app/Contents/Info.plist")
exe="$app/Contents/MacOS/$exe_name"
[ -x "$exe" ] || fail "$exe is not an executable"

reports="$HOME/Library/Logs/DiagnosticReports"
work=$(mktemp -d)
pid=
copy=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ -n "$copy" ]; then
    "$lsregister" -u "$copy" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
since="$work/since"
touch "$since"
stderr_file="$work/stderr"

# crash_reports lists reports of the app written since the start.
crash_reports() {
  if [ -d "$reports" ]; then
    find "$reports" -type f -newer "$since" \( -iname "${exe_name}*" -o -iname 'LimaBar*' \) -print
  fi
  return 0
}

if [ -n "$probe" ]; then
  [ -x "$probe" ] || fail "$probe is not an executable"
  copy="$work/LimaBar.app"
  cp -R "$app" "$copy"
  cp "$probe" "$copy/Contents/MacOS/$exe_name"
  codesign --force --sign - "$copy" >"$work/codesign" 2>&1 || fail "codesign of the copy failed: $(cat "$work/codesign")"
  "$lsregister" -f "$copy" || fail "lsregister -f $copy failed"
  echo "mac-smoke: running the probe as $copy/Contents/MacOS/$exe_name"
  status=0
  "$copy/Contents/MacOS/$exe_name" ${1+"$@"} 2>"$stderr_file" || status=$?
  [ "$status" -eq 0 ] || fail "the probe exited with status $status"
  found=$(crash_reports)
  [ -z "$found" ] || fail "crash reports were written: $found"
  echo "--- log of the probe"
  cat "$stderr_file"
  echo "mac-smoke: the probe passed in the bundle, no crash report"
  exit 0
fi

echo "mac-smoke: starting $exe"
"$exe" 2>"$stderr_file" &
pid=$!

waited=0
while [ "$waited" -lt "$stay" ]; do
  sleep 1
  waited=$((waited + 1))
  if ! kill -0 "$pid" 2>/dev/null; then
    status=0
    wait "$pid" || status=$?
    pid=
    fail "the app exited after ${waited} s with status $status"
  fi
done
found=$(crash_reports)
[ -z "$found" ] || fail "crash reports were written: $found"
echo "mac-smoke: still running after $stay s, no crash report"

kill -TERM "$pid"
waited=0
while kill -0 "$pid" 2>/dev/null; do
  if [ "$waited" -ge "$quit_within" ]; then
    fail "the app was still running $quit_within s after SIGTERM"
  fi
  sleep 1
  waited=$((waited + 1))
done
status=0
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || fail "the app exited with status $status after SIGTERM, want 0"
found=$(crash_reports)
[ -z "$found" ] || fail "crash reports were written: $found"
echo "mac-smoke: quit on SIGTERM within $waited s, status 0"
