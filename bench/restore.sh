#!/usr/bin/env bash
# Benchmark: `drconsole restore database:ServerDatabase --yes` of one ~SIZE_MB database against
# `cp` of the same file followed by an fsync of the copy (`sync FILE`), on the same file system.
# The restore runs as an operator runs it: after a `check` (the cache holds the verdicts), with
# an empty journal each time. Not part of `cargo test`. Usage: bench/restore.sh [SIZE_MB] [WORK_DIR]
# (BASELINE=/path/to/an/older/drconsole times that build too, for before/after figures)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

SIZE_MB="${1:-300}"
WORK="${2:-$(mktemp -d /tmp/drconsole-restorebench.XXXXXX)}"
bench_build

ROOT="$WORK/root"
if [ ! -e "$ROOT/drconsole-demo.json" ]; then
  echo "generating a healthy installation with a ~${SIZE_MB} MB ServerDatabase in $WORK ..." >&2
  "$BIN" demo init "$ROOT" --scenario healthy --seed 7 --db-size-mb "$SIZE_MB" >/dev/null
fi
NOW=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['now'])" "$ROOT/drconsole-demo.json")
DR=("$BIN" --root "$ROOT" --state "$WORK/state" --now "$NOW")
SET_DB=$(find "$ROOT" -path '*Database Backups*' -name 'ServerDatabase.dbbackup' | sort | tail -1)
[ -n "$SET_DB" ] || { echo "no ServerDatabase.dbbackup under $ROOT" >&2; exit 1; }
LIVE_DIR=$(dirname "$(find "$ROOT" -name 'ServerDatabase.db' -not -path '*Backups*' | head -1)")

# The operator's check fills the cache once; every timed restore starts from it.
"${DR[@]}" check --json >/dev/null 2>&1 || true
fresh_journal() { rm -rf "$WORK/state/journal" "$ROOT/.drconsole-stash" "$WORK/copy"; cat "$SET_DB" >/dev/null; }
export -f fresh_journal
export WORK ROOT SET_DB

measure CP "fresh_journal" bash -c 'cp "$SET_DB" "$WORK/copy" && sync "$WORK/copy"'
measure DR "fresh_journal" "${DR[@]}" restore database:ServerDatabase --yes
if [ -n "${BASELINE:-}" ]; then   # an older build, for before/after figures
  measure BL "fresh_journal" "$BASELINE" --root "$ROOT" --state "$WORK/state" --now "$NOW" restore database:ServerDatabase --yes
fi
fresh_journal
"${DR[@]}" restore database:ServerDatabase --yes --json >"$WORK/restore.json" 2>/dev/null || {
  echo "the restore did not commit:" >&2; cat "$WORK/restore.json" >&2; exit 1; }
cmp -s "$SET_DB" "$LIVE_DIR/ServerDatabase.db" || { echo "restored bytes differ from the set's" >&2; exit 1; }

echo "restore of one database: $(du -m "$SET_DB" | cut -f1) MiB; $(machine)"
row "cp + sync FILE (reference)" CP
row "drconsole restore database:ServerDatabase" DR CP
[ -n "${BASELINE:-}" ] && row "baseline build, same restore" BL CP
exit 0
