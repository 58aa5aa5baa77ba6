#!/usr/bin/env bash
# Smoke test of the load client: a tiny fanout (5 receivers, 1 publisher, about a second)
# against a real parley-server on an ephemeral loopback port. Fails unless every client
# connected and nothing was lost (parley-load exits non-zero then).
# Usage: smoke.sh PARLEY_SERVER PARLEY_LOAD
set -euo pipefail
server=$1
load=$2
work=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

"$server" --data-dir none --listen 127.0.0.1:0 --rate 0 --burst 0 --max-clients 0 --max-per-address 0 \
    --strikes 0 --history 0 --outbox-bytes 8388608 2>"$work/server.log" &
pid=$!

# Wait for the port (deadline 10 s), not a fixed time.
port=
for _ in $(seq 200); do
    port=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$work/server.log" | head -n1 | sed 's/.*://') || true
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "server exited" >&2; exit 1; }
    sleep 0.05
done
[ -n "$port" ] || { cat "$work/server.log" >&2; echo "server did not report its port" >&2; exit 1; }

"$load" --target "parley=127.0.0.1:$port/$pid" --scenario fanout --clients 5 --publishers 1 \
    --rate 200 --warmup 0.3 --duration 1 --drain-timeout 3 --connect-timeout 10 \
    --json "$work/result.json" --no-progress
# Belt and braces: the JSON must agree.
grep -q '"pass":true' "$work/result.json"
grep -q '"connections_ready":6' "$work/result.json"
