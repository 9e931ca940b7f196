#!/bin/sh
# vrun's command line: exit codes (0 pass, 1 wrong result, 2 usage or input
# error, 3 fault), the report, --json, --mem-in/--mem-out/--scratch-out,
# traces, loader errors and option errors.  Images come from
# tests/vrun_mkimage (the image builder API; no assembler needed).
set -u
bin=${top_builddir:-.}
vrun="$bin/vrun"
mk="$bin/tests/vrun_mkimage"
json_valid="$bin/tests/json_valid"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

failures=0
checks=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run EXPECTED_EXIT ARGS...: runs vrun, keeping stdout in $tmp/out and
# stderr in $tmp/err, and checks the exit code.
run() {
    want=$1
    shift
    checks=$((checks + 1))
    "$vrun" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "vrun $*: exit $got, expected $want; stderr: $(head -c 300 "$tmp/err")"
        return 1
    fi
    return 0
}

# expect FILE TEXT: FILE contains TEXT (fixed string).
expect() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(head -c 300 "$1")"
}

valid_json() {
    checks=$((checks + 1))
    "$json_valid" "$1" 2>/dev/null || fail "$1 is not valid JSON: $(head -c 300 "$1")"
}

# words FILE: the file's little-endian 32-bit words, space-separated.
words() {
    od -An -v -tu4 --endian=little "$1" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}

# mem FILE W...: writes the words as a raw little-endian memory file.
mem() {
    f=$1
    shift
    : >"$f"
    for w in "$@"; do
        printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((w & 255)) $((w >> 8 & 255)) \
            $((w >> 16 & 255)) $((w >> 24 & 255)))" >>"$f"
    done
}

