#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# key_meta (selftests/lib/statenodes.sh) finds a key in /proc/keys text by
# its serial under each awk the tests run: busybox's (the VM's) and the
# host's.  The serials are those an awk can take for a number: digits only,
# octal-looking (leading 0), and digits-e-digits, whose exponent makes
# busybox read them as inf (a key with such a serial was not found by
# cpns_crashlag.sh before key_meta compared strings).  Prints KTAP.
cd "$(dirname "$0")" || exit 1
. ../lib/statenodes.sh

SERIALS="2698e510 1e999999 5322e965 0e123456 00000e10 01234567 01234589
00000000 12345678 3a1f00c2 7fffffff"
AWKS="busybox:busybox awk"
command -v mawk >/dev/null && AWKS="$AWKS
mawk:mawk"
command -v gawk >/dev/null && AWKS="$AWKS
gawk:gawk"

n=0
for s in $SERIALS; do
	n=$((n + $(printf '%s\n' "$AWKS" | wc -l)))
done
echo "TAP version 13"
echo "1..$n"
# key_meta's awk: the one under test.
awk() { $AWK "$@"; }
i=0
fails=0
while IFS=: read -r name AWK; do
	for s in $SERIALS; do
		i=$((i + 1))
		# A /proc/keys line of a euk: key, between two other keys.
		got=$(printf '%s\n' \
			"0000000a I--Q---     1 perm 3f010000     0     0 keyring   _uid.0: empty" \
			"$s I--Q---     1 perm 1f1b0000     0     0 cpns      euk:pne-1: E=1 i=4 n=64 id=00ff" \
			"7ffffffe I--Q---     1 perm 3f010000     0     0 keyring   .cpns:net:[4026532]: 1" |
			key_meta "$s")
		if [ "$got" = "E=1 i=4 n=64 id=00ff" ]; then
			echo "ok $i key_meta $s ($name awk)"
		else
			echo "# got: '$got'"
			echo "not ok $i key_meta $s ($name awk)"
			fails=$((fails + 1))
		fi
	done
done <<<"$AWKS"
[ "$fails" = 0 ]
