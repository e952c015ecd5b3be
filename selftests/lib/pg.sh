# SPDX-License-Identifier: GPL-2.0
#
# A PostgreSQL cluster of the test's own (sourced, sh or bash): made with
# Debian's initdb in a temporary directory, serving only on a Unix socket
# in that directory (no TCP port), trust authentication for the one role
# cpns, one database cpns; stopped and removed by pg_stop.  A socket in
# the file system is reached from every network namespace, so server
# instances in namespaces of their own share it.
#
#   pg_start DIR     make and start the cluster in DIR (must not exist);
#                    sets PG_URI (postgresql:///cpns?host=DIR&user=cpns)
#   pg_psql SQL...   run SQL in the database, unaligned, tuples only
#   pg_restart       stop the server (fast: connections are cut) and
#                    start it again on the same data
#   pg_kill          stop it (immediate)      pg_up   start it again
#   pg_stop          stop it and remove DIR (safe to call twice)
#
# As root, the server runs as PG_USER (default: uid 1000 in the VM,
# nobody on a host without it): PostgreSQL refuses to run as root.
# With PG_TEMPLATE set, pg_start copies the fresh cluster in
# $PG_TEMPLATE/data instead of running initdb (minutes under TCG), or
# when there is none runs initdb and keeps a copy there; each test still
# gets a cluster of its own.  In the VM, selftests/vm/run.sh made one at
# /usr/share/cpns/pg-template, the default when it exists.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ -z "${PG_TEMPLATE:-}" ] && [ -d /usr/share/cpns/pg-template/data ]; then
	PG_TEMPLATE=/usr/share/cpns/pg-template
fi
PG_DIR=
PG_URI=

pg_available() {
	[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/pg_ctl" ]
}

pg_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$PG_UID" --regid="$PG_GID" --clear-groups -- env LC_ALL=C TZ=UTC "$@"
	else
		env LC_ALL=C TZ=UTC "$@"
	fi
}

pg_ctl_() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" "$@"
}

# A Unix socket only; no fsync (a test's cluster); dynamic shared memory
# in files of the data directory, since the VM's /dev/shm is no tmpfs.
pg_opts() {
	echo "-k $PG_DIR -c listen_addresses= -c fsync=off -c max_connections=200 -c dynamic_shared_memory_type=mmap"
}

pg_up() {
	pg_ctl_ -w -t 60 -o "$(pg_opts)" start >>"$PG_DIR/ctl.log" 2>&1
}

pg_kill() {
	pg_ctl_ -w -m immediate stop >>"$PG_DIR/ctl.log" 2>&1
}

pg_restart() {
	pg_ctl_ -w -m fast -t 60 restart -o "$(pg_opts)" >>"$PG_DIR/ctl.log" 2>&1
}

pg_psql() {
	pg_as "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U cpns -d cpns -c "$*"
}

pg_start() {
	PG_DIR=$1
	if [ "$(id -u)" = 0 ]; then
		PG_UID=${PG_USER:-$(id -u user 2>/dev/null || id -u nobody)}
		PG_GID=$(id -g "$PG_UID" 2>/dev/null || echo "$PG_UID")
	fi
	mkdir -m 0755 "$PG_DIR" || return 1
	[ "$(id -u)" = 0 ] && chown "$PG_UID:$PG_GID" "$PG_DIR"
	if [ -n "${PG_TEMPLATE:-}" ] && [ -d "$PG_TEMPLATE/data" ]; then
		cp -a "$PG_TEMPLATE/data" "$PG_DIR/data" || return 1
	else
		pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U cpns -E UTF8 \
			--no-sync --no-instructions >"$PG_DIR/initdb.log" 2>&1 || {
			sed 's/^/# initdb: /' "$PG_DIR/initdb.log" | tail -n 20
			return 1
		}
		if [ -n "${PG_TEMPLATE:-}" ]; then
			mkdir -p "$PG_TEMPLATE" && cp -a "$PG_DIR/data" "$PG_TEMPLATE/data.tmp" &&
				mv "$PG_TEMPLATE/data.tmp" "$PG_TEMPLATE/data"
		fi
	fi
	pg_up || {
		sed 's/^/# postgres: /' "$PG_DIR/server.log" | tail -n 20
		return 1
	}
	pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -U cpns -d postgres \
		-c "CREATE DATABASE cpns" >>"$PG_DIR/ctl.log" 2>&1 || return 1
	PG_URI="postgresql:///cpns?host=$PG_DIR&user=cpns"
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	[ -d "$PG_DIR/data" ] && pg_ctl_ -w -m immediate stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}

# The prologue of a test that runs another suite (cpns_$1.sh) on a
# PostgreSQL store of its own: exit 4 (skip) without PostgreSQL or
# cpnsctl; a cluster in a temporary directory $PG_SUITE_DIR (stopped and
# removed at exit) with `server init` run on $PG_URI; if that fails, one
# KTAP failure "$1 on PostgreSQL" and exit 1.
pg_suite_setup() {
	local name=$1

	if ! pg_available || ! command -v cpnsctl >/dev/null; then
		echo "KTAP version 1"
		echo "1..0 # SKIP no PostgreSQL in $PG_BIN or no cpnsctl"
		exit 4
	fi
	PG_SUITE_DIR=$(mktemp -d "/tmp/cpns-$name-pg.XXXXXX")
	chmod 0755 "$PG_SUITE_DIR"
	trap 'pg_stop; rm -rf "$PG_SUITE_DIR"' EXIT
	if ! pg_start "$PG_SUITE_DIR/pg" ||
	   ! cpnsctl server init --db "$PG_URI" >"$PG_SUITE_DIR/init.log" 2>&1; then
		echo "KTAP version 1"
		echo "1..1"
		sed 's/^/# /' "$PG_SUITE_DIR/init.log" 2>/dev/null
		echo "not ok 1 $name on PostgreSQL: could not start PostgreSQL and init the store"
		exit 1
	fi
}
