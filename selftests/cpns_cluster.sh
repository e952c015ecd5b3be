#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A CPNS Server cluster (selftests/lib/cluster.sh: three instances in
# three network namespaces on one PostgreSQL store, master:store loaded
# by each from one sealed blob, two GW namespaces): every invariant of
# profile section 2 holds across the instances.
#
#   - check 8: two users claim the same unowned device with the right
#     claim code at the same moment on two instances: exactly one OK and
#     the other NOT_OWNER, 50 times;
#   - check 3: the same REQUEST (captured once) sent to two instances at
#     the same moment: exactly one OK, the other REPLAY (5 times);
#   - check 9: k concurrent re-assignments of one entity spread over the
#     instances: E ends at exactly start + k;
#   - check 5: five AUTH_FAILED for one user over two instances, the
#     sixth RATE_LIMITED wherever it lands; 20 for one GW likewise;
#   - server stats (-j and text): the per-status counts of all the
#     instances' answers, exactly; server list -j: each entity's owner,
#     E, n and ChainID as the instance that served it logged.
#
# Faults (kill -9, a PostgreSQL restart) and --server lists are
# cpns_cluster_faults.sh.  Prints KTAP; exit 0 when every case passed, 1
# otherwise, 4 to skip.
# TEST_TIMEOUT=1200
set -u
umask 022
cd "$(dirname "$0")"
. ./lib/cluster.sh
cluster_begin 8

# -------------------------------------------- check 8: concurrent claims
# The first claim of c-i by alice and by bob at once, on two instances;
# two devices at a time (four claims in flight: more only queue on two
# vCPUs under TCG, past the GW's timeout).
bad=0
for b in $(seq 0 24); do
	for j in 1 2; do
		i=$((2 * b + j))
		assign 1 $((1 + i % 3)) alice c-$i --claim-code-file "$D/claim" >"$D/ra$i" &
		assign 2 $((1 + (i + 1) % 3)) bob c-$i --claim-code-file "$D/claim" >"$D/rb$i" &
	done
	wait
done
psql_ "SELECT entity_id, coalesce(owner, '-') FROM entities WHERE entity_id LIKE 'c-%'" >"$D/owners"
for i in $(seq 50); do
	got="$(cat "$D/ra$i") $(cat "$D/rb$i")"
	owner=$(awk -F'|' -v e="c-$i" '$1 == e { print $2 }' "$D/owners")
	case "$got:$owner" in
	"OK NOT_OWNER:alice" | "NOT_OWNER OK:bob") ;;
	*)
		bad=$((bad + 1))
		[ $bad -le 3 ] && echo "# c-$i: alice via s$((1 + i % 3)), bob via s$((1 + (i + 1) % 3)): $got, owner $owner"
		;;
	esac
done
if [ $bad = 0 ]; then
	ok "50 concurrent first claims of one device by two users on two instances: each exactly one OK, the other NOT_OWNER, the owner the winner"
else
	fail "concurrent first claims: $bad of 50 not exactly one OK and one NOT_OWNER"
fi

elapsed "claims"

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
first=$(assign 1 1 alice e-1 --claim-code-file "$D/claim")
[ "$first" = OK ] || echo "# the first claim of e-1: $first"
bad=0
for i in $(seq 5); do
	rm -f "$D/req"
	if ! capture "$D/req"; then
		bad=$((bad + 1))
		echo "# round $i: no REQUEST captured"
		continue
	fi
	elapsed "round $i: REQUEST captured"
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
	ok "the same REQUEST to two instances at the same moment: exactly one OK, the other REPLAY (5 times)"
else
	fail "the same REQUEST to two instances: $bad of 5 rounds not one OK and one REPLAY"
fi

elapsed "replay"

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

