#!/bin/sh
# Golden programs (tests/golden/, copied from the project's shared specs):
# each pNNN.vasm, assembled by vasm and run by vrun on pNNN.mem with the
# number of cores its pNNN.json names, must give exactly the cycle count,
# per-core pc, state and trace buffer of pNNN.json, and byte-identical final
# memory (pNNN.mem-out) and scratch (pNNN.scratch-out).  The expected
# results come from an independent model of the machine.
set -u
src=${top_srcdir:-.}/tests/golden
bin=${top_builddir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# The values of one key of a one-line JSON object, spaces removed, one a line.
json_values() { tr -d ' \n' <"$1" | grep -o "\"$2\":\(\[[^]]*\]\|\"[^\"]*\"\|[0-9]*\)"; }

pass=0
fail=0
for prog in "$src"/p*.vasm; do
    name=$(basename "$prog" .vasm)
    expect="$src/$name.json"
    cores=$(json_values "$expect" id | wc -l)
    why=""
    if ! "$bin/vasm" -Wno-double-write "$prog" -o "$tmp/$name.bin" 2>"$tmp/err"; then
        why="vasm failed: $(head -3 "$tmp/err")"
    else
        "$bin/vrun" --json --cores "$cores" --mem-in "$src/$name.mem" --mem-out "$tmp/mem" \
            --scratch-out "$tmp/scratch" "$tmp/$name.bin" >"$tmp/run.json" 2>"$tmp/err"
        for key in cycles pc state trace; do
            json_values "$expect" $key >"$tmp/want.$key"
            json_values "$tmp/run.json" $key >"$tmp/got.$key"
            cmp -s "$tmp/want.$key" "$tmp/got.$key" ||
                why="$why $key: want $(tr '\n' ' ' <"$tmp/want.$key")got $(tr '\n' ' ' <"$tmp/got.$key");"
        done
        cmp -s "$tmp/mem" "$src/$name.mem-out" || why="$why final memory differs;"
        cmp -s "$tmp/scratch" "$src/$name.scratch-out" || why="$why final scratch differs;"
    fi
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "PASS: $name"
    else
        fail=$((fail + 1))
        echo "FAIL: $name:$why"
    fi
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
