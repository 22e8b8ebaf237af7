#!/usr/bin/env bash
# Builds what `make bundle` ships:
#   on a Mac:  build/LimaBar.app (arm64 + amd64 in one binary, ad-hoc signed)
#              and build/LimaBar.zip to hand out;
#   on Linux:  build/limabar-linux-ARCH.tar.gz (binary, desktop entry, icons,
#              install.sh).
#
# Usage: scripts/bundle.sh [--target darwin|linux] [--exe PATH] [--version V]
#                          [--commit C] [--date D] [--build-dir DIR] [--dry-run]
#
#   --target     what to make; default: darwin on macOS, linux elsewhere
#   --exe PATH   package this limabar instead of building it
#   --version V  version for the binary and Info.plist; default: git describe
#   --commit C   commit `limabar --version` names (also COMMIT); default: git rev-parse HEAD
#   --date D     build date it names (also BUILD_DATE); default: SOURCE_DATE_EPOCH or now, UTC
#   --build-dir  where to put everything; default: build
#   --dry-run    print the commands without running them (also DRY_RUN=1);
#                `--dry-run --target darwin` shows the macOS steps anywhere
#
# `make bundle` runs this with BUNDLE_TARGET, DRY_RUN, BUILD_DIR and VERSION.
# Building on Linux needs the tray library (libayatana-appindicator3-dev,
# found with pkg-config) and docs/packaging.md, the tarball's README.
set -euo pipefail
# This runs under macOS's own bash 3.2 too: no empty "${array[@]}" under
# set -u, no bash 4 expansions.

cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

target=
exe=
version=${VERSION:-}
commit=${COMMIT:-}
build_date=${BUILD_DATE:-}
build_dir=${BUILD_DIR:-build}
dry_run=${DRY_RUN:-0}
min_macos=${MACOSX_DEPLOYMENT_TARGET:-12.0}
go_cmd=${GO:-go}
bundle_id=io.github.limabar

need_arg() {
  if [ "$2" -lt 2 ]; then
    echo "bundle.sh: $1 needs a value" >&2
    usage >&2
    exit 2
  fi
}
while [ $# -gt 0 ]; do
  case $1 in
    --target) need_arg "$1" $#; target=$2; shift 2 ;;
    --target=*) target=${1#*=}; shift ;;
    --exe) need_arg "$1" $#; exe=$2; shift 2 ;;
    --exe=*) exe=${1#*=}; shift ;;
    --version) need_arg "$1" $#; version=$2; shift 2 ;;
    --version=*) version=${1#*=}; shift ;;
    --commit) need_arg "$1" $#; commit=$2; shift 2 ;;
    --commit=*) commit=${1#*=}; shift ;;
    --date) need_arg "$1" $#; build_date=$2; shift 2 ;;
    --date=*) build_date=${1#*=}; shift ;;
    --build-dir) need_arg "$1" $#; build_dir=$2; shift 2 ;;
    --build-dir=*) build_dir=${1#*=}; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bundle.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -z "$target" ]; then
  if [ "$(uname -s)" = Darwin ]; then
    target=darwin
  else
    target=linux
  fi
fi
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || echo 0.0.0)
fi
if [ -z "$commit" ]; then
  commit=$(git rev-parse HEAD 2>/dev/null || true)
fi
if [ -z "$build_date" ]; then
  if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    build_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null ||
      date -u -r "$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
  else
    build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  fi
fi
# What `limabar --version` prints (app/main.go).
ldflags="-X main.version=$version"
if [ -n "$commit" ]; then
  ldflags="$ldflags -X main.commit=$commit"
fi
ldflags="$ldflags -X main.date=$build_date"

# run prints a command the way a shell would read it and, unless this is a
# dry run, runs it.
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [ "$dry_run" != 1 ]; then
    "$@"
  fi
}

note() { echo "bundle.sh: $*" >&2; }

# have tells whether a tool is here. A dry run goes on as if it were, so
# that it shows every step, and says what a real run would skip.
have() {
  if command -v "$1" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$dry_run" = 1 ]; then
    note "$1 is not on this machine; a real run would $2"
    return 0
  fi
  return 1
}

