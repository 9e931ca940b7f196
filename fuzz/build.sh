#!/bin/sh
# Builds the libFuzzer harnesses with clang (not needed by the normal
# build): every library source once with -fsanitize=fuzzer-no-link plus
# ASan and UBSan, then each harness with -fsanitize=fuzzer.
#   FUZZ_LIBRARY_FILES='common/isa.c ...' build.sh SRCDIR BUILDDIR OUTDIR
# The library sources come from the Makefile (fuzz/fuzz.mk), so that a
# new module is linked here without a second list to keep.
set -eu
: "${FUZZ_LIBRARY_FILES:?set by make fuzz (fuzz/fuzz.mk)}"
src=$1
build=$2
out=$3
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found (apt-get install clang)" >&2; exit 2; }
flags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -DPACKAGE_VERSION=\"fuzz\""
incs="-I$src/common -I$src/sim -I$src/asm -I$src/lexer -I$src/parser -I$build/lexer -I$build/parser -I$src/fuzz"
mkdir -p "$out/obj"
libs=$FUZZ_LIBRARY_FILES
# An object is rebuilt when its source is newer, and all of them when a
# header or the ISA table is (a changed struct layout must not meet objects
# compiled against the old one).
stamp=$out/obj/.headers
if [ ! -e "$stamp" ] || [ -n "$(find "$src/common" "$src/asm" "$src/sim" "$src/lexer" "$src/parser" "$src/fuzz" \
        \( -name '*.h' -o -name '*.def' \) -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
    rm -f "$out"/obj/*.o
    touch "$stamp"
fi
objs=
for f in $libs lexer/scanner.c parser/grammar.c; do
    case $f in *.c) ;; *) continue ;; esac   # headers, scanner.l, grammar.y, isa.def
    # the scanner and the grammar are generated: in the build tree, or (from a
    # tarball or after make distclean in the source tree) beside their sources
    path=$src/$f
    case $f in lexer/*|parser/*) [ -e "$build/$f" ] && path=$build/$f ;; esac
    o="$out/obj/$(echo "$f" | tr / _).o"
    if [ ! -e "$o" ] || [ "$path" -nt "$o" ]; then
        # shellcheck disable=SC2086
        "$CLANG" $flags -fsanitize=fuzzer-no-link $incs -c "$path" -o "$o"
    fi
    objs="$objs $o"
done
for h in asm link image memfile cli; do
    # fuzz_asm has its own mutator; fuzz_cli also runs the tools' mains (fuzz/main_TOOL.c)
    extra=
    [ "$h" = asm ] && extra="$src/fuzz/mutate_asm.c"
    [ "$h" = cli ] && extra="$src/fuzz/main_vasm.c $src/fuzz/main_vld.c $src/fuzz/main_vdis.c"
    # shellcheck disable=SC2086
    "$CLANG" $flags -fsanitize=fuzzer $incs "$src/fuzz/fuzz_$h.c" $extra $objs -lm -o "$out/fuzz_$h"
done
