#!/bin/sh
# vrun --profile, --annotate and --report on every sample:
# - the profile's per-line slot counts add up, per engine, to the totals of
#   --stats (which the machine counts per bundle, not per line), summed and,
#   with --cores 2, for each core;
# - the annotation's margin matches the profile: a line's slots are those of
#   the profile rows written on it plus those of the rows it expanded as a
#   macro call, and its cycles those of its single row when it has one;
# - --json with --profile is valid JSON with a "profile" array;
# - --report writes an HTML file (the browser test, report_browser.sh, looks
#   inside it);
# - a plain run (no observers, nothing decoded) names a faulting slot's own
#   line and macro call.
set -u
samples=${top_srcdir:-.}/samples
bin=${top_builddir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# Slots per engine from --stats: "engine slots" lines, in engine order.
stats_slots() {
    awk '$1 ~ /^(alu|valu|load|store|flow|debug)$/ { print $1, $2 }' "$1"
}

# Slots per engine summed over the rows of the profile's line tables, for
# core $2 (-1: the summed table), in the form of stats_slots.
profile_slots() {
    awk -v want="$2" '
        BEGIN { split("alu valu load store flow debug", name, " "); core = -1 }
        /^core [0-9]+$/ { core = $2; next }
        /source line \[label\]/ { rows = 1; next }
        /^$/ || /^\(no label/ || /label \(the lines/ { rows = 0; next }
        rows && core == want { for (e = 1; e <= 6; e++) sum[e] += $(e + 2) }
        END { for (e = 1; e <= 6; e++) print name[e], sum[e] + 0 }' "$1"
}

# Compares the annotation $2 with the profile $1; prints the first
# difference, or nothing.
annotate_vs_profile() {
    awk '
        FNR == NR {
            if ($0 ~ /source line \[label\]/ && !done) { rows = 1; next }
            if ($0 ~ /^$/ && rows) { rows = 0; done = 1; next }   # the summed table only
            if (!rows) next
            n = 0
            keys[++n] = $9
            if ($10 == "<-") keys[++n] = $11
            for (k = 1; k <= n; k++) {
                for (e = 1; e <= 6; e++) slots[keys[k], e] += $(e + 2)
                entries[keys[k]]++
                cycles[keys[k]] = $1
                want[keys[k]] = 1
            }
            next
        }
        /^==> .* <==/ { file = $2; next }
        /\|/ {
            split($0, half, "|")
            m = split(half[1], margin, " ")
            split(half[2], rest, " ")
            if (m != 7 || margin[1] !~ /^[0-9]+$/) next
            key = file ":" rest[1]
            seen[key] = 1
            for (e = 1; e <= 6; e++)
                if (margin[e + 1] != slots[key, e] + 0) {
                    print key ": engine " e " has " margin[e + 1] " slots, the profile " slots[key, e] + 0
                    exit
                }
            if (entries[key] == 1 && margin[1] != cycles[key]) {
                print key ": " margin[1] " cycles, the profile " cycles[key]
                exit
            }
            checked++
        }
        END {
            for (k in want) if (!seen[k]) { print k ": in the profile, not in the annotation"; exit }
            if (!checked) print "no annotated line"
        }' "$1" "$2"
}

# check NAME IMAGE [VRUN OPTIONS]: the profile and annotation of one run.
check() {
    name=$1
    image=$2
    shift 2
    if ! "$bin/vrun" --stats --profile="$tmp/$name.prof" --annotate="$tmp/$name.ann" \
            --report="$tmp/$name.html" "$@" "$image" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
        bad "$name: vrun failed: $(head -3 "$tmp/$name.err")"
        return
    fi
    stats_slots "$tmp/$name.out" >"$tmp/$name.want"
    profile_slots "$tmp/$name.prof" -1 >"$tmp/$name.got"
    if [ -s "$tmp/$name.want" ] && cmp -s "$tmp/$name.want" "$tmp/$name.got"; then
        ok "$name: the profile's slots per line add up to --stats ($(tr '\n' ' ' <"$tmp/$name.got"))"
    else
        bad "$name: profile sums $(tr '\n' ' ' <"$tmp/$name.got"), --stats $(tr '\n' ' ' <"$tmp/$name.want")"
    fi
    cores=$(sed -n 's/^profile: [0-9]* cycles x \([0-9]*\) core.*/\1/p' "$tmp/$name.prof")
    if [ "${cores:-1}" -gt 1 ]; then
        k=0
        : >"$tmp/$name.percore"
        while [ "$k" -lt "$cores" ]; do
            profile_slots "$tmp/$name.prof" "$k" >>"$tmp/$name.percore"
            k=$((k + 1))
        done
        awk '{ sum[$1] += $2; if (!($1 in order)) { order[$1] = ++n; names[n] = $1 } }
             END { for (i = 1; i <= n; i++) print names[i], sum[names[i]] }' \
            "$tmp/$name.percore" >"$tmp/$name.coresum"
        if cmp -s "$tmp/$name.want" "$tmp/$name.coresum"; then
            ok "$name: the $cores cores' profiles add up to --stats"
        else
            bad "$name: per-core sums $(tr '\n' ' ' <"$tmp/$name.coresum"), --stats $(tr '\n' ' ' <"$tmp/$name.want")"
        fi
    fi
    diff=$(annotate_vs_profile "$tmp/$name.prof" "$tmp/$name.ann")
    if [ -z "$diff" ]; then
        ok "$name: the annotation's margin matches the profile"
    else
        bad "$name: annotation: $diff"
    fi
    if [ -s "$tmp/$name.html" ] && grep -q '<svg id="chart"' "$tmp/$name.html"; then
        ok "$name: --report wrote the page"
    else
        bad "$name: --report wrote no page"
    fi
}

for s in baseline vector kernel; do
    if "$bin/vasm" "$samples/$s.vasm" -o "$tmp/$s.bin" 2>"$tmp/$s.asm.err"; then
        check "$s" "$tmp/$s.bin"
    else
        bad "$s: vasm failed: $(head -3 "$tmp/$s.asm.err")"
    fi
done
if "$bin/vasm" "$samples/split/main.vasm" "$samples/split/hash.vasm" -o "$tmp/split.bin" \
        2>"$tmp/split.asm.err"; then
    check split "$tmp/split.bin"
else
    bad "split: vasm failed: $(head -3 "$tmp/split.asm.err")"
fi
if [ -s "$tmp/kernel.bin" ]; then
    check kernel-check "$tmp/kernel.bin" --check
    check kernel-2cores "$tmp/kernel.bin" --cores 2
    if "$bin/vrun" --json --profile "$tmp/kernel.bin" >"$tmp/json" 2>"$tmp/json.err" &&
       "$bin/tests/json_valid" "$tmp/json" 2>/dev/null && grep -q '"profile": \[' "$tmp/json" &&
       grep -q '"macro_call": {"file": ' "$tmp/json"; then
        ok "kernel: --json --profile is valid JSON with a profile array"
    else
        bad "kernel: --json --profile: $(head -c 300 "$tmp/json") $(head -3 "$tmp/json.err")"
    fi
fi

# A plain run has no decoded image (vrun runs the file's bytes in place):
# its fault message still names the slot's own line and its macro call,
# read from the image's per-slot lines.
printf '.macro divide d, a, b\n    alu // \\d, \\a, \\b\n.endm\nload const 1, 7\n< divide 2, 1, 0 ; flow halt >\n' \
    >"$tmp/m.vasm"
abs_bin=$(cd "$bin" && pwd)   # vasm runs in $tmp, so that the file is named m.vasm
if (cd "$tmp" && "$abs_bin/vasm" m.vasm -o m.bin) 2>"$tmp/m.err"; then
    "$bin/vrun" "$tmp/m.bin" >"$tmp/m.out" 2>"$tmp/m.err"
    status=$?
    want="vrun: fault: division by zero on core 0 at pc 1, cycle 1: alu // 2, 1, 0 (m.vasm:2, macro call m.vasm:5)"
    if [ "$status" -eq 3 ] && grep -qxF "$want" "$tmp/m.err"; then
        ok "a plain run's fault names the slot's own line and its macro call"
    else
        bad "plain run fault (exit $status): $(head -3 "$tmp/m.err")"
    fi
else
    bad "macro fault: vasm failed: $(head -3 "$tmp/m.err")"
fi

echo "profile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
