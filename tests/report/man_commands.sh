#!/usr/bin/env bash
# man_commands.sh — every subcommand `icmphound --help` lists has a section in the man page
# (docs/icmphound.1, ".SS NAME") and a `--help` of its own that exits 0 and starts with its
# usage line; the man page renders without groff warnings.
#
#   man_commands.sh BIN MANPAGE
set -uo pipefail
bin=$1 man=$2
fail=0
cmds=$("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[[ -n $cmds ]] || { echo "FAIL: no commands in icmphound --help"; exit 1; }
for c in $cmds; do
  grep -qx "\.SS $c" "$man" || { echo "FAIL: the man page has no section for '$c'"; fail=1; }
  out=$("$bin" "$c" --help 2>&1) || { echo "FAIL: icmphound $c --help exited $?"; fail=1; }
  [[ $out == "usage: icmphound $c"* ]] || { echo "FAIL: icmphound $c --help does not start with its usage"; fail=1; }
  grep -q "^Exit status" <<<"$out" || { echo "FAIL: icmphound $c --help does not document its exit status"; fail=1; }
done
if command -v groff >/dev/null; then
  warn=$(groff -man -ww -z "$man" 2>&1)
  [[ -z $warn ]] || { echo "FAIL: groff warnings:"; echo "$warn"; fail=1; }
fi
((fail)) && exit 1
echo "man_commands: ok ($(echo $cmds | wc -w) commands: $(echo $cmds))"
