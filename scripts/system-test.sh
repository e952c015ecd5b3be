#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-system: the packages on a real Debian system.
#
#   1. make deb (build/deb: cpns-dkms, cpnsctl; lintian)
#   2. the bookworm root filesystem (scripts/system-image.sh: mmdebstrap,
#      cached in /var/cache/cpns/system-image keyed by its package list)
#   3. a disk image of it (build/system/disk.img, ext4, mke2fs -d) with the
#      two .debs, selftests/system/guest.sh and the unit that runs it, and
#      a static address 10.0.2.15 on the virtual NIC (systemd-networkd)
#   4. boots it under QEMU (TCG) with the image's own Debian kernel and
#      initramfs, systemd as init, the disk as virtio-blk, a virtio NIC on
#      a restricted user-mode network (no way out of the VM); guest.sh
#      installs the packages with dpkg -i, runs the roles, reboots with
#      systemctl reboot (QEMU boots the same disk again), checks, removes,
#      purges, powers off
#
# Prints the guest's test lines and a last line "N passed, N failed"
# (the guest's checks and this script's own: the VM finished, it booted
# twice); exits non-zero on any failure.  The console is in
# build/system/console.log.
#
# Environment: SYSTEM_TIMEOUT (seconds, default 5400), VM_MEM (default
# 2G), DEBS (a directory with the two .debs: skip make deb), KEEP=1 (keep
# the disk image).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/system
TIMEOUT=${SYSTEM_TIMEOUT:-5400}

say() { printf '[+] %s\n' "$*" >&2; }
die() {
	printf '[!] %s\n' "$*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

for c in mmdebstrap mke2fs qemu-system-x86_64 dpkg-buildpackage; do
	command -v "$c" >/dev/null || die "$c missing: scripts/deps.sh"
done
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, a root-owned image)"

if [ -z "${DEBS:-}" ]; then
	say "make deb"
	mkdir -p "$ROOT/build"
	"$ROOT/scripts/deb.sh" "$ROOT/build/deb" >"$ROOT/build/deb.log" 2>&1 ||
		{ tail -n 30 "$ROOT/build/deb.log" >&2; die "make deb failed"; }
	DEBS=$ROOT/build/deb
fi
dkms_deb=$(ls "$DEBS"/cpns-dkms_*_all.deb)
ctl_deb=$(ls "$DEBS"/cpnsctl_*_amd64.deb)

rootfs=$("$ROOT/scripts/system-image.sh" --path) || die "no root filesystem"

# The disk: the cached tree hard-linked (nothing of it is changed: only new
# files are added), plus the test's files, copied into a fresh ext4 image.
rm -rf "$OUT"
mkdir -p "$OUT"
stage=$OUT/stage
cp -al "$rootfs" "$stage"
add() { # add SRC DEST MODE: a new file in the stage, never a linked one
	rm -f "$stage$2"
	install -D -m "$3" "$1" "$stage$2"
}
add "$dkms_deb" "/root/systemtest/$(basename "$dkms_deb")" 0644
add "$ctl_deb" "/root/systemtest/$(basename "$ctl_deb")" 0644
add "$ROOT/selftests/system/guest.sh" /root/systemtest/guest.sh 0755
add "$ROOT/selftests/system/cpns-systemtest.service" \
	/etc/systemd/system/cpns-systemtest.service 0644
mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
ln -s /etc/systemd/system/cpns-systemtest.service \
	"$stage/etc/systemd/system/multi-user.target.wants/cpns-systemtest.service"
printf '[Match]\nName=en* eth*\n\n[Network]\nAddress=10.0.2.15/24\n' >"$OUT/10-nic.network"
add "$OUT/10-nic.network" /etc/systemd/network/10-nic.network 0644
ln -s /lib/systemd/system/systemd-networkd.service \
	"$stage/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# A machine ID of its own: not a first boot (systemd-firstboot would ask).
tr -d - </proc/sys/kernel/random/uuid >"$OUT/machine-id"
add "$OUT/machine-id" /etc/machine-id 0444
kernel=$(ls "$stage"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(ls "$stage"/boot/initrd.img-* | sort -V | tail -n 1)
cp "$kernel" "$OUT/vmlinuz"
cp "$initrd" "$OUT/initrd.img"

say "disk image from $rootfs"
truncate -s 6G "$OUT/disk.img"
mke2fs -q -t ext4 -L cpns-root -d "$stage" "$OUT/disk.img" || die "mke2fs failed"
rm -rf "$stage"

# TCG on a busy host can leave a vCPU unscheduled for seconds: the soft
# lockup and RCU stall detectors would report that as a kernel bug, which
# it is not.  Real oopses, BUG()s
# and WARNs are still caught below.  For the same reason systemd waits up
# to 15 minutes for a unit to start.
STALL="nowatchdog rcupdate.rcu_cpu_stall_suppress=1 no_timer_check systemd.default_timeout_start_sec=900"
say "booting $(basename "$kernel") under QEMU (TCG), timeout ${TIMEOUT}s"
start=$(date +%s)
set +e
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m "${VM_MEM:-2G}" -smp 2 \
	-nographic -nodefaults -monitor none \
	-kernel "$OUT/vmlinuz" -initrd "$OUT/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 systemd.show_status=0 loglevel=4 net.ifnames=0 $STALL" \
	-drive file="$OUT/disk.img",if=virtio,format=raw \
	-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0 \
	-serial "file:$OUT/console.log" -serial "file:$OUT/results.log" </dev/null
qrc=$?
set -e
secs=$(($(date +%s) - start))
[ "${KEEP:-0}" = 1 ] || rm -f "$OUT/disk.img"

pass=0 fail=0
grep -a '^cpns-system: ' "$OUT/results.log" | sed 's/^cpns-system: //' | tr -d '\r' >"$OUT/results.txt" || true
cat "$OUT/results.txt"
own() { # own OK NAME
	if [ "$1" = 1 ]; then
		echo "ok - $2"
		pass=$((pass + 1))
	else
		echo "not ok - $2"
		fail=$((fail + 1))
	fi
}
own "$([ "$qrc" = 0 ] && echo 1)" "the VM powered off by itself (qemu exit $qrc, $secs s)"
own "$(grep -q '^# boot 2' "$OUT/results.txt" && echo 1)" "systemctl reboot booted the system again"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/results.txt" | tail -n 1)
own "$([ -n "$summary" ] && echo 1)" "the guest finished its checks"
gp=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
gf=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
gs=$(echo "$summary" | sed -n 's/.*, \([0-9]*\) skipped.*/\1/p')
pass=$((pass + ${gp:-0}))
fail=$((fail + ${gf:-0}))
BAD='Kernel panic|BUG: |Oops|WARNING: CPU|general protection'
if grep -a -E "$BAD" "$OUT/console.log" | grep -a -v 'soft lockup' >/dev/null; then
	own 0 "no oops, BUG or WARN in the kernel log"
	grep -a -E -A 20 "$BAD" "$OUT/console.log" | head -n 40
else
	own 1 "no oops, BUG or WARN in the kernel log"
fi
echo "check-system: boot to power-off ${secs} s; console in $OUT/console.log"
echo "$pass passed, $fail failed${gs:+, $gs skipped}"
[ "$fail" = 0 ]
