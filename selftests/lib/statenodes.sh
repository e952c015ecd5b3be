# SPDX-License-Identifier: GPL-2.0
#
# Three cpns nodes as network namespaces of the VM, run as the VM's root,
# each with a keyring of its own and a state directory $M/NODE/keys that
# cpnsctl keeps current (sourced by cpns_reboot.sh and cpns_crashlag.sh,
# bash).  Unlike lib/topology.sh, whose nodes are user namespaces, these
# are in the initial user namespace: restoring a held key (chain:, euk:)
# needs CAP_SYS_ADMIN there (CPNS_CMD_KEY_LOAD).
#
#   srv  192.0.2.1 --- 192.0.2.2  gw  192.0.2.5 --- 192.0.2.6  pne
#
# Set before sourcing: M (the mount point of the disk), LOG (a scratch
# directory in /tmp).  Sources lib/ktap.sh (case_begin, why, expect_*,
# case_end).
NODES="srv gw pne"
SRV=192.0.2.1:7000
PNE=192.0.2.6:7100
PW='alice: correct horse'

. "$(dirname "${BASH_SOURCE[0]}")/ktap.sh"
HELD_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/held.sh
. "$HELD_SH"

# on NODE CMD...: CMD in NODE's network namespace with its state directory.
on() {
	local node=$1
	shift
	ip netns exec "$node" env CPNS_STATE_DIR=$M/$node/keys "$@"
}
ring() { cat "$LOG/ring-$1"; }
# The held key DESC of NODE's store (its network namespace's).
held_meta() {
	local s
	s=$(on "$1" sh -c '. "$0"; held_serial "$1"' "$HELD_SH" "$2") || {
		echo none
		return
	}
	key_meta "$(printf '%08x' "$s")" </proc/keys
}
# key_meta SERIAL: what ->describe shows after the description of the key
# SERIAL (hex, as /proc/keys has it) in the /proc/keys text on stdin.  The
# serial is compared as a string ($1 ""): busybox awk, the VM's, compares
# two fields that look like numbers as numbers, and a serial such as
# 2698e510 is the number 2698e510 = inf, which inf - inf = NaN makes
# unequal to itself (selftests/host/proc_keys.sh).
key_meta() {
	awk -v k="$1" '$1 "" == k { for (i = 10; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : ""); print "" }'
}
# The live cpns keys: /proc/keys also lists a key whose last reference
# went (usage 0, column 3) until the kernel's key garbage collector, a
# work item, frees it; so wait for the collector (10 s at most) and count
# only keys still referenced.
keys_settled() {
	local i
	for i in $(seq 100); do
		awk '$3 == 0 { z = 1 } END { exit !z }' /proc/keys || return 0
		sleep 0.1
	done
	echo "# keys of usage 0 still in /proc/keys after 10 s" >&2
	return 1
}
cpns_key_count() {
	keys_settled
	awk '$8 == "cpns" && $3 > 0' /proc/keys | wc -l
}

mount_disk() {
	local i
	modprobe virtio_pci 2>/dev/null
	modprobe virtio_blk 2>/dev/null
	modprobe ext4 2>/dev/null
	for i in $(seq 50); do
		[ -b /dev/vda ] && break
		sleep 0.1
	done
	[ -b /dev/vda ] || return 1
	mkdir -p $M
	mount -t ext4 /dev/vda $M
}

