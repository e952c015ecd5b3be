#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages cpns-dkms and cpnsctl, built with
# dpkg-buildpackage from a copy of the tree's source files (git ls-files:
# tracked and new, not ignored ones), so that nothing is written outside
# OUT and no build output of the tree gets in; then lintian on them.
#
#   scripts/deb.sh [OUT]    default OUT: build/deb
# Prints the paths of the two .debs last.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build/deb}
cd "$ROOT"
ver=$(dpkg-parsechangelog -S Version)
src=$OUT/src/cpns-$ver

rm -rf "$OUT"
mkdir -p "$src"
git ls-files -z -co --exclude-standard | xargs -0 cp -a --parents -t "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1 || {
	tail -n 40 "$OUT/build.log" >&2
	echo "deb: dpkg-buildpackage failed, log in $OUT/build.log" >&2
	exit 1
}
changes=$(ls "$OUT"/src/cpns_"$ver"_*.changes)
echo "[+] lintian $(basename "$changes")"
lintian --info --display-info --pedantic "$changes" | tee "$OUT/lintian.log"
mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT"/
rm -rf "$OUT/src"
ls "$OUT"/*.deb
