#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in QEMU with an initramfs holding cpns.ko, cpnsctl,
# the selftests and the few tools they use; run the suite (or the demo)
# inside; bring its KTAP output back over a second serial port; then
# judge the results and the kernel's log on the host.
#
#   selftests/vm/run.sh check     run the selftests (default)
#   selftests/vm/run.sh demo      run selftests/demo.sh (console on stdout)
#   selftests/vm/run.sh shell     an interactive busybox shell in the VM
#   selftests/vm/run.sh bench     run selftests/bench/cpns_bench instead of
#                                 the suite, print its output (make bench)
#
#   host                                 VM (qemu -accel tcg)
#   +-----------------------------+      +------------------------------+
#   | build cpns.ko for $KVER     |      | /init: mount, depmod -a,     |
#   | build cpnsctl, selftests    | cpio | lo up, run /selftests/*      |
#   | pack initramfs              |----->|                              |
#   | parse results, judge dmesg  |<-----| ttyS1: KTAP, taint, dmesg    |
#   | and taint                   |      | ttyS0: kernel console        |
#   +-----------------------------+      +------------------------------+
#
# Environment:
#   KVER        kernel release to boot and build for (default: newest
#               with /boot/vmlinuz-* and /lib/modules/*/build)
#   KDIR        its build tree (default /lib/modules/$KVER/build)
#   KSFT        kselftest headers (default: the extracted linux-source)
#   T           only these test programs (space/comma separated, with or
#               without extension), e.g. T=cpns_basic
#   VM_TIMEOUT  seconds before the VM is killed (default 3600)
#   TEST_TIMEOUT seconds for one test program inside the VM (default 300)
#   DEBUG=1     shell-free debug boot: full kernel log streamed, init
#               traced, diagnostics dumped after the suite
#   CPNS_KO     use this prebuilt cpns.ko instead of building kmod/
#   NO_DEPS=1   do not run scripts/deps.sh
#   BUILD       work directory (default build/vm)
#   VMLINUZ     kernel image to boot (default /boot/vmlinuz-$KVER)
#   MODROOT     take the kernel's modules from $MODROOT/lib/modules/$KVER
#               (a modules_install INSTALL_MOD_PATH; default: /)
#   VM_MEM      the VM's memory (default 1G)
#   KMEMLEAK=1  scan kmemleak before the suite (baseline, then clear) and
#               after it, and send its report with the kernel log
#   DISK_MB     size of the VM's disk (default 32)
#   VM_APPEND   more kernel command line (e.g. acpi=noirq: a KASAN kernel
#               under TCG on a loaded host can run out ACPI's 30 s AML
#               loop timeout evaluating the PCI routing table)
#   QEMU_EXTRA  more QEMU arguments (e.g. -smp 1)
#
# The disk.  Every boot has a virtio disk, /dev/vda: a raw image on the
# host ($BUILD/disk.img, made afresh with an empty ext4 file system for
# each run), which no program mounts unless it wants it.  A test program
# that says "# cpns-vm: boots=N" among its first lines runs N times: in
# the first boot with the others, then in boots 2..N of the same kernel
# and initramfs from the same disk, with CPNS_VM_BOOT=K in its environment
# (1 in the first).  Each boot is judged on its own, the sum is the result.
#
# The TPM.  When a selected program says "# cpns-vm: tpm", swtpm is
# installed and the kernel has TRUSTED_KEYS, every boot has a TPM 2.0 (QEMU's tpm-tis on swtpm), its state
# kept in $BUILD/tpm across the boots of one run, made afresh (with a
# storage primary key at 0x81000001, swtpm_setup --create-spk) at the start
# and before boot K for "# cpns-vm: tpm-fresh=K".
set -eu

MODE=${1:-check}
case $MODE in check | demo | shell | bench) ;; *)
	echo "usage: $0 [check|demo|shell|bench]" >&2
	exit 2
	;;
esac

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build/vm}
VM_TIMEOUT=${VM_TIMEOUT:-3600}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
DEBUG=${DEBUG:-0}
T=${T:-}

say() { printf '[+] %s\n' "$*"; }
die() {
	printf '[!] %s\n' "$*" >&2
	exit 1
}

