/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a role (gw.c, pne.c, server.c, blob.c's key load) hands back to
 * netlink.c besides its command's own out struct: the events to send and
 * the request attribute an error is about.  Plain values only: a role
 * never sees genl_info, an skb or a netlink attribute; netlink.c parses the
 * request into the role's in struct, calls the role, fills the reply it
 * allocated before the call and sends these events (Documentation/
 * design.rst, "Files").
 */
#ifndef _CPNS_ROLE_H
#define _CPNS_ROLE_H

#include <linux/bits.h>
#include <linux/netlink.h>
#include "profile.h"

/* Which of the optional fields of struct cpns_event_msg are set. */
#define CPNS_EVF_EPOCH		BIT(0)
#define CPNS_EVF_INDEX		BIT(1)
#define CPNS_EVF_N		BIT(2)
#define CPNS_EVF_STATUS		BIT(3)
#define CPNS_EVF_CODE		BIT(4)
#define CPNS_EVF_KIND		BIT(5)
#define CPNS_EVF_SERIAL		BIT(6)
#define CPNS_EVF_VERIFIED	BIT(7)

/*
 * An event for the "events" group; only public values, never a secret.
 * The pointers point into the command's in or out struct, which outlive
 * the sending.
 */
struct cpns_event_msg {
	u8 type;			/* enum cpns_event */
	unsigned int fields;		/* CPNS_EVF_* */
	const struct cpns_id *gw, *user, *entity;
	const u8 *chain_id;		/* CPNS_CHAIN_ID_LEN bytes, or NULL */
	u32 epoch;
	u16 index, n;
	u8 status, code, kind;
	s32 serial;
};

#define CPNS_ROLE_EVENTS_MAX 2

/* Filled by the role, on success and on error alike. */
struct cpns_outcome {
	struct cpns_event_msg ev[CPNS_ROLE_EVENTS_MAX];	/* sent in this order */
	unsigned int n_ev;
	int bad_attr;		/* CPNS_A_* the extack message is about; 0: none */
};

static inline struct cpns_event_msg *cpns_outcome_event(struct cpns_outcome *oc,
						    u8 type)
{
	struct cpns_event_msg *ev = &oc->ev[oc->n_ev++];

	ev->type = type;
	return ev;
}

/* An extack message about request attribute @attr (CPNS_A_*). */
#define CPNS_ERR_ATTR(extack, oc, attr, msg) do {	\
	NL_SET_ERR_MSG(extack, msg);			\
	(oc)->bad_attr = (attr);			\
} while (0)

#endif /* _CPNS_ROLE_H */
