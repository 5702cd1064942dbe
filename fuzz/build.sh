#!/usr/bin/env bash
# Builds the libFuzzer harnesses for patchlab's parsers (ASan + libFuzzer, optimised).
#   fuzz/build.sh            -> fuzz-out/bin/fuzz-mail, fuzz-out/bin/fuzz-review
# MailCore and ReviewCore are compiled from Sources/ as their own modules (static libraries with
# coverage instrumentation), then each harness in fuzz/ is linked against them.
# FUZZ_REV=<git revision> builds the parsers as committed at that revision (default: the
# working tree), which keeps a long fuzzing run independent of edits in progress.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${FUZZ_OUT:-fuzz-out}
BIN=$OUT/bin
OBJ=$OUT/obj
mkdir -p "$BIN" "$OBJ"
SRC=Sources
if [ -n "${FUZZ_REV:-}" ]; then
    SRC=$OUT/src
    rm -rf "$SRC"; mkdir -p "$SRC"
    git archive "$FUZZ_REV" Sources/MailCore Sources/ReviewCore | tar -x -C "$SRC" --strip-components=1
    echo "parsers from $(git rev-parse --short "$FUZZ_REV")"
fi
FLAGS=(-O -g -sanitize=fuzzer,address -parse-as-library)

echo "building MailCore (fuzzer+address)"
swiftc "${FLAGS[@]}" -module-name MailCore -emit-module -emit-module-path "$OBJ/MailCore.swiftmodule" \
    -emit-library -static "$SRC"/MailCore/*.swift -o "$OBJ/libMailCore.a"

echo "building ReviewCore (fuzzer+address)"
swiftc "${FLAGS[@]}" -module-name ReviewCore -I "$OBJ" -emit-module -emit-module-path "$OBJ/ReviewCore.swiftmodule" \
    -emit-library -static "$SRC"/ReviewCore/*.swift -o "$OBJ/libReviewCore.a"

echo "linking fuzz-mail"
swiftc "${FLAGS[@]}" -I "$OBJ" -L "$OBJ" fuzz/MailHarness.swift -lMailCore -o "$BIN/fuzz-mail" 2>&1 \
    | grep -v "Cannot export local symbol '__asan" || true
echo "linking fuzz-review"
swiftc "${FLAGS[@]}" -I "$OBJ" -L "$OBJ" fuzz/ReviewHarness.swift -lReviewCore -lMailCore -o "$BIN/fuzz-review" 2>&1 \
    | grep -v "Cannot export local symbol '__asan" || true
test -x "$BIN/fuzz-mail" && test -x "$BIN/fuzz-review"
ls -l "$BIN"
