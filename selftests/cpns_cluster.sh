#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A CPNS Server cluster: three `cpnsctl server run` instances, each in a
# network namespace of its own and a session keyring of its own, on one
# PostgreSQL store (a cluster of the test's own, selftests/lib/pg.sh,
# reached by every namespace over its Unix socket).  Instance 1 makes
# master:store in the kernel; its sealed blob is loaded by the other two,
# so that what one instance sealed the others open.  Two GW namespaces
# (g1, g2) reach every instance over veth pairs.  Checks that every
# invariant of profile section 2 holds across the instances:
#
#   - check 3: the same REQUEST (captured once) sent to two instances at
#     the same moment: exactly one OK, the other REPLAY (10 times);
#   - check 8: two users claim the same unowned device with the right
#     claim code at the same moment on two instances: exactly one OK and
#     the other NOT_OWNER, 50 times;
#   - check 9: k concurrent re-assignments of one entity spread over the
#     instances: E ends at exactly start + k;
#   - check 5: five AUTH_FAILED for one user over two instances, the
#     sixth RATE_LIMITED wherever it lands; 20 for one GW likewise;
#   - kill -9 of an instance amid assignments: the store is consistent
#     (every chain whole), each entity assigns again at E + 1;
#   - a restart of PostgreSQL while requests are in flight: they get
#     INTERNAL, and the instances serve again by themselves;
#   - the GW's --server list: the next instance when one is down;
#   - server stats: the per-status counters of all the instances.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 to skip.
set -u
umask 022
cd "$(dirname "$0")"
. ./lib/pg.sh

PLAN=11
n=0
fails=0
D=$(mktemp -d /tmp/cpns-cluster.XXXXXX)
chmod 0755 "$D"
SRV_PIDS=()

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}
fail() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n $*"
}
skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}
cleanup() {
	local p
	for p in "${SRV_PIDS[@]}"; do
		[ -n "$p" ] && kill -KILL -- -"$p" 2>/dev/null
	done
	wait 2>/dev/null
	for ns in s1 s2 s3 g1 g2; do
		ip netns del $ns 2>/dev/null
	done
	pg_stop
	rm -rf "$D"
}
trap cleanup EXIT

echo "KTAP version 1"
command -v cpnsctl >/dev/null || skip_all "no cpnsctl"
modprobe cpns 2>/dev/null || skip_all "no cpns module"
pg_available || skip_all "no PostgreSQL in $PG_BIN"
for c in ip keyctl nc setsid od; do
	command -v $c >/dev/null || skip_all "no $c"
done
echo "1..$PLAN"

