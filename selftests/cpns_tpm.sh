#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cpns-vm: boots=3
# cpns-vm: tpm
# cpns-vm: tpm-fresh=3
#
# The wrapping key sealed by a TPM: a "trusted" key (TRUSTED_KEYS, TPM
# 2.0; QEMU's tpm-tis backed by swtpm, selftests/vm/run.sh), made by the
# TPM under its storage primary key 0x81000001, and only its TPM-sealed
# form on the disk.
#   boot 1: trusted:cpns:wrap made, wrap_key=trusted:cpns:wrap, a psk:
#           and a master: key saved by cpnsctl keys save;
#   boot 2: the same TPM state: the trusted key loads from its sealed
#           form, cpnsctl keys load restores both keys;
#   boot 3: a fresh TPM: the trusted key does not load, and keys load
#           refuses with ENOKEY naming trusted:cpns:wrap; nothing made.
# Debian's 6.1 kernel has no TRUSTED_KEYS: there every case is skipped;
# `make check-debug` builds a kernel that has it.
#
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 skipped.
cd "$(dirname "$0")" || exit 1

BOOT=${CPNS_VM_BOOT:-1}
M=/var/lib/cpns
T=$M/tpm
H=0x81000001
. ./lib/ktap.sh
PLAN=2
ktap_header $PLAN
skip_all() { ktap_skip_all $PLAN tpm "$@"; }

for c in cpnsctl keyctl mount; do
	command -v $c >/dev/null || skip_all "no $c"
done
[ -e /dev/tpm0 ] || [ -e /dev/tpmrm0 ] || skip_all "no TPM (swtpm, tpm-tis)"
modprobe cpns || skip_all "no cpns module"
# A trusted key type with a TPM behind it: a probe key, dropped at once.
if ! probe=$(keyctl add trusted cpns-probe "new 32 keyhandle=$H" @u 2>&1); then
	skip_all "no trusted keys with the TPM ($probe): a kernel without TRUSTED_KEYS"
fi
keyctl unlink "$probe" @u >/dev/null

modprobe virtio_pci 2>/dev/null
modprobe virtio_blk 2>/dev/null
modprobe ext4 2>/dev/null
for i in $(seq 50); do
	[ -b /dev/vda ] && break
	sleep 0.1
done
mkdir -p $M
mount -t ext4 /dev/vda $M || skip_all "no disk /dev/vda"
cleanup() {
	local r
	for d in psk:gw-tpm master:tpm; do
		r=$(keyctl search @u cpns $d 2>/dev/null) && keyctl unlink "$r" @u >/dev/null
	done
	r=$(keyctl search @u trusted cpns:wrap 2>/dev/null) && keyctl unlink "$r" @u >/dev/null
	echo logon:cpns:wrap >/sys/module/cpns/parameters/wrap_key
	umount $M
}
trap cleanup EXIT
cpns_keys() { awk '$8 == "cpns"' /proc/keys | wc -l; }

case_begin
case $BOOT in
1)
	rm -rf $T
	mkdir -m 0700 $T $T/keys
	w=$(keyctl add trusted cpns:wrap "new 32 keyhandle=$H" @u) || why "trusted key: $w"
	keyctl pipe "$w" >$T/wrap.tpm || why "keyctl pipe of the trusted key"
	[ -s $T/wrap.tpm ] || why "no TPM-sealed form"
	echo trusted:cpns:wrap >/sys/module/cpns/parameters/wrap_key || why "wrap_key"
	head -c 32 /dev/urandom | keyctl padd cpns psk:gw-tpm @u >/dev/null || why "psk"
	keyctl add cpns master:tpm new @u >/dev/null || why "master"
	out=$(CPNS_STATE_DIR=$T/keys cpnsctl keys save 2>&1) || why "keys save: $out"
	out=$(cpnsctl keys list $T/keys 2>&1)
	expect_line "list" "psk +psk:gw-tpm +32 bytes +wrap trusted:cpns:wrap" "$out"
	expect_line "list" "master +master:tpm +32 bytes +wrap trusted:cpns:wrap" "$out"
	case_end "boot 1: a trusted: wrapping key sealed by the TPM; blobs saved under it"
	case_begin
	# on the disk: the TPM's sealed form (a TPM2 key blob, in hex), which
	# is all a trusted key ever shows
	sealed=$(cat $T/wrap.tpm)
	[ "${#sealed}" -gt 200 ] || why "sealed form of ${#sealed} hex digits"
	printf '%s' "$sealed" | grep -Eqx '[0-9a-f]+' || why "sealed form not hex"
	expect_line "the file is what keyctl pipe gives" "$sealed" "$(keyctl pipe "$w")"
	case_end "boot 1: the wrapping key on the disk only as the TPM's sealed form"
	;;
2)
	w=$(keyctl add trusted cpns:wrap "load $(cat $T/wrap.tpm) keyhandle=$H" @u 2>&1) ||
		why "the trusted key does not load with the same TPM: $w"
	out=$(cpnsctl keys load $T/keys 2>&1) || why "keys load: $out"
	expect_line "load" "loaded psk:gw-tpm \(key [0-9]+\): 32 bytes" "$out"
	expect_line "load" "loaded master:tpm \(key [0-9]+\): 32 bytes" "$out"
	case_end "boot 2: the same TPM: the wrapping key unseals, the blobs load"
	case_begin
	echo trusted:cpns:wrap >/sys/module/cpns/parameters/wrap_key
	r=$(keyctl search @u cpns psk:gw-tpm) && keyctl pipe "$r" >/dev/null ||
		why "the loaded key does not read back under trusted:cpns:wrap"
	case_end "boot 2: the restored key reads back as a blob under the trusted key"
	;;
3)
	before=$(cpns_keys)
	if w=$(keyctl add trusted cpns:wrap "load $(cat $T/wrap.tpm) keyhandle=$H" @u 2>&1); then
		why "the trusted key loaded on a fresh TPM (key $w)"
	fi
	case_end "boot 3: a fresh TPM: the sealed wrapping key does not load"
	case_begin
	out=$(cpnsctl keys load $T/keys 2>&1)
	rc=$?
	[ "$rc" = 1 ] || why "keys load: exit $rc, want 1"
	expect_line "load" "cpnsctl: keys load: psk:gw-tpm: Required key not available: the wrapping key trusted:cpns:wrap named by its blob is not in this process's keyrings" "$out"
	[ "$(cpns_keys)" = "$before" ] || why "keys were made"
	case_end "boot 3: keys load refuses, ENOKEY naming trusted:cpns:wrap; nothing made"
	;;
esac
ktap_finish $PLAN
