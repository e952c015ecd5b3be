#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM half of scripts/mutate-vectors.py: cpns_vectors run on each
# mutant of the vector file shipped beside it (cpns_vectors.mut.N.json,
# named in cpns_vectors.mut.index), each of which it must fail.  Without
# mutants (any ordinary run) there is nothing to do: SKIP.
cd "$(dirname "$0")" || exit 1
[ -r cpns_vectors.mut.index ] && [ -x ./cpns_vectors ] || {
	echo "1..0 # SKIP no mutants of the vectors (scripts/mutate-vectors.py ships them)"
	exit 4
}
# Each run in a network namespace of its own: a GW's outstanding requests
# are per namespace and would fill up (EBUSY) over a hundred runs.
run() {
	CPNS_VECTORS=$1 unshare -n ./cpns_vectors >/dev/null 2>&1
}
echo "TAP version 13"
echo "1..$(($(wc -l <cpns_vectors.mut.index) + 1))"
n=0
rc=0
while read -r i path; do
	n=$((n + 1))
	if run ./cpns_vectors.mut.$i.json; then
		echo "not ok $n mutant $i $path: cpns_vectors passed"
		rc=1
	else
		echo "ok $n mutant $i $path: cpns_vectors failed"
	fi
done <cpns_vectors.mut.index
# The control: after all of them, the vectors themselves still pass.
if run ./cpns_vectors.json; then
	echo "ok $((n + 1)) control: cpns_vectors passes on cpns_vectors.json"
else
	echo "not ok $((n + 1)) control: cpns_vectors fails on cpns_vectors.json"
	rc=1
fi
exit $rc
