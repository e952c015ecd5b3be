#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cpns-vm: boots=2
#
# Keys that survive a real reboot.  The VM has a disk (/dev/vda, ext4, a
# raw image on the host: selftests/vm/run.sh) mounted at /var/lib/cpns;
# a CPNS Server, a PN GW and a PNE run as three network namespaces of the
# VM, each with its own keyring and its own state directory
# /var/lib/cpns/NODE/keys that cpnsctl keeps current.
#
# Boot 1: the wrapping key from a root-only file on the disk (a logon
# key), an assignment and a delivery through the daemons; the state
# directories hold every key's sealed blob; power off.
# Boot 2 (the same kernel, initramfs and disk image): nothing of cpns is
# left in the kernel; `cpnsctl keys load` refuses without the wrapping
# key, and with it restores every node; the PNE accepts the renewal i+1
# by its hash link, the GW delivers from its restored chain, the server
# serves the next request from the same store; then modprobe -r,
# modprobe and load again, and the next delivery; bad key files, each
# refused with its errno and nothing made.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 when the
# disk or the tools are missing.
cd "$(dirname "$0")" || exit 1

BOOT=${CPNS_VM_BOOT:-1}
M=/var/lib/cpns
WRAPFILE=$M/wrap.key
LOG=/tmp/cpns-reboot

. ./lib/statenodes.sh
PLAN=$(grep -c "^case_end \"boot $BOOT: " "$0")
ktap_header "$PLAN"
skip_all() { ktap_skip_all "$PLAN" reboot "$@"; }
for c in cpnsctl keyctl ip mount nsenter setpriv; do
	command -v $c >/dev/null || skip_all "no $c"
done

trap cleanup EXIT
rm -rf "$LOG"
mkdir -p "$LOG"
chmod 0700 "$LOG"

# ================================================================ boot 1
if [ "$BOOT" = 1 ]; then

case_begin
mount_disk || skip_all "no disk /dev/vda with ext4"
umask 077
head -c 32 /dev/urandom >$WRAPFILE
expect_eq "wrapping key file mode" "600 0" "$(stat -c '%a %u' $WRAPFILE)"
keyctl padd logon cpns:wrap @u <$WRAPFILE >/dev/null || why "keyctl padd logon cpns:wrap"
modprobe cpns || why "modprobe cpns"
expect_eq "wrap_key" logon:cpns:wrap "$(cat /sys/module/cpns/parameters/wrap_key)"
case_end "boot 1: disk mounted at $M; wrapping key logon:cpns:wrap from a root-only file"

case_begin
provision
daemons_up || why "daemons up"
case_end "boot 1: three nodes; master (keys new-master), psk (add-gw), tk saved; daemons up"

case_begin
assign --claim
expect_eq "assign exit" 0 "$RC" || why "$OUT"
expect_eq "GW chain in the state directory" "$(held_meta gw chain:pne-1)" "$(file_state gw chain:pne-1)"
deliver
expect_eq "deliver exit" 0 "$RC" || why "$OUT"
expect_line "deliver" "delivered index 1: ACCEPTED" "$OUT"
chain=$(held_meta gw chain:pne-1)
euk=$(held_meta pne euk:pne-1)
expect_line "GW chain" "E=1 n=64 delivered=1 id=[0-9a-f]{32}" "$chain"
expect_line "PNE euk" "E=1 i=1 n=64 id=[0-9a-f]{32}" "$euk"
expect_eq "chain: file current" "$chain" "$(file_state gw chain:pne-1)"
expect_eq "euk: file current" "$euk" "$(file_state pne euk:pne-1)"
out=$(cpnsctl keys list $M/gw/keys 2>&1)
expect_line "keys list gw" "chain +chain:pne-1 +E=1 n=64 delivered=1 id=[0-9a-f]{32} +wrap logon:cpns:wrap" "$out"
expect_line "keys list gw" "psk +psk:gw-1 +32 bytes +wrap logon:cpns:wrap" "$out"
bad=$(find $M -path $M/lost+found -prune -o \( -name '.*.tmp.*' -o -type f ! -perm 0600 \) -print)
expect_eq "temporary or non-0600 files left" "" "$bad"
case_end "boot 1: assignment and delivery; chain:/euk: files current (delivered=1, i=1), no temp file, 0600"

case_begin
# What boot 2 must find again, public metadata only.
{
	echo "chain $chain"
	echo "euk $euk"
	echo "srv $(on srv cpnsctl server list --db $M/srv/cpns.db | awk '$1 == "pne-1" { print $2, $3, $4, $5 }')"
} >$M/expect
cleanup
sync
mountpoint -q $M && why "still mounted"
case_end "boot 1: daemons killed, disk unmounted; power off"

ktap_finish "$PLAN"
fi

