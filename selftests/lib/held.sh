# SPDX-License-Identifier: GPL-2.0
#
# held_serial DESC: the serial (decimal) of the held key DESC (chain:X,
# euk:X) of this process's network namespace.  Held keys live in the
# module's store for the namespace, the keyring ".cpns:net:[<inode>]:"
# that /proc/keys shows (its live one: a store of usage 0 awaits the key
# collector), not in @u; other namespaces may hold a key of the same name.
# Exit status 1 when there is none.  Sourced by lib/statenodes.sh and
# cpns_roles.sh, and in a node by lib/topology.sh (sh or bash).
held_serial() {
	set -- "$1" "$(awk -v d=".cpns:$(readlink /proc/self/ns/net):" \
		'$8 == "keyring" && $9 == d && $3 > 0 { print $1 }' /proc/keys)"
	[ -n "$2" ] && keyctl search "0x$2" cpns "$1" 2>/dev/null
}
