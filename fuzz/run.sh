#!/usr/bin/env bash
# Runs one harness for a total time, restarting after each crash/hang so the whole budget is used.
#   fuzz/run.sh mail|review [SECONDS=1800]
# Seeds: every file of ../shared/corpus and ../shared/threads, fuzz/seeds (inputs the shared corpus
# lacks: a lore thread page, MHonArc and Hypermail message pages) and fuzz/regressions/<target>.
# MAX_LEN (default 32768) caps input size; larger seeds are truncated by libFuzzer.
# Output: fuzz-out/<target>.log (libFuzzer output of every round), fuzz-out/corpus-<target>/
# (growing corpus), fuzz-out/artifacts-<target>/ (crash-*, timeout-*, oom-* inputs), and a
# summary line "TOTAL executions=N rounds=R artifacts=A" at the end of the log.
set -uo pipefail
cd "$(dirname "$0")/.."
T=${1:?mail or review}
SECS=${2:-1800}
OUT=${FUZZ_OUT:-fuzz-out}
SHARED=${PATCHLAB_SHARED:-../shared}
BIN=$OUT/bin/fuzz-$T
CORPUS=$OUT/corpus-$T
ART=$OUT/artifacts-$T
LOG=$OUT/$T.log
mkdir -p "$CORPUS" "$ART"
if [ -z "$(ls -A "$CORPUS")" ]; then
    i=0
    while IFS= read -r -d '' f; do
        cp "$f" "$CORPUS/seed-$i"; i=$((i+1))
    done < <(find "$SHARED/corpus" "$SHARED/threads" -type f -print0)
    cp fuzz/seeds/* "$CORPUS"/ 2>/dev/null || true
    cp fuzz/regressions/"$T"/* "$CORPUS"/ 2>/dev/null || true
fi
: > "$LOG"
start=$(date +%s)
total=0; rounds=0
while :; do
    left=$(( SECS - ($(date +%s) - start) ))
    [ "$left" -le 5 ] && break
    rounds=$((rounds+1))
    echo "=== round $rounds, $left s left" >> "$LOG"
    before=$(wc -l < "$LOG")
    "$BIN" "$CORPUS" -dict=fuzz/"$T".dict -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 \
        -max_len="${MAX_LEN:-32768}" -print_final_stats=1 -artifact_prefix="$ART/" >> "$LOG" 2>&1
    round=$(tail -n +"$((before + 1))" "$LOG")
    # A finished round prints final stats; a crashed one only its last status line (#N ...).
    n=$(printf '%s\n' "$round" | grep -o 'stat::number_of_executed_units: [0-9]*' | awk '{print $2}' | tail -n 1)
    if [ -z "$n" ]; then
        n=$(printf '%s\n' "$round" | grep -o '^#[0-9]*' | tr -d '#' | tail -n 1)
    fi
    total=$((total + ${n:-0}))
done
echo "TOTAL executions=$total rounds=$rounds artifacts=$(ls "$ART" | wc -l) seconds=$(( $(date +%s) - start ))" >> "$LOG"
tail -1 "$LOG"
