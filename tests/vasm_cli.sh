#!/bin/sh
# vasm's command line (docs/vasm.md): options, exit status (0 ok, 1 errors
# in the sources or the link, 2 usage or I/O), outputs written only when
# everything succeeded, objects and linking, listing, map, disassembly.
set -u
bin=${top_builddir:-.}
vasm="$(cd "$bin" && pwd)/vasm"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

check() {   # check NAME CONDITION...
    name=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
    else
        echo "FAIL: $name" >&2
        fail=$((fail + 1))
    fi
}

status() {  # status WANT COMMAND...: runs it, compares the exit status
    want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" -eq "$want" ] || { echo "  exit $got, want $want: $*" >&2; cat "$tmp/err" >&2; return 1; }
}

cat >"$tmp/good.vasm" <<'EOF'
.word acc, one
.vec v
start:
    < load const one, 1 ; load const acc, 5 >
loop:
    alu - acc, acc, one
    flow cond_jump_rel acc, loop
    valu + v, v, v
    flow halt
EOF
printf '.word a\nalu + a, a\n' >"$tmp/bad.vasm"
printf '< alu + 5, 0, 0 ; alu + 5, 1, 1 ; alu + 6, 5, 5 >\n' >"$tmp/warn.vasm"

# Help, version, usage errors.
check help status 0 "$vasm" --help
check help-lists-warnings grep -q double-write "$tmp/out"
check version status 0 "$vasm" --version
check version-text grep -q '^vasm (vliwkit)' "$tmp/out"
check no-input status 2 "$vasm"
check unknown-option status 2 "$vasm" --frobnicate "$tmp/good.vasm"
check unknown-warning status 0 "$vasm" -Wfrobnicate "$tmp/good.vasm" -o "$tmp/uw.bin"
check unknown-warning-named grep -q "vasm: warning: unknown warning option '-Wfrobnicate'" "$tmp/err"
check unknown-warning-suggests status 0 "$vasm" -Wdouble-wrte "$tmp/good.vasm" -o "$tmp/uw.bin"
check unknown-warning-suggestion grep -q "did you mean '-Wdouble-write'" "$tmp/err"
check unknown-no-warning-ignored status 0 "$vasm" -Wno-frobnicate "$tmp/good.vasm" -o "$tmp/uw.bin"
check unknown-no-warning-quiet test ! -s "$tmp/err"
# -c with several sources writes NAME.vo for each (as gcc -c does); -o
# cannot name them all, and objects are not assembled again.
mkdir "$tmp/two"
cp "$tmp/good.vasm" "$tmp/two/one.vasm"
cp "$tmp/warn.vasm" "$tmp/two/other.vasm"
check c-with-two-inputs status 0 sh -c "cd '$tmp/two' && \"$vasm\" -c one.vasm other.vasm"
check c-with-two-inputs-objects test -s "$tmp/two/one.vo" -a -s "$tmp/two/other.vo"
check c-with-two-inputs-and-o status 2 "$vasm" -c "$tmp/two/one.vasm" "$tmp/two/other.vasm" -o "$tmp/x.vo"
check c-with-two-inputs-and-o-says grep -q "each gets its own" "$tmp/err"
check c-with-an-object status 2 "$vasm" -c "$tmp/two/one.vo"
check missing-input status 2 "$vasm" "$tmp/nothere.vasm" -o "$tmp/x.bin"
check missing-input-no-output test ! -e "$tmp/x.bin"

# Success writes the image; errors write nothing and keep an old output.
check assemble status 0 "$vasm" "$tmp/good.vasm" -o "$tmp/good.bin"
check image-magic sh -c "head -c 4 '$tmp/good.bin' | grep -q VLWK"
check error-exit status 1 "$vasm" "$tmp/bad.vasm" -o "$tmp/bad.bin"
check error-message grep -q "bad.vasm:2:1: error: alu + takes 3 operands" "$tmp/err"
check error-no-output test ! -e "$tmp/bad.bin"
cp "$tmp/good.bin" "$tmp/keep.bin"
check error-keeps-old status 1 "$vasm" "$tmp/bad.vasm" -o "$tmp/keep.bin" -l "$tmp/keep.lst"
check error-old-untouched cmp -s "$tmp/good.bin" "$tmp/keep.bin"
check error-no-listing test ! -e "$tmp/keep.lst"
check no-temp-left sh -c "! ls '$tmp' | grep -q tmp"

