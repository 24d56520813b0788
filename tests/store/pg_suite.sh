#!/usr/bin/env bash
# pg_suite.sh — the store and hunt tests again, against a real PostgreSQL server this script
# starts for itself and stops at the end.
#
#   pg_suite.sh TEST_STORE TEST_HUNT ICMPHOUND
#
# A private cluster: initdb into a temporary directory (as the `postgres` system user when run as
# root — initdb refuses root — otherwise as the current user), listening on a Unix socket in that
# directory only (listen_addresses='': no TCP port is opened), trust authentication on that
# socket, fsync off (a test cluster). Then:
#   1. test_store against it (IH_TEST_PG_HOST): migrations, idempotent rows, a batch whose
#      connection is killed with pg_terminate_backend from a second connection half-way through,
#      a server restart (pg_ctl restart, IH_TEST_PG_RESTART) in the middle of a batch, two
#      sensors writing at once, kill -9 of a writer, history queries;
#   2. test_hunt against it: the same hunts, the same answers as on SQLite;
#   3. the command line: two `icmphound analyze --store postgresql://...` runs of different
#      sensors at the same time, each twice, and the row counts checked with psql.
# Exit 77 (skipped) when the server binaries are not installed (Debian package postgresql,
# scripts/deps.sh installs it for `make check`), or when root and no postgres user exists and
# none can be created.
set -uo pipefail
if (($# != 3)); then
  echo "usage: $0 TEST_STORE TEST_HUNT ICMPHOUND" >&2
  exit 1
fi
test_store=$1 test_hunt=$2 bin=$3
[[ $bin == /* ]] || bin=$PWD/$bin
[[ $test_store == /* ]] || test_store=$PWD/$test_store
[[ $test_hunt == /* ]] || test_hunt=$PWD/$test_hunt

# IH_PG_BINDIR picks the server binaries (and, pointing nowhere, shows the skip)
pgbin=
if [[ -n ${IH_PG_BINDIR+set} ]]; then
  candidates=("$IH_PG_BINDIR")
else
  candidates=("$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin)
fi
for d in "${candidates[@]}"; do
  if [[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then pgbin=$d; break; fi
done
if [[ -z $pgbin ]]; then
  echo "pg_suite: no PostgreSQL server binaries (apt-get install postgresql): skipped"
  exit 77
fi

as=()
if ((EUID == 0)); then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres 2>/dev/null ||
      { echo "pg_suite: root, and no postgres user to run the server as: skipped"; exit 77; }
  fi
  as=(runuser -u postgres --)
fi

tmp=$(mktemp -d /tmp/ih-pg-XXXXXX)
[[ ${#as[@]} -gt 0 ]] && chown postgres "$tmp"
data=$tmp/data
opts="-c listen_addresses='' -c unix_socket_directories='$tmp' -c fsync=off -c max_connections=60"
pgctl() { "${as[@]}" "$pgbin/pg_ctl" -D "$data" -l "$tmp/server.log" "$@"; }
cleanup() {
  pgctl -m immediate stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

if ! "${as[@]}" "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1; then
  echo "pg_suite: initdb failed:" >&2
  cat "$tmp/initdb.log" >&2
  exit 1
fi
if ! pgctl -w -t 60 -o "$opts" start >/dev/null; then
  echo "pg_suite: the server did not start:" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi
echo "pg_suite: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on $tmp (Unix socket only)"

export IH_TEST_PG_HOST=$tmp
# run by test_store in the middle of a batch: a fast shutdown (every connection is cut) and a
# start, waiting until the server answers again
restart="$(printf '%q ' "${as[@]}" "$pgbin/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 -m fast -o "$opts" restart) >/dev/null"
export IH_TEST_PG_RESTART=$restart
export CMOCKA_MESSAGE_OUTPUT=${CMOCKA_MESSAGE_OUTPUT:-stdout}

fail=0
echo "== test_store against PostgreSQL"
"$test_store" || fail=1
echo "== test_hunt against PostgreSQL"
"$test_hunt" || fail=1
# the store read back (issue 7): beside test_store in the build directory, when built
for t in test_readback test_incident_doc; do
  if [[ -x $(dirname "$test_store")/$t ]]; then
    echo "== $t against PostgreSQL"
    "$(dirname "$test_store")/$t" || fail=1
  fi
done

echo "== two sensors through the command line at once"
psql() { "$pgbin/psql" -h "$tmp" -U postgres -X -q -t -A "$@"; }
psql -d postgres -c "CREATE DATABASE ih_cli" || fail=1
url="postgresql:///ih_cli?host=$tmp&user=postgres"
data_dir=$(cd "$(dirname "$0")/../data" && pwd)
for round in 1 2; do
  "$bin" analyze --no-config --seed 1 -f jsonl --store "$url" --sensor sensor-a \
    "$data_dir/corpus/sweep_lateral.pcap" >"$tmp/a.jsonl" 2>"$tmp/a.err" &
  a=$!
  "$bin" analyze --no-config --seed 1 -f jsonl --store "host=$tmp user=postgres dbname=ih_cli" --sensor sensor-b \
    "$data_dir/zeek/branch_sweep_lateral.conn.log" >"$tmp/b.jsonl" 2>"$tmp/b.err" &
  b=$!
  wait $a || { echo "pg_suite: sensor-a run $round failed: $(cat "$tmp/a.err")"; fail=1; }
  wait $b || { echo "pg_suite: sensor-b run $round failed: $(cat "$tmp/b.err")"; fail=1; }
done
check() { # SQL EXPECTED
  local got
  got=$(psql -d ih_cli -c "$1")
  if [[ $got != "$2" ]]; then
    echo "pg_suite: $1: expected $2, got $got"
    fail=1
  else
    echo "pg_suite: $1 = $got"
  fi
}
check "SELECT count(*) FROM findings WHERE sensor = 'sensor-a'" 2
check "SELECT count(*) FROM findings WHERE sensor = 'sensor-b'" 2
check "SELECT count(*) FROM incidents" 2
check "SELECT count(DISTINCT sensor) FROM icmp_hourly" 2
check "SELECT count(*) FROM inputs" 2
check "SELECT max(version) FROM schema_version" "$(psql -d ih_cli -c 'SELECT count(*) FROM schema_version')"
"$bin" hunt --store "$url" lateral >"$tmp/hunt.txt" || fail=1
grep -q "2 lateral movement findings after sweeps" "$tmp/hunt.txt" || { echo "pg_suite: hunt lateral:"; cat "$tmp/hunt.txt"; fail=1; }

if ((fail)); then
  echo "pg_suite: FAILED (server log follows)"
  tail -50 "$tmp/server.log"
  exit 1
fi
echo "pg_suite: all passed"
