#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The three roles of cpnsctl on ONE node, over TCP on 127.0.0.1, against
# the real module: a smoke test of cpnsctl server/gw/pne, the wire
# protocol (Documentation/protocol.rst) and the server's store.  All keys
# share the user keyring here (the GW's chain: and the PNE's euk: have
# different descriptions), so this is not the three-node isolation test.
#
#   server run :7001 <--- gw assign          (REQUEST / RESPONSE)
#   pne listen :7002 <--- gw deliver         (DELIVERY / ACK)
#
# Covers: import (good, duplicate, bad lines), first claim, CLAIM_FAILED,
# AUTH_FAILED (wrong password, unknown user), NOT_OWNER, UNKNOWN_ENTITY,
# BAD_GW_AUTH (unverified), REPLAY and a tampered request (raw frames),
# deliveries and renewals confirmed, REJECT_ENTITY and its retry with the
# same index, a forged store (owner, epoch, swapped and copied records
# edited with sqlite3, or psql on PostgreSQL: INTERNAL, nothing changed), wire errors (garbage,
# bad version, oversized, silent peer) with a good exchange after them, a
# server restart keeping owners and epochs, CHAIN_EXHAUSTED, RATE_LIMITED.
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 to skip.
set -u
umask 077

. "$(dirname "$0")/lib/ktap.sh"
. "$(dirname "$0")/lib/held.sh"

