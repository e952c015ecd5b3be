#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test.  First the host-side unit tests that exist
# (userspace: `make -C userspace test`; selftests: `make -C selftests
# host-test`; the same userspace tests built with ASan and UBSan, and each
# libFuzzer target of selftests/fuzz run for FUZZ_CHECK_TIME seconds,
# default 5; scripts/structure.py: the layering of kmod/, function lengths), each
# printing KTAP; then the VM suite (selftests/vm/run.sh).
# Prints one line per test case and a last line "N passed, N failed";
# exits non-zero on any failure.  T=name runs only that VM test program
# (and skips the host tests).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build/vm}
LOG=$ROOT/build/check
mkdir -p "$LOG"
passed=0
failed=0

has_target() { make -s -n -C "$1" "$2" >/dev/null 2>&1; }

# Count a host suite's KTAP: each ok / not ok line is one case; a suite
# that failed without reporting a failed case is one failure more.
host_suite() {
	local name=$1 dir=$2 target=$3 out=$LOG/$1.log rc=0 p f
	echo "[+] host: $name ($dir: make $target)"
	make -s -C "$dir" "$target" >"$out" 2>&1 || rc=$?
	p=$(grep -cE '^ *ok [0-9]+' "$out")
	f=$(grep -cE '^ *not ok [0-9]+' "$out")
	grep -E '^ *(not )?ok [0-9]+' "$out" | sed -E \
		-e 's/^ *not ok [0-9]+ (.*)/FAIL  '"$name"': \1/' \
		-e 's/^ *ok [0-9]+ (.*)/PASS  '"$name"': \1/'
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL  $name: make $target exited $rc"
		tail -n 20 "$out" | sed 's/^/      /'
		f=1
	fi
	[ "$f" != 0 ] && echo "      (log: $out)"
	passed=$((passed + p))
	failed=$((failed + f))
}

if [ -z "${T:-}" ]; then
	if [ -e "$ROOT/userspace/Makefile" ] && has_target "$ROOT/userspace" test; then
		host_suite userspace "$ROOT/userspace" test
	fi
	if has_target "$ROOT/selftests" host-test; then
		host_suite selftests-host "$ROOT/selftests" host-test
	fi
	host_suite structure "$ROOT" structure
	if [ -e "$ROOT/selftests/fuzz/Makefile" ]; then
		host_suite userspace-san "$ROOT/selftests/fuzz" san-test
		CHECK_TIME=${FUZZ_CHECK_TIME:-5} \
			host_suite fuzz "$ROOT/selftests/fuzz" check
	fi
fi

echo "[+] vm: selftests/vm/run.sh check"
vmout=$LOG/vm.log
SUMMARY_PREFIX="vm: " "$ROOT/selftests/vm/run.sh" check 2>&1 | tee "$vmout"
vmrc=${PIPESTATUS[0]}
line=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed' "$vmout" | tail -n 1)
if [ -n "$line" ]; then
	vp=$(echo "$line" | sed -E 's/^vm: ([0-9]+) passed.*/\1/')
	vf=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	passed=$((passed + vp))
	failed=$((failed + vf))
	[ "$vmrc" != 0 ] && [ "$vf" = 0 ] && failed=$((failed + 1))
else
	echo "FAIL  vm: the VM suite produced no result (exit $vmrc)"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
