#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the whole CPNS key assignment story on three nodes, told
# step by step.  Each node is its own user + network namespace with its
# own keyring (selftests/lib/topology.sh has the picture and the reasons):
#
#   CPNS Server 192.0.2.1 ---- 192.0.2.2  PN GW  192.0.2.5 ---- 192.0.2.6 PNE
#
# Every line "[+] NODE: command" is a command run on that node.  Exits
# non-zero as soon as a step fails.
set -e
cd "$(dirname "$0")"
. ./lib/topology.sh

GW_ID=gw-home
USER_ID=alice
ENTITY=lamp-0001
DB=$TOPO_DIR/server/cpns.db
STEP=0
FAILED_AT=

step() {
	STEP=$((STEP + 1))
	FAILED_AT="step $STEP: $1"
	echo
	echo "======================================================================"
	echo "Step $STEP: $1"
	echo "======================================================================"
	shift
	local line
	for line in "$@"; do
		echo "  $line"
	done
	echo
}

finish() {
	local rc=$?
	topo_cleanup
	if [ "$rc" != 0 ]; then
		echo
		echo "DEMO FAILED ($FAILED_AT), exit $rc"
		for f in "$TOPO_DIR"/*.log; do
			[ -e "$f" ] || continue
			echo "---- $f"
			cat "$f"
		done
	fi
	exit $rc
}
trap finish EXIT

# node_file NODE NAME (lib/topology.sh): a file only NODE's root can read.

# What NODE holds: its user keyring, cpnsctl show, and a key that cannot be
# read back.
show_node() {
	local node=$1 desc=$2 id out
	on "$node" keyctl show @u
	on "$node" cpnsctl show
	case $desc in
	chain:* | euk:*) id=$(topo_held_key "$node" "$desc") ;; # the module's store
	*) id=$(on_q "$node" keyctl search @u cpns "$desc") ;;
	esac
	echo "  (trying to read the secret of $desc, key $id: its only readable form is"
	echo "   a blob sealed under a wrapping key, and no node has one loaded: refused)"
	topo_say "$(echo "$node" | tr a-z A-Z): keyctl print $id"
	if out=$(on_q "$node" keyctl print "$id" 2>&1); then
		echo "  UNEXPECTED: keyctl print of $desc succeeded"
		return 1
	fi
	echo "  $out"
	case $out in
	*"Required key not available"*) ;;
	*)
		echo "  UNEXPECTED error: want \"Required key not available\" (ENOKEY)"
		return 1
		;;
	esac
}

step "three nodes, three keyrings" \
	"The CPNS Server, the PN GW (the home gateway) and the PNE (a lamp with" \
	"no user interface) each run in their own user and network namespace." \
	"Each has its own user keyring: no node can name or use another's keys." \
	"They talk only over TCP, across two veth links."
topo_up
on gw ip addr show

step "the manufacturer makes the lamp" \
	"The lamp leaves the factory with a Temporary Key (TK) in its keyring and a" \
	"claim code printed on its box.  The manufacturer gives the CPNS Server" \
	"its list: EntityID, TK and claim code.  The server keeps the list only" \
	"sealed by its kernel under master:store, a key that never leaves it."
TK_BIN=$TOPO_DIR/tk.bin
head -c 32 /dev/urandom >"$TK_BIN"
TK_HEX=$(od -An -tx1 -v "$TK_BIN" | tr -d ' \n')
CLAIM_CODE=LAMP-7Q4K-93XF
on pne keyctl padd cpns "tk:$ENTITY" @u <"$TK_BIN"
head -c 32 /dev/urandom | on server keyctl padd cpns master:store @u
LIST=$(printf '# EntityID TK ClaimCode\n%s %s %s\n' "$ENTITY" "$TK_HEX" "$CLAIM_CODE" |
	node_file server manufacturer.list)
rm -f "$TK_BIN"
on server cpnsctl server init --db "$DB"
on server cpnsctl server import "$LIST" --db "$DB"
rm -f "$LIST"

step "PSK1 between the GW and the server" \
	"The GW and the server share a 32-byte key, PSK1 (in a real network the" \
	"output of 3GPP GBA).  It seals the GW's requests and the server's answers." \
	"Both load it into their kernel keyring as psk:$GW_ID."
PSK=$TOPO_DIR/psk.bin
head -c 32 /dev/urandom >"$PSK"
on server cpnsctl server add-gw "$GW_ID" --db "$DB" --psk-file - <"$PSK"
on gw keyctl padd cpns "psk:$GW_ID" @u <"$PSK"
rm -f "$PSK"

step "a user registers with the server" \
	"$USER_ID registers.  The server's kernel keeps only H(password), sealed;" \
	"the password itself never reaches the server's store."
PASSWORD='correct horse battery staple'
printf '%s' "$PASSWORD" | on server cpnsctl server add-user "$USER_ID" --db "$DB" --password-file -

step "the server and the lamp start listening" \
	"The server serves Key Assignment Requests on 192.0.2.1:$SERVER_PORT; the lamp" \
	"accepts key deliveries on 192.0.2.6:$PNE_PORT."
on_bg server server cpnsctl server run --listen "$SERVER_ADDR:$SERVER_PORT" --db "$DB"
on_bg pne pne cpnsctl pne listen --listen "$PNE_ADDR:$PNE_PORT"
topo_wait_listen server "$SERVER_PORT"
topo_wait_listen pne "$PNE_PORT"
on server cpnsctl server list --db "$DB"
echo
echo "  What each node holds before the exchange:"
echo "  -- CPNS Server"
show_node server master:store
echo "  -- PN GW"
show_node gw "psk:$GW_ID"
echo "  -- PNE"
show_node pne "tk:$ENTITY"

step "the GW asks for keys for the lamp (Key Assignment Request)" \
	"$USER_ID types her password and the claim code from the lamp's box at the GW." \
	"The GW's kernel builds the request: AuthHash = H(H(password) || RAND || T)" \
	"and a claim proof from the claim code, sealed under a key derived from" \
	"PSK1.  The server checks the time, PSK1, replay, the password, that the" \
	"lamp is on its list and the claim proof; $USER_ID becomes the owner, and the" \
	"server answers with a hash chain of EUKeys and the epoch key KEK_E," \
	"derived from TK (the GW never sees TK itself), sealed under PSK1."
CLAIM=$(printf '%s' "$CLAIM_CODE" | node_file gw claim-code)
printf '%s' "$PASSWORD" |
	on gw cpnsctl gw assign --server "$SERVER_ADDR:$SERVER_PORT" --gw-id "$GW_ID" \
		--user "$USER_ID" --entity "$ENTITY" --password-file - --claim-code-file "$CLAIM"
rm -f "$CLAIM"
echo
echo "  The server's side of it:"
sed 's/^/    /' "$TOPO_DIR/server.log"
on server cpnsctl server list --db "$DB"
show_node gw "chain:$ENTITY"

step "the GW delivers the first key to the lamp" \
	"The GW's kernel seals EUKey[1] under KEK_E.  The lamp's kernel derives" \
	"KEK_E from its own TK, opens the delivery, keeps EUKey[1] as euk:$ENTITY" \
	"and answers with a Confirm (an HMAC under a key derived from EUKey[1])." \
	"The GW's kernel checks the Confirm: both ends now hold the same EUKey."
on gw cpnsctl gw deliver --pne "$PNE_ADDR:$PNE_PORT" --entity "$ENTITY"
echo
echo "  The lamp's side of it:"
sed 's/^/    /' "$TOPO_DIR/pne.log"
show_node pne "euk:$ENTITY"

step "renewal: the GW delivers the next key" \
	"Later the GW renews the key: it delivers EUKey[2].  The lamp accepts it" \
	"only because hashing it once gives the EUKey[1] it holds (the chain is" \
	"used from the bottom up), replaces its key, and confirms again."
on gw cpnsctl gw deliver --pne "$PNE_ADDR:$PNE_PORT" --entity "$ENTITY"
echo
echo "  The lamp's side of it:"
tail -n 1 "$TOPO_DIR/pne.log" | sed 's/^/    /'
echo
echo "  What each node holds at the end:"
echo "  -- CPNS Server"
show_node server master:store
on server cpnsctl server list --db "$DB"
echo "  -- PN GW"
show_node gw "chain:$ENTITY"
echo "  -- PNE"
show_node pne "euk:$ENTITY"

step "the lamp loses power" \
	"The lamp keeps its keys across a power loss as sealed blobs in a state" \
	"directory: each key's blob, AES-256-GCM under a wrapping key that is" \
	"loaded at boot from a root-only file (a TPM or systemd-creds on a real" \
	"device), never a secret in clear.  Then the power goes: its daemon dies" \
	"and its kernel keyring is empty (its TK and wrapping key cleared, its" \
	"EUKey dropped; the other two nodes share this VM's kernel, so the module" \
	"itself is not reloaded here: cpns_reboot.sh reboots a VM for real)."
KEYS_DIR=$TOPO_DIR/pne/keys
WRAP=$(head -c 32 /dev/urandom | node_file pne wrap.key)
on pne keyctl padd logon cpns:wrap @u <"$WRAP"
on pne mkdir -m 0700 "$KEYS_DIR"
on pne env CPNS_STATE_DIR="$KEYS_DIR" cpnsctl keys save
on pne cpnsctl keys list "$KEYS_DIR"
on pne sed -n 1,2p "$KEYS_DIR/euk:$ENTITY"
topo_stop pne
on pne keyctl clear @u
topo_say "VM: nsenter -n -t <the lamp> cpnsctl pne reset $ENTITY"
nsenter -n -t "${TOPO_PID[pne]}" -- cpnsctl pne reset "$ENTITY"
on pne cpnsctl show

step "the lamp comes back with its key" \
	"At boot the lamp loads its wrapping key and its TK from their files; the" \
	"operator (CAP_SYS_ADMIN: no one else may set a PNE's rollback floor)" \
	"restores its held EUKey with cpnsctl keys load.  The GW renews: the lamp" \
	"accepts EUKey[3] because hashing it once gives the EUKey[2] it restored."
on pne keyctl padd logon cpns:wrap @u <"$WRAP"
on pne sh -c "keyctl add cpns tk:$ENTITY \"\$(grep ^load $KEYS_DIR/tk:$ENTITY)\" @u"
mkdir -m 0700 "$TOPO_DIR/held"
cp "$KEYS_DIR/euk:$ENTITY" "$TOPO_DIR/held/"
topo_say "VM: keyctl padd logon cpns:wrap @u < wrap.key"
keyctl padd logon cpns:wrap @u <"$WRAP" >/dev/null
topo_say "VM: nsenter -n -t <the lamp> cpnsctl keys load held"
nsenter -n -t "${TOPO_PID[pne]}" -- cpnsctl keys load "$TOPO_DIR/held"
keyctl unlink "$(keyctl search @u logon cpns:wrap)" @u >/dev/null
on pne cpnsctl show
on_bg pne pne cpnsctl pne listen --listen "$PNE_ADDR:$PNE_PORT"
topo_wait_listen pne "$PNE_PORT"
on gw cpnsctl gw deliver --pne "$PNE_ADDR:$PNE_PORT" --entity "$ENTITY"
echo
echo "  The lamp's side of it:"
tail -n 1 "$TOPO_DIR/pne.log" | sed 's/^/    /'
grep -q "i=3 .*ACCEPTED (RENEWAL)" "$TOPO_DIR/pne.log"

FAILED_AT=
echo
echo "======================================================================"
echo "Summary"
echo "======================================================================"
fold -s -w 72 <<EOF | sed 's/^/  /'
The lamp $ENTITY left the factory holding only its Temporary Key, and the manufacturer gave the CPNS Server that key and the claim code printed on the box. $USER_ID, registered with the server, asked her home gateway $GW_ID for keys for the lamp with her password and the claim code; the server checked both, made her the lamp's owner and answered with a chain of EUKeys and an epoch key derived from the TK, sealed under the PSK1 it shares with the gateway. The gateway delivered EUKey[1] and then, as a renewal, EUKey[2]; each time the lamp opened the delivery with its own TK, checked it against what it held, and proved with its Confirm that it holds the same key as the gateway. Every secret (PSK1, TK, the master key, the chain, the EUKeys) stayed in the kernel keyring of the node that holds it: no node could read back any of them with keyctl print, and no node could reach another's keys. When the lamp lost power, its keys came back from sealed blobs in its state directory, and it accepted the renewal EUKey[3] by its hash link to the EUKey[2] it had before.
EOF
echo
echo "demo: every step succeeded"