nodes_up() {
	local node
	for node in $NODES; do
		ip netns add $node || return 1
		ip -n $node link set lo up
		keyctl newring "node-$node" @u >"$LOG/ring-$node" || return 1
	done
	ip link add veth-gw type veth peer name veth-srv
	ip link set veth-gw netns srv
	ip link set veth-srv netns gw
	ip link add veth-pne type veth peer name veth-gw2
	ip link set veth-pne netns gw
	ip link set veth-gw2 netns pne
	ip -n srv addr add 192.0.2.1/30 dev veth-gw
	ip -n gw addr add 192.0.2.2/30 dev veth-srv
	ip -n gw addr add 192.0.2.5/30 dev veth-pne
	ip -n pne addr add 192.0.2.6/30 dev veth-gw2
	ip -n srv link set veth-gw up
	ip -n gw link set veth-srv up
	ip -n gw link set veth-pne up
	ip -n pne link set veth-gw2 up
	for i in $(seq 50); do
		on gw ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1 &&
			on gw ping -c 1 -W 1 192.0.2.6 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

listening() {
	local hex i
	hex=$(printf '%04X' "$2")
	for i in $(seq 100); do
		on "$1" cat /proc/net/tcp | awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' &&
			return 0
		sleep 0.1
	done
	return 1
}

DAEMONS=
# ip netns exec itself in the background, not the function on (which would
# run in a subshell): with exec it becomes the daemon, so $! is its pid.
daemons_up() {
	ip netns exec srv env CPNS_STATE_DIR=$M/srv/keys cpnsctl server run --listen $SRV \
		--db $M/srv/cpns.db --keyring "$(ring srv)" --timeout 10 \
		>>"$LOG/server.log" 2>&1 </dev/null &
	DAEMONS="$DAEMONS $!"
	ip netns exec pne env CPNS_STATE_DIR=$M/pne/keys ${PNE_ENV:+$PNE_ENV} cpnsctl pne listen \
		--listen $PNE --keyring "$(ring pne)" --timeout 10 >>"$LOG/pne.log" 2>&1 </dev/null &
	DAEMONS="$DAEMONS $!"
	listening srv 7000 && listening pne 7100
}
daemons_kill() {
	local p
	for p in $DAEMONS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	DAEMONS=
}

nodes_down() {
	local node
	daemons_kill
	for node in $NODES; do
		ip netns del $node 2>/dev/null
	done
}

# assign [--claim]: OUT, RC
assign() {
	local extra=()
	if [ "${1:-}" = --claim ]; then
		printf 'CLAIM-CODE-0001' >"$LOG/claim"
		extra=(--claim-code-file "$LOG/claim")
	fi
	OUT=$(printf '%s' "$PW" | on gw cpnsctl gw assign --server $SRV --gw-id gw-1 \
		--user alice --entity pne-1 --password-file - --keyring "$(ring gw)" \
		--timeout 20 "${extra[@]}" 2>&1)
	RC=$?
}
deliver() {
	OUT=$(on gw cpnsctl gw deliver --pne $PNE --entity pne-1 --keyring "$(ring gw)" \
		--timeout "${GW_TIMEOUT:-20}" 2>&1)
	RC=$?
}

# The state line of NODE's key file DESC.
file_state() { sed -n 's/^state //p' "$M/$1/keys/$2" 2>/dev/null; }

cleanup() {
	local r
	nodes_down
	for r in $LOG/ring-*; do
		[ -e "$r" ] && keyctl unlink "$(cat "$r")" @u >/dev/null 2>&1
	done
	r=$(keyctl search @u logon cpns:wrap 2>/dev/null) && keyctl unlink "$r" @u >/dev/null
	mountpoint -q $M && umount $M
}

# The three nodes, provisioned: the server's master key (keys new-master,
# saved), the manufacturer's list, gw-1's PSK1 (add-gw saves it), a user;
# the GW's PSK1 and the PNE's TK, saved with keys save.  Records failures
# with why.
provision() {
	local node out
	nodes_up || why "nodes up"
	for node in $NODES; do
		mkdir -p $M/$node
	done
	# The server: a new master key (saved), the manufacturer's list, gw-1's
	# PSK1 (add-gw saves it), a user.  The GW: the same PSK1; the PNE: its TK.
	out=$(on srv cpnsctl keys new-master store --keyring "$(ring srv)" 2>&1) ||
		why "keys new-master: $out"
	expect_line "new-master" "saved master:store in $M/srv/keys" "$out"
	expect_eq "srv keys dir mode" 700 "$(stat -c %a $M/srv/keys)"
	head -c 32 /dev/urandom >"$LOG/psk"
	head -c 20 /dev/urandom >"$LOG/tk"
	echo "pne-1 $(od -An -tx1 -v "$LOG/tk" | tr -d ' \n') CLAIM-CODE-0001" >"$LOG/list"
	on srv cpnsctl server init --db $M/srv/cpns.db >/dev/null || why "server init"
	on srv cpnsctl server import "$LOG/list" --db $M/srv/cpns.db --keyring "$(ring srv)" >/dev/null ||
		why "server import"
	out=$(on srv cpnsctl server add-gw gw-1 --db $M/srv/cpns.db --psk-file "$LOG/psk" \
		--keyring "$(ring srv)" 2>&1) || why "add-gw: $out"
	printf '%s' "$PW" | on srv cpnsctl server add-user alice --db $M/srv/cpns.db \
		--password-file - --keyring "$(ring srv)" >/dev/null || why "add-user"
	keyctl padd cpns psk:gw-1 "$(ring gw)" <"$LOG/psk" >/dev/null || why "GW psk"
	keyctl padd cpns tk:pne-1 "$(ring pne)" <"$LOG/tk" >/dev/null || why "PNE tk"
	rm -f "$LOG/psk" "$LOG/tk" "$LOG/list"
	mkdir -m 0700 $M/gw/keys $M/pne/keys
	for node in gw pne; do
		out=$(on $node cpnsctl keys save --keyring "$(ring $node)" 2>&1) ||
			why "keys save on $node: $out"
	done
	expect_eq "srv state files" "master:store psk:gw-1" "$(ls $M/srv/keys | paste -sd ' ')"
	expect_eq "gw state files" "psk:gw-1" "$(ls $M/gw/keys | paste -sd ' ')"
	expect_eq "pne state files" "tk:pne-1" "$(ls $M/pne/keys | paste -sd ' ')"
}
