# SPDX-License-Identifier: GPL-2.0
#
# A CPNS Server cluster for cpns_cluster*.sh (sourced, bash): three
# `cpnsctl server run` instances, each in a network namespace of its own
# (s1, s2, s3) and a session keyring of its own, on one PostgreSQL store
# (a cluster of the test's own, lib/pg.sh, reached by every namespace over
# its Unix socket).  master:store is made once in the kernel and each
# instance loads it from its sealed blob, so that what one sealed the
# others open.  Two GW namespaces (g1, g2) reach every instance over veth
# pairs: from gN, instance sM is $(ADDR gN sM) = 10.9.(3*(N-1)+M).2.
#
#   cluster_begin PLAN   KTAP header, skip (exit 4) without the tools,
#                        then the whole setup as case 1
#   assign G S USER ENTITY [ARGS...]   one `gw assign` from gG to sS (or
#                        to $SERVER), its status word on stdout
#   srv_start N, srv_kill N            an instance up, or killed (-9)
#   srv_conns N          the connection processes instance N has forked
#                        and not yet reaped: the slots of --max-conns it
#                        counts as taken
#   mark, since          the lines the instances logged since mark
#   psql_ SQL            a query on the store
#   ok, fail, ktap_finish  KTAP (lib/ktap.sh)
. ./lib/ktap.sh
. ./lib/pg.sh

D=$(mktemp -d /tmp/cpns-cluster.XXXXXX)
chmod 0755 "$D"
SRV_PIDS=()

cleanup() {
	local p
	for p in "${SRV_PIDS[@]}"; do
		[ -n "$p" ] && kill -KILL -- -"$p" 2>/dev/null
	done
	# The test's own background processes (a connection held open).
	for p in $(jobs -p); do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for ns in s1 s2 s3 g1 g2; do
		ip netns del $ns 2>/dev/null
	done
	pg_stop
	rm -rf "$D"
}
trap cleanup EXIT