# Standard input and output.
# (stripped: the line maps name the inputs differently)
check stdin status 0 sh -c "\"$vasm\" -s - -o '$tmp/stdin.bin' <'$tmp/good.vasm'"
check stripped status 0 "$vasm" -s "$tmp/good.vasm" -o "$tmp/stripped.bin"
check stdin-same cmp -s "$tmp/stripped.bin" "$tmp/stdin.bin"
check stdout status 0 sh -c "\"$vasm\" '$tmp/good.vasm' -o - >'$tmp/stdout.bin'"
check stdout-same cmp -s "$tmp/good.bin" "$tmp/stdout.bin"

# Objects: -c, then linking objects gives the same image as one step.
check compile status 0 sh -c "cd '$tmp' && \"$vasm\" -c good.vasm"
check compile-default-name test -e "$tmp/good.vo"
check compile-named status 0 "$vasm" -c "$tmp/good.vasm" -o "$tmp/named.vo"
check link-object status 0 "$vasm" "$tmp/named.vo" -o "$tmp/linked.bin"
check link-same cmp -s "$tmp/good.bin" "$tmp/linked.bin"
check c-with-listing status 2 "$vasm" -c "$tmp/good.vasm" -l "$tmp/x.lst"

# Two modules.
printf '.global helper\nhelper: flow halt\n' >"$tmp/lib.vasm"
printf '.extern helper\n.entry\nflow jump helper\n' >"$tmp/main.vasm"
check two-modules status 0 "$vasm" "$tmp/lib.vasm" "$tmp/main.vasm" -o "$tmp/two.bin" --map "$tmp/two.map"
check map-written grep -q 'main.vasm' "$tmp/two.map"
check undefined-extern status 1 "$vasm" "$tmp/main.vasm" -o "$tmp/one.bin"
check undefined-extern-cites-source grep -q "main.vasm:3:11: error: undefined symbol 'helper'" "$tmp/err"
check undefined-extern-caret grep -q '^ *| *^$' "$tmp/err"
check undefined-extern-shows-line grep -q '^ *3 | flow jump helper' "$tmp/err"
check undefined-extern-no-output test ! -e "$tmp/one.bin"

# -D and -I.
mkdir "$tmp/inc"
printf '.equ INCLUDED, 7\n' >"$tmp/inc/defs.inc"
printf '.include "defs.inc"\nload const 1, INCLUDED + N\n' >"$tmp/uses.vasm"
check include-missing status 1 "$vasm" "$tmp/uses.vasm" -o "$tmp/uses.bin"
check include-and-define status 0 "$vasm" -I "$tmp/inc" -DN=3 "$tmp/uses.vasm" -o "$tmp/uses.bin" \
    --disassemble "$tmp/uses.dis"
check define-value grep -q 'load const 1, 10' "$tmp/uses.dis"

# Warnings.
check warning-default status 0 "$vasm" "$tmp/warn.vasm" -o "$tmp/w.bin"
check warning-shown grep -q 'warning: slots 1 and 2 of this bundle both write scratch 5;.*\[-Wdouble-write\]' "$tmp/err"
check warning-off status 0 "$vasm" -Wno-double-write "$tmp/warn.vasm" -o "$tmp/w.bin"
check warning-off-quiet test ! -s "$tmp/err"
check werror status 1 "$vasm" -Werror "$tmp/warn.vasm" -o "$tmp/werror.bin"
check werror-no-output test ! -e "$tmp/werror.bin"
check optional-warning status 0 "$vasm" -Wsame-bundle-read "$tmp/warn.vasm" -o "$tmp/w.bin"
check optional-warning-shown grep -q 'Wsame-bundle-read' "$tmp/err"
check all-warnings-off status 0 "$vasm" -w "$tmp/warn.vasm" -o "$tmp/w.bin"
check all-warnings-off-quiet test ! -s "$tmp/err"

