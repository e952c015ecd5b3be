#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the test VM and run selftests/bench/cpns_bench (P1-P3)
# and selftests/bench/cpns_bench_e2e.sh (P4) there instead of the suite;
# their tables are printed here, then the usual judge of the kernel log.
# Environment as for selftests/vm/run.sh (BUILD defaults to
# build/vm-bench, so a bench does not wait for a check's VM; a bench
# program may take up to TEST_TIMEOUT=900 s under TCG).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TEST_TIMEOUT=${TEST_TIMEOUT:-900} VM_TIMEOUT=${VM_TIMEOUT:-2400}
BUILD=${BUILD:-$ROOT/build/vm-bench} exec "$ROOT/selftests/vm/run.sh" bench
