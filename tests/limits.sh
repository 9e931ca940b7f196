#!/bin/sh
# Bounded input handling (docs/language.md, "Limits"; docs/vasm.md): what one
# bad input can cost in output and memory, and that every limit is a named
# error with a non-zero exit, never a crash.
set -u
bin=${top_builddir:-.}
vasm="$(cd "$bin" && pwd)/vasm"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

check() {   # check NAME CONDITION...
    name=$1
    shift
    if ! "$@"; then
        echo "FAIL: $name" >&2
        fail=$((fail + 1))
    fi
}

status() {  # status WANT COMMAND...: exit status compared, stderr (first MB) in $tmp/err
    want=$1
    shift
    { "$@" 2>&1 >/dev/null; echo "exit=$?" >"$tmp/status"; } | head -c 1000000 >"$tmp/err"
    got=$(sed 's/exit=//' "$tmp/status")
    [ "$got" -eq "$want" ] || { echo "  exit $got, want $want: $*" >&2; head -c 2000 "$tmp/err" >&2; return 1; }
}

size_below() {  # size_below FILE BYTES
    [ "$(wc -c <"$1")" -lt "$2" ] || { echo "  $1: $(wc -c <"$1") bytes" >&2; return 1; }
}

count() {   # count PATTERN FILE: lines matching
    grep -c -- "$1" "$2"
}

# A bundle of 100,000 slots on one line of 1.6 MB: one error, ten notes
# shown in a window of the line, the rest counted.
awk 'BEGIN { printf "<"; for (i = 0; i < 100000; i++) printf "%s alu + 1, 2, 3", (i ? " ;" : ""); print " >" }' \
    >"$tmp/wide.vasm"
check wide-line-size test "$(wc -c <"$tmp/wide.vasm")" -gt 1500000
check wide-rejected status 1 "$vasm" "$tmp/wide.vasm" -o "$tmp/wide.bin"
check wide-output-small size_below "$tmp/err" 10240
check wide-one-error test "$(count ': error: ' "$tmp/err")" -eq 1
check wide-error-text grep -q 'this bundle has 100000 alu slots' "$tmp/err"
check wide-notes-counted grep -q 'note: \.\.\. and 99,978 more notes' "$tmp/err"
check wide-no-output test ! -e "$tmp/wide.bin"

# A binary file given as source is one error naming what it is.
printf 'flow halt\n' >"$tmp/halt.vasm"
"$vasm" "$tmp/halt.vasm" -o "$tmp/halt.bin" || fail=$((fail + 1))
"$vasm" -c "$tmp/halt.vasm" -o "$tmp/halt.vo" || fail=$((fail + 1))
check image-as-source status 1 "$vasm" "$tmp/halt.bin" -o "$tmp/x.bin"
check image-one-line test "$(count ': error: ' "$tmp/err")" -eq 1
check image-named grep -q 'error: .*halt.bin: this is a vliwkit image, not assembly source; did you mean vdis or vrun?' "$tmp/err"
cp "$tmp/halt.vo" "$tmp/halt.o"
check object-as-source status 1 "$vasm" "$tmp/halt.o" -o "$tmp/x.bin"
check object-named grep -q 'error: .*halt.o: this is a vliwkit object' "$tmp/err"
printf 'flow halt\n\0\0\0garbage\n' >"$tmp/nul.vasm"
check nul-as-source status 1 "$vasm" "$tmp/nul.vasm" -o "$tmp/x.bin"
check nul-one-line test "$(count ': error: ' "$tmp/err")" -eq 1
check nul-named grep -q 'holds a NUL byte' "$tmp/err"
printf '.include "halt.bin"\n' >"$tmp/incbin.vasm"
check include-image status 1 "$vasm" "$tmp/incbin.vasm" -o "$tmp/x.bin"
check include-image-named grep -q "incbin.vasm:1:10: error: cannot include 'halt.bin': this is a vliwkit image" "$tmp/err"
check no-output test ! -e "$tmp/x.bin"

# An error repeated inside a .rept is shown once, with a count.
printf '.rept 100000\nalu + 1, 2\n.endr\n' >"$tmp/rept.vasm"
check rept-error status 1 "$vasm" "$tmp/rept.vasm" -o "$tmp/x.bin"
check rept-once test "$(count ': error: ' "$tmp/err")" -eq 1
check rept-count grep -q 'rept.vasm:2:1: note: the message here was repeated 99,999 more times' "$tmp/err"
# ... and expansion stops once 100,000 errors are counted: 60 million
# repetitions of one error would take half a minute to count.
printf '.rept 1000000\n.rept 60\nnope 1\n.endr\n.endr\n' >"$tmp/rept-errors.vasm"
check rept-errors status 1 "$vasm" "$tmp/rept-errors.vasm" -o "$tmp/x.bin"
check rept-errors-named grep -q 'rept-errors.vasm:3:1: error: more than 100000 errors, repetitions counted: expansion stops here' "$tmp/err"
check rept-errors-count grep -q 'rept-errors.vasm:3:1: note: the message here was repeated 100,000 more times' "$tmp/err"

