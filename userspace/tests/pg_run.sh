#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a store test program against PostgreSQL: a cluster of its own in a
# temporary directory (selftests/lib/pg.sh: Unix socket only, stopped and
# removed after), its URI in CPNS_TEST_STORE.  Without PostgreSQL's
# binaries: one KTAP line saying SKIP.
#
#   tests/pg_run.sh tests/test_store
set -u
prog=$1
. "$(dirname "$0")/../../selftests/lib/pg.sh"
if ! pg_available; then
	echo "KTAP version 1"
	echo "1..1"
	echo "ok 1 ${prog##*/}_postgresql # SKIP no PostgreSQL in $PG_BIN"
	exit 0
fi
dir=$(mktemp -d /tmp/cpns-test-pg.XXXXXX) || exit 1
chmod 0755 "$dir"
trap 'pg_stop; rm -rf "$dir"' EXIT
if ! pg_start "$dir/pg"; then
	echo "Bail out! could not start PostgreSQL"
	exit 1
fi
PATH=$PG_BIN:$PATH CPNS_TEST_STORE=$PG_URI "$prog"