[ "${NO_DEPS:-0}" = 1 ] || "$ROOT/scripts/deps.sh"

# One VM run at a time per work directory (a tree may be shared).
mkdir -p "$BUILD"
exec 9>"$BUILD/.lock"
if ! flock -n 9; then
	say "waiting for another VM run in $BUILD"
	flock 9
fi

KVER=${KVER:-$("$ROOT/scripts/kver.sh")}
KDIR=${KDIR:-/lib/modules/$KVER/build}
KSFT=${KSFT:-/var/cache/cpns/linux-source-6.1/tools/testing/selftests}
VMLINUZ=${VMLINUZ:-/boot/vmlinuz-$KVER}
MODDIR=/lib/modules/$KVER
MODSRC=${MODROOT:-}$MODDIR
[ -e "$VMLINUZ" ] || die "no kernel image $VMLINUZ"
[ -e "$KDIR/Makefile" ] || die "no kernel build tree $KDIR (KDIR)"
[ -d "$MODSRC/kernel" ] || die "no kernel modules in $MODSRC"

# ---------------------------------------------------------------- build
if [ -n "${CPNS_KO:-}" ]; then
	KO=$CPNS_KO
else
	# Built in a copy of the sources, so that objects in the tree made for
	# another kernel (or a concurrent build there) do not interfere.
	say "building cpns.ko for $KVER"
	SRC=$BUILD/src
	mkdir -p "$SRC"
	(cd "$ROOT" && for f in Kbuild kmod/Kbuild kmod/*.[ch] uapi/linux/*.h; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$SRC/$f" || install -D -p -m 0644 "$f" "$SRC/$f"
	done)
	make -s -C "$KDIR" M="$SRC" W=1 modules >&2 ||
		die "module build failed for $KVER"
	KO=$SRC/kmod/cpns.ko
fi
[ -e "$KO" ] || die "no module $KO"

TOOL=
if [ -e "$ROOT/userspace/Makefile" ]; then
	say "building cpnsctl"
	make -s -C "$ROOT/userspace" >&2 || die "cpnsctl build failed"
	[ -x "$ROOT/userspace/cpnsctl" ] && TOOL=$ROOT/userspace/cpnsctl
fi

say "building selftests"
make -s -C "$ROOT/selftests" KSFT="$KSFT" >&2 || die "selftests build failed"
PROGS=$(make -s -C "$ROOT/selftests" KSFT="$KSFT" list)
if [ -n "$T" ]; then
	sel=
	for want in $(echo "$T" | tr ',' ' '); do
		found=
		for p in $PROGS; do
			case $p in "$want" | "$want".*)
				sel="$sel $p"
				found=1
				;;
			esac
		done
		[ -n "$found" ] || die "no test program named '$want' (have: $(echo $PROGS))"
	done
	PROGS=$sel
fi
# Programs that run again in later boots from the same disk; a TPM.
BOOTS=1
WANT_TPM=
TPM_FRESH=
vm_mark() { head -n 30 "$ROOT/selftests/$1" 2>/dev/null | sed -n "s/^# cpns-vm: $2\$/\1/p" | head -n 1; }
# A TPM program needs TRUSTED_KEYS in the kernel (a debug kernel): on
# another it runs once, and skips.
TPM_KERNEL=
grep -qE '^CONFIG_TRUSTED_KEYS=[ym]' "$KDIR/.config" "/boot/config-$KVER" 2>/dev/null &&
	TPM_KERNEL=1
boots_of() {
	if [ -z "$TPM_KERNEL" ] && [ -n "$(vm_mark "$1" '\(tpm\)')" ]; then
		echo 1
		return
	fi
	b=$(vm_mark "$1" 'boots=\([0-9]\)')
	echo "${b:-1}"
}
if [ "$MODE" = check ]; then
	for p in $PROGS; do
		b=$(boots_of "$p")
		[ "$b" -gt "$BOOTS" ] && BOOTS=$b
		[ -n "$TPM_KERNEL" ] && [ -n "$(vm_mark "$p" '\(tpm\)')" ] && WANT_TPM=1
		f=$(vm_mark "$p" 'tpm-fresh=\([0-9]\)')
		[ -n "$f" ] && TPM_FRESH="$TPM_FRESH $f"
	done
fi
if [ -n "$WANT_TPM" ] && ! command -v swtpm >/dev/null; then
	say "no swtpm: the VM has no TPM"
	WANT_TPM=
fi
if [ "$MODE" = bench ]; then
	say "building cpns_bench"
	make -s -C "$ROOT/selftests/bench" >&2 || die "cpns_bench build failed"
	PROGS=
fi

# ------------------------------------------------------------ initramfs
IMG=$BUILD/root
rm -rf "$IMG"
mkdir -p "$BUILD" "$IMG"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,proc,sys,dev,tmp,run,root,home/user,selftests}
ln -s usr/bin "$IMG/bin"
ln -s usr/sbin "$IMG/sbin"
ln -s usr/lib "$IMG/lib"
ln -s usr/lib64 "$IMG/lib64"

# Copy a file to the same path in the image, with every library it needs.
copy_bin() {
	local f=$1 dst=${2:-$1} lib
	install -D -m 0755 "$f" "$IMG$dst"
	for lib in $(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]*ld-linux/{print $1}'); do
		[ -e "$IMG$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$IMG$lib"
	done
}

# /bin/sh is dash, as on Debian: busybox's own sh would run its applets
# (modprobe, depmod, ...) in place of the real tools.  bash for scripts
# that ask for it.  Then busybox, whose applets the real tools below
# replace.
copy_bin /bin/dash /usr/bin/dash
ln -s dash "$IMG/usr/bin/sh"
copy_bin /bin/bash /usr/bin/bash
install -m 0755 /bin/busybox "$IMG/usr/bin/busybox"
for a in $(/bin/busybox --list-full); do
	[ -e "$IMG/$a" ] || [ -L "$IMG/$a" ] || ln -s /usr/bin/busybox "$IMG/$a"
done
copy_bin /usr/bin/kmod /usr/bin/kmod
for a in modprobe depmod insmod rmmod lsmod modinfo; do
	rm -f "$IMG/usr/sbin/$a" "$IMG/usr/bin/$a"
	ln -s ../bin/kmod "$IMG/usr/sbin/$a"
done
for b in /usr/bin/keyctl /usr/sbin/ip /usr/sbin/genl /usr/bin/genl-ctrl-list /usr/bin/sqlite3; do
	[ -e "$b" ] || continue
	rm -f "$IMG$b"
	copy_bin "$b"
done
# Busybox prefers its own applets when it execs a program, so the tools
# that run another program (nsenter -- ip ...) come from util-linux,
# coreutils and findutils, as on Debian.
for b in /usr/bin/nsenter /usr/bin/unshare /usr/bin/setpriv /usr/bin/setsid \
	/usr/bin/env /usr/bin/timeout /usr/bin/nice /usr/bin/nohup /usr/bin/xargs \
	/usr/sbin/chroot; do
	[ -e "$b" ] || continue
	rm -f "$IMG$b" "$IMG/usr/bin/${b##*/}" "$IMG/usr/sbin/${b##*/}"
	copy_bin "$b"
done
for l in libnl-3.so.200 libnl-genl-3.so.200 libkcapi.so.1 libsqlite3.so.0 libkeyutils.so.1; do
	f=/usr/lib/x86_64-linux-gnu/$l
	[ -e "$f" ] && copy_bin "$f"
done
if [ -n "$TOOL" ]; then
	copy_bin "$TOOL" /usr/sbin/cpnsctl
fi
# PostgreSQL's server and client, for the tests that start a cluster of
# their own (selftests/lib/pg.sh): the binaries, the share files initdb
# reads, the two libraries it loads, UTC.
PGV=15
if [ -x /usr/lib/postgresql/$PGV/bin/postgres ]; then
	for b in postgres initdb pg_ctl psql; do
		copy_bin /usr/lib/postgresql/$PGV/bin/$b
	done
	for l in plpgsql.so dict_snowball.so; do
		copy_bin /usr/lib/postgresql/$PGV/lib/$l
	done
	mkdir -p "$IMG/usr/share/postgresql/$PGV"
	(cd /usr/share/postgresql/$PGV && tar -cf - --exclude=./man --exclude=./contrib \
		--exclude='./extension/[!p]*' .) | tar -C "$IMG/usr/share/postgresql/$PGV" -xf -
	install -D -m 0644 /usr/share/zoneinfo/UTC "$IMG/usr/share/zoneinfo/UTC"
	ln -sf UTC "$IMG/usr/share/zoneinfo/GMT"
	# initdb here, once per image (minutes under TCG): each test copies
	# this fresh cluster into a directory of its own (lib/pg.sh).
	if [ "$(id -u)" = 0 ]; then
		tmpl=$BUILD/pg-template
		rm -rf "$tmpl"
		mkdir -p "$tmpl"
		chown 65534:65534 "$tmpl"
		setpriv --reuid=65534 --regid=65534 --clear-groups -- env LC_ALL=C TZ=UTC \
			/usr/lib/postgresql/$PGV/bin/initdb -D "$tmpl/data" -A trust -U cpns \
			-E UTF8 --no-sync --no-instructions --wal-segsize=1 >"$BUILD/pg-initdb.log" 2>&1 ||
			die "initdb of the PostgreSQL template failed: see $BUILD/pg-initdb.log"
		mkdir -p "$IMG/usr/share/cpns/pg-template"
		cp -a "$tmpl/data" "$IMG/usr/share/cpns/pg-template/data"
		chown -R 1000:1000 "$IMG/usr/share/cpns/pg-template/data"
		rm -rf "$tmpl"
	fi
fi

# Kernel modules: crypto, crypto libraries, veth and dummy, and cpns in extra/.
for d in kernel/crypto kernel/arch/x86/crypto kernel/lib; do
	[ -d "$MODSRC/$d" ] || continue # built in (a debug kernel)
	mkdir -p "$IMG$MODDIR/$d"
	cp -a "$MODSRC/$d/." "$IMG$MODDIR/$d/"
done
for m in kernel/drivers/net/veth.ko kernel/drivers/net/dummy.ko; do
	[ -e "$MODSRC/$m" ] && install -D -m 0644 "$MODSRC/$m" "$IMG$MODDIR/$m"
done
# The disk's driver and file system (built in on a debug kernel).
for m in virtio_pci virtio_blk ext4; do
	modprobe -S "$KVER" ${MODROOT:+-d "$MODROOT"} --show-depends "$m" 2>/dev/null |
		sed -n 's/^insmod \([^ ]*\).*/\1/p'
done | sort -u | while read -r f; do
	install -D -m 0644 "$f" "$IMG${f#${MODROOT:-}}"
done
cp -a "$MODSRC"/modules.order "$MODSRC"/modules.builtin* "$IMG$MODDIR/"
install -D -m 0644 "$KO" "$IMG$MODDIR/extra/cpns.ko"

# Selftests, in the order the Makefile lists them.
: >"$IMG/selftests/list"
for p in $PROGS; do
	copy_bin "$ROOT/selftests/$p" "/selftests/$p"
	echo "$p" >>"$IMG/selftests/list"
done
for k in $(seq 2 "$BOOTS"); do
	: >"$IMG/selftests/list-boot$k"
	for p in $PROGS; do
		[ "$(boots_of "$p")" -ge "$k" ] && echo "$p" >>"$IMG/selftests/list-boot$k"
	done
done
if [ "$MODE" = bench ]; then
	copy_bin "$ROOT/selftests/bench/cpns_bench" /selftests/cpns_bench
	echo cpns_bench >>"$IMG/selftests/list"
	install -m 0755 "$ROOT/selftests/bench/cpns_bench_e2e.sh" "$IMG/selftests/"
	echo cpns_bench_e2e.sh >>"$IMG/selftests/list"
	if [ -e "$ROOT/selftests/bench/cpns_bench_cluster.sh" ]; then
		install -m 0755 "$ROOT/selftests/bench/cpns_bench_cluster.sh" "$IMG/selftests/"
		echo cpns_bench_cluster.sh >>"$IMG/selftests/list"
	fi
fi
# Shell libraries the scripts source (selftests/lib/*.sh).
for f in "$ROOT"/selftests/lib/*.sh; do
	[ -e "$f" ] && install -D -m 0644 "$f" "$IMG/selftests/lib/${f##*/}"
