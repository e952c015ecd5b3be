/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared set-ups for the cpns selftests: a netlink call that reports the
 * whole extended ACK, and the few protocol states tests start from (an
 * outstanding GW request, a GW chain, a PNE euk: key), built through the
 * module's own commands with the other party played by lib/ref.h.
 *
 *	int32_t ring = tk_fresh_keyring();
 *	struct fx_chain c = FX_CHAIN_INIT("gw1", "alice", "pne-1");
 *	tk_add("psk:gw1", c.psk, 32, ring);
 *	fx_make_chain(t, ring, &c);		// chain:pne-1, E=1 n=8
 *
 * Every function returns 0 or a negative errno (the kernel's, when the
 * kernel refused) and prints nothing.  Identifiers are NUL-terminated.
 */
#ifndef _CPNS_SELFTESTS_FIXTURE_H
#define _CPNS_SELFTESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include "genl.h"
#include "ref.h"

/* Everything the kernel said about a refused (or accepted) request. */
struct fx_ack {
	int err;		/* 0 or the kernel's -errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" when none */
	int bad_attr;		/* type of the attribute NLMSGERR_ATTR_OFFS
				 * points at, -1 when no offset was given */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, 0 when none */
};

/*
 * Like tgenl_call(), and also decodes NLMSGERR_ATTR_OFFS (into the type
 * of the attribute of msg it points at) and NLMSGERR_ATTR_MISS_TYPE.
 * The reply's attributes go to tb (may be NULL) and t->tb, valid until
 * the next call on t.  ack may be NULL.  Returns ack->err.
 */
int fx_call(struct tgenl *t, struct nl_msg *msg, struct nlattr **tb,
	    struct fx_ack *ack);

/* nla_put of an identifier without its NUL */
int fx_put_id(struct nl_msg *msg, int attr, const char *id);

/* Every counter of CPNS_CMD_GET_INFO into out[CPNS_COUNTER_A_*] (0 when absent). */
int fx_counters(struct tgenl *t, uint64_t out[CPNS_COUNTER_A_MAX + 1]);

/* A CPNS_CMD_GW_REQUEST's reply. */
struct fx_req {
	uint8_t rand[REF_RAND_LEN];
	uint64_t t;
	uint8_t sealed[CPNS_SEALED_MAX];
	size_t sealed_len;
};

/*
 * CPNS_CMD_GW_REQUEST in ring with HPW = H(password) (password may be
 * NULL: H("password")) and an optional claim code (NULL: none).
 */
int fx_gw_request(struct tgenl *t, int32_t ring, const char *gw,
		  const char *user, const char *entity, const char *password,
		  const char *claim, struct fx_req *out);

/*
 * The server's sealed OK response for req, carrying the bundle
 * (n, top = EUKey[n], e, kek), as the server would seal it under K_resp
 * from psk.  Returns its length.
 */
size_t fx_seal_ok_response(const uint8_t psk[32], const char *gw,
			   const char *user, const char *entity,
			   const struct fx_req *req, uint16_t n,
			   const uint8_t top[REF_HASH_LEN], uint32_t e,
			   const uint8_t kek[REF_KEY_LEN], uint8_t *out);

/* A GW chain.  Fill the inputs (FX_CHAIN_INIT gives fixed test values). */
struct fx_chain {
	const char *gw, *user, *entity;
	uint8_t psk[32];		/* psk:<gw> must hold these bytes */
	uint16_t n;
	uint32_t e;
	uint8_t top[REF_HASH_LEN];	/* EUKey[n] */
	uint8_t kek[REF_KEY_LEN];	/* KEK_E */
	/* outputs of fx_make_chain() */
	int32_t serial;			/* the chain: key */
	uint8_t chain_id[REF_CHAIN_ID_LEN];
};

#define FX_CHAIN_INIT(_gw, _user, _entity) {				\
	.gw = (_gw), .user = (_user), .entity = (_entity),		\
	.psk = { [0 ... 31] = 0x11 }, .n = 8, .e = 1,			\
	.top = { [0 ... 31] = 0x22 }, .kek = { [0 ... 31] = 0x33 },	\
}

/*
 * GW_REQUEST then GW_RESPONSE (status OK, c's bundle): creates or
 * replaces chain:<entity> in ring.  The caller adds psk:<gw> (c->psk).
 * Fills c->serial and c->chain_id.
 */
int fx_make_chain(struct tgenl *t, int32_t ring, struct fx_chain *c);

/* EUKey[i] of c's chain (0 < i <= n). */
void fx_chain_key(const struct fx_chain *c, uint16_t i,
		  uint8_t out[REF_HASH_LEN]);

/* The public metadata describe shows for c, "E=.. n=.. delivered=d id=..". */
void fx_chain_describe(const struct fx_chain *c, uint16_t delivered,
		       char *buf, size_t len);

/* A delivery as the GW seals it: SEAL(KEK_E, DelAAD, EUKey[i]). */
struct fx_delivery {
	uint32_t e;
	uint16_t i, n;
	uint8_t challenge[REF_CHALLENGE_LEN];
	uint8_t sealed[REF_SEALED_MIN + REF_HASH_LEN];
};

/* Seal euk for entity under KEK_E derived from tk (challenge: 0x44...). */
void fx_seal_delivery(const uint8_t *tk, size_t tklen, const char *entity,
		      uint32_t e, uint16_t i, uint16_t n,
		      const uint8_t euk[REF_HASH_LEN], struct fx_delivery *d);

/*
 * CPNS_CMD_PNE_ACCEPT of d for entity in ring.  Returns 0 when the
 * command succeeded; *code gets CPNS_A_CODE, *serial CPNS_A_KEY_SERIAL
 * (0 when absent); either may be NULL.
 */
int fx_pne_accept(struct tgenl *t, int32_t ring, const char *entity,
		  const struct fx_delivery *d, int *code, int32_t *serial);

#endif /* _CPNS_SELFTESTS_FIXTURE_H */