same() {
    checks=$((checks + 1))
    [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

for kind in baseline empty divzero loop memops segment badsegment pauses3 object; do
    "$mk" $kind "$tmp/$kind.bin" || { echo "vrun_mkimage $kind failed"; exit 99; }
done
"$mk" baseline "$tmp/small.bin" 6 16 || exit 99

# --- the workload: the baseline re-created passes with its known cycle count
run 0 "$tmp/baseline.bin" && {
    expect "$tmp/out" "PASS"
    expect "$tmp/out" "CYCLES: 147734"
    expect "$tmp/out" "speedup: 1.00x over the baseline (147734 cycles on H=10 R=16 B=256)"
}
# --- a speedup only for a correct run of the baseline's shape
run 0 --json "$tmp/baseline.bin" && expect "$tmp/out" '"speedup": 1, "speedup_note": null'
run 0 --height 4 --rounds 6 --batch 16 --seed 0 "$tmp/small.bin" &&
    expect "$tmp/out" "speedup: none: the baseline's cycle count is for the default shape H=10 R=16 B=256"
run 0 --json --height 4 --rounds 6 --batch 16 --seed 0 "$tmp/small.bin" &&
    expect "$tmp/out" '"speedup": null, "speedup_note": "the baseline'"'"'s cycle count is for the default shape'
run 1 --json "$tmp/empty.bin" && expect "$tmp/out" '"speedup": null, "speedup_note": "the result is wrong"'
run 1 "$tmp/empty.bin" && ! grep -q speedup "$tmp/out" || fail "a wrong result printed a speedup"
run 3 --json "$tmp/divzero.bin" && expect "$tmp/out" '"speedup": null, "speedup_note": "the machine faulted"'
# --- --trials --stats sums the slots of every trial.  The baseline does the
# same work for every seed, so two trials use twice the slots of one run.
one= two=
run 0 --json --stats --height 4 --rounds 6 --batch 16 --seed 7 "$tmp/small.bin" &&
    one=$(grep -o '"alu": {"slots": [0-9]*' "$tmp/out" | grep -o '[0-9]*$')
run 0 --json --stats --trials 2 --seed 7 --height 4 --rounds 6 --batch 16 "$tmp/small.bin" &&
    two=$(grep -o '"alu": {"slots": [0-9]*' "$tmp/out" | grep -o '[0-9]*$')
checks=$((checks + 1))
[ -n "$one" ] && [ -n "$two" ] && [ "$two" -eq $((2 * one)) ] ||
    fail "--trials 2 --stats: alu slots '$two', want twice '$one'"
run 0 --stats --trials 2 --seed 7 --height 4 --rounds 6 --batch 16 "$tmp/small.bin" &&
    expect "$tmp/out" "stats over all 2 trials:"
# --- --trace-engines filters the text trace too: only flow slots, some bundles
run 0 --trace-text="$tmp/tt" --trace-engines flow --trace-cycles 0:400 "$tmp/baseline.bin" &&
    expect "$tmp/tt" ": flow "
checks=$((checks + 1))
if grep -E '^cycle .*(: |< |; )(alu|valu|load|store) ' "$tmp/tt" >/dev/null; then
    fail "--trace-engines flow: the text trace shows other engines' slots"
fi
# --- --trace says where it wrote
abs_vrun=$(cd "$bin" && pwd)/vrun
(cd "$tmp" && "$abs_vrun" --trace "$tmp/baseline.bin" >/dev/null 2>"$tmp/err")
expect "$tmp/err" "vrun: wrote the Chrome trace to trace.json"
# --- a checking run of a correct program without pauses explains checkpoint 0
if [ -x "$top_builddir/vasm" ]; then
    grep -v 'flow pause' "$top_srcdir/samples/baseline.vasm" >"$tmp/nopause.vasm"
    "$top_builddir/vasm" "$tmp/nopause.vasm" -o "$tmp/nopause.bin" || fail "vasm nopause.vasm"
    run 0 "$tmp/nopause.bin"
    run 1 --check "$tmp/nopause.bin" && expect "$tmp/out" "the program never paused, so its end was compared with checkpoint 0"
fi
run 0 --check "$tmp/baseline.bin" && expect "$tmp/out" "CYCLES: 147734"
run 0 --height 4 --rounds 6 --batch 16 --seed 0 --check "$tmp/small.bin"
run 0 --quiet "$tmp/baseline.bin" && same "$(cat "$tmp/out")" "" "--quiet prints nothing on a pass"

# --- wrong results and failed checks exit 1
run 1 "$tmp/empty.bin" && expect "$tmp/out" "FAIL: wrong result"
# checkpoint 0 (before round 0) holds the untouched values; the end fails
# checkpoint 1.
run 1 --check "$tmp/empty.bin" && expect "$tmp/out" "the end of the run (standing for checkpoint 1)"
run 1 --check "$tmp/pauses3.bin" && expect "$tmp/out" "pause 2 does not match checkpoint 1"
# Built for 16 x 256 items, run on a memory for 6 x 16: it reads past the end.
run 3 --height 4 --rounds 6 --batch 16 --seed 0 "$tmp/baseline.bin" &&
    expect "$tmp/err" "memory read out of range (address 70, memory has 70 words)"

# --- faults exit 3 and name fault, core, pc, cycle, slot and source line
run 3 "$tmp/divzero.bin" &&
    expect "$tmp/err" "vrun: fault: division by zero on core 0 at pc 1, cycle 1: alu // 2, 1, 0 (mk.vasm:2)"
run 3 --max-cycles 1000 "$tmp/loop.bin" &&
    expect "$tmp/err" "cycle limit exceeded (limit 1000 cycles) on core 0 at pc 0, cycle 1000"
run 3 --json "$tmp/divzero.bin" && {
    valid_json "$tmp/out"
    expect "$tmp/out" '"kind": "DIV_ZERO"'
}

# --- --mem-in, --mem-out, --scratch-out
mem "$tmp/m.in" 5 6 0 0 9 9
run 0 --cores 2 --mem-in "$tmp/m.in" --mem-out "$tmp/m.out" --scratch-out "$tmp/s.out" \
    "$tmp/memops.bin" && {
    expect "$tmp/out" "no reference (--mem-in)"
    same "$(words "$tmp/m.out")" "5 6 11 7 9 9" "final memory"
    scratch=$(words "$tmp/s.out")
    same "$(echo "$scratch" | wc -w)" 3072 "scratch words of two cores"
    # core k: s[5] = coreid + 100 (word 5 of its 1536)
    same "$(echo "$scratch" | cut -d' ' -f6)" 100 "core 0 s[5]"
    same "$(echo "$scratch" | cut -d' ' -f1542)" 101 "core 1 s[5]"
}
run 0 --json --cores 2 --mem-in "$tmp/m.in" "$tmp/memops.bin" && {
    valid_json "$tmp/out"
    # The one-object report, spaces dropped, field by field.
    tr -d ' \n' <"$tmp/out" >"$tmp/flat"
    for field in '"verdict":null' '"fault":null' '"check_error":null' '"cycles":6,' \
                 '"mem_words":6' '"load":16' '"flow":6' \
                 '{"id":0,"pc":6,"state":"stopped","trace":[5,0]' \
                 '{"id":1,"pc":6,"state":"stopped","trace":[5,1]'; do
        expect "$tmp/flat" "$field"
    done
    mem "$tmp/want.mem" 5 6 11 7 9 9
    expect "$tmp/flat" "\"mem_sha256\":\"$(sha256sum "$tmp/want.mem" | cut -d' ' -f1)\""
}
run 0 --mem-in "$tmp/m.in" --mem-out "$tmp/m2.out" "$tmp/segment.bin" &&
    same "$(words "$tmp/m2.out")" "5 6 11 7 10 11" "memory segments laid over --mem-in"
run 2 --mem-in "$tmp/m.in" "$tmp/badsegment.bin" && expect "$tmp/err" "outside the memory of 6 words"
printf 'abcde' >"$tmp/odd.mem"
run 2 --mem-in "$tmp/odd.mem" "$tmp/memops.bin" && expect "$tmp/err" "is not a multiple of 4"
run 2 --mem-in "$tmp/missing.mem" "$tmp/memops.bin" && expect "$tmp/err" "cannot read"
# After a fault the state at the fault is written: s[1] = 5, s[2] untouched.
run 3 --mem-in "$tmp/m.in" --scratch-out "$tmp/fault.s" --mem-out "$tmp/fault.m" "$tmp/divzero.bin" && {
    same "$(words "$tmp/fault.s" | cut -d' ' -f1-3)" "0 5 0" "scratch at the fault"
    same "$(words "$tmp/fault.m")" "5 6 0 0 9 9" "memory at the fault"
}
checks=$((checks + 1))
ls "$tmp" | grep -q '\.tmp\.' && fail "temp files left behind: $(ls "$tmp")"

# --- loader errors are named and exit 2
cp "$tmp/memops.bin" "$tmp/corrupt.bin"
# Flip bits of the middle byte (the checksum covers every byte).
half=$(($(wc -c <"$tmp/corrupt.bin") / 2))
byte=$(od -An -tu1 -j "$half" -N 1 "$tmp/corrupt.bin" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 0x55)))" |
    dd of="$tmp/corrupt.bin" bs=1 seek="$half" conv=notrunc 2>/dev/null
