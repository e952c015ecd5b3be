#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rest of a device's life, over the wire (issue 14): each
# administration command of the CPNS Server (release, transfer,
# decommission, reinstate, remove-gw, rotate-gw, set-password,
# remove-user) and of the GW and the PNE (gw list, gw forget, pne show),
# with its effect as a GW and a PNE see it, and every refusal's exact
# error with nothing changed.
#
# Four nodes (selftests/lib/topology.sh, plus a second GW): the server,
# the GW "gw" (GwIDs gw-1, gw-3, gw-r, gw-unknown), the GW "gw2" (gw-2,
# the old owner's gateway) and the PNE; both GWs reach the server and
# the PNE over veth.  Each node is its own user and network namespace.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 when the
# tools needed are missing.
cd "$(dirname "$0")"

TOPO_PREFIX="# "
TOPO_DIR=/tmp/cpns-lifecycle
. ./lib/topology.sh

PLAN=$(grep -c "^case_end \"" "$0")
n=0
fails=0
TLOG=$TOPO_DIR.case.log
DB=$TOPO_DIR/server/cpns.db
SRV=$SERVER_ADDR:$SERVER_PORT
PNE=$PNE_ADDR:$PNE_PORT
GW2_SRV_ADDR=192.0.2.10
SERVER_ADDR2=192.0.2.9
GW2_PNE_ADDR=192.0.2.13
PNE_ADDR2=192.0.2.14
SRV2=$SERVER_ADDR2:$SERVER_PORT
PNE2=$PNE_ADDR2:$PNE_PORT
TOPO_UID[gw2]=10004

echo "KTAP version 1"
echo "1..$PLAN"

skip_all() {
	echo "# SKIP: $*"
	n=0
	while [ $n -lt $PLAN ]; do
		n=$((n + 1))
		echo "ok $n lifecycle # SKIP $*"
	done
	exit 4
}
command -v cpnsctl >/dev/null || skip_all "no cpnsctl"
cpnsctl server release --help >/dev/null 2>&1 || skip_all "cpnsctl has no \`server release'"
for c in nsenter unshare keyctl ip od; do
	command -v $c >/dev/null || skip_all "no $c"
done

finish() {
	local pid=${TOPO_PID[gw2]:-}
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	topo_cleanup
	rm -rf "$TOPO_DIR"
}
trap finish EXIT

# ------------------------------------------------------------ reporting
CASE_FAILS=
case_begin() {
	CASE_T0=$(date +%s)
	CASE_FAILS=
	: >"$TLOG"
	TOPO_LOG=$TLOG
}
why() {
	CASE_FAILS="$CASE_FAILS$*
"
}
case_end() {
	n=$((n + 1))
	TOPO_LOG=
	echo "# case $((n)): $(($(date +%s) - CASE_T0)) s"
	if [ -z "$CASE_FAILS" ]; then
		echo "ok $n - $1"
		return
	fi
	fails=$((fails + 1))
	printf '%s' "$CASE_FAILS" | sed 's/^/# /'
	echo "# commands run:"
	sed 's/^# //; s/^/#   /' "$TLOG"
	echo "not ok $n - $1"
}
expect_line() {
	if ! printf '%s\n' "$3" | grep -Eqx -- "$2"; then
		why "$1: expected a line matching: $2"
		why "actual output:"
		why "$(printf '%s\n' "$3" | sed 's/^/    /')"
		return 1
	fi
}
expect_eq() {
	[ "$2" = "$3" ] && return 0
	why "$1:"
	why "  expected: $2"
	why "  actual:   $3"
	return 1
}

# ------------------------------------------------------------- helpers
node_file() {
	local f=$TOPO_DIR/$1/$2
	cat >"$f"
	chown "${TOPO_UID[$1]}:${TOPO_UID[$1]}" "$f"
	chmod 0600 "$f"
	echo "$f"
}

