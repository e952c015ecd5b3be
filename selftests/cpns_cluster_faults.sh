#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A CPNS Server cluster (selftests/lib/cluster.sh: three instances in
# three network namespaces on one PostgreSQL store), under faults:
#
#   - kill -9 of an instance amid assignments: the store is consistent
#     (every chain whole), every OK recorded, each entity assigns again
#     at E + 1;
#   - a restart of PostgreSQL while requests are in flight: they get
#     INTERNAL, and the instances serve again by themselves;
#   - the GW's --server list: the next instance when one is down, or
#     answers ERROR BUSY (--max-conns 1, its one connection held); both
#     busy: the ERROR BUSY told, exit 5, each tried once in order;
#   - server migrate from PostgreSQL to SQLite.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 to skip.
# TEST_TIMEOUT=1200
set -u
umask 022
cd "$(dirname "$0")"
. ./lib/cluster.sh
cluster_begin 8

# ------------------------------------------------ kill -9 of an instance
# Alice claims k-1..k-12 through s3 concurrently; s3 is killed (with every
# connection it forked) in the middle.  Then: every entity row is whole
# (an owner, E and a chain together, or none of them), every OK the GWs
# saw is recorded, and each entity assigns again through s1 at E + 1.
for i in $(seq 12); do
	assign $((1 + i % 2)) 3 alice k-$i --claim-code-file "$D/claim" >"$D/rk$i" &
done
# Killed once two of them are recorded, the others in flight or waiting.
for t in $(seq 600); do
	[ "$(grep -c -- '-> OK user=alice entity=k-' "$D/s3.log")" -ge 2 ] && break
	sleep 0.1
done
srv_kill 3
wait
torn=$(psql_ "SELECT count(*) FROM entities WHERE entity_id LIKE 'k-%' AND NOT (
	(owner IS NULL AND epoch = 0 AND chain_id IS NULL AND chain_record IS NULL AND n IS NULL) OR
	(owner = 'alice' AND epoch = 1 AND length(chain_id) = 16 AND chain_record IS NOT NULL AND n = 8))")
recorded=$(psql_ "SELECT count(*) FROM entities WHERE entity_id LIKE 'k-%' AND epoch = 1")
lost=0
again=0
for i in $(seq 12); do
	e=$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'k-$i'")
	if [ "$(cat "$D/rk$i")" = OK ] && [ "$e" != 1 ]; then
		lost=$((lost + 1))
	fi
	r=$(assign 1 1 alice k-$i --claim-code-file "$D/claim")
	e2=$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'k-$i'")
	[ "$r" = OK ] && [ "$e2" = $((e + 1)) ] && again=$((again + 1))
done
seen=$(cat "$D"/rk* | grep -c '^OK$')
echo "# killed amid 12 claims: $seen OK seen by the GWs, $recorded recorded"
if [ "$torn" = 0 ] && [ "$lost" = 0 ] && [ "$again" = 12 ] && [ "$recorded" -ge 2 ] &&
	[ "$recorded" -lt 12 ]; then
	ok "kill -9 of an instance amid 12 assignments: no entity half-recorded, every OK recorded, each assigns again at E + 1"
else
	fail "kill -9 of an instance: $torn rows torn, $lost OKs not recorded, $recorded recorded, $again of 12 assigned again"
fi
srv_start 3 >/dev/null || echo "# instance 3 did not restart"

elapsed "kill -9"

# ------------------------------------------- PostgreSQL restarted midway
# A transaction holds r-1's row; two requests for r-1 (s1, s2) wait on it;
# PostgreSQL restarts (fast: every connection cut).  Both get INTERNAL,
# sealed; then every instance serves again without being restarted.
pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -U cpns -d cpns -c \
	"BEGIN; SELECT 1 FROM entities WHERE entity_id = 'r-1' FOR UPDATE; SELECT pg_sleep(60);" \
	>/dev/null 2>&1 &
holder=$!
sleep 0.5
assign 1 1 alice r-1 --claim-code-file "$D/claim" >"$D/rr1" &
a1=$!
assign 2 2 alice r-1 --claim-code-file "$D/claim" >"$D/rr2" &
a2=$!
waiting=
for t in $(seq 100); do
	w=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
	[ "$w" = 2 ] && waiting=1 && break
	sleep 0.1
