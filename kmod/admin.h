/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rest of a device's life, on the CPNS Server (and the GW's forget):
 * role functions with plain in/out structures that never see a netlink
 * message; kmod/netlink.c parses the commands into them and replies.
 *
 *   cpns_srv_entity_change()  release, transfer, decommission, reinstate:
 *                             open the entity record, check it against
 *                             the store's copies, seal the next one
 *   cpns_srv_rotate_gw()      a new PSK1 in psk:<GwID>, the old one kept
 *                             for a grace window (cpns_srv_grace_psk())
 *   cpns_srv_remove_gw()      psk:<GwID> unlinked and invalidated, its
 *                             grace entry dropped
 *   cpns_gw_forget()          drop a GW's held chain:<EntityID>
 */
#ifndef _CPNS_ADMIN_H
#define _CPNS_ADMIN_H

#include <linux/key.h>
#include <linux/netlink.h>
#include "profile.h"

struct net;

enum cpns_entity_op {
	CPNS_ENTITY_RELEASE,		/* no owner; E kept */
	CPNS_ENTITY_TRANSFER,		/* owner = in->user; E kept */
	CPNS_ENTITY_DECOMMISSION,	/* decommissioned, no owner; E kept */
	CPNS_ENTITY_REINSTATE,		/* back in service from the list; E kept */
};

struct cpns_entity_change_in {
	enum cpns_entity_op op;
	struct cpns_id master, entity;
	const u8 *erec;			/* the record the store holds */
	size_t erec_len;
	struct cpns_id owner;		/* the store's owner column; len 0: none */
	u32 epoch;			/* the store's epoch column */
	struct cpns_id user;		/* TRANSFER: the new owner */
	const u8 *urec;			/* TRANSFER: its user record */
	size_t urec_len;
	const u8 *tk, *code;		/* REINSTATE: the list's TK and claim code */
	size_t tklen, codelen;
};

struct cpns_entity_change_out {
	u8 record[CPNS_SEALED_MAX];	/* the entity's next record */
	int len;
	u32 epoch;			/* E, unchanged */
	struct cpns_id owner;		/* the owner now; len 0: none */
	struct cpns_id was;		/* the owner before */
	bool decommissioned;
};

/*
 * Returns 0, or: -EBADMSG (a record that does not open for its
 * identifier, does not parse or disagrees with the columns), -ENOENT
 * (RELEASE/TRANSFER of a decommissioned entity), -EALREADY (RELEASE of
 * an unowned entity, TRANSFER to its owner, DECOMMISSION twice), -EEXIST
 * (REINSTATE of an entity in service), a master: key's errno, -ENOMEM.
 * Nothing changes on error; @extack says why.
 */
int cpns_srv_entity_change(key_ref_t keyring,
			   const struct cpns_entity_change_in *in,
			   struct cpns_entity_change_out *out,
			   struct netlink_ext_ack *extack);

/*
 * Replace PSK1 in psk:<GwID> (found from @keyring, Write needed) by @psk;
 * the old one is still accepted by the server's open for @grace seconds
 * of CLOCK_BOOTTIME (0: refused at once).  A GW has one grace entry: a
 * second rotation within the window ends the first one's.  -EINVAL when
 * @psk is the current PSK1, -EBUSY with CPNS_GRACE_MAX entries held.
 */
int cpns_srv_rotate_gw(struct net *net, key_ref_t keyring,
		       const struct cpns_id *gw, const u8 psk[CPNS_PSK_LEN],
		       u32 grace, struct netlink_ext_ack *extack);

/*
 * Retire a GW: psk:<GwID> is unlinked from @keyring (resolved with Write)
 * and invalidated, so that the server's open answers its requests as an
 * unknown GwID's; its grace entry is dropped.  -ENOKEY when there is no
 * such key.  Returns the key's serial in @serial.
 */
int cpns_srv_remove_gw(struct net *net, key_ref_t keyring,
		       const struct cpns_id *gw, s32 *serial,
		       struct netlink_ext_ack *extack);

/*
 * The old PSK1 of @gw into @psk while its grace window lasts: 0, or
 * -ENOKEY (none, or over: then the entry is dropped).
 */
int cpns_srv_grace_psk(struct net *net, const struct cpns_id *gw,
		       u8 psk[CPNS_PSK_LEN]);

/* What a GW forgot. */
struct cpns_gw_forget_out {
	u32 epoch;
	u16 delivered, n;
	s32 serial;
};

/* Drop chain:<EntityID> of @net's store (logged).  0 or -ENOKEY. */
int cpns_gw_forget(struct net *net, const struct cpns_id *entity,
		   struct cpns_gw_forget_out *out);

int cpns_admin_init(void);
void cpns_admin_exit(void);

#endif /* _CPNS_ADMIN_H */
