#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The daemons' worker processes (--workers, userspace/listener.c) and
# their reload (SIGHUP), across the three nodes of selftests/lib/topology.sh,
# each daemon started from a configuration file (cpnsctl -c FILE):
#
#   - server run with workers = 2: two worker processes, which serve four
#     concurrent assignments (two more in processes of their own) and are
#     still the same two afterwards;
#   - a worker killed with SIGKILL is replaced and the server keeps
#     serving; the same for the PNE;
#   - bad --workers values (command line, config file, PNE) refused with
#     the reason, exit 2;
#   - SIGHUP: a config file that does not parse is refused and the old
#     limits kept; then max-conns = 1 takes effect at once (a second
#     connection answered ERROR BUSY naming it) while a changed database
#     is told to need a restart and not used; the PNE's new limits too;
#   - SIGTERM stops each daemon and every worker.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 when the
# tools needed are missing.
# TEST_TIMEOUT=600
cd "$(dirname "$0")"

TOPO_PREFIX="# "
TOPO_DIR=/tmp/cpns-workers
. ./lib/topology.sh
. ./lib/ktap.sh

PLAN=$(grep -cE '^(case_end|ktap_setup_case \$PLAN) "' "$0")
TLOG=$TOPO_DIR.case.log
DB=$TOPO_DIR/server/cpns.db
SRV=$SERVER_ADDR:$SERVER_PORT
PNE=$PNE_ADDR:$PNE_PORT
SCONF=$TOPO_DIR/server.conf
PCONF=$TOPO_DIR/pne.conf
PW='alice: correct horse'

ktap_header $PLAN

skip_all() { ktap_skip_all $PLAN workers "$*"; }
command -v cpnsctl >/dev/null || skip_all "no cpnsctl"
for c in nsenter unshare keyctl od bash; do
	command -v $c >/dev/null || skip_all "no $c"
done

topo_trap_exit

# children PID: the pids whose parent is PID, one a line, sorted
children() {
	local s pid comm state ppid rest
	for s in /proc/[0-9]*/stat; do
		read -r pid comm state ppid rest <"$s" 2>/dev/null || continue
		[ "$ppid" = "$1" ] && echo "$pid"
	done | sort -n
}

