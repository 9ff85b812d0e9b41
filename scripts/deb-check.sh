#!/usr/bin/env bash
# Builds the release .deb, installs it with dpkg, runs the installed program
# in the real window (tests/e2e/installed.rs), then removes the package and
# checks that nothing of it stays behind.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

make deb
# The bundler writes under Cargo's target folder, wherever CARGO_TARGET_DIR puts it.
deb=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/bundle/deb/*.deb | head -1)
echo "Installing $deb"
$sudo_cmd dpkg -i "$deb" >/dev/null || { $sudo_cmd apt-get install -f -y -qq >/dev/null; }
installed_files=$(dpkg -L sportello)
status=0
scripts/with-desktop.sh cargo test --features custom-protocol,e2e --test e2e -- --ignored installed_ || status=$?
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
