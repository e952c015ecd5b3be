#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The state directory may lag the kernel by one step after a crash: the
# kernel has changed a key, cpnsctl has not yet renamed its new file.
# This test stops the tool at each point between the two (its test point
# CPNS_STATE_TEST_STOP, userspace/state.c: "read", before the fresh blob
# is read; "rename", the new file written and synced, not renamed), kills
# it and the daemons, and resets the node: modprobe -r cpns takes every
# cpns key as a power loss would, and the files are what a reset leaves
# (each was synced before the point).  Then keys load, and the profile's
# rules recover the lag:
#   - the GW lost the Confirm of i: it delivers i again, the PNE answers
#     it as a REPEAT and the GW records it;
#   - the PNE lost the acceptance of i (it had not answered): the GW
#     delivers i again, a RENEWAL;
#   - the PNE lost i+1 that the GW recorded (its file older than what it
#     answered): the GW's i+2 links to the PNE's i by hash, a RENEWAL;
#   - the GW lost a chain it imported: it asks the server again.
# The real reboot (the disk, a second boot) is cpns_reboot.sh.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 when the
# tools are missing.
cd "$(dirname "$0")" || exit 1

M=/tmp/cpns-crash
LOG=/tmp/cpns-crash-log
. ./lib/statenodes.sh
# (the case in the loop runs twice)
PLAN=$(($(grep -c '^[[:space:]]*case_end "' "$0") + 1))
ktap_header "$PLAN"
for c in cpnsctl keyctl ip; do
	command -v $c >/dev/null || ktap_skip_all "$PLAN" crashlag "no $c"
done

trap cleanup EXIT
rm -rf "$LOG" "$M"
mkdir -p "$LOG" "$M"
chmod 0700 "$LOG" "$M"

# wait_stop: STOPPED = the pid the tool wrote at its test point, once it
# is stopped there.
wait_stop() {
	local i pid
	STOPPED=
	for i in $(seq 200); do
		pid=$(cat "$LOG/stop" 2>/dev/null)
		if [ -n "$pid" ] && grep -q '^State:.*T' /proc/"$pid"/status 2>/dev/null; then
			STOPPED=$pid
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# reset PID...: kill them and the daemons; every cpns key goes; load the
# state directories back.
reset_nodes() {
	local p node out
	for p in "$@"; do
		kill -KILL "$p" 2>/dev/null
	done
	daemons_kill
	wait 2>/dev/null
	rm -f "$LOG/stop"
	modprobe -r cpns || why "modprobe -r cpns"
	[ "$(cpns_key_count)" = 0 ] || why "cpns keys left after modprobe -r"
	modprobe cpns || why "modprobe cpns"
	for node in $NODES; do
		out=$(on $node cpnsctl keys load --keyring "$(ring $node)" 2>&1) ||
			why "keys load on $node: $out"
	done
	PNE_ENV= daemons_up || why "daemons up"
}

# A delivery stopped at POINT in the GW (after GW_CONFIRM): STOPPED.
deliver_stopped_in_gw() {
	on gw env CPNS_STATE_TEST_STOP="$1:$LOG/stop" cpnsctl gw deliver --pne $PNE \
		--entity pne-1 --keyring "$(ring gw)" --timeout 20 >"$LOG/gw.out" 2>&1 &
	wait_stop
}

# The PNE daemon stopped at POINT (after PNE_ACCEPT, before its ACK); the
# GW's delivery times out.  STOPPED.
deliver_stopped_in_pne() {
	daemons_kill
	PNE_ENV="CPNS_STATE_TEST_STOP=$1:$LOG/stop" daemons_up || why "daemons up"
	GW_TIMEOUT=3 deliver
	expect_eq "the GW's delivery without an answer: exit" 5 "$RC"
	wait_stop
}

case_begin
modprobe cpns
head -c 32 /dev/urandom | keyctl padd logon cpns:wrap @u >/dev/null || why "wrapping key"
provision
daemons_up || why "daemons up"
assign --claim
expect_line "assign" "status: OK" "$OUT"
deliver
expect_line "deliver" "delivered index 1: ACCEPTED" "$OUT"
expect_eq "chain: file" "$(held_meta gw chain:pne-1)" "$(file_state gw chain:pne-1)"
case_end "three nodes, a chain, EUKey[1] delivered; every file current"

case_begin
deliver_stopped_in_gw read || why "the GW did not stop at read"
expect_line "kernel: i=2 confirmed" "E=1 n=64 delivered=2 id=.*" "$(held_meta gw chain:pne-1)"
expect_line "file: one step behind" "E=1 n=64 delivered=1 id=.*" "$(file_state gw chain:pne-1)"
reset_nodes $STOPPED
expect_line "restored: delivered=1" "E=1 n=64 delivered=1 id=.*" "$(held_meta gw chain:pne-1)"
deliver
expect_line "the GW delivers i=2 again" "delivered index 2: ACCEPTED" "$OUT"
expect_line "the PNE answers a repeat" ".*E=1 i=2 n=64 -> ACCEPTED \(REPEAT\).*" "$(cat $LOG/pne.log)"
expect_eq "chain: file current" "$(held_meta gw chain:pne-1)" "$(file_state gw chain:pne-1)"
case_end "GW killed after the kernel recorded i=2, before reading its blob: it re-delivers i=2, the PNE answers a REPEAT"

case_begin
deliver_stopped_in_gw rename || why "the GW did not stop at rename"
tmp=$(ls -A $M/gw/keys | grep '^\.chain:pne-1\.tmp\.')
[ -n "$tmp" ] || why "no temporary file at the rename point"
expect_line "temp: the new state" "state E=1 n=64 delivered=3 id=.*" "$(cat "$M/gw/keys/$tmp" 2>/dev/null)"
expect_line "file: one step behind" "E=1 n=64 delivered=2 id=.*" "$(file_state gw chain:pne-1)"
reset_nodes $STOPPED
expect_line "restored: delivered=2 (the temporary file ignored)" "E=1 n=64 delivered=2 id=.*" "$(held_meta gw chain:pne-1)"
deliver
expect_line "the GW delivers i=3 again" "delivered index 3: ACCEPTED" "$OUT"
expect_line "the PNE answers a repeat" ".*E=1 i=3 n=64 -> ACCEPTED \(REPEAT\).*" "$(cat $LOG/pne.log)"
rm -f "$M/gw/keys/$tmp"
case_end "GW killed with its new file written, not renamed: it re-delivers i=3, the PNE answers a REPEAT"

for point in read rename; do
	case_begin
	case $point in read) i=4 ;; rename) i=5 ;; esac
	deliver_stopped_in_pne $point || why "the PNE did not stop at $point"
	expect_line "kernel: the PNE holds i=$i" "E=1 i=$i n=64 id=.*" "$(held_meta pne euk:pne-1)"
	expect_line "file: one step behind" "E=1 i=$((i - 1)) n=64 id=.*" "$(file_state pne euk:pne-1)"
	expect_line "the GW had no answer" "E=1 n=64 delivered=$((i - 1)) id=.*" "$(held_meta gw chain:pne-1)"
	reset_nodes $STOPPED
	rm -f $M/pne/keys/.euk:pne-1.tmp.*
	expect_line "restored: i=$((i - 1))" "E=1 i=$((i - 1)) n=64 id=.*" "$(held_meta pne euk:pne-1)"
	deliver
	expect_line "the GW delivers i=$i again" "delivered index $i: ACCEPTED" "$OUT"
	expect_line "the PNE accepts it" ".*E=1 i=$i n=64 -> ACCEPTED \(RENEWAL\).*" "$(cat $LOG/pne.log)"
	expect_eq "euk: file current" "$(held_meta pne euk:pne-1)" "$(file_state pne euk:pne-1)"
	case_end "PNE killed at $point after accepting i=$i, before answering: the GW delivers i=$i again, a RENEWAL"
