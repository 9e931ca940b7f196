#!/bin/sh
# make fuzz: builds the harnesses (fuzz/build.sh), seeds their corpora from
# samples/ and tests/golden/ (sources, and the objects, images and memory
# files the tools make of them), and runs each for FUZZ_SECONDS, one at a
# time.  Findings land in OUTDIR/artifacts/HARNESS/; the corpora grow in
# OUTDIR/corpus/HARNESS/ and are kept between runs.
#   run.sh SRCDIR BUILDDIR OUTDIR SECONDS [HARNESS...]
set -eu
src=$1
build=$2
out=$3
seconds=$4
shift 4
harnesses=${*:-asm link image memfile}
"$src/fuzz/build.sh" "$src" "$build" "$out"

vasm=$build/vasm
seed() {   # seed HARNESS NAME: stdin into the corpus, named by its content
    mkdir -p "$out/corpus/$1"
    cat >"$out/corpus/$1/.seed"
    mv "$out/corpus/$1/.seed" "$out/corpus/$1/seed-$2"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$src"/samples/*.vasm "$src"/samples/*/*.vasm "$src"/tests/golden/*.vasm; do
    name=$(basename "$f" .vasm)
    case $name in baseline) continue ;; esac   # 147,734 bundles: too slow an input
    { printf '\001'; cat "$f"; } | seed asm "$name"
    if "$vasm" -c "$f" -o "$tmp/$name.vo" 2>/dev/null; then
        seed link "$name" <"$tmp/$name.vo"
    fi
    if "$vasm" -I "$(dirname "$f")" "$f" -o "$tmp/$name.bin" 2>/dev/null; then
        seed image "$name" <"$tmp/$name.bin"
    fi
done
# Two modules that link: the split sample.
if [ -e "$tmp/hash.vo" ] && [ -e "$tmp/main.vo" ]; then
    { cat "$tmp/main.vo"; printf '#NEXTOBJ'; cat "$tmp/hash.vo"; } | seed link split
fi
for f in "$src"/tests/golden/*.mem; do
    seed memfile "$(basename "$f" .mem)" <"$f"
done
for f in "$src"/tests/fuzz/regressions/*/*; do
    [ -e "$f" ] || continue
    h=$(basename "$(dirname "$f")")
    seed "$h" "regression-$(basename "$f")" <"$f"
done

# The dictionary: directives and punctuation, then every name of the ISA.
cp "$src/fuzz/vasm.dict" "$out/vasm.dict"
sed -n 's/^ISA_\(ENGINE\|BINOP\|OP\|TRACE_KEY\)([^"]*"\([^"]*\)".*/"\2"/p' "$src/common/isa.def" | sort -u >>"$out/vasm.dict"

status=0
for h in $harnesses; do
    mkdir -p "$out/artifacts/$h" "$out/corpus/$h"
    # Source is fuzzed in pieces of up to 8 KB (a sample is cut): short
    # inputs run some hundred times faster than whole kernels.
    dict= len=65536
    [ "$h" = asm ] && dict="-dict=$out/vasm.dict" len=8192
    echo "fuzz: $h for $seconds s"
    # shellcheck disable=SC2086
    "$out/fuzz_$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=$len \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$h/" $dict \
        "$out/corpus/$h" >"$out/$h.log" 2>&1 || status=1
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' "$out/$h.log" || true
    tail -n 3 "$out/$h.log" | grep -E 'ERROR|SUMMARY|crash|leak|timeout' && status=1
    # A slow unit (over 10 s) is reported, not failed on: it is a
    # performance finding (tests/fuzz/open/), not a crash.
    ls "$out/artifacts/$h" | grep -q '^slow-unit-' && { echo "fuzz: $h slow units:"; ls "$out/artifacts/$h" | grep '^slow-unit-'; }
    ls "$out/artifacts/$h" | grep -v '^slow-unit-' | grep -q . && { echo "fuzz: $h found:"; ls "$out/artifacts/$h"; status=1; }
done
exit $status