# assign NODE GWID USER ENTITY PASSWORD CLAIMCODE|- : OUT, RC
assign() {
	local node=$1 gw=$2 user=$3 ent=$4 pw=$5 code=$6 cf= srv=$SRV
	[ "$node" = gw2 ] && srv=$SRV2
	local args=(--server "$srv" --gw-id "$gw" --user "$user" --entity "$ent"
		--password-file - --timeout 20)
	if [ "$code" != - ]; then
		cf=$(printf '%s' "$code" | node_file "$node" claim)
		args+=(--claim-code-file "$cf")
	fi
	OUT=$(printf '%s' "$pw" | on "$node" cpnsctl gw assign "${args[@]}" 2>&1)
	RC=$?
	[ -n "$cf" ] && rm -f "$cf"
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# deliver NODE ENTITY: OUT, RC
deliver() {
	local pne=$PNE
	[ "$1" = gw2 ] && pne=$PNE2
	OUT=$(on "$1" cpnsctl gw deliver --pne "$pne" --entity "$2" --timeout 20 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# srv SUBCOMMAND ARGS...: cpnsctl server SUBCOMMAND ... --db; OUT, RC
srv() {
	local sub=$1
	shift
	OUT=$(on server cpnsctl server "$sub" "$@" --db "$DB" 2>&1 </dev/null)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

kmeta() {
	on_q "$1" cat /proc/keys | awk -v d="$2:" '
		$8 == "cpns" && $9 == d { for (i = 10; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : ""); f = 1; print "" }
		END { if (!f) print "none" }'
}
kfield() {
	local m f out=
	m=$(kmeta "$1" "$2")
	shift 2
	for f in "$@"; do
		out="$out $(printf '%s\n' $m | sed -n "s/^$f=//p")"
	done
	echo "${out# }"
}
# The server's record of ENTITY: "owner epoch".
srec() {
	on_q server cpnsctl server list --db "$DB" | awk -v e="$1" '$1 == e { print $2, $3 }'
}
snapshot() {
	local node
	for node in gw gw2 pne server; do
		echo "== $node keys"
		on_q "$node" cat /proc/keys | awk '$8 == "cpns" { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' | sort
	done
	echo "== server list"
	on_q server cpnsctl server list --db "$DB"
}
SNAP=
snap() { SNAP=$(snapshot); }
expect_unchanged() {
	local now
	now=$(snapshot)
	[ "$now" = "$SNAP" ] && return 0
	why "something changed; before vs after:"
	printf '%s\n' "$SNAP" >"$TOPO_DIR/snap.before"
	printf '%s\n' "$now" >"$TOPO_DIR/snap.after"
	why "$(diff "$TOPO_DIR/snap.before" "$TOPO_DIR/snap.after" | sed 's/^/    /')"
	return 1
}
expect_status() {
	local want="status: $1"
	[ "${2:-}" = unverified ] && want="$want (unverified)"
	expect_line "gw assign" "$(printf '%s' "$want" | sed 's/[()]/\\&/g')" "$OUT" || return 1
	[ "$1" = OK ] && [ "$RC" != 0 ] && why "exit code $RC for OK"
	[ "$1" != OK ] && [ "$RC" != 1 ] && why "exit code: expected 1, actual $RC"
	return 0
}
# expect_refused EXIT REGEX: the last command exited EXIT with that message
expect_refused() {
	expect_eq "exit code" "$1" "$RC"
	expect_line "message" "$2" "$OUT"
}
AUDIT='audit: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z uid=0\([^)]*\)'

# --------------------------------------------------------------- setup
setup() {
	local f e g
	topo_up || return 1
	topo_node gw2 || return 1
	topo_link server veth-gw2 "$SERVER_ADDR2" gw2 veth-srv2 "$GW2_SRV_ADDR" || return 1
	topo_link gw2 veth-pne2 "$GW2_PNE_ADDR" pne veth-gw2b "$PNE_ADDR2" || return 1
	head -c 32 /dev/urandom | on server keyctl padd cpns master:store @u >/dev/null || return 1
	for e in 1 2 3; do
		head -c 32 /dev/urandom >"$TOPO_DIR/tk$e.bin"
	done
	f=$(for e in 1 2 3; do
		echo "pne-$e $(od -An -tx1 -v "$TOPO_DIR/tk$e.bin" | tr -d ' \n') CLAIM-CODE-000$e"
	done | node_file server list)
	LIST=$f
	on server cpnsctl server import "$f" --db "$DB" >/dev/null || return 1
	for e in 1 2 3; do
		on pne keyctl padd cpns tk:pne-$e @u <"$TOPO_DIR/tk$e.bin" >/dev/null || return 1
	done
	rm -f "$TOPO_DIR"/tk*.bin
	# gw-1, gw-3, gw-r on the GW "gw"; gw-2 on "gw2"; gw-unknown never added.
	for g in gw-1:gw gw-2:gw2 gw-3:gw gw-r:gw; do
		head -c 32 /dev/urandom >"$TOPO_DIR/psk.bin"
		on server cpnsctl server add-gw ${g%%:*} --db "$DB" --psk-file - <"$TOPO_DIR/psk.bin" >/dev/null || return 1
		on ${g#*:} keyctl padd cpns psk:${g%%:*} @u <"$TOPO_DIR/psk.bin" >/dev/null || return 1
		[ ${g%%:*} = gw-r ] && cp "$TOPO_DIR/psk.bin" "$TOPO_DIR/psk-r-old.bin"
	done
	head -c 32 /dev/urandom | on gw keyctl padd cpns psk:gw-unknown @u >/dev/null || return 1
	rm -f "$TOPO_DIR/psk.bin"
	PW_ALICE='alice: correct horse'
	PW_BOB='bob-battery-staple'
	PW_CAROL='carol 4 ever'
	printf '%s' "$PW_ALICE" | on server cpnsctl server add-user alice --db "$DB" --password-file - >/dev/null || return 1
	printf '%s' "$PW_BOB" | on server cpnsctl server add-user bob --db "$DB" --password-file - >/dev/null || return 1
	printf '%s' "$PW_CAROL" | on server cpnsctl server add-user carol --db "$DB" --password-file - >/dev/null || return 1
	on_bg server server cpnsctl server run --listen "0.0.0.0:$SERVER_PORT" --db "$DB" --timeout 3
	topo_wait_listen server "$SERVER_PORT" || return 1
	on_bg pne pne cpnsctl pne listen --listen "0.0.0.0:$PNE_PORT" --timeout 3
	topo_wait_listen pne "$PNE_PORT" || return 1
	local i
	for i in $(seq 50); do
		on_q gw2 ping -c 1 -W 1 "$SERVER_ADDR2" >/dev/null 2>&1 &&
			on_q gw2 ping -c 1 -W 1 "$PNE_ADDR2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "gw2: links do not carry traffic" >&2
	return 1
}

case_begin
setup
rc=$?
[ $rc = 0 ] || why "setup failed (exit $rc)"
case_end "four nodes up (server, two GWs, PNE); master key, PSK1s, users, the list, daemons"
if [ $rc != 0 ]; then
	while [ $n -lt $PLAN ]; do
		n=$((n + 1))
		echo "not ok $n - skipped: setup failed"
	done
	exit 1
fi

# ------------------------------------------------------------- release
case_begin
assign gw2 gw-2 alice pne-1 "$PW_ALICE" CLAIM-CODE-0001
expect_status OK
deliver gw2 pne-1
expect_line "gw2 deliver" 'delivered index 1: ACCEPTED' "$OUT"
expect_eq "PNE euk:pne-1 E i" "1 1" "$(kfield pne euk:pne-1 E i)"
srv release pne-1
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server release entity=pne-1 owner_was=alice owner=- epoch=1 state=in-service" "$OUT"
expect_eq "server record of pne-1 (owner epoch)" "- 1" "$(srec pne-1)"
case_end "alice's pne-1 (E=1, delivered by her gw2): server release: no owner, E kept"

case_begin
snap
assign gw gw-1 bob pne-1 "$PW_BOB" -
expect_status CLAIM_FAILED
expect_unchanged
assign gw gw-1 bob pne-1 "$PW_BOB" CLAIM-CODE-0001
expect_status OK
expect_eq "GW chain:pne-1 E (never reset: 1 + 1)" 2 "$(kfield gw chain:pne-1 E)"
expect_eq "server record of pne-1" "bob 2" "$(srec pne-1)"
case_end "after release: bob without the claim code CLAIM_FAILED (nothing stored), with it OK at E=2"

case_begin
deliver gw2 pne-1
expect_line "gw2 deliver (alice's old chain)" 'delivered index 2: ACCEPTED' "$OUT"
expect_eq "PNE euk:pne-1 E i" "1 2" "$(kfield pne euk:pne-1 E i)"
deliver gw pne-1
expect_line "gw deliver (bob's chain)" 'delivered index 1: ACCEPTED' "$OUT"
expect_line "PNE log" '.*E=2 i=1 n=64 -> ACCEPTED \(NEW_EPOCH\).*' "$(cat "$TOPO_DIR/pne.log")"
snap
deliver gw2 pne-1
expect_line "gw2 deliver (alice's old chain)" 'delivered index 3: REJECT_ROLLBACK' "$OUT"
expect_eq "exit code" 1 "$RC"
expect_eq "PNE euk:pne-1 E i" "2 1" "$(kfield pne euk:pne-1 E i)"
case_end "the old owner's GW renews until the new owner's first delivery, then REJECT_ROLLBACK"

case_begin
srv release pne-1
expect_eq "exit code" 0 "$RC"
snap
srv release pne-1
expect_refused 1 'cpnsctl: server release: Operation already in progress \(entity has no owner\)'
srv release pne-9
expect_refused 1 "cpnsctl: server release: no entity \`pne-9' in the store"
srv release 'bad id'
expect_refused 2 "cpnsctl: server release: invalid EntityID: \`bad id'"
expect_unchanged
case_end "a second release: EALREADY (entity has no owner); unknown entity; bad id; nothing changed"

# ------------------------------------------------------------ transfer
case_begin
assign gw gw-1 bob pne-1 "$PW_BOB" CLAIM-CODE-0001
expect_status OK
srv transfer pne-1 carol
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server transfer entity=pne-1 owner_was=bob owner=carol epoch=3 state=in-service" "$OUT"
expect_eq "server record of pne-1" "carol 3" "$(srec pne-1)"
assign gw gw-1 carol pne-1 "$PW_CAROL" -
expect_status OK
expect_eq "server record of pne-1" "carol 4" "$(srec pne-1)"
snap
assign gw gw-1 bob pne-1 "$PW_BOB" -
expect_status NOT_OWNER
expect_unchanged
case_end "transfer to carol: she re-assigns without a code (OK, E=4); bob NOT_OWNER"

case_begin
snap
srv transfer pne-1 nobody
expect_refused 1 "cpnsctl: server transfer: no user \`nobody' in the store"
srv transfer pne-9 carol
expect_refused 1 "cpnsctl: server transfer: no entity \`pne-9' in the store"
srv transfer pne-1 carol
expect_refused 1 'cpnsctl: server transfer: Operation already in progress \(the user owns the entity already\)'
srv transfer pne-1
expect_refused 2 'cpnsctl: server transfer: ENTITY USER expected'
expect_unchanged
case_end "transfer to an unknown user, of an unknown entity, to the owner: exact errors, nothing changed"

# -------------------------------------------------------- decommission
case_begin
srv decommission pne-1
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server decommission entity=pne-1 owner_was=carol owner=- epoch=4 state=decommissioned" "$OUT"
snap
assign gw gw-1 carol pne-1 "$PW_CAROL" CLAIM-CODE-0001
expect_status UNKNOWN_ENTITY
A=$OUT
assign gw gw-1 carol pne-9 "$PW_CAROL" CLAIM-CODE-0001
expect_status UNKNOWN_ENTITY
expect_eq "the GW's view of a decommissioned and an unlisted entity" \
	"$(printf '%s\n' "$A" | grep '^status:')" "$(printf '%s\n' "$OUT" | grep '^status:')"
srv decommission pne-1
expect_refused 1 'cpnsctl: server decommission: Operation already in progress \(entity is decommissioned already\)'
srv release pne-1
expect_refused 1 'cpnsctl: server release: No such file or directory \(entity is decommissioned\)'
srv transfer pne-1 alice
expect_refused 1 'cpnsctl: server transfer: No such file or directory \(entity is decommissioned\)'
expect_unchanged
case_end "decommission: UNKNOWN_ENTITY (sealed) as for an unlisted entity; twice, release, transfer refused"

case_begin
snap
on_q server sh -c 'echo "pne-1 00 CLAIM-CODE-0001" > "$0"' "$TOPO_DIR/server/bad.list"
srv reinstate pne-1 --list "$TOPO_DIR/server/bad.list"
expect_refused 2 "cpnsctl: list \`$TOPO_DIR/server/bad.list': line 1 \(pne-1\): invalid TK"
srv reinstate pne-2 --list "$LIST"
expect_refused 1 'cpnsctl: server reinstate: File exists \(entity is in service: only a decommissioned entity is imported again\)'
expect_unchanged
srv reinstate pne-1 --list "$LIST"
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server reinstate entity=pne-1 owner_was=- owner=- epoch=4 state=in-service" "$OUT"
assign gw gw-1 alice pne-1 "$PW_ALICE" -
expect_status CLAIM_FAILED
assign gw gw-1 alice pne-1 "$PW_ALICE" CLAIM-CODE-0001
expect_status OK
expect_eq "server record of pne-1 (E kept: 4 + 1)" "alice 5" "$(srec pne-1)"
deliver gw pne-1
expect_line "gw deliver" 'delivered index 1: ACCEPTED' "$OUT"
case_end "reinstate from the manufacturer's list: unowned, E kept; bad list line, entity in service refused"

# ----------------------------------------------------------- remove-gw
case_begin
assign gw gw-3 alice pne-2 "$PW_ALICE" CLAIM-CODE-0002
expect_status OK
srv remove-gw gw-3
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server remove-gw gw=gw-3 psk_key=[0-9]+" "$OUT"
on_q server keyctl search @u cpns psk:gw-3 >/dev/null 2>&1 && why "the server still finds psk:gw-3"
snap
topo_relay gw retired 7200 "$SERVER_ADDR" "$SERVER_PORT" forward
OUT=$(printf '%s' "$PW_ALICE" | on gw cpnsctl gw assign --server 127.0.0.1:7200 --gw-id gw-3 \
	--user alice --entity pne-2 --password-file - --timeout 20 2>&1)
RC=$?
expect_status BAD_GW_AUTH unverified
topo_stop relay-retired
topo_relay gw unknown 7201 "$SERVER_ADDR" "$SERVER_PORT" forward
OUT=$(printf '%s' "$PW_ALICE" | on gw cpnsctl gw assign --server 127.0.0.1:7201 --gw-id gw-unknown \
	--user alice --entity pne-2 --password-file - --timeout 20 2>&1)
RC=$?
expect_status BAD_GW_AUTH unverified
topo_stop relay-unknown
a=$(topo_hex "$TOPO_DIR/relay-retired/answer")
b=$(topo_hex "$TOPO_DIR/relay-unknown/answer")
expect_eq "answer length, retired vs unknown GW" "$(wc -c <"$TOPO_DIR/relay-unknown/answer")" \
	"$(wc -c <"$TOPO_DIR/relay-retired/answer")"
expect_eq "answer bytes, retired vs unknown GW (no RAND, T or body in a BAD_GW_AUTH)" "$b" "$a"
expect_unchanged
srv remove-gw gw-3
expect_refused 1 "cpnsctl: server remove-gw: no GW \`gw-3' in the store"
case_end "remove-gw: its requests BAD_GW_AUTH, the same answer byte for byte as an unknown GwID's"

# ----------------------------------------------------------- rotate-gw
case_begin
head -c 32 /dev/urandom >"$TOPO_DIR/psk-r-new.bin"
on server cpnsctl server rotate-gw gw-r --db "$DB" --psk-file - --grace 15 \
	<"$TOPO_DIR/psk-r-new.bin" >"$TOPO_DIR/rot.out" 2>&1
RC=$?
T_ROT=$(date +%s)
OUT=$(cat "$TOPO_DIR/rot.out")
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server rotate-gw gw=gw-r grace=15" "$OUT"
assign gw gw-r alice pne-3 "$PW_ALICE" CLAIM-CODE-0003
expect_status OK
[ $(($(date +%s) - T_ROT)) -lt 15 ] || why "the old PSK1's request took longer than the window: rerun"
on gw keyctl padd cpns psk:gw-r @u <"$TOPO_DIR/psk-r-new.bin" >/dev/null
assign gw gw-r alice pne-3 "$PW_ALICE" -
expect_status OK
case_end "rotate-gw (grace 15 s): the old PSK1 accepted inside the window, the new one at once"

case_begin
on gw keyctl padd cpns psk:gw-r @u <"$TOPO_DIR/psk-r-old.bin" >/dev/null
while [ $(($(date +%s) - T_ROT)) -le 16 ]; do sleep 1; done
snap
assign gw gw-r alice pne-3 "$PW_ALICE" -
expect_status BAD_GW_AUTH unverified
expect_unchanged
on gw keyctl padd cpns psk:gw-r @u <"$TOPO_DIR/psk-r-new.bin" >/dev/null
assign gw gw-r alice pne-3 "$PW_ALICE" -
expect_status OK
case_end "after the window: the old PSK1 BAD_GW_AUTH, the new one OK"

case_begin
head -c 32 /dev/urandom >"$TOPO_DIR/psk-r-3.bin"
on server cpnsctl server rotate-gw gw-r --db "$DB" --psk-file - --grace 0 \
	<"$TOPO_DIR/psk-r-3.bin" >/dev/null 2>&1
expect_eq "rotate-gw --grace 0: exit code" 0 "$?"
snap
assign gw gw-r alice pne-3 "$PW_ALICE" -
expect_status BAD_GW_AUTH unverified
expect_unchanged
OUT=$(on server cpnsctl server rotate-gw gw-r --db "$DB" --psk-file - <"$TOPO_DIR/psk-r-3.bin" 2>&1)
RC=$?
expect_refused 1 'cpnsctl: rotate GW: Invalid argument \(the new PSK1 is the current one\)'
OUT=$(head -c 31 /dev/urandom | on server cpnsctl server rotate-gw gw-r --db "$DB" --psk-file - 2>&1)
RC=$?
expect_refused 2 'cpnsctl: PSK1: 31 bytes, must be exactly 32 raw bytes'
OUT=$(on server cpnsctl server rotate-gw gw-x --db "$DB" --psk-file - <"$TOPO_DIR/psk-r-3.bin" 2>&1)
RC=$?
expect_refused 1 "cpnsctl: server rotate-gw: no GW \`gw-x' in the store"
srv rotate-gw gw-r --grace 86401
expect_refused 2 "cpnsctl: server rotate-gw: invalid grace: \`86401' \(0..86400 seconds\)"
rm -f "$TOPO_DIR"/psk-r-*.bin
case_end "rotate-gw --grace 0: the old PSK1 refused at once; the same PSK1, a short one, unknown GW, bad grace"

# --------------------------------------------------------- set-password
case_begin
OUT=$(printf '%s' 'alice: new staple' | on server cpnsctl server set-password alice --db "$DB" --password-file - 2>&1)
RC=$?
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server set-password user=alice master=store" "$OUT"
snap
assign gw gw-1 alice pne-1 "$PW_ALICE" -
expect_status AUTH_FAILED
assign gw gw-1 alice pne-1 'alice: new staple' -
expect_status OK
PW_ALICE='alice: new staple'
OUT=$(printf 'x' | on server cpnsctl server set-password nobody --db "$DB" --password-file - 2>&1)
RC=$?
expect_refused 1 "cpnsctl: server set-password: no user \`nobody' in the store"
case_end "set-password: the old password AUTH_FAILED at once, the new one OK; unknown user refused"

# ---------------------------------------------------------- remove-user
case_begin
assign gw gw-1 bob pne-2 "$PW_BOB" CLAIM-CODE-0002
expect_status NOT_OWNER
srv release pne-2
assign gw gw-1 bob pne-2 "$PW_BOB" CLAIM-CODE-0002
expect_status OK
snap
srv remove-user bob
expect_refused 1 "cpnsctl: server remove-user: user \`bob' owns 1 device \(pne-2\): nothing changed; --release-devices releases them"
expect_unchanged
srv remove-user bob --release-devices
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server remove-user user=bob released=pne-2 epoch=[0-9]+" "$OUT"
expect_line "audit line" "$AUDIT server remove-user user=bob devices_released=1" "$OUT"
expect_eq "server record of pne-2 (owner)" "-" "$(srec pne-2 | cut -d' ' -f1)"
assign gw gw-1 bob pne-2 "$PW_BOB" -
expect_status AUTH_FAILED
assign gw gw-1 carol pne-2 "$PW_CAROL" CLAIM-CODE-0002
expect_status OK
srv remove-user bob
expect_refused 1 "cpnsctl: server remove-user: no user \`bob' in the store"
case_end "remove-user: refused while bob owns pne-2; --release-devices releases it; bob AUTH_FAILED"

# ------------------------------------------------- GW and PNE views
case_begin
OUT=$(on gw cpnsctl gw list -j 2>&1)
CID=$(kfield gw chain:pne-1 id)
E=$(kfield gw chain:pne-1 E)
D=$(kfield gw chain:pne-1 delivered)
expect_line "gw list -j" "  \{\"entity\": \"pne-1\", \"epoch\": $E, \"delivered\": $D, \"n\": 64, \"chain_id\": \"$CID\", \"key\": [0-9]+\},?" "$OUT"
OUT=$(on pne cpnsctl pne show pne-1 2>&1)
expect_line "pne show pne-1" "pne-1 +$(kfield pne euk:pne-1 E) +$(kfield pne euk:pne-1 i) +64 +$(kfield pne euk:pne-1 id)" "$OUT"
OUT=$(on gw cpnsctl gw forget pne-1 2>&1)
RC=$?
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT gw forget entity=pne-1 epoch=$E delivered=$D n=64 key=[0-9]+" "$OUT"
expect_eq "GW chain:pne-1" none "$(kmeta gw chain:pne-1)"
dmesg | grep -q "GW forget: chain:pne-1 (E=$E delivered=$D n=64" || why "no kernel log line of the forget"
OUT=$(on gw cpnsctl gw forget pne-1 2>&1)
RC=$?
expect_refused 1 'cpnsctl: gw forget: Required key not available \(chain: key not found\)'
OUT=$(on pne cpnsctl pne show pne-9 2>&1)
RC=$?
expect_refused 1 'cpnsctl: no euk:pne-9 held in this network namespace'
deliver gw pne-1
expect_eq "gw deliver after forget: exit code" 1 "$RC"
assign gw gw-1 alice pne-1 "$PW_ALICE" -
expect_status OK
case_end "gw list and pne show match the keys' state; gw forget drops the chain (logged), twice ENOKEY"

case_begin
for s in release transfer decommission reinstate remove-gw rotate-gw set-password remove-user; do
	on_q server cpnsctl server $s --help >/dev/null 2>&1 || why "server $s --help failed"
done
on_q gw cpnsctl gw list --help >/dev/null 2>&1 || why "gw list --help failed"
on_q pne cpnsctl pne show --help >/dev/null 2>&1 || why "pne show --help failed"
OUT=$(on_q server cpnsctl server release pne-1 --db "$DB" --bogus 2>&1)
RC=$?
expect_refused 2 "cpnsctl: server release: invalid argument: \`--bogus'"
r=$(dmesg | grep -E 'Oops|BUG:|WARNING:|general protection|Call Trace:' || true)
[ -z "$r" ] || why "kernel log: $r"
case_end "every command has --help; a bad option is exit 2; the kernel log has no report"

echo "# Totals: pass:$((n - fails)) fail:$fails xfail:0 xpass:0 skip:0 error:0"
[ "$n" = "$PLAN" ] || { echo "# planned $PLAN cases, ran $n"; exit 1; }
[ "$fails" = 0 ]
