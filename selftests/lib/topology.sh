# SPDX-License-Identifier: GPL-2.0
#
# Three cpns nodes in one VM, for selftests/demo.sh and cpns_e2e.sh
# (sourced, bash).  Each node is a process that made its own user
# namespace owning its own network namespace (unshare -U -r -n):
#
#  +---------------------------+   +------------------------------+   +---------------------------+
#  | server  (userns + netns)  |   | gw  (userns + netns)         |   | pne  (userns + netns)     |
#  |  @u: master:store, psk:GW |   |  @u: psk:GW                  |   |  @u: tk:ENTITY            |
#  |                           |   |  store: chain:ENTITY         |   |  store: euk:ENTITY        |
#  |  cpnsctl server run :7000 |   |  cpnsctl gw assign / deliver |   |  cpnsctl pne listen :7100 |
#  |                           |   |                              |   |                           |
#  |  veth-gw  192.0.2.1/30 ---+---+-- veth-srv 192.0.2.2/30      |   |                           |
#  |                           |   |   veth-pne 192.0.2.5/30 -----+---+-- veth-gw 192.0.2.6/30    |
#  +---------------------------+   +------------------------------+   +---------------------------+
#
# Why this isolates the keys: network namespaces do not separate keyrings,
# but user namespaces and uids do.  Each node is a user namespace whose
# root is mapped to a uid of its own outside (server 10001, gw 10002,
# pne 10003; written to uid_map/gid_map by the VM's root), so:
#  - each node's keys belong to a different kernel uid: another node
#    matches neither their possessor nor their user permission bits, and
#    each node has its own key quota;
#  - since Linux 5.3 the user keyring (@u) and user-session keyring (@us)
#    of a uid are registered in its user namespace: each node's root has
#    an @u of its own that the other nodes cannot name;
#  - no node installs a session keyring (the VM's init has none), so @s
#    falls back to the node's own @us, which links its @u: a node possesses
#    its own keys (keyctl print fails with ENOKEY, no wrapping key, not
#    EACCES), and
#    nothing of the others'.
# Root inside each user namespace holds CAP_NET_ADMIN over the network
# namespace it owns, which is what the module asks when it is loaded with
# userns=1 (GENL_UNS_ADMIN_PERM); by default it asks CAP_NET_ADMIN in the
# initial user namespace, which no node has.  topo_up therefore loads
# cpns.ko with userns=1 (reloading it if it was loaded without), and
# topo_cleanup loads it back with its defaults, for the tests that follow.
#
# Commands run in a node by re-entering both namespaces of its holder
# process with busybox nsenter (-F: no fork, so a daemon's pid is $!),
# which makes them uid 0 of that namespace.  $TOPO_DIR/NODE is a
# directory that node's root owns (its database, its captures).
#
#   topo_up                 build the three nodes and the links
#   on NODE CMD...          print "[+] NODE: CMD" and run CMD in NODE
#   on_q NODE CMD...        the same, without printing
#   on_bg NODE NAME CMD...  start CMD in NODE in the background, output in
#                           $TOPO_DIR/NAME.log, pid in $TOPO_DIR/NAME.pid
#   topo_stop NAME          stop it (SIGTERM, then SIGKILL) and wait
#   topo_wait_listen NODE PORT   wait until a TCP socket listens on PORT
#   topo_cleanup            (trap on EXIT) stop everything, remove the nodes
#   topo_trap_exit          trap EXIT: topo_cleanup, then remove $TOPO_DIR
#   node_file NODE NAME     stdin into $TOPO_DIR/NODE/NAME, which only
#                           NODE's root can read; prints its path
#
# Settings: TOPO_PREFIX is printed before each "[+]" line (cpns_e2e.sh sets
# "# " to keep its output KTAP); TOPO_LOG, when set, receives those lines
# instead of stdout.

