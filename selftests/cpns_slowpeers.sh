#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Slow peers against both daemons (cpnsctl server run, cpnsctl pne listen),
# with their default limits, across the three nodes of
# selftests/lib/topology.sh:
#
#   - 64 slowloris connections from one source address (each sends a
#     frame header at once, then one body byte a second) do not keep a
#     good exchange from another source address from completing within
#     one timeout (10 s, the default);
#   - a 65th connection from that source is refused at once with ERROR
#     BUSY naming the per-address limit;
#   - a connection that sends nothing is cut off by the header deadline
#     (2 s by default), long before the frame's timeout;
#   - a frame type the daemon does not accept is refused from its header
#     with ERROR UNEXPECTED_TYPE, without waiting for the body.
#
# The attacker is the GW node on a second address pair: 198.51.100.2 to
# the server (IPv4), fd00:8::2 to the PNE (IPv6, the PNE listening on
# [::], so the good GW's IPv4 address reaches it IPv4-mapped).  The good
# exchanges use the topology's own addresses.  The slowloris is bash's
# /dev/tcp in the GW node: at most 64 connections, at most 40 seconds.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 when the
# tools needed are missing.
cd "$(dirname "$0")"

TOPO_PREFIX="# "
TOPO_DIR=/tmp/cpns-slow
. ./lib/topology.sh
. ./lib/ktap.sh

PLAN=$(grep -cE '^(case_end|ktap_setup_case \$PLAN) "' "$0")
TLOG=$TOPO_DIR.case.log
DB=$TOPO_DIR/server/cpns.db
SRV=$SERVER_ADDR:$SERVER_PORT
PNE=$PNE_ADDR:$PNE_PORT
EVIL4_SRV=198.51.100.1		# the server's second address
EVIL4=198.51.100.2		# the attacker's, on the GW node
EVIL6_PNE=fd00:8::1		# the PNE's IPv6 address
EVIL6=fd00:8::2			# the attacker's, on the GW node
FLOOD=64
TIMEOUT=10			# the daemons' default --timeout
# Milliseconds: a refusal "at once", a cut at the header deadline (2 s),
# both well under the timeout, with room for a loaded TCG VM.  (The probe
# gives up after 8 s.)
AT_ONCE=5000
CUT_OFF=6000

ktap_header $PLAN

skip_all() { ktap_skip_all $PLAN slowpeers "$*"; }
command -v cpnsctl >/dev/null || skip_all "no cpnsctl"
for c in nsenter unshare keyctl ip od bash; do
	command -v $c >/dev/null || skip_all "no $c"
done

topo_trap_exit

# ------------------------------------------------------------ reporting
# (case_begin, why, case_end, expect_line, expect_eq: lib/ktap.sh)
# expect_below "what" LIMIT_MS ACTUAL_MS (the time measured is printed)
expect_below() {
	echo "# $1: ${3:-?} ms (limit $2 ms)"
	[ -n "$3" ] && [ "$3" -lt "$2" ] && return 0
	why "$1: took ${3:-?} ms, expected under $2 ms"
	return 1
}

# ---------------------------------------------------- the peers (bash)
# Both run inside the GW node with bash's /dev/tcp, from the file $PEERS
# (written by setup with declare -f).

# slow_flood ADDR PORT COUNT SECONDS HEADER: COUNT connections, each
# sending HEADER (printf format) at once and then one byte a second, for
# SECONDS in all; "open N" once connected.
slow_flood() {
	local addr=$1 port=$2 count=$3 secs=$4 hdr=$5 fd t i fds=()
	trap '' PIPE
	for ((i = 0; i < count; i++)); do
		exec {fd}<>"/dev/tcp/$addr/$port" || break
		printf "$hdr" >&$fd 2>/dev/null
		fds+=("$fd")
	done
	echo "open ${#fds[@]}"
	for ((t = 0; t < secs; t++)); do
		sleep 1
		for fd in "${fds[@]}"; do
			printf x >&$fd 2>/dev/null
		done
	done
	echo "done"
}

# slow_probe ADDR PORT BYTES: connect, send BYTES (printf format, may be
# empty: a silent peer), read until the peer closes;
# prints "MS HEX...": the milliseconds from connecting to the close and
# the bytes received.  At most 8 s are waited for.
slow_probe() {
	local t0 t1 fd out
	exec {fd}<>"/dev/tcp/$1/$2" || { echo "- connect failed"; return; }
	t0=${EPOCHREALTIME/./}
	[ -n "$3" ] && printf "$3" >&$fd
	out=$(timeout 8 od -An -tx1 -v <&$fd | tr -s ' \n' ' ')
	t1=${EPOCHREALTIME/./}
	exec {fd}>&-
	echo "$(((t1 - t0) / 1000))$out"
}