run 2 "$tmp/corrupt.bin" && expect "$tmp/err" "vrun: error: $tmp/corrupt.bin: checksum mismatch"
head -c 20 "$tmp/memops.bin" >"$tmp/short.bin"
run 2 "$tmp/short.bin" && expect "$tmp/err" "vrun: error: $tmp/short.bin:"
run 2 "$tmp/object.bin" && expect "$tmp/err" "wrong file type"
run 2 "$tmp/nonexistent.bin" && expect "$tmp/err" "nonexistent.bin"

# --- traces and statistics
mem "$tmp/m.in" 5 6 0 0 9 9
(cd "$tmp" && "$vrun" --trace --mem-in m.in memops.bin >/dev/null 2>&1) ||
    fail "--trace with the default file name"
valid_json "$tmp/trace.json"
expect "$tmp/trace.json" '"thread_name"'
expect "$tmp/trace.json" '"ph":"X"'
expect "$tmp/trace.json" '"slot":"load const 0, 0  (a0)"'
expect "$tmp/trace.json" '{"name":"a1","ph":"C","pid":0,"ts":1,"args":{"value":1}}'
expect "$tmp/trace.json" '{"name":"a2","ph":"C","pid":0,"ts":2,"args":{"value":2}}'
run 0 --cores 3 --trace="$tmp/t3.json" --trace-engines alu,flow --mem-in "$tmp/m.in" \
    "$tmp/memops.bin" && {
    valid_json "$tmp/t3.json"
    expect "$tmp/t3.json" '"args":{"name":"core 2"}'
    checks=$((checks + 1))
    grep -q '"cat":"load"' "$tmp/t3.json" && fail "--trace-engines alu,flow kept load slots"
}
run 0 --trace-text --mem-in "$tmp/m.in" "$tmp/memops.bin" && {
    expect "$tmp/out" "cycle 0  core 0  pc 0  mk.vasm:1: < load const 0, 0  (a0) ; load const 1, 1  (a1) >"
    expect "$tmp/out" "s[12] = 11"
    expect "$tmp/out" "m[2] = 11"
    expect "$tmp/out" "trace_write 5"
}
run 0 --trace="$tmp/big.json" --trace-cycles 100:199 --height 4 --rounds 6 --batch 16 \
    --seed 0 "$tmp/small.bin" && valid_json "$tmp/big.json"
