/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * cpns: OMA CPNS "Key Assignment for PNE without UI capabilities", with
 * every secret held by the kernel.  This header is the whole contract
 * between the cpns module and userspace.
 *
 * One source.  Each attribute's netlink type and limits, and which
 * attributes each command takes, are written once, in
 * Documentation/netlink/specs/cpns.yaml; `selftests/host/ynl_spec.py
 * --write` generates from it the kernel's policy of every command
 * (kmod/netlink-policy.h), the tables of cpnsctl and the selftests
 * (userspace/cpns_attrs.h: the reply policy, the name tables, the policy
 * test's expectations) and selftests/cpns_ynl.expected; the host suite
 * fails when any of them, or this header, differs from the spec.  A new
 * attribute: its enumerator here (appended before __CPNS_A_MAX) with its
 * line in the command's documentation below, its entry in the spec's
 * attribute set "cpns" and in the request (or reply) list of each
 * operation that takes it, then ynl_spec.py --write.  A command-specific
 * check goes in that command's subset of the spec (gw-confirm-attrs, ...).
 *
 * Documentation
 * =============
 *
 * The module registers the generic netlink family "cpns" (CPNS_GENL_NAME,
 * version CPNS_GENL_VERSION) and the multicast group "events"
 * (CPNS_GENL_MCGRP_EVENTS).  Resolving the family loads the module through
 * its alias "net-pf-16-proto-16-family-cpns".  It implements the
 * cryptographic profile "CPNS-KA v1" (CPNS_PROFILE); names in capitals
 * below (PSK1, TK, KEK_E, EUKey[i], RAND_PNGW, ...) are that profile's.
 *
 * Permissions.  Every command requires CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM); with the module parameter userns=1,
 * CAP_NET_ADMIN in the user namespace that owns the caller's network
 * namespace is enough (GENL_UNS_ADMIN_PERM).  Anyone else gets EPERM.
 * Joining "events" requires CAP_NET_ADMIN over the socket's network
 * namespace (GENL_MCAST_CAP_NET_ADMIN), else EPERM.  Keys are then found
 * and created with the caller's own key permissions, exactly as keyctl(1)
 * would: a process that could not search for a key cannot use it through
 * cpns.  CPNS_CMD_GW_RESPONSE and CPNS_CMD_PNE_ACCEPT also need write
 * permission on CPNS_A_KEYRING, checked before anything else (EACCES).
 * The generic netlink header is checked strictly for every command: a
 * reserved byte that is not 0, or a netlink flag other than NLM_F_REQUEST,
 * NLM_F_ACK, NLM_F_ECHO, is EINVAL.
 *
 * Keys.  Secrets live in keys of type "cpns" (see
 * Documentation/keys.rst).  Their descriptions name them:
 *
 *   psk:<GwID>         PSK1, 32 bytes             (added by userspace)
 *   tk:<EntityID>      a PNE's TK, 16..64 bytes    (added by userspace)
 *   master:<name>      server store key, 32 bytes  (added by userspace)
 *   chain:<EntityID>   a GW's chain, KEK_E, state  (made by the module)
 *   euk:<EntityID>     a PNE's current EUKey       (made by the module)
 *
 * No cpns key can be read back: keyctl read/print/pipe fail with
 * EOPNOTSUPP, and no reply below ever carries a secret.
 *
 * Every command that uses keys takes CPNS_A_KEYRING, a keyring serial
 * (special values such as KEY_SPEC_USER_KEYRING, -4, are accepted; a
 * thread or process keyring that does not exist is ENOKEY, not created).
 * psk:, tk: and master: keys are searched for in that keyring and the
 * keyrings it links to, with the caller's credentials.  chain: and euk:
 * are held keys: they live in the module's store for the caller's network
 * namespace (a keyring ".cpns:net:[<inode>]" the module owns, where no
 * key operation can drop them), are found there whatever keyring is
 * named, and are made there only if the caller may write the keyring it
 * named.  Only CPNS_CMD_PNE_RESET drops one (Documentation/keys.rst).
 *
 * Attribute validation is strict: each command accepts exactly the
 * attributes listed under it.  Any other attribute, a missing required
 * one, an integer of the wrong size or an identifier with a character
 * outside its set fails with EINVAL; a byte string whose length, or an
 * integer whose value, is outside the limits given below fails with
 * ERANGE (the kernel's netlink validator).  Either way the extended ACK
 * names the attribute and says why.  Identifiers (GwID, UserID,
 * EntityID, master names) are 1..64 bytes of [A-Za-z0-9._:@-], without a
 * terminating NUL.  Integers are host-endian netlink integers; byte
 * strings are carried as NLA_BINARY exactly as the profile writes them.
 * On any error nothing has changed: no key is created, no state moves.
 *
 * Errors (negative errno in the netlink ACK):
 *   EPERM        caller lacks CAP_NET_ADMIN
 *   EINVAL       missing, unknown or ill-formed attribute (extack names it)
 *   ERANGE       an attribute's length or value out of its limits
 *   ENOKEY       a needed key is not found in the caller's keyrings
 *   EKEYREVOKED  the key found has been revoked
 *   EKEYEXPIRED  the key found has expired
 *   EACCES       the caller may not search or write the keyring
 *   EBADMSG      a sealed message does not open, or an
 *                acknowledgement's Confirm does not verify (a server
 *                store record that does not open is a sealed INTERNAL)
 *   EBUSY        CPNS_CMD_GW_REQUEST: too many outstanding requests
 *   ENOENT       CPNS_CMD_GW_RESPONSE: no outstanding request matches
 *                CPNS_CMD_GW_CONFIRM: no delivery of that index pending
 *   ENOMEM       out of memory (never reported as EBADMSG or as a status:
 *                it says nothing about the message)
 * Outcomes of the protocol itself (a server status, a PNE rejection)
 * are not errors: they come back in CPNS_A_STATUS / CPNS_A_CODE of a
 * successful reply.
 *
 * Commands
 * --------
 *
 * CPNS_CMD_GET_INFO: no attributes.  Reply:
 *    CPNS_A_VERSION: NUL-terminated string, the module's version
 *    CPNS_A_PROFILE: NUL-terminated string, "CPNS-KA v1"
 *    CPNS_A_COUNTERS: NLA_NESTED
 *        CPNS_COUNTER_A_*: NLA_U64 each, for the caller's network
 *        namespace, since the module was loaded or the namespace made
 *        (each namespace is a node of its own; the command being
 *        answered is not yet counted)
 *
 * CPNS_CMD_GW_REQUEST: build a sealed Key Assignment Request (profile 1).
 *  The kernel draws RAND_PNGW, reads the clock for T, computes AuthHash
 *  and ClaimProof, seals ReqBody under K_req from psk:<GwID>, and keeps
 *  (GwID, UserID, EntityID, RAND_PNGW, T) as an outstanding request of
 *  the caller's network namespace for CPNS_OUTSTANDING_LIFETIME seconds,
 *  or until the netlink socket that sent the command is closed (at most
 *  CPNS_OUTSTANDING_MAX per namespace, and CPNS_OUTSTANDING_USERNS_MAX in
 *  all the namespaces owned by other user namespaces than the initial one
 *  together: EBUSY beyond).
 *    CPNS_A_KEYRING: NLA_S32
 *    CPNS_A_GW_ID, CPNS_A_USER_ID, CPNS_A_ENTITY_ID: identifiers
 *    CPNS_A_HPW: 32 bytes, H(password)
 *    CPNS_A_CLAIM_CODE: 8..64 bytes of [A-Za-z0-9-], optional
 *  Reply:
 *    CPNS_A_RAND: 32 bytes, RAND_PNGW
 *    CPNS_A_TIME: NLA_U64, T
 *    CPNS_A_SEALED: nonce || ciphertext || tag of ReqBody
 *
 * CPNS_CMD_GW_RESPONSE: take the server's Key Assignment Response
 *  (profile 4) for an outstanding request, which it consumes.
 *    CPNS_A_KEYRING, CPNS_A_GW_ID, CPNS_A_USER_ID, CPNS_A_ENTITY_ID
 *    CPNS_A_RAND: 32 bytes;  CPNS_A_TIME: NLA_U64
 *    CPNS_A_STATUS: NLA_U8, the status on the wire
 *    CPNS_A_SEALED: the sealed part; absent only for unverified statuses
 *  An OK status with a bundle creates (or replaces) chain:<EntityID>
 *  holding n, EUKey[n], E and KEK_E, nothing delivered yet.  Reply:
 *    CPNS_A_STATUS: NLA_U8, the status
 *    CPNS_A_VERIFIED: NLA_FLAG, present when the status was sealed
 *    and, for OK: CPNS_A_EPOCH, CPNS_A_N, CPNS_A_CHAIN_ID, CPNS_A_KEY_SERIAL
 *  A sealed part that does not open, an OK without a bundle, a bundle
 *  whose n is 0 or whose E is 0: EBADMSG, and the request stays
 *  outstanding.  A sealed part given with MALFORMED/STALE/BAD_GW_AUTH
 *  is opened and trusted like any other.
 *
 * CPNS_CMD_GW_DELIVER: seal the next undelivered EUKey[i] of
 *  chain:<EntityID> for the PNE (profile 5).  i is the last confirmed
 *  index + 1; until it is confirmed, every call delivers the same i
 *  again (lost acknowledgement) with a fresh challenge.
 *    CPNS_A_KEYRING, CPNS_A_ENTITY_ID
 *  Reply:
 *    CPNS_A_STATUS: NLA_U8, 0, or CPNS_CHAIN_EXHAUSTED (then nothing else)
 *    CPNS_A_ENTITY_ID, CPNS_A_EPOCH, CPNS_A_INDEX, CPNS_A_N
 *    CPNS_A_CHALLENGE: 16 bytes
 *    CPNS_A_SEALED: SEAL(KEK_E, DelAAD, EUKey[i]), 60 bytes
 *
 * CPNS_CMD_GW_CONFIRM: check the PNE's acknowledgement (profile 7).
 *    CPNS_A_KEYRING, CPNS_A_ENTITY_ID
 *    CPNS_A_INDEX: NLA_U16, the index delivered
 *    CPNS_A_CODE: NLA_U8, the PNE's code
 *    CPNS_A_CONFIRM: 32 bytes, required when CPNS_A_CODE is ACCEPTED
 *  ACCEPTED with a Confirm that verifies over the pending challenge
 *  records i as delivered; any other code is reported and changes
 *  nothing.  A Confirm that does not verify: EBADMSG.  Reply:
 *    CPNS_A_CODE, CPNS_A_DELIVERED (NLA_U16, the last confirmed index)
 *
 * CPNS_CMD_PNE_ACCEPT: open a delivery on the PNE (profile 5, 6, 7),
 *  with KEK_E derived from tk:<EntityID> (no such key: REJECT_ENTITY).
 *    CPNS_A_KEYRING, CPNS_A_ENTITY_ID
 *    CPNS_A_EPOCH: NLA_U32;  CPNS_A_INDEX, CPNS_A_N: NLA_U16
 *    CPNS_A_CHALLENGE: 16 bytes
 *    CPNS_A_SEALED: 28..CPNS_SEALED_MAX bytes
 *  Accepting creates or replaces euk:<EntityID>, held in the store of the
 *  caller's network namespace (whatever keyring is named: that keyring
 *  needs Write permission for a first acceptance).  Reply:
 *    CPNS_A_CODE: NLA_U8, ACCEPTED or REJECT_*
 *    CPNS_A_ACCEPT_KIND: NLA_U8, enum cpns_accept_kind, when accepted
 *    CPNS_A_CONFIRM: 32 bytes, when accepted
 *    CPNS_A_KEY_SERIAL: NLA_S32, the euk: key, when accepted
 *
 * CPNS_CMD_PNE_RESET: the operator's factory reset of a PNE: drop the held
 *  euk:<EntityID> of the caller's network namespace, which no key
 *  operation can (Documentation/keys.rst, "Held keys"); the next delivery
 *  is then judged as a first one.  Needs CAP_SYS_ADMIN in the initial user
 *  namespace besides the family's own permission (else EPERM); logged by
 *  the kernel (pr_notice: EntityID, E, i, n, key serial, netns, uid).
 *    CPNS_A_ENTITY_ID
 *  No key held for it: ENOKEY.  Reply: none (the ACK).
 *
 * CPNS_CMD_KEY_LOAD: restore a held key (chain:, euk:) with all its state
 *  from the sealed blob keyctl read gave (Documentation/keys.rst, "Sealed
 *  blobs") into the store of the caller's network namespace.  Needs
 *  CAP_SYS_ADMIN in the initial user namespace (else EPERM), so that no
 *  possessor can lower a PNE's floor; Write permission on CPNS_A_KEYRING.
 *    CPNS_A_KEYRING;  CPNS_A_KEY_BLOB: "load HEX", 1..CPNS_KEY_BLOB_MAX
 *  The store holds that key already: EEXIST (reset it first).  The blob's
 *  errors are keyctl add's.  Reply: CPNS_A_KEY_SERIAL.
 *
 * CPNS_CMD_SRV_SEAL_USER: register a user on the server.  The kernel
 *  computes HPW = H(password) and seals it under master:<name>.
 *    CPNS_A_KEYRING, CPNS_A_MASTER, CPNS_A_USER_ID
 *    CPNS_A_PASSWORD: 1..1024 bytes
 *  Reply: CPNS_A_USER_RECORD
 *
 * CPNS_CMD_SRV_SEAL_ENTITY: seal one line of a manufacturer's list.
 *    CPNS_A_KEYRING, CPNS_A_MASTER, CPNS_A_ENTITY_ID
 *    CPNS_A_TK: 16..64 bytes;  CPNS_A_CLAIM_CODE: 8..64 bytes
 *  Reply: CPNS_A_ENTITY_RECORD, the entity's first state: E = 0, unowned
 *  (record formats: Documentation/design.rst, "The server's store")
 *
 * CPNS_CMD_SRV_OPEN_REQUEST: server checks 1, 2 and 4 (profile 2).
 *    CPNS_A_KEYRING, CPNS_A_GW_ID (1..64 bytes, ERANGE beyond; its
 *        characters are check 1, answered MALFORMED, not EINVAL)
 *    CPNS_A_RAND, CPNS_A_TIME, CPNS_A_SEALED
 *  Reply:
 *    CPNS_A_STATUS: OK, MALFORMED, STALE or BAD_GW_AUTH
 *    CPNS_A_VERIFIED: NLA_FLAG, when the request opened under PSK1 (a
 *        MALFORMED with it is check 4's, and must be answered sealed)
 *    CPNS_A_USER_ID, CPNS_A_ENTITY_ID: when OK
 *    CPNS_A_CLAIM: NLA_FLAG, when OK and ReqBody carries a ClaimProof
 *  An unknown GwID gets BAD_GW_AUTH after a dummy open.
 *
 * CPNS_CMD_SRV_RESPOND: server checks 6 to 9 and the sealed response
 *  (profile 2, 3, 4).  The request is opened again, and its T judged
 *  again by the kernel's clock; userspace supplies what its store holds.
 *    CPNS_A_KEYRING, CPNS_A_MASTER, CPNS_A_GW_ID
 *    CPNS_A_RAND, CPNS_A_TIME, CPNS_A_SEALED: the request, as received
 *    CPNS_A_STATUS: OK to decide checks 6..9 here, or the failure
 *        userspace already decided (MALFORMED of check 4, REPLAY,
 *        RATE_LIMITED, INTERNAL), which is only sealed
 *    CPNS_A_USER_RECORD: the UserID's record, absent for an unknown user
 *    CPNS_A_ENTITY_RECORD: absent for an entity not in the list; it
 *        holds the entity's TK, claim code, E and owner
 *    CPNS_A_OWNER: identifier, the owner the store lists, absent when
 *        it lists none;  CPNS_A_EPOCH: NLA_U32, the E it lists.  Neither
 *        decides anything: they must equal the entity record's.
 *    CPNS_A_N: NLA_U16, 1..65535, the length of a new chain
 *  Reply:
 *    CPNS_A_STATUS: the status sent
 *    CPNS_A_SEALED: the sealed part of the response; absent only with
 *        STALE (T outside CPNS_TIME_WINDOW of the kernel's clock, an
 *        unverified answer whatever status was asked)
 *    and, for OK: CPNS_A_EPOCH (the new E), CPNS_A_N, CPNS_A_CHAIN_ID,
 *    CPNS_A_CHAIN_RECORD, CPNS_A_ENTITY_RECORD (the entity's next
 *    record: the new E, owned by UserID; store it with the chain), and
 *    CPNS_A_CLAIM when this request made UserID the owner
 *  Records are bound to their kind, version and identifier.  A record
 *  that does not open under master:<name> for this identifier, does not
 *  parse, or disagrees with CPNS_A_OWNER / CPNS_A_EPOCH is answered with
 *  a sealed INTERNAL (logged, rate-limited, without secrets), never
 *  acted on.
 *
 * CPNS_CMD_EVENT: multicast on "events" only, never a reply.
 *    CPNS_A_EVENT: NLA_U8, enum cpns_event
 *    CPNS_A_ENTITY_ID, and as applicable CPNS_A_GW_ID, CPNS_A_USER_ID,
 *    CPNS_A_EPOCH, CPNS_A_INDEX, CPNS_A_N, CPNS_A_STATUS, CPNS_A_CODE,
 *    CPNS_A_CHAIN_ID, CPNS_A_KEY_SERIAL
 */

#ifndef _UAPI_LINUX_CPNS_H
#define _UAPI_LINUX_CPNS_H

#define CPNS_GENL_NAME "cpns"
#define CPNS_GENL_VERSION 1
#define CPNS_GENL_MCGRP_EVENTS "events"
#define CPNS_PROFILE "CPNS-KA v1"
#define CPNS_KEY_TYPE "cpns"

#define CPNS_ID_MAX_LEN 64
#define CPNS_PSK_LEN 32
#define CPNS_MASTER_LEN 32
#define CPNS_TK_MIN_LEN 16
#define CPNS_TK_MAX_LEN 64
#define CPNS_HASH_LEN 32
#define CPNS_RAND_LEN 32
#define CPNS_CHALLENGE_LEN 16
#define CPNS_CHAIN_ID_LEN 16
#define CPNS_NONCE_LEN 12
#define CPNS_TAG_LEN 16
#define CPNS_SEALED_MIN (CPNS_NONCE_LEN + CPNS_TAG_LEN)
#define CPNS_SEALED_MAX 512
/* CPNS_A_KEY_BLOB: "load " and a key's sealed blob in hex (keys.rst) */
#define CPNS_KEY_BLOB_MAX 1024
#define CPNS_CLAIM_CODE_MIN_LEN 8
#define CPNS_CLAIM_CODE_MAX_LEN 64
#define CPNS_PASSWORD_MAX_LEN 1024
#define CPNS_N_MAX 65535
#define CPNS_TIME_WINDOW 300
#define CPNS_OUTSTANDING_LIFETIME 600
#define CPNS_OUTSTANDING_MAX 256
#define CPNS_OUTSTANDING_USERNS_MAX 1024

enum cpns_cmd {
	CPNS_CMD_UNSPEC,
	CPNS_CMD_GET_INFO,
	CPNS_CMD_GW_REQUEST,
	CPNS_CMD_GW_RESPONSE,
	CPNS_CMD_GW_DELIVER,
	CPNS_CMD_GW_CONFIRM,
	CPNS_CMD_PNE_ACCEPT,
	CPNS_CMD_SRV_SEAL_USER,
	CPNS_CMD_SRV_SEAL_ENTITY,
	CPNS_CMD_SRV_OPEN_REQUEST,
	CPNS_CMD_SRV_RESPOND,
	CPNS_CMD_EVENT,
	/* 12: CPNS_CMD_GW_CANCEL, reserved (added on another branch) */
	CPNS_CMD_PNE_RESET = 13,
	CPNS_CMD_KEY_LOAD = 14,
	__CPNS_CMD_MAX
};
#define CPNS_CMD_MAX (__CPNS_CMD_MAX - 1)

enum cpns_attr {
	CPNS_A_UNSPEC,
	CPNS_A_PAD,
	CPNS_A_VERSION,
	CPNS_A_PROFILE,
	CPNS_A_COUNTERS,
	CPNS_A_KEYRING,
	CPNS_A_MASTER,
	CPNS_A_GW_ID,
	CPNS_A_USER_ID,
	CPNS_A_ENTITY_ID,
	CPNS_A_HPW,
	CPNS_A_PASSWORD,
	CPNS_A_CLAIM_CODE,
	CPNS_A_TK,
	CPNS_A_RAND,
	CPNS_A_TIME,
	CPNS_A_SEALED,
	CPNS_A_STATUS,
	CPNS_A_VERIFIED,
	CPNS_A_EPOCH,
	CPNS_A_INDEX,
	CPNS_A_N,
	CPNS_A_CHALLENGE,
	CPNS_A_CODE,
	CPNS_A_CONFIRM,
	CPNS_A_CHAIN_ID,
	CPNS_A_KEY_SERIAL,
	CPNS_A_CLAIM,
	CPNS_A_OWNER,
	CPNS_A_USER_RECORD,
	CPNS_A_ENTITY_RECORD,
	CPNS_A_CHAIN_RECORD,
	CPNS_A_ACCEPT_KIND,
	CPNS_A_DELIVERED,
	CPNS_A_EVENT,
	CPNS_A_KEY_BLOB,
	__CPNS_A_MAX
};
#define CPNS_A_MAX (__CPNS_A_MAX - 1)

enum cpns_counter_attr {
	CPNS_COUNTER_A_UNSPEC,
	CPNS_COUNTER_A_PAD,
	CPNS_COUNTER_A_OPS,		/* commands answered */
	CPNS_COUNTER_A_ERRORS,		/* commands refused with an errno */
	CPNS_COUNTER_A_REQUESTS,	/* GW requests built */
	CPNS_COUNTER_A_CHAINS,		/* chains imported on a GW */
	CPNS_COUNTER_A_DELIVERIES,	/* deliveries sealed by a GW */
	CPNS_COUNTER_A_CONFIRMED,	/* Confirms verified by a GW */
	CPNS_COUNTER_A_ACCEPTED,	/* deliveries accepted by a PNE */
	CPNS_COUNTER_A_REJECTED,	/* deliveries rejected by a PNE */
	CPNS_COUNTER_A_RESPONSES,	/* responses sealed by a server */
	CPNS_COUNTER_A_REFUSED,		/* non-OK statuses sealed or given */
	__CPNS_COUNTER_A_MAX
};
#define CPNS_COUNTER_A_MAX (__CPNS_COUNTER_A_MAX - 1)

/* Server status (profile "Codes") and the GW-local CHAIN_EXHAUSTED. */
enum cpns_status {
	CPNS_OK = 0,
	CPNS_MALFORMED = 1,
	CPNS_STALE = 2,
	CPNS_BAD_GW_AUTH = 3,
	CPNS_REPLAY = 4,
	CPNS_RATE_LIMITED = 5,
	CPNS_AUTH_FAILED = 6,
	CPNS_UNKNOWN_ENTITY = 7,
	CPNS_NOT_OWNER = 8,
	CPNS_CLAIM_FAILED = 9,
	CPNS_INTERNAL = 10,
	CPNS_CHAIN_EXHAUSTED = 11,
};

/* PNE acknowledgement codes. */
enum cpns_ack_code {
	CPNS_ACCEPTED = 0,
	CPNS_REJECT_ENTITY = 20,
	CPNS_REJECT_RANGE = 21,
	CPNS_REJECT_OPEN = 22,
	CPNS_REJECT_LINK = 23,
	CPNS_REJECT_ROLLBACK = 24,
};

/* How a PNE accepted a delivery (profile 6, rules 4 and 6). */
enum cpns_accept_kind {
	CPNS_ACCEPT_FIRST = 1,		/* nothing was held */
	CPNS_ACCEPT_NEW_EPOCH = 2,	/* E > held E */
	CPNS_ACCEPT_RENEWAL = 3,	/* same chain, i > held i */
	CPNS_ACCEPT_REPEAT = 4,		/* same chain, i == held i */
};

enum cpns_event {
	CPNS_EVENT_UNSPEC,
	CPNS_EVENT_REQUEST,	/* GW built a request */
	CPNS_EVENT_RESPONSE,	/* GW took a response (STATUS, VERIFIED) */
	CPNS_EVENT_CHAIN,	/* GW imported a chain */
	CPNS_EVENT_DELIVERY,	/* GW sealed a delivery */
	CPNS_EVENT_CONFIRMED,	/* GW verified a Confirm */
	CPNS_EVENT_NOT_CONFIRMED, /* GW got a rejection or a bad Confirm */
	CPNS_EVENT_ACCEPTED,	/* PNE accepted (CODE, ACCEPT_KIND) */
	CPNS_EVENT_REJECTED,	/* PNE rejected (CODE) */
	CPNS_EVENT_ANSWERED,	/* server sealed a response (STATUS) */
	__CPNS_EVENT_MAX
};
#define CPNS_EVENT_MAX (__CPNS_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_CPNS_H */
