#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CPNS key assignment end to end, over TCP, across three nodes (a CPNS
# Server, a PN GW and a PNE, each its own user + network namespace with its
# own keyring: selftests/lib/topology.sh), driven only through cpnsctl,
# keyctl and raw frames:
#
#   - the success path, checked by the GW kernel's check of the PNE's
#     Confirm and by the server's record;
#   - every server status of the profile produced over the wire, asserted
#     by its name in cpnsctl's output, verified or unverified as the
#     profile says, with nothing stored on any node;
#   - the PNE's refusals (another entity, a wrong TK, a tampered frame)
#     and a repeated delivery after a lost acknowledgement;
#   - bad frames and a silent peer against the server, each followed by a
#     good exchange;
#   - a server restart that keeps users, TKs, chains, owners and the
#     replay cache; a chain used up (CHAIN_EXHAUSTED).
#
# The network between the nodes is real (veth); where a test needs to
# lose, hold, duplicate or alter a frame, a relay in the GW node stands in
# for the network (topo_relay).  STALE is made honestly: the GW builds its
# request now, the relay holds it while the VM's clock is moved 400 s
# forward, the server checks it, and the clock is moved back before the
# GW reads the answer.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 when the
# tools needed are missing.
cd "$(dirname "$0")"

TOPO_PREFIX="# "
TOPO_DIR=/tmp/cpns-e2e
. ./lib/topology.sh
. ./lib/ktap.sh
. ./lib/snapshot.sh

PLAN=$(grep -cE '^(case_end|ktap_setup_case \$PLAN) "' "$0")
TLOG=$TOPO_DIR.case.log
# The store: an SQLite file of the server node, or CPNS_E2E_DB (a
# PostgreSQL URI: cpns_e2e_pg.sh).
DB=${CPNS_E2E_DB:-$TOPO_DIR/server/cpns.db}
SRV=$SERVER_ADDR:$SERVER_PORT
PNE=$PNE_ADDR:$PNE_PORT
RELAY_PORT=7200

ktap_header $PLAN

skip_all() { ktap_skip_all $PLAN e2e "$*"; }
command -v cpnsctl >/dev/null || skip_all "no cpnsctl"
for c in server gw pne; do
	cpnsctl $c --help >/dev/null 2>&1 || skip_all "cpnsctl has no \`$c' command"
done
for c in nsenter unshare nc keyctl ip od; do
	command -v $c >/dev/null || skip_all "no $c"
done

topo_trap_exit

# ------------------------------------------------------------ reporting
# Each case: case_begin; checks (expect*) that record FAILS; case_end NAME.
# (case_begin, why, case_end, expect_line, expect_no_line, expect_eq:
# lib/ktap.sh)


