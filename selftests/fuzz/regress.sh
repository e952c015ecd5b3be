#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replay the reproducers of past findings, corpus/<target>/regress-*, one
# KTAP line each: "ok" when the target runs it without a crash, a leak or
# a sanitizer report.  Each file says in its name what it found.
#
#   OUT=build/fuzz ./regress.sh TARGET...
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/../../build/fuzz}
files=()
for t in "$@"; do
	for f in "$HERE/corpus/$t"/regress-*; do
		[ -e "$f" ] && files+=("$t:$f")
	done
done
echo "KTAP version 1"
echo "1..${#files[@]}"
n=0
rc=0
for tf in "${files[@]}"; do
	t=${tf%%:*}
	f=${tf#*:}
	n=$((n + 1))
	out=$("$OUT/$t" -runs=1 "$f" 2>&1)
	if [ $? = 0 ]; then
		echo "ok $n $t $(basename "$f")"
	else
		echo "not ok $n $t $(basename "$f")"
		echo "$out" | grep -E 'ERROR|SUMMARY|runtime error|Assertion' |
			head -n 3 | sed 's/^/# /'
		rc=1
	fi
done
exit $rc
