#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, from Debian's packages, everything that building, testing and
# demonstrating cpns needs, then extract the kernel source once (for
# checkpatch and the kselftest headers) into a cache outside the tree.
# Runs apt only when a package is missing, so a second run is instant.
#
#   scripts/deps.sh            install what is missing
#   scripts/deps.sh --list     print the package list
#   scripts/deps.sh --system   also what make deb and make check-system need
set -eu

PACKAGES=(
	build-essential make gcc pkg-config perl xz-utils
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static cpio kmod keyutils iproute2
	libnl-3-dev libnl-genl-3-dev libnl-utils
	libkcapi-dev libkcapi1 libsqlite3-dev sqlite3
	libpq-dev postgresql
	libkeyutils-dev sparse dkms python3-yaml
	clang libclang-rt-14-dev llvm
	e2fsprogs swtpm swtpm-tools
)
# Only for `make deb` and `make check-system` (scripts/deps.sh --system):
# packaging, lintian, and the bookworm image the system test boots.
SYSTEM_PACKAGES=(
	debhelper dh-dkms lintian fakeroot mmdebstrap e2fsprogs
)
SRC_VERSION=6.1
CACHE=${CPNS_CACHE:-/var/cache/cpns}

if [ "${1:-}" = --list ]; then
	printf '%s\n' "${PACKAGES[@]}"
	exit 0
fi
if [ "${1:-}" = --system ]; then
	PACKAGES+=("${SYSTEM_PACKAGES[@]}")
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The kernel source, for scripts/checkpatch.pl and
# tools/testing/selftests/kselftest*.h, extracted once per version.
src=$CACHE/linux-source-$SRC_VERSION
if [ ! -e "$src/tools/testing/selftests/kselftest_harness.h" ]; then
	tarball=/usr/src/linux-source-$SRC_VERSION.tar.xz
	echo "deps: extracting $tarball into $CACHE"
	mkdir -p "$CACHE"
	rm -rf "$src.tmp"
	mkdir "$src.tmp"
	tar -C "$src.tmp" -xJf "$tarball"
	rm -rf "$src"
	mv "$src.tmp/linux-source-$SRC_VERSION" "$src"
	rmdir "$src.tmp"
fi
