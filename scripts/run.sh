#!/usr/bin/env bash
# `make run`: the demo server on 127.0.0.1 (SQLite in ./data, seeded on first
# start) and the Sportello window against it. Ctrl+C or closing the window
# stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    cat >&2 <<'MSG'
No display found: Sportello is a desktop application and needs one.
To run it anyway in a virtual display (with its own keyring), use:

    make run-xvfb

The window is then invisible: the command prints how to take a screenshot.
MSG
    exit 1
fi

port="${SPORTELLO_PORT:-8787}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is already in use: stop what runs there, or set SPORTELLO_PORT." >&2
    exit 1
fi
# `--preflight` only checks, so that `make run` fails fast before building.
[ "${1:-}" != "--preflight" ] || exit 0

export SPORTELLO_DATA_DIR="${SPORTELLO_DATA_DIR:-$PWD/data}"
export SPORTELLO_BIND="127.0.0.1:$port"
target="${CARGO_TARGET_DIR:-target}"
"$target/debug/sportello-server" demo &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT

for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 $server 2>/dev/null || { echo "The server did not start." >&2; exit 1; }
    sleep 0.2
done

if [ -n "${SPORTELLO_DESKTOP_SESSION:-}" ]; then
    echo "Virtual display $DISPLAY. Screenshot from another terminal:"
    echo "  DISPLAY=$DISPLAY XAUTHORITY=${XAUTHORITY:-} import -window root shot.png"
fi
SPORTELLO_SERVER_URL="http://127.0.0.1:$port" "$target/debug/sportello"
