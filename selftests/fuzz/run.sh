#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run libFuzzer targets one after another, each for SECONDS (or, with
# FUZZ_RUNS=N, until N executions or SECONDS, whichever comes first), on
# one core at nice 10, over the checked-in seeds (corpus/<target>/, read
# only) and the work corpus $OUT/corpus/<target>/ (where new inputs go).
# Prints KTAP: one "ok"/"not ok" line per target with its executions and
# coverage (libFuzzer's final "cov:", edges).  A crash, a leak, a timeout,
# a sanitizer report or a target that cannot start is "not ok"; the log
# ($LOGS/<target>.log, default $OUT/logs) and the reproducer
# ($OUT/artifacts/) stay.
#
#   OUT=build/fuzz ./run.sh SECONDS TARGET...
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/../../build/fuzz}
secs=$1
shift
LOGS=${LOGS:-$OUT/logs}
mkdir -p "$LOGS" "$OUT/artifacts"

echo "KTAP version 1"
echo "1..$#"
n=0
failed=0
for t in "$@"; do
	n=$((n + 1))
	log=$LOGS/$t.log
	mkdir -p "$OUT/corpus/$t"
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
	      -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-")
	[ -n "${FUZZ_RUNS:-}" ] && args+=(-runs="$FUZZ_RUNS")
	[ -e "$HERE/dict/$t.dict" ] && args+=(-dict="$HERE/dict/$t.dict")
	[ -n "${FUZZ_ARGS:-}" ] && args+=($FUZZ_ARGS)
	start=$(date +%s)
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
		nice -n "${FUZZ_NICE:-10}" "$OUT/$t" "${args[@]}" \
		"$OUT/corpus/$t" "$HERE/corpus/$t" >"$log" 2>&1
	rc=$?
	el=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -aoE '^#[0-9]+.* cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 |
	      sed -E 's/.* cov: ([0-9]+) ft: ([0-9]+)/\1 ft \2/')
	rate=$(( ${execs:-0} / (el > 0 ? el : 1) ))
	what="$t: ${execs:-?} execs in ${el}s (${rate}/s), cov ${cov:-?}"
	report='^(==[0-9]+==ERROR|SUMMARY: |.*runtime error:)'
	if [ "$rc" = 0 ] && ! grep -aqE "$report" "$log"; then
		echo "ok $n $what"
	else
		echo "not ok $n $what: exit $rc (log: $log)"
		grep -aE 'ERROR|SUMMARY|runtime error|Test unit written|^artifact' "$log" |
			head -n 5 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ "$failed" = 0 ]
