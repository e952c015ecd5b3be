#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cpns_roles.sh, every case of it (import validation, every status, the
# forged store edited with psql, wire errors, restart, CHAIN_EXHAUSTED,
# RATE_LIMITED), with the CPNS Server's store on PostgreSQL: a cluster of
# this test's own (selftests/lib/pg.sh), `server init`, then
# cpns_roles.sh with CPNS_ROLES_DB set to its URI.  Its KTAP is this
# test's.  Exit as cpns_roles.sh; 4 (skip) without PostgreSQL.
# TEST_TIMEOUT=1200
set -u
cd "$(dirname "$0")"
. ./lib/pg.sh

pg_suite_setup roles
# A network namespace of its own: the PNE's held euk:pne-0001 of an
# earlier cpns_roles.sh in this boot lives in the root namespace's store
# (held keys survive their test), and would judge this run's first
# delivery a rollback.  PostgreSQL's Unix socket is reached from there.
unshare -n env CPNS_ROLES_DB="$PG_URI" CPNS_ROLES_PSQL="$PG_BIN/psql" ./cpns_roles.sh
