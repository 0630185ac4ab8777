#!/usr/bin/env bash
# Benchmark: `drconsole dp sync` against `rsync -a --delete` bringing the same mirror up to the
# same master: FILES payload files (default 100,000) in 1,000 folders, 1 % of them changed on
# the master (half rewritten, a quarter new, a quarter removed). ROUNDS (default 3) pairs of
# runs, each from the same starting mirror and a warm page cache; per pair wall time, CPU time
# and their ratios, then the medians and peak RSS. drconsole's run is the whole journaled
# transaction (every change fsynced, the originals stashed, undoable); rsync's is not durable.
# Not part of `cargo test`. Usage: [ROUNDS=N] bench/dp.sh [FILES] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

FILES="${1:-100000}"
WORK="${2:-$(mktemp -d /tmp/drconsole-dpbench.XXXXXX)}"
for tool in rsync python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || {
    echo "$tool is needed: apt-get install rsync python3 time" >&2
    exit 1
  }
done

cargo build --release --quiet
BIN="$PWD/target/release/drconsole"
NOW="2026-11-22T08:00:00Z"
ROOT="$WORK/root"
MASTER="$ROOT/srv/dp/master"
MIRROR="$ROOT/srv/dp/mirror-london"

if [ ! -e "$ROOT/drconsole-demo.json" ]; then
  echo "generating a healthy demo with a ${FILES}-file master and mirror in $WORK ..." >&2
  "$BIN" demo init "$ROOT" --scenario healthy --seed 7 >/dev/null
  rm -rf "$MASTER" "$MIRROR" "$ROOT/srv/dp/mirror-sydney"
  python3 - "$MASTER" "$FILES" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
per = max(1, n // 1000)
for i in range(n):
    d = os.path.join(root, f"pkg{i // per:04d}")
    if i % per == 0:
        os.makedirs(d, exist_ok=True)
    p = os.path.join(d, f"file{i:06d}.bin")
    with open(p, "wb") as f:
        f.write(rng.randbytes(rng.randint(200, 3000)))
    os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
PY
  cp -a "$MASTER" "$MIRROR"
  # 1 % changed on the master since the mirror was last filled.
  python3 - "$MASTER" "$FILES" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(8)
files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(root) for f in fs)
picked = rng.sample(files, max(4, n // 100))
q = len(picked) // 4
for p in picked[: 2 * q]:                      # rewritten
    with open(p, "wb") as f:
        f.write(rng.randbytes(rng.randint(200, 3000)))
for p in picked[2 * q : 3 * q]:                # removed
    os.remove(p)
for i, p in enumerate(picked[3 * q :]):        # new, beside the others
    with open(p + f".new{i}", "wb") as f:
        f.write(rng.randbytes(rng.randint(200, 3000)))
PY
  cp -a "$MIRROR" "$WORK/mirror-start"
fi

# The starting mirror back (content, times, modes) by rsync: only the 1 % the last run changed
# is rewritten, where a fresh copy of 100,000 files took minutes on a busy disk. Then `sync`,
# so neither timed run waits for the other's (or the reset's) writeback.
reset_mirror() {
  rm -rf "$WORK/state" "$ROOT/.drconsole-stash"
  rsync -a --delete "$WORK/mirror-start/" "$MIRROR/"
  sync
}
warm() { find "$MASTER" "$MIRROR" -type f -print0 | xargs -0 cat >/dev/null; }
# Wall seconds, CPU seconds (user, system) and peak RSS in KiB of one run; time writes them to a
# file of its own, so the command's output stays away.
measure() { /usr/bin/time -f "%e %U %S %M" -o "$WORK/measured" "$@" >/dev/null 2>&1; tail -1 "$WORK/measured"; }

DP_SYNC=("$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW" dp sync "Mirror London" --yes)
RSYNC=(rsync -a --delete "$MASTER/" "$MIRROR/")

# ROUNDS pairs, rsync then dp sync back to back from the same start: on a shared machine the
# pair's ratio is the reading, and CPU time (user + system) the fair one under load.
ROUNDS="${ROUNDS:-3}"
RESULTS=()
for _ in $(seq "$ROUNDS"); do
  reset_mirror; warm; R=$(measure "${RSYNC[@]}")
  reset_mirror; warm; D=$(measure "${DP_SYNC[@]}")
  # dp sync leaves the mirror equal to the master (paths, bytes; folder times are not copied).
  rsync -rlc --delete --dry-run --itemize-changes "$MASTER/" "$MIRROR/" | grep -q . \
    && { echo "dp sync did not leave the mirror equal to the master" >&2; exit 1; }
  RESULTS+=("$R|$D|$(cut -d' ' -f1 /proc/loadavg)")
done

python3 - "$FILES" "${RESULTS[@]}" <<'PY'
import os, statistics, sys
n, runs = int(sys.argv[1]), sys.argv[2:]
print(f"master and mirror: {n:,} files, 1 % changed; machine: {os.cpu_count()} cores")
print("round  rsync wall  cpu     dp sync wall  cpu     dp/rsync wall  cpu    load")
walls, cpus = [], []
for i, r in enumerate(runs, 1):
    a, b, load = r.split("|")
    (rw, ru, rs, rm), (dw, du, ds, dm) = (list(map(float, x.split())) for x in (a, b))
    rc, dc = ru + rs, du + ds
    walls.append(dw / rw); cpus.append(dc / rc)
    print(f"{i:5}  {rw:8.2f} s {rc:5.2f} s  {dw:10.2f} s {dc:5.2f} s  {dw/rw:11.2f}x {dc/rc:5.2f}x  {load}")
print(f"median dp/rsync: wall {statistics.median(walls):.2f}x, CPU {statistics.median(cpus):.2f}x"
      f"; peak RSS rsync {rm/1024:.1f} MiB, dp sync {dm/1024:.1f} MiB")
PY
