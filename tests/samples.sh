#!/bin/sh
# The sample kernels (samples/), assembled by vasm and run by vrun:
# - baseline.vasm takes exactly the baseline's cycle count, computed here
#   from WORKLOAD.md's arithmetic, gives the right values and passes a
#   checking run (its debug compares and pauses);
# - vector.vasm, kernel.vasm and kernel-steps.vasm are right on 8 fresh
#   instances and faster than the best known result of the original
#   take-home (18,532 cycles); kernel.vasm also on 16 instances from a
#   seed drawn at each run, under the ceiling docs/kernel.md states;
# - split/ builds the same image in one step (vasm a.vasm b.vasm) and in
#   separate steps (vasm -c twice, then vld), is right, and takes as many
#   cycles as vector.vasm, the single-file kernel it was split from (with
#   the same scratch order, it is even the same code);
# - linear.vasm (linear assembly) is right on 16 fresh instances at -O1 and
#   -O2, passes a checking run, and its optimized bundles are within 3% of
#   the lower bound vasm's --sched-report states for them (the issue's
#   figure); -O0 (one slot per bundle) is right too, and slower;
# - vasm -S of every sample assembles back into the same (stripped) image;
# - every sample survives a round trip through the canonical text form:
#   assembled with --strip (no symbols, no line map: only what the text
#   form can say), disassembled by vdis and assembled again, it gives a
#   byte-identical image.
set -u
samples=${top_srcdir:-.}/samples
bin=${top_builddir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# The cycle count a plain or trial run prints ("CYCLES: N", or the trials'
# "cycles MIN .. MAX": MAX), from vrun's output in file $1.
cycles_of() {
    sed -n -e 's/^CYCLES: \([0-9]*\)$/\1/p' \
        -e 's/^trials: .*; cycles [0-9]* \.\. \([0-9]*\),.*/\1/p' "$1"
}

# The code of image $1 in the canonical text form, without names, into $2.
listing() { "$bin/vdis" --no-names "$1" -o "$2" 2>>"$tmp/err"; }

# assemble NAME SOURCE...: vasm into $tmp/NAME.bin; says FAIL on error.
assemble() {
    name=$1
    shift
    if "$bin/vasm" "$@" -o "$tmp/$name.bin" 2>"$tmp/$name.err"; then
        return 0
    fi
    bad "$name: vasm failed: $(head -3 "$tmp/$name.err")"
    return 1
}

# ---------------------------------------------------------------- baseline
# WORKLOAD.md "The baseline program": header and constants 0, 1, 2 (17), a
# pause (1), 259 constants, 36 bundles for each of 16 x 256 steps, a pause.
baseline=$((17 + 1 + 259 + 16 * 256 * 36 + 1))
if assemble baseline "$samples/baseline.vasm"; then
    "$bin/vrun" "$tmp/baseline.bin" >"$tmp/out" 2>&1
    status=$?
    got=$(cycles_of "$tmp/out")
    if [ "$status" -eq 0 ] && [ "$got" = "$baseline" ]; then
        ok "baseline: right values in $got cycles"
    else
        bad "baseline: exit $status, $got cycles, want $baseline: $(head -3 "$tmp/out")"
    fi
    if "$bin/vrun" --check "$tmp/baseline.bin" >"$tmp/out" 2>&1; then
        ok "baseline: checking run"
    else
        bad "baseline: checking run: $(head -3 "$tmp/out")"
    fi
fi

# A smaller shape through -D: the same program for another instance, with its
# own count (constants: the 12 of the hash, and 3 .. B-1 but for the K values
# 3, 5: 12 + 3 for B = 8).
if assemble baseline-small -D ROUNDS=3 -D BATCH=8 "$samples/baseline.vasm"; then
    "$bin/vrun" --check --height 2 --rounds 3 --batch 8 --seed 7 "$tmp/baseline-small.bin" \
        >"$tmp/out" 2>&1
    status=$?
    got=$(cycles_of "$tmp/out")
    want=$((17 + 1 + 12 + 3 + 3 * 8 * 36 + 1))
    if [ "$status" -eq 0 ] && [ "$got" = "$want" ]; then
        ok "baseline -D ROUNDS=3 -D BATCH=8: checking run in $got cycles"
    else
        bad "baseline -D ROUNDS=3 -D BATCH=8: exit $status, $got cycles, want $want: $(head -3 "$tmp/out")"
    fi
fi

# ---------------------------------------------------------------- vector kernels
best=18532
for name in vector kernel kernel-steps; do
    assemble "$name" "$samples/$name.vasm" || continue
    "$bin/vrun" --trials 8 --seed 2024 "$tmp/$name.bin" >"$tmp/out" 2>&1
    status=$?
    got=$(cycles_of "$tmp/out")
    if [ "$status" -eq 0 ] && [ -n "$got" ] && [ "$got" -lt "$best" ]; then
        ok "$name: 8 trials right, at most $got cycles"
    else
        bad "$name: exit $status, $got cycles (want < $best): $(tail -3 "$tmp/out")"
    fi
    if "$bin/vrun" --check "$tmp/$name.bin" >"$tmp/out" 2>&1; then
        ok "$name: checking run"
    else
        bad "$name: checking run: $(head -3 "$tmp/out")"
    fi
done

# The showcase kernel on 16 fresh instances (a seed drawn now, printed on
# failure), under the ceiling docs/kernel.md states: a regression of the
# kernel or of the optimizer that packs it shows here.
kernel_ceiling=1050
if [ -f "$tmp/kernel.bin" ]; then
    "$bin/vrun" --trials 16 "$tmp/kernel.bin" >"$tmp/out" 2>&1
    status=$?
    got=$(cycles_of "$tmp/out")
    if [ "$status" -eq 0 ] && [ -n "$got" ] && [ "$got" -le "$kernel_ceiling" ]; then
        ok "kernel: 16 fresh instances right, at most $got cycles (ceiling $kernel_ceiling)"
    else
        bad "kernel: exit $status, $got cycles (ceiling $kernel_ceiling): $(head -1 "$tmp/out"; tail -2 "$tmp/out")"
    fi
fi

# ---------------------------------------------------------------- linear assembly
for level in 1 2; do
    assemble "linear-O$level" -O$level --sched-report="$tmp/report$level" "$samples/linear.vasm" || continue
    "$bin/vrun" --trials 16 --seed 7 "$tmp/linear-O$level.bin" >"$tmp/out" 2>&1
    status=$?
    got=$(cycles_of "$tmp/out")
    if [ "$status" -eq 0 ] && [ -n "$got" ] && [ "$got" -lt "$best" ]; then
        ok "linear -O$level: 16 trials right, at most $got cycles"
    else
        bad "linear -O$level: exit $status, $got cycles: $(tail -3 "$tmp/out")"
    fi
    # bundles <= 1.03 * bound, in integers: 100 * bundles <= 103 * bound
    bundles=$(sed -n 's/^;\*   bundles: *\([0-9]*\)$/\1/p' "$tmp/report$level")
    bound=$(sed -n 's/^;\*   bundles \/ bound: .*(bound \([0-9]*\))$/\1/p' "$tmp/report$level")
    if [ -n "$bundles" ] && [ -n "$bound" ] && [ $((100 * bundles)) -le $((103 * bound)) ]; then
        ok "linear -O$level: $bundles bundles, within 3% of the bound $bound"
    else
        bad "linear -O$level: $bundles bundles against the bound $bound"
    fi
done
if "$bin/vrun" --check "$tmp/linear-O1.bin" >"$tmp/out" 2>&1; then
    ok "linear: checking run"
else
    bad "linear: checking run: $(head -3 "$tmp/out")"
fi
if assemble linear-O0 -O0 "$samples/linear.vasm"; then
    "$bin/vrun" "$tmp/linear-O0.bin" >"$tmp/out" 2>&1
    status=$?
    slow=$(cycles_of "$tmp/out")
    "$bin/vrun" "$tmp/linear-O1.bin" >"$tmp/out" 2>&1
    fast=$(cycles_of "$tmp/out")
    if [ "$status" -eq 0 ] && [ -n "$slow" ] && [ -n "$fast" ] && [ "$fast" -lt "$slow" ]; then
        ok "linear -O0: right values in $slow cycles (-O1: $fast)"
    else
        bad "linear -O0: exit $status, $slow cycles (-O1: $fast)"
    fi
fi

# ---------------------------------------------------------------- vasm -S
for name in baseline vector kernel kernel-steps linear; do
    : >"$tmp/err"
    if "$bin/vasm" -S "$samples/$name.vasm" -o "$tmp/$name.sched.vasm" 2>>"$tmp/err" &&
       "$bin/vasm" --strip "$tmp/$name.sched.vasm" -o "$tmp/$name.S.bin" 2>>"$tmp/err" &&
       "$bin/vasm" --strip "$samples/$name.vasm" -o "$tmp/$name.direct.bin" 2>>"$tmp/err"; then
        if cmp -s "$tmp/$name.S.bin" "$tmp/$name.direct.bin"; then
            ok "$name: vasm -S output assembles to the same image"
        else
            bad "$name: vasm -S output assembles to a different image"
        fi
    else
        bad "$name: vasm -S failed: $(head -3 "$tmp/err")"
    fi
done

# ---------------------------------------------------------------- split
split=$samples/split
if assemble split "$split/main.vasm" "$split/hash.vasm" &&
   "$bin/vasm" -c "$split/main.vasm" -o "$tmp/main.vo" 2>"$tmp/err" &&
   "$bin/vasm" -c "$split/hash.vasm" -o "$tmp/hash.vo" 2>>"$tmp/err" &&
   "$bin/vld" "$tmp/main.vo" "$tmp/hash.vo" -o "$tmp/split2.bin" 2>>"$tmp/err"; then
    if cmp -s "$tmp/split.bin" "$tmp/split2.bin"; then
        ok "split: one-step and separate-step builds are byte-identical"
    else
        bad "split: one-step and separate-step builds differ"
    fi
    "$bin/vrun" "$tmp/split.bin" >"$tmp/out" 2>&1
    status=$?
    got=$(cycles_of "$tmp/out")
    "$bin/vrun" "$tmp/vector.bin" >"$tmp/out.vector" 2>&1
    want=$(cycles_of "$tmp/out.vector")
    if [ "$status" -eq 0 ] && [ -n "$got" ] && [ "$got" = "$want" ]; then
        ok "split: right values in $got cycles, as vector.vasm"
    else
        bad "split: exit $status, $got cycles, want $want (vector.vasm): $(head -3 "$tmp/out")"
    fi
else
    bad "split: separate-step build failed: $(head -3 "$tmp/err")"
fi
# Scratch is laid out in command-line order; with hash.vasm first it is laid
# out as in vector.vasm (hash constants first), and the code is the same.
if assemble split-hash-first "$split/hash.vasm" "$split/main.vasm" &&
   listing "$tmp/split-hash-first.bin" "$tmp/split.dis" &&
   listing "$tmp/vector.bin" "$tmp/vector.dis"; then
    if cmp -s "$tmp/split.dis" "$tmp/vector.dis"; then
        ok "split: linked hash.vasm first, the code is vector.vasm's"
    else
        bad "split: linked hash.vasm first, the code differs from vector.vasm's"
    fi
fi

# ---------------------------------------------------------------- round trip
round_trip() {
    name=$1
    shift
    : >"$tmp/err"
    if "$bin/vasm" --strip "$@" -o "$tmp/$name.s.bin" 2>>"$tmp/err" &&
       "$bin/vdis" "$tmp/$name.s.bin" -o "$tmp/$name.s.vasm" 2>>"$tmp/err" &&
       "$bin/vasm" --strip "$tmp/$name.s.vasm" -o "$tmp/$name.s2.bin" 2>>"$tmp/err"; then
        if cmp -s "$tmp/$name.s.bin" "$tmp/$name.s2.bin"; then
            ok "$name: assemble -> vdis -> assemble gives a byte-identical image"
        else
            bad "$name: assemble -> vdis -> assemble gives a different image"
        fi
    else
        bad "$name: round trip failed: $(head -3 "$tmp/err")"
    fi
}
round_trip baseline "$samples/baseline.vasm"
round_trip vector "$samples/vector.vasm"
round_trip kernel "$samples/kernel.vasm"
round_trip kernel-steps "$samples/kernel-steps.vasm"
round_trip linear "$samples/linear.vasm"
round_trip split "$samples/split/main.vasm" "$samples/split/hash.vasm"

echo "samples: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