D=$(mktemp -d)
SRV=
PNE=
cleanup() {
	[ -n "$SRV" ] && kill -TERM "$SRV" 2>/dev/null
	[ -n "$PNE" ] && kill -TERM "$PNE" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
# expect NAME EXIT-CODE PATTERN -- command...: the command's output (shown
# as comments) must contain PATTERN and its exit code must be EXIT-CODE.
expect() {
	local name=$1 want=$2 pat=$3 rc
	shift 4
	"$@" >"$D/out" 2>&1
	rc=$?
	sed 's/^/#   /' "$D/out"
	if [ "$rc" = "$want" ] && grep -q -- "$pat" "$D/out"; then
		ok "$name"
	else
		fail "$name (exit $rc, want $want and \`$pat')"
	fi
}
comment() { sed 's/^/# /'; }

ktap_header
if ! command -v cpnsctl >/dev/null || ! modprobe cpns 2>/dev/null; then
	ktap_skip_plan "no cpnsctl or no cpns module"
fi
ip link set lo up

TKHEX=a097f8fbc351e5687df242db55ccc05aed6354e8
head -c 32 /dev/urandom >"$D/psk"
head -c 32 /dev/urandom >"$D/master"
printf "$(echo $TKHEX | sed 's/../\\x&/g')" >"$D/tk"
keyctl padd cpns master:store @u <"$D/master" >/dev/null
keyctl padd cpns tk:pne-0001 @u <"$D/tk" >/dev/null
echo 'correct horse battery staple' >"$D/pw"
echo 'wrong horse' >"$D/badpw"
echo CLAIM-PUBLIC >"$D/claim"
echo CLAIM-TWO-22 >"$D/claim2"
printf '# the manufacturer\npne-0001 %s CLAIM-PUBLIC\npne-0002 %s CLAIM-TWO-22  # two\n' \
	$TKHEX ${TKHEX}00 >"$D/list"
printf 'pne-0003 %s CLAIM-3333\npne-0001 %s CLAIM-PUBLIC\n' $TKHEX $TKHEX >"$D/list2"
printf 'pne-0004 zz CLAIM-4444\npne bad!x %s CLAIM\n' $TKHEX >"$D/list3"
# The store: an SQLite file, or CPNS_ROLES_DB, a PostgreSQL URI whose
# schema is made (cpns_roles_pg.sh), edited below with CPNS_ROLES_PSQL.
DB=${CPNS_ROLES_DB:-$D/server.db}

# ---------------------------------------------------------------- setup
# Only `server init' creates a store: a mistyped --db is refused, not made.
expect run-missing-store 2 "^cpnsctl: store \`$D/typo.db': no such file: create it with: cpnsctl server init --db $D/typo.db\$" -- \
	cpnsctl server run --listen 127.0.0.1:7001 --db "$D/typo.db"
expect missing-store-not-created 0 "^absent$" -- sh -c "test ! -e '$D/typo.db' && echo absent"
expect init 0 "schema version 3" -- cpnsctl server init --db "$DB"
expect add-gw 0 "recorded" -- cpnsctl server add-gw gw-public --db "$DB" --psk-file "$D/psk"
expect add-user 0 "registered" -- cpnsctl server add-user alice --db "$DB" --password-file "$D/pw"
expect add-user-again 1 "exists already" -- cpnsctl server add-user alice --db "$DB" --password-file "$D/pw"
expect add-user-bob 0 "registered" -- cpnsctl server add-user bob --db "$DB" --password-file "$D/pw"
expect import 0 "imported 2" -- cpnsctl server import "$D/list" --db "$DB"
expect import-duplicate 2 "line 2: EntityID \`pne-0001' is already in the store" -- \
	cpnsctl server import "$D/list2" --db "$DB"
expect import-bad-lines 2 "line 2: 4 fields" -- cpnsctl server import "$D/list3" --db "$DB"
expect import-nothing-from-bad 0 "users: 2, GWs: 1" -- cpnsctl server list --db "$DB"
if grep -q pne-0003 "$D/out"; then fail "import all or nothing"; else ok "import all or nothing"; fi

cpnsctl server run --listen 127.0.0.1:7001 --db "$DB" --chain-length 8 --timeout 3 >"$D/srv.log" 2>&1 &
SRV=$!
cpnsctl pne listen --listen 127.0.0.1:7002 --timeout 3 >"$D/pne.log" 2>&1 &
PNE=$!
sleep 1

# ------------------------------------------------------------ assign
A="cpnsctl gw assign --server 127.0.0.1:7001 --gw-id gw-public"
expect no-claim-code 1 "status: CLAIM_FAILED$" -- $A --entity pne-0001 --user alice --password-file "$D/pw"
expect wrong-password 1 "status: AUTH_FAILED$" -- $A --entity pne-0001 --user alice --password-file "$D/badpw" --claim-code-file "$D/claim"
expect unknown-user 1 "status: AUTH_FAILED$" -- $A --entity pne-0001 --user carol --password-file "$D/pw" --claim-code-file "$D/claim"
expect first-claim 0 "status: OK$" -- $A --entity pne-0001 --user alice --password-file "$D/pw" --claim-code-file "$D/claim"
expect no-psk-names-key-and-keyring 1 "^cpnsctl: no key psk:gw-nopsk in keyring @s: add it (keyctl padd cpns psk:gw-nopsk @s <PSKFILE, or cpnsctl keys load), or name the keyring that holds it with --keyring$" -- \
	cpnsctl gw assign --server 127.0.0.1:7001 --gw-id gw-nopsk --keyring @s --entity pne-0001 --user alice --password-file "$D/pw"
# show without CAP_NET_ADMIN: the module is loaded, the capability missing.
NOCAP="setpriv --inh-caps=-net_admin --bounding-set=-net_admin --"
expect show-without-cap-net-admin 4 "^module: loaded; the module's version and counters need CAP_NET_ADMIN$" -- \
	$NOCAP cpnsctl show
expect show-json-without-cap-net-admin 4 '"module": {"error": "the module'"'"'s version and counters need CAP_NET_ADMIN"}, "keys": \[' -- \
	$NOCAP cpnsctl show -j
# cpnsctl monitor sees the three events of a delivery, in order.
timeout 20 cpnsctl monitor --count 3 >"$D/mon" 2>&1 &
MON=$!
sleep 1
expect deliver-1 0 "delivered index 1: ACCEPTED" -- cpnsctl gw deliver --pne 127.0.0.1:7002 --entity pne-0001
if wait $MON && [ "$(wc -l <"$D/mon")" = 3 ] &&
	sed -n 1p "$D/mon" | grep -q '^DELIVERY entity=pne-0001 epoch=1 index=1 n=8 ' &&
	sed -n 2p "$D/mon" | grep -q '^ACCEPTED entity=pne-0001 epoch=1 index=1 n=8 code=ACCEPTED kind=FIRST ' &&
	sed -n 3p "$D/mon" | grep -q '^CONFIRMED entity=pne-0001 epoch=1 index=1 code=ACCEPTED '; then
	ok "monitor: DELIVERY, ACCEPTED (FIRST), CONFIRMED"
else
	comment <"$D/mon"
	fail "monitor: DELIVERY, ACCEPTED (FIRST), CONFIRMED"
fi
expect renewal-2 0 "delivered index 2: ACCEPTED" -- cpnsctl gw deliver --pne 127.0.0.1:7002 --entity pne-0001
# ------------------------------------------------------- forged store
# Whoever can write the database cannot decide for the server's kernel:
# owner and E live in the entity record sealed under master:store, each
# record is bound to its user or entity, and the columns are only checked
# against the records.  Every edit is answered INTERNAL and changes nothing.
# hx COL: its bytes in upper-case hex; bl HEX: those bytes, in SQL.
if [ -n "${CPNS_ROLES_DB:-}" ]; then
	sq() { "$CPNS_ROLES_PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" -c "$@"; }
	hx() { echo "upper(encode($1, 'hex'))"; }
	bl() { echo "decode('$1', 'hex')"; }
else
	sq() { sqlite3 -cmd ".timeout 5000" "$DB" "$@"; }
	hx() { echo "hex($1)"; }
	bl() { echo "X'$1'"; }
fi
row() { sq "SELECT owner, epoch, $(hx record), $(hx chain_record), $(hx chain_id), n FROM entities WHERE entity_id = '$1'"; }
ROW1=$(row pne-0001)
ROW2=$(row pne-0002)
UREC=$(sq "SELECT $(hx record) FROM users WHERE user_id = 'alice'")
URECB=$(sq "SELECT $(hx record) FROM users WHERE user_id = 'bob'")
FAILS=$(sq "SELECT count(*) FROM failures")
unchanged() {
	if [ "$(row pne-0001)" = "$ROW1" ] && [ "$(row pne-0002)" = "$ROW2" ] &&
		[ "$(sq "SELECT $(hx record) FROM users WHERE user_id = 'alice'")" = "$UREC" ] &&
		[ "$(sq "SELECT $(hx record) FROM users WHERE user_id = 'bob'")" = "$URECB" ] &&
		[ "$(sq "SELECT count(*) FROM failures")" = "$FAILS" ]; then
		ok "$1: store unchanged"
	else
		fail "$1: store unchanged"
	fi
}
dmesg -c >/dev/null 2>&1
sq "UPDATE entities SET owner = 'bob' WHERE entity_id = 'pne-0001'"
expect forged-owner 1 "status: INTERNAL$" -- $A --entity pne-0001 --user bob --password-file "$D/pw"
sq "UPDATE entities SET owner = 'alice' WHERE entity_id = 'pne-0001'"
unchanged forged-owner
sq "UPDATE entities SET owner = NULL WHERE entity_id = 'pne-0001'"
expect forged-unowned 1 "status: INTERNAL$" -- $A --entity pne-0001 --user bob --password-file "$D/pw" --claim-code-file "$D/claim"
sq "UPDATE entities SET owner = 'alice' WHERE entity_id = 'pne-0001'"
unchanged forged-unowned
sq "UPDATE entities SET epoch = 0 WHERE entity_id = 'pne-0001'"
expect epoch-lowered 1 "status: INTERNAL$" -- $A --entity pne-0001 --user alice --password-file "$D/pw"
sq "UPDATE entities SET epoch = 1 WHERE entity_id = 'pne-0001'"
unchanged epoch-lowered
sq "UPDATE users SET record = $(bl "$URECB") WHERE user_id = 'alice'"
expect user-record-swapped 1 "status: INTERNAL$" -- $A --entity pne-0001 --user alice --password-file "$D/pw"
sq "UPDATE users SET record = $(bl "$UREC") WHERE user_id = 'alice'"
unchanged user-record-swapped
# pne-0002's whole row (unowned, E 0) over pne-0001's; alice knows its code.
sq "UPDATE entities SET record = (SELECT record FROM entities WHERE entity_id = 'pne-0002'), owner = NULL, epoch = 0 WHERE entity_id = 'pne-0001'"
expect entity-record-copied 1 "status: INTERNAL$" -- $A --entity pne-0001 --user alice --password-file "$D/pw" --claim-code-file "$D/claim2"
sq "UPDATE entities SET record = $(bl "$(echo "$ROW1" | cut -d'|' -f3)"), owner = 'alice', epoch = 1 WHERE entity_id = 'pne-0001'"
unchanged entity-record-copied
w=$(dmesg | grep -c 'cpns: .*store record.*refused')
echo "# kernel log: $w warnings"
dmesg | grep 'cpns: ' | comment
[ "$w" -ge 1 ] && ok "forged records logged by the kernel" || fail "forged records logged by the kernel ($w)"
expect not-owner 1 "status: NOT_OWNER$" -- $A --entity pne-0001 --user bob --password-file "$D/pw"
expect unknown-entity 1 "status: UNKNOWN_ENTITY$" -- $A --entity pne-0009 --user alice --password-file "$D/pw"
# A GW whose PSK1 the server does not hold (in a session keyring of its own).
expect bad-gw-auth 1 "status: BAD_GW_AUTH (unverified)" -- keyctl session - bash -c \
	"keyctl padd cpns psk:gw-rogue @s <'$D/psk' >/dev/null && cpnsctl gw assign --server 127.0.0.1:7001 --gw-id gw-rogue --keyring @s --entity pne-0001 --user alice --password-file '$D/pw'"

# A request captured on its way, then sent twice: OK (epoch 2), then REPLAY.
nc -l -p 7009 >"$D/req.bin" &
NC=$!
sleep 0.3
cpnsctl gw assign --server 127.0.0.1:7009 --timeout 1 --gw-id gw-public --entity pne-0001 \
	--user alice --password-file "$D/pw" >/dev/null 2>&1
kill $NC 2>/dev/null
wait $NC 2>/dev/null
status_of() { nc -w 5 127.0.0.1 7001 <"$1" | od -An -tu1 -j12 -N1 | tr -d ' '; }
s1=$(status_of "$D/req.bin")
s2=$(status_of "$D/req.bin")
echo "# captured request of $(wc -c <"$D/req.bin") bytes answered $s1, then $s2"
if [ "$s1" = 0 ] && [ "$s2" = 4 ]; then ok replay; else fail "replay ($s1, then $s2)"; fi
# The same request with a byte of its sealed part changed: BAD_GW_AUTH, no seal.
cp "$D/req.bin" "$D/bad.bin"
# (flipped, not set: a byte that was 0 already left the request unchanged,
# answered REPLAY, 1 run in 256)
b=$(od -An -tu1 -j100 -N1 "$D/bad.bin" | tr -d ' ')
printf "\\$(printf '%03o' $((b ^ 0x01)))" | dd of="$D/bad.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
cmp -s "$D/req.bin" "$D/bad.bin" && echo "# the tampered request is unchanged"
s3=$(nc -w 5 127.0.0.1 7001 <"$D/bad.bin" | od -An -tx1 -j12 | tr -d ' \n')
if [ "$s3" = 030000 ]; then ok tampered-request; else fail "tampered-request ($s3)"; fi

# --------------------------------------------------------------- PNE
expect claim-2 0 "status: OK$" -- $A --entity pne-0002 --user alice --password-file "$D/pw" --claim-code-file "$D/claim2"
expect pne-reject-entity 1 "delivered index 1: REJECT_ENTITY" -- cpnsctl gw deliver --pne 127.0.0.1:7002 --entity pne-0002
expect pne-retry-same-index 1 "EUKey\[1\] of" -- cpnsctl gw deliver --pne 127.0.0.1:7002 --entity pne-0002

# --------------------------------------------------------------- wire
# An ERROR frame's header without its length, then its code.
werr() { od -An -tx1 | tr -d ' \n' | sed -E 's/^(.{16}).{8}(.{2}).*/\1 \2/'; }
e=$(printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 127.0.0.1 7001 | werr)
[ "$e" = "43504e5301050000 01" ] && ok "garbage: ERROR MALFORMED_FRAME" || fail "garbage ($e)"
e=$(printf 'CPNS\x02\x03\x00\x00\x00\x00\x00\x00' | nc -w 5 127.0.0.1 7002 | werr)
[ "$e" = "43504e5301050000 02" ] && ok "version 2: ERROR UNSUPPORTED_VERSION" || fail "version ($e)"
e=$(printf 'CPNS\x01\x03\x00\x00\x7f\x00\x00\x00' | nc -w 5 127.0.0.1 7002 | werr)
[ "$e" = "43504e5301050000 03" ] && ok "oversized: ERROR FRAME_TOO_LARGE" || fail "oversized ($e)"
e=$(printf 'CPNS\x01\x02\x00\x00\x00\x00\x00\x03\x00\x00\x00' | nc -w 5 127.0.0.1 7001 | werr)
[ "$e" = "43504e5301050000 04" ] && ok "RESPONSE to a server: ERROR UNEXPECTED_TYPE" || fail "type ($e)"
e=$(printf 'CPNS\x01\x01\x00\x00\x00\x00\x00\x40\x00' | nc -w 5 127.0.0.1 7001 | werr)
[ "$e" = "43504e5301050000 01" ] && ok "truncated: ERROR MALFORMED_FRAME" || fail "truncated ($e)"
# A silent peer holds a connection while a good exchange goes through.
(sleep 6 | nc 127.0.0.1 7001 | werr >"$D/silent") &
SILENT=$!
sleep 0.5
expect reassign-while-silent-peer 0 "status: OK$" -- $A --entity pne-0001 --user alice --password-file "$D/pw"
expect deliver-new-epoch 0 "delivered index 1: ACCEPTED" -- cpnsctl gw deliver --pne 127.0.0.1:7002 --entity pne-0001
wait $SILENT
e=$(cat "$D/silent")
[ "$e" = "43504e5301050000 05" ] && ok "silent peer: ERROR TIMEOUT" || fail "silent peer ($e)"
expect list-json 0 '"entity": "pne-0001", "owner": "alice", "epoch": 3' -- cpnsctl server list --db "$DB" -j

# ------------------------------------------------------------ restart
kill -TERM $SRV
wait $SRV
SRV=
cpnsctl server run --listen 127.0.0.1:7001 --db "$DB" --chain-length 2 >>"$D/srv.log" 2>&1 &
SRV=$!
sleep 1
# -j: one JSON object (cpnsctl.8, JSON OUTPUT), and no step lines.
expect after-restart-json 0 '^{"op": "gw assign", "server": "127.0.0.1:7001", "gw": "gw-public", "user": "alice", "entity": "pne-0001", "status": "OK", "verified": true, "stored": true, "chain": "chain:pne-0001", "key": [0-9][0-9]*, "chain_id": "[0-9a-f]\{32\}", "epoch": 4, "n": 2}$' -- \
	$A --entity pne-0001 --user alice --password-file "$D/pw" -j
if grep -q '^\[' "$D/out"; then fail "gw assign -j: no step lines"; else ok "gw assign -j: no step lines"; fi
timeout 20 cpnsctl monitor --count 1 -j >"$D/mon" 2>&1 &
MON=$!
sleep 1
expect d1 0 "delivered index 1: ACCEPTED" -- cpnsctl gw deliver --pne 127.0.0.1:7002 --entity pne-0001
if wait $MON && grep -q '^{"event": "DELIVERY", "entity": "pne-0001", "epoch": 4, "index": 1, "n": 2' "$D/mon"; then
	ok "monitor -j: the DELIVERY event as one JSON object"
else
	comment <"$D/mon"
	fail "monitor -j: the DELIVERY event as one JSON object"
fi
# pne listen -j: every line of its log a JSON object, the delivery's with
# the members of its text line.
cpnsctl pne listen --listen 127.0.0.1:7003 --timeout 3 --count 1 -j >"$D/pnej.log" 2>&1 &
PNEJ=$!
sleep 1
expect d2-json 0 '^{"op": "gw deliver", "pne": "127.0.0.1:7003", "entity": "pne-0001", "epoch": 4, "index": 2, "n": 2, "code": "ACCEPTED", "confirmed": true, "delivered": 2}$' -- \
	cpnsctl gw deliver --pne 127.0.0.1:7003 --entity pne-0001 -j
for i in $(seq 100); do	# --count 1: it exits by itself
	kill -0 $PNEJ 2>/dev/null || break
	sleep 0.1
done
pnej_alive=$(kill -0 $PNEJ 2>/dev/null && echo yes)
[ -z "$pnej_alive" ] || kill -TERM $PNEJ
wait $PNEJ
euk=$(held_serial euk:pne-0001)
pnej_want="$(printf '%s\n' \
	'{"op": "pne listen", "message": "cpns pne: listening on 127.0.0.1:7003 (timeout 3 s, header 2 s, at most 16 connections, 4 per address, W workers)"}' \
	'{"op": "pne listen", "peer": "127.0.0.1:PORT", "entity": "pne-0001", "epoch": 4, "index": 2, "n": 2, "code": "ACCEPTED", "kind": "RENEWAL", "euk": "euk:pne-0001", "key": KEY}' \
	'{"op": "pne listen", "message": "cpns pne: stopped after 1 deliveries"}')"
pnej_got=$(sed -e 's/, [0-9][0-9]* workers)/, W workers)/' \
	-e 's/"127\.0\.0\.1:[0-9][0-9]*", "entity"/"127.0.0.1:PORT", "entity"/' \
	-e "s/\"key\": ${euk:-none}}\$/\"key\": KEY}/" "$D/pnej.log")
if [ -z "$pnej_alive" ] && [ -n "$euk" ] && [ "$pnej_got" = "$pnej_want" ]; then
	ok "pne listen -j: its log exactly: listening, the delivery (its key the held euk:), stopped"
else
	comment <"$D/pnej.log"
	fail "pne listen -j: its log exactly (euk: ${euk:-none}${pnej_alive:+, still running after 10 s})"
fi
expect chain-exhausted-pretty 1 '^    "status": "CHAIN_EXHAUSTED",$' -- cpnsctl gw deliver --pne 127.0.0.1:7002 --entity pne-0001 -p
expect version-json 0 '^{"cpnsctl": "[^"]*", "module": "[^"]*", "profile": "CPNS-KA v1"}$' -- cpnsctl version -j
s4=$(status_of "$D/req.bin")
[ "$s4" = 4 ] || [ "$s4" = 2 ] && ok "replay cache or STALE after restart ($s4)" || fail "replay after restart ($s4)"
for i in 1 2 3 4 5; do
	$A --entity pne-0002 --user bob --password-file "$D/badpw" >/dev/null 2>&1
done
expect rate-limited 1 "status: RATE_LIMITED$" -- $A --entity pne-0002 --user bob --password-file "$D/pw"

kill -TERM $SRV $PNE
wait $SRV $PNE
SRV=
PNE=
echo "# server log:"
comment <"$D/srv.log"
echo "# PNE log:"
comment <"$D/pne.log"
keyctl show @u | comment
ktap_finish