# ------------------------------------------------------------- helpers
# assign GWID USER ENTITY PASSWORD CLAIMCODE|- [ADDR:PORT [extra...]]
# Runs cpnsctl gw assign on the GW; OUT = its output, RC = its exit code.
assign() {
	local gw=$1 user=$2 ent=$3 pw=$4 code=$5 srv=${6:-$SRV} cf=
	shift 5
	[ $# -gt 0 ] && shift
	local args=(--server "$srv" --gw-id "$gw" --user "$user" --entity "$ent"
		--password-file - --timeout 20)
	if [ "$code" != - ]; then
		cf=$(printf '%s' "$code" | node_file gw claim)
		args+=(--claim-code-file "$cf")
	fi
	OUT=$(printf '%s' "$pw" | on gw cpnsctl gw assign "${args[@]}" "$@" 2>&1)
	RC=$?
	[ -n "$cf" ] && rm -f "$cf"
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# deliver ENTITY [ADDR:PORT]: cpnsctl gw deliver; OUT, RC.
deliver() {
	OUT=$(on gw cpnsctl gw deliver --pne "${2:-$PNE}" --entity "$1" --timeout 20 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# The server's record of ENTITY: "owner epoch chainid n".
srec() {
	on_q server cpnsctl server list --db "$DB" | awk -v e="$1" '$1 == e { print $2, $3, $4, $5 }'
}

# Send raw bytes (printf format) from the GW node to ADDR PORT; the answer's
# bytes in hex in ANS.
raw() {
	local f=$TOPO_DIR/raw.out
	topo_say "GW: printf '$3' | nc $1 $2"
	printf "$3" | on_q gw timeout 20 nc "$1" "$2" >"$f" 2>>"$TLOG"
	ANS=$(topo_hex "$f")
	echo "#   answer: $ANS" >>"$TLOG"
}
# expect_error CODE NAME: ANS is an ERROR frame of that code.
expect_error() {
	set -- "$1" "$2" $ANS
	local want="43 50 4e 53 01 05 00 00 type/code $1"
	local got="${3:-} ${4:-} ${5:-} ${6:-} ${7:-} ${8:-} ${9:-} ${10:-} type/code ${15:-}"
	[ "$got" = "$want" ] && return 0
	why "expected an ERROR $2 frame (magic, version 1, type 5, code $1); got: ${ANS:-nothing}"
	return 1
}
# The last line the server daemon printed.
srv_last() { tail -n 1 "$TOPO_DIR/server.log"; }

server_start() {
	on_bg server server cpnsctl server run --listen "$SRV" --db "$DB" --timeout 3 "$@"
	topo_wait_listen server "$SERVER_PORT"
}

# A good exchange: alice renews her chain for pne-1.
good_exchange() {
	assign gw-1 alice pne-1 "$PW_ALICE" -
	expect_status OK
}

# --------------------------------------------------------------- setup
setup() {
	local f e
	topo_up || return 1
	# The server's master key, the PSK1s, the manufacturer's list.
	head -c 32 /dev/urandom | on server keyctl padd cpns master:store @u >/dev/null || return 1
	for e in 1 2 3 4; do
		head -c 32 /dev/urandom >"$TOPO_DIR/tk$e.bin"
	done
	head -c 32 /dev/urandom >"$TOPO_DIR/tk4-wrong.bin"
	f=$(for e in 1 2 3 4; do
		echo "pne-$e $(od -An -tx1 -v "$TOPO_DIR/tk$e.bin" | tr -d ' \n') CLAIM-CODE-000$e"
	done | node_file server list)
	on server cpnsctl server init --db "$DB" >/dev/null || return 1
	on server cpnsctl server import "$f" --db "$DB" || return 1
	rm -f "$f"
	# The PNE holds tk:pne-1 and tk:pne-2 (two devices behind one
	# listener), a TK for pne-4 that is not the server's, none for pne-3.
	on pne keyctl padd cpns tk:pne-1 @u <"$TOPO_DIR/tk1.bin" >/dev/null || return 1
	on pne keyctl padd cpns tk:pne-2 @u <"$TOPO_DIR/tk2.bin" >/dev/null || return 1
	on pne keyctl padd cpns tk:pne-4 @u <"$TOPO_DIR/tk4-wrong.bin" >/dev/null || return 1
	rm -f "$TOPO_DIR"/tk*.bin
	# gw-1 and gw-2: one PSK1 each on both sides.  gw-bad: the server's
	# and the GW's PSK1 differ.  gw-unknown: the server never heard of it.
	for g in gw-1 gw-2; do
		head -c 32 /dev/urandom >"$TOPO_DIR/psk.bin"
		on server cpnsctl server add-gw $g --db "$DB" --psk-file - <"$TOPO_DIR/psk.bin" >/dev/null || return 1
		on gw keyctl padd cpns psk:$g @u <"$TOPO_DIR/psk.bin" >/dev/null || return 1
	done
	head -c 32 /dev/urandom | on server cpnsctl server add-gw gw-bad --db "$DB" --psk-file - >/dev/null || return 1
	head -c 32 /dev/urandom | on gw keyctl padd cpns psk:gw-bad @u >/dev/null || return 1
	head -c 32 /dev/urandom | on gw keyctl padd cpns psk:gw-unknown @u >/dev/null || return 1
	rm -f "$TOPO_DIR/psk.bin"
	PW_ALICE='alice: correct horse'
	PW_BOB='bob-battery-staple'
	PW_MALLORY='mallory 12345'
	printf '%s' "$PW_ALICE" | on server cpnsctl server add-user alice --db "$DB" --password-file - || return 1
	printf '%s' "$PW_BOB" | on server cpnsctl server add-user bob --db "$DB" --password-file - || return 1
	printf '%s' "$PW_MALLORY" | on server cpnsctl server add-user mallory --db "$DB" --password-file - || return 1
	server_start || return 1
	on_bg pne pne cpnsctl pne listen --listen "$PNE" --timeout 3
	topo_wait_listen pne "$PNE_PORT" || return 1
}

ktap_setup_case $PLAN "three nodes up; master key, PSK1s, users, the manufacturer's list, daemons" setup

# ------------------------------------------------------------ isolation
case_begin
for node in server gw; do
	on_q $node keyctl search @u cpns tk:pne-1 >/dev/null 2>&1 &&
		why "$node finds the PNE's tk:pne-1"
done
for node in server pne; do
	on_q $node keyctl search @u cpns psk:gw-unknown >/dev/null 2>&1 &&
		why "$node finds the GW's psk:gw-unknown"
done
for node in gw pne; do
	on_q $node keyctl search @u cpns master:store >/dev/null 2>&1 &&
		why "$node finds the server's master:store"
done
id=$(on_q pne keyctl search @u cpns tk:pne-1)
out=$(on_q gw keyctl print "$id" 2>&1) && why "the GW printed the PNE's key $id: $out"
out=$(on_q pne keyctl print "$id" 2>&1)
expect_line "keyctl print tk:pne-1 on the PNE" '.*Required key not available.*' "$out"
case_end "nodes isolated: no node finds another's keys; keyctl print fails (ENOKEY: no wrapping key)"

# -------------------------------------------------------- success path
case_begin
assign gw-1 alice pne-1 "$PW_ALICE" CLAIM-CODE-0001
expect_status OK
expect_eq "GW chain:pne-1 E n delivered" "1 64 0" \
	"$(kfield gw chain:pne-1 E n delivered)"
CID=$(kfield gw chain:pne-1 id)
expect_eq "server record of pne-1 (owner epoch chain n)" "alice 1 $CID 64" "$(srec pne-1)"
[ -n "$CID" ] || why "no chain id on the GW: $(kmeta gw chain:pne-1)"
expect_line "server log" ".* -> OK user=alice entity=pne-1 E=1 n=64 chain=$CID \(claimed: new owner\)" \
	"$(cat "$TOPO_DIR/server.log")"
case_end "assign (first claim): OK; the server's record matches the GW's chain:pne-1"

case_begin
deliver pne-1
expect_line "gw deliver" '\[3/3\] Confirm verified by the kernel.*' "$OUT"
expect_line "gw deliver" 'delivered index 1: ACCEPTED' "$OUT"
expect_eq "exit code" 0 "$RC"
expect_eq "GW chain:pne-1 delivered" 1 "$(kfield gw chain:pne-1 delivered)"
expect_eq "PNE euk:pne-1 (E i n id)" "1 1 64 $CID" \
	"$(kfield pne euk:pne-1 E i n id)"
case_end "deliver EUKey[1]: PNE ACCEPTED, its Confirm verified by the GW kernel"

case_begin
deliver pne-1
expect_line "gw deliver" 'delivered index 2: ACCEPTED' "$OUT"
expect_line "gw deliver" '\[3/3\] Confirm verified by the kernel.*' "$OUT"
expect_eq "GW delivered / PNE index" "2 2" "$(kfield gw chain:pne-1 delivered) $(kfield pne euk:pne-1 i)"
expect_line "PNE log" '.*E=1 i=2 n=64 -> ACCEPTED \(RENEWAL\).*' "$(cat "$TOPO_DIR/pne.log")"
case_end "renewal: EUKey[2] ACCEPTED (RENEWAL), confirmed"

# ------------------------------------------------ server statuses
case_begin
snap
assign gw-1 alice pne-1 "wrong password" -
expect_status AUTH_FAILED
expect_unchanged
case_end "wrong password: AUTH_FAILED (verified), nothing stored"

case_begin
snap
assign gw-1 eve pne-1 "$PW_ALICE" CLAIM-CODE-0001
expect_status AUTH_FAILED
expect_unchanged
case_end "unknown user: AUTH_FAILED (verified), nothing stored"

case_begin
snap
assign gw-1 bob pne-2 "$PW_BOB" CLAIM-CODE-9999
expect_status CLAIM_FAILED
expect_eq "GW chain:pne-2" none "$(kmeta gw chain:pne-2)"
expect_unchanged
case_end "first claim, wrong claim code: CLAIM_FAILED (verified), nothing stored"

case_begin
snap
assign gw-1 bob pne-2 "$PW_BOB" -
expect_status CLAIM_FAILED
expect_eq "server record of pne-2" "- 0" "$(srec pne-2 | cut -d' ' -f1,2)"
expect_unchanged
case_end "first claim, no claim code: CLAIM_FAILED (verified), nothing stored"

case_begin
snap
assign gw-1 alice pne-9 "$PW_ALICE" CLAIM-CODE-0001
expect_status UNKNOWN_ENTITY
expect_unchanged
case_end "unknown entity: UNKNOWN_ENTITY (verified), nothing stored"

case_begin
snap
assign gw-1 bob pne-1 "$PW_BOB" CLAIM-CODE-0001
expect_status NOT_OWNER
expect_unchanged
case_end "another user's entity: NOT_OWNER (verified), nothing stored"

case_begin
snap
assign gw-bad alice pne-1 "$PW_ALICE" -
expect_status BAD_GW_AUTH unverified
expect_unchanged
case_end "wrong PSK1: BAD_GW_AUTH (unverified), nothing stored"

case_begin
snap
assign gw-unknown alice pne-1 "$PW_ALICE" -
expect_status BAD_GW_AUTH unverified
expect_unchanged
case_end "unknown GW: BAD_GW_AUTH (unverified), nothing stored"

# STALE: the request is built at t; the server checks it at t + 400.
case_begin
snap
topo_relay gw stale $RELAY_PORT "$SERVER_ADDR" "$SERVER_PORT" hold
d=$TOPO_DIR/relay-stale
( assign gw-1 alice pne-1 "$PW_ALICE" - 127.0.0.1:$RELAY_PORT
  printf '%s\n' "$OUT" >"$TOPO_DIR/stale.out"; echo "$RC" >"$TOPO_DIR/stale.rc" ) &
apid=$!
if topo_wait_file "$d/held"; then
	t0=$(date +%s)
	topo_say "VM: date -s @$((t0 + 400))   (the server checks the request 400 s after T)"
	date -s "@$((t0 + 400))" >/dev/null
	: >"$d/go"
	topo_wait_file "$d/answered"
	t1=$(date +%s)
	topo_say "VM: date -s @$((t1 - 400))   (the clock back, before the GW reads the answer)"
	date -s "@$((t1 - 400))" >/dev/null
	: >"$d/go2"
fi
wait $apid
OUT=$(cat "$TOPO_DIR/stale.out" 2>/dev/null)
RC=$(cat "$TOPO_DIR/stale.rc" 2>/dev/null)
expect_status STALE unverified
expect_line "server log" '.* -> STALE.*' "$(srv_last)"
topo_stop relay-stale
expect_unchanged
case_end "request checked 400 s after T: STALE (unverified), nothing stored"

# REPLAY: the same request reaches the server twice; the GW gets the second
# answer.  The first copy's effect is the only change.
case_begin
topo_relay gw dup $RELAY_PORT "$SERVER_ADDR" "$SERVER_PORT" dup
d=$TOPO_DIR/relay-dup
( assign gw-1 alice pne-1 "$PW_ALICE" - 127.0.0.1:$RELAY_PORT
  printf '%s\n' "$OUT" >"$TOPO_DIR/dup.out"; echo "$RC" >"$TOPO_DIR/dup.rc" ) &
apid=$!
if topo_wait_file "$d/held"; then
	expect_line "server log, first copy" '.* -> OK user=alice entity=pne-1 E=2 .*' "$(srv_last)"
	snap
	: >"$d/go"
fi
wait $apid
OUT=$(cat "$TOPO_DIR/dup.out" 2>/dev/null)
RC=$(cat "$TOPO_DIR/dup.rc" 2>/dev/null)
expect_status REPLAY
expect_line "server log, second copy" '.* -> REPLAY.*' "$(srv_last)"
topo_stop relay-dup
expect_unchanged
case_end "the same request twice: REPLAY (verified) for the second, which stores nothing"

# RATE_LIMITED: five AUTH_FAILED for mallory (through gw-2, so gw-1's own
# limit is not approached), then the right password is not even checked.
case_begin
snap
for i in 1 2 3 4 5; do
	assign gw-2 mallory pne-1 "guess $i" -
	expect_status AUTH_FAILED
done
assign gw-2 mallory pne-1 "$PW_MALLORY" -
expect_status RATE_LIMITED
expect_unchanged
case_end "5 AUTH_FAILED for a user, then RATE_LIMITED (verified) with the right password"

# ----------------------------------------------------------- PNE side
case_begin
assign gw-1 alice pne-3 "$PW_ALICE" CLAIM-CODE-0003
expect_status OK
snap
deliver pne-3
expect_line "gw deliver" 'delivered index 1: REJECT_ENTITY' "$OUT"
expect_eq "exit code" 1 "$RC"
expect_eq "PNE euk:pne-3" none "$(kmeta pne euk:pne-3)"
expect_unchanged
case_end "delivery for an entity the PNE is not: REJECT_ENTITY, nothing stored"

case_begin
assign gw-1 alice pne-4 "$PW_ALICE" CLAIM-CODE-0004
expect_status OK
snap
deliver pne-4
expect_line "gw deliver" 'delivered index 1: REJECT_OPEN' "$OUT"
expect_eq "PNE euk:pne-4" none "$(kmeta pne euk:pne-4)"
expect_unchanged
case_end "delivery under another TK: REJECT_OPEN, nothing stored"

# A new chain for pne-1 (the server's epoch moved on in the REPLAY case,
# whose first copy the GW never saw), delivered: the PNE takes the newer
# epoch.
case_begin
assign gw-1 alice pne-1 "$PW_ALICE" -
expect_status OK
E_NEW=$(kfield gw chain:pne-1 E)
expect_eq "server epoch = GW epoch" "$(srec pne-1 | cut -d' ' -f2)" "$E_NEW"
deliver pne-1
expect_line "gw deliver" 'delivered index 1: ACCEPTED' "$OUT"
expect_eq "PNE euk:pne-1 E i id" "$E_NEW 1 $(kfield gw chain:pne-1 id)" "$(kfield pne euk:pne-1 E i id)"
expect_line "PNE log" ".*E=$E_NEW i=1 n=64 -> ACCEPTED \(NEW_EPOCH\).*" "$(cat "$TOPO_DIR/pne.log")"
case_end "a newer chain replaces the PNE's older one: ACCEPTED (NEW_EPOCH), confirmed"

case_begin
snap
topo_relay gw tamper $RELAY_PORT "$PNE_ADDR" "$PNE_PORT" tamper
deliver pne-1 127.0.0.1:$RELAY_PORT
expect_line "gw deliver" 'delivered index 2: REJECT_OPEN' "$OUT"
topo_stop relay-tamper
expect_unchanged
case_end "a tampered delivery (last byte of the sealed EUKey flipped): REJECT_OPEN, nothing stored"

case_begin
topo_relay gw drop $RELAY_PORT "$PNE_ADDR" "$PNE_PORT" drop
deliver pne-1 127.0.0.1:$RELAY_PORT
[ "$RC" = 5 ] || why "gw deliver without an ACK: expected exit 5, actual $RC"
expect_no_line "gw deliver" 'delivered index.*ACCEPTED' "$OUT"
topo_stop relay-drop
expect_eq "GW delivered (index 2 not confirmed)" 1 "$(kfield gw chain:pne-1 delivered)"
expect_eq "PNE index (2 accepted, its ACK lost)" 2 "$(kfield pne euk:pne-1 i)"
deliver pne-1
expect_line "gw deliver" 'delivered index 2: ACCEPTED' "$OUT"
expect_line "gw deliver" '\[3/3\] Confirm verified by the kernel.*' "$OUT"
expect_line "PNE log" ".*E=$E_NEW i=2 n=64 -> ACCEPTED \(REPEAT\).*" "$(cat "$TOPO_DIR/pne.log")"
expect_eq "GW delivered / PNE index" "2 2" "$(kfield gw chain:pne-1 delivered) $(kfield pne euk:pne-1 i)"
case_end "ACK lost: the GW delivers the same index again, the PNE accepts it (REPEAT), confirmed"

# An older epoch: a GW holds one chain per entity (a newer one replaces
# it, and no key operation brings an old one back), so the older epoch's
# delivery is one recorded on its way to the PNE, replayed after the PNE
# took a newer chain: it must be refused.
case_begin
assign gw-1 alice pne-1 "$PW_ALICE" -
expect_status OK
E_OLD=$(kfield gw chain:pne-1 E)
topo_relay gw rec $RELAY_PORT "$PNE_ADDR" "$PNE_PORT" forward
deliver pne-1 127.0.0.1:$RELAY_PORT
expect_line "gw deliver (older chain, recorded)" 'delivered index 1: ACCEPTED' "$OUT"
topo_stop relay-rec
assign gw-1 alice pne-1 "$PW_ALICE" -
expect_status OK
deliver pne-1
expect_line "gw deliver (newer chain)" 'delivered index 1: ACCEPTED' "$OUT"
snap
topo_say "GW: (send the recorded delivery of epoch $E_OLD again)"
on_q gw bash -c '. "$0"; topo_exchange "$@"' "$TOPO_LIB" "$PNE_ADDR" "$PNE_PORT" \
	"$TOPO_DIR/relay-rec/frame" >/dev/null
expect_line "PNE log" ".*E=$E_OLD i=1 n=64 -> REJECT_ROLLBACK.*" "$(cat "$TOPO_DIR/pne.log")"
expect_unchanged
case_end "a delivery from an older epoch: REJECT_ROLLBACK, nothing stored"

# --------------------------------------------------- wire robustness
case_begin
raw "$SERVER_ADDR" "$SERVER_PORT" 'GET / HTTP/1.0\r\n\r\n'
expect_error 01 MALFORMED_FRAME
good_exchange
case_end "garbage: ERROR MALFORMED_FRAME; then a good exchange succeeds"

case_begin
raw "$SERVER_ADDR" "$SERVER_PORT" 'CPNS\x01\x01\x00\x00\x00\x00\x00\xb2\x00\x04gw-1\x01\x02\x03'
expect_error 01 MALFORMED_FRAME
good_exchange
case_end "truncated frame: ERROR MALFORMED_FRAME; then a good exchange succeeds"

case_begin
raw "$SERVER_ADDR" "$SERVER_PORT" 'CPNS\x01\x01\x00\x00\x00\x00\x13\x88xxxxxxxxxxxxxxxx'
expect_error 03 FRAME_TOO_LARGE
good_exchange
case_end "oversized frame (length 5000): ERROR FRAME_TOO_LARGE; then a good exchange succeeds"

case_begin
raw "$SERVER_ADDR" "$SERVER_PORT" 'CPNS\x02\x01\x00\x00\x00\x00\x00\x04abcd'
expect_error 02 UNSUPPORTED_VERSION
good_exchange
case_end "version 2: ERROR UNSUPPORTED_VERSION; then a good exchange succeeds"

case_begin
raw "$SERVER_ADDR" "$SERVER_PORT" 'CPNS\x01\x02\x00\x00\x00\x00\x00\x03\x00\x00\x00'
expect_error 04 UNEXPECTED_TYPE
good_exchange
case_end "a RESPONSE sent to the server: ERROR UNEXPECTED_TYPE; then a good exchange succeeds"

case_begin
f=$TOPO_DIR/silent.out
topo_say "GW: sleep 8 | nc $SERVER_ADDR $SERVER_PORT &   (a silent peer; the server's timeout is 3 s)"
(sleep 8 | on_q gw nc "$SERVER_ADDR" "$SERVER_PORT" >"$f" 2>&1) &
spid=$!
sleep 0.5
good_exchange
wait $spid
ANS=$(topo_hex "$f")
expect_error 05 TIMEOUT
case_end "silent peer: cut off with ERROR TIMEOUT; a good exchange meanwhile succeeds"

# --------------------------------------------------- restart, exhaustion
case_begin
topo_relay gw capture $RELAY_PORT "$SERVER_ADDR" "$SERVER_PORT" forward
assign gw-1 alice pne-1 "$PW_ALICE" - 127.0.0.1:$RELAY_PORT
expect_status OK
topo_stop relay-capture
E_BEFORE=$(kfield gw chain:pne-1 E)
LIST_BEFORE=$(on_q server cpnsctl server list --db "$DB")
topo_stop server
topo_listening server "$SERVER_PORT" && why "the server still listens after SIGTERM"
grep -qx 'cpns server: stopped' "$TOPO_DIR/server.log" ||
	why "server log: no \`cpns server: stopped': $(tail -n 3 "$TOPO_DIR/server.log")"
server_start --chain-length 2
expect_line "restarted server" 'cpns server: listening on .*' "$(head -n 1 "$TOPO_DIR/server.log")"
LIST_AFTER=$(on_q server cpnsctl server list --db "$DB")
expect_eq "server list across the restart" "$LIST_BEFORE" "$LIST_AFTER"
case_end "server restarted on the same --db: users, GWs, owners, epochs, chain ids listed as before"

case_begin
snap
topo_say "GW: (send again the REQUEST captured before the restart)"
on_q gw bash -c '. "$0"; topo_exchange "$@"' "$TOPO_LIB" "$SERVER_ADDR" "$SERVER_PORT" \
	"$TOPO_DIR/relay-capture/frame" >"$TOPO_DIR/replay.out" 2>>"$TLOG"
ANS=$(topo_hex "$TOPO_DIR/replay.out")
set -- $ANS
expect_eq "answer: type, status, sealed length (REPLAY, sealed 28 bytes)" "02 04 00 1c" \
	"${6:-} ${13:-} ${14:-} ${15:-}"
expect_line "server log" '.* -> REPLAY.*' "$(srv_last)"
expect_unchanged
case_end "after the restart, a request from before it: REPLAY (the replay cache survived)"

case_begin
assign gw-1 alice pne-1 "$PW_ALICE" -
expect_status OK
expect_eq "GW chain:pne-1 E n" "$((E_BEFORE + 1)) 2" "$(kfield gw chain:pne-1 E n)"
expect_eq "server record" "alice $((E_BEFORE + 1)) $(kfield gw chain:pne-1 id) 2" "$(srec pne-1)"
case_end "after the restart: alice's password, her ownership (no claim code) and the epoch held"

case_begin
deliver pne-1
expect_line "gw deliver" 'delivered index 1: ACCEPTED' "$OUT"
expect_line "gw deliver" '\[3/3\] Confirm verified by the kernel.*' "$OUT"
case_end "after the restart: the new chain's KEK_E opens on the PNE (the TK held)"

case_begin
deliver pne-1
expect_line "gw deliver" 'delivered index 2: ACCEPTED' "$OUT"
snap
deliver pne-1
expect_line "gw deliver" 'status: CHAIN_EXHAUSTED.*' "$OUT"
expect_eq "exit code" 1 "$RC"
expect_unchanged
case_end "chain of n=2 used up: the third deliver is CHAIN_EXHAUSTED, nothing sent or stored"

case_begin
assign gw-1 bob pne-2 "$PW_BOB" CLAIM-CODE-0002
expect_status OK
deliver pne-2
expect_line "gw deliver" 'delivered index 1: ACCEPTED' "$OUT"
expect_eq "server record of pne-2 owner/epoch" "bob 1" "$(srec pne-2 | cut -d' ' -f1,2)"
case_end "bob's first claim of pne-2 with its claim code still works after his CLAIM_FAILEDs"

case_begin
out=$(on_q gw cpnsctl show 2>&1)
expect_line "GW cpnsctl show" '.*chain:pne-1.*' "$out"
expect_no_line "GW cpnsctl show, no secret" '.*[0-9a-f]{64}.*' "$out"
id=$(topo_held_key gw chain:pne-1)
out=$(on_q gw keyctl print "$id" 2>&1)
expect_line "keyctl print chain:pne-1, no wrapping key" '.*Required key not available.*' "$out"
w=$(head -c 32 /dev/urandom | on_q gw keyctl padd logon cpns:wrap @u)
out=$(on_q gw keyctl print "$id" 2>&1)
expect_line "keyctl print chain:pne-1, a sealed blob (CPNK v1 chain)" '43504e4b0104[0-9a-f]+' "$out"
on_q gw keyctl unlink "$w" @u >/dev/null || why "unlink of the wrapping key $w"
id=$(topo_held_key pne euk:pne-1)
out=$(on_q pne keyctl print "$id" 2>&1)
expect_line "keyctl print euk:pne-1, no wrapping key" '.*Required key not available.*' "$out"
case_end "the chain and the EUKey read back only as sealed blobs, never in plaintext"

case_begin
topo_stop server
topo_stop pne
grep -qx 'cpns server: stopped' "$TOPO_DIR/server.log" ||
	why "server log: no \`cpns server: stopped': $(tail -n 3 "$TOPO_DIR/server.log")"
grep -q 'address already in use' -i "$TOPO_DIR/server.log" &&
	why "server log: $(grep -i 'address already in use' "$TOPO_DIR/server.log")"
r=$(dmesg | grep -E 'Oops|BUG:|WARNING:|general protection|Call Trace:' || true)
[ -z "$r" ] || why "kernel log: $r"
case_end "daemons stop cleanly; the kernel log has no report"

ktap_finish $PLAN