run 0 --stats "$tmp/baseline.bin" && {
    expect "$tmp/out" "engine"
    expect "$tmp/out" "147734 cycles x 1 core"
}
run 0 --json --stats "$tmp/baseline.bin" && valid_json "$tmp/out"
# --profile on standard error, in the JSON with --json, written to a file;
# a file that cannot be written is an error after the run
run 0 --profile "$tmp/baseline.bin" && expect "$tmp/err" "profile: 147734 cycles x 1 core"
run 0 --json --profile --cores 2 "$tmp/baseline.bin" && valid_json "$tmp/out" &&
    expect "$tmp/out" '"profile": [' && expect "$tmp/out" '"cores": [{"slots": {"alu": '
run 0 --profile="$tmp/p.txt" --annotate="$tmp/a.txt" --report="$tmp/r.html" "$tmp/baseline.bin" &&
    expect "$tmp/p.txt" "mk.vasm:" && expect "$tmp/a.txt" "==> mk.vasm <==  (cannot read it" &&
    expect "$tmp/r.html" '<svg id="chart"'
run 2 --report="$tmp/no/such/dir/r.html" "$tmp/baseline.bin" && expect "$tmp/err" "cannot write"

# --- trials: reproducible from the master seed
run 0 --trials 3 --seed 5 --height 4 --rounds 6 --batch 16 "$tmp/small.bin" && {
    expect "$tmp/out" "master seed 5"
    expect "$tmp/out" "trials: 3 of 3 passed"
    cp "$tmp/out" "$tmp/trials1"
}
run 0 --trials 3 --seed 5 --height 4 --rounds 6 --batch 16 "$tmp/small.bin" &&
    same "$(cat "$tmp/out")" "$(cat "$tmp/trials1")" "trials with one master seed"
run 1 --trials 2 "$tmp/empty.bin"
run 0 --json --trials 2 --seed 1 --height 4 --rounds 6 --batch 16 "$tmp/small.bin" &&
    valid_json "$tmp/out"

# --- an optional file as the next argument, when one image remains
run 0 --trace "$tmp/sep.json" "$tmp/baseline.bin" && valid_json "$tmp/sep.json" &&
    expect "$tmp/err" "wrote the Chrome trace to $tmp/sep.json"
