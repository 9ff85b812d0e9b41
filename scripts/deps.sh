#!/usr/bin/env bash
# Installs what Sportello needs to build, run and test, when it is missing:
# Debian packages, the UI's npm packages and tauri-driver. Safe to run often.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    build-essential pkg-config file libssl-dev
    libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
    xvfb webkit2gtk-driver dbus-x11 gnome-keyring libsecret-tools dunst xdotool
    imagemagick at-spi2-core libxml2-utils poppler-utils xdg-utils
    postgresql python3 python3-venv
    # The updater installs a new .deb through the system's privilege prompt
    # (pkexec, else sudo): the update check in deb-check.sh goes through sudo.
    sudo
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install.
stamp=ui/node_modules/.sportello-lock
if [ ! -f "$stamp" ] || ! cmp -s ui/package-lock.json "$stamp"; then
    echo "Installing the UI's npm packages"
    # `npm ci` trips over the CLI's per-platform optional packages in npm 11 lock files.
    npm --prefix ui install --no-audit --no-fund --loglevel=error
    cp ui/package-lock.json "$stamp"
fi

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if [ ! -x "$cargo_bin/tauri-driver" ] && ! command -v tauri-driver >/dev/null; then
    echo "Installing tauri-driver"
    cargo install tauri-driver --locked --version 2.1.0 --quiet
fi

# schemathesis (PyPI), which runs the OpenAPI document against the server in
# the tests (crates/server/tests/schema.rs), in a virtual environment of its own.
tools="${SPORTELLO_TOOLS:-$HOME/.cache/sportello-tools}"
schemathesis_version=4.32.5
if ! "$tools/bin/schemathesis" --version 2>/dev/null | grep -q "$schemathesis_version"; then
    echo "Installing schemathesis $schemathesis_version"
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