# Messages in source order, whichever stage found them (symbols are
# resolved after the syntax of every line is read).
printf '.word a\nalu + a, zz, a\nalu frob 1, 2, 3\n.wrod\n' >"$tmp/order.vasm"
check order status 1 "$vasm" "$tmp/order.vasm" -o "$tmp/order.bin"
check order-lines sh -c "grep -o '^[^ ]*order.vasm:[0-9]*' '$tmp/err' | cut -d: -f2 | tr '\n' ' ' | grep -qx '2 3 4 '"

# gcc's and clang's warning options, the closing count, colour.
check wall status 0 "$vasm" -Wall "$tmp/warn.vasm" -o "$tmp/w.bin"
check wall-default-warning grep -q 'Wdouble-write' "$tmp/err"
check wall-not-optional sh -c "! grep -q 'Wsame-bundle-read' '$tmp/err'"
check wextra status 0 "$vasm" -Wextra "$tmp/warn.vasm" -o "$tmp/w.bin"
check wextra-optional grep -q 'Wsame-bundle-read' "$tmp/err"
check summary sh -c "n=\$(grep -c ': warning: ' '$tmp/err'); [ \$n -ge 2 ] && grep -q \"^vasm: \$n warnings generated\\.\$\" '$tmp/err'"
check werror-name status 1 "$vasm" -Werror=double-write "$tmp/warn.vasm" -o "$tmp/we.bin"
check werror-name-message grep -q 'error: slots 1 and 2 .*\[-Werror,-Wdouble-write\]' "$tmp/err"
check werror-name-summary grep -q '^vasm: 1 error generated\.$' "$tmp/err"
check werror-name-no-output test ! -e "$tmp/we.bin"
check werror-other-name status 0 "$vasm" -Werror=same-bundle-read -Wno-same-bundle-read "$tmp/warn.vasm" -o "$tmp/w.bin"
check wno-error-name status 0 "$vasm" -Werror -Wno-error=double-write "$tmp/warn.vasm" -o "$tmp/w.bin"
check wno-error-name-warns grep -q 'warning: slots 1 and 2' "$tmp/err"
check errors-summary status 1 "$vasm" "$tmp/bad.vasm" -o "$tmp/bad.bin"
check errors-summary-line grep -q '^vasm: 1 error generated\.$' "$tmp/err"
check color-always status 0 "$vasm" -fdiagnostics-color=always "$tmp/warn.vasm" -o "$tmp/w.bin"
check color-always-escapes grep -q "$(printf '\033')\[1;35mwarning" "$tmp/err"
check color-never status 0 "$vasm" -fdiagnostics-color=never "$tmp/warn.vasm" -o "$tmp/w.bin"
check color-never-plain sh -c "! grep -q \"$(printf '\033')\" '$tmp/err'"
check color-auto-not-a-tty status 0 "$vasm" "$tmp/warn.vasm" -o "$tmp/w.bin"
check color-auto-plain sh -c "! grep -q \"$(printf '\033')\" '$tmp/err'"
check color-bad status 2 "$vasm" -fdiagnostics-color=sometimes "$tmp/warn.vasm" -o "$tmp/w.bin"
if command -v script >/dev/null 2>&1; then
    # On a terminal, colour by default, unless NO_COLOR is set.
    check color-tty status 0 script -qec "\"$vasm\" '$tmp/warn.vasm' -o '$tmp/w.bin'" "$tmp/tty.log"
    check color-tty-escapes grep -q "$(printf '\033')\[1;35mwarning" "$tmp/out"
    check no-color status 0 env NO_COLOR=1 script -qec "\"$vasm\" '$tmp/warn.vasm' -o '$tmp/w.bin'" "$tmp/tty.log"
    check no-color-plain sh -c "grep -q 'warning' '$tmp/out' && ! grep -q \"$(printf '\033')\[1\" '$tmp/out'"
