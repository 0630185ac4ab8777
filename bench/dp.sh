#!/usr/bin/env bash
# Benchmark: `drconsole dp sync` against `rsync -a --delete` bringing the same mirror up to the
# same master: FILES payload files (default 100,000) in 1,000 folders, 1 % of them changed on
# the master (half rewritten, a quarter new, a quarter removed). One run each from the same
# starting copy and a warm page cache; wall time, ratio and peak RSS. drconsole's run is the
# whole journaled transaction (every change fsynced, the originals stashed, undoable); rsync's
# is not durable. Not part of `cargo test`. Usage: bench/dp.sh [FILES] [WORK_DIR]
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

reset_mirror() { rm -rf "$MIRROR" "$WORK/state"; cp -a "$WORK/mirror-start" "$MIRROR"; }
warm() { find "$MASTER" "$MIRROR" -type f -print0 | xargs -0 cat >/dev/null; }
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
# Peak RSS in KiB; time writes it to a file of its own, so the command's output stays away.
peak() { /usr/bin/time -f "%M" -o "$WORK/peak" "$@" >/dev/null 2>&1; tail -1 "$WORK/peak"; }

dp_sync() { "$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW" dp sync "Mirror London" --yes; }
rsync_sync() { rsync -a --delete "$MASTER/" "$MIRROR/"; }

reset_mirror; warm; T_RSYNC=$(timeit rsync_sync)
reset_mirror; sync; warm; T_DP=$(timeit dp_sync)
# dp sync leaves the mirror equal to the master (paths, bytes; folder times are not copied).
rsync -rlc --delete --dry-run --itemize-changes "$MASTER/" "$MIRROR/" | grep -q . \
  && { echo "dp sync did not leave the mirror equal to the master" >&2; exit 1; }
reset_mirror; warm; P_RSYNC=$(peak rsync -a --delete "$MASTER/" "$MIRROR/")
reset_mirror; warm; P_DP=$(peak "$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW" dp sync "Mirror London" --yes)

python3 - "$FILES" "$T_RSYNC" "$T_DP" "$P_RSYNC" "$P_DP" <<'PY'
import os, sys
n, tr, td, pr, pd = sys.argv[1:]
tr, td = float(tr), float(td)
print(f"master and mirror: {int(n):,} files, 1 % changed; machine: {os.cpu_count()} cores")
print(f"rsync -a --delete            : {tr:8.2f} s   (1.00x)   peak RSS {int(pr)/1024:7.1f} MiB")
print(f"drconsole dp sync (journaled): {td:8.2f} s   ({tr/td:.2f}x)   peak RSS {int(pd)/1024:7.1f} MiB")
PY
