#!/usr/bin/env bash
# What happens to a write whose client gave up (docs/operations.md, "Deadlines and a busy
# database"): the release server on the machine's PostgreSQL with the default 5 s deadline, a
# transaction from psql holding the event counter's lock, and curl giving up after 0.5 s.
# Run from the repository root after `cargo build --release`: `bash benches/gave-up.sh`.
set -euo pipefail
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/wijkregie}
PG='postgres://postgres@127.0.0.1:5432'
DB=wijkregie_gaveup
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
URL="$PG/$DB?sslmode=disable"
export DATABASE_URL="$URL" WIJKREGIE_JWT_SECRET=gave-up-secret-0123456789abcdef0123 RUST_LOG=warn
"$BIN" migrate
WIJKREGIE_BIND=127.0.0.1:18431 "$BIN" serve & SERVER=$!
trap 'kill $SERVER' EXIT
sleep 1
TOKEN=$("$BIN" token --role programmabureau)
post() { # name, max-time, [idempotency key]
  curl -s -o /dev/null -w '%{http_code} after %{time_total} s\n' --max-time "$2" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    ${3:+-H "Idempotency-Key: $3"} \
    -d "{\"name\":\"$1\",\"kind\":\"welfare\"}" http://127.0.0.1:18431/api/v1/partners || echo "client gave up (curl $?)"
}
hold() { # seconds: a transaction holding the event counter's lock
  (echo "BEGIN; UPDATE event_counter SET last_id = last_id WHERE id = 1;"; sleep "$1"; echo "ROLLBACK;") | psql -q "$URL" >/dev/null &
  sleep 0.2
}
count() { psql -tAq "$URL" -c "SELECT count(*) FROM partners WHERE name = '$1'"; }
echo "A: the lock is held 2 s, the client gives up after 0.5 s"
hold 2; post A 0.5; sleep 3; echo "   partners named A afterwards: $(count A)"
echo "B: the lock is held 8 s (past the 5 s deadline), the client gives up after 0.5 s"
hold 8; post B 0.5; sleep 8.5; echo "   partners named B afterwards: $(count B)"
echo "C: as A, with an Idempotency-Key, and the client sends again after 3 s"
hold 2; post C 0.5 key-c; sleep 3; echo -n "   the retry: "; post C 5 key-c; echo "   partners named C afterwards: $(count C)"
echo "D: the lock is held 8 s, the client waits: the answer"
hold 8; post D 30; sleep 7; echo "   partners named D afterwards: $(count D)"
