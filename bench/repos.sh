#!/usr/bin/env bash
# Benchmark: ePO repository verification and sync. A generated master repository plus N
# distributed repositories (replica.logs with real SHA-1/SHA-256 hashes); drconsole's
# verification of all of them (`check --repo ...`) against `sha256sum -c` of the same files
# (one run, one core, like for like: drconsole hashes SHA-1 and SHA-256), and `dp sync` of N
# stale repositories against `rsync -a --delete` of the same changes. Not part of `cargo test`.
# Usage: bench/repos.sh [REPOS] [MIB_PER_REPO] [FILES_PER_REPO] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-8}"
MIB="${2:-64}"
FILES="${3:-400}"
WORK="${4:-$(mktemp -d /tmp/drconsole-repos.XXXXXX)}"
for t in rsync sha256sum python3; do
  command -v "$t" >/dev/null || { echo "$t is needed" >&2; exit 1; }
done

cargo build --release --quiet
BIN="$PWD/target/release/drconsole"
ROOT="$WORK/root"
MASTER="$ROOT/Program Files (x86)/McAfee/ePolicy Orchestrator/DB/Software"
NOW=2026-11-22T08:00:00Z

if [ ! -e "$WORK/stale" ]; then
  echo "generating a master of ${MIB} MiB in ${FILES} files and ${N} repositories in $WORK ..." >&2
  # The master, with every folder's replica.log, SiteStat.xml and a framed catalog.z.
  python3 - "$MASTER" "$MIB" "$FILES" <<'PY'
import hashlib, os, random, struct, sys
root, mib, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(7)
per = max(1, mib * 2**20 // files)
paths = []
for i in range(files):
    prod = f"PRODUCT{i % 12:02d}"
    paths.append(f"Current/{prod}/Install/0409/file{i:05d}.bin")
def write(rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
for rel in paths:
    write(rel, rnd.randbytes(per))
payload = rnd.randbytes(4096)
write("catalog.z", b"EPO\0" + struct.pack("<II", 2, len(payload)) + payload)
def listing(folder):
    items = []
    for name in sorted(os.listdir(folder)):
        if name in ("replica.log", "SiteStat.xml"):
            continue
        p = os.path.join(folder, name)
        if os.path.isdir(p):
            items.append((name, "Directory", 0, "", ""))
        else:
            data = open(p, "rb").read()
            items.append((name, "File", len(data), hashlib.sha1(data).hexdigest().upper(),
                          hashlib.sha256(data).hexdigest().upper()))
    out = [f"[General]\r\nNumItems={len(items)}\r\n"]
    for n, (name, t, size, h1, h2) in enumerate(items, 1):
        out.append(f"[ITEM_{n}]\r\nName={name}\r\nType={t}\r\nSize={size}\r\nHash={h1}\r\nHash256={h2}\r\n")
    with open(os.path.join(folder, "replica.log"), "w", newline="") as f:
        f.write("".join(out))
for folder, dirs, _ in sorted(os.walk(root, topdown=False)):
    listing(folder)
with open(os.path.join(root, "SiteStat.xml"), "w") as f:
    f.write('<SiteStatus Status="Enabled" CatalogVersion="20261122043000"></SiteStatus>')
PY
  # The stale template: yesterday's copy — one file in ten different, an older catalog.
  cp -al "$MASTER" "$WORK/stale"
  python3 - "$WORK/stale" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(11)
names = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".bin"))
for p in names[::10]:
    size = os.path.getsize(p)
    os.unlink(p)                      # break the hard link before writing
    with open(p, "wb") as f:
        f.write(rnd.randbytes(size))
for p in (os.path.join(root, "SiteStat.xml"),):
    os.unlink(p)
    with open(p, "w") as f:
        f.write('<SiteStatus Status="Enabled" CatalogVersion="20261121043000"></SiteStatus>')
PY
fi

REPOS=()
REPO_ARGS=()
for i in $(seq 1 "$N"); do REPOS+=("Repo$i"); REPO_ARGS+=(--repo "Repo$i=repos/Repo$i"); done
fresh_repos() {   # N repositories: master content (hard links; every writer here replaces by rename)
  rm -rf "$ROOT/repos" "$WORK/state"; mkdir -p "$ROOT/repos"
  for r in "${REPOS[@]}"; do cp -al "$1" "$ROOT/repos/$r"; done
}
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); python3 -c "print($e-$s)"; }
warm() { find "$MASTER" "$WORK/stale" -type f -exec cat {} + >/dev/null; }
dr() { "$BIN" --profile epo-windows --root "$ROOT" --state "$WORK/state" --now "$NOW" "${REPO_ARGS[@]}" "$@"; }

# Verification: every repository plus the master, as `check` does it.
fresh_repos "$MASTER"
(cd "$ROOT" && find "Program Files (x86)" repos -type f ! -name replica.log ! -name SiteStat.xml -print0 \
   | xargs -0 sha256sum) > "$WORK/sums"
BYTES=$(cd "$ROOT" && find "Program Files (x86)" repos -type f ! -name replica.log ! -name SiteStat.xml -printf '%s\n' | python3 -c "import sys;print(sum(int(l) for l in sys.stdin))")
warm; T_SHA=$(secs sh -c "cd '$ROOT' && sha256sum --quiet -c '$WORK/sums'")
warm; T_CHECK=$(secs dr check --json)
PEAK=$( { /usr/bin/time -f "%M" "$BIN" --profile epo-windows --root "$ROOT" --state "$WORK/state" --now "$NOW" "${REPO_ARGS[@]}" check --json >/dev/null || true; } 2>&1 | tail -1)
CODES=$( (dr check --json || true) | python3 -c "import json,sys;print(sorted({f['code'] for f in json.load(sys.stdin)['findings']}))")

# Sync: N stale repositories brought up to the master.
fresh_repos "$WORK/stale"; warm
T_SYNC=$(secs dr dp sync "${REPOS[@]}" --yes)
AFTER=$( (dr check --json || true) | python3 -c "import json,sys;print(sorted({f['code'] for f in json.load(sys.stdin)['findings']}))")
fresh_repos "$WORK/stale"; warm
rsync_all() { for r in "${REPOS[@]}"; do rsync -a --delete "$MASTER/" "$ROOT/repos/$r/"; done; }
T_RSYNC=$(secs rsync_all)
rm -rf "$ROOT/repos" "$WORK/state"

python3 - "$N" "$MIB" "$FILES" "$BYTES" "$T_SHA" "$T_CHECK" "$PEAK" "$T_SYNC" "$T_RSYNC" "$CODES" "$AFTER" <<'PY'
import os, sys
n, mib, files, total = (int(x) for x in sys.argv[1:5])
sha, check, peak, sync, rs = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9])
print(f"master + {n} repositories of {mib} MiB in {files} files each: {total/2**30:.2f} GiB hashed; {os.cpu_count()} cores")
print(f"sha256sum -c of every file (one core)        : {sha:8.2f} s  (1.00x)")
print(f"drconsole check (SHA-1 + SHA-256, parallel)  : {check:8.2f} s  ({sha/check:.2f}x)  findings {sys.argv[10]}")
print(f"drconsole check peak RSS                     : {peak/1024:8.1f} MiB")
print(f"rsync -a --delete, one repository after another: {rs:6.2f} s  (1.00x)")
print(f"drconsole dp sync of all {n} (one transaction) : {sync:6.2f} s  ({rs/sync:.2f}x)  findings after {sys.argv[11]}")
PY
