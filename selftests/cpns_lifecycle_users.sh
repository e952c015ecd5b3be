#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rest of a device's life (issue 14), 3: a GW retired (BAD_GW_AUTH,
# the same answer as an unknown GwID's), a user's password changed, a
# user removed; the GW's list and forget, the PNE's show; --help.
#
# Over the wire, between the nodes of selftests/lib/lifecycle.sh; prints
# KTAP, exit 0 when every case passed, 1 otherwise, 4 when the tools
# needed are missing.
cd "$(dirname "$0")"
TOPO_DIR=/tmp/cpns-lifecycle-users
. ./lib/lifecycle.sh

lc_setup_case "three nodes up; master key, PSK1s, users, the list, daemons"

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

# --------------------------------------------------------- set-password
case_begin
assign gw gw-1 alice pne-1 "$PW_ALICE" CLAIM-CODE-0001
expect_status OK
deliver gw pne-1
expect_line "gw deliver" 'delivered index 1: ACCEPTED' "$OUT"
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
srv release pne-2 -j
expect_line "audit (-j)" '\{"time": "[0-9T:Z-]+", "uid": 0, "user": "[^"]*", "op": "server release", "entity": "pne-2", "owner_was": "alice", "owner": null, "epoch": 1, "state": "in-service"\}' "$OUT"
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

lc_finish
