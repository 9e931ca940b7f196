#!/bin/sh
# The manual pages (man/help2roff.sh): one per tool, up to date with the
# tool's --help, every option of the help in the page, and valid roff.
set -u
bin=$(cd "${top_builddir:-.}" && pwd)
src=${top_srcdir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

for t in vasm vld vdis vrun; do
    page="$bin/man/$t.1"
    if [ ! -s "$page" ]; then bad "$t: no manual page $page"; continue; fi
    # Up to date: made again from the tool as built, it is the same page.
    sh "$src/man/help2roff.sh" "$bin/$t" "$t" >"$tmp/$t.1" || bad "$t: help2roff failed"
    if cmp -s "$page" "$tmp/$t.1"; then pass=$((pass + 1)); else bad "$t: $page is stale"; fi
    # Every option the help names is in the page (roff writes - as \-).
    "$bin/$t" --help | grep -o -- '--\{0,1\}-[A-Za-z][A-Za-z-]*' | sort -u >"$tmp/options"
    [ -s "$tmp/options" ] || bad "$t: no options found in --help"
    sed 's/\\-/-/g' "$page" >"$tmp/plain"
    while read -r opt; do
        if grep -qF -- "$opt" "$tmp/plain"; then pass=$((pass + 1)); else bad "$t: '$opt' of --help missing from the page"; fi
    done <"$tmp/options"
    grep -q '^\.SH SYNOPSIS' "$page" && grep -q "^$t \\\\- " "$page" && pass=$((pass + 1)) ||
        bad "$t: the page lacks its NAME or SYNOPSIS"
    # Valid roff: groff reports no warnings.
    if command -v groff >/dev/null 2>&1; then
        if groff -man -ww -z "$page" 2>"$tmp/warn" && [ ! -s "$tmp/warn" ]; then
            pass=$((pass + 1))
        else
            bad "$t: groff: $(cat "$tmp/warn")"
        fi
    fi
done

echo "man: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
