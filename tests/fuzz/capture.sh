#!/usr/bin/env bash
# Records real PostgreSQL sessions (psql and pgbench against a throwaway PostgreSQL 15, through socat's recorder) and
# turns them into the fuzz seed corpus under tests/fuzz/corpus/ (make-seeds.py). Run it again when the capture set
# changes; the seeds are committed.
#   tests/fuzz/capture.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
command -v socat >/dev/null || { echo "socat is missing (apt-get install socat)" >&2; exit 2; }
work=$(mktemp -d /tmp/hoopgate-capture-XXXXXX)
chmod 755 "$work"
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
cleanup() { "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
chown postgres "$work" 2>/dev/null || true

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -w start >/dev/null
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres <<'SQL'
CREATE SCHEMA clinic;
CREATE TABLE clinic.patients (id int8 PRIMARY KEY, ssn text, email text, diagnosis text);
CREATE TABLE clinic.visits (id int8 PRIMARY KEY, patient_id int8, notes text);
INSERT INTO clinic.patients VALUES (1, '900-12-6789', 'ann@example.org', 'flu'), (2, '900-98-7654', 'bob@example.org', NULL),
  (3, '900-55-1234', 'cy@example.org', 'asthma, "chronic"');
INSERT INTO clinic.visits VALUES (1, 1, 'called 900-12-6789 back'), (2, 3, E'tab\there');
SQL

# One capture: what the client sent (c2s) and what the server answered (s2c), through socat's recorder. pgbench opens a
# connection of its own before its client's; make-seeds.py keeps the last connection of a capture.
capture() {
  local name=$1; shift
  local relay
  relay=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  socat -r "$work/$name.c2s" -R "$work/$name.s2c" "TCP-LISTEN:$relay,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.1:$port" &
  local socat_pid=$!
  sleep 0.3
  PGPORT=$relay PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres PGSSLMODE=disable "$@" >/dev/null 2>&1 || true
  sleep 0.3
  kill "$socat_pid" 2>/dev/null || true
  wait "$socat_pid" 2>/dev/null || true
}

capture psql-mixed psql -X -c "SELECT id, ssn, email, diagnosis FROM clinic.patients" -c "SELECT 1/0" \
  -c "BEGIN; UPDATE clinic.visits SET notes = 'x' WHERE id = 9; SELECT pg_notify('c', '900-12-6789'); ROLLBACK" \
  -c "SHOW server_version" -c "INSERT INTO clinic.patients VALUES (1, '900-12-6789', NULL, NULL)" -c "" \
  -c "DO \$\$ BEGIN RAISE NOTICE 'ssn %', '900-12-6789'; END \$\$"
capture psql-ssl-refused env PGSSLMODE=prefer PGAPPNAME=capture psql -X -c "SELECT current_user"
capture rewriters-0 psql -X -c "SELECT id, ssn, email, diagnosis FROM clinic.patients"
capture rewriters-1 psql -X -c "COPY clinic.patients TO STDOUT"
capture rewriters-2 psql -X -c "COPY (SELECT ssn, diagnosis FROM clinic.patients) TO STDOUT WITH (FORMAT csv)"
capture rewriters-3 psql -X -c "SELECT p.ssn, v.notes FROM clinic.patients p JOIN clinic.visits v ON v.patient_id = p.id"
printf '4\t9\tcopied\n5\t1\t900-12-6789\n' > "$work/visits.tsv"
capture psql-copy-in psql -X -c "\\copy clinic.visits FROM '$work/visits.tsv'"
cat > "$work/extended.sql" <<'SQL'
\set id random(1, 3)
SELECT id, ssn, email FROM clinic.patients WHERE id = :id;
SELECT count(*) FROM clinic.visits WHERE patient_id = :id;
SQL
capture pgbench-extended pgbench -n -M extended -f "$work/extended.sql" -t 3
capture pgbench-prepared pgbench -n -M prepared -f "$work/extended.sql" -t 3

python3 "$root/tests/fuzz/make-seeds.py" "$work" "$root/tests/fuzz/corpus"
