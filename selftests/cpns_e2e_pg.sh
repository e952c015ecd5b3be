#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cpns_e2e.sh, every case of it (every server status over the wire, the
# bad frames, the restart that keeps users, chains, owners and the
# replay cache, CHAIN_EXHAUSTED), with the CPNS Server's store on
# PostgreSQL instead of SQLite: a cluster of this test's own
# (selftests/lib/pg.sh, a Unix socket in a temporary directory, which the
# server node reaches from its namespaces), `server init`, then
# cpns_e2e.sh with CPNS_E2E_DB set to its URI.  Its KTAP is this test's.
# Exit as cpns_e2e.sh; 4 (skip) without PostgreSQL.
# TEST_TIMEOUT=1200
set -u
cd "$(dirname "$0")"
. ./lib/pg.sh

pg_suite_setup e2e
CPNS_E2E_DB=$PG_URI ./cpns_e2e.sh
