#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the Debian bookworm root filesystem that `make check-system`
# boots: mmdebstrap from Debian's packages, with systemd as init, Debian's
# kernel and its headers (so that cpns-dkms builds the module inside the
# image, as on a real machine), and the runtime libraries cpnsctl links
# against. Nothing of cpns is in it: the test installs the two .debs with
# dpkg -i.
#
# The result is cached outside the clone, keyed by the package list and
# this script:
#   $CPNS_SYSTEM_CACHE/<sha256>/rootfs/    the root filesystem (a directory:
#                                          the test copies it into an ext4
#                                          image with mke2fs -d)
# A second run with the same key does nothing.
#
#   scripts/system-image.sh          build if needed; log on stderr
#   scripts/system-image.sh --path   the same, then print the directory
#
# Environment: CPNS_SYSTEM_CACHE (default /var/cache/cpns/system-image),
# SUITE (default bookworm).
set -eu

CACHE=${CPNS_SYSTEM_CACHE:-/var/cache/cpns/system-image}
SUITE=${SUITE:-bookworm}
PACKAGES=(
	systemd systemd-sysv udev dbus linux-image-amd64 linux-headers-amd64
	initramfs-tools dkms build-essential kmod keyutils iproute2
	libnl-3-200 libnl-genl-3-200 libkcapi1 libsqlite3-0 sqlite3 libpq5
	bash-completion man-db procps
)

say() { printf '[+] %s\n' "$*" >&2; }

# The key: the suite, the packages and the hooks below (bump HOOKS when
# they change).
HOOKS=1
key=$(printf '%s\n' "$SUITE" "$HOOKS" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
dir=$CACHE/$key
if [ ! -e "$dir/rootfs/etc/os-release" ]; then
	command -v mmdebstrap >/dev/null ||
		{ echo "system-image: mmdebstrap missing (scripts/deps.sh)" >&2; exit 1; }
	mkdir -p "$dir"
	say "mmdebstrap $SUITE into $dir (downloads, once)"
	inc=$(IFS=,; echo "${PACKAGES[*]}")
	# The root password is empty: the image is only ever booted by the
	# test, on the serial console, with no network to the outside.
	mmdebstrap --variant=important --include="$inc" \
		--customize-hook='chroot "$1" passwd -d root' \
		--customize-hook='echo cpns-system > "$1/etc/hostname"' \
		--customize-hook='printf "/dev/vda / ext4 rw,errors=remount-ro 0 1\n" > "$1/etc/fstab"' \
		--format=directory "$SUITE" "$dir/rootfs.tmp"
	rm -rf "$dir/rootfs"
	mv "$dir/rootfs.tmp" "$dir/rootfs"
fi
[ "${1:-}" = --path ] && echo "$dir/rootfs"
exit 0
