#!/bin/sh
# tune-kernel.sh: the search behind the tunables of samples/kernel.vasm.
#
#     tools/tune-kernel.sh [VASM [VRUN [KERNEL]]]
#
# Assembles the kernel (vasm -O1, as the Quick start does) for every
# combination of the values below, each a -D of the assembler, runs it on
# the default instance and prints each combination that beats the best so
# far; the last line is the winner, whose values are the defaults written
# in samples/kernel.vasm ("make check-kernel-tunables" checks that they
# are).  Deterministic: the optimizer's output depends only on its input and
# options, and the instance is the default seed.  Ties keep the first found.
# Any set can be overridden from the environment (SEL4_R4_SET="16 20"...).
set -u
vasm=${1:-./vasm}
vrun=${2:-./vrun}
kernel=${3:-samples/kernel.vasm}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
best=999999
for fp in ${FLOW_PAIRS_SET:-1 2}; do
for rw in ${ROUND_WEIGHT_SET:-30 40}; do
for s4a in ${SEL4_R4_SET:-16 20 24}; do
for s4b in ${SEL4_R15_SET:-20 24 28}; do
for ll in ${LATE_LAST_SET:-0 1}; do
for ge in ${GEARLY_SET:-2 4}; do
for ged in ${GEARLY_DEPTH_SET:-1 2}; do
for st in ${STAGGER_SET:-15 18 22}; do
    [ $((ge + s4a)) -le 32 ] || continue
    set -- -D FLOW_PAIRS=$fp -D ROUND_WEIGHT=$rw -D SEL4_R4=$s4a -D SEL4_R15=$s4b -D LATE_LAST=$ll \
           -D GEARLY=$ge -D GEARLY_DEPTH=$ged -D GLATE=0 -D STAGGER=$st
    "$vasm" "$@" "$kernel" -o "$tmp/k.bin" 2>/dev/null || continue
    c=$("$vrun" "$tmp/k.bin" 2>/dev/null | sed -n 's/^CYCLES: //p')
    [ -n "$c" ] || continue
    if [ "$c" -lt "$best" ]; then
        best=$c
        echo "$c $*"
    fi
done; done; done; done; done; done; done; done
