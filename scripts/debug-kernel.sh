#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a small debug kernel for `make check-debug`: KASAN
# (generic, inline), kmemleak (no auto scan: the VM scans at the end of
# the suite), lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, DEBUG_LIST,
# SLUB_DEBUG, KFENCE, from Debian's linux-source-6.1:
#
#   tinyconfig + selftests/config + selftests/config.debug
#   (scripts/kconfig/merge_config.sh), make bzImage modules,
#   modules_prepare, modules_install into the cache.
#
# The tree is kept in a cache outside the clone, keyed by the fragments
# and the source version:
#   $CPNS_DEBUG_CACHE/<sha256>/linux      build tree (KDIR for cpns.ko)
#   $CPNS_DEBUG_CACHE/<sha256>/modroot    modules (MODROOT/lib/modules/KVER)
# A second run with the same key does nothing.
#
#   scripts/debug-kernel.sh          build if needed; log on stderr
#   scripts/debug-kernel.sh --env    the same, then print KVER= KDIR=
#                                    VMLINUZ= MODROOT= on stdout
#
# Environment: CPNS_DEBUG_CACHE (default /var/cache/cpns/debug-kernel),
# JOBS (default: nproc).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CPNS_DEBUG_CACHE:-/var/cache/cpns/debug-kernel}
JOBS=${JOBS:-$(nproc)}
TARBALL=/usr/src/linux-source-6.1.tar.xz
BASE=tinyconfig # then the fragments; small, so that 2 cores build it fast
FRAGS=("$ROOT/selftests/config" "$ROOT/selftests/config.debug")
ENV_OUT=0
[ "${1:-}" = --env ] && ENV_OUT=1

say() { printf '[+] %s\n' "$*" >&2; }
die() {
	printf '[!] %s\n' "$*" >&2
	exit 1
}

# Dependencies, installed only when missing.
need=
[ -e "$TARBALL" ] || need="$need linux-source-6.1"
for p in build-essential bc bison flex libelf-dev libssl-dev dwarves cpio xz-utils; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		need="$need $p"
done
if [ -n "$need" ]; then
	say "installing:$need"
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >&2
fi
[ -e "$TARBALL" ] || die "no $TARBALL (linux-source-6.1)"

SRCVER=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || stat -c %s-%Y "$TARBALL")
RECIPE=2 # bump when the build steps below change
KEY=$( {
	echo "linux-source-6.1 $SRCVER recipe $RECIPE base $BASE"
	cat "${FRAGS[@]}"
} | sha256sum | cut -c1-16)
DIR=$CACHE/$KEY
K=$DIR/linux
MODROOT=$DIR/modroot

emit() {
	[ "$ENV_OUT" = 1 ] || return 0
	local kver
	kver=$(cat "$DIR/kernelrelease")
	echo "KVER=$kver"
	echo "KDIR=$K"
	echo "VMLINUZ=$K/arch/x86/boot/bzImage"
	echo "MODROOT=$MODROOT"
}

mkdir -p "$DIR"
exec 8>"$DIR/.lock"
flock -n 8 || {
	say "waiting for another build in $DIR"
	flock 8
}

if [ -e "$DIR/done" ]; then
	say "debug kernel $(cat "$DIR/kernelrelease") is built ($DIR); nothing to do"
	emit
	exit 0
fi

# Let no make variables of a calling make reach the kernel's.
unset MAKEFLAGS MAKELEVEL MFLAGS KBUILD_EXTMOD M O KDIR KVER

t0=$(date +%s)
if [ ! -e "$K/.extracted" ]; then
	say "extracting $TARBALL into $K"
	rm -rf "$K"
	mkdir -p "$K"
	tar -xJf "$TARBALL" -C "$K" --strip-components=1
	touch "$K/.extracted"
fi
t1=$(date +%s)

say "configuring: $BASE + ${FRAGS[*]#$ROOT/}"
make -s -C "$K" "$BASE" >&2
(cd "$K" && ./scripts/kconfig/merge_config.sh -m .config "${FRAGS[@]}") >"$DIR/merge.log" 2>&1 ||
	die "merge_config failed (see $DIR/merge.log)"
make -s -C "$K" olddefconfig >&2
# Say which requested options did not make it (missing deps, gone symbols).
for f in "${FRAGS[@]}"; do
	sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p; s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' "$f"
done | while IFS='=' read -r sym want; do
	have=$(grep -E "^$sym=" "$K/.config" | cut -d= -f2- || true)
	[ -n "$have" ] || have=n
	[ "$have" = "$want" ] || [ "$want" = y ] && [ "$have" = m ] && continue
	[ "$have" = "$want" ] || say "config: $sym=$have (asked $want)"
done

say "building bzImage and modules (make -j$JOBS; log $DIR/build.log)"
make -C "$K" -j"$JOBS" bzImage modules >"$DIR/build.log" 2>&1 || {
	tail -n 40 "$DIR/build.log" >&2
	die "kernel build failed (see $DIR/build.log)"
}
make -s -C "$K" modules_prepare >&2
make -s -C "$K" kernelrelease >"$DIR/kernelrelease"
rm -rf "$MODROOT"
make -s -C "$K" INSTALL_MOD_PATH="$MODROOT" modules_install >&2
t2=$(date +%s)
touch "$DIR/done"
say "debug kernel $(cat "$DIR/kernelrelease"): extract $((t1 - t0)) s, build $((t2 - t1)) s, total $((t2 - t0)) s"
echo "extract $((t1 - t0)) s, build $((t2 - t1)) s" >"$DIR/build-time"
emit
