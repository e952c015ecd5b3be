/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cpns selftests' fixture library: the protocol states tests start
 * from, built through the module's own commands, with the other parties
 * (the server, the GW, the PNE) played by the reference (lib/ref.h).
 * Every C test includes this and kselftest_harness.h; the layers below:
 *
 *   lib/genl.h   the one netlink client: tgenl_open(), tgenl_msg(),
 *                fx_call() (reply attributes, the whole extended ACK:
 *                text, offending attribute, missing type), tgenl_call()
 *                (the same with the text only), tgenl_drop_privileges(),
 *                tgenl_module_reload()
 *   lib/tkeys.h  keyrings and keys over the raw syscalls: tk_fresh_node(),
 *                tk_fresh_keyring(), tk_add(), tk_held_search(), ...
 *   lib/ref.h    the independent reference of the profile
 *
 * What is here, by the role it plays:
 *
 *   GW (module)    fx_gw_request(), fx_gw_request_msg(), fx_req_parse(),
 *                  fx_make_chain() (GW_REQUEST + GW_RESPONSE OK),
 *                  fx_gw_response_msg(), fx_gw_deliver(), fx_gw_confirm()
 *   server (ref)   fx_seal_ok_response() (a response the GW opens)
 *   GW (ref)       fx_req_build(), fx_req_body(), fx_req_seal_body(),
 *                  fx_req_put() (a request as the server receives it),
 *                  fx_resp_open() (opening the server's response)
 *   server (module) fx_seal_user(), fx_seal_entity(); fx_rec_forge(),
 *                  fx_entity_forge(), fx_entity_check() for store records
 *   chains (ref)   struct fx_chain, FX_CHAIN_INIT, fx_chain_random(),
 *                  fx_chain_key(), fx_chain_describe(), fx_euk_describe()
 *   PNE            fx_seal_delivery() + fx_pne_accept() (a fixed delivery,
 *                  code and serial only); fx_del_make(), fx_del_seal() +
 *                  fx_accept_del() (any delivery, the whole reply)
 *   processes      fx_race2() (two calls released at once, a socket
 *                  each), fx_unprivileged_call() (without CAP_SYS_ADMIN,
 *                  or root of a new user namespace)
 *   misc           fx_put_id(), fx_counters(), fx_random(), fx_write_file()
 *
 *	int32_t ring = tk_fresh_node();		// own netns: own held keys
 *	struct tgenl *t = tgenl_open();
 *	struct fx_chain c = FX_CHAIN_INIT("gw1", "alice", "pne-1");
 *	tk_add("psk:gw1", c.psk, 32, ring);
 *	fx_make_chain(t, ring, &c);		// chain:pne-1, E=1 n=8
 *
 * Functions that return int return 0 or a negative errno (the kernel's,
 * when the kernel refused); the fx_*_del/deliver ones put the errno in
 * their result struct.  Nothing prints.  Identifiers are NUL-terminated.
 * The shell tests have lib/ktap.sh (KTAP) and lib/topology.sh (three
 * nodes); selftests/README has the whole layout.
 */
#ifndef _CPNS_SELFTESTS_FIXTURE_H
#define _CPNS_SELFTESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include "genl.h"
#include "ref.h"

/* struct fx_ack and fx_call(): genl.h, the one netlink client. */

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
 * The CPNS_CMD_GW_REQUEST message fx_gw_request() sends (NULL on ENOMEM
 * or EMSGSIZE), for tests that send it themselves (fx_call(), faults).
 */
struct nl_msg *fx_gw_request_msg(struct tgenl *t, int32_t ring, const char *gw,
				 const char *user, const char *entity,
				 const char *password, const char *claim);

/* A GW_REQUEST reply's RAND, TIME and SEALED into out: 0 or -EBADMSG. */
int fx_req_parse(struct nlattr **tb, struct fx_req *out);

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

/* A file of /sys or /proc: 0, -errno of write(2), or -EIO when short. */
int fx_write_file(const char *path, const char *val);

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

/* The CPNS_CMD_GW_RESPONSE (status OK, c's bundle) for req that fx_make_chain() sends. */
struct fx_req;
struct nl_msg *fx_gw_response_msg(struct tgenl *t, int32_t ring,
				  const struct fx_chain *c,
				  const struct fx_req *req);

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

/* ------------------------------------------------------------------ */
/* Randomness, chains and deliveries as the reference plays them.     */

/* getrandom(2) into p; aborts when it cannot (a test needs its bytes). */
void fx_random(void *p, size_t len);

/*
 * A fresh random chain: top = EUKey[n] random, E = e, n = n, chain_id
 * computed (fx_make_chain() would give the same).  c->gw/user/entity,
 * c->psk and c->kek are left as they are.
 */
void fx_chain_random(struct fx_chain *c, uint32_t e, uint16_t n);

/*
 * The public metadata describe shows for a held euk: key of c,
 * "E=.. i=.. n=.. id=..", the id computed from c->top and c->n.
 */
void fx_euk_describe(const struct fx_chain *c, uint32_t e, uint16_t i,
		     uint16_t n, char *buf, size_t len);

/* A delivery of any shape, as it travels (tests tamper with each field). */
struct fx_del {
	char entity[CPNS_ID_MAX_LEN + 16];
	uint32_t e;
	uint16_t i, n;
	uint8_t challenge[REF_CHALLENGE_LEN];
	uint8_t sealed[CPNS_SEALED_MAX];
	size_t sealed_len;
};

/* d->sealed = SEAL(kek, DelAAD(aad_entity, d->e, d->i, d->n), pt), random nonce. */
void fx_del_seal(struct fx_del *d, const uint8_t kek[REF_KEY_LEN],
		 const char *aad_entity, const void *pt, size_t len);

/*
 * The GW's delivery of EUKey[i] of c (epoch c->e, n c->n) for entity,
 * under KEK_E derived from tk (not c->kek), with a random challenge.
 */
void fx_del_make(struct fx_del *d, const uint8_t *tk, size_t tklen,
		 const char *entity, const struct fx_chain *c, uint16_t i);

/* Everything a CPNS_CMD_PNE_ACCEPT reply said. */
struct fx_accept {
	int err;		/* 0 or the kernel's -errno */
	int has_code, has_kind, has_confirm, has_serial;
	uint8_t code;		/* CPNS_A_CODE */
	uint8_t kind;		/* CPNS_A_ACCEPT_KIND */
	uint8_t confirm[REF_HASH_LEN];
	int32_t serial;		/* CPNS_A_KEY_SERIAL */
	char ext[256];		/* the extack message */
};

/* CPNS_CMD_PNE_ACCEPT of d in ring; a gets the outcome (a->err too). */
void fx_accept_del(struct tgenl *t, int32_t ring, const struct fx_del *d,
		   struct fx_accept *a);

/* Everything a CPNS_CMD_GW_DELIVER reply said. */
struct fx_gwdel {
	int err;
	int has_status;
	uint8_t status;
	int nattrs;	/* how many of ENTITY/EPOCH/INDEX/N/CHALLENGE/SEALED */
	struct fx_del d;
	char ext[256];
};

/* CPNS_CMD_GW_DELIVER of entity in ring; g gets the outcome. */
void fx_gw_deliver(struct tgenl *t, int32_t ring, const char *entity,
		   struct fx_gwdel *g);

/*
 * CPNS_CMD_GW_CONFIRM of (entity, i, code, confirm (NULL: none)).
 * Returns 0 or the kernel's -errno; *rcode gets CPNS_A_CODE and
 * *delivered CPNS_A_DELIVERED (-1 when absent).
 */
int fx_gw_confirm(struct tgenl *t, int32_t ring, const char *entity,
		  uint16_t i, uint8_t code, const uint8_t *confirm,
		  int *rcode, int *delivered);

/*
 * Run f1(t1, a1, r1) and f2(t2, a2, r2) at once in two child processes,
 * each with a socket of its own (tgenl_open() in the child), released
 * together; each child sends its rlen-byte result back into r1/r2.
 * Returns 0 when both ran and reported, -1 otherwise.
 */
typedef void (*fx_racer_fn)(struct tgenl *t, void *arg, void *res);
int fx_race2(fx_racer_fn f1, void *a1, void *r1, fx_racer_fn f2, void *a2,
	     void *r2, size_t rlen);

/*
 * Run fn(t, arg) in a forked child with a socket of its own, the child
 * first losing CAP_SYS_ADMIN (every other capability kept), or, with
 * userns, becoming root of a new user namespace.  Returns fn's result
 * (0 or -errno), the error of the set-up, -ENOTCONN when the socket
 * could not be opened, or -EIO when the child did not report.
 */
typedef int (*fx_child_fn)(struct tgenl *t, void *arg);
int fx_unprivileged_call(int userns, fx_child_fn fn, void *arg);

/* ------------------------------------------------------------------ */
/* The GW's request as the server receives it, and the server's records. */

struct fx_gwreq {
	char gw[300];			/* room for over-long test GwIDs */
	char user[CPNS_ID_MAX_LEN + 16];
	char entity[CPNS_ID_MAX_LEN + 16];
	uint8_t rand[REF_RAND_LEN];
	uint64_t t;
	uint8_t sealed[CPNS_SEALED_MAX];
	size_t sealed_len;
};

/* r->sealed = SEAL(K_req(psk, r->rand), ReqAAD(r->gw, r->rand, r->t), body). */
void fx_req_seal_body(struct fx_gwreq *r, const uint8_t psk[32],
		      const uint8_t *body, size_t len);

/* ReqBody for (user, entity) with AuthHash of H(pw) over rand, t; claim may be NULL. */
size_t fx_req_body(uint8_t *body, const char *user, const char *entity,
		   const char *pw, const uint8_t rand[REF_RAND_LEN], uint64_t t,
		   const uint8_t *claim);

/*
 * A well-formed request sealed as the GW seals it: a random RAND_PNGW,
 * T = t, AuthHash of H(pw), a ClaimProof of code (NULL: none).
 */
void fx_req_build(struct fx_gwreq *r, const uint8_t psk[32], const char *gw,
		  const char *user, const char *entity, const char *pw,
		  const char *code, uint64_t t);

/* CPNS_A_GW_ID, RAND, TIME, SEALED of r into msg. */
int fx_req_put(struct nl_msg *msg, const struct fx_gwreq *r);

/*
 * Open a server's sealed response to r under K_resp with
 * RespAAD(status, r->gw, user, entity, r->rand, r->t): the plaintext's
 * length into pt, or -1 when it does not open.
 */
long fx_resp_open(const uint8_t psk[32], const struct fx_gwreq *r,
		  uint8_t status, const char *user, const char *entity,
		  const uint8_t *sealed, size_t len, uint8_t *pt);

/* A sealed store record. */
#define FX_REC_MAX 600
struct fx_blob {
	uint8_t b[FX_REC_MAX];
	int len;
};

/* CPNS_CMD_SRV_SEAL_USER / SRV_SEAL_ENTITY under master:<master>. */
int fx_seal_user(struct tgenl *t, int32_t ring, const char *master,
		 const char *user, const char *pw, struct fx_blob *out);
int fx_seal_entity(struct tgenl *t, int32_t ring, const char *master,
		   const char *entity, const uint8_t *tk, size_t tklen,
		   const char *code, struct fx_blob *out);

/* A record sealed with the reference under a master key of the test's. */
void fx_rec_forge(const uint8_t master[32], uint8_t kind, int version,
		  const char *id, const uint8_t *pt, size_t len,
		  struct fx_blob *out);
void fx_entity_forge(const uint8_t master[32], int version,
		     const char *entity, uint32_t e, const char *owner,
		     const uint8_t *tk, size_t tklen, const char *code,
		     struct fx_blob *out);
/* 0 when rec opens under master to exactly this entity record, else -1. */
int fx_entity_check(const uint8_t master[32], const struct fx_blob *rec,
		    const char *entity, uint32_t e, const char *owner,
		    const uint8_t *tk, size_t tklen, const char *code);

#endif /* _CPNS_SELFTESTS_FIXTURE_H */
