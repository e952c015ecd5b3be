/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPNS Server's role: seal the store's records, run the kernel's part
 * of the checks of profile 2, make the chain (profile 3) and seal the
 * response (profile 4).  A status of the profile is an answer (0, the
 * status in the out struct), never an errno.
 */
#ifndef _CPNS_SERVER_H
#define _CPNS_SERVER_H

#include <linux/key.h>
#include "role.h"

struct cpns_srv_seal_user_in {
	struct cpns_id master, user;
	const u8 *password;
	size_t pwlen;
};

struct cpns_srv_seal_entity_in {
	struct cpns_id master, entity;
	const u8 *tk, *code;
	size_t tklen, codelen;
};

/* A sealed store record. */
struct cpns_srv_record_out {
	u8 record[CPNS_SEALED_MAX];
	size_t len;
};

int cpns_srv_seal_user(key_ref_t keyring, const struct cpns_srv_seal_user_in *in,
		       struct cpns_srv_record_out *out,
		       struct netlink_ext_ack *extack);
int cpns_srv_seal_entity(key_ref_t keyring,
			 const struct cpns_srv_seal_entity_in *in,
			 struct cpns_srv_record_out *out,
			 struct netlink_ext_ack *extack);

/* A GW's request as it came (profile 1). */
struct cpns_srv_request_in {
	const u8 *gw;			/* as sent: its characters are check 1 */
	size_t gwlen;
	const u8 *rand;			/* CPNS_RAND_LEN bytes */
	u64 t;
	const u8 *sealed;
	size_t sealedlen;
};

struct cpns_srv_open_request_out {
	u8 status;			/* OK, MALFORMED, STALE, BAD_GW_AUTH */
	bool verified;			/* opened under PSK1 */
	bool claim;			/* OK: carries a ClaimProof */
	struct cpns_id user, entity;	/* OK: from ReqBody */
};

int cpns_srv_open_request(key_ref_t keyring, const struct cpns_srv_request_in *in,
			  struct cpns_srv_open_request_out *out,
			  struct netlink_ext_ack *extack);

struct cpns_srv_respond_in {
	struct cpns_id master;
	struct cpns_srv_request_in req;
	u8 status;			/* asked: OK, MALFORMED, REPLAY, ... */
	const u8 *urec, *erec;		/* the store's records, NULL: none */
	size_t ureclen, ereclen;
	struct cpns_id owner;		/* the store's owner column, len 0: none */
	u32 epoch;			/* the store's E column */
	u16 n;
};

struct cpns_srv_respond_out {
	u8 status;			/* sent */
	bool claimed;			/* OK: this was the first claim */
	struct cpns_id gw, user, entity;
	u8 sealed[CPNS_SEALED_MAX];	/* but STALE */
	size_t sealedlen;
	u32 epoch;			/* OK: the chain and the records below */
	u16 n;
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	struct cpns_srv_record_out chain_rec, entity_rec;
	struct cpns_outcome oc;
};

int cpns_srv_respond(key_ref_t keyring, const struct cpns_srv_respond_in *in,
		     struct cpns_srv_respond_out *out,
		     struct netlink_ext_ack *extack);

#endif /* _CPNS_SERVER_H */
