#!/bin/sh
# Input and output faults (docs/cli.md, "Input and output faults"): a full
# device, an output in a missing directory, an unreadable, missing or
# directory input, standard input as input.  Each is a named error and a
# non-zero exit, and no existing output file is changed.
set -u
bin=$(cd "${top_builddir:-.}" && pwd)
src=$(cd "${top_srcdir:-.}" && pwd)
vasm=$bin/vasm vld=$bin/vld vdis=$bin/vdis vrun=$bin/vrun
tmp=$(mktemp -d) || exit 99
trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
fail=0

# status WANT PATTERN COMMAND...: the exit status, and PATTERN (grep -E) on
# standard error; standard output goes where the command's redirections
# say (run through sh -c for those).
status() {
    want=$1 pattern=$2
    shift 2
    "$@" >/dev/null 2>err
    got=$?
    if [ "$got" -ne "$want" ] || ! grep -Eq -- "$pattern" err; then
        echo "FAIL: exit $got (want $want), stderr should match '$pattern': $*" >&2
        sed 's/^/  | /' err | head -5 >&2
        fail=$((fail + 1))
    fi
}
# unchanged FILE: FILE still holds what keep/FILE holds.
unchanged() {
    cmp -s "$1" "keep-$1" || { echo "FAIL: $1 was changed" >&2; fail=$((fail + 1)); }
}

cp "$src/samples/vector.vasm" v.vasm
"$vasm" v.vasm -o v.bin && "$vasm" -c v.vasm -o v.vo || exit 99
"$vrun" --mem-out v.mem v.bin >/dev/null || exit 99
mkdir dir

full='No space left on device'
# Outputs to a full device: every output of every tool.
status 2 "/dev/full: cannot write: $full" "$vasm" v.vasm -o /dev/full
status 2 "/dev/full: cannot write: $full" "$vasm" -c v.vasm -o /dev/full
status 2 "/dev/full: cannot write: $full" "$vasm" -S v.vasm -o /dev/full
status 2 "/dev/full: cannot write: $full" "$vasm" v.vasm -o x.bin --map /dev/full
status 2 "/dev/full: cannot write: $full" "$vasm" v.vasm -o x.bin -l /dev/full
status 2 "/dev/full: cannot write: $full" "$vasm" v.vasm -o x.bin --disassemble /dev/full
status 2 "/dev/full: cannot write: $full" "$vasm" -O2 "$src/samples/linear.vasm" -o x.bin --sched-report=/dev/full
status 2 "/dev/full: $full" "$vld" v.vo -o /dev/full
status 2 "/dev/full: cannot write the map: $full" "$vld" v.vo -o x.bin --map /dev/full
status 2 "/dev/full: $full" "$vdis" v.bin -o /dev/full
for opt in -o --mem-out --scratch-out --trace= --report= --annotate= --profile= --trace-text=; do
    case $opt in *=) status 2 "cannot write /dev/full: $full" "$vrun" "$opt/dev/full" v.bin ;;
                 *) status 2 "cannot write /dev/full: $full" "$vrun" "$opt" /dev/full v.bin ;; esac
done
status 2 "cannot write /dev/full: $full" "$vrun" --json -o /dev/full v.bin
[ -e x.bin ] && { echo "FAIL: x.bin written although another output failed" >&2; fail=$((fail + 1)); }

