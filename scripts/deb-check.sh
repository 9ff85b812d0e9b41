#!/usr/bin/env bash
# Builds the release .deb, installs it with dpkg, runs the installed program
# in the real window (tests/e2e/installed.rs), then removes the package and
# checks that nothing of it stays behind. On the way, the update: the next
# version is built too and signed with a key made here (and, forged, with
# another); the installed program takes it from a server on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
tauri=ui/node_modules/.bin/tauri
make ui
bundles="${CARGO_TARGET_DIR:-target}/release/bundle/deb"

# The company's updater key for this run, and another one nobody trusts.
keys=$(mktemp -d -t sportello-keys.XXXXXX)
trap 'rm -rf "$keys"' EXIT
for k in company other; do
    "$tauri" signer generate --ci -p "" -w "$keys/$k.key" >/dev/null
done
export SPORTELLO_UPDATER_PUBKEY
SPORTELLO_UPDATER_PUBKEY=$(cat "$keys/company.key.pub")

# The next version: the same program one patch version up.
version=$(python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')
next=$(python3 -c "v='$version'.split('.'); v[2]=str(int(v[2])+1); print('.'.join(v))")
"$tauri" build --bundles deb --config "{\"version\":\"$next\"}"
cp "$bundles/Sportello_${next}_amd64.deb" "$keys/next.deb"
sign() { TAURI_SIGNING_PRIVATE_KEY_PASSWORD="" "$tauri" signer sign -k "$(cat "$keys/$1.key")" -p "" "$2" >/dev/null; }
sign other "$keys/next.deb" && mv "$keys/next.deb.sig" "$keys/next.deb.other.sig"
sign company "$keys/next.deb"
export SPORTELLO_UPDATE_BUNDLE="$keys/next.deb" SPORTELLO_UPDATE_VERSION="$next"

make deb
deb="$bundles/Sportello_${version}_amd64.deb"
echo "Installing $deb"
$sudo_cmd dpkg -i "$deb" >/dev/null || { $sudo_cmd apt-get install -f -y -qq >/dev/null; }
installed_files=$(dpkg -L sportello)
status=0
scripts/with-desktop.sh cargo test --features custom-protocol,e2e --test e2e -- --ignored installed_ --test-threads=1 || status=$?
$sudo_cmd dpkg -r sportello >/dev/null
left=""
for f in $installed_files; do
    [ -f "$f" ] && left="$left $f"
done
if dpkg -s sportello >/dev/null 2>&1 || [ -n "$left" ]; then
    echo "dpkg -r left the package or its files behind:$left"
    exit 1
fi
echo "The package installed, ran and was removed cleanly."
exit $status