fi

# Listing and disassembly; the disassembly assembles back to the same code.
check listing status 0 "$vasm" "$tmp/good.vasm" -o "$tmp/l.bin" -l "$tmp/l.lst" --disassemble "$tmp/l.dis"
check listing-source grep -q 'alu - acc, acc, one' "$tmp/l.lst"
check listing-label grep -q '^loop:' "$tmp/l.lst"
check reassemble status 0 "$vasm" -s "$tmp/l.dis" -o "$tmp/re.bin"
check reassemble-same cmp -s "$tmp/stripped.bin" "$tmp/re.bin"

# A literal scratch address keeps its word free of variables, in one file
# and across modules (issue 11: `.word x, y` then `alu == x, y, 0` used to
# put x on word 0 and compare x with itself).
printf '.word x, y\n    alu == x, y, 0\n    flow halt\n' >"$tmp/lit.vasm"
check literal-one-file status 0 "$vasm" "$tmp/lit.vasm" --disassemble "$tmp/lit.dis" -o "$tmp/lit.bin"
check literal-not-shared sh -c "grep -q 'alu == ' '$tmp/lit.dis' && ! grep -q '0=x' '$tmp/lit.dis'"
printf '.extern x\n.entry\nmain:\n    alu + x, 5, 0\n    flow halt\n' >"$tmp/litm.vasm"
printf '.global x\n.word x\n' >"$tmp/litl.vasm"
check literal-object status 0 "$vasm" -c "$tmp/litm.vasm" -o "$tmp/litm.vo"
check literal-object-2 status 0 "$vasm" -c "$tmp/litl.vasm" -o "$tmp/litl.vo"
check literal-across-modules status 0 "${vasm%vasm}vld" "$tmp/litm.vo" "$tmp/litl.vo" -o "$tmp/litm.bin" --map "$tmp/litm.map"
check literal-map sh -c "grep -q '^  x  *1 ' '$tmp/litm.map' && grep -q 'literals  *2 words' '$tmp/litm.map'"

# .extern arrays are indexed in words; a declared extent bounds the index
# in the file, the definition bounds it at link time.
printf '.extern w[4]\n.entry\nmain:\n    alu + w[3], w, w + 1\n    flow halt\n' >"$tmp/xa.vasm"
printf '.global w\n.word w[4]\n' >"$tmp/xl.vasm"
check extern-index status 0 "$vasm" "$tmp/xa.vasm" "$tmp/xl.vasm" --disassemble "$tmp/xa.dis" -o "$tmp/xa.bin"
check extern-index-value grep -q 'alu + 3, 0, 1 .*3=w+3' "$tmp/xa.dis"
printf '.extern w[4]\n    alu + w[4], w, w\n' >"$tmp/xb.vasm"
check extern-index-extent status 1 "$vasm" -c "$tmp/xb.vasm" -o "$tmp/xb.vo"
check extern-index-extent-text grep -q "xb.vasm:2:11: error: index 4 is outside 'w' (w\[0..3\])" "$tmp/err"
printf '.extern w\n.entry\nmain:\n    alu + w[5], w, w\n    flow halt\n' >"$tmp/xc.vasm"
check extern-index-link status 1 "$vasm" "$tmp/xc.vasm" "$tmp/xl.vasm" -o "$tmp/xc.bin"
check extern-index-link-text grep -q "xc.vasm:4:.*error: w+5 is outside 'w', which has 4 words (0..3)" "$tmp/err"

