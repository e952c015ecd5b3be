# SPDX-License-Identifier: GPL-2.0
#
# What the cpns_lifecycle*.sh tests share (sourced, bash, from
# selftests/): KTAP reporting by case, the nodes (lib/topology.sh: the
# server, the GW "gw" with the GwIDs gw-1, gw-3, gw-r and gw-unknown, the
# PNE; with LC_GW2=1 a second GW "gw2", GwID gw-2, linked to the server
# and the PNE), the manufacturer's list pne-1..pne-3, the users alice,
# bob and carol, and the helpers that run cpnsctl on a node and read
# what each node holds.  The server and the PNE listen on 0.0.0.0, so
# both GWs reach them.
#
#   lc_setup_case NAME       case 1: the nodes and their keys, or every
#                            case "not ok" and exit 1 (lib/ktap.sh's
#                            cases, checks and totals)
#   assign NODE GWID USER ENTITY PASSWORD CODE|-    gw assign: OUT, RC
#   deliver NODE ENTITY      gw deliver: OUT, RC
#   srv SUB ARGS...          cpnsctl server SUB ARGS --db: OUT, RC
#   expect_status, expect_refused, expect_unchanged (after snap), ...
#
# Each program sets TOPO_DIR (and LC_GW2) before sourcing this file.

TOPO_PREFIX="# "
TOPO_DIR=${TOPO_DIR:-/tmp/cpns-lifecycle}
. ./lib/ktap.sh
. ./lib/topology.sh
. ./lib/snapshot.sh
SNAP_NODES="gw ${LC_GW2:+gw2} pne server"

PLAN=$(($(grep -c "^case_end \"" "$0") + 1))	# + lc_setup_case
n=0
fails=0
TLOG=$TOPO_DIR.case.log
DB=$TOPO_DIR/server/cpns.db
SRV=$SERVER_ADDR:$SERVER_PORT
PNE=$PNE_ADDR:$PNE_PORT
GW2_SRV_ADDR=192.0.2.10
SERVER_ADDR2=192.0.2.9
GW2_PNE_ADDR=192.0.2.13
PNE_ADDR2=192.0.2.14
SRV2=$SERVER_ADDR2:$SERVER_PORT
PNE2=$PNE_ADDR2:$PNE_PORT
TOPO_UID[gw2]=10004

ktap_header "$PLAN"
command -v cpnsctl >/dev/null || ktap_skip_all "$PLAN" lifecycle "no cpnsctl"
cpnsctl server release --help >/dev/null 2>&1 ||
	ktap_skip_all "$PLAN" lifecycle "cpnsctl has no \`server release'"
for c in nsenter unshare keyctl ip od; do
	command -v $c >/dev/null || ktap_skip_all "$PLAN" lifecycle "no $c"
done

finish() {
	local pid=${TOPO_PID[gw2]:-}
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	topo_cleanup
	rm -rf "$TOPO_DIR"
}
trap finish EXIT

# ------------------------------------------------------------- helpers