done
pg_restart
wait $a1 $a2
wait $holder 2>/dev/null
inflight="$(cat "$D/rr1") $(cat "$D/rr2")"
owner=$(psql_ "SELECT coalesce(owner, '-') || ' ' || epoch FROM entities WHERE entity_id = 'r-1'")
after=
for s in 1 2 3; do
	after="$after $(assign 1 $s alice r-1 --claim-code-file "$D/claim")"
done
if [ -n "$waiting" ] && [ "$inflight" = "INTERNAL INTERNAL" ] && [ "$owner" = "- 0" ] &&
	[ "$after" = " OK OK OK" ]; then
	ok "PostgreSQL restarted with 2 requests in flight: both INTERNAL (sealed), nothing stored; then all 3 instances serve again by themselves"
else
	fail "PostgreSQL restart: waiting=${waiting:-no}, in flight: $inflight, row: $owner, after:$after"
	tail -n 5 "$D"/s1.log "$D"/s2.log | sed 's/^/#   /'
fi

elapsed "PostgreSQL restart"

# ------------------------------------------------------- --server list
# g1 lists s3 (down), then s2: the assign goes to s2.
srv_kill 3
r=$(SERVER="$(ADDR g1 s3):7000,$(ADDR g1 s2):7000" assign 1 0 alice l-1 --claim-code-file "$D/claim")
last=$(grep ' -> ' "$D/s2.log" | tail -n 1)
if [ "$r" = OK ] && printf '%s\n' "$last" | grep -q -- '-> OK user=alice entity=l-1 E=1'; then
	ok "gw assign --server A,B with A down: served by B"
else
	fail "gw assign --server A,B with A down: $r; s2 last: $last"
	sed 's/^/#   /' "$(last_out)"
fi