done
for f in $(make -s -C "$ROOT/selftests" KSFT="$KSFT" list-files); do
	install -m 0644 "$ROOT/selftests/$f" "$IMG/selftests/$f"
done
if [ -e "$ROOT/selftests/demo.sh" ]; then
	copy_bin "$ROOT/selftests/demo.sh" /selftests/demo.sh
fi
for f in "$ROOT"/selftests/*.sh; do
	[ -e "$f" ] && [ ! -e "$IMG/selftests/${f##*/}" ] && install -m 0755 "$f" "$IMG/selftests/"
done
# Data files the programs read beside them (symlinks followed).
for f in $(make -s -C "$ROOT/selftests" list-files); do
	cp -L "$ROOT/selftests/$f" "$IMG/selftests/$f" || die "selftests: missing data file $f"
done

cat >"$IMG/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$IMG/etc/group" <<'EOF'
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
chown 1000:1000 "$IMG/home/user"
cat >"$IMG/etc/cpns-vm.conf" <<EOF
MODE=$MODE
DEBUG=$DEBUG
TEST_TIMEOUT=$TEST_TIMEOUT
KMEMLEAK=${KMEMLEAK:-0}
EOF
install -m 0755 "$ROOT/selftests/vm/init" "$IMG/init"

INITRD=$BUILD/initramfs.cpio
(cd "$IMG" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$INITRD"
say "initramfs: $(du -h "$INITRD" | cut -f1), kernel $KVER, tests: $(echo $PROGS)"

# ----------------------------------------------------------------- boot
CONSOLE=$BUILD/console.log
RESULTS=$BUILD/results.log
: >"$CONSOLE"
: >"$RESULTS"
APPEND="console=ttyS0 panic=-1 mitigations=off no_timer_check${VM_APPEND:+ $VM_APPEND}"
if [ "$DEBUG" = 1 ]; then
	APPEND="$APPEND ignore_loglevel"
else
	APPEND="$APPEND quiet"
fi
QEMU=(qemu-system-x86_64 -accel tcg -cpu max -m ${VM_MEM:-1G} -smp 2 -nographic -nodefaults
	-no-reboot -kernel "$VMLINUZ" -initrd "$INITRD")
DISK=$BUILD/disk.img
rm -f "$DISK"
truncate -s "${DISK_MB:-32}M" "$DISK"
mkfs.ext4 -q -F -L cpns-disk "$DISK" || die "mkfs.ext4 $DISK failed (e2fsprogs)"
QEMU+=(-drive "file=$DISK,format=raw,if=virtio,cache=writeback")
[ -n "${QEMU_EXTRA:-}" ] && QEMU+=($QEMU_EXTRA)

if [ "$MODE" = shell ]; then
	exec "${QEMU[@]}" -append "$APPEND" -serial mon:stdio -serial "file:$RESULTS"
fi

# A fresh TPM state: a TPM 2.0 with a storage primary key at 0x81000001.
TPM_DIR=$BUILD/tpm
tpm_fresh() {
	rm -rf "$TPM_DIR"
	mkdir -p "$TPM_DIR"
	swtpm_setup --tpm2 --tpmstate "$TPM_DIR" --create-spk --overwrite \
		>"$BUILD/swtpm-setup.log" 2>&1 || die "swtpm_setup failed (see $BUILD/swtpm-setup.log)"
}
TPM_ARGS=()
tpm_start() {
	rm -f "$TPM_DIR/sock" "$TPM_DIR/pid"
	swtpm socket --tpm2 --tpmstate dir="$TPM_DIR" --ctrl type=unixio,path="$TPM_DIR/sock" \
		--flags startup-clear --terminate --daemon --pid file="$TPM_DIR/pid" \
		--log file="$BUILD/swtpm.log" || die "swtpm failed to start"
	TPM_ARGS=(-chardev "socket,id=chrtpm,path=$TPM_DIR/sock"
		-tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0)
}
tpm_stop() {
	[ -e "$TPM_DIR/pid" ] && kill "$(cat "$TPM_DIR/pid")" 2>/dev/null
	rm -f "$TPM_DIR/pid"
	TPM_ARGS=()
}
[ -n "$WANT_TPM" ] && tpm_fresh

# boot RESULTS [APPEND...]: one boot; ELAPSED its time, qrc qemu's exit.
boot() {
	local results=$1 start end
	shift
	[ -n "$WANT_TPM" ] && tpm_start
	: >"$CONSOLE"
	: >"$results"
	say "booting $VMLINUZ (timeout ${VM_TIMEOUT}s)${*:+: $*}"
	start=$(date +%s.%N)
	set +e
	if [ "$MODE" = demo ] || [ "$DEBUG" = 1 ]; then
		timeout --foreground -k 5 "$VM_TIMEOUT" "${QEMU[@]}" "${TPM_ARGS[@]}" -append "$APPEND${*:+ $*}" \
			-serial mon:stdio -serial "file:$results" </dev/null | tee -a "$CONSOLE"
		qrc=${PIPESTATUS[0]}
	else
		timeout -k 5 "$VM_TIMEOUT" "${QEMU[@]}" "${TPM_ARGS[@]}" -append "$APPEND${*:+ $*}" -monitor none \
			-serial "file:$CONSOLE" -serial "file:$results" </dev/null
		qrc=$?
	fi
	set -e
	tpm_stop
	end=$(date +%s.%N)
	ELAPSED=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
	tr -d '\r' <"$results" >"$results.txt"
}
console_tail() {
	echo "---- last 40 lines of the VM console ($CONSOLE) ----" >&2
	tail -n 40 "$CONSOLE" | tr -d '\r' >&2
	echo "----" >&2
}
# came_back RESULTS.txt: the VM came up and finished, else say why.
came_back() {
	if ! grep -q '^CPNS-VM-UP' "$1"; then
		[ "$qrc" = 124 ] && echo "[!] VM timed out after ${VM_TIMEOUT}s" >&2
		console_tail
		echo "[!] the VM did not come up (qemu exit $qrc)" >&2
		return 1
	fi
	if ! grep -q '^CPNS-VM-DONE' "$1"; then
		[ "$qrc" = 124 ] && echo "[!] VM timed out after ${VM_TIMEOUT}s" >&2
		console_tail
		sed -n '/^CPNS-VM-UP/,$p' "$1" | grep -v '^CPNS-' | tail -n 40 >&2
		echo "[!] the suite did not finish (qemu exit $qrc)" >&2
		return 1
	fi
}

boot "$RESULTS"
came_back "$RESULTS.txt" || exit 1

# --------------------------------------------------------------- judge
if [ "$MODE" = bench ]; then
	sed -n '/^# selftests: cpns: cpns_bench/,/^# time: /{/^    /s/^    //p}' "$RESULTS.txt"
fi
if [ "$BOOTS" = 1 ]; then
	exec "$ROOT/selftests/vm/judge.sh" "$RESULTS.txt" "$MODE" "$ELAPSED"
fi

# Boots 2..N from the same disk for the programs that asked for them; each
# boot judged on its own, the sum printed last.
E_1=$ELAPSED
R_1=$RESULTS.txt
for k in $(seq 2 "$BOOTS"); do
	case " $TPM_FRESH " in *" $k "*) [ -n "$WANT_TPM" ] && tpm_fresh ;; esac
	CONSOLE=$BUILD/console-$k.log
	boot "$BUILD/results-$k.log" cpnsvm_boot=$k
	came_back "$BUILD/results-$k.log.txt" || exit 1
	eval "E_$k=\$ELAPSED R_$k=\$BUILD/results-$k.log.txt"
done
total_p=0
total_f=0
for b in $(seq 1 "$BOOTS"); do
	eval "r=\$R_$b e=\$E_$b"
	set +e
	out=$(SUMMARY_PREFIX="boot $b: " "$ROOT/selftests/vm/judge.sh" "$r" "$MODE" "$e")
	jrc=$?
	set -e
	printf '%s\n' "$out" | sed "/^boot $b: [0-9]* passed/!s/^\\(PASS\\|FAIL\\|SKIP\\)  /\\1  boot $b: /"
	line=$(printf '%s\n' "$out" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')
	f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
	total_p=$((total_p + ${p:-0}))
	total_f=$((total_f + ${f:-1}))
	[ "$jrc" != 0 ] && [ "${f:-1}" = 0 ] && total_f=$((total_f + 1))
done
echo "${SUMMARY_PREFIX:-}$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
