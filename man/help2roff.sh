#!/bin/sh
# help2roff.sh PROGRAM NAME: writes the manual page of a vliwkit tool to
# standard output, made from its own --help and --version, so the page
# and the help are one text and cannot disagree (tests/man.sh checks it).
# The help's usage line becomes the SYNOPSIS, the rest the DESCRIPTION.
set -eu
prog=$1
name=$2
case $name in
vasm) summary='the vliwkit assembler and linker driver' ;;
vld) summary='the vliwkit linker' ;;
vdis) summary='the vliwkit disassembler' ;;
vrun) summary='the vliwkit cycle-exact simulator and benchmark runner' ;;
*) echo "help2roff.sh: unknown tool '$name'" >&2; exit 2 ;;
esac
help=$("$prog" --help)
version=$("$prog" --version | sed 's/^[^ ]* (vliwkit) //')
upper=$(echo "$name" | tr 'a-z' 'A-Z')

# Roff escapes: a backslash is \e, a line starting with . or ' is protected.
roff() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }

printf '.TH %s 1 "" "vliwkit %s" "vliwkit manual"\n' "$upper" "$version"
printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
printf '.SH SYNOPSIS\n.nf\n'
echo "$help" | sed -n '1s/^[Uu]sage: *//p' | roff
printf '.fi\n.SH DESCRIPTION\n.nf\n'
echo "$help" | sed '1d' | roff
printf '.fi\n'
cat <<EOT
.SH CONVENTIONS
All four tools share the option syntax, messages and exit codes described in
cli.md in the installed documentation (docs/cli.md in the source tree).
.SH SEE ALSO
.BR vasm (1),
.BR vld (1),
.BR vdis (1),
.BR vrun (1)
EOT