# Standard output on a full device: what each tool prints there, the
# help and the version included.
stdout_full="cannot write to standard output: $full|standard output: $full"
# once_only: the last command reported the failure once (the tool's own
# check, or the check at exit), not twice.
once_only() {
    [ "$(grep -c 'standard output' err)" -eq 1 ] || { echo "FAIL: reported more than once:" >&2; cat err >&2; fail=$((fail + 1)); }
}
status 2 "$stdout_full" sh -c '"$1" v.vasm -o - >/dev/full' - "$vasm"
once_only
status 2 "$stdout_full" sh -c '"$1" v.vasm -o x.bin --map - >/dev/full' - "$vasm"
once_only
status 2 "$stdout_full" sh -c '"$1" v.vo -o - >/dev/full' - "$vld"
once_only
status 2 "$stdout_full" sh -c '"$1" v.bin >/dev/full' - "$vdis"
once_only
status 2 "$stdout_full" sh -c '"$1" v.bin >/dev/full' - "$vrun"
once_only
status 2 "$stdout_full" sh -c '"$1" --json v.bin >/dev/full' - "$vrun"
once_only
status 2 "$stdout_full" sh -c '"$1" --stats v.bin >/dev/full' - "$vrun"
once_only
status 2 "$stdout_full" sh -c '"$1" --trace-text v.bin >/dev/full' - "$vrun"
once_only
status 2 "$stdout_full" sh -c '"$1" --annotate v.bin >/dev/full' - "$vrun"
once_only
for tool in "$vasm" "$vld" "$vdis" "$vrun"; do
    status 2 "$stdout_full" sh -c '"$1" --help >/dev/full' - "$tool"
    once_only
    status 2 "$stdout_full" sh -c '"$1" --version >/dev/full' - "$tool"
    once_only
done

# Standard output closed (>&-) is no failure when nothing goes there, and
# one when something does.
"$vasm" v.vasm -o x.bin >&- 2>err && ! [ -s err ] || { echo "FAIL: vasm with standard output closed" >&2; fail=$((fail + 1)); }
status 2 'cannot write to standard output' sh -c '"$1" v.vasm -o - >&-' - "$vasm"
rm -f x.bin

# An output in a missing directory; an existing output is kept when the
# run fails.
status 2 'nodir/x.bin: cannot write: No such file' "$vasm" v.vasm -o nodir/x.bin
status 2 'nodir/x.vo: cannot write: No such file' "$vasm" -c v.vasm -o nodir/x.vo
status 2 'nodir/m: cannot write: No such file' "$vasm" v.vasm -o x.bin --map nodir/m
status 2 'nodir/x.bin: .*No such file' "$vld" v.vo -o nodir/x.bin
status 2 'nodir/m: cannot write the map: No such file' "$vld" v.vo -o x.bin --map nodir/m
status 2 'nodir/x: .*No such file' "$vdis" v.bin -o nodir/x
for opt in -o --mem-out --scratch-out; do
    status 2 'cannot write nodir/x: No such file' "$vrun" "$opt" nodir/x v.bin
done
[ -e x.bin ] && { echo "FAIL: x.bin written although another output failed" >&2; fail=$((fail + 1)); }
echo old >out.bin
cp out.bin keep-out.bin
status 2 'nodir/m: cannot write' "$vasm" v.vasm -o out.bin --map nodir/m
unchanged out.bin
status 2 'nodir/m: cannot write the map' "$vld" v.vo -o out.bin --map nodir/m
unchanged out.bin

# Inputs that cannot be read: missing, a directory, a path through a file.
for bad in missing.vasm dir v.vasm/x; do
    status 2 "$bad: cannot read the source: " "$vasm" "$bad" -o out.bin
    unchanged out.bin
done
for bad in missing.vo dir.vo v.vo/x; do
    [ "$bad" = dir.vo ] && mkdir -p dir.vo
    status 2 "$bad: (cannot read the source: )?(No such file|Is a directory|Not a directory)" "$vasm" "$bad" -o out.bin
    status 2 "$bad: (No such file|Is a directory|Not a directory)" "$vld" "$bad" -o out.bin
    unchanged out.bin
done
for bad in missing.bin dir v.bin/x; do
    status 2 "$bad: (No such file|Is a directory|Not a directory)" "$vdis" "$bad" -o out.bin
    status 2 "$bad: (No such file|Is a directory|Not a directory)" "$vrun" "$bad" -o out.bin
    status 2 "cannot read $bad: (No such file|Is a directory|Not a directory)" "$vrun" --mem-in "$bad" v.bin -o out.bin
    unchanged out.bin
