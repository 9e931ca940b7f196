#!/bin/sh
# The HTML report of samples/kernel.vasm in a real browser (headless
# Chromium; skipped, saying so, when it is not installed):
# - the page loads without a console message (errors included): first shown
#   to be seen at all on a page that makes one;
# - its SVG chart has one bar per engine and bucket of cycles, and the grid,
#   opened at a cycle (FILE.html#cycle=N), shows the bundle core 0 ran then,
#   slot by slot with each slot's source line, as vrun's own trace of that
#   cycle has it (tests/report_dom.py).
set -u
chromium=${CHROMIUM:-/usr/bin/chromium}
samples=${top_srcdir:-.}/samples
tests=${top_srcdir:-.}/tests
bin=${top_builddir:-.}
if [ ! -x "$chromium" ]; then
    echo "SKIP: $chromium is not installed, so the HTML report is not checked in a browser"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is not installed, so the report's DOM cannot be checked"
    exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# browse URL NAME: the DOM after the page's scripts ran into $tmp/NAME.dom,
# Chromium's log (console messages included) into $tmp/NAME.log.
runs=0
browse() {
    runs=$((runs + 1))
    "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$tmp/user-$runs" --enable-logging=stderr --v=0 \
        --dump-dom "$1" >"$tmp/$2.dom" 2>"$tmp/$2.log"
}

# The console messages Chromium logged.
console() { grep ':CONSOLE' "$tmp/$1.log"; }

printf '<!DOCTYPE html><html><body><script>console.error("seen"); no_such_function();</script></body></html>\n' \
    >"$tmp/broken.html"
browse "file://$tmp/broken.html" broken
if console broken | grep -q 'no_such_function'; then
    ok "a page's console errors show in Chromium's log"
else
    bad "Chromium did not log a broken page's console errors: $(head -c 300 "$tmp/broken.log")"
fi

if ! "$bin/vasm" "$samples/kernel.vasm" -o "$tmp/k.bin" 2>"$tmp/asm.err"; then
    bad "vasm samples/kernel.vasm: $(head -3 "$tmp/asm.err")"
    exit 1
fi
"$bin/vrun" --json "$tmp/k.bin" >"$tmp/k.json" 2>&1
cycles=$(sed -n 's/.*"cycles": \([0-9]*\),.*/\1/p' "$tmp/k.json" | head -1)
if ! "$bin/vrun" --report="$tmp/k.html" "$tmp/k.bin" >"$tmp/k.out" 2>&1 || [ -z "$cycles" ]; then
    bad "vrun --report: $(head -3 "$tmp/k.out")"
    exit 1
fi

# At the start, in the middle and at the last cycle.
for at in 0 $((cycles / 2 + 7)) $((cycles - 1)); do
    browse "file://$tmp/k.html#cycle=$at" "k$at"
    if [ -n "$(console "k$at")" ]; then
        bad "cycle $at: console messages: $(console "k$at" | head -3)"
    else
        ok "cycle $at: the page loads without console messages"
    fi
    "$bin/vrun" --trace="$tmp/t$at.json" --trace-cycles "$at:$at" "$tmp/k.bin" >/dev/null 2>&1
    if result=$(python3 "$tests/report_dom.py" "$tmp/k$at.dom" "$cycles" "$at" "$tmp/t$at.json"); then
        ok "cycle $at: $result"
    else
        bad "cycle $at: $result"
    fi
done

# A loop, where the pc is not the cycle: 30 turns of a 3-bundle body.
cat >"$tmp/loop.vasm" <<'EOF'
.word left, one, acc
    < load const left, 30 ; load const one, 1 >
loop:
    alu - left, left, one
    < alu + acc, acc, one ; alu * one, one, one >
    flow cond_jump_rel left, loop
    flow halt
EOF
if "$bin/vasm" "$tmp/loop.vasm" -o "$tmp/loop.bin" 2>"$tmp/asm.err" &&
   "$bin/vrun" --report="$tmp/loop.html" --trace="$tmp/tl.json" --trace-cycles 50:50 \
       "$tmp/loop.bin" >"$tmp/loop.out" 2>&1; [ -s "$tmp/loop.html" ]; then
    loop_cycles=$(sed -n 's/^CYCLES: //p' "$tmp/loop.out")
    browse "file://$tmp/loop.html#cycle=50" loop
    if [ -z "$(console loop)" ] &&
       result=$(python3 "$tests/report_dom.py" "$tmp/loop.dom" "$loop_cycles" 50 "$tmp/tl.json"); then
        ok "a loop: $result"
    else
        bad "a loop: $(console loop | head -3) $result"
    fi
else
    bad "the loop's report: $(head -3 "$tmp/asm.err" "$tmp/loop.out")"
fi

echo "report_browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