T0=$(date +%s)
# Seconds since the start, for the log.
elapsed() { echo "# $(($(date +%s) - T0)) s: $*"; }
# ------------------------------------------------------------------ setup
# s1..s3: one instance each; g1, g2: GWs, linked to every instance.
# From gN, instance sM is 10.9.(3*(N-1)+M).2.
ADDR() { echo "10.9.$((3 * (${1#g} - 1) + ${2#s})).2"; }
net_up() {
	local g s i
	for ns in s1 s2 s3 g1 g2; do
		ip netns add $ns || return 1
		ip -n $ns link set lo up
	done
	for g in g1 g2; do
		for s in s1 s2 s3; do
			i=$((3 * (${g#g} - 1) + ${s#s}))
			ip link add v$i-g netns $g type veth peer name v$i-s netns $s || return 1
			ip -n $g addr add 10.9.$i.1/24 dev v$i-g
			ip -n $s addr add 10.9.$i.2/24 dev v$i-s
			ip -n $g link set v$i-g up
			ip -n $s link set v$i-s up
		done
	done
}

listening() { # NS PORT
	ip netns exec "$1" awk -v p=":$(printf '%04X' "$2")" \
		'$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' /proc/net/tcp
}

# Instance N: its own session keyring (linked to @u for the wrapping key),
# master:store and the PSK1s loaded from their blobs, `server run` in sN,
# in a session of its own.  Started from a subshell, so that it is not a
# child of this shell: a bare `wait' waits for the clients only.
srv_start() {
	local i=$1
	(ip netns exec s$i setsid bash -c '
		keyctl session - bash -c "
			keyctl link @u @s >/dev/null &&
			keyctl add cpns master:store \"load \$(cat $0/master.blob)\" @s >/dev/null &&
			for g in gw1 gw2 gw-rl gw-many; do
				keyctl padd cpns psk:\$g @s <$0/psk-\$g >/dev/null || exit 1
			done &&
			exec cpnsctl server run --listen 0.0.0.0:7000 --db \"$1\" --keyring @s \
				--chain-length 8 --timeout 5 $2"' "$D" "$PG_URI" "${SRV_EXTRA:-}" \
		>>"$D/s$i.log" 2>&1 </dev/null &
	echo $! >"$D/s$i.pid")
	SRV_PIDS[$i]=$(cat "$D/s$i.pid")
	local t
	for t in $(seq 200); do
		listening s$i 7000 && return 0
		sleep 0.1
	done
	echo "# instance $i did not listen:"
	sed 's/^/#   /' "$D/s$i.log"
	return 1
}

srv_kill() { # N: the instance and every connection process it forked
	local p=${SRV_PIDS[$1]} t
	kill -KILL -- -"$p" 2>/dev/null
	for t in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	SRV_PIDS[$1]=
}

# The processes of instance N's process group named cpnsctl, less the
# daemon itself: each connection it accepted and has not reaped (a zombie
# too: its slot is freed when the daemon reaps it).  The daemon records a
# slot before its next accept(), so a connection process seen here is
# counted for every connection accepted after.
srv_conns() {
	local p=${SRV_PIDS[$1]}
	[ -n "$p" ] || { echo 0; return; }
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v g="$p" '$2 == "(cpnsctl)" && $5 == g { n++ } END { print n - 1 }'
}

# assign G S USER ENTITY [--claim-code-file F] ...: one `gw assign` from
# GW namespace gG (GW id gwG unless GWID is set) to instance sS; its
# output in $D/out.XXXXXX (its exit code in $D/rc.XXXXXX, the file's name
# in $D/last, read by last_out), its status word on stdout.
assign() {
	local g=$1 s=$2 u=$3 e=$4 out
	shift 4
	out=$(mktemp "$D/out.XXXXXX")
	printf '%s\n' "$out" >"$D/last"
	ip netns exec g$g cpnsctl gw assign --server "${SERVER:-$(ADDR g$g s$s):7000}" \
		--gw-id "${GWID:-gw$g}" --user "$u" --entity "$e" \
		--password-file "$D/pw-$u" --timeout 60 "$@" >"$out" 2>&1
	echo $? >"$D/rc.${out##*/out.}"
	sed -n 's/^status: \([A-Z_]*\).*/\1/p' "$out" | head -n 1 | grep . ||
		echo "none:$(tail -n 1 "$out" | tr ' ' _)"
}

# The output file of the last assign (not the newest by mtime: two files
# written within one tick of the kernel's coarse clock have the same one).
last_out() { cat "$D/last"; }

setup() {
	local i e
	net_up || return 1
	pg_start "$D/pg" || return 1
	cpnsctl server init --db "$PG_URI" >"$D/setup.log" 2>&1 || return 1
	elapsed "PostgreSQL up, store initialised"
	# The wrapping key, then master:store made in the kernel: its blob is
	# all the other instances get.
	keyctl add logon cpns:wrap "$(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n')" @u >/dev/null || return 1
	keyctl session - bash -c "
		keyctl link @u @s >/dev/null &&
		id=\$(keyctl add cpns master:store new @s) &&
		keyctl pipe \$id >'$D/master.blob' &&
		for g in gw1 gw2 gw-rl gw-many; do
			head -c 32 /dev/urandom >'$D/psk-'\$g &&
			cpnsctl server add-gw \$g --db '$PG_URI' --keyring @s \
				--psk-file '$D/psk-'\$g >/dev/null || exit 1
		done &&
		for u in alice bob eve u1 u2 u3 u4 u5; do
			echo \"password of \$u\" >'$D/pw-'\$u &&
			cpnsctl server add-user \$u --db '$PG_URI' --keyring @s \
				--password-file '$D/pw-'\$u >/dev/null || exit 1
		done" >>"$D/setup.log" 2>&1 || return 1
	echo "wrong password" >"$D/pw-wrong"
	# The GWs' side of PSK1, in @u.
	for g in gw1 gw2 gw-rl gw-many; do
		keyctl padd cpns psk:$g @u <"$D/psk-$g" >/dev/null || return 1
	done
	# The manufacturer's list: c-1..c-50 (claims), e-1 (epochs),
	# k-1..k-12 (kill), r-1 (restart), l-1 (--server list), q-1 (rate
	# limits), b-1..b-6 (make bench).
	echo CLAIM-OK-1 >"$D/claim"
	for e in $(seq 50 | sed 's/^/c-/') e-1 $(seq 12 | sed 's/^/k-/') r-1 l-1 q-1 $(seq 6 | sed 's/^/b-/'); do
		echo "$e $(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n') CLAIM-OK-1"
	done >"$D/list"
	keyctl session - bash -c "
		keyctl link @u @s >/dev/null &&
		keyctl add cpns master:store \"load \$(cat '$D/master.blob')\" @s >/dev/null &&
		cpnsctl server import '$D/list' --db '$PG_URI' --keyring @s" \
		>>"$D/setup.log" 2>&1 || return 1
	elapsed "keys, GWs, users, list imported"
	for i in 1 2 3; do
		srv_start $i || return 1
	done
}

# The lines each instance logged since mark().
declare -A MARK=()
mark() {
	local f
	for f in "$D"/s1.log "$D"/s2.log "$D"/s3.log; do
		MARK[$f]=$(grep -c ' -> ' "$f")
	done
}
since() {
	local f
	for f in "$D"/s1.log "$D"/s2.log "$D"/s3.log; do
		grep ' -> ' "$f" | tail -n +$((${MARK[$f]} + 1))
	done
}
cluster_begin() {
	PLAN=$1
	ktap_header
	command -v cpnsctl >/dev/null || ktap_skip_plan "no cpnsctl"
	modprobe cpns 2>/dev/null || ktap_skip_plan "no cpns module"
	pg_available || ktap_skip_plan "no PostgreSQL in $PG_BIN"
	local c
	for c in ip keyctl nc setsid od; do
		command -v $c >/dev/null || ktap_skip_plan "no $c"
	done
	echo "1..$PLAN"
	if setup; then
		ok "setup: PostgreSQL, server init, master:store made once and loaded from its blob by 3 instances in 3 namespaces"
	else
		sed 's/^/#   /' "$D/setup.log"
		[ -e "$PG_DIR/server.log" ] && tail -n 20 "$PG_DIR/server.log" | sed 's/^/#   pg: /'
		fail "setup"
		ktap_fail_rest "$PLAN" "skipped: setup failed"
		exit 1
	fi
	elapsed "setup"
}

psql_() { pg_psql "$@" 2>&1; }

