#!/bin/sh
# make check-valgrind: shell tests of the suite again, with every tool they
# run (vasm, vld, vdis, vrun and the fuzz replayers) under valgrind
# memcheck: an invalid read or write, a use of an uninitialised value or a
# leak (definite, indirect or possible) is an error.  The tests find the
# tools through top_builddir, so they run against a directory of wrappers
# (valgrind-bin/) whose tests/, man/ lead to the build's.  Each tool run
# writes its own log in valgrind-logs/; any non-empty log fails.
#   valgrind.sh SRCDIR BUILDDIR TEST...
set -u
src=$1
build=$2
shift 2
command -v valgrind >/dev/null || { echo "check-valgrind: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
wrap=$build/valgrind-bin
logs=$build/valgrind-logs
rm -rf "$wrap" "$logs"
mkdir -p "$wrap/fuzz" "$logs"
ln -s "$build/tests" "$wrap/tests"
ln -s "$build/man" "$wrap/man"
for tool in vasm vld vdis vrun fuzz/replay_asm fuzz/replay_link fuzz/replay_image fuzz/replay_memfile \
            fuzz/replay_cli; do
    # The log on a descriptor of its own: with --log-file, a test that
    # closes standard output (>&-) would have the log opened there.
    cat >"$wrap/$tool" <<EOF
#!/bin/sh
exec 9>'$logs/$(basename "$tool")'.\$\$.log
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \\
    --errors-for-leak-kinds=definite,indirect,possible --log-fd=9 '$build/$tool' "\$@"
EOF
    chmod +x "$wrap/$tool"
done

# The tests run at once (valgrind is slow, and they are independent).
for t in "$@"; do
    name=$(basename "$t")
    (
        start=$(date +%s)
        top_srcdir=$src top_builddir=$wrap sh "$src/$t" >"$logs/$name.out" 2>&1
        echo "$? $(($(date +%s) - start))" >"$logs/$name.status"
    ) &
done
wait
fail=0
for t in "$@"; do
    name=$(basename "$t")
    read -r rc secs <"$logs/$name.status"
    if [ "$rc" -eq 0 ]; then
        echo "PASS: $t ($secs s)"
    else
        echo "FAIL: $t ($secs s)"
        tail -n 20 "$logs/$name.out"
        fail=$((fail + 1))
    fi
done
runs=$(find "$logs" -name '*.log' | wc -l)   # one per tool run
bad=$(find "$logs" -name '*.log' -size +0c)
if [ -n "$bad" ]; then
    echo "check-valgrind: memcheck reports in:" $bad
    for f in $bad; do head -n 40 "$f"; done
    fail=$((fail + 1))
fi
echo "check-valgrind: $runs tool runs under memcheck, $(echo "$bad" | grep -c .) with reports; $fail failed"
[ "$fail" -eq 0 ]
