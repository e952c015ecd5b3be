#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rest of a device's life (issue 14), 1: release and transfer, as the
# GWs and the PNE see them, and the old owner's GW that can renew the
# device until the new owner's first delivery (REJECT_ROLLBACK after it).
#
# Over the wire, between the nodes of selftests/lib/lifecycle.sh; prints
# KTAP, exit 0 when every case passed, 1 otherwise, 4 when the tools
# needed are missing.
cd "$(dirname "$0")"
LC_GW2=1
TOPO_DIR=/tmp/cpns-lifecycle
. ./lib/lifecycle.sh

lc_setup_case "four nodes up (server, two GWs, PNE); master key, PSK1s, users, the list, daemons"

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

lc_finish
