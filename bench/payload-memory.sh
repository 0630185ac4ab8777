#!/usr/bin/env bash
# Benchmark of the memory claim: peak RSS of `drconsole check --full` over a master
# distribution point of FILES files (default 1,000,000, 0-4 KiB each), a mirror equal to it
# (hard links of the master's files: the same bytes, read through its own paths, while the disk
# holds them once) and a stale mirror holding only the first package (10,000 files; the rest,
# 990,000 files, missing there). One run, after a `check` has cached the databases. Disk: about
# 4 GB and FILES + 20,000 inodes; WORK_DIR is kept for reruns (delete it when done).
# Usage: bench/payload-memory.sh [FILES] [WORK_DIR]   (BASELINE=/path/to/an/older/drconsole too)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

FILES="${1:-1000000}"
WORK="${2:-$(mktemp -d /tmp/drconsole-payloadmem.XXXXXX)}"
bench_build

ROOT="$WORK/root"
DP="$ROOT/srv/dp"
if [ ! -e "$WORK/.generated-$FILES" ]; then
  echo "generating a master of $FILES files and two mirrors in $WORK ..." >&2
  bench_payload_install "$ROOT" "$FILES"
  cp -al "$DP/master" "$DP/mirror-london"
  mkdir "$DP/mirror-sydney"
  cp -al "$DP/master/pkg000" "$DP/mirror-sydney/pkg000"
  touch "$WORK/.generated-$FILES"
fi
NOW=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['now'])" "$ROOT/drconsole-demo.json")

# run NAME BIN: one timed `check --full` (databases cached by an untimed `check` first).
run() {
  local state="$WORK/state-$1"
  "$2" --root "$ROOT" --state "$state" --now "$NOW" check --json >/dev/null 2>&1 || true
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time-$1" \
    "$2" --root "$ROOT" --state "$state" --now "$NOW" check --full --json >"$WORK/report-$1.json" 2>/dev/null || true
  read -r wall user sys peak < <(tail -1 "$WORK/time-$1")   # after any "exited with" line
  printf '%-36s wall %8.1f s  cpu %7.1f s  peak RSS %7.1f MiB  (load %s)\n' "$1" "$wall" \
    "$(python3 -c "print($user + $sys)")" "$(python3 -c "print($peak / 1024)")" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
echo "check --full over a $FILES-file master and two mirrors; $(machine)"
run "drconsole check --full" "$BIN"
[ -n "${BASELINE:-}" ] && run "baseline build, check --full" "$BASELINE"
python3 - "$WORK/report-drconsole check --full.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for p in r.get("inventory", r).get("distribution_points", []):
    print("  {}: files {}, missing {}, extra {}, changed {}".format(
        p.get("name"), p.get("files"), p.get("missing"), p.get("extra"), p.get("changed")))
PY
