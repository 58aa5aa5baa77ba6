#!/usr/bin/env bash
# Smoke test of the load client: a tiny fanout (5 receivers, 1 publisher, about a second)
# against a real parley-server on an ephemeral loopback port, over the plain protocol and, when
# the server has a browser endpoint (--http-listen), over WebSocket at /ws. Fails unless every
# client connected and nothing was lost (parley-load exits non-zero then).
# Usage: smoke.sh PARLEY_SERVER PARLEY_LOAD
set -euo pipefail
server=$1
load=$2
work=$(mktemp -d)
pid=
stop_server() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=
    fi
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

help=$("$server" --help 2>&1 || true)
has_option() { grep -q -- "$1" <<<"$help"; }

# fanout PROTO LISTEN_ARGS...: starts a server listening only where LISTEN_ARGS say (its one
# port on 127.0.0.1:0), runs the fanout against it over PROTO, checks the JSON and stops it.
fanout() {
    local proto=$1 port=
    shift
    # Every other kind of listener off: their default ports (6667, 8080) are not this test's.
    local off=() opt
    for opt in --irc-listen --http-listen; do
        if has_option "$opt" && [[ " $* " != *" $opt "* ]]; then
            off+=("$opt" none)
        fi
    done
    : >"$work/server.log"
    "$server" --data-dir none "${off[@]}" "$@" --rate 0 --burst 0 --max-clients 0 \
        --max-per-address 0 --strikes 0 --history 0 --outbox-bytes 8388608 2>"$work/server.log" &
    pid=$!
    # Wait for the port (deadline 10 s), not a fixed time.
    for _ in $(seq 200); do
        port=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$work/server.log" | head -n1 | sed 's/.*://') || true
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "server exited" >&2; exit 1; }
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$work/server.log" >&2; echo "server did not report its port" >&2; exit 1; }

    rm -f "$work/result.json"
    "$load" --target "$proto=127.0.0.1:$port/$pid" --scenario fanout --clients 5 --publishers 1 \
        --rate 200 --warmup 0.3 --duration 1 --drain-timeout 3 --connect-timeout 10 \
        --json "$work/result.json" --no-progress
    # Belt and braces: the JSON must agree.
    grep -q '"pass":true' "$work/result.json"
    grep -q '"connections_ready":6' "$work/result.json"
    stop_server
}

fanout parley --listen 127.0.0.1:0
if has_option --http-listen; then
    fanout websocket --listen none --http-listen 127.0.0.1:0
else
    echo "websocket: skipped ($server has no --http-listen)"
fi
