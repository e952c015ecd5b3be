/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PNE's role: open a delivery under KEK_E derived from its own TK,
 * apply the acceptance rules of profile 6, keep the EUKey in
 * euk:<EntityID> and answer with Confirm (profile 7).
 */
#ifndef _CPNS_PNE_H
#define _CPNS_PNE_H

#include <linux/key.h>
#include "key.h"
#include "role.h"

struct net;

/* A delivery, as the GW sealed it (profile 5). */
struct cpns_pne_accept_in {
	struct cpns_id entity;
	u32 e;
	u16 i, n;
	const u8 *challenge;		/* CPNS_CHALLENGE_LEN bytes */
	const u8 *sealed;
	size_t sealedlen;		/* CPNS_SEALED_MIN..CPNS_SEALED_MAX */
};

struct cpns_pne_accept_out {
	u8 code;			/* CPNS_ACCEPTED or a REJECT_* */
	u8 kind;			/* ACCEPTED: enum cpns_accept_kind */
	s32 serial;			/* ACCEPTED: euk:<EntityID> */
	u8 confirm[CPNS_HASH_LEN];	/* ACCEPTED: Confirm */
	struct cpns_outcome oc;
};

int cpns_pne_accept(struct net *net, key_ref_t keyring,
		    const struct cpns_pne_accept_in *in,
		    struct cpns_pne_accept_out *out,
		    struct netlink_ext_ack *extack);

/* Drop euk:<EntityID> of @net (the caller checked CAP_SYS_ADMIN); logged. */
int cpns_pne_reset(struct net *net, const struct cpns_id *entity,
		   struct netlink_ext_ack *extack);

#endif /* _CPNS_PNE_H */
