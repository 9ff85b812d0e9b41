#!/usr/bin/env bash
# Runs a command inside a throwaway desktop session: an Xvfb display, its own
# D-Bus session bus, an unlocked gnome-keyring (Secret Service) and the dunst
# notification daemon, with a fresh HOME so nothing touches the real one.
#   scripts/with-desktop.sh cargo test --test e2e
set -euo pipefail

if [ -z "${SPORTELLO_DESKTOP_SESSION:-}" ]; then
    exec xvfb-run -a -s "-screen 0 1280x800x24" \
        dbus-run-session -- env SPORTELLO_DESKTOP_SESSION=1 "$0" "$@"
fi

# Toolchains stay where they are when HOME moves.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# So do the tools from PyPI that `scripts/deps.sh` installs (schemathesis).
export SPORTELLO_TOOLS="${SPORTELLO_TOOLS:-$HOME/.cache/sportello-tools}"
export HOME="${SPORTELLO_DESKTOP_HOME:-$(mktemp -d -t sportello-home.XXXXXX)}"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"

# The password only unlocks this throwaway keyring.
eval "$(printf 'sportello-desktop-session\n' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
dunst >/dev/null 2>&1 &
dunst_pid=$!
trap 'kill $dunst_pid 2>/dev/null || true' EXIT

"$@"
