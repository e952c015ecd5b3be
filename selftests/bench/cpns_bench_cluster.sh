#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cpns_bench_cluster (make bench, after cpns_bench_e2e): assignments/s of
# a CPNS Server cluster on one PostgreSQL store with 1, 2 and 3 instances
# (selftests/lib/cluster.sh: three instances in three network namespaces,
# two GW namespaces), beside one instance on SQLite serving a copy of the
# same store (`server migrate`).  C clients (six: three in each GW
# namespace), each renewing its own entity's chain in a loop of `gw
# assign` for BENCH_SECS seconds, spread round-robin over the instances of
# the row; the rate is the assignments finished over the wall time until
# the last client stopped.  Rounds interleave the rows; spreads are the
# lowest and highest per-round rate.  Prints measurements, asserts nothing
# about time; exits 0 unless the set-up fails.
cd "$(dirname "$0")"
. ./lib/cluster.sh

SECS=${BENCH_SECS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
C=6

echo "# cpns bench cluster (P5)"
cluster_begin 1
# The clients' entities, claimed once; then the SQLite copy and its
# instance (port 7001 in s1).
for k in $(seq $C); do
	[ "$(assign $((1 + k % 2)) 1 alice b-$k --claim-code-file "$D/claim")" = OK ] ||
		{ echo "# cpns bench cluster: FAILED: claim of b-$k"; exit 1; }
done
cpnsctl server init --db "sqlite:$D/copy.db" >"$D/mig" 2>&1 &&
	cpnsctl server migrate --from "$PG_URI" --to "sqlite:$D/copy.db" >>"$D/mig" 2>&1 ||
	{ sed 's/^/#   /' "$D/mig"; exit 1; }
(ip netns exec s1 setsid bash -c '
	keyctl session - bash -c "
		keyctl link @u @s >/dev/null &&
		keyctl add cpns master:store \"load \$(cat $0/master.blob)\" @s >/dev/null &&
		keyctl padd cpns psk:gw1 @s <$0/psk-gw1 >/dev/null &&
		keyctl padd cpns psk:gw2 @s <$0/psk-gw2 >/dev/null &&
		exec cpnsctl server run --listen 0.0.0.0:7001 --db sqlite:$0/copy.db --keyring @s \
			--chain-length 8 --timeout 10"' "$D" >>"$D/sqlite.log" 2>&1 </dev/null &
	echo $! >"$D/s4.pid")
SRV_PIDS[4]=$(cat "$D/s4.pid")
for t in $(seq 200); do
	listening s1 7001 && break
	sleep 0.1
done

cat >"$D/client" <<'EOF'
#!/bin/bash
# client G SERVER ENTITY SECS: assigns until SECS have passed; "ok failed"
end=$(( ${EPOCHREALTIME/./} + $4 * 1000000 ))
ok=0 bad=0
while [ ${EPOCHREALTIME/./} -lt $end ]; do
	cpnsctl gw assign --server "$2" --gw-id gw$1 --user alice --entity "$3" \
		--password-file "$PWF" --timeout 20 >/dev/null 2>&1 &&
		ok=$((ok + 1)) || bad=$((bad + 1))
done
echo "$ok $bad"
EOF
chmod 0755 "$D/client"

now_us() { echo "${EPOCHREALTIME/./}"; }

# run ROW: C clients at once; prints "rate failed".  ROW: pg1, pg2, pg3
# (instances s1..sK on PostgreSQL) or sqlite (the one on the copy).
run() {
	local row=$1 k g s addr t0 t1 ok=0 bad=0 o b
	t0=$(now_us)
	for k in $(seq $C); do
		g=$((1 + k % 2))
		if [ "$row" = sqlite ]; then
			addr=$(ADDR g$g s1):7001
		else
			s=$((1 + k % ${row#pg}))
			addr=$(ADDR g$g s$s):7000
		fi
		PWF=$D/pw-alice ip netns exec g$g "$D/client" $g "$addr" b-$k "$SECS" \
			>"$D/bout.$k" 2>&1 &
	done
	wait
	t1=$(now_us)
	for k in $(seq $C); do
		read -r o b <"$D/bout.$k" || { o=0 b=1; }
		ok=$((ok + o))
		bad=$((bad + b))
	done
	awk -v n="$ok" -v a="$t0" -v b="$t1" -v f="$bad" 'BEGIN { printf "%.2f %d\n", n * 1e6 / (b - a), f }'
}

ROWS="sqlite pg1 pg2 pg3"
declare -A SUM BAD LO HI
for r in $(seq "$ROUNDS"); do
	for row in $ROWS; do
		out=$(run $row)
		rate=${out% *} bad=${out#* }
		SUM[$row]=$(awk -v a="${SUM[$row]:-0}" -v b="$rate" 'BEGIN { print a + b }')
		BAD[$row]=$(( ${BAD[$row]:-0} + bad ))
		LO[$row]=$(awk -v a="${LO[$row]:-$rate}" -v b="$rate" 'BEGIN { print (b < a ? b : a) }')
		HI[$row]=$(awk -v a="${HI[$row]:-$rate}" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
	done
done

printf '\n## P5. a server cluster: %d clients renewing chains (assignments/s, mean of %d rounds of %d s)\n' \
	$C "$ROUNDS" "$SECS"
printf '  %-34s %12s %15s %8s %10s\n' store "assign/s" spread failed "vs sqlite"
base=$(awk -v s="${SUM[sqlite]}" -v r="$ROUNDS" 'BEGIN { print s / r }')
for row in $ROWS; do
	case $row in
	sqlite) name="SQLite, 1 instance" ;;
	pg1) name="PostgreSQL, 1 instance" ;;
	*) name="PostgreSQL, ${row#pg} instances" ;;
	esac
	mean=$(awk -v s="${SUM[$row]}" -v r="$ROUNDS" 'BEGIN { print s / r }')
	printf '  %-34s %12.2f %15s %8d %10s\n' "$name" "$mean" "${LO[$row]}-${HI[$row]}" \
		"${BAD[$row]}" "$(awk -v m="$mean" -v b="$base" 'BEGIN { if (b > 0) printf "%.2fx", m / b; else print "-" }')"
done
echo "# $(nproc) vCPUs under TCG shared by every instance, PostgreSQL and the clients: the"
echo "# ratios say what one store costs, not how a cluster of machines scales"
echo "# cpns bench cluster: done (measurements, no thresholds)"
