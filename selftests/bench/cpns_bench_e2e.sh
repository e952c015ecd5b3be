#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cpns_bench_e2e (make bench, after cpns_bench): P4 of issue 12, the
# daemons end to end.  Three nodes (selftests/lib/topology.sh): the server
# runs `cpnsctl server run', the PNE `cpnsctl pne listen', as they ship,
# but for the PNE's --max-per-source, raised from 4 to 16: every client is
# in the one GW node, one source address, and at c = 8 and 16 the default
# answered ERROR BUSY to the fifth connection on (counted as failed).
# In the GW node, c clients at once (c = 1, 2, 4, 8, 16), each on its own
# entity, loop on
#   assign    cpnsctl gw assign (one Key Assignment exchange with the
#             server, the owner renewing its chain), and
#   deliver   cpnsctl gw deliver (one delivery exchange with the PNE),
# for BENCH_SECS seconds each; the rate is the exchanges finished over
# the wall time until the last client stopped.  Beside them, the cost of
# one bare `cpnsctl version' spawn in the same node.  Rounds interleave
# every c and both kinds; spreads are the lowest and highest per-round
# rate.  Prints measurements, asserts nothing about time; exits 0 unless
# the set-up fails.
cd "$(dirname "$0")"

TOPO_PREFIX="# "
TOPO_DIR=/tmp/cpns-bench-e2e
TOPO_LOG=$TOPO_DIR.log
. ./lib/topology.sh

