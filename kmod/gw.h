/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PN GW's role: build a request (profile 1), take the response
 * (profile 4) into a chain: key, seal deliveries (profile 5) and check the
 * PNE's Confirm (profile 7).  Called by netlink.c with the request parsed
 * into an in struct; each returns 0 or a negative errno, and on an errno
 * has changed nothing (but the NOT_CONFIRMED event of a bad Confirm).
 */
#ifndef _CPNS_GW_H
#define _CPNS_GW_H

#include <linux/key.h>
#include "role.h"

struct net;

struct cpns_gw_request_in {
	struct cpns_id gw, user, entity;
	const u8 *hpw;			/* CPNS_HASH_LEN bytes */
	const u8 *code;			/* the claim code, NULL: none */
	size_t codelen;
	u32 portid;			/* the socket the request is kept for */
};

struct cpns_gw_request_out {
	u8 rand[CPNS_RAND_LEN];
	u64 t;
	u8 sealed[CPNS_SEALED_MAX];
	size_t sealedlen;
	struct cpns_outcome oc;
};

int cpns_gw_request(struct net *net, key_ref_t keyring,
		    const struct cpns_gw_request_in *in,
		    struct cpns_gw_request_out *out,
		    struct netlink_ext_ack *extack);

struct cpns_gw_response_in {
	struct cpns_id gw, user, entity;
	u8 rand[CPNS_RAND_LEN];
	u64 t;
	u8 status;			/* enum cpns_status, as the server sent it */
	const u8 *sealed;		/* NULL: came unsealed */
	size_t sealedlen;
};

struct cpns_gw_response_out {
	bool verified;			/* the response opened under K_resp */
	bool chain;			/* chain:<EntityID> made; the fields below */
	u32 epoch;
	u16 n;
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	s32 serial;
	struct cpns_outcome oc;
};

int cpns_gw_response(struct net *net, key_ref_t keyring,
		     const struct cpns_gw_response_in *in,
		     struct cpns_gw_response_out *out,
		     struct netlink_ext_ack *extack);

struct cpns_gw_deliver_out {
	u8 status;			/* CPNS_OK, or CPNS_CHAIN_EXHAUSTED: no more */
	u32 epoch;
	u16 index, n;
	u8 challenge[CPNS_CHALLENGE_LEN];
	u8 sealed[CPNS_HASH_LEN + CPNS_SEALED_MIN];
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	struct cpns_outcome oc;
};

int cpns_gw_deliver(struct net *net, const struct cpns_id *entity,
		    struct cpns_gw_deliver_out *out,
		    struct netlink_ext_ack *extack);

struct cpns_gw_confirm_in {
	struct cpns_id entity;
	u16 index;
	u8 code;			/* CPNS_ACCEPTED or a REJECT_* */
	const u8 *confirm;		/* CPNS_HASH_LEN bytes; ACCEPTED only */
};

struct cpns_gw_confirm_out {
	u16 delivered;			/* last confirmed index after this */
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	struct cpns_outcome oc;
};

int cpns_gw_confirm(struct net *net, const struct cpns_gw_confirm_in *in,
		    struct cpns_gw_confirm_out *out,
		    struct netlink_ext_ack *extack);

/* The outstanding requests' pernet_operations and socket notifier. */
int cpns_gw_init(void);
void cpns_gw_exit(void);

#endif /* _CPNS_GW_H */
