#!/usr/bin/env bash
# Prints the newest e-mail the demo server wrote to its outbox (the login code is in it).
set -euo pipefail
outbox="${SPORTELLO_DATA_DIR:-data}/outbox"
newest=$(ls -t "$outbox"/*.eml 2>/dev/null | head -n 1 || true)
[ -n "$newest" ] || { echo "No e-mail in $outbox yet: log in first." >&2; exit 1; }
echo "== $newest"
python3 - "$newest" <<'PY'
import email, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(f"To: {msg['To']}\nSubject: {msg['Subject']}\n")
print(msg.get_body(("plain",)).get_content())
PY