done

case_begin
cp "$M/pne/keys/euk:pne-1" "$LOG/euk.old"
deliver
expect_line "deliver" "delivered index 6: ACCEPTED" "$OUT"
# The PNE's file older than what it answered (a write that failed while
# it still answered, or its directory restored from before i=6).
cp "$LOG/euk.old" "$M/pne/keys/euk:pne-1"
reset_nodes
expect_line "restored: the PNE lost i=6" "E=1 i=5 n=64 id=.*" "$(held_meta pne euk:pne-1)"
expect_line "restored: the GW recorded i=6" "E=1 n=64 delivered=6 id=.*" "$(held_meta gw chain:pne-1)"
deliver
expect_line "the GW delivers i=7" "delivered index 7: ACCEPTED" "$OUT"
expect_line "i=7 links to i=5 by hash" ".*E=1 i=7 n=64 -> ACCEPTED \(RENEWAL\).*" "$(cat $LOG/pne.log)"
case_end "the PNE lost i=6 the GW recorded: the GW's i=7 links to the PNE's i=5 by hash, a RENEWAL"

case_begin
printf '%s' "$PW" >"$LOG/pw"
on gw env CPNS_STATE_TEST_STOP="rename:$LOG/stop" cpnsctl gw assign --server $SRV \
	--gw-id gw-1 --user alice --entity pne-1 --password-file "$LOG/pw" \
	--keyring "$(ring gw)" --timeout 20 >"$LOG/gw.out" 2>&1 &
wait_stop || why "the GW did not stop at rename"
expect_line "kernel: the new chain" "E=2 n=64 delivered=0 id=.*" "$(held_meta gw chain:pne-1)"
expect_line "file: the old one" "E=1 n=64 delivered=7 id=.*" "$(file_state gw chain:pne-1)"
reset_nodes $STOPPED
rm -f $M/gw/keys/.chain:pne-1.tmp.*
expect_line "restored: the old chain" "E=1 n=64 delivered=7 id=.*" "$(held_meta gw chain:pne-1)"
assign
expect_line "the GW asks again" "status: OK" "$OUT"
expect_line "a chain of the next epoch" "E=3 n=64 delivered=0 id=.*" "$(held_meta gw chain:pne-1)"
deliver
expect_line "delivered" "delivered index 1: ACCEPTED" "$OUT"
expect_line "the PNE takes the new epoch" ".*E=3 i=1 n=64 -> ACCEPTED \(NEW_EPOCH\).*" "$(cat $LOG/pne.log)"
case_end "GW killed after importing a chain, before its file: it asks the server again (E=3), the PNE takes it"

case_begin
# A factory reset is not undone by the next load: its file goes too.
out=$(on pne cpnsctl pne reset pne-1 2>&1) || why "pne reset: $out"
[ -e "$M/pne/keys/euk:pne-1" ] && why "euk:pne-1 still in the state directory after pne reset"
reset_nodes
expect_eq "no euk: after the reset and a reload" none "$(held_meta pne euk:pne-1)"
deliver
expect_line "delivered" "delivered index 2: ACCEPTED" "$OUT"
expect_line "judged as a first one" ".*E=3 i=2 n=64 -> ACCEPTED \(FIRST\).*" "$(cat $LOG/pne.log)"
case_end "pne reset removes euk: from the state directory: a reload does not undo the factory reset"

cleanup
trap - EXIT
ktap_finish "$PLAN"