# ================================================================ boot 2
case_begin
mount_disk || skip_all "no disk /dev/vda with ext4"
[ -e $M/expect ] || why "boot 1 left no $M/expect"
expect_eq "cpns keys after the reboot" 0 "$(cpns_key_count)"
modprobe cpns
nodes_up || why "nodes up"
case_end "boot 2: the same disk; no cpns key in the new kernel"

case_begin
out=$(on gw cpnsctl keys load --keyring "$(ring gw)" 2>&1)
rc=$?
expect_eq "load without the wrapping key: exit" 1 "$rc"
expect_line "load without the wrapping key" "cpnsctl: keys load: chain:pne-1: Required key not available: the wrapping key logon:cpns:wrap named by its blob is not in this process's keyrings" "$out"
expect_line "load without the wrapping key" "cpnsctl: keys load: psk:gw-1: Required key not available: the wrapping key logon:cpns:wrap named by its blob is not in this process's keyrings" "$out"
expect_eq "nothing made" 0 "$(cpns_key_count)"
case_end "boot 2: keys load without the wrapping key: ENOKEY naming logon:cpns:wrap, nothing made"

case_begin
keyctl padd logon cpns:wrap @u <$WRAPFILE >/dev/null || why "wrapping key"
for node in $NODES; do
	out=$(on $node cpnsctl keys load --keyring "$(ring $node)" 2>&1) ||
		why "keys load on $node: $out"
done
expect_eq "chain: as before the reboot" "$(sed -n 's/^chain //p' $M/expect)" "$(held_meta gw chain:pne-1)"
expect_eq "euk: as before the reboot" "$(sed -n 's/^euk //p' $M/expect)" "$(held_meta pne euk:pne-1)"
for d in "srv master:store" "srv psk:gw-1" "gw psk:gw-1" "pne tk:pne-1"; do
	set -- $d
	s=$(keyctl search "$(ring $1)" cpns "$2" 2>/dev/null) || why "$1: no $2 after load"
done
case_end "boot 2: wrapping key from its file; keys load restores every node as it was"

case_begin
daemons_up || why "daemons up"
deliver
expect_eq "deliver exit" 0 "$RC" || why "$OUT"
expect_line "deliver" "delivered index 2: ACCEPTED" "$OUT"
expect_line "PNE" ".*DELIVERY entity=pne-1 E=1 i=2 n=64 -> ACCEPTED \(RENEWAL\), euk:pne-1.*" "$(cat $LOG/pne.log)"
expect_line "GW chain" "E=1 n=64 delivered=2 id=.*" "$(held_meta gw chain:pne-1)"
expect_eq "euk: file current" "$(held_meta pne euk:pne-1)" "$(file_state pne euk:pne-1)"
case_end "boot 2: the GW delivers i+1 from its restored chain, the PNE accepts it by hash link (RENEWAL)"

case_begin
read -r owner epoch _ _ <<<"$(sed -n 's/^srv //p' $M/expect)"
expect_eq "server record before" "alice 1" "$owner $epoch"
assign
expect_eq "assign exit" 0 "$RC" || why "$OUT"
expect_line "assign" "status: OK" "$OUT"
expect_line "GW chain" "E=2 n=64 delivered=0 id=.*" "$(held_meta gw chain:pne-1)"
expect_eq "server record" "alice 2" "$(on srv cpnsctl server list --db $M/srv/cpns.db | awk '$1 == "pne-1" { print $2, $3 }')"
expect_eq "chain: file current" "$(held_meta gw chain:pne-1)" "$(file_state gw chain:pne-1)"
deliver
expect_line "deliver E=2" "delivered index 1: ACCEPTED" "$OUT"
expect_line "PNE euk" "E=2 i=1 n=64 id=.*" "$(held_meta pne euk:pne-1)"
case_end "boot 2: the server serves the next request from the same store (E=2), delivered"

case_begin
before_chain=$(held_meta gw chain:pne-1)
before_euk=$(held_meta pne euk:pne-1)
daemons_kill
modprobe -r cpns || why "modprobe -r cpns"
expect_eq "cpns keys after modprobe -r" 0 "$(cpns_key_count)"
modprobe cpns || why "modprobe cpns"
for node in $NODES; do
	out=$(on $node cpnsctl keys load --keyring "$(ring $node)" 2>&1) ||
		why "keys load on $node: $out"
done
expect_eq "chain: after reload" "$before_chain" "$(held_meta gw chain:pne-1)"
expect_eq "euk: after reload" "$before_euk" "$(held_meta pne euk:pne-1)"
daemons_up || why "daemons up"
cp "$M/pne/keys/euk:pne-1" "$LOG/euk.old"
deliver
expect_line "deliver after reload" "delivered index 2: ACCEPTED" "$OUT"
expect_line "PNE" ".*E=2 i=2 n=64 -> ACCEPTED \(RENEWAL\).*" "$(cat $LOG/pne.log)"
assign
expect_line "assign after reload" "status: OK" "$OUT"
case_end "boot 2: modprobe -r, modprobe, keys load: delivery i+1 accepted, the server serves again"