if [ "$dry_run" != 1 ]; then
  mkdir -p "$build_dir"
fi

bundle_darwin() {
  local app="$build_dir/LimaBar.app" binary host
  if [ -n "$exe" ]; then
    binary=$exe
  elif have lipo "build for this Mac's architecture only"; then
    local arch
    for arch in arm64 amd64; do
      run env CGO_ENABLED=1 GOOS=darwin GOARCH="$arch" MACOSX_DEPLOYMENT_TARGET="$min_macos" \
        "$go_cmd" build -trimpath -ldflags "$ldflags" -o "$build_dir/limabar-darwin-$arch" ./app
    done
    binary="$build_dir/limabar-darwin-universal"
    run lipo -create -output "$binary" "$build_dir/limabar-darwin-arm64" "$build_dir/limabar-darwin-amd64"
  else
    case $(uname -m) in
      arm64 | aarch64) host=arm64 ;;
      *) host=amd64 ;;
    esac
    note "lipo not found (xcode-select --install provides it): building for $host only;" \
      "this LimaBar.app will not run on the other kind of Mac"
    binary="$build_dir/limabar-darwin-$host"
    run env CGO_ENABLED=1 GOOS=darwin GOARCH="$host" MACOSX_DEPLOYMENT_TARGET="$min_macos" \
      "$go_cmd" build -trimpath -ldflags "$ldflags" -o "$binary" ./app
  fi

  run "$go_cmd" run ./bundle -target darwin -exe "$binary" -version "$version" -min-macos "$min_macos" -o "$app"

  if have codesign "leave LimaBar.app unsigned"; then
    run codesign --force --sign - --identifier "$bundle_id" --timestamp=none "$app"
    run codesign --verify --strict --verbose=2 "$app"
  else
    note "codesign not found: $app is NOT signed, and macOS on Apple silicon" \
      "refuses to open it; on a Mac run: codesign --force --sign - --identifier $bundle_id $app"
  fi

  if have ditto "not make LimaBar.zip"; then
    run ditto -c -k --keepParent "$app" "$build_dir/LimaBar.zip"
  else
    note "ditto not found: no $build_dir/LimaBar.zip (zip the app on a Mac to keep its signature)"
  fi
}

# need_tray_library stops before a Linux build that would fail deep inside
# cgo: the tray links against libayatana-appindicator3, which the build
# finds through pkg-config.
need_tray_library() {
  local fix="sudo apt-get install libayatana-appindicator3-dev pkg-config"
  if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists ayatana-appindicator3-0.1; then
    return 0
  fi
  if [ "$dry_run" = 1 ]; then
    note "pkg-config finds no ayatana-appindicator3-0.1; a real run would stop here and ask for: $fix"
    return 0
  fi
  echo "bundle.sh: the tray needs libayatana-appindicator3, and pkg-config finds no ayatana-appindicator3-0.1; install it with:" >&2
  echo "  $fix" >&2
  exit 1
}

bundle_linux() {
  local arch readme=docs/packaging.md
  # The tarball's README is the install guide; a tarball without it would
  # leave the user with no word on install.sh or uninstalling.
  if [ ! -f "$readme" ]; then
    echo "bundle.sh: $readme is missing; it goes into the tarball as README.md" >&2
    exit 1
  fi
  arch=$("$go_cmd" env GOARCH)
  if [ -z "$exe" ]; then
    need_tray_library
    exe="$build_dir/limabar"
    run "$go_cmd" build -trimpath -ldflags "$ldflags" -o "$exe" ./app
  fi
  run "$go_cmd" run ./bundle -target linux -exe "$exe" -arch "$arch" -version "$version" \
    -readme "$readme" -o "$build_dir/limabar-linux-$arch.tar.gz"
}

case $target in
  darwin) bundle_darwin ;;
  linux) bundle_linux ;;
  *) echo "bundle.sh: unknown target $target: want darwin or linux" >&2; exit 2 ;;
esac
