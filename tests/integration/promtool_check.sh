#!/usr/bin/env bash
# Starts parley-server with a metrics listener on a free port, makes some traffic (a plain
# client that says something and has a line refused), scrapes /metrics over HTTP and checks it
# with `promtool check metrics` (Prometheus' own parser and linter). Exits 77 (skipped) when
# promtool is missing; scripts/test installs it (Debian's prometheus package) so CI runs it.
#   promtool_check.sh PATH/TO/parley-server
set -euo pipefail
server=${1:?usage: promtool_check.sh PARLEY_SERVER}
if ! command -v promtool >/dev/null 2>&1; then
    echo "SKIPPED: promtool not installed (apt-get install prometheus; scripts/test does)"
    exit 77
fi
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# A data directory of its own, never the user's; with it the history store's families are
# checked too.
"$server" --listen 127.0.0.1:0 --irc-listen none --http-listen none --metrics-listen 127.0.0.1:0 \
    --data-dir "$work/data" --log-level info >"$work/log" 2>&1 &
pid=$!
# Waits up to 10 s for the server to log the port of listener kind $1.
port_of() {
    local i p
    for ((i = 0; i < 100; i++)); do
        p=$(sed -n "s/.*listening on 127.0.0.1:\([0-9]*\) ($1).*/\1/p" "$work/log")
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.1
    done
    echo "no $1 listener in the log:" >&2
    cat "$work/log" >&2
    return 1
}
chat=$(port_of plain)
metrics=$(port_of metrics)

# A plain client: a message, and a line refused for its control character. It waits for the
# refusal, so the traffic is counted before the scrape.
exec 3<>"/dev/tcp/127.0.0.1/$chat"
printf 'hello\n\033[31mred\n' >&3
timeout 10 grep -q -m1 '^!!! control-character' <&3
exec 3>&-

exec 4<>"/dev/tcp/127.0.0.1/$metrics"
printf 'GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&4
timeout 10 cat <&4 >"$work/response"
exec 4>&-
head -1 "$work/response" | grep -q '^HTTP/1.1 200 OK' || {
    echo "not a 200:" >&2
    head -5 "$work/response" >&2
    exit 1
}
# The body: everything after the empty line that ends the head.
sed '1,/^\r$/d' "$work/response" >"$work/metrics"
grep -q '^parley_refused_lines_total{protocol="plain",code="control-character"} 1$' "$work/metrics"
grep -q "^parley_history_batches_total " "$work/metrics"  # the store's families are there
echo "$(grep -c '^# TYPE' "$work/metrics") families, $(grep -vc '^#' "$work/metrics") samples"
promtool check metrics <"$work/metrics"
echo "promtool check metrics: OK"
