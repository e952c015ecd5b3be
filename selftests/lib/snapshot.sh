#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the end-to-end programs (cpns_e2e.sh, cpns_lifecycle*.sh) read of
# the nodes, sourced after lib/topology.sh and lib/ktap.sh:
#   kmeta NODE DESC         the public metadata of NODE's cpns key DESC, as
#                           NODE sees it in /proc/keys ("E=1 n=64
#                           delivered=0 id=..."), or "none";
#   kfield NODE DESC F...   fields of it, space-separated (E n i delivered id);
#   snap, expect_unchanged  everything the nodes of $SNAP_NODES (default
#                           "gw pne server") hold — their cpns keys and the
#                           server's store $DB — taken before a refusal and
#                           compared after it;
#   expect_status STATUS [unverified]
#                           the GW's output ($OUT) ends with that status and
#                           its exit code ($RC) is 0 for OK, 1 otherwise.

kmeta() {
	on_q "$1" cat /proc/keys | awk -v d="$2:" '
		$8 == "cpns" && $9 == d { for (i = 10; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : ""); f = 1; print "" }
		END { if (!f) print "none" }'
}
kfield() {
	local m f out=
	m=$(kmeta "$1" "$2")
	shift 2
	for f in "$@"; do
		out="$out $(printf '%s\n' $m | sed -n "s/^$f=//p")"
	done
	echo "${out# }"
}

snapshot() {
	local node
	for node in ${SNAP_NODES:-gw pne server}; do
		echo "== $node keys"
		on_q "$node" cat /proc/keys | awk '$8 == "cpns" { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' | sort
	done
	echo "== server list"
	on_q server cpnsctl server list --db "$DB"
}
SNAP=
snap() { SNAP=$(snapshot); }
expect_unchanged() {
	local now
	now=$(snapshot)
	[ "$now" = "$SNAP" ] && return 0
	why "something changed; before vs after:"
	printf '%s\n' "$SNAP" >"$TOPO_DIR/snap.before"
	printf '%s\n' "$now" >"$TOPO_DIR/snap.after"
	why "$(diff "$TOPO_DIR/snap.before" "$TOPO_DIR/snap.after" | sed 's/^/    /')"
	return 1
}

expect_status() {
	local want="status: $1"
	[ "${2:-}" = unverified ] && want="$want (unverified)"
	expect_line "gw assign" "$(printf '%s' "$want" | sed 's/[()]/\\&/g')" "$OUT" || return 1
	[ "$1" = OK ] && [ "$RC" != 0 ] && why "exit code $RC for OK"
	[ "$1" != OK ] && [ "$RC" != 1 ] && why "exit code: expected 1, actual $RC"
	return 0
}