# The error limit: 20 by default, -ferror-limit=N / -fmax-errors=N, 0 none.
awk 'BEGIN { for (i = 0; i < 50; i++) print "alu + 1, " i }' >"$tmp/many.vasm"
check limit-default status 1 "$vasm" "$tmp/many.vasm" -o "$tmp/x.bin"
check limit-default-20 test "$(count ': error: ' "$tmp/err")" -eq 20
check limit-stop-message grep -q '^vasm: fatal error: too many errors emitted, stopping now' "$tmp/err"
check limit-5 status 1 "$vasm" -ferror-limit=5 "$tmp/many.vasm" -o "$tmp/x.bin"
check limit-5-count test "$(count ': error: ' "$tmp/err")" -eq 5
check max-errors status 1 "$vasm" -fmax-errors=7 "$tmp/many.vasm" -o "$tmp/x.bin"
check max-errors-count test "$(count ': error: ' "$tmp/err")" -eq 7
check no-limit status 1 "$vasm" -ferror-limit=0 "$tmp/many.vasm" -o "$tmp/x.bin"
check no-limit-count test "$(count ': error: ' "$tmp/err")" -eq 50
check no-limit-no-stop test "$(count 'too many errors' "$tmp/err")" -eq 0
check bad-limit status 2 "$vasm" -ferror-limit=x "$tmp/many.vasm" -o "$tmp/x.bin"

# Reads are bounded: a device without end is an error once past the limit.
printf '.include "/dev/zero"\n' >"$tmp/zero.vasm"
check include-dev-zero status 1 "$vasm" "$tmp/zero.vasm" -o "$tmp/x.bin"
check include-dev-zero-named grep -q "include file '/dev/zero' is larger than the limit of 256 MiB" "$tmp/err"

# Macro recursion: one error (its notes capped), and expansion stops there.
printf '.macro m\nm\nm\n.endm\nm\n' >"$tmp/recurse.vasm"
check macro-recursion status 1 "$vasm" "$tmp/recurse.vasm" -o "$tmp/x.bin"
check macro-recursion-one-error test "$(count ': error: ' "$tmp/err")" -eq 1
check macro-recursion-named grep -q "macro calls nested more than 64 deep (does 'm' call itself without end?)" "$tmp/err"
check macro-recursion-small size_below "$tmp/err" 10240

# Deep nesting is an error, not a stack overflow (exit 1, not a signal).
awk 'BEGIN { for (i = 0; i < 30000; i++) print ".if 1"; print "flow halt"; for (i = 0; i < 30000; i++) print ".endif" }' \
    >"$tmp/deep-if.vasm"
check deep-if status 1 "$vasm" "$tmp/deep-if.vasm" -o "$tmp/x.bin"
check deep-if-named grep -q 'deep-if.vasm:257:1: error: blocks (.if, .rept, .for, .macro) nested more than 256 deep' "$tmp/err"
check deep-if-one-error test "$(count ': error: ' "$tmp/err")" -eq 1
awk 'BEGIN { for (i = 0; i < 30000; i++) print ".rept 1"; print "flow halt"; for (i = 0; i < 30000; i++) print ".endr" }' \
    >"$tmp/deep-rept.vasm"
check deep-rept status 1 "$vasm" "$tmp/deep-rept.vasm" -o "$tmp/x.bin"
check deep-rept-named grep -q 'nested more than 256 deep' "$tmp/err"
# 255 blocks deep is allowed; a macro calling one 64 deep is within the limit
# of nested expansion (1024): 64 calls of 20 blocks each are not.
awk 'BEGIN { for (i = 0; i < 255; i++) print ".if 1"; print "flow halt"; for (i = 0; i < 255; i++) print ".endif" }' \
    >"$tmp/deep-ok.vasm"
check deep-255-ok status 0 "$vasm" "$tmp/deep-ok.vasm" -o "$tmp/ok.bin"
awk 'BEGIN { print ".macro m n"; for (i = 0; i < 20; i++) print ".if 1"; print ".if \\n > 0"; print "m \\n - 1";
             print ".endif"; for (i = 0; i < 20; i++) print ".endif"; print ".endm"; print "m 60"; print "flow halt" }' \
    >"$tmp/deep-macro.vasm"
check deep-expansion status 1 "$vasm" "$tmp/deep-macro.vasm" -o "$tmp/x.bin"
check deep-expansion-named grep -q 'blocks, macro calls and includes nested more than 1024 deep' "$tmp/err"
awk 'BEGIN { printf ".equ X, 1"; for (i = 0; i < 1000000; i++) printf " + 1"; print ""; print "flow halt" }' >"$tmp/sum.vasm"
check deep-sum status 1 "$vasm" "$tmp/sum.vasm" -o "$tmp/x.bin"
check deep-sum-named grep -q 'sum.vasm:1:9: error: expression nested more than 256 operators deep' "$tmp/err"
check deep-sum-one-error test "$(count ': error: ' "$tmp/err")" -eq 1
awk 'BEGIN { printf ".equ X, "; for (i = 0; i < 20000; i++) printf "("; printf "1"; for (i = 0; i < 20000; i++) printf ")"; print "" }' \
    >"$tmp/parens.vasm"
