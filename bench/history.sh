#!/usr/bin/env bash
# Benchmark: a warm `drconsole check` of an installation with SETS backup sets (nothing changed
# since the cold run filled the cache), against the floor any such check has: `find -printf`
# of every file in the backup sets (one stat each, the least a "nothing changed" proof needs).
# The sets are hard links of the demo's oldest set, so 10,000 of them take little disk.
# Not part of `cargo test`. Usage: bench/history.sh [SETS] [WORK_DIR]
# (BASELINE=/path/to/an/older/drconsole times that build too)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

SETS="${1:-10000}"
WORK="${2:-$(mktemp -d /tmp/drconsole-historybench.XXXXXX)}"
bench_build

ROOT="$WORK/root"
if [ ! -e "$WORK/.generated-$SETS" ]; then
  rm -rf "$ROOT" "$WORK/state"
  echo "generating a healthy installation with $SETS backup sets in $WORK ..." >&2
  "$BIN" demo init "$ROOT" --scenario healthy --seed 7 >/dev/null
  BACKUPS=$(find "$ROOT" -type d -name 'Database Backups' | head -1)
  python3 - "$BACKUPS" "$SETS" <<'PY'
import datetime, os, sys
root, want = sys.argv[1], int(sys.argv[2])
sets = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
oldest = sets[0]
t = datetime.datetime.strptime(oldest, "%Y-%m-%d %H-%M-%S")
src = os.path.join(root, oldest)
files = []
for d, _, names in os.walk(src):
    files += [os.path.relpath(os.path.join(d, n), src) for n in names]
for i in range(want - len(sets)):
    t -= datetime.timedelta(hours=1)
    dst = os.path.join(root, t.strftime("%Y-%m-%d %H-%M-%S"))
    for f in files:
        os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
        os.link(os.path.join(src, f), os.path.join(dst, f))
PY
  touch "$WORK/.generated-$SETS"
fi
BACKUPS=$(find "$ROOT" -type d -name 'Database Backups' | head -1)
NOW=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['now'])" "$ROOT/drconsole-demo.json")
DR=("$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW")
if [ ! -e "$WORK/state/cache" ]; then
  echo "cold run (fills the cache, untimed) ..." >&2
  /usr/bin/time -f "cold check: %e s, peak %M KiB" "${DR[@]}" check >/dev/null || true
fi
export BACKUPS

measure FIND "true" bash -c 'find "$BACKUPS" -printf "%s %T@ %i %p\n" >/dev/null'
measure DR "true" "${DR[@]}" check
measure DRJ "true" "${DR[@]}" check --json
if [ -n "${BASELINE:-}" ]; then   # an older build, for before/after figures
  BL=("$BASELINE" --root "$ROOT" --state "$WORK/state-baseline" --now "$NOW")
  [ -e "$WORK/state-baseline/cache" ] || "${BL[@]}" check >/dev/null 2>&1 || true
  measure BL "true" "${BL[@]}" check
fi

echo "warm check of $(find "$BACKUPS" -mindepth 1 -maxdepth 1 -type d | wc -l) backup sets, $(find "$BACKUPS" -type f | wc -l) files; $(machine)"
row "find -printf of every set file (stat floor)" FIND
row "drconsole check, warm cache" DR FIND
row "drconsole check --json, warm cache" DRJ FIND
[ -n "${BASELINE:-}" ] && row "baseline build, check, warm cache" BL FIND
exit 0
