#!/usr/bin/env bash
# Builds LimaBar's Linux packages with nfpm (pinned in scripts/tools/nfpm,
# built into build/tools/nfpm) from packaging/nfpm.yaml:
#   build/limabar_VERSION_ARCH.deb and build/limabar-VERSION-1.RPMARCH.rpm
#
# Usage: scripts/package.sh [--arch amd64|arm64] [--version V] [--exe PATH]
#                           [--tarball PATH] [--build-dir DIR] [--format deb|rpm]...
#
#   --arch      the packages' architecture; default: this machine's (go env GOARCH)
#   --version   the package version; default: git describe without the v
#               (0.0.0~git.HASH when there is no tag)
#   --exe       package this limabar instead of building it
#   --tarball   package the binary, desktop entry and icons of this tarball
#               (from scripts/bundle.sh) instead of building one
#   --build-dir where to put everything; default: build
#   --format    deb or rpm, repeatable; default: both
#
# Building limabar needs cgo against the tray library of the target
# architecture, so an arm64 package is built on an arm64 machine (the
# release workflow's arm64 runner), or from an arm64 --exe or --tarball.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

go_cmd=${GO:-go}
arch=
version=${VERSION:-}
exe=
tarball=
build_dir=${BUILD_DIR:-build}
formats=()

usage() { sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
need_arg() {
  if [ "$2" -lt 2 ]; then
    echo "package.sh: $1 needs a value" >&2
    exit 2
  fi
}
while [ $# -gt 0 ]; do
  case $1 in
    --arch) need_arg "$1" $#; arch=$2; shift 2 ;;
    --version) need_arg "$1" $#; version=$2; shift 2 ;;
    --exe) need_arg "$1" $#; exe=$2; shift 2 ;;
    --tarball) need_arg "$1" $#; tarball=$2; shift 2 ;;
    --build-dir) need_arg "$1" $#; build_dir=$2; shift 2 ;;
    --format) need_arg "$1" $#; formats+=("$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "package.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ ${#formats[@]} -eq 0 ]; then
  formats=(deb rpm)
fi
host_arch=$("$go_cmd" env GOARCH)
arch=${arch:-$host_arch}
case $arch in
  amd64 | arm64) ;;
  *) echo "package.sh: unknown architecture $arch: want amd64 or arm64" >&2; exit 2 ;;
esac
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi
version=${version#v}
case $version in
  [0-9]*) ;;
  *) version="0.0.0~git.${version//-/.}" ;;
esac

mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)

# nfpm, built once at the pinned version.
nfpm="$root/build/tools/nfpm"
mkdir -p "$(dirname "$nfpm")"
exec 9>"$nfpm.lock"
flock 9
if [ ! -x "$nfpm" ] || [ scripts/tools/nfpm/go.mod -nt "$nfpm" ] || [ scripts/tools/nfpm/go.sum -nt "$nfpm" ]; then
  (cd scripts/tools/nfpm && GOWORK=off CGO_ENABLED=0 "$go_cmd" build -trimpath -o "$nfpm" github.com/goreleaser/nfpm/v2/cmd/nfpm)
fi
exec 9>&-

stage=$(mktemp -d "$build_dir/.package.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# The tarball holds exactly what the packages install; building it through
# bundle.sh keeps the two in step.
if [ -z "$tarball" ]; then
  if [ -z "$exe" ] && [ "$arch" != "$host_arch" ]; then
    echo "package.sh: building limabar for $arch needs cgo for $arch; build on an $arch machine or pass --exe or --tarball" >&2
    exit 1
  fi
  mkdir -p "$stage/bundle"
  if [ -n "$exe" ]; then
    "$go_cmd" run ./bundle -target linux -exe "$exe" -arch "$arch" -version "$version" \
      -readme docs/packaging.md -o "$stage/bundle/limabar-linux-$arch.tar.gz" >&2
  else
    GO=$go_cmd ./scripts/bundle.sh --target linux --version "$version" --build-dir "$stage/bundle" >&2
  fi
  tarball="$stage/bundle/limabar-linux-$arch.tar.gz"
fi
tar -xzf "$tarball" -C "$stage"
contents="$stage/limabar-linux-$arch"
if [ ! -x "$contents/limabar" ]; then
  echo "package.sh: $tarball holds no limabar-linux-$arch/limabar" >&2
  exit 1
fi

for format in "${formats[@]}"; do
  case $format in
    deb | rpm) ;;
    *) echo "package.sh: unknown format $format: want deb or rpm" >&2; exit 2 ;;
  esac
  (cd "$contents" && LIMABAR_VERSION=$version LIMABAR_ARCH=$arch \
    "$nfpm" package --config "$root/packaging/nfpm.yaml" --packager "$format" --target "$build_dir/" >&2)
done
