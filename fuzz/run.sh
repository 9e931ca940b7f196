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
harnesses=${*:-asm link image memfile cli}
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
# fuzz_asm sees at most 8 KB, which cuts most samples short (a cut
# program is an error, and so is every mutation of it); the samples
# without comments and with ROUNDS=2 fit, and give the structure-aware
# mutator (fuzz/mutate_asm.c) valid programs to start from.
for f in "$src"/samples/*.vasm "$src"/samples/*/*.vasm; do
    { printf '.equ ROUNDS, 2\n'; sed 's/[[:space:]]*#.*//; /^[[:space:]]*$/d' "$f"; } >"$tmp/small.vasm"
    if [ "$(wc -c <"$tmp/small.vasm")" -le 8000 ] && "$vasm" -I "$(dirname "$f")" "$tmp/small.vasm" -o "$tmp/small.bin" 2>/dev/null; then
        { printf '\001'; cat "$tmp/small.vasm"; } | seed asm "small-$(basename "$f" .vasm)"
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

# Command lines (fuzz/fuzz_cli.c: a byte for the tool, then the arguments
# one a line), over the files the harness provides.
printf '\000a.vasm\nb.vasm\n-o\nx.bin\n--map\nx.map\n-l\nx.lst\n--disassemble=x.dis' | seed cli vasm-link
printf '\000-c\na.vasm\nb.vasm' | seed cli vasm-c
printf '\000-S\n-O2\n--sched-report\na.vasm' | seed cli vasm-S
printf '\000-DINC=4\n-I.\n-Werror\n-Wno-double-write\n-fmax-errors=3\n-fdiagnostics-color=always\na.vasm\nb.vo\n-s' | seed cli vasm-flags
printf '\000-\n-o\n-' | seed cli vasm-stdin
printf '\001b.vo\n-o\nx.bin\n--map=-\n-s' | seed cli vld
printf '\002p.bin\n--python\n-a\n--lines\n-o\nx.dis' | seed cli vdis
printf '\002--no-names\n--\nb.vo' | seed cli vdis-object
printf '\003--json\n--max-cycles\n100\n--trace-text=t\n--trace-cycles\n1:9\n--trace-engines\nvalu,load\np.bin' | seed cli vrun
printf '\003--seed\n7\n--height\n3\n--rounds\n2\n--batch\n8\n--cores\n2\n--check\n--profile=p\np.bin' | seed cli vrun-shape
printf '\003--mem-in\nm\n--mem-out\nn\n--scratch-out=s\n--report=r.html\n-q\np.bin' | seed cli vrun-mem
# Its dictionary: every option the tools' --help lists.
for tool in vasm vld vdis vrun; do "$build/$tool" --help; done |
    grep -oE -- '(^|[ [,(])--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[ [,(]*//; s/.*/"&"/' | sort -u >"$out/cli.dict"

# The dictionary: directives and punctuation, then every name of the ISA.
cp "$src/fuzz/vasm.dict" "$out/vasm.dict"
sed -n 's/^ISA_\(ENGINE\|BINOP\|OP\|TRACE_KEY\)([^"]*"\([^"]*\)".*/"\2"/p' "$src/common/isa.def" | sort -u >>"$out/vasm.dict"

status=0
for h in $harnesses; do
    mkdir -p "$out/artifacts/$h" "$out/corpus/$h"
    # Source is fuzzed in pieces of up to 8 KB (a sample is cut): short
    # inputs run some hundred times faster than whole kernels.
    # fuzz_cli's tools report on standard error each run: closed (-close_fd_mask=2).
    dict= len=65536 quiet=
    [ "$h" = asm ] && dict="-dict=$out/vasm.dict" len=8192
    [ "$h" = cli ] && dict="-dict=$out/cli.dict" len=1024 quiet=-close_fd_mask=2
    echo "fuzz: $h for $seconds s"
    # shellcheck disable=SC2086
    "$out/fuzz_$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=$len \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$h/" $dict $quiet \
        "$out/corpus/$h" >"$out/$h.log" 2>&1 || status=1
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' "$out/$h.log" || true
    tail -n 3 "$out/$h.log" | grep -E 'ERROR|SUMMARY|crash|leak|timeout' && status=1
    # A slow unit (over 10 s) is reported, not failed on: it is a
    # performance finding (tests/fuzz/open/), not a crash.
    ls "$out/artifacts/$h" | grep -q '^slow-unit-' && { echo "fuzz: $h slow units:"; ls "$out/artifacts/$h" | grep '^slow-unit-'; }
    ls "$out/artifacts/$h" | grep -v '^slow-unit-' | grep -q . && { echo "fuzz: $h found:"; ls "$out/artifacts/$h"; status=1; }
done
exit $status