# ------------------------------------------------------------------ setup
# s1..s3: one instance each; g1, g2: GWs, linked to every instance.
# From gN, instance sM is 10.9.(3*(N-1)+M).2.
ADDR() { echo "10.9.$((3 * (${1#g} - 1) + ${2#s})).2"; }
net_up() {
	local g s i
	for ns in s1 s2 s3 g1 g2; do
		ip netns add $ns || return 1
		ip -n $ns link set lo up
	done
	for g in g1 g2; do
		for s in s1 s2 s3; do
			i=$((3 * (${g#g} - 1) + ${s#s}))
			ip link add v$i-g netns $g type veth peer name v$i-s netns $s || return 1
			ip -n $g addr add 10.9.$i.1/24 dev v$i-g
			ip -n $s addr add 10.9.$i.2/24 dev v$i-s
			ip -n $g link set v$i-g up
			ip -n $s link set v$i-s up
		done
	done
}

listening() { # NS PORT
	ip netns exec "$1" awk -v p=":$(printf '%04X' "$2")" \
		'$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' /proc/net/tcp
}

# Instance N: its own session keyring (linked to @u for the wrapping key),
# master:store and the PSK1s loaded from their blobs, `server run` in sN.
srv_start() {
	local i=$1
	ip netns exec s$i setsid bash -c '
		keyctl session - bash -c "
			keyctl link @u @s >/dev/null &&
			keyctl add cpns master:store \"load \$(cat $0/master.blob)\" @s >/dev/null &&
			for g in gw1 gw2 gw-rl gw-many; do
				keyctl padd cpns psk:\$g @s <$0/psk-\$g >/dev/null || exit 1
			done &&
			exec cpnsctl server run --listen 0.0.0.0:7000 --db \"$1\" --keyring @s \
				--chain-length 8 --timeout 5"' "$D" "$PG_URI" \
		>>"$D/s$i.log" 2>&1 </dev/null &
	SRV_PIDS[$i]=$!
	local t
	for t in $(seq 200); do
		listening s$i 7000 && return 0
		sleep 0.1
	done
	echo "# instance $i did not listen:"
	sed 's/^/#   /' "$D/s$i.log"
	return 1
}

srv_kill() { # N: the instance and every connection process it forked
	kill -KILL -- -"${SRV_PIDS[$1]}" 2>/dev/null
	wait "${SRV_PIDS[$1]}" 2>/dev/null
	SRV_PIDS[$1]=
}

# assign G S USER ENTITY [--claim-code-file F] ...: one `gw assign` from
# GW namespace gG (GW id gwG unless GWID is set) to instance sS; its
# output in $D/out.*, its status word on stdout.
assign() {
	local g=$1 s=$2 u=$3 e=$4 out
	shift 4
	out=$(mktemp "$D/out.XXXXXX")
	ip netns exec g$g cpnsctl gw assign --server "${SERVER:-$(ADDR g$g s$s):7000}" \
		--gw-id "${GWID:-gw$g}" --user "$u" --entity "$e" \
		--password-file "$D/pw-$u" --timeout 8 "$@" >"$out" 2>&1
	sed -n 's/^status: \([A-Z_]*\).*/\1/p' "$out" | head -n 1 | grep . ||
		echo "none:$(tail -n 1 "$out" | tr ' ' _)"
}

setup() {
	local i e
	net_up || return 1
	pg_start "$D/pg" || return 1
	cpnsctl server init --db "$PG_URI" >"$D/setup.log" 2>&1 || return 1
	# The wrapping key, then master:store made in the kernel: its blob is
	# all the other instances get.
	keyctl add logon cpns:wrap "$(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n')" @u >/dev/null || return 1
	keyctl session - bash -c "
		keyctl link @u @s >/dev/null &&
		id=\$(keyctl add cpns master:store new @s) &&
		keyctl pipe \$id >'$D/master.blob' &&
		for g in gw1 gw2 gw-rl gw-many; do
			head -c 32 /dev/urandom >'$D/psk-'\$g &&
			cpnsctl server add-gw \$g --db '$PG_URI' --keyring @s \
				--psk-file '$D/psk-'\$g >/dev/null || exit 1
		done &&
		for u in alice bob eve u1 u2 u3 u4 u5 u6 u7 u8 u9 u10; do
			echo \"password of \$u\" >'$D/pw-'\$u &&
			cpnsctl server add-user \$u --db '$PG_URI' --keyring @s \
				--password-file '$D/pw-'\$u >/dev/null || exit 1
		done" >>"$D/setup.log" 2>&1 || return 1
	echo "wrong password" >"$D/pw-wrong"
	# The GWs' side of PSK1, in @u.
	for g in gw1 gw2 gw-rl gw-many; do
		keyctl padd cpns psk:$g @u <"$D/psk-$g" >/dev/null || return 1
	done
	# The manufacturer's list: c-1..c-50 (claims), e-1 (epochs),
	# k-1..k-12 (kill), r-1 (restart), l-1 (--server list).
	echo CLAIM-OK-1 >"$D/claim"
	for e in $(seq 50 | sed 's/^/c-/') e-1 $(seq 12 | sed 's/^/k-/') r-1 l-1 q-1; do
		echo "$e $(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n') CLAIM-OK-1"
	done >"$D/list"
	keyctl session - bash -c "
		keyctl link @u @s >/dev/null &&
		keyctl add cpns master:store \"load \$(cat '$D/master.blob')\" @s >/dev/null &&
		cpnsctl server import '$D/list' --db '$PG_URI' --keyring @s" \
		>>"$D/setup.log" 2>&1 || return 1
	for i in 1 2 3; do
		srv_start $i || return 1
	done
}

if setup; then
	ok "setup: PostgreSQL, server init, master:store made once and loaded from its blob by 3 instances in 3 namespaces"
else
	sed 's/^/#   /' "$D/setup.log"
	[ -e "$PG_DIR/server.log" ] && tail -n 20 "$PG_DIR/server.log" | sed 's/^/#   pg: /'
	fail "setup"
	while [ $n -lt $PLAN ]; do
		fail "skipped: setup failed"
	done
	exit 1
fi

psql_() { pg_psql "$@" 2>&1; }
ret_ok=0

# -------------------------------------------- check 8: concurrent claims
# The first claim of c-i by alice through s1 and by bob through s2 at once.
bad=0
for i in $(seq 50); do
	s_a=$((1 + i % 3))
	s_b=$((1 + (i + 1) % 3))
	assign 1 $s_a alice c-$i --claim-code-file "$D/claim" >"$D/ra" &
	assign 2 $s_b bob c-$i --claim-code-file "$D/claim" >"$D/rb" &
	wait
	got="$(cat "$D/ra") $(cat "$D/rb")"
	owner=$(psql_ "SELECT owner FROM entities WHERE entity_id = 'c-$i'")
	case "$got:$owner" in
	"OK NOT_OWNER:alice" | "NOT_OWNER OK:bob") ;;
	*)
		bad=$((bad + 1))
		[ $bad -le 3 ] && echo "# c-$i: alice via s$s_a, bob via s$s_b: $got, owner $owner"
		;;
	esac
done
if [ $bad = 0 ]; then
	ok "50 concurrent first claims of one device by two users on two instances: each exactly one OK, the other NOT_OWNER, the owner the winner"
else
	fail "concurrent first claims: $bad of 50 not exactly one OK and one NOT_OWNER"
fi

# ---------------------------------------------- check 3: the same REQUEST
# A REQUEST captured once (a listener in g1 stands in for the server),
# then sent to two instances at the same moment.
capture() { # FILE: the REQUEST of one `gw assign` for e-1 by alice
	ip netns exec g1 nc -l -p 7999 -e bash -c '
		dd bs=1 count=12 of="$0.h" 2>/dev/null
		len=$(od -An -tu1 -j8 -N4 "$0.h" | awk "{ print ((\$1 * 256 + \$2) * 256 + \$3) * 256 + \$4 }")
		cat "$0.h" >"$0"
		dd bs=1 count="$len" >>"$0" 2>/dev/null' "$1" &
	local l=$! t
	for t in $(seq 100); do
		listening g1 7999 && break
		sleep 0.05
	done
	SERVER=10.9.1.1:7999 assign 1 1 alice e-1 >/dev/null
	wait $l 2>/dev/null
	[ -s "$1" ]
}
send() { # NS ADDR FILE: the raw frame to ADDR:7000, the answer discarded
	ip netns exec "$1" bash -c 'exec 3<>"/dev/tcp/$0/7000" && cat "$1" >&3 && cat <&3 >/dev/null' "$2" "$3"
}
# The lines each instance logged since mark().
declare -A MARK=()
mark() {
	local f
	for f in "$D"/s1.log "$D"/s2.log "$D"/s3.log; do
		MARK[$f]=$(grep -c ' -> ' "$f")
	done
}
since() {
	local f
	for f in "$D"/s1.log "$D"/s2.log "$D"/s3.log; do
		grep ' -> ' "$f" | tail -n +$((${MARK[$f]} + 1))
	done
}
first=$(assign 1 1 alice e-1 --claim-code-file "$D/claim")
[ "$first" = OK ] || echo "# the first claim of e-1: $first"
bad=0
for i in $(seq 10); do
	rm -f "$D/req"
	if ! capture "$D/req"; then
		bad=$((bad + 1))
		echo "# round $i: no REQUEST captured"
		continue
	fi
	mark
	send g1 "$(ADDR g1 s1)" "$D/req" &
	send g2 "$(ADDR g2 s2)" "$D/req" &
	wait
	sleep 0.3
	new=$(since)
	okc=$(printf '%s\n' "$new" | grep -c -- '-> OK user=alice entity=e-1')
	rep=$(printf '%s\n' "$new" | grep -c -- '-> REPLAY')
	if [ "$okc" != 1 ] || [ "$rep" != 1 ]; then
		bad=$((bad + 1))
		echo "# round $i: $okc OK, $rep REPLAY:"
		printf '%s\n' "$new" | sed 's/^/#   /'
	fi
done
if [ $bad = 0 ]; then
	ok "the same REQUEST to two instances at the same moment: exactly one OK, the other REPLAY (10 times)"
else
	fail "the same REQUEST to two instances: $bad of 10 rounds not one OK and one REPLAY"
fi

# ------------------------------------------- check 9: E is start + k
K=9
start=$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'e-1'")
okc=0
for i in $(seq $K); do
	assign $((1 + i % 2)) $((1 + i % 3)) alice e-1 >"$D/re$i" &
done
wait
for i in $(seq $K); do
	[ "$(cat "$D/re$i")" = OK ] && okc=$((okc + 1))
done
end=$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'e-1'")
if [ "$okc" = $K ] && [ "$end" = $((start + K)) ]; then
	ok "$K concurrent re-assignments over 3 instances: all OK, E from $start to exactly $((start + K))"
else
	fail "$K concurrent re-assignments: $okc OK, E from $start to $end, want $((start + K))"
	cat "$D"/re* | sed 's/^/#   /'
fi

# --------------------------------------- check 5: failures of all instances
# Five AUTH_FAILED for eve, spread over s1 and s2; then the sixth on each
# instance is RATE_LIMITED.
got=
for i in 1 2 3 4 5; do
	got="$got $(GWID=gw-rl assign 1 $((1 + i % 2)) eve q-1 --password-file "$D/pw-wrong")"
done
six=
for s in 1 2 3; do
	six="$six $(GWID=gw-rl assign 1 $s eve q-1)"
done
if [ "$got" = " AUTH_FAILED AUTH_FAILED AUTH_FAILED AUTH_FAILED AUTH_FAILED" ] &&
	[ "$six" = " RATE_LIMITED RATE_LIMITED RATE_LIMITED" ]; then
	ok "5 AUTH_FAILED for one user over two instances: the sixth is RATE_LIMITED on every instance, even with the right password"
else
	fail "user rate limit across instances: five gave$got; then$six"
fi

# Twenty for one GW: u1..u10, two wrong passwords each, spread over all
# three instances, concurrently; the next is RATE_LIMITED anywhere.
for i in $(seq 10); do
	(
		GWID=gw-many assign 2 $((1 + i % 3)) u$i q-1 --password-file "$D/pw-wrong"
		GWID=gw-many assign 2 $((1 + (i + 1) % 3)) u$i q-1 --password-file "$D/pw-wrong"
	) >"$D/rl$i" &
done
wait
af=$(cat "$D"/rl* | grep -c '^AUTH_FAILED$')
rl=$(cat "$D"/rl* | grep -c '^RATE_LIMITED$')
next=
for s in 1 2 3; do
	next="$next $(GWID=gw-many assign 2 $s alice q-1)"
done
if [ "$af" = 20 ] && [ "$rl" = 0 ] && [ "$next" = " RATE_LIMITED RATE_LIMITED RATE_LIMITED" ]; then
	ok "20 AUTH_FAILED for one GW, concurrently over three instances: the 21st is RATE_LIMITED on every instance"
else
	fail "GW rate limit across instances: $af AUTH_FAILED, $rl RATE_LIMITED of 20; then$next"
	cat "$D"/rl* | sort | uniq -c | sed 's/^/#   /'
fi

# ------------------------------------------------------------ server stats
# The counters of all the instances against the logs of all of them.
cpnsctl server stats --db "$PG_URI" -j >"$D/stats" 2>&1
want_ok=$(cat "$D"/s?.log | grep -c -- ' -> OK ')
want_no=$(cat "$D"/s?.log | grep -c -- ' -> NOT_OWNER ')
want_rl=$(cat "$D"/s?.log | grep -c -- ' -> RATE_LIMITED ')
if grep -q "\"OK\": $want_ok[,}]" "$D/stats" && grep -q "\"NOT_OWNER\": $want_no[,}]" "$D/stats" &&
	grep -q "\"RATE_LIMITED\": $want_rl[,}]" "$D/stats"; then
	ok "server stats -j: per-status counters of all instances (OK $want_ok, NOT_OWNER $want_no, RATE_LIMITED $want_rl)"
else
	fail "server stats: want OK $want_ok, NOT_OWNER $want_no, RATE_LIMITED $want_rl; got $(cat "$D/stats")"
fi

# ------------------------------------------------ kill -9 of an instance
# Alice claims k-1..k-12 through s3 concurrently; s3 is killed (with every
# connection it forked) in the middle.  Then: every entity row is whole
# (an owner, E and a chain together, or none of them), every OK the GWs
# saw is recorded, and each entity assigns again through s1 at E + 1.
for i in $(seq 12); do
	assign $((1 + i % 2)) 3 alice k-$i --claim-code-file "$D/claim" >"$D/rk$i" &
done
sleep 0.7
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
if [ "$torn" = 0 ] && [ "$lost" = 0 ] && [ "$again" = 12 ]; then
	ok "kill -9 of an instance amid 12 assignments: no entity half-recorded, every OK recorded, each assigns again at E + 1"
else
	fail "kill -9 of an instance: $torn rows torn, $lost OKs not recorded, $again of 12 assigned again"
fi
srv_start 3 >/dev/null || echo "# instance 3 did not restart"

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

# ------------------------------------------------------- --server list
# g1 lists s3 (down), then s2: the assign goes to s2.
srv_kill 3
r=$(SERVER="$(ADDR g1 s3):7000,$(ADDR g1 s2):7000" assign 1 0 alice l-1 --claim-code-file "$D/claim")
last=$(grep ' -> ' "$D/s2.log" | tail -n 1)
if [ "$r" = OK ] && printf '%s\n' "$last" | grep -q -- '-> OK user=alice entity=l-1 E=1'; then
	ok "gw assign --server A,B with A down: served by B"
else
	fail "gw assign --server A,B with A down: $r; s2 last: $last"
	sed 's/^/#   /' "$(ls -t "$D"/out.* | head -n 1)"
fi
srv_start 3 >/dev/null || echo "# instance 3 did not restart"

# ------------------------------------------------------------- migrate
# The whole store copied to SQLite, sealed records unchanged: a server on
# the copy serves the same owners (alice's next chain of e-1 is E + 1).
cpnsctl server migrate --from "$PG_URI" --to "sqlite:$D/copy.db" >"$D/mig" 2>&1
e=$(psql_ "SELECT epoch FROM entities WHERE entity_id = 'e-1'")
list=$(cpnsctl server list --db "$D/copy.db" | awk '$1 == "e-1" { print $2, $3 }')
if [ "$list" = "alice $e" ] && grep -q '^done$' "$D/mig"; then
	ok "server migrate --from postgresql --to sqlite: every row copied (e-1: alice, E $e)"
else
	fail "server migrate: e-1 in the copy: $list, want alice $e"
	sed 's/^/#   /' "$D/mig"
fi

[ $fails = 0 ]
