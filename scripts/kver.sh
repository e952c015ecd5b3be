#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the release of the newest installed kernel that can be both booted
# (/boot/vmlinuz-<release>) and built against (/lib/modules/<release>/build).
# This is the kernel the test VM boots; it is independent of `uname -r`.
set -eu
best=
for b in /lib/modules/*/build; do
	[ -e "$b/Makefile" ] || continue
	v=${b#/lib/modules/}
	v=${v%/build}
	[ -e "/boot/vmlinuz-$v" ] || continue
	best="$best$v
"
done
v=$(printf '%s' "$best" | sort -V | tail -n 1)
if [ -z "$v" ]; then
	echo "kver: no kernel with both /boot/vmlinuz-* and /lib/modules/*/build" >&2
	exit 1
fi
echo "$v"