# ------------------------------------------- --server list, ERROR BUSY
# An instance taking one connection at a time, its one slot held by a
# connection from g2 that sends nothing, until release: the instance waits
# for its header up to the longest --header-timeout and --timeout (an
# hour), and the holder keeps it open, so that no clock frees the slot
# however slowly the VM gets to the GW's connection.  It is held once the
# instance has forked the connection's process (srv_conns).  (Until
# opts.c found long options by their place, --max-conns was read as
# --header-timeout: the instance had 256 slots, and served.)
busy_start() { # N: instance N again, at most one connection at once
	srv_kill "$1"
	SRV_EXTRA="--max-conns 1 --max-per-source 1 --header-timeout 3600 --timeout 3600" \
		srv_start "$1" >/dev/null
}
hold() { # N: instance N's one slot taken by a silent connection from g2
	ip netns exec g2 bash -c 'exec 3<>"/dev/tcp/$0/7000" && exec sleep 3600' \
		"$(ADDR g2 s$1)" 2>/dev/null &
	HOLDER[$1]=$!
	local t
	for t in $(seq 200); do
		[ "$(srv_conns "$1")" = 1 ] && return 0
		sleep 0.1
	done
	echo "# instance $1: the silent connection not taken ($(srv_conns "$1") connection processes)"
	return 1
}
release() { # N: the silent connection closed, and reaped by instance N
	kill "${HOLDER[$1]}" 2>/dev/null
	wait "${HOLDER[$1]}" 2>/dev/null
	local t
	for t in $(seq 200); do
		[ "$(srv_conns "$1")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}
declare -A HOLDER=()
A=$(ADDR g1 s3):7000
B=$(ADDR g1 s2):7000
C=$(ADDR g1 s1):7000
BUSY_WHY="too many connections (at most 1 at once), retry later"
BUSY_GW="cpnsctl: CPNS Server answered ERROR BUSY (7): $BUSY_WHY"

# A busy, B free: the same REQUEST goes to B.
held=
busy_start 3 && hold 3 && held=1
t_held=$(date +%s)
mark
r=$(SERVER="$A,$B" assign 1 0 alice l-1)
echo "# A held $(($(date +%s) - t_held)) s before the GW's assign ended; $(srv_conns 3) connection process(es) of A after it"
out=$(last_out)
new=$(since)
if [ -n "$held" ] && [ "$r" = OK ] &&
	grep -qxF "server $A busy: trying $B" "$out" && grep -qxF "$BUSY_GW" "$out" &&
	[ "$(printf '%s\n' "$new" | sed 's/.* -> //')" = "OK user=alice entity=l-1 E=2 n=8 chain=$(psql_ "SELECT encode(chain_id, 'hex') FROM entities WHERE entity_id = 'l-1'")" ] &&
	[ "$new" = "$(grep ' -> ' "$D/s2.log" | tail -n 1)" ] &&
	grep -qF "refused: ERROR BUSY: $BUSY_WHY" "$D/s3.log" && [ "$(srv_conns 3)" = 1 ]; then
	ok "gw assign --server A,B with A answering ERROR BUSY (its one connection held): the same REQUEST served by B"
else
	fail "gw assign --server A,B with A busy: held=${held:-no}, $r"
	sed 's/^/#   /' "$out"
	printf '%s\n' "$new" | sed 's/^/#   new: /'
	tail -n 3 "$D/s3.log" | sed 's/^/#   s3: /'
fi

# Both busy: the GW's refusal is the last instance's ERROR BUSY, exit 5,
# each tried once in the order listed; nothing reaches a store.
held=
busy_start 2 && hold 2 && held=1
replay0=$(psql_ "SELECT count(*) FROM replay")
e0=$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'l-1'")
got=
for list in "$A,$B" "$B,$A"; do
	mark
	r=$(SERVER="$list" assign 1 0 alice l-1)
	out=$(last_out)
	rc=$(cat "$D/rc.${out##*/out.}")
	first=${list%%,*}
	second=${list##*,}
	if [ "${r%%:*}" = none ] && ! grep -q '^status:' "$out" && [ "$rc" = 5 ] &&
		[ "$(grep -c 'busy: trying' "$out")" = 1 ] &&
		grep -qxF "server $first busy: trying $second" "$out" &&
		[ "$(grep -cxF "$BUSY_GW" "$out")" = 2 ] && ! grep -q '^\[3/4\]' "$out" &&
		[ -z "$(since)" ]; then
		got="$got ok"
	else
		got="$got no"
		echo "# --server $list, both busy: $r, exit $rc"
		sed 's/^/#   /' "$out"
		since | sed 's/^/#   new: /'
	fi
done
if [ -n "$held" ] && [ "$got" = " ok ok" ] &&
	[ "$(psql_ "SELECT count(*) FROM replay")" = "$replay0" ] &&
	[ "$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'l-1'")" = "$e0" ]; then
	ok "gw assign --server A,B and B,A with both answering ERROR BUSY: tried in the order listed, then the ERROR BUSY told, exit 5; no REQUEST stored"
else
	fail "gw assign with both instances busy: held=${held:-no},$got"
fi

# A freed again: the first listed serves.
release 3 && release 2
r=$(SERVER="$A,$B" assign 1 0 alice l-1)
out=$(last_out)
last=$(grep ' -> ' "$D/s3.log" | tail -n 1)
if [ "$r" = OK ] && ! grep -q 'busy: trying' "$out" &&
	printf '%s\n' "$last" | grep -q -- "-> OK user=alice entity=l-1 E=$((e0 + 1)) "; then
	ok "gw assign --server A,B once A's connection is closed: served by A"
else
	fail "gw assign --server A,B with A free again: $r; s3 last: $last"
	sed 's/^/#   /' "$out"
fi

# ------------------------------------------------------------- migrate
# The whole store copied to SQLite, sealed records unchanged: a server on
# the copy serves the same owners (alice's next chain of e-1 is E + 1).
cpnsctl server init --db "sqlite:$D/copy.db" >"$D/mig" 2>&1
cpnsctl server migrate --from "$PG_URI" --to "sqlite:$D/copy.db" >>"$D/mig" 2>&1
e=$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'r-1'")
list=$(cpnsctl server list --db "$D/copy.db" | awk '$1 == "r-1" { print $2, $3 }')
if [ "$list" = "alice $e" ] && [ "$e" = 3 ] && grep -q '^done$' "$D/mig"; then
	ok "server migrate --from postgresql --to sqlite: every row copied (r-1: alice, E $e)"
else
	fail "server migrate: r-1 in the copy: $list, want alice $e"
	sed 's/^/#   /' "$D/mig"
fi

ktap_finish "$PLAN"