SECS=${BENCH_SECS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
CS="1 2 4 8 16"
N=256			# chain length: deliveries per chain before renewal
DB=$TOPO_DIR/server/cpns.db
SRV=$SERVER_ADDR:$SERVER_PORT
PNE=$PNE_ADDR:$PNE_PORT
PW='bench: correct horse'

die() {
	echo "# cpns bench e2e: FAILED: $*"
	[ -e "$TOPO_LOG" ] && tail -n 20 "$TOPO_LOG" | sed 's/^/#   /'
	exit 1
}
trap 'topo_cleanup; rm -rf "$TOPO_DIR"' EXIT

command -v cpnsctl >/dev/null || { echo "# SKIP: no cpnsctl"; exit 4; }
: >"$TOPO_LOG"

setup() {
	local k f
	topo_up || return 1
	head -c 32 /dev/urandom | on_q server keyctl padd cpns master:store @u >/dev/null || return 1
	f=$TOPO_DIR/server/list
	for k in $(seq 16); do
		head -c 32 /dev/urandom >"$TOPO_DIR/tk.bin"
		echo "pe-$k $(od -An -tx1 -v "$TOPO_DIR/tk.bin" | tr -d ' \n') CLAIM-CODE-$(printf %04d $k)" >>"$f"
		on_q pne keyctl padd cpns tk:pe-$k @u <"$TOPO_DIR/tk.bin" >/dev/null || return 1
	done
	chown "${TOPO_UID[server]}:${TOPO_UID[server]}" "$f"
	chmod 0600 "$f"
	on_q server cpnsctl server init --db "$DB" >/dev/null || return 1
	on_q server cpnsctl server import "$f" --db "$DB" >/dev/null || return 1
	rm -f "$f" "$TOPO_DIR/tk.bin"
	head -c 32 /dev/urandom >"$TOPO_DIR/psk.bin"
	on_q server cpnsctl server add-gw gw-1 --db "$DB" --psk-file - <"$TOPO_DIR/psk.bin" >/dev/null || return 1
	on_q gw keyctl padd cpns psk:gw-1 @u <"$TOPO_DIR/psk.bin" >/dev/null || return 1
	rm -f "$TOPO_DIR/psk.bin"
	printf '%s' "$PW" | on_q server cpnsctl server add-user bench --db "$DB" --password-file - >>"$TOPO_LOG" || return 1
	on_bg server server cpnsctl server run --listen "$SRV" --db "$DB" --chain-length $N --timeout 10
	topo_wait_listen server "$SERVER_PORT" || return 1
	on_bg pne pne cpnsctl pne listen --listen "$PNE" --timeout 10 --max-per-source 16
	topo_wait_listen pne "$PNE_PORT" || return 1
	# The client loop runs inside the GW node: no nsenter per exchange.
	cat >"$TOPO_DIR/client" <<-EOF
		#!/bin/bash
		# client KIND ENTITY SECS: exchanges until SECS have passed;
		# prints "ok failed"
		end=\$(( \${EPOCHREALTIME/./} + \$3 * 1000000 ))
		ok=0 bad=0
		while [ \${EPOCHREALTIME/./} -lt \$end ]; do
			if [ "\$1" = assign ]; then
				printf '%s' '$PW' | cpnsctl gw assign --server $SRV --gw-id gw-1 \\
					--user bench --entity "\$2" --password-file - --timeout 20 >/dev/null 2>&1
			else
				cpnsctl gw deliver --pne $PNE --entity "\$2" --timeout 20 >/dev/null 2>&1
			fi && ok=\$((ok + 1)) || bad=\$((bad + 1))
		done
		echo "\$ok \$bad"
	EOF
	chmod 0755 "$TOPO_DIR/client"
	# First claims, one per entity, with its claim code.
	for k in $(seq 16); do
		f=$TOPO_DIR/gw/claim
		printf 'CLAIM-CODE-%04d' $k >"$f"
		chown "${TOPO_UID[gw]}:${TOPO_UID[gw]}" "$f"
		chmod 0600 "$f"
		printf '%s' "$PW" | on_q gw cpnsctl gw assign --server "$SRV" --gw-id gw-1 --user bench \
			--entity pe-$k --password-file - --claim-code-file "$f" --timeout 20 >>"$TOPO_LOG" 2>&1 || return 1
	done
	rm -f "$TOPO_DIR/gw/claim"
}

now_us() { echo "${EPOCHREALTIME/./}"; }

# run KIND C: C clients at once; prints "rate failed"
run() {
	local kind=$1 c=$2 k t0 t1 ok=0 bad=0 o b
	t0=$(now_us)
	for k in $(seq "$c"); do
		on_q gw "$TOPO_DIR/client" "$kind" pe-$k "$SECS" >"$TOPO_DIR/out.$k" 2>&1 &
	done
	wait
	t1=$(now_us)
	for k in $(seq "$c"); do
		read -r o b <"$TOPO_DIR/out.$k" || { o=0 b=1; }
		ok=$((ok + o))
		bad=$((bad + b))
	done
	awk -v n="$ok" -v a="$t0" -v b="$t1" -v f="$bad" 'BEGIN { printf "%.2f %d\n", n * 1e6 / (b - a), f }'
}

# spawn K: us per bare `cpnsctl version' in the GW node
spawn() {
	on_q gw bash -c 'a=${EPOCHREALTIME/./}; for i in $(seq '"$1"'); do cpnsctl version >/dev/null; done; b=${EPOCHREALTIME/./}; echo $(( (b - a) / '"$1"' ))'
}

echo "# cpns bench e2e (P4)"
setup || die "set-up"
echo "# daemons: cpnsctl server run (chain length $N), cpnsctl pne listen --max-per-source 16; $(nproc) CPUs;"
echo "# each cell: c clients for ${SECS}s; $ROUNDS rounds interleaving every row"

declare -A SUM BAD LO HI
SP_SUM=0
for r in $(seq "$ROUNDS"); do
	for c in $CS; do
		for kind in assign deliver; do
			out=$(run $kind "$c")
			rate=${out% *} bad=${out#* }
			key=$kind.$c
			SUM[$key]=$(awk -v a="${SUM[$key]:-0}" -v b="$rate" 'BEGIN { print a + b }')
			BAD[$key]=$(( ${BAD[$key]:-0} + bad ))
			LO[$key]=$(awk -v a="${LO[$key]:-$rate}" -v b="$rate" 'BEGIN { print (b < a ? b : a) }')
			HI[$key]=$(awk -v a="${HI[$key]:-$rate}" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
		done
	done
	us=$(spawn 20)
	SP_SUM=$((SP_SUM + us))
	SP_LO=$(( ${SP_LO:-$us} < us ? ${SP_LO:-$us} : us ))
	SP_HI=$(( ${SP_HI:-$us} > us ? ${SP_HI:-$us} : us ))
done

printf '\n## P4. end to end through the daemons (exchanges/s, mean of %d rounds)\n' "$ROUNDS"
printf '  %-4s %12s %15s %8s %12s %15s %8s\n' c "assign/s" "spread" failed "deliver/s" "spread" failed
for c in $CS; do
	a=assign.$c d=deliver.$c
	printf '  %-4s %12.2f %15s %8d %12.2f %15s %8d\n' "$c" \
		"$(awk -v s="${SUM[$a]}" -v r="$ROUNDS" 'BEGIN { print s / r }')" \
		"${LO[$a]}-${HI[$a]}" "${BAD[$a]}" \
		"$(awk -v s="${SUM[$d]}" -v r="$ROUNDS" 'BEGIN { print s / r }')" \
		"${LO[$d]}-${HI[$d]}" "${BAD[$d]}"
done
sp=$((SP_SUM / ROUNDS))
a1=$(awk -v s="${SUM[assign.1]}" -v r="$ROUNDS" 'BEGIN { print s / r }')
d1=$(awk -v s="${SUM[deliver.1]}" -v r="$ROUNDS" 'BEGIN { print s / r }')
printf '\n  bare `cpnsctl version` spawn: %d us (spread %d-%d us, 20 per round)\n' "$sp" "$SP_LO" "$SP_HI"
awk -v a="$a1" -v d="$d1" -v s="$sp" 'BEGIN {
	printf "  at c=1 one assign costs %.1f spawns, one delivery %.1f spawns (wall time)\n",
		1e6 / a / s, 1e6 / d / s }'
echo "# cpns bench e2e: done (measurements, no thresholds)"
