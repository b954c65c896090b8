#!/bin/bash
# Random (v4) vs time-ordered (v7) uuid keys: insert 1M rows in 10k-row statements into a table already holding
# PRELOAD rows, with a primary key and an entry_id index, as orders are. Time and WAL per arm.
# Run on a quiet server (WAL is counted server-wide): PRELOAD=5000000 bash bench/uuid-order.sh (psql to 127.0.0.1 as postgres).
# docs/adr/0011-time-ordered-row-ids.md has its figures.
set -e
PRELOAD=${PRELOAD:-5000000}
P="psql -h 127.0.0.1 -U postgres -X -q -v ON_ERROR_STOP=1"
$P -c "drop database if exists jp_uuid_exp" -c "create database jp_uuid_exp"
Q="$P -d jp_uuid_exp"
$Q <<'SQL'
create function uuid_v7() returns uuid language sql volatile as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6),
    52, 1), 53, 1), 'hex')::uuid
$$;
SQL
for arm in v4 v7; do
  gen=$([ $arm = v4 ] && echo "gen_random_uuid()" || echo "uuid_v7()")
  $Q -c "create table t_$arm (id uuid primary key, entry_id uuid not null, department text not null, pad text not null)" \
     -c "create index on t_$arm (entry_id)"
  # preload in entry groups of 10 rows (an entry's orders share entry_id)
  $Q -c "insert into t_$arm select $gen, e, 'dept' || (i % 40), repeat('x', 60) from (select i, $gen as e from generate_series(1, $PRELOAD / 10) i) s, generate_series(1, 10)"
  $Q -c "vacuum analyze t_$arm" -c "checkpoint"
  w0=$($Q -Atc "select pg_current_wal_lsn()")
  t0=$(date +%s.%N)
  for k in $(seq 1 ${ROUNDS:-100}); do
    $Q -c "insert into t_$arm select $gen, e, 'dept' || (i % 40), repeat('x', 60) from (select i, $gen as e from generate_series(1, 1000) i) s, generate_series(1, 10)"
  done
  t1=$(date +%s.%N)
  wal=$($Q -Atc "select pg_wal_lsn_diff(pg_current_wal_lsn(), '$w0')")
  idx=$($Q -Atc "select pg_size_pretty(pg_relation_size('t_${arm}_pkey')) || ' pk, ' || pg_size_pretty(pg_relation_size('t_${arm}_entry_id_idx')) || ' entry_id'")
  echo "$arm: $((${ROUNDS:-100} * 10000)) rows onto $PRELOAD in $(echo "$t1 - $t0" | bc) s, WAL $(echo "$wal / 1048576" | bc) MB, $idx"
  $Q -c "drop table t_$arm" -c "checkpoint"
done
$P -c "drop database jp_uuid_exp"
