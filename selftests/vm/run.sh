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
#   VM_TIMEOUT  seconds before the VM is killed (default 1800)
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
set -eu

MODE=${1:-check}
case $MODE in check | demo | shell | bench) ;; *)
	echo "usage: $0 [check|demo|shell|bench]" >&2
	exit 2
	;;
esac

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build/vm}
VM_TIMEOUT=${VM_TIMEOUT:-1800}
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
cp -a "$MODSRC"/modules.order "$MODSRC"/modules.builtin* "$IMG$MODDIR/"
install -D -m 0644 "$KO" "$IMG$MODDIR/extra/cpns.ko"

# Selftests, in the order the Makefile lists them.
: >"$IMG/selftests/list"
for p in $PROGS; do
	copy_bin "$ROOT/selftests/$p" "/selftests/$p"
	echo "$p" >>"$IMG/selftests/list"
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
APPEND="console=ttyS0 panic=-1 mitigations=off no_timer_check"
if [ "$DEBUG" = 1 ]; then
	APPEND="$APPEND ignore_loglevel"
else
	APPEND="$APPEND quiet"
fi
QEMU=(qemu-system-x86_64 -accel tcg -cpu max -m ${VM_MEM:-1G} -smp 2 -nographic -nodefaults
	-no-reboot -kernel "$VMLINUZ" -initrd "$INITRD" -append "$APPEND")
[ -n "${QEMU_EXTRA:-}" ] && QEMU+=($QEMU_EXTRA)

if [ "$MODE" = shell ]; then
	exec "${QEMU[@]}" -serial mon:stdio -serial "file:$RESULTS"
fi

say "booting $VMLINUZ (timeout ${VM_TIMEOUT}s)"
start=$(date +%s.%N)
set +e
if [ "$MODE" = demo ] || [ "$DEBUG" = 1 ]; then
	timeout --foreground -k 5 "$VM_TIMEOUT" "${QEMU[@]}" \
		-serial mon:stdio -serial "file:$RESULTS" </dev/null | tee "$CONSOLE"
	qrc=${PIPESTATUS[0]}
else
	timeout -k 5 "$VM_TIMEOUT" "${QEMU[@]}" -monitor none \
		-serial "file:$CONSOLE" -serial "file:$RESULTS" </dev/null
	qrc=$?
fi
set -e
end=$(date +%s.%N)
ELAPSED=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')

tr -d '\r' <"$RESULTS" >"$RESULTS.txt"
console_tail() {
	echo "---- last 40 lines of the VM console ($CONSOLE) ----" >&2
	tail -n 40 "$CONSOLE" | tr -d '\r' >&2
	echo "----" >&2
}
if ! grep -q '^CPNS-VM-UP' "$RESULTS.txt"; then
	[ "$qrc" = 124 ] && echo "[!] VM timed out after ${VM_TIMEOUT}s" >&2
	console_tail
	die "the VM did not come up (qemu exit $qrc)"
fi
if ! grep -q '^CPNS-VM-DONE' "$RESULTS.txt"; then
	[ "$qrc" = 124 ] && echo "[!] VM timed out after ${VM_TIMEOUT}s" >&2
	console_tail
	sed -n '/^CPNS-VM-UP/,$p' "$RESULTS.txt" | grep -v '^CPNS-' | tail -n 40 >&2
	die "the suite did not finish (qemu exit $qrc)"
fi

# --------------------------------------------------------------- judge
if [ "$MODE" = bench ]; then
	sed -n '/^# selftests: cpns: cpns_bench/,/^# time: /{/^    /s/^    //p}' "$RESULTS.txt"
fi
exec "$ROOT/selftests/vm/judge.sh" "$RESULTS.txt" "$MODE" "$ELAPSED"
