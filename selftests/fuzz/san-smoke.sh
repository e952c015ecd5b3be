#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cpnsctl built with ASan and UBSan, run the ways that need no module:
# each subcommand's --help, version and show (which walk the caller's
# keyrings and fail only for want of the module), server list over a new
# store.  Its own exit codes do not matter here; a sanitizer report
# (exit 86) or a signal does.  KTAP, one line per run.
#
#   san-smoke.sh path/to/cpnsctl WORKDIR
set -u

bin=$1
work=$2
mkdir -p "$work"
rm -f "$work/smoke.db"*
runs=(
	"--help"
	"version"
	"show"
	"show --json"
	"server list --db $work/smoke.db"
	"server list --db $work/smoke.db --json"
)
for c in server gw pne monitor show version; do
	runs+=("$c --help")
done
export ASAN_OPTIONS=exitcode=86:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86
echo "KTAP version 1"
echo "1..${#runs[@]}"
n=0
rc=0
for r in "${runs[@]}"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	out=$("$bin" $r 2>&1 </dev/null)
	s=$?
	if [ "$s" = 86 ] || [ "$s" -ge 128 ]; then
		echo "not ok $n cpnsctl $r under ASan/UBSan: exit $s"
		echo "$out" | grep -E 'ERROR|SUMMARY|runtime error' | head -n 3 |
			sed 's/^/# /'
		rc=1
	else
		echo "ok $n cpnsctl $r under ASan/UBSan (exit $s)"
	fi
done
exit $rc