# assign NODE GWID USER ENTITY PASSWORD CLAIMCODE|- : OUT, RC
assign() {
	local node=$1 gw=$2 user=$3 ent=$4 pw=$5 code=$6 cf= srv=$SRV
	[ "$node" = gw2 ] && srv=$SRV2
	local args=(--server "$srv" --gw-id "$gw" --user "$user" --entity "$ent"
		--password-file - --timeout 20)
	if [ "$code" != - ]; then
		cf=$(printf '%s' "$code" | node_file "$node" claim)
		args+=(--claim-code-file "$cf")
	fi
	OUT=$(printf '%s' "$pw" | on "$node" cpnsctl gw assign "${args[@]}" 2>&1)
	RC=$?
	[ -n "$cf" ] && rm -f "$cf"
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# deliver NODE ENTITY: OUT, RC
deliver() {
	local pne=$PNE
	[ "$1" = gw2 ] && pne=$PNE2
	OUT=$(on "$1" cpnsctl gw deliver --pne "$pne" --entity "$2" --timeout 20 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# srv SUBCOMMAND ARGS...: cpnsctl server SUBCOMMAND ... --db; OUT, RC
srv() {
	local sub=$1
	shift
	OUT=$(on server cpnsctl server "$sub" "$@" --db "$DB" 2>&1 </dev/null)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/# /' >>"$TLOG"
}

# The server's record of ENTITY: "owner epoch".
srec() {
	on_q server cpnsctl server list --db "$DB" | awk -v e="$1" '$1 == e { print $2, $3 }'
}
# expect_refused EXIT REGEX: the last command exited EXIT with that message
expect_refused() {
	expect_eq "exit code" "$1" "$RC"
	expect_line "message" "$2" "$OUT"
}
AUDIT='audit: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z uid=0\([^)]*\)'

# --------------------------------------------------------------- setup
setup() {
	local f e g
	topo_up || return 1
	if [ -n "${LC_GW2:-}" ]; then
		topo_node gw2 || return 1
		topo_link server veth-gw2 "$SERVER_ADDR2" gw2 veth-srv2 "$GW2_SRV_ADDR" || return 1
		topo_link gw2 veth-pne2 "$GW2_PNE_ADDR" pne veth-gw2b "$PNE_ADDR2" || return 1
	fi
	head -c 32 /dev/urandom | on server keyctl padd cpns master:store @u >/dev/null || return 1
	for e in 1 2 3; do
		head -c 32 /dev/urandom >"$TOPO_DIR/tk$e.bin"
	done
	f=$(for e in 1 2 3; do
		echo "pne-$e $(od -An -tx1 -v "$TOPO_DIR/tk$e.bin" | tr -d ' \n') CLAIM-CODE-000$e"
	done | node_file server list)
	LIST=$f
	on server cpnsctl server init --db "$DB" >/dev/null || return 1
	on server cpnsctl server import "$f" --db "$DB" >/dev/null || return 1
	for e in 1 2 3; do
		on pne keyctl padd cpns tk:pne-$e @u <"$TOPO_DIR/tk$e.bin" >/dev/null || return 1
	done
	rm -f "$TOPO_DIR"/tk*.bin
	# gw-1, gw-3, gw-r on the GW "gw"; gw-2 on "gw2"; gw-unknown never added.
	for g in gw-1:gw ${LC_GW2:+gw-2:gw2} gw-3:gw gw-r:gw; do
		head -c 32 /dev/urandom >"$TOPO_DIR/psk.bin"
		on server cpnsctl server add-gw ${g%%:*} --db "$DB" --psk-file - <"$TOPO_DIR/psk.bin" >/dev/null || return 1
		on ${g#*:} keyctl padd cpns psk:${g%%:*} @u <"$TOPO_DIR/psk.bin" >/dev/null || return 1
		[ ${g%%:*} = gw-r ] && cp "$TOPO_DIR/psk.bin" "$TOPO_DIR/psk-r-old.bin"
	done
	head -c 32 /dev/urandom | on gw keyctl padd cpns psk:gw-unknown @u >/dev/null || return 1
	rm -f "$TOPO_DIR/psk.bin"
	PW_ALICE='alice: correct horse'
	PW_BOB='bob-battery-staple'
	PW_CAROL='carol 4 ever'
	printf '%s' "$PW_ALICE" | on server cpnsctl server add-user alice --db "$DB" --password-file - >/dev/null || return 1
	printf '%s' "$PW_BOB" | on server cpnsctl server add-user bob --db "$DB" --password-file - >/dev/null || return 1
	printf '%s' "$PW_CAROL" | on server cpnsctl server add-user carol --db "$DB" --password-file - >/dev/null || return 1
	on_bg server server cpnsctl server run --listen "0.0.0.0:$SERVER_PORT" --db "$DB" --timeout 3
	topo_wait_listen server "$SERVER_PORT" || return 1
	on_bg pne pne cpnsctl pne listen --listen "0.0.0.0:$PNE_PORT" --timeout 3
	topo_wait_listen pne "$PNE_PORT" || return 1
	[ -n "${LC_GW2:-}" ] || return 0
	local i
	for i in $(seq 50); do
		on_q gw2 ping -c 1 -W 1 "$SERVER_ADDR2" >/dev/null 2>&1 &&
			on_q gw2 ping -c 1 -W 1 "$PNE_ADDR2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "gw2: links do not carry traffic" >&2
	return 1
}

lc_setup_case() {
	ktap_setup_case "$PLAN" "$1" setup
}

lc_finish() {
	ktap_finish "$PLAN"
}
