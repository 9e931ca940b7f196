#!/bin/sh
# make install into a DESTDIR: the four tools, their manual pages, the
# documentation and the samples, the linker library with its headers and
# pkg-config file; the installed tools assemble and run the installed
# sample kernel, a C program links it through the installed library; make
# uninstall removes every file again.
set -u
bin=$(cd "${top_builddir:-.}" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
has() {   # has PATTERN: one installed file's path ends with PATTERN
    if find "$dest" -type f | grep -q -- "$1\$"; then pass=$((pass + 1)); else bad "not installed: $1"; fi
}

dest="$tmp/dest"
# A make of its own, not the jobs of the make running the tests.
if ! (cd "$bin" && env -u MAKEFLAGS -u MFLAGS make -s install DESTDIR="$dest") >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2
    echo "install: make install failed"
    exit 1
fi
for t in vasm vld vdis vrun; do
    has "/bin/$t"
    has "/man/man1/$t.1"
done
for d in README.md cli.md vasm.md language.md objects.md vdis.md vrun.md workload.md \
    image-format.md internals.md python.md vrun-report.png; do
    has "/doc/vliwkit/$d"
done
for h in link.h diag.h image.h isa.h isa.def; do
    has "/include/vliwkit/$h"
done
has "/libvliwlink.a"
has "/libvliwcommon.a"
has "/pkgconfig/vliwkit.pc"
has "/doc/vliwkit/samples/kernel.vasm"
has "/doc/vliwkit/samples/split/main.vasm"
has "/doc/vliwkit/samples/kernel-steps/tables.vasm"

# The installed tools work on the installed sample.
vasm=$(find "$dest" -type f -path '*/bin/vasm')
vrun=$(find "$dest" -type f -path '*/bin/vrun')
kernel=$(find "$dest" -type f -path '*/samples/kernel.vasm')
if "$vasm" "$kernel" -o "$tmp/k.bin" && "$vrun" "$tmp/k.bin" >"$tmp/out" && grep -q '^PASS' "$tmp/out"; then
    pass=$((pass + 1))
else
    bad "the installed vasm and vrun do not pass the installed sample kernel"
fi

# A C program built against the installed headers and libraries (found
# through the installed pkg-config file) links an object as vld would.
pc=$(find "$dest" -type f -name vliwkit.pc)
if command -v pkg-config >/dev/null 2>&1 && [ -n "$pc" ]; then
    prefix=$(pkg-config --variable=prefix "$pc")
    flags=$(pkg-config --define-variable=prefix="$dest$prefix" --cflags --libs "$pc")
    cat >"$tmp/linkit.c" <<'EOC'
#include <stdio.h>
#include "link.h"
int main(int argc, char **argv)
{
    (void)argc;
    img_status st;
    vimage *obj = img_read_file(argv[1], &st);
    if (!obj)
        return 2;
    diag *d = diag_new(stderr, "linkit");
    lnk_input in = {obj, argv[1]};
    lnk_options opt = {0};
    vimage *exe = lnk_link(&in, 1, &opt, d);
    int rc = !exe || img_write_file(exe, argv[2], &st) != 0;
    img_free(exe);
    img_free(obj);
    diag_free(d);
    return rc;
}
EOC
    # shellcheck disable=SC2086
    if ${CC:-cc} ${SANITIZER_FLAGS:-} -o "$tmp/linkit" "$tmp/linkit.c" $flags 2>"$tmp/cc.log" &&
        "$vasm" -c "$kernel" -o "$tmp/k.vo" && "$tmp/linkit" "$tmp/k.vo" "$tmp/c.bin" &&
        "$vrun" "$tmp/c.bin" >"$tmp/out" && grep -q '^PASS' "$tmp/out"; then
        pass=$((pass + 1))
    else
        bad "a C program against the installed library: $(cat "$tmp/cc.log")"
    fi
else
    echo "install: no pkg-config: the C program against the library is skipped"
fi

if (cd "$bin" && env -u MAKEFLAGS -u MFLAGS make -s uninstall DESTDIR="$dest") >"$tmp/log" 2>&1 &&
    [ -z "$(find "$dest" -type f)" ]; then
    pass=$((pass + 1))
else
    bad "make uninstall left: $(find "$dest" -type f | head -5)"
fi

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