# Twenty for one GW: u1..u5, four wrong passwords each (under the user
# limit), five users at once, each spread over all three instances; the
# next is RATE_LIMITED anywhere.
for i in 1 2 3 4 5; do
	(
		for j in 1 2 3 4; do
			GWID=gw-many assign 2 $((1 + (i + j) % 3)) u$i q-1 --password-file "$D/pw-wrong"
		done
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

elapsed "rate limits"

# ------------------------------------------------------------ server stats
# Every answer of every instance to a request that reached the store (the
# unverified ones do not), counted by status from the three logs, in the
# order of the status codes: `server stats' of the shared store, exactly.
cat "$D"/s?.log | grep -- ' -> ' | grep -v '(unverified)' >"$D/answers"
want_j=
want_t=
total=0
for st in OK MALFORMED STALE BAD_GW_AUTH REPLAY RATE_LIMITED AUTH_FAILED \
	UNKNOWN_ENTITY NOT_OWNER CLAIM_FAILED INTERNAL; do
	c=$(grep -c -- " -> \(.*: \)\?$st\( \|$\)" "$D/answers")
	[ "$c" = 0 ] && continue
	want_j="$want_j${want_j:+, }\"$st\": $c"
	want_t="$want_t$st $c
"
	total=$((total + c))
done
want_j="{\"backend\": \"postgresql\", \"responses\": {$want_j}, \"total\": $total}"
want_t="${want_t}total $total"
cpnsctl server stats --db "$PG_URI" -j >"$D/stats" 2>&1
rc_j=$?
cpnsctl server stats --db "$PG_URI" >"$D/stats.txt" 2>&1
rc_t=$?
got_t=$(tail -n +2 "$D/stats.txt" | awk '{ print $1, $2 }')
if [ "$rc_j" = 0 ] && [ "$rc_t" = 0 ] && [ "$(cat "$D/stats")" = "$want_j" ] &&
	[ "$got_t" = "$want_t" ] &&
	[ "$(head -n 1 "$D/stats.txt")" = "STATUS                COUNT  LAST (Unix time)" ]; then
	ok "server stats (-j and text) of the shared store: the per-status counts of all 3 instances' logs, exactly ($total answers)"
else
	fail "server stats: exit $rc_j/$rc_t"
	echo "# want: $want_j"
	sed 's/^/# got:  /' "$D/stats"
	sed 's/^/# text: /' "$D/stats.txt"
fi

# ------------------------------------------------------------ server list
# `server list -j' of the shared store against what the instances logged:
# each entity's owner, E, n and ChainID those of its last OK on whichever
# instance served it; the entities never assigned unowned at E 0.
psql_ "SELECT entity_id || ' ' || updated FROM entities" >"$D/updated"
grep -h -- ' -> OK user=' "$D"/s?.log |
	sed 's/.* -> OK user=\([^ ]*\) entity=\([^ ]*\) E=\([0-9]*\) n=\([0-9]*\) chain=\([0-9a-f]*\).*/\2 \1 \3 \4 \5/' |
	awk '!($1 in e) || $3 > e[$1] { e[$1] = $3; l[$1] = $0 } END { for (k in l) print l[k] }' >"$D/last-ok"
{
	echo '{"users": 8, "gws": 4, "entities": ['
	sep=
	for ent in $(awk '{ print $1 }' "$D/list" | LC_ALL=C sort); do
		upd=$(awk -v e="$ent" '$1 == e { print $2 }' "$D/updated")
		set -- $(awk -v e="$ent" '$1 == e { print $2, $3, $4, $5 }' "$D/last-ok")
		if [ $# = 4 ]; then
			printf '%s    {"entity": "%s", "owner": "%s", "epoch": %s, "chain_id": "%s", "n": %s, "updated": %s}' \
				"$sep" "$ent" "$1" "$2" "$4" "$3" "$upd"
		else
			printf '%s    {"entity": "%s", "owner": null, "epoch": 0, "chain_id": null, "n": null, "updated": %s}' \
				"$sep" "$ent" "$upd"
		fi
		sep=",
"
	done
	printf '\n  ]}\n'
} >"$D/list.want"
cpnsctl server list --db "$PG_URI" -j >"$D/list.json" 2>&1
rc=$?
assigned=$(wc -l <"$D/last-ok")
if [ "$rc" = 0 ] && diff -u "$D/list.want" "$D/list.json" >"$D/list.diff"; then
	ok "server list -j of the shared store: every entity (users 8, GWs 4; $assigned assigned) with the owner, E, n and ChainID its serving instance logged"
else
	fail "server list -j: exit $rc, not what the instances logged"
	head -n 20 "$D/list.diff" | sed 's/^/#   /'
fi

ktap_finish "$PLAN"