run 0 "$tmp/baseline.bin" --trace-text "$tmp/sep.txt" --trace-cycles 0:2 && expect "$tmp/sep.txt" "cycle 0"
run 2 --trace "$tmp/a.json" --profile "$tmp/baseline.bin" && expect "$tmp/err" "could be the image" &&
    expect "$tmp/err" "(--profile=FILE)"
run 2 --trace "$tmp/a.json" "$tmp/baseline.bin" "$tmp/baseline.bin" && expect "$tmp/err" "one image only"
# --- '-': standard input for the image and --mem-in, standard output for an output under -q
checks=$((checks + 1))
"$vrun" -q - <"$tmp/baseline.bin" || fail "vrun - <image"
checks=$((checks + 1))
"$vrun" -q --mem-in - --mem-out "$tmp/stdin.out" "$tmp/memops.bin" <"$tmp/m.in" &&
    "$vrun" -q --mem-in "$tmp/m.in" --mem-out "$tmp/file.out" "$tmp/memops.bin" &&
    cmp -s "$tmp/stdin.out" "$tmp/file.out" || fail "--mem-in - reads standard input"
run 2 --mem-in - - && expect "$tmp/err" "cannot both be standard input"
run 0 -q --scratch-out "$tmp/s.file" "$tmp/baseline.bin"
checks=$((checks + 1))
"$vrun" -q --scratch-out - "$tmp/baseline.bin" >"$tmp/s.stdout" && cmp -s "$tmp/s.file" "$tmp/s.stdout" ||
    fail "--scratch-out - writes the scratch to standard output"
run 2 --scratch-out - "$tmp/baseline.bin" && expect "$tmp/err" "standard output carries the report"
run 2 -q --trace - --mem-out - "$tmp/baseline.bin" && expect "$tmp/err" "both go to standard output"
run 0 --trace-text --annotate --trace-cycles 0:1 "$tmp/baseline.bin" && expect "$tmp/out" "cycle 0" &&
    expect "$tmp/out" "PASS"   # text outputs may share standard output with the report
run 0 -q --profile=- "$tmp/baseline.bin" && expect "$tmp/out" "profile: 147734 cycles x 1 core"
checks=$((checks + 1))
[ -s "$tmp/err" ] && fail "--profile=- wrote to standard error: $(head -c 200 "$tmp/err")"
run 2 --json --profile=- "$tmp/baseline.bin" && expect "$tmp/err" "--json owns standard output"
checks=$((checks + 1))
[ ! -e ./- ] || fail "an output named '-' made a file called '-'"
# --- the text trace names scratch operands, as the Chrome trace does
run 0 --trace-text="$tmp/names.txt" --mem-in "$tmp/m.in" "$tmp/memops.bin" &&
    expect "$tmp/names.txt" "load const 0, 0  (a0)"

# --- option errors exit 2
for bad in "--seed abc" "--seed -1" "--seed 18446744073709551616" "--seed 1x" "--cores 0" \
    "--cores 65" "--max-cycles -5" "--height x" "--rounds" "--trials 0" "--bogus" "--json --quiet" \
    "--check --mem-in $tmp/m.in" "--trace-cycles 5:1" "--trace-engines debug --trace" \
    "--trace-cycles 1:5" "--json --trace-text" "--trials 2 --mem-out $tmp/x" "--height 99" \
    "--trials 2 --profile" "--trials 2 --annotate=$tmp/a" "--trials 2 --report=$tmp/r.html" \
    "--json --annotate" "--profile=" "--annotate=" "--report="; do
    # shellcheck disable=SC2086
    run 2 $bad "$tmp/memops.bin" && expect "$tmp/err" "vrun: error:"
done
run 2
run 2 "$tmp/memops.bin" "$tmp/memops.bin"
run 1 --seed 18446744073709551615 "$tmp/empty.bin"
run 0 --help && expect "$tmp/out" "usage: vrun"
run 0 --version && expect "$tmp/out" "vrun (vliwkit)"

echo "vrun CLI: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
