#!/usr/bin/env bash
# Signs LimaBar.app with a Developer ID, notarizes it and staples the ticket,
# when the release has the keys; otherwise leaves the ad-hoc signature of
# `make bundle` and says so, in the log and in the release notes.
#
# Usage: scripts/sign-notarize.sh APP ZIP
#
#   APP  the app to sign (build/LimaBar.app), already signed ad hoc
#   ZIP  the zip to (re)make of the signed and stapled app
#
# From the environment (the release workflow's secrets):
#   MACOS_CERTIFICATE           the Developer ID Application certificate
#                               and key, a .p12 in base64
#   MACOS_CERTIFICATE_PASSWORD  its password
#   NOTARY_APPLE_ID, NOTARY_TEAM_ID, NOTARY_PASSWORD
#                               the Apple ID, team and app-specific
#                               password notarytool submits with
#   NOTES_FILE                  where to write the release notes' line on
#                               signing (optional)
#   GITHUB_OUTPUT               gets notarized=true or notarized=false
#
# Without MACOS_CERTIFICATE it changes nothing and exits 0; with the
# certificate but without the notary credentials it signs and does not
# notarize. Each skip is a ::warning:: line, shown on the workflow run.
set -euo pipefail

if [ $# -ne 2 ]; then
  sed -n '2,/^set /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
fi
app=$1
zip=$2
bundle_id=io.github.limabar

say() { echo "sign-notarize: $*"; }
warn() { echo "::warning title=LimaBar.app is not notarized::$*"; }
result() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "notarized=$1" >>"$GITHUB_OUTPUT"
  fi
  if [ -n "${NOTES_FILE:-}" ]; then
    printf '%s\n' "$2" >>"$NOTES_FILE"
  fi
}

adhoc_note="**macOS:** LimaBar.app is signed ad hoc and not notarized by Apple. macOS blocks it the first time: open it once, then allow it in System Settings → Privacy & Security with Open Anyway."

if [ -z "${MACOS_CERTIFICATE:-}" ]; then
  say "MACOS_CERTIFICATE is not set: skipping Developer ID signing and notarization"
  warn "MACOS_CERTIFICATE is not set: $app stays signed ad hoc and is not notarized"
  result false "$adhoc_note"
  exit 0
fi
if [ -z "${MACOS_CERTIFICATE_PASSWORD:-}" ]; then
  echo "sign-notarize: MACOS_CERTIFICATE is set without MACOS_CERTIFICATE_PASSWORD" >&2
  exit 1
fi

# A keychain of its own, deleted at the end, so that the runner's login
# keychain never holds the key.
work=$(mktemp -d)
keychain="$work/signing.keychain-db"
keychain_password=$(openssl rand -hex 16)
cleanup() {
  security delete-keychain "$keychain" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
printf '%s' "$MACOS_CERTIFICATE" | base64 --decode >"$work/certificate.p12"
security create-keychain -p "$keychain_password" "$keychain"
security set-keychain-settings -lut 21600 "$keychain"
security unlock-keychain -p "$keychain_password" "$keychain"
security import "$work/certificate.p12" -k "$keychain" -P "$MACOS_CERTIFICATE_PASSWORD" -T /usr/bin/codesign
security set-key-partition-list -S apple-tool:,apple: -s -k "$keychain_password" "$keychain" >/dev/null
# codesign finds the identity only in a keychain on the search list.
searched=()
while IFS= read -r k; do
  k=${k#"${k%%[![:space:]]*}"}
  searched+=("${k//\"/}")
done < <(security list-keychains -d user)
security list-keychains -d user -s "$keychain" "${searched[@]}"
identity=$(security find-identity -v -p codesigning "$keychain" | awk -F'"' '/Developer ID Application/ { print $2; exit }')
if [ -z "$identity" ]; then
  echo "sign-notarize: MACOS_CERTIFICATE holds no Developer ID Application identity" >&2
  exit 1
fi

say "signing $app as $identity, with the hardened runtime and a timestamp"
codesign --force --options runtime --timestamp --sign "$identity" --identifier "$bundle_id" --keychain "$keychain" "$app"
codesign --verify --strict --verbose=2 "$app"

if [ -z "${NOTARY_APPLE_ID:-}" ] || [ -z "${NOTARY_TEAM_ID:-}" ] || [ -z "${NOTARY_PASSWORD:-}" ]; then
  say "NOTARY_APPLE_ID, NOTARY_TEAM_ID or NOTARY_PASSWORD is not set: signed, not notarized"
  warn "the notary credentials are not set: $app is signed with a Developer ID but not notarized"
  ditto -c -k --keepParent "$app" "$zip"
  result false "**macOS:** LimaBar.app is signed with a Developer ID but not notarized by Apple. macOS blocks it the first time: open it once, then allow it in System Settings → Privacy & Security with Open Anyway."
  exit 0
fi

say "submitting $app to Apple's notary service"
ditto -c -k --keepParent "$app" "$work/notarize.zip"
xcrun notarytool submit "$work/notarize.zip" --apple-id "$NOTARY_APPLE_ID" --team-id "$NOTARY_TEAM_ID" \
  --password "$NOTARY_PASSWORD" --wait
xcrun stapler staple "$app"
xcrun stapler validate "$app"
spctl --assess --type execute --verbose=2 "$app"
ditto -c -k --keepParent "$app" "$zip"
result true "**macOS:** LimaBar.app is signed with a Developer ID and notarized by Apple."
say "signed, notarized and stapled: $zip"
