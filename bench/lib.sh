# Shared helpers of the bench/*.sh scripts (sourced, not run). Each claim's script generates
# its data, then times drconsole and the reference tool on the same files in one run.
# Times: the median of hyperfine's runs when hyperfine is installed, else the best of
# /usr/bin/time runs; peak RSS: one /usr/bin/time run of the same command.

command -v /usr/bin/time >/dev/null || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

RUNS="${RUNS:-3}"

# Build the release binary once; BIN names it.
bench_build() {
  cargo build --release --quiet
  BIN="$PWD/target/release/drconsole"
}

# measure NAME PREPARE CMD...: time CMD (PREPARE runs before every timed run, untimed, e.g. to
# drop a state folder or warm the page cache); sets T_<NAME> (seconds) and M_<NAME> (peak KiB).
measure() {
  local name="$1" prepare="$2" out t m
  shift 2
  out=$(mktemp)
  if command -v hyperfine >/dev/null; then
    local cmd
    cmd=$(printf '%q ' "$@")
    hyperfine --style none --shell bash --runs "$RUNS" -i --prepare "$prepare" --export-json "$out" "$cmd" >/dev/null 2>&1
    t=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$out")
  else
    t=""
    for _ in $(seq "$RUNS"); do
      eval "$prepare"
      /usr/bin/time -f "%e" -o "$out" "$@" >/dev/null 2>&1 || true
      local s
      s=$(tail -1 "$out")
      if [ -z "$t" ] || python3 -c "import sys;sys.exit(0 if float(sys.argv[1])<float(sys.argv[2]) else 1)" "$s" "$t"; then t="$s"; fi
    done
  fi
  eval "$prepare"
  /usr/bin/time -f "%M" -o "$out" "$@" >/dev/null 2>&1 || true
  m=$(tail -1 "$out")
  rm -f "$out"
  printf -v "T_$name" '%s' "$t"
  printf -v "M_$name" '%s' "$m"
}

# row LABEL NAME [REFNAME]: one line of a result table: time, peak RSS, ratio to REFNAME.
row() {
  local t="T_$2" m="M_$2" r=""
  [ -n "${3:-}" ] && { local rt="T_$3"; r="${!rt}"; }
  python3 - "$1" "${!t}" "${!m}" "$r" <<'PY'
import sys
label, t, m, r = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ratio = ""
if r:
    r = float(r)
    ratio = f"{t / r:5.2f}x the reference time" if t >= r else f"{r / max(t, 1e-9):5.2f}x faster than the reference"
print(f"{label:<46} {t:8.3f} s  peak {m / 1024:8.1f} MiB  {ratio}")
PY
}

# machine: one line naming the machine and the date, for docs/benchmarks.md.
machine() {
  local cpu
  cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')
  echo "$(date -u +%Y-%m-%d) | $(nproc) cores ${cpu:+($cpu)} | $(free -g | awk '/Mem:/{print $2}') GiB RAM | $(uname -sr)"
}

# bench_payload_master DIR FILES: a distribution-point payload of FILES files, 0-4 KiB each, in
# packages of 100 files in folders two deep, with fixed times (the same bytes on every run).
bench_payload_master() {
  python3 - "$1" "$2" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
blob = rng.randbytes(1 << 16)
for i in range(n):
    d = os.path.join(root, f"pkg{i // 10000:03d}", f"part{(i // 100) % 100:02d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    size = rng.randrange(0, 4096)
    off = rng.randrange(0, len(blob) - size)
    p = os.path.join(d, f"file{i:07d}.bin")
    with open(p, "wb") as f:
        f.write(blob[off:off + size])
    os.utime(p, (1700000000 + i, 1700000000 + i))
PY
}

# bench_payload_install ROOT FILES: a healthy demo installation at ROOT (made afresh) whose
# distribution-point folders are replaced by a master of FILES files (bench_payload_master) at
# ROOT/srv/dp/master; the caller makes the mirrors it needs.
bench_payload_install() {
  local dp="$1/srv/dp"
  rm -rf "$1"
  "$BIN" demo init "$1" --scenario healthy --seed 7 >/dev/null
  rm -rf "$dp/master" "$dp/mirror-london" "$dp/mirror-sydney"
  bench_payload_master "$dp/master" "$2"
}