TOPO_DIR=${TOPO_DIR:-/tmp/cpns-topo}
TOPO_PREFIX=${TOPO_PREFIX:-}
TOPO_LOG=${TOPO_LOG:-}

SERVER_ADDR=192.0.2.1
GW_SRV_ADDR=192.0.2.2
GW_PNE_ADDR=192.0.2.5
PNE_ADDR=192.0.2.6
SERVER_PORT=7000
PNE_PORT=7100

declare -A TOPO_PID=()
TOPO_BG=()

topo_say() {
	if [ -n "$TOPO_LOG" ]; then
		printf '%s[+] %s\n' "$TOPO_PREFIX" "$*" >>"$TOPO_LOG"
	else
		printf '%s[+] %s\n' "$TOPO_PREFIX" "$*"
	fi
}

# "[+] GW: keyctl show @u"; printf %q only where a word needs quoting.
topo_cmdline() {
	local w out=
	for w in "$@"; do
		case $w in
		'' | *[!A-Za-z0-9_./:@=,+%-]*) out="$out $(printf '%q' "$w")" ;;
		*) out="$out $w" ;;
		esac
	done
	printf '%s' "${out# }"
}

topo_enter() {
	local node=$1
	shift
	local pid=${TOPO_PID[$node]:-}
	[ -n "$pid" ] || {
		echo "topology: no node \`$node'" >&2
		return 2
	}
	nsenter -F -t "$pid" -U -n -S 0 -G 0 -- "$@"
}

on() {
	local node=$1
	shift
	topo_say "$(echo "$node" | tr a-z A-Z): $(topo_cmdline "$@")"
	topo_enter "$node" "$@"
}

on_q() {
	topo_enter "$@"
}

# The serial of the held key DESC (chain:X, euk:X) of NODE: it lives in the
# module's store for NODE's network namespace, the keyring
# ".cpns:net:[<inode>]" that /proc/keys shows, not in @u.
topo_held_key() {
	topo_enter "$1" sh -c '. "$0"; held_serial "$1"' "$TOPO_HELD_SH" "$2"
}
TOPO_HELD_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/held.sh

on_bg() {
	local node=$1 name=$2
	shift 2
	topo_say "$(echo "$node" | tr a-z A-Z): $(topo_cmdline "$@") &"
	# nsenter itself in the background (not a function, which would run
	# in a subshell): with -F it becomes CMD, so $! is CMD's pid.
	nsenter -F -t "${TOPO_PID[$node]}" -U -n -S 0 -G 0 -- "$@" \
		>"$TOPO_DIR/$name.log" 2>&1 </dev/null &
	echo $! >"$TOPO_DIR/$name.pid"
	TOPO_BG+=("$name")
}

