#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cpnsctl gw assign against a CPNS Server that is down, then up: the GW
# must be able to retry for as long as it likes.  Every attempt while the
# server is unreachable exits with the retryable code 6 ("server
# unreachable") and leaves no outstanding request in the kernel, so that
# after 300 of them (more than CPNS_OUTSTANDING_MAX) the first attempt
# once the server is back succeeds.  Runs in a network namespace of its
# own (so the GW's outstanding requests are its own), on 127.0.0.1.
# Prints KTAP; exit 0 when every case passed, 1 otherwise, 4 to skip.
set -u
umask 077
[ -n "${CPNS_RETRY_NETNS:-}" ] ||
	exec env CPNS_RETRY_NETNS=1 unshare -n "$0" "$@"

. "$(dirname "$0")/lib/ktap.sh"

D=$(mktemp -d)
SRV=
cleanup() {
	[ -n "$SRV" ] && kill -TERM "$SRV" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

ktap_header
if ! command -v cpnsctl >/dev/null || ! modprobe cpns 2>/dev/null; then
	ktap_skip_plan "no cpnsctl or no cpns module"
fi
echo "1..3"
ip link set lo up
PORT=7301
TRIES=300

head -c 32 /dev/urandom >"$D/psk"
head -c 32 /dev/urandom >"$D/master"
echo 'retry password' >"$D/pw"
echo CLAIM-RETRY-1 >"$D/claim"
printf 'pne-retry %s CLAIM-RETRY-1\n' a097f8fbc351e5687df242db55ccc05aed6354e8 >"$D/list"
keyctl padd cpns master:retry @u <"$D/master" >/dev/null
DB=$D/server.db
if cpnsctl server init --db "$DB" >"$D/out" 2>&1 &&
	cpnsctl server add-gw gw-retry --db "$DB" --psk-file "$D/psk" >>"$D/out" 2>&1 &&
	cpnsctl server add-user alice --db "$DB" --master retry --password-file "$D/pw" >>"$D/out" 2>&1 &&
	cpnsctl server import "$D/list" --db "$DB" --master retry >>"$D/out" 2>&1; then
	ok "server store set up"
else
	sed 's/^/#   /' "$D/out"
	fail "server store set up"
fi

A="cpnsctl gw assign --server 127.0.0.1:$PORT --gw-id gw-retry --user alice
   --entity pne-retry --password-file $D/pw --claim-code-file $D/claim --timeout 3"

# 1. The server is down: every attempt is "unreachable", exit 6.
bad=0
t0=$(date +%s)
for i in $(seq $TRIES); do
	$A >"$D/out" 2>&1
	rc=$?
	if [ "$rc" != 6 ] || ! grep -q "server unreachable" "$D/out"; then
		bad=$((bad + 1))
		if [ $bad -le 3 ]; then
			echo "# attempt $i: exit $rc, want 6 and \`server unreachable':"
			sed 's/^/#   /' "$D/out"
		fi
	fi
done
echo "# $TRIES attempts in $(($(date +%s) - t0)) s, $bad not as expected"
if [ $bad = 0 ]; then
	ok "$TRIES assigns with the server down: each exits 6, server unreachable"
else
	fail "$TRIES assigns with the server down: each exits 6, server unreachable ($bad did not)"
fi

# 2. The server comes up: the very next attempt succeeds.
cpnsctl server run --listen 127.0.0.1:$PORT --db "$DB" --master retry --chain-length 8 \
	--timeout 3 >"$D/srv.log" 2>&1 &
SRV=$!
for i in $(seq 100); do
	awk -v p=":$(printf '%04X' $PORT)" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
		END { exit !f }' /proc/net/tcp && break
	sleep 0.1
done
$A >"$D/out" 2>&1
rc=$?
sed 's/^/#   /' "$D/out"
if [ "$rc" = 0 ] && grep -q "status: OK$" "$D/out"; then
	ok "the first assign once the server is up succeeds"
else
	sed 's/^/#   server: /' "$D/srv.log"
	fail "the first assign once the server is up succeeds (exit $rc)"
fi

ktap_finish 3