check deep-parens status 1 "$vasm" "$tmp/parens.vasm" -o "$tmp/x.bin"
check deep-parens-named grep -q 'line nested too deep for the parser' "$tmp/err"
# A macro argument put in place of its parameter deepens the expression.
# (L is a label defined later: the sums are not folded to a number.)
awk 'BEGIN { printf ".macro m a\nflow jump \\a"; for (i = 0; i < 200; i++) printf " + 0"; print "\n.endm";
             printf "m L"; for (i = 0; i < 200; i++) printf " + 0"; print "\nL: flow halt" }' >"$tmp/deep-arg.vasm"
check deep-argument status 1 "$vasm" "$tmp/deep-arg.vasm" -o "$tmp/x.bin"
check deep-argument-named grep -q 'expression nested more than 256 operators deep once macro arguments are in place' "$tmp/err"

# The program's size: a .rept in a .rept stops at the bundle limit, before
# it takes gigabytes (the run's memory is checked by make bench, not here).
printf '.rept 1000000\n.rept 1000000\nflow halt\n.endr\n.endr\n' >"$tmp/rept2.vasm"
check rept-in-rept status 1 "$vasm" "$tmp/rept2.vasm" -o "$tmp/x.bin"
check rept-in-rept-named grep -q 'the program grows past the limit of 4194304 bundles' "$tmp/err"

# Objects, images and memory files from devices and pipes are bounded reads.
vld="$(cd "$bin" && pwd)/vld"
vrun="$(cd "$bin" && pwd)/vrun"
check vld-dev-zero status 2 "$vld" /dev/zero -o "$tmp/x.bin"
check vld-dev-zero-named grep -q 'BAD_MAGIC' "$tmp/err"
check vld-pipe-garbage-after status 2 sh -c "cat '$tmp/halt.vo' /dev/zero | '$vld' - -o '$tmp/x.bin'"
check vld-pipe-size-named grep -q 'SIZE_MISMATCH' "$tmp/err"
check vrun-mem-in-dev-zero status 2 "$vrun" --mem-in /dev/zero "$tmp/halt.bin"
check vrun-mem-in-named grep -q '/dev/zero: larger than the limit of 256 MiB for a memory image' "$tmp/err"
check vrun-mem-in-directory status 2 "$vrun" --mem-in "$tmp" "$tmp/halt.bin"
# Extents across modules: a vector op, or w + 1, on a one-word variable of
# another module is a link error, as it is in one file.
printf '.global w\n.word w, after\nflow halt\n' >"$tmp/lib.vasm"
printf '.extern w\n.entry\nvalu + w, w, w\nalu + w + 1, w, w\nflow halt\n' >"$tmp/main.vasm"
check extent-link-error status 1 "$vasm" "$tmp/lib.vasm" "$tmp/main.vasm" -o "$tmp/x.bin"
check extent-vector-named grep -q "main.vasm:3:8: error: vector operand w+0 covers words 0..7 of 'w', which has 1 (0..0)" "$tmp/err"
check extent-scalar-named grep -q "main.vasm:4:7: error: w+1 is outside 'w', which has 1 word (0..0)" "$tmp/err"
check extent-declared-at grep -q "lib.vasm:2:7: note: 'w' is declared here" "$tmp/err"
"$vasm" -c "$tmp/lib.vasm" -o "$tmp/lib.vo" && "$vasm" -c "$tmp/main.vasm" -o "$tmp/main.vo" || fail=$((fail + 1))
check extent-vld status 1 "$vld" "$tmp/lib.vo" "$tmp/main.vo" -o "$tmp/x.bin"
check extent-vld-named grep -q "covers words 0..7 of 'w'" "$tmp/err"
# .extern NAME[N] declares the extent; the definition must be that big.
printf '.extern w[8]\n.entry\nvalu + w, w, w\nflow halt\n' >"$tmp/main8.vasm"
check extent-declared-too-big status 1 "$vasm" "$tmp/lib.vasm" "$tmp/main8.vasm" -o "$tmp/x.bin"
check extent-declared-named grep -q "main8.vasm:1:9: error: 'w' is declared here with 8 words, but it has 1" "$tmp/err"
printf '.global w\n.vec w\nflow halt\n' >"$tmp/lib8.vasm"
check extent-fits status 0 "$vasm" "$tmp/lib8.vasm" "$tmp/main8.vasm" -o "$tmp/ok.bin"
check extent-kept-by-S status 0 "$vasm" -S "$tmp/main8.vasm" -o "$tmp/main8.s.vasm"
check extent-printed-by-S grep -q '^\.extern w\[8\]$' "$tmp/main8.s.vasm"

check no-output-left test ! -e "$tmp/x.bin"

[ "$fail" -eq 0 ] || exit 1
