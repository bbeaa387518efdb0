#!/usr/bin/env bash
# Instructions the release server executes for 200 GET /signals/{id} and 200 GET /projects/{id}
# (programme bureau, PostgreSQL on 127.0.0.1), counted by callgrind: the same binary and data
# give the same counts whatever else the machine does. benches/README.md has the findings.
#
# usage: bash benches/callgrind-get.sh BIN OUT_PREFIX
#   BIN: e.g. target/release/wijkregie (cargo build --release --features postgres-tls)
#   OUT_PREFIX: where the profiles go, e.g. /tmp/cg (then: callgrind_annotate --inclusive=yes /tmp/cg.<pid>.1)
# Generates a small programme into the database wijkregie_cg on first use.
set -euo pipefail
BIN=$1; OUT=$2
DB=wijkregie_cg
PGURL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
SECRET=callgrind-secret-0123456789abcdef0123456789abcdef
if ! psql -qtA -h 127.0.0.1 -U postgres -d "$DB" -c 'select count(*) from signals' >/dev/null 2>&1; then
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "create database $DB"
  DATABASE_URL="$PGURL" RUST_LOG=warn "$BIN" generate --projects 1000 --signals 10000 --seed 1
fi
TOKEN=$(DATABASE_URL="$PGURL" WIJKREGIE_JWT_SECRET=$SECRET RUST_LOG=warn "$BIN" token --role programmabureau --ttl 8h)
mapfile -t SIGS < <(psql -qtA -h 127.0.0.1 -U postgres -d "$DB" -c 'select id from signals order by md5(id) limit 200')
mapfile -t PROJS < <(psql -qtA -h 127.0.0.1 -U postgres -d "$DB" -c 'select id from projects order by md5(id) limit 200')
PORT=18555
DATABASE_URL="$PGURL" WIJKREGIE_BIND=127.0.0.1:$PORT WIJKREGIE_JWT_SECRET=$SECRET RUST_LOG=warn \
  WIJKREGIE_OVERDUE_SWEEP_SECONDS=0 WIJKREGIE_WEBHOOK_WORKER=off \
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT.%p" "$BIN" serve >"$OUT.log" 2>&1 &
VPID=$!
for _ in $(seq 1 240); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/ready" 2>/dev/null && break; sleep 0.5; done
urls() { local kind=$1; shift; for id in "$@"; do printf 'url = "http://127.0.0.1:%s/api/v1/%s/%s"\noutput = /dev/null\n' "$PORT" "$kind" "$id"; done; }
run() { local kind=$1; shift; urls "$kind" "$@" > "$OUT.$kind.curl"; curl -sS -H "Authorization: Bearer $TOKEN" -K "$OUT.$kind.curl" -w '%{http_code}\n' | sort | uniq -c; }
run signals "${SIGS[@]}" >/dev/null   # warm-up: statement cache, pool
run projects "${PROJS[@]}" >/dev/null
for kind in signals projects; do
  if [ $kind = signals ]; then ids=("${SIGS[@]}"); else ids=("${PROJS[@]}"); fi
  callgrind_control -z "$VPID" >/dev/null
  callgrind_control -i on "$VPID" >/dev/null
  run $kind "${ids[@]}"
  callgrind_control -i off "$VPID" >/dev/null
  callgrind_control -d "$kind" "$VPID" >/dev/null
done
kill "$VPID"; wait "$VPID" || true
for profile in "$OUT".*.[0-9]; do
  printf '%s (%s): %s instructions for 200 requests\n' "$profile" \
    "$(grep -m1 '^desc: Trigger' "$profile" | sed 's/.*dump //')" "$(grep -m1 '^totals:' "$profile" | cut -d' ' -f2)"
done