# -MD: make dependencies of the includes, as gcc writes them; make itself
# rebuilds the image when an included file changes.
mkdir -p "$tmp/dep/inc"
printf '.include "inc/a.inc"\n    alu + x, x, one\n    flow halt\n' >"$tmp/dep/k.vasm"
printf '.word x\n.include "b.inc"\n' >"$tmp/dep/inc/a.inc"
printf '.equ one, 1\n' >"$tmp/dep/inc/b.inc"
check dep-md sh -c "cd '$tmp/dep' && '$vasm' -MD -MP k.vasm -o k.bin"
check dep-rule grep -qx 'k.bin: k.vasm inc/a.inc inc/b.inc' "$tmp/dep/k.d"
check dep-phony grep -qx 'inc/b.inc:' "$tmp/dep/k.d"
check dep-mf-mt sh -c "cd '$tmp/dep' && '$vasm' -c -MD -MF deps.mk -MT 'obj/k.vo' k.vasm -o k.vo"
check dep-mf-mt-rule grep -qx 'obj/k.vo: k.vasm inc/a.inc inc/b.inc' "$tmp/dep/deps.mk"
check dep-mf-needs-md status 2 "$vasm" -MF "$tmp/x.d" "$tmp/good.vasm" -o "$tmp/x.bin"
check dep-unknown-m status 2 "$vasm" -MX "$tmp/good.vasm"
check dep-none-on-error status 1 "$vasm" -MD "$tmp/bad.vasm" -o "$tmp/bad.bin"
check dep-none-on-error-file test ! -e "$tmp/bad.d"
if command -v make >/dev/null 2>&1; then
    printf 'k.bin: k.vasm\n\t"%s" -MD -MP k.vasm -o k.bin\n-include k.d\n' "$vasm" >"$tmp/dep/Makefile"
    check dep-make-builds sh -c "cd '$tmp/dep' && rm -f k.bin k.d && make -s >/dev/null && test -e k.bin"
    check dep-make-up-to-date sh -c "cd '$tmp/dep' && make -q"
    touch -d '+2 seconds' "$tmp/dep/inc/b.inc"
    check dep-make-sees-include sh -c "cd '$tmp/dep' && ! make -q"
fi

# vdis: the contents of an object or image (headers, symbols, relocations,
# line map) and the source interleaved with the code (-S).
vdis="${vasm%vasm}vdis"
check vdis-obj status 0 "$vasm" -c "$tmp/xa.vasm" -o "$tmp/xa.vo"
check vdis-x status 0 "$vdis" -x "$tmp/xa.vo"
check vdis-x-header grep -q 'xa.vo:  vliwkit relocatable object, format version 3' "$tmp/out"
check vdis-x-symbols grep -Eq '^ +- +4 +scratch +extern +- +1 +w$' "$tmp/out"
check vdis-x-relocs grep -Eq '^ +0 +0 +1 +SCRATCH +w\+3 +.*xa.vasm:4$' "$tmp/out"
check vdis-x-lines grep -Eq '^ +1 +0 +.*xa.vasm:5$' "$tmp/out"
check vdis-x-no-code sh -c "! grep -q '^alu' '$tmp/out'"
check vdis-t-d status 0 "$vdis" -t -d "$tmp/l.bin"
check vdis-t-d-both sh -c "grep -Eq '^ +[0-9]+ +1 +scratch +local +- +1 +acc$' '$tmp/out' && grep -q '^alu - ' '$tmp/out'"
check vdis-python-x status 2 "$vdis" --python -x "$tmp/l.bin"
check vdis-S status 0 "$vdis" -S "$tmp/l.bin"
check vdis-S-source grep -q "^# $tmp/good.vasm:6:     alu - acc, acc, one\$" "$tmp/out"
check vdis-S-order sh -c "grep -A1 ':6:     alu - acc' '$tmp/out' | tail -1 | grep -q '^alu - '"
check vdis-S-reassembles sh -c "'$vasm' -s - -o '$tmp/reS.bin' <'$tmp/out' && cmp -s '$tmp/stripped.bin' '$tmp/reS.bin'"

echo "vasm_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
