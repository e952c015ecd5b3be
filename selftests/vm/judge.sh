#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge what the VM sent back over its result port (see init):
#   - every leaf test case (each "ok"/"not ok" line a program printed) is
#     one test; a program that printed none counts as one test itself; a
#     program that failed although its cases passed (crash, bad exit,
#     wrong plan) adds one failure;
#   - the kernel log must hold no oops, WARN, BUG, KASAN/KFENCE/UBSAN/
#     kmemleak report, lockdep splat or hung task;
#   - the taint mask may hold only O (out-of-tree) and E (unsigned).
# Prints one line per test, the boot-to-results time and a last line
# "N passed, N failed"; exits 1 on any failure.
#
#   judge.sh RESULTS MODE ELAPSED_SECONDS
set -eu

RESULTS=$1
MODE=${2:-check}
ELAPSED=${3:-?}

ktap=$(sed -n '/^CPNS-VM-UP/,/^CPNS-TAINTED/p' "$RESULTS" | grep -v '^CPNS-')
tainted=$(sed -n 's/^CPNS-TAINTED //p' "$RESULTS" | tail -n 1)
dmesg=$(sed -n 's/^CPNS-DMESG //p' "$RESULTS")

summary=$(printf '%s\n' "$ktap" | awk '
function flush_prog() {
	if (prog == "")
		return
	if (!have_top) {
		printf "FAIL\t%s: no result (runner died)\n", prog
		failed++
	} else if (leaves == 0) {
		if (top_ok && top_skip) { printf "SKIP\t%s\n", prog; skipped++ }
		else if (top_ok) { printf "PASS\t%s\n", prog; passed++ }
		else { printf "FAIL\t%s%s\n", prog, top_why; failed++ }
	} else if (!top_ok && leaf_failed == 0) {
		printf "FAIL\t%s: program failed although its cases passed%s\n", prog, top_why
		failed++
	}
	prog = ""
}
/^# selftests: cpns: / {
	flush_prog()
	prog = $4
	leaves = 0; leaf_failed = 0; have_top = 0; top_ok = 0; top_skip = 0; top_why = ""
	progs++
	next
}
/^1\.\.[0-9]+/ && plan == "" { plan = substr($0, 4) + 0; next }
/^ +(not )?ok [0-9]+/ {
	if (prog == "")
		next
	line = $0
	sub(/^ +/, "", line)
	ok = (line ~ /^ok/)
	sub(/^(not )?ok [0-9]+ */, "", line)
	name = line
	skip = (name ~ /# *[Ss][Kk][Ii][Pp]/)
	sub(/ *#.*$/, "", name)
	leaves++
	if (skip) { printf "SKIP\t%s: %s\n", prog, name; skipped++ }
	else if (ok) { printf "PASS\t%s: %s\n", prog, name; passed++ }
	else {
		printf "FAIL\t%s: %s\n", prog, name; failed++; leaf_failed++
		recap = recap sprintf("RECAP\t%s: %s\n", prog, name)
		for (i = 1; i <= nwhy; i++) {
			printf "WHY\t%s\n", why[i]
			recap = recap sprintf("WHY\t%s\n", why[i])
		}
	}
	nwhy = 0
	next
}
# A case'"'"'s diagnostics ("# ..." lines before its result), kept for a FAIL.
/^ +# / {
	if (nwhy < 40) {
		line = $0
		sub(/^ +/, "", line)
		why[++nwhy] = line
	}
	next
}
/^(not )?ok [0-9]+/ {
	have_top = 1
	top_ok = ($0 ~ /^ok/)
	top_skip = ($0 ~ /# SKIP/)
	top_why = ""
	if (match($0, /# .*$/))
		top_why = " (" substr($0, RSTART + 2) ")"
	flush_prog()
	next
}
END {
	flush_prog()
	if (plan == "" || progs != plan) {
		printf "FAIL\tsuite: planned %s programs, ran %d\n", plan, progs
		failed++
	}
	printf "%s", recap
	printf "COUNT\t%d\t%d\t%d\n", passed, failed, skipped
}')

passed=$(printf '%s\n' "$summary" | awk -F'\t' '/^COUNT/{print $2}')
failed=$(printf '%s\n' "$summary" | awk -F'\t' '/^COUNT/{print $3}')
skipped=$(printf '%s\n' "$summary" | awk -F'\t' '/^COUNT/{print $4}')
# Each FAIL with its diagnostics; the failed cases again at the end (the
# part of a long log that is seen first).
printf '%s\n' "$summary" | awk -F'\t' '
	$1 == "RECAP" || $1 == "COUNT" { exit }
	$1 == "WHY" { printf "      %s\n", $2; next }
	{ printf "%-4s  %s\n", $1, $2 }'

# The kernel's log.
pattern='Oops|BUG:|WARNING:|general protection fault|Kernel panic|KASAN|KFENCE|UBSAN|kmemleak|unreferenced object|possible recursive locking|circular locking dependency|inconsistent lock state|suspicious RCU usage|lockdep|blocked for more than|rcu_.*detected stall|Call Trace:|stack-protector|double free|refcount_t:|list_(add|del) corruption'
# A debug kernel (make check-debug) names its checkers when it boots.
benign='RCU lockdep checking is enabled|kmemleak: Kernel memory leak detector initialized'
bad=$(printf '%s\n' "$dmesg" | grep -E "$pattern" | grep -vE "$benign" || true)
if [ -z "$bad" ]; then
	echo "PASS  kernel: log free of oops, WARN, BUG, KASAN, kmemleak, lockdep reports"
	passed=$((passed + 1))
else
	echo "FAIL  kernel: log shows a kernel report:"
	printf '%s\n' "$dmesg" | grep -E -B2 -A20 "$pattern" | head -n 80 | sed 's/^/      /'
	failed=$((failed + 1))
fi

# The taint mask, decoded (Documentation/admin-guide/tainted-kernels.rst).
letters=PFSRMBUDAWCIOELKXTN
allowed=$(((1 << 12) | (1 << 13))) # O: out-of-tree, E: unsigned module
if [ -z "$tainted" ]; then
	echo "FAIL  kernel: no taint value reported"
	failed=$((failed + 1))
else
	flags=
	for i in $(seq 0 18); do
		[ $((tainted >> i & 1)) = 1 ] && flags="$flags${letters:i:1}"
	done
	if [ $((tainted & ~allowed)) = 0 ]; then
		echo "PASS  kernel: taint $tainted (${flags:--}) is only O/E"
		passed=$((passed + 1))
	else
		echo "FAIL  kernel: taint $tainted ($flags) has more than O (out-of-tree) and E (unsigned)"
		failed=$((failed + 1))
	fi
fi

up=$(sed -n 's/^CPNS-VM-UP [^ ]* //p' "$RESULTS" | head -n 1)
times=$(printf '%s\n' "$ktap" | sed -n 's/^# time: \([^ ]*\) \([0-9.]*\) s$/\1 \2s/p' | paste -sd ' ')
echo "VM timing: /init at ${up:-?}s of uptime; ${times:-no program timed}"
echo "VM boot-to-results: ${ELAPSED} s ($MODE)"
if printf '%s\n' "$summary" | grep -q '^RECAP'; then
	echo "Failed cases and their diagnostics:"
	printf '%s\n' "$summary" | sed -n '/^RECAP/,$p' | awk -F'\t' '
		$1 == "RECAP" { printf "FAIL  %s\n", $2 }
		$1 == "WHY" { printf "      %s\n", $2 }'
fi
[ "$skipped" -gt 0 ] && echo "$skipped skipped"
echo "${SUMMARY_PREFIX:-}$passed passed, $failed failed"
[ "$failed" -eq 0 ]
