#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rest of a device's life (issue 14), 2: decommission (UNKNOWN_ENTITY,
# sealed, as for an entity not on the list) and reinstate from the
# manufacturer's list; PSK1 rotation with its grace window.
#
# Over the wire, between the nodes of selftests/lib/lifecycle.sh; prints
# KTAP, exit 0 when every case passed, 1 otherwise, 4 when the tools
# needed are missing.
cd "$(dirname "$0")"
TOPO_DIR=/tmp/cpns-lifecycle-retire
. ./lib/lifecycle.sh

lc_setup_case "three nodes up; master key, PSK1s, users, the list, daemons"

# -------------------------------------------------------- decommission
case_begin
assign gw gw-1 carol pne-1 "$PW_CAROL" CLAIM-CODE-0001
expect_status OK
srv decommission pne-1
expect_eq "exit code" 0 "$RC"
expect_line "audit line" "$AUDIT server decommission entity=pne-1 owner_was=carol owner=- epoch=1 state=decommissioned" "$OUT"
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
expect_line "audit line" "$AUDIT server reinstate entity=pne-1 owner_was=- owner=- epoch=1 state=in-service" "$OUT"
assign gw gw-1 alice pne-1 "$PW_ALICE" -
expect_status CLAIM_FAILED
assign gw gw-1 alice pne-1 "$PW_ALICE" CLAIM-CODE-0001
expect_status OK
expect_eq "server record of pne-1 (E kept: 1 + 1)" "alice 2" "$(srec pne-1)"
deliver gw pne-1
expect_line "gw deliver" 'delivered index 1: ACCEPTED' "$OUT"
case_end "reinstate from the manufacturer's list: unowned, E kept; bad list line, entity in service refused"

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

lc_finish
