#!/usr/bin/env bash
# Benchmark: drconsole's time to the recommended set, its full check and its warm (cached)
# re-run, against the sqlite3 command-line tool checking the same files one after another.
# Not part of `cargo test`. Usage: bench/check.sh [SIZE_MB_PER_DATABASE] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB="${1:-1000}"
WORK="${2:-$(mktemp -d /tmp/drconsole-bench.XXXXXX)}"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }

cargo build --release --quiet
BIN="$PWD/target/release/drconsole"

if [ ! -e "$WORK/root/drconsole-demo.json" ]; then
  echo "generating corrupt-db with ~${SIZE_MB} MB databases in $WORK ..." >&2
  "$BIN" demo init "$WORK/root" --scenario corrupt-db --seed 7 --db-size-mb "$SIZE_MB" >/dev/null
fi
ROOT="$WORK/root"
NOW=$(python3 -c "import json,sys;print(json.load(open('$ROOT/drconsole-demo.json'))['now'])")
mapfile -t FILES < <(find "$ROOT" -type f \( -name '*.db' -o -name '*.dbbackup' \) | sort)
TOTAL=$(du -cb "${FILES[@]}" | tail -1 | cut -f1)

warm() { cat "${FILES[@]}" > /dev/null; }   # same page-cache state for every contender
secs() { python3 -c "import sys;print(f'{float(sys.argv[1]):.2f}')" "$1"; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); python3 -c "print($e-$s)"; }

run_dr() { "$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW" "$@"; }
sqlite_all() { for f in "${FILES[@]}"; do sqlite3 "$f" "PRAGMA integrity_check;" >/dev/null 2>&1 || true; done; }

warm; T_SQLITE=$(timeit sqlite_all)
warm; rm -rf "$WORK/state"; T_REC=$(timeit run_dr check --json)
warm; rm -rf "$WORK/state"; T_FULL=$(timeit run_dr check --full --json)
T_WARM=$(timeit run_dr check --json)
PEAK=$( { /usr/bin/time -f "%M" "$BIN" --root "$ROOT" --state "$WORK/state-peak" --now "$NOW" check --full --no-cache --json >/dev/null || true; } 2>&1 | tail -1)

python3 - "$TOTAL" "${#FILES[@]}" "$T_SQLITE" "$T_REC" "$T_FULL" "$T_WARM" "$PEAK" <<'PY'
import sys
total, n, sq, rec, full, warm, peak = sys.argv[1:]
total, n = int(total), int(n)
sq, rec, full, warm, peak = float(sq), float(rec), float(full), float(warm), int(peak)
print(f"files: {n} databases, {total/2**30:.2f} GiB; machine: {__import__('os').cpu_count()} cores")
print(f"sqlite3 integrity_check, one file after another : {sq:8.2f} s   (1.00x)")
print(f"drconsole check (time to recommended set)       : {rec:8.2f} s   ({sq/rec:.2f}x faster)")
print(f"drconsole check --full (every file fully)        : {full:8.2f} s   ({sq/full:.2f}x faster)")
print(f"drconsole check, warm re-run (cache)             : {warm:8.2f} s   ({sq/warm:.0f}x faster)")
print(f"drconsole check --full peak RSS                  : {peak/1024:8.1f} MiB (mapped pages are file-backed)")
PY
