#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the test VM and run selftests/bench/cpns_bench there
# instead of the suite; its table is printed here, then the usual judge of
# the kernel log.  Environment as for selftests/vm/run.sh (BUILD defaults
# to build/vm-bench, so a bench does not wait for a check's VM).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build/vm-bench} exec "$ROOT/selftests/vm/run.sh" bench
