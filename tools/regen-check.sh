#!/bin/sh
# The searched tables of samples/kernel-steps.vasm (the step order and the
# op offsets) are what tools/steps_search prints: a fresh run, into a
# temporary directory, gives the committed files byte for byte.  When it
# does not, the search or its rules changed: `make regen-kernel-steps`
# rewrites them (then check the kernel: vasm, vrun --trials, vrun --check).
set -u
dir=${top_srcdir:-.}/samples/kernel-steps
search=${top_builddir:-.}/tools/steps_search
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

if ! "$search" "$tmp" 2>"$tmp/log"; then
    echo "FAIL: steps_search: $(tail -3 "$tmp/log")"
    exit 1
fi
fail=0
for f in schedule.vasm tables.vasm; do
    if cmp -s "$tmp/$f" "$dir/$f"; then
        echo "PASS: samples/kernel-steps/$f is what the search gives"
    else
        echo "FAIL: samples/kernel-steps/$f differs from a fresh search (make regen-kernel-steps):"
        diff -u "$dir/$f" "$tmp/$f" | head -20
        fail=1
    fi
done
exit $fail