# wait_children PID N: until PID has N children (10 s at most)
wait_children() {
	local i
	for i in $(seq 100); do
		[ "$(children "$1" | wc -l)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_log NAME REGEX: until $TOPO_DIR/NAME.log has a line matching (10 s)
wait_log() {
	local i
	for i in $(seq 100); do
		grep -Eqx -- "$2" "$TOPO_DIR/$1.log" && return 0
		sleep 0.1
	done
	why "$1 log: no line matching: $2"
	why "$(tail -n 5 "$TOPO_DIR/$1.log" | sed 's/^/    /')"
	return 1
}

# assign ENTITY: alice renews her chain of ENTITY; OUT, RC
assign() {
	OUT=$(printf '%s' "$PW" | on gw cpnsctl gw assign --server "$SRV" --gw-id gw-1 \
		--user alice --entity "$1" --password-file - 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# A connection from the GW that sends nothing, held for 8 s (its header
# deadline is 10 s here): it occupies one of the server's connections.
hold_one() {
	on_bg gw holder bash -c 'exec 3<>"/dev/tcp/$0/$1" && echo open && exec sleep 8' \
		"$SERVER_ADDR" "$SERVER_PORT"
	local i
	for i in $(seq 50); do
		grep -q '^open' "$TOPO_DIR/holder.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5	# accepted by the server
}

# --------------------------------------------------------------- setup
setup() {
	local f k
	topo_up || return 1
	head -c 32 /dev/urandom | on server keyctl padd cpns master:store @u >/dev/null || return 1
	f=$TOPO_DIR/server/list
	: >"$f"
	for k in 1 2 3 4; do
		head -c 32 /dev/urandom >"$TOPO_DIR/tk.bin"
		echo "pne-$k $(od -An -tx1 -v "$TOPO_DIR/tk.bin" | tr -d ' \n') CLAIM-CODE-000$k" >>"$f"
		on_q pne keyctl padd cpns tk:pne-$k @u <"$TOPO_DIR/tk.bin" >/dev/null || return 1
	done
	chown "${TOPO_UID[server]}:${TOPO_UID[server]}" "$f"
	chmod 0600 "$f"
	on server cpnsctl server init --db "$DB" >/dev/null || return 1
	on server cpnsctl server import "$f" --db "$DB" || return 1
	rm -f "$f" "$TOPO_DIR/tk.bin"
	head -c 32 /dev/urandom >"$TOPO_DIR/psk.bin"
	on server cpnsctl server add-gw gw-1 --db "$DB" --psk-file - <"$TOPO_DIR/psk.bin" >/dev/null || return 1
	on gw keyctl padd cpns psk:gw-1 @u <"$TOPO_DIR/psk.bin" >/dev/null || return 1
	rm -f "$TOPO_DIR/psk.bin"
	printf '%s' "$PW" | on server cpnsctl server add-user alice --db "$DB" --password-file - || return 1
	cat >"$SCONF" <<-EOF
		[server run]
		db = $DB
		workers = 2
		max-conns = 8
		max-per-source = 8
		header-timeout = 10
		timeout = 10
	EOF
	cat >"$PCONF" <<-EOF
		[pne listen]
		workers = 2
		timeout = 10
	EOF
	chmod 0644 "$SCONF" "$PCONF"
	on_bg server server cpnsctl -c "$SCONF" server run --listen "0.0.0.0:$SERVER_PORT"
	topo_wait_listen server "$SERVER_PORT" || return 1
	on_bg pne pne cpnsctl -c "$PCONF" pne listen --listen "$PNE"
	topo_wait_listen pne "$PNE_PORT" || return 1
	SPID=$(cat "$TOPO_DIR/server.pid")
	PPID_=$(cat "$TOPO_DIR/pne.pid")
	for k in 1 2 3 4; do
		f=$(printf 'CLAIM-CODE-000%s' $k | node_file gw claim)
		printf '%s' "$PW" | on gw cpnsctl gw assign --server "$SRV" --gw-id gw-1 --user alice \
			--entity pne-$k --password-file - --claim-code-file "$f" >/dev/null || return 1
	done
	rm -f "$f"
}

ktap_setup_case $PLAN "three nodes up, server and PNE from config files (workers = 2), pne-1..4 claimed" setup

# ------------------------------------------------------------- server
case_begin
expect_line "server log" "cpns server: listening on 0\.0\.0\.0:$SERVER_PORT \(.*, at most 8 connections, 8 per address, 2 workers\)" \
	"$(cat "$TOPO_DIR/server.log")"
wait_children "$SPID" 2 || why "server: $(children "$SPID" | wc -l) children, expected its 2 workers"
W=$(children "$SPID")
pids=
for k in 1 2 3 4; do
	printf '%s' "$PW" | on_q gw cpnsctl gw assign --server "$SRV" --gw-id gw-1 --user alice \
		--entity pne-$k --password-file - >"$TOPO_DIR/a$k" 2>&1 &
	pids="$pids $!"
done
wait $pids	# not the daemons
for k in 1 2 3 4; do
	expect_line "concurrent assign of pne-$k" 'status: OK' "$(cat "$TOPO_DIR/a$k")"
done
wait_children "$SPID" 2 || why "after the assignments: $(children "$SPID" | wc -l) children, expected 2"
expect_eq "the worker pids before and after" "$(echo $W)" "$(echo $(children "$SPID"))"
case_end "server: workers = 2 from the config file: 2 worker processes serve 4 concurrent assignments (all OK) and are the same 2 afterwards"

case_begin
set -- $W
kill -KILL "$1"
wait_log server "worker $1 killed by signal 9, replaced"
wait_children "$SPID" 2 || why "no replacement: $(children "$SPID" | wc -l) children"
NEW=$(children "$SPID")
printf '%s\n' $NEW | grep -qx "$1" && why "the killed worker $1 is still a child"
printf '%s\n' $NEW | grep -qx "$2" || why "the other worker $2 is gone: $NEW"
assign pne-1
expect_line "gw assign after the kill" 'status: OK' "$OUT"
expect_eq "gw assign exit code" 0 "$RC"
case_end "server: a worker killed with SIGKILL is replaced (logged), the other kept, and the server keeps serving"

case_begin
out=$(on server cpnsctl server run --listen 127.0.0.1:7999 --db "$DB" --workers abc 2>&1)
rc=$?
expect_eq "--workers abc exit code" 2 "$rc"
expect_line "--workers abc" "cpnsctl: Invalid --workers: \`abc' \(processes, 0\.\.4096; 0: one forked for each connection\)" "$out"
out=$(on server cpnsctl server run --listen 127.0.0.1:7999 --db "$DB" --workers 300 2>&1)
rc=$?
expect_eq "--workers 300 exit code" 2 "$rc"
expect_line "--workers 300" "cpnsctl: --workers 300 is more than --max-conns 256" "$out"
printf '[server run]\nworkers = -1\n' >"$TOPO_DIR/bad.conf"
chmod 0644 "$TOPO_DIR/bad.conf"
out=$(on server cpnsctl -c "$TOPO_DIR/bad.conf" server run --listen 127.0.0.1:7999 --db "$DB" 2>&1)
rc=$?
expect_eq "workers = -1 (config file) exit code" 2 "$rc"
expect_line "workers = -1" "cpnsctl: Invalid --workers: \`-1' \(processes, 0\.\.4096; 0: one forked for each connection\)" "$out"
out=$(on pne cpnsctl pne listen --listen 127.0.0.1:7999 --workers 17 2>&1)
rc=$?
expect_eq "pne --workers 17 exit code" 2 "$rc"
expect_line "pne --workers 17" "cpnsctl: --workers 17 is more than --max-conns 16" "$out"
topo_listening server 7999 && why "something listens on 7999"
case_end "bad --workers refused with the reason, exit 2: abc, 300 (over --max-conns), -1 in the config file, 17 for the PNE"

case_begin
printf '[server run]\ndb = %s\nworkers = x\n' "$DB" >"$SCONF"
kill -HUP "$SPID"
wait_log server "cpns server: reload of $SCONF failed \(the error above\): running as before"
expect_line "the reason" "cpnsctl: Invalid --workers: \`x' .*" "$(cat "$TOPO_DIR/server.log")"
assign pne-2
expect_line "gw assign after the failed reload" 'status: OK' "$OUT"
cat >"$SCONF" <<-EOF
	[server run]
	db = $TOPO_DIR/server/other.db
	workers = 1
	max-conns = 1
	max-per-source = 1
	header-timeout = 10
	timeout = 10
EOF
kill -HUP "$SPID"
wait_log server "cpns server: reloaded $SCONF: timeout 10 s, header 10 s, at most 1 connections, 1 per address, 1 workers, chain length 0 \(the store's\)"
expect_line "the database" "cpns server: reload: --db changed in $SCONF: needs a restart, running with the old one" \
	"$(cat "$TOPO_DIR/server.log")"
wait_children "$SPID" 1 || why "after the reload: $(children "$SPID" | wc -l) children, expected 1 worker"
hold_one
assign pne-3
expect_line "gw assign with one connection held" \
	".*ERROR BUSY.*too many connections \(at most 1 at once\), retry later.*" "$OUT"
[ "$RC" != 0 ] || why "gw assign refused BUSY exited 0"
topo_stop holder
sleep 0.5
assign pne-3
expect_line "gw assign once it closed" 'status: OK' "$OUT"
[ -e "$TOPO_DIR/server/other.db" ] && why "the new --db was opened"
case_end "server SIGHUP: a bad file refused (old limits kept); max-conns 1 then at once (a second connection BUSY, naming it), 1 worker; the new --db told to need a restart, not used"

# ---------------------------------------------------------------- PNE
case_begin
expect_line "pne log" "cpns pne: listening on $PNE \(.*, at most 16 connections, 4 per address, 2 workers\)" \
	"$(cat "$TOPO_DIR/pne.log")"
wait_children "$PPID_" 2 || why "pne: $(children "$PPID_" | wc -l) children, expected 2 workers"
set -- $(children "$PPID_")
kill -KILL "$1"
wait_log pne "worker $1 killed by signal 9, replaced"
wait_children "$PPID_" 2 || why "pne: no replacement"
OUT=$(on gw cpnsctl gw deliver --pne "$PNE" --entity pne-1 2>&1)
expect_line "gw deliver after the kill" 'delivered index [0-9]+: ACCEPTED' "$OUT"
printf '[pne listen]\nworkers = 1\nmax-conns = 3\nmax-per-source = 2\ntimeout = 10\n' >"$PCONF"
kill -HUP "$PPID_"
wait_log pne "cpns pne: reloaded $PCONF: timeout 10 s, header 2 s, at most 3 connections, 2 per address, 1 workers"
wait_children "$PPID_" 1 || why "pne after the reload: $(children "$PPID_" | wc -l) children, expected 1"
OUT=$(on gw cpnsctl gw deliver --pne "$PNE" --entity pne-1 2>&1)
expect_line "gw deliver after the reload" 'delivered index [0-9]+: ACCEPTED' "$OUT"
case_end "PNE: a worker killed with SIGKILL is replaced, deliveries still ACCEPTED; SIGHUP: the new limits and 1 worker"

case_begin
SW=$(children "$SPID")
PW_=$(children "$PPID_")
topo_stop server
topo_stop pne
grep -qx 'cpns server: stopped' "$TOPO_DIR/server.log" ||
	why "server log: no \`cpns server: stopped': $(tail -n 3 "$TOPO_DIR/server.log")"
grep -q '^cpns pne: stopped' "$TOPO_DIR/pne.log" ||
	why "pne log: no \`cpns pne: stopped': $(tail -n 3 "$TOPO_DIR/pne.log")"
for p in $SW $PW_; do
	[ -d /proc/$p ] && why "worker $p still running"
done
[ -n "$SW" ] && [ -n "$PW_" ] || why "no workers seen before the stop"
case_end "SIGTERM stops both daemons and every worker"

ktap_finish $PLAN
