#!/bin/sh
# The command-line conventions of docs/cli.md, each case run against all
# four tools: help and version, option syntax, the wording of usage
# errors, exit codes, message prefixes, "-" for standard streams, and the
# refusal to write an output over an input.
set -u
bin=$(cd "${top_builddir:-.}" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

# run TOOL WANT ARGS...: runs bin/TOOL in $tmp, stdout in $tmp/out,
# stderr in $tmp/err; checks the exit code.
run() {
    tool=$1 want=$2
    shift 2
    (cd "$tmp" && "$bin/$tool" "$@") >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$tool $*: exit $got, want $want: $(head -c 300 "$tmp/err")"; fi
}
has() {   # has FILE TEXT
    if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks '$2': $(head -c 300 "$1")"; fi
}
# Every line on standard error starts with "TOOL:" or "FILE:LINE:COL:"
# (or is a source line or caret under such a message).
prefixed() {   # prefixed TOOL
    if awk -v t="$1: " 'index($0, t) == 1 || /^[^ :]+:[0-9]+:[0-9]+: / || /^ *[0-9]* \| / { next }
                        { bad = 1; print "unprefixed: " $0 } END { exit bad }' "$tmp/err" >&2; then
        ok
    else
        bad "$1: a message without the tool's prefix"
    fi
}

# One valid input per tool: a source, an object, an image, an image.
cat >"$tmp/k.vasm" <<'EOS'
.word a
    load const a, 1
    flow halt
EOS
# The image is the sample kernel, so that vrun's verdict is a pass.
"$bin/vasm" -c "$tmp/k.vasm" -o "$tmp/k.vo" &&
    "$bin/vasm" "${top_srcdir:-.}/samples/kernel.vasm" -o "$tmp/k.bin" || exit 99
printf 'not a vliwkit file at all\n' >"$tmp/junk.vo"
cp "$tmp/junk.vo" "$tmp/junk.bin"

input() {   # the valid input of a tool
    case $1 in vasm) echo k.vasm ;; vld) echo k.vo ;; *) echo k.bin ;; esac
}
junk() {
    case $1 in vasm | vld) echo junk.vo ;; *) echo junk.bin ;; esac
}

for t in vasm vld vdis vrun; do
    in=$(input "$t")

    # Help and version, long and short.
    for h in --help -h; do
        run $t 0 $h && has "$tmp/out" "sage: $t"
    done
    for v in --version -V; do
        run $t 0 $v && has "$tmp/out" "$t (vliwkit) "
    done

    # Usage errors: exit 2, one wording, a pointer to --help.
    run $t 2 --frobnicate "$in"
    has "$tmp/err" "$t: error: unknown option '--frobnicate'"
    has "$tmp/err" "$t: note: '$t --help' lists the options"
    prefixed $t
    run $t 2 --hlep
    has "$tmp/err" "did you mean '--help'?"
    run $t 2 -help
    has "$tmp/err" "did you mean '--help'?"
    run $t 2 --version=2
    has "$tmp/err" "$t: error: option '--version' takes no argument"
    run $t 2 "$in" -o
    has "$tmp/err" "$t: error: option '-o' needs an argument"
    run $t 2 "$in" --output
    has "$tmp/err" "$t: error: option '--output' needs an argument"
    run $t 2 -sq "$in"   # short options are not bundled
    has "$tmp/err" "$t: error: unknown option '-sq'"

    # -o / --output with a separate argument, '=' or attached.
    for form in "-o o1.$t" "-oo1.$t" "--output o1.$t" "--output=o1.$t"; do
        rm -f "$tmp/o1.$t"
        # shellcheck disable=SC2086
        run $t 0 "$in" $form
        if [ -s "$tmp/o1.$t" ]; then ok; else bad "$t $form: no output written"; fi
    done
    # "--" ends the options.
    run $t 0 -o o2.$t -- "$in"

    # "-": standard input, standard output.
    (cd "$tmp" && "$bin/$t" -o - - <"$in" >"$tmp/out" 2>"$tmp/err")
    if [ $? -eq 0 ] && [ -s "$tmp/out" ]; then ok; else bad "$t - -o -: $(cat "$tmp/err")"; fi

    # Exit 2 for an input that cannot be read or is rejected, and for an
    # output that cannot be written; the message leads with the tool.
    run $t 2 nothere.in -o x.out
    has "$tmp/err" "$t: error: nothere.in: "
    has "$tmp/err" "No such file or directory"
    prefixed $t
    run $t 2 "$(junk $t)" -o x.out
    has "$tmp/err" "$t: error: $(junk $t): "
    prefixed $t
    run $t 2 "$in" -o nodir/x.out
    has "$tmp/err" "$t: error: "
    prefixed $t

    # No output over an input, under its own name or another.
    cp "$tmp/$in" "$tmp/keep"
    run $t 2 "$in" -o "$in"
    has "$tmp/err" "$t: error: input file '$in' is the same as output file '$in'"
    run $t 2 "$in" -o "./$in"
    has "$tmp/err" "is the same as output file"
    ln -f "$tmp/$in" "$tmp/hardlink"
    run $t 2 "$in" -o hardlink
    has "$tmp/err" "is the same as output file"
    if cmp -s "$tmp/$in" "$tmp/keep"; then ok; else bad "$t replaced its input"; fi
    rm -f "$tmp/hardlink"
done

# Both linkers cite a link error at file:line:col with the source line and
# a caret, from what the object records (docs/objects.md#errors).
printf '.extern helpr\n.entry\nmain:\n    flow jump helpr\n' >"$tmp/u.vasm"
"$bin/vasm" -c "$tmp/u.vasm" -o "$tmp/u.vo" || exit 99
for t in vasm vld; do
    run $t 1 u.vo -o u.bin
    has "$tmp/err" "u.vasm:4:15: error: undefined symbol 'helpr'"
    has "$tmp/err" "    4 |     flow jump helpr"
    has "$tmp/err" "      |               ^"
    prefixed $t
done

# Tool-specific outputs are checked too (maps, listings, memory dumps).
run vasm 2 k.vasm -o a.bin --map k.vasm
has "$tmp/err" "vasm: error: input file 'k.vasm' is the same as output file 'k.vasm'"
run vasm 2 k.vasm -o same.out -l same.out
has "$tmp/err" "vasm: error: two outputs go to the same file 'same.out'"
run vld 2 k.vo -o a.bin --map k.vo
run vrun 2 k.bin --mem-out k.bin
has "$tmp/err" "vrun: error: input file 'k.bin' is the same as output file 'k.bin'"
# An optional value follows '=', or is the next argument when one image
# remains; when either of two could be the image, the error asks for '='.
run vrun 0 --trace t.json k.bin
has "$tmp/err" "wrote the Chrome trace to t.json"
run vrun 2 --trace t.json --profile k.bin
has "$tmp/err" "give the file of --profile with '=' (--profile=FILE)"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