# The header of a REQUEST announcing a 600-byte body; of a DELIVERY of
# 103 bytes; of a REQUEST of 178 bytes (all sent without their body).
HDR_REQ600='CPNS\x01\x01\x00\x00\x00\x00\x02\x58'
HDR_DEL='CPNS\x01\x03\x00\x00\x00\x00\x00\x67'
HDR_REQ='CPNS\x01\x01\x00\x00\x00\x00\x00\xb2'

flood_start() {
	on_bg gw flood bash -c '. "$0"; slow_flood "$@"' "$PEERS" "$1" "$2" "$FLOOD" 40 "$3"
	local i
	for i in $(seq 300); do
		grep -q '^open' "$TOPO_DIR/flood.log" 2>/dev/null && break
		sleep 0.1
	done
	topo_say "GW: flood: $(head -n 1 "$TOPO_DIR/flood.log")"
	expect_eq "flood connections open" "open $FLOOD" "$(head -n 1 "$TOPO_DIR/flood.log")"
	# Let the daemon accept them (or queue them) before the good peer.
	sleep 2
}

# The flood's connections closed, give the daemon time to see them end.
flood_stop() {
	topo_stop flood
	sleep 2
}

# probe ADDR PORT BYTES: ANS = the hex bytes received, MS = the time.
probe() {
	local r
	topo_say "GW: slow_probe $1 $2 '$3'"
	r=$(on_q gw bash -c '. "$0"; slow_probe "$@"' "$PEERS" "$1" "$2" "$3")
	MS=${r%% *}
	ANS=${r#"$MS"}
	ANS=${ANS# }
	ANS=${ANS% }
	echo "#   answer after $MS ms: $ANS" >>"$TLOG"
}
# expect_error CODE NAME: ANS is an ERROR frame of that code.
expect_error() {
	set -- "$1" "$2" $ANS
	local want="43 50 4e 53 01 05 00 00 code $1"
	local got="${3:-} ${4:-} ${5:-} ${6:-} ${7:-} ${8:-} ${9:-} ${10:-} code ${15:-}"
	[ "$got" = "$want" ] && return 0
	why "expected an ERROR $2 frame (type 5, code $1); got: ${ANS:-nothing}"
	return 1
}
# The reason of the ERROR frame in ANS, as text.
ans_reason() {
	local b out= i=0
	for b in $ANS; do
		i=$((i + 1))
		[ $i -gt 15 ] && out="$out\\x$b"
	done
	printf "$out"
}

# good_assign: alice renews her chain of pne-1 from the GW's own address;
# OUT, RC, MS.
good_assign() {
	local t0 t1
	t0=${EPOCHREALTIME/./}
	OUT=$(printf '%s' "$PW" | on gw cpnsctl gw assign --server "$SRV" --gw-id gw-1 \
		--user alice --entity pne-1 --password-file - 2>&1)
	RC=$?
	t1=${EPOCHREALTIME/./}
	MS=$(((t1 - t0) / 1000))
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}
good_deliver() {
	local t0 t1
	t0=${EPOCHREALTIME/./}
	OUT=$(on gw cpnsctl gw deliver --pne "$PNE" --entity pne-1 2>&1)
	RC=$?
	t1=${EPOCHREALTIME/./}
	MS=$(((t1 - t0) / 1000))
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# --------------------------------------------------------------- setup
setup() {
	local f
	topo_up || return 1
	PEERS=$TOPO_DIR/peers.sh
	declare -f slow_flood slow_probe >"$PEERS"
	chmod 0644 "$PEERS"
	on server ip addr add "$EVIL4_SRV/24" dev veth-gw || return 1
	on gw ip addr add "$EVIL4/24" dev veth-srv || return 1
	on pne ip -6 addr add "$EVIL6_PNE/64" dev veth-gw nodad || return 1
	on gw ip -6 addr add "$EVIL6/64" dev veth-pne nodad || return 1
	head -c 32 /dev/urandom | on server keyctl padd cpns master:store @u >/dev/null || return 1
	head -c 32 /dev/urandom >"$TOPO_DIR/tk1.bin"
	f=$(echo "pne-1 $(od -An -tx1 -v "$TOPO_DIR/tk1.bin" | tr -d ' \n') CLAIM-CODE-0001" |
		node_file server list)
	on server cpnsctl server init --db "$DB" >/dev/null || return 1
	on server cpnsctl server import "$f" --db "$DB" || return 1
	on pne keyctl padd cpns tk:pne-1 @u <"$TOPO_DIR/tk1.bin" >/dev/null || return 1
	rm -f "$f" "$TOPO_DIR/tk1.bin"
	head -c 32 /dev/urandom >"$TOPO_DIR/psk.bin"
	on server cpnsctl server add-gw gw-1 --db "$DB" --psk-file - <"$TOPO_DIR/psk.bin" >/dev/null || return 1
	on gw keyctl padd cpns psk:gw-1 @u <"$TOPO_DIR/psk.bin" >/dev/null || return 1
	rm -f "$TOPO_DIR/psk.bin"
	PW='alice: correct horse'
	printf '%s' "$PW" | on server cpnsctl server add-user alice --db "$DB" --password-file - || return 1
	on_bg server server cpnsctl server run --listen "0.0.0.0:$SERVER_PORT" --db "$DB"
	topo_wait_listen server "$SERVER_PORT" || return 1
	on_bg pne pne cpnsctl pne listen --listen "[::]:$PNE_PORT"
	topo_wait_listen pne "$PNE_PORT" || return 1
	f=$(printf 'CLAIM-CODE-0001' | node_file gw claim)
	printf '%s' "$PW" | on gw cpnsctl gw assign --server "$SRV" --gw-id gw-1 --user alice \
		--entity pne-1 --password-file - --claim-code-file "$f" || return 1
	rm -f "$f"
}

ktap_setup_case $PLAN "three nodes up, second addresses, both daemons with their defaults, pne-1 claimed" setup

# ------------------------------------------------------------- server
case_begin
flood_start "$EVIL4_SRV" "$SERVER_PORT" "$HDR_REQ600"
probe "$EVIL4_SRV" "$SERVER_PORT" "$HDR_REQ600"
expect_error 07 BUSY
expect_line "reason" "too many connections from $EVIL4 .*" "$(ans_reason)"
expect_below "the refusal" $AT_ONCE "$MS"
expect_line "server log" ".*refused.*$EVIL4.*" "$(cat "$TOPO_DIR/server.log")"
case_end "server: $FLOOD slowloris connections from $EVIL4, a 65th refused at once: ERROR BUSY, the per-address limit named"

case_begin
good_assign
expect_line "gw assign during the flood" 'status: OK' "$OUT"
expect_eq "gw assign exit code" 0 "$RC"
expect_below "gw assign during the flood" $((TIMEOUT * 1000)) "$MS"
case_end "server: with those $FLOOD open, a good exchange from $GW_SRV_ADDR completes within one timeout"
flood_stop

case_begin
probe "$EVIL4_SRV" "$SERVER_PORT" ''
expect_error 05 TIMEOUT
expect_below "a silent peer cut off" $CUT_OFF "$MS"
case_end "server: a peer that sends nothing is cut off by the header deadline (ERROR TIMEOUT) long before the ${TIMEOUT} s timeout"

case_begin
probe "$EVIL4_SRV" "$SERVER_PORT" "$HDR_DEL"
expect_error 04 UNEXPECTED_TYPE
expect_below "the refusal" $AT_ONCE "$MS"
case_end "server: a DELIVERY header without its body: ERROR UNEXPECTED_TYPE at once, body not awaited"

# ---------------------------------------------------------------- PNE
case_begin
flood_start "$EVIL6_PNE" "$PNE_PORT" "$HDR_DEL"
probe "$EVIL6_PNE" "$PNE_PORT" "$HDR_DEL"
expect_error 07 BUSY
expect_line "reason" "too many connections from $EVIL6 .*" "$(ans_reason)"
expect_below "the refusal" $AT_ONCE "$MS"
expect_line "pne log" ".*refused.*$EVIL6.*" "$(cat "$TOPO_DIR/pne.log")"
case_end "PNE: $FLOOD slowloris connections from $EVIL6 (IPv6), a 65th refused at once: ERROR BUSY, the per-address limit named"

case_begin
good_deliver
expect_line "gw deliver during the flood" 'delivered index [0-9]+: ACCEPTED' "$OUT"
expect_eq "gw deliver exit code" 0 "$RC"
expect_below "gw deliver during the flood" $((TIMEOUT * 1000)) "$MS"
case_end "PNE: with those $FLOOD open, a good delivery from $GW_PNE_ADDR (IPv4-mapped) completes within one timeout"
flood_stop

case_begin
probe "$EVIL6_PNE" "$PNE_PORT" ''
expect_error 05 TIMEOUT
expect_below "a silent peer cut off" $CUT_OFF "$MS"
case_end "PNE: a peer that sends nothing is cut off by the header deadline (ERROR TIMEOUT) long before the ${TIMEOUT} s timeout"

case_begin
probe "$EVIL6_PNE" "$PNE_PORT" "$HDR_REQ"
expect_error 04 UNEXPECTED_TYPE
expect_below "the refusal" $AT_ONCE "$MS"
case_end "PNE: a REQUEST header without its body: ERROR UNEXPECTED_TYPE at once, body not awaited"

case_begin
topo_stop server
topo_stop pne
grep -qx 'cpns server: stopped' "$TOPO_DIR/server.log" ||
	why "server log: no \`cpns server: stopped': $(tail -n 3 "$TOPO_DIR/server.log")"
grep -q '^cpns pne: stopped' "$TOPO_DIR/pne.log" ||
	why "pne log: no \`cpns pne: stopped': $(tail -n 3 "$TOPO_DIR/pne.log")"
case_end "both daemons stop cleanly"

ktap_finish $PLAN
