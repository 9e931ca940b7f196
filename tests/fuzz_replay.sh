#!/bin/sh
# Replays every fuzz finding (tests/fuzz/regressions/HARNESS/*) through its
# harness, built without clang (fuzz/replay.c): each once crashed, hung or
# leaked, and must now run clean (under the sanitizer build, clean of
# ASan and UBSan reports too).
set -u
bin=${top_builddir:-.}
src=${top_srcdir:-.}
fail=0
n=0
for h in asm link image memfile cli; do
    for f in "$src"/tests/fuzz/regressions/$h/*; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        if ! timeout 60 "$bin/fuzz/replay_$h" "$f" >/dev/null 2>"$bin/fuzz-replay.err"; then
            echo "FAIL: $h $(basename "$f")" >&2
            head -20 "$bin/fuzz-replay.err" >&2
            fail=$((fail + 1))
        fi
    done
done
# The harnesses themselves work on real inputs (an option byte, then source).
for f in "$src"/samples/vector.vasm "$src"/tests/golden/p500.vasm; do
    n=$((n + 1))
    { printf '\001'; cat "$f"; } >"$bin/fuzz-replay.in"
    "$bin/fuzz/replay_asm" "$bin/fuzz-replay.in" || { echo "FAIL: asm on $f" >&2; fail=$((fail + 1)); }
done
# The tools' command lines: a link with a map and a listing, then vrun's.
n=$((n + 1))
printf '\000a.vasm\nb.vasm\n-o\nx.bin\n--map\nx.map\n-l\nx.lst' >"$bin/fuzz-replay.in"
"$bin/fuzz/replay_cli" "$bin/fuzz-replay.in" 2>"$bin/fuzz-replay.err" && ! [ -s "$bin/fuzz-replay.err" ] ||
    { echo "FAIL: cli on vasm" >&2; cat "$bin/fuzz-replay.err" >&2; fail=$((fail + 1)); }
n=$((n + 1))
printf '\003--json\n--max-cycles\n100\np.bin' >"$bin/fuzz-replay.in"
"$bin/fuzz/replay_cli" "$bin/fuzz-replay.in" 2>"$bin/fuzz-replay.err" && ! [ -s "$bin/fuzz-replay.err" ] ||
    { echo "FAIL: cli on vrun" >&2; cat "$bin/fuzz-replay.err" >&2; fail=$((fail + 1)); }
n=$((n + 1))
"$bin/fuzz/replay_memfile" "$src"/tests/golden/p500.mem || { echo "FAIL: memfile" >&2; fail=$((fail + 1)); }
rm -f "$bin/fuzz-replay.err" "$bin/fuzz-replay.in"
echo "replayed $n fuzz regressions, $fail failed"
[ "$fail" -eq 0 ]