topo_stop() {
	local name=$1 pid i
	[ -e "$TOPO_DIR/$name.pid" ] || return 0
	pid=$(cat "$TOPO_DIR/$name.pid")
	rm -f "$TOPO_DIR/$name.pid"
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Is anything listening on TCP PORT in NODE's network namespace?
topo_listening() {
	local hex
	hex=$(printf '%04X' "$2")
	on_q "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

topo_wait_listen() {
	local i
	for i in $(seq 100); do
		topo_listening "$1" "$2" && return 0
		sleep 0.1
	done
	echo "topology: nothing listens on $1 port $2 after 10 s" >&2
	return 1
}

declare -A TOPO_UID=([server]=10001 [gw]=10002 [pne]=10003)

topo_node() {
	local node=$1 pid i own uid=${TOPO_UID[$1]}
	own=$(readlink /proc/self/ns/net)
	topo_say "VM: unshare -U -n sleep &  ($node: root inside = uid $uid outside)"
	unshare -U -n sleep 1000000 </dev/null >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do
		if [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" != "$own" ] &&
			[ "$(readlink /proc/$pid/ns/user 2>/dev/null)" != "$(readlink /proc/self/ns/user)" ]; then
			echo "0 $uid 1" >/proc/$pid/uid_map
			echo "0 $uid 1" >/proc/$pid/gid_map
			TOPO_PID[$node]=$pid
			echo "$pid" >"$TOPO_DIR/node-$node.pid"
			mkdir -p "$TOPO_DIR/$node"
			chown "$uid:$uid" "$TOPO_DIR/$node"
			chmod 0700 "$TOPO_DIR/$node"
			on "$node" ip link set lo up
			return 0
		fi
		sleep 0.05
	done
	echo "topology: node $node did not come up" >&2
	return 1
}

# link NODE_A IF_A ADDR_A NODE_B IF_B ADDR_B: a veth pair between two nodes
topo_link() {
	local a=$1 ia=$2 xa=$3 b=$4 ib=$5 xb=$6
	topo_say "VM: ip link add $ia type veth peer name $ib"
	ip link add "$ia" type veth peer name "$ib"
	topo_say "VM: ip link set $ia netns ${TOPO_PID[$a]}  ($a)"
	ip link set "$ia" netns "${TOPO_PID[$a]}"
	topo_say "VM: ip link set $ib netns ${TOPO_PID[$b]}  ($b)"
	ip link set "$ib" netns "${TOPO_PID[$b]}"
	on "$a" ip addr add "$xa/30" dev "$ia"
	on "$a" ip link set "$ia" up
	on "$b" ip addr add "$xb/30" dev "$ib"
	on "$b" ip link set "$ib" up
}

topo_up() {
	rm -rf "$TOPO_DIR"
	mkdir -p "$TOPO_DIR"
	chmod 0755 "$TOPO_DIR"
	# The module is loaded from the VM's own namespaces once, with
	# userns=1; each node then resolves the family "cpns" from its own
	# network namespace.
	if [ "$(cat /sys/module/cpns/parameters/userns 2>/dev/null)" != Y ]; then
		modprobe -r cpns 2>/dev/null
		topo_say "VM: modprobe cpns userns=1"
		modprobe cpns userns=1
		TOPO_RELOADED=1
	fi
	topo_node server
	topo_node gw
	topo_node pne
	topo_link server veth-gw "$SERVER_ADDR" gw veth-srv "$GW_SRV_ADDR"
	topo_link gw veth-pne "$GW_PNE_ADDR" pne veth-gw "$PNE_ADDR"
	# Wait for the links to carry traffic (no DAD on /30 IPv4, but the
	# veth carrier comes up asynchronously).
	local i
	for i in $(seq 50); do
		on_q gw ping -c 1 -W 1 "$SERVER_ADDR" >/dev/null 2>&1 &&
			on_q gw ping -c 1 -W 1 "$PNE_ADDR" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "topology: links do not carry traffic" >&2
	return 1
}

topo_cleanup() {
	local n pid
	set +e
	for n in "${TOPO_BG[@]}"; do
		topo_stop "$n"
	done
	for n in server gw pne; do
		pid=${TOPO_PID[$n]:-}
		[ -n "$pid" ] || continue
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	TOPO_PID=()
	TOPO_BG=()
	if [ -n "${TOPO_RELOADED:-}" ]; then
		modprobe -r cpns && modprobe cpns
		TOPO_RELOADED=
	fi
}

topo_trap_exit() {
	trap 'topo_cleanup; rm -rf "$TOPO_DIR"' EXIT
}

node_file() {
	local f=$TOPO_DIR/$1/$2
	cat >"$f"
	chown "${TOPO_UID[$1]}:${TOPO_UID[$1]}" "$f"
	chmod 0600 "$f"
	echo "$f"
}

# ------------------------------------------------------------------ relay
# topo_relay NODE NAME LPORT DADDR DPORT MODE
#   A one-connection TCP relay in NODE on port LPORT, standing in for
#   the network between the GW and its peer.  It reads one whole frame
#   (12-byte header, then the body length it announces), keeps it as
#   $TOPO_DIR/relay-NAME/frame, and then, as MODE says:
#     forward  sends it to DADDR:DPORT and passes the answer back
#     hold     the same, but first creates .../held and waits for .../go,
#              then, the answer received, creates .../answered and waits
#              for .../go2 before passing it back (the caller changes the
#              world around the peer's handling of it: the clock)
#     dup      sends it to DADDR:DPORT twice, one connection each: the
#              first answer is kept as .../first, never passed back;
#              creates .../held, waits for .../go; the second answer is
#              passed back
#     drop     forwards it, keeps the answer as .../answer and closes the
#              client's connection without passing it back (a lost answer)
#     tamper   flips the last byte of the frame, then forwards it
#   Every answer received is also kept as .../answer.
TOPO_LIB=$(readlink -f "${BASH_SOURCE[0]}")

topo_relay() {
	local node=$1 name=$2 lport=$3 daddr=$4 dport=$5 mode=$6
	local d=$TOPO_DIR/relay-$name
	rm -rf "$d"
	mkdir -p "$d"
	chown "${TOPO_UID[$node]}:${TOPO_UID[$node]}" "$d"
	on_bg "$node" "relay-$name" nc -l -p "$lport" -e bash -c \
		'. "$0"; topo_relay_child "$@"' "$TOPO_LIB" "$daddr" "$dport" "$mode" "$d"
	topo_wait_listen "$node" "$lport"
}

# One frame from stdin, whole, to stdout.  dd bs=1 reads byte by byte:
# head -c (stdio) would read past the frame and lose the rest.
topo_read_frame() {
	local hdr=$1 len
	dd bs=1 count=12 of="$hdr.h" 2>/dev/null
	len=$(od -An -tu1 -j8 -N4 "$hdr.h" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
	cat "$hdr.h"
	[ -n "$len" ] && [ "$len" -le 4084 ] && dd bs=1 count="$len" 2>/dev/null
	rm -f "$hdr.h"
}

# Send file $3 to $1:$2 on a new connection; the whole answer on stdout.
topo_exchange() {
	local fd
	exec {fd}<>"/dev/tcp/$1/$2" || return 1
	cat "$3" >&$fd
	# The peer answers one frame and closes: read to the end.
	cat <&$fd
	exec {fd}>&-
}

topo_wait_file() {
	local i
	for i in $(seq 600); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "relay: no $1 after 30 s" >&2
	return 1
}

topo_relay_child() {
	local daddr=$1 dport=$2 mode=$3 d=$4
	topo_read_frame "$d/x" >"$d/frame"
	echo "relay: got a frame of $(wc -c <"$d/frame") bytes" >&2
	case $mode in
	hold)
		: >"$d/held"
		topo_wait_file "$d/go"
		;;
	tamper)
		local len last
		len=$(wc -c <"$d/frame")
		last=$(od -An -tu1 -j$((len - 1)) -N1 "$d/frame" | tr -d ' ')
		head -c $((len - 1)) "$d/frame" >"$d/frame.t"
		printf "\\$(printf '%03o' $((last ^ 1)))" >>"$d/frame.t"
		mv "$d/frame.t" "$d/frame"
		;;
	dup)
		topo_exchange "$daddr" "$dport" "$d/frame" >"$d/first"
		: >"$d/held"
		topo_wait_file "$d/go"
		;;
	esac
	topo_exchange "$daddr" "$dport" "$d/frame" >"$d/answer"
	echo "relay: got an answer of $(wc -c <"$d/answer") bytes" >&2
	if [ "$mode" = hold ]; then
		: >"$d/answered"
		topo_wait_file "$d/go2"
	fi
	[ "$mode" = drop ] || cat "$d/answer"
	: >"$d/done"
}

# The bytes of a file as hex, space-separated ("43 50 4e 53 ...").
topo_hex() {
	od -An -tx1 -v "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}