case_begin
# Bad key files, each alone in a directory: the exact errno, nothing made.
daemons_kill
B=$LOG/bad
badload() { # NAME CONTENT-FILE NODE: BOUT, BRC
	rm -rf "$B"
	mkdir -m 0700 "$B"
	cp "$2" "$B/$1"
	BOUT=$(on "$3" cpnsctl keys load "$B" --keyring "$(ring "$3")" 2>&1)
	BRC=$?
}
g=$M/gw/keys/psk:gw-1
blob=$(sed -n 's/^load //p' "$g")
mk() { printf 'load %s\n' "$1" >"$LOG/f"; }
# tampered: one ciphertext digit changed
c=${blob:120:1}
[ "$c" = 0 ] && c=1 || c=0
mk "${blob:0:120}$c${blob:121}"
keyctl unlink "$(keyctl search "$(ring gw)" cpns psk:gw-1)" "$(ring gw)" >/dev/null
count0=$(cpns_key_count)
badload psk:gw-1 "$LOG/f" gw
expect_line "tampered" "cpnsctl: keys load: psk:gw-1: Bad message" "$BOUT"
mk "${blob%??}"
badload psk:gw-1 "$LOG/f" gw
expect_line "truncated" "cpnsctl: keys load: psk:gw-1: Bad message" "$BOUT"
printf 'load %s\n' "$(printf 'ab%.0s' $(seq 60))" >"$LOG/f"
badload psk:gw-1 "$LOG/f" gw
expect_line "garbage" "cpnsctl: keys load: \`$B/psk:gw-1': not a cpns key file of format 1: Invalid argument" "$BOUT"
expect_eq "garbage exit" 2 "$BRC"
mk "$(printf '%s' "$blob" | sed 's/^\(43504e4b\)01/\102/')"
badload psk:gw-1 "$LOG/f" gw
expect_line "version 2" "cpnsctl: keys load: \`$B/psk:gw-1': not a cpns key file of format 1: Protocol not supported" "$BOUT"
badload psk:gw-2 "$g" gw
expect_line "renamed" "cpnsctl: keys load: psk:gw-2: Key was rejected by service" "$BOUT"
badload master:gw-1 "$g" gw
expect_line "another kind" "cpnsctl: keys load: master:gw-1: Key was rejected by service" "$BOUT"
badload chain:pne-2 "$M/gw/keys/chain:pne-1" gw
expect_line "held key renamed" "cpnsctl: keys load: \`$B/chain:pne-2': Key was rejected by service: holds the blob of chain:pne-1 \(renamed\); not loaded" "$BOUT"
# another wrapping key of the same name
wrap=$(keyctl search @u logon cpns:wrap)
head -c 32 /dev/urandom | keyctl pupdate "$wrap" || why "pupdate wrap"
badload psk:gw-1 "$g" gw
expect_line "another wrapping key" "cpnsctl: keys load: psk:gw-1: Bad message" "$BOUT"
keyctl pupdate "$wrap" <$WRAPFILE
expect_eq "nothing made" "$count0" "$(cpns_key_count)"
expect_eq "no psk:gw-1" "" "$(keyctl search "$(ring gw)" cpns psk:gw-1 2>/dev/null)"
# an older euk: blob over the newer one: without CAP_SYS_ADMIN EPERM,
# with it EEXIST (kept); the floor stays
now_euk=$(held_meta pne euk:pne-1)
rm -rf "$B"
mkdir -m 0700 "$B"
cp "$LOG/euk.old" "$B/euk:pne-1"
out=$(on pne setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
	cpnsctl keys load "$B" --keyring "$(ring pne)" 2>&1)
expect_line "older euk: without CAP_SYS_ADMIN" "cpnsctl: keys load: euk:pne-1: Operation not permitted.*" "$out"
out=$(on pne cpnsctl keys load "$B" --keyring "$(ring pne)" 2>&1)
expect_line "older euk: with CAP_SYS_ADMIN" "kept euk:pne-1: the store holds it already" "$out"
expect_eq "euk: unchanged" "$now_euk" "$(held_meta pne euk:pne-1)"
expect_line "the older blob" "state E=2 i=1 n=64 id=.*" "$(cat "$LOG/euk.old")"
case_end "boot 2: bad key files refused with their errno (EBADMSG, EINVAL, EPROTONOSUPPORT, EKEYREJECTED, EPERM), nothing made"

cleanup
trap - EXIT
ktap_finish "$PLAN"
