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
check image-one-line test "$(wc -l <"$tmp/err")" -eq 1
check image-named grep -q 'halt.bin: error: this is a vliwkit image, not assembly source; did you mean vdis or vrun?' "$tmp/err"
cp "$tmp/halt.vo" "$tmp/halt.o"
check object-as-source status 1 "$vasm" "$tmp/halt.o" -o "$tmp/x.bin"
check object-named grep -q 'halt.o: error: this is a vliwkit object' "$tmp/err"
printf 'flow halt\n\0\0\0garbage\n' >"$tmp/nul.vasm"
check nul-as-source status 1 "$vasm" "$tmp/nul.vasm" -o "$tmp/x.bin"
check nul-one-line test "$(wc -l <"$tmp/err")" -eq 1
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

[ "$fail" -eq 0 ] || exit 1
