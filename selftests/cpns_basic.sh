#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The life of cpns.ko as kmod, iproute2, libnl and the keyring see it:
# modprobe loads it from extra/, the family "cpns" and the key type "cpns"
# appear, modprobe -r removes both, and 20 load/unload cycles leave no
# trace (no family, no key type, no key, nothing in the kernel log).
# Prints KTAP; exit 0 when every case passed, 1 otherwise.
set -u

. "$(dirname "$0")/lib/ktap.sh"

PLAN=9

loaded() { [ -d /sys/module/cpns ]; }
in_genl() { genl ctrl list 2>/dev/null | grep -qE "Name: cpns\$"; }
in_libnl() { genl-ctrl-list 2>/dev/null | grep -qE "^0x[0-9a-f]+ cpns "; }
# 6.1 has no /proc/key-types: a key type is registered when add_key(2)
# of it fails on the description (EINVAL) rather than on the type (ENODEV).
key_type() {
	if out=$(keyctl add cpns selftest-probe "" @u 2>&1); then
		keyctl unlink "$out" @u >/dev/null 2>&1
		echo "accepted a bad description"
		return
	fi
	case $out in
	*"No such device"*) echo absent ;;
	*"Invalid argument"*) echo registered ;;
	*) echo "unexpected: $out" ;;
	esac
}
in_key_types() { [ "$(key_type)" = registered ]; }
no_key_type() { [ "$(key_type)" = absent ]; }
# Keys charged to root, from /proc/key-users ("0: usage nkeys/nikeys ...").
root_keys() { awk '$1 == "0:" { print $3 }' /proc/key-users; }
# Keys the kernel holds of type cpns (every user's, as root).
cpns_keys() { awk '$8 == "cpns"' /proc/keys | wc -l; }
kernel_reports() {
	dmesg | grep -E 'Oops|BUG:|WARNING:|general protection|KASAN|UBSAN|kmemleak|lockdep|Call Trace:|cpns.*(leak|still|busy)' || true
}

ktap_header $PLAN

if loaded; then
	modprobe -r cpns 2>/dev/null || rmmod cpns 2>/dev/null
fi
dmesg_before=$(kernel_reports | wc -l)

# 1
check "modprobe cpns loads the module from extra/" sh -c '
	modprobe cpns || exit 1
	[ -d /sys/module/cpns ] || { echo "no /sys/module/cpns"; exit 1; }
	p=$(modinfo -n cpns) || exit 1
	case $p in */extra/cpns.ko) ;; *) echo "modinfo -n: $p"; exit 1 ;; esac
	lsmod | grep -q "^cpns "'

# 2
check "genl ctrl list (iproute2) shows the family cpns" in_genl

# 3
check "genl-ctrl-list (libnl) shows the family cpns" in_libnl

# 4
check "genl ctrl get name cpns shows the events group" sh -c '
	genl ctrl get name cpns | grep -q "name: events"'

# 5
check "key type cpns is registered (add_key: EINVAL, not ENODEV)" sh -c '
	k=$(keyctl add cpns selftest-probe "" @u 2>&1) && { echo "accepted: $k"; exit 1; }
	case $k in *"Invalid argument"*) ;; *) echo "$k"; exit 1 ;; esac'


# 6
check "modinfo shows license, version and the family alias" sh -c '
	[ -n "$(modinfo -F license cpns)" ] || exit 1
	[ -n "$(modinfo -F version cpns)" ] || exit 1
	modinfo -F alias cpns | grep -qx "net-pf-16-proto-16-family-cpns"'

# 7
gone() {
	! loaded && ! in_genl && no_key_type &&
		[ "$(cpns_keys)" = 0 ]
}
check "modprobe -r cpns unloads it; family and key type are gone" sh -c '
	modprobe -r cpns || exit 1
	[ ! -d /sys/module/cpns ] || { echo "still loaded"; exit 1; }
	! genl ctrl list 2>/dev/null | grep -qE "Name: cpns\$" || { echo "family still there"; exit 1; }
	! genl-ctrl-list 2>/dev/null | grep -qE "^0x[0-9a-f]+ cpns " || { echo "family still in libnl list"; exit 1; }
	k=$(keyctl add cpns selftest-probe "" @u 2>&1) && exit 1
	case $k in *"No such device"*) ;; *) echo "key type still there: $k"; exit 1 ;; esac'

# 8
# Each cycle also adds a PSK key, which unloading must destroy.
cycles() {
	base=$(root_keys)
	i=0
	while [ $i -lt 20 ]; do
		i=$((i + 1))
		modprobe cpns || { echo "load $i failed"; return 1; }
		in_genl || { echo "load $i: no family"; return 1; }
		in_key_types || { echo "load $i: no key type"; return 1; }
		head -c 32 /dev/urandom | keyctl padd cpns "psk:selftest-gw$i" @u >/dev/null ||
			{ echo "load $i: cannot add psk:selftest-gw$i"; return 1; }
		[ "$(cpns_keys)" = 1 ] || { echo "load $i: $(cpns_keys) cpns keys"; return 1; }
		modprobe -r cpns || { echo "unload $i failed"; return 1; }
		gone || { echo "unload $i left a trace"; return 1; }
		[ "$(root_keys)" = "$base" ] ||
			{ echo "unload $i: root holds $(root_keys) keys, $base before"; return 1; }
	done
}
check "20 load/unload cycles leave no family, key type or key behind" cycles

# 9
after=$(kernel_reports | wc -l)
if [ "$after" = "$dmesg_before" ]; then
	ok "kernel log has no new report"
else
	kernel_reports | tail -n 20 | sed 's/^/# /'
	fail "kernel log has no new report"
fi

# Leave the module loaded for the programs that follow.
modprobe cpns >/dev/null 2>&1 || true

ktap_finish $PLAN
