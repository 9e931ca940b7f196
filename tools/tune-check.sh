#!/bin/sh
# tune-check.sh: runs tools/tune-kernel.sh and checks that its winner is
# what samples/kernel.vasm has as defaults (each `.ifndef NAME / .equ NAME,
# VALUE`) and that the kernel takes the cycles the search measured.
#     tools/tune-check.sh VASM VRUN KERNEL
set -u
vasm=$1 vrun=$2 kernel=$3
here=$(dirname "$0")
best=$("$here/tune-kernel.sh" "$vasm" "$vrun" "$kernel" | tail -n 1)
[ -n "$best" ] || { echo "tune-check: the search found nothing"; exit 1; }
echo "tune-check: the search's best: $best"
fail=0
for d in $best; do
    case $d in
    *=*)
        name=${d%%=*} value=${d#*=}
        have=$(sed -n "/^\.ifndef $name\$/{n;s/^\.equ $name, \([-0-9]*\).*/\1/p;}" "$kernel")
        if [ "$have" != "$value" ]; then
            echo "tune-check: $kernel has $name = ${have:-nothing}, the search found $value"
            fail=1
        fi;;
    esac
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$vasm" "$kernel" -o "$tmp/k.bin" && got=$("$vrun" "$tmp/k.bin" | sed -n 's/^CYCLES: //p')
want=${best%% *}
if [ "$got" != "$want" ]; then
    echo "tune-check: the kernel as written takes $got cycles, the search measured $want"
    fail=1
fi
[ $fail -eq 0 ] && echo "tune-check: samples/kernel.vasm holds the search's values ($want cycles)"
exit $fail