done
# Unreadable by permission: root reads everything, so only as another user.
if [ "$(id -u)" -ne 0 ]; then
    cp v.vasm locked.vasm && cp v.vo locked.vo && cp v.bin locked.bin && cp v.mem locked.mem
    chmod 000 locked.vasm locked.vo locked.bin locked.mem
    status 2 'locked.vasm: cannot read the source: Permission denied' "$vasm" locked.vasm -o out.bin
    status 2 'locked.vo: Permission denied' "$vld" locked.vo -o out.bin
    status 2 'locked.bin: Permission denied' "$vdis" locked.bin -o out.bin
    status 2 'locked.bin: Permission denied' "$vrun" locked.bin -o out.bin
    status 2 'cannot read locked.mem: Permission denied' "$vrun" --mem-in locked.mem v.bin -o out.bin
    unchanged out.bin
fi
# A missing or unreadable include is an error at the directive.
printf '.include "nope.vasm"\n' >inc-missing.vasm
status 1 "inc-missing.vasm:1:10: error: include file 'nope.vasm' not found" "$vasm" inc-missing.vasm -o out.bin
printf '.include "dir"\n' >inc-dir.vasm
status 1 "inc-dir.vasm:1:10: error: cannot read include file 'dir': Is a directory" "$vasm" inc-dir.vasm -o out.bin
unchanged out.bin
# Standard input that is a directory.
status 2 '<stdin>: cannot read the source: Is a directory' sh -c '"$1" - -o out.bin <dir' - "$vasm"
status 2 '-: Is a directory' sh -c '"$1" - -o out.bin <dir' - "$vld"
status 2 '-: Is a directory' sh -c '"$1" - <dir' - "$vdis"
status 2 '-: Is a directory' sh -c '"$1" - <dir' - "$vrun"
status 2 'cannot read standard input: Is a directory' sh -c '"$1" --mem-in - v.bin <dir' - "$vrun"
status 2 'cannot both be standard input' "$vrun" --mem-in - -
unchanged out.bin

# Standard input as input gives what the file gives.
same() {   # same WHAT FILE1 FILE2
    cmp -s "$2" "$3" || { echo "FAIL: $1: $2 and $3 differ" >&2; fail=$((fail + 1)); }
}
"$vasm" - -o stdin.bin <v.vasm && "$vdis" --no-names stdin.bin >stdin.dis && "$vdis" --no-names v.bin >v.dis &&
    same 'vasm -' stdin.dis v.dis || { echo "FAIL: vasm from standard input" >&2; fail=$((fail + 1)); }
"$vld" - -o stdin.bin <v.vo && "$vdis" --no-names stdin.bin >stdin.dis &&
    same 'vld -' stdin.dis v.dis || { echo "FAIL: vld from standard input" >&2; fail=$((fail + 1)); }
"$vdis" - <v.bin >stdin.dis && "$vdis" v.bin >v.dis && same 'vdis -' stdin.dis v.dis ||
    { echo "FAIL: vdis from standard input" >&2; fail=$((fail + 1)); }
"$vrun" --json - <v.bin | sed 's/"program": "[^"]*"//' >stdin.json && "$vrun" --json v.bin |
    sed 's/"program": "[^"]*"//' >v.json && same 'vrun -' stdin.json v.json ||
    { echo "FAIL: vrun from standard input" >&2; fail=$((fail + 1)); }
"$vrun" --mem-in - --mem-out stdin.mem v.bin <v.mem >/dev/null; rc=$?
"$vrun" --mem-in v.mem --mem-out file.mem v.bin >/dev/null
[ "$rc" -eq 0 ] && same 'vrun --mem-in -' stdin.mem file.mem || { echo "FAIL: vrun --mem-in - (exit $rc)" >&2; fail=$((fail + 1)); }

[ "$fail" -eq 0 ] && echo "io faults: all passed"
[ "$fail" -eq 0 ]
