#!/usr/bin/env bash
# Load test over real HTTP: a release `hearth serve` on SQLite, seeded through the API with a
# space, a typical thread (20 replies), a long thread (300 replies) and 40 more threads; then
# wrk (Debian package `wrk`) hammers each page with 32 connections for 10 s.
#
#   cargo build --release && benches/load.sh [connections] [seconds]
#
# wrk runs on the same machine as the server, so both share the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${1:-32}
SECS=${2:-10}
BIN=target/release/hearth
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
export HEARTH_DATA_DIR="$DIR" HEARTH_BIND="127.0.0.1:$PORT" HEARTH_LOG=warn HEARTH_DB_POOL_SIZE=8
"$BIN" admin create-user ana --password-stdin <<< "load test password" >/dev/null
"$BIN" admin create-user jane --role staff --title "Support Lead" --password-stdin <<< "load test password" >/dev/null
"$BIN" admin create-space support --title Support --description "Ask us anything" >/dev/null
"$BIN" serve & PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.05; done

token() {
  curl -fsS "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"name\":\"$1\",\"password\":\"load test password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"]["token"])'
}
ANA=$(token ana); JANE=$(token jane)
BODY='My router restarts **every hour**. I tried a new cable and another socket. Any ideas? See [the manual](https://acme.example/manual).'
thread() {
  curl -fsS "$BASE/api/v1/spaces/support/threads" -H "authorization: Bearer $ANA" -H 'content-type: application/json' \
    -d "{\"title\":\"$1\",\"body\":\"$BODY\"}" | python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["id"], t["url"])'
}
replies() {
  local id=$1 n=$2
  for k in $(seq "$n"); do
    local who=$ANA; [ $((k % 2)) -eq 0 ] && who=$JANE
    curl -fsS "$BASE/api/v1/threads/$id/replies" -H "authorization: Bearer $who" -H 'content-type: application/json' \
      -d "{\"body\":\"Reply $k: have you tried turning it **off and on** again?\"}" >/dev/null
  done
}
read -r T1 U1 < <(thread "A typical question")
replies "$T1" 20
read -r T2 U2 < <(thread "A very long conversation")
replies "$T2" 300
for n in $(seq 40); do thread "Another question $n" >/dev/null; done

for url in "/s/support" "$U1" "$U2"; do
  echo "== $url ($(curl -fsS "$BASE$url" | wc -c) bytes)"
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$BASE$url" | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors"
done
