#!/usr/bin/env bash
# Benchmark: `drconsole diff database:ServerDatabase` against SQLite's `sqldiff --summary` on
# the same pair of databases (a backup set's copy and the live file, ~SIZE_MB each, differing
# in a few thousand rows). Reports wall time and peak RSS of each, as ratios.
# Not part of `cargo test`. Usage: bench/diff.sh [SIZE_MB] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB="${1:-1000}"
WORK="${2:-$(mktemp -d /tmp/drconsole-diffbench.XXXXXX)}"
for tool in sqlite3 sqldiff /usr/bin/time; do
  command -v "$tool" >/dev/null || {
    echo "$tool is needed: apt-get install sqlite3 sqlite3-tools time" >&2
    exit 1
  }
done

cargo build --release --quiet
BIN="$PWD/target/release/drconsole"

ROOT="$WORK/root"
SERVER="$ROOT/Library/Application Support/LANrev Server"
SET_ID="2026-11-21 02-00-00"
SET="$SERVER/Database Backups/$SET_ID"
SETDB="$SET/ServerDatabase.dbbackup"
LIVEDB="$SERVER/ServerDatabase.db"
NOW="2026-11-22T08:00:00Z"

if [ ! -e "$LIVEDB" ]; then
  mkdir -p "$SET"
  # Four tables of ~SIZE_MB/4 each; rows of ~230 bytes on disk. The set is the older copy.
  ROWS=$(( SIZE_MB * 1024 * 1024 / 4 / 230 ))
  echo "generating two ~${SIZE_MB} MB databases ($ROWS rows per table) in $WORK ..." >&2
  sqlite3 "$SETDB" <<SQL
PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
CREATE TABLE computers(id INTEGER PRIMARY KEY, name TEXT, serial TEXT, os TEXT, notes TEXT);
CREATE TABLE software(id INTEGER PRIMARY KEY, computer INTEGER, title TEXT, version TEXT, path TEXT);
CREATE TABLE events(id INTEGER PRIMARY KEY, computer INTEGER, at INTEGER, kind TEXT, detail TEXT);
CREATE TABLE files(id INTEGER PRIMARY KEY, computer INTEGER, path TEXT, size INTEGER, hash TEXT);
CREATE INDEX software_computer ON software(computer);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$ROWS)
  INSERT INTO computers SELECT i, 'mac-' || i, hex(randomblob(8)), 'macOS 14.' || (i % 7), hex(randomblob(100)) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$ROWS)
  INSERT INTO software SELECT i, i % 5000, 'App ' || (i % 997), '1.' || (i % 13), hex(randomblob(100)) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$ROWS)
  INSERT INTO events SELECT i, i % 5000, 1700000000 + i, 'login', hex(randomblob(100)) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$ROWS)
  INSERT INTO files SELECT i, i % 5000, '/Applications/' || hex(randomblob(20)), i * 7, hex(randomblob(32)) FROM n;
SQL
  cp "$SETDB" "$LIVEDB"
  # Live moved on since the backup: a few thousand rows in two of the four tables.
  sqlite3 "$LIVEDB" <<SQL
UPDATE software SET version = '2.0' WHERE id % ($ROWS / 2000) = 0;
DELETE FROM software WHERE id % ($ROWS / 500) = 1;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<1000)
  INSERT INTO events SELECT $ROWS + i, i, 1800000000 + i, 'logout', hex(randomblob(100)) FROM n;
SQL
  # The other five databases of the profile, small and equal, so the set is complete.
  for n in ServerCommandDatabase AgentRequestCache SoftwareLicenseControl MobileDevices EnumValues; do
    sqlite3 "$SERVER/$n.db" "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'x');"
    cp "$SERVER/$n.db" "$SET/$n.dbbackup"
  done
fi

DR=("$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW")
# Integrity checks are the scan's job (see bench/check.sh) and are cached: run them once,
# untimed, so the timed run measures the diff.
"${DR[@]}" check --json >/dev/null 2>&1 || true

warm() { cat "$SETDB" "$LIVEDB" >/dev/null; }   # same page-cache state for both contenders
measure() { # prints "wall_s cpu_user_s cpu_sys_s peak_kib"; exit status ignored (1 = differ)
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || true
  tail -1 "$WORK/time.txt"
}

# Best of three of each (the machine may be shared), same warm page cache for both.
best() {
  local best="" line
  for _ in 1 2 3; do
    warm
    line=$(measure "$@")
    if [ -z "$best" ] || python3 -c "import sys;sys.exit(0 if float('${line%% *}')<float('${best%% *}') else 1)"; then
      best="$line"
    fi
  done
  echo "$best"
}
read -r T_SQ U_SQ S_SQ M_SQ < <(best sqldiff --summary "$SETDB" "$LIVEDB")
read -r T_DR U_DR S_DR M_DR < <(best "${DR[@]}" diff database:ServerDatabase --set "$SET_ID" --json)

echo "--- sqldiff --summary:"
sqldiff --summary "$SETDB" "$LIVEDB"
echo "--- drconsole diff (text):"
"${DR[@]}" diff database:ServerDatabase --set "$SET_ID" | sed -n '1,20p' || true

python3 - "$(du -b "$SETDB" | cut -f1)" "$T_SQ" "$U_SQ" "$S_SQ" "$M_SQ" "$T_DR" "$U_DR" "$S_DR" "$M_DR" <<'PY'
import sys, os
size = int(sys.argv[1])
tsq, usq, ssq, msq, tdr, udr, sdr, mdr = map(float, sys.argv[2:])
csq, cdr = usq + ssq, udr + sdr
print(f"pair: 2 x {size/2**20:.0f} MiB; machine: {os.cpu_count()} cores; best of 3, warm page cache")
print(f"sqldiff --summary : wall {tsq:7.2f} s  cpu {csq:7.2f} s  peak RSS {msq/1024:7.1f} MiB  (1.00x)")
print(f"drconsole diff    : wall {tdr:7.2f} s  cpu {cdr:7.2f} s  peak RSS {mdr/1024:7.1f} MiB")
print(f"ratios            : {tsq/max(tdr,0.01):.1f}x faster (wall), {csq/max(cdr,0.01):.1f}x less cpu, "
      f"{mdr/max(msq,1):.1f}x the memory")
PY
