#!/usr/bin/env bash
# Benchmark: `drconsole check` (size + time) and `check --full` (content) of a master
# distribution point and two mirrors of FILES files each, against `rsync -rn --delete` and
# `rsync -rcn --delete` from the master to each mirror, on the same trees, warm page cache.
# The installation's databases are checked (and cached) once first, untimed, so the timed runs
# measure the payload comparison. Not part of `cargo test`.
# Usage: bench/payload.sh [FILES] [WORK_DIR]   (FILES=1000000 for the memory claim;
# BASELINE=/path/to/an/older/drconsole times that build too)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v rsync >/dev/null || { echo "rsync is needed (apt-get install rsync)" >&2; exit 1; }

FILES="${1:-100000}"
WORK="${2:-$(mktemp -d /tmp/drconsole-payloadbench.XXXXXX)}"
bench_build

ROOT="$WORK/root"
DP="$ROOT/srv/dp"
if [ ! -e "$WORK/.generated-$FILES" ]; then
  echo "generating a healthy installation with $FILES-file payloads in $WORK ..." >&2
  bench_payload_install "$ROOT" "$FILES"
  cp -a "$DP/master" "$DP/mirror-london"
  cp -a "$DP/master" "$DP/mirror-sydney"
  # Sydney is a little stale: one file changed in place (same size and time), one missing.
  python3 - "$DP/mirror-sydney" <<'PY'
import os, sys
root = sys.argv[1]
p = os.path.join(root, "pkg000", "part00", "file0000001.bin")
st = os.stat(p)
with open(p, "r+b") as f:
    b = f.read()
    f.seek(0)
    f.write(bytes((x + 1) & 255 for x in b) or b"")
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
os.remove(os.path.join(root, "pkg000", "part00", "file0000002.bin"))
PY
  touch "$WORK/.generated-$FILES"
fi
NOW=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['now'])" "$ROOT/drconsole-demo.json")
DR=("$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW")
"${DR[@]}" check --full --json >/dev/null 2>&1 || true    # databases checked and cached once

warm() { find "$DP" -type f -exec cat {} + >/dev/null; }
export DP
rsync_all() { for m in mirror-london mirror-sydney; do rsync "$@" --delete "$DP/master/" "$DP/$m/"; done; }
export -f rsync_all warm
warm

measure RS "true" bash -c 'rsync_all -rn'
measure DR "true" "${DR[@]}" check --json
measure RSC "true" bash -c 'rsync_all -rcn'
measure DRF "true" "${DR[@]}" check --full --json
if [ -n "${BASELINE:-}" ]; then   # an older build, for before/after figures
  BL=("$BASELINE" --root "$ROOT" --state "$WORK/state-baseline" --now "$NOW")
  "${BL[@]}" check --full --json >/dev/null 2>&1 || true
  measure BL "true" "${BL[@]}" check --json
  measure BLF "true" "${BL[@]}" check --full --json
fi

echo "payload comparison: 3 trees of $FILES files ($(du -sm "$DP/master" | cut -f1) MiB each); $(machine)"
row "rsync -rn --delete, master -> 2 mirrors" RS
row "drconsole check" DR RS
row "rsync -rcn --delete, master -> 2 mirrors" RSC
row "drconsole check --full" DRF RSC
if [ -n "${BASELINE:-}" ]; then
  row "baseline build, check" BL RS
  row "baseline build, check --full" BLF RSC
fi
"${DR[@]}" check --full --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
dps = r.get("inventory", r).get("distribution_points", [])
for p in dps:
    print("  {}: missing {}, extra {}, changed {}".format(p.get("name"), p.get("missing"), p.get("extra"), p.get("changed")))
' || true
