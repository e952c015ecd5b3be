// SPDX-License-Identifier: GPL-2.0
/*
 * The CPNS Server commands (profile 2, 3, 4) against the independent
 * userspace reference: the test plays the PN GW, builds each request with
 * lib/ref.h (its own RAND_PNGW, T = time(NULL), K_req, ReqAAD, ReqBody) and
 * asserts the exact status of every check the kernel decides, and opens
 * every sealed response with the reference: failures carry an empty
 * plaintext under RespAAD with their own status, an OK carries a bundle
 * whose values are checked one by one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fixture.h"
#include "tkeys.h"

#define GW "gw-1"
#define MASTER "m1"
#define ALICE "alice"
#define ALICE_PW "correct horse battery staple"
#define BOB "bob@example.org"
#define BOB_PW "hunter2"
#define PNE1 "pne-0001"
#define PNE2 "pne-0002"
#define CLAIM1 "ABCD-1234-EFGH"
#define CLAIM2 "ZZZZ-9999"

#define FX_REC_MAX 600

/* What a reply said, copied out of the attribute table. */
struct reply {
	int err;
	int has_status;
	uint8_t status;
	int verified;
	int claim;
	int has_user, has_entity;
	char user[80], entity[80];
	int has_epoch, has_n, has_chain_id, has_chain_record;
	struct fx_blob erec;		/* CPNS_A_ENTITY_RECORD, len 0: absent */
	uint32_t epoch;
	uint16_t n;
	uint8_t chain_id[CPNS_CHAIN_ID_LEN];
	uint8_t sealed[CPNS_SEALED_MAX];
	int slen;
	char ext[256];
};

static void copy_str(char *dst, const struct nlattr *a)
{
	int len = nla_len(a) < 79 ? nla_len(a) : 79;

	memcpy(dst, nla_data(a), len);
	dst[len] = '\0';
}

static void reply_copy(struct reply *r, struct nlattr **tb)
{
	if (tb[CPNS_A_STATUS]) {
		r->has_status = 1;
		r->status = nla_get_u8(tb[CPNS_A_STATUS]);
	}
	r->verified = !!tb[CPNS_A_VERIFIED];
	r->claim = !!tb[CPNS_A_CLAIM];
	if (tb[CPNS_A_USER_ID]) {
		r->has_user = 1;
		copy_str(r->user, tb[CPNS_A_USER_ID]);
	}
	if (tb[CPNS_A_ENTITY_ID]) {
		r->has_entity = 1;
		copy_str(r->entity, tb[CPNS_A_ENTITY_ID]);
	}
	if (tb[CPNS_A_EPOCH]) {
		r->has_epoch = 1;
		r->epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
	}
	if (tb[CPNS_A_N]) {
		r->has_n = 1;
		r->n = nla_get_u16(tb[CPNS_A_N]);
	}
	if (tb[CPNS_A_CHAIN_ID] && nla_len(tb[CPNS_A_CHAIN_ID]) == CPNS_CHAIN_ID_LEN) {
		r->has_chain_id = 1;
		memcpy(r->chain_id, nla_data(tb[CPNS_A_CHAIN_ID]), CPNS_CHAIN_ID_LEN);
	}
	r->has_chain_record = !!tb[CPNS_A_CHAIN_RECORD];
	if (tb[CPNS_A_ENTITY_RECORD] && nla_len(tb[CPNS_A_ENTITY_RECORD]) <= FX_REC_MAX) {
		r->erec.len = nla_len(tb[CPNS_A_ENTITY_RECORD]);
		memcpy(r->erec.b, nla_data(tb[CPNS_A_ENTITY_RECORD]), r->erec.len);
	}
	r->slen = -1;
	if (tb[CPNS_A_SEALED] && nla_len(tb[CPNS_A_SEALED]) <= CPNS_SEALED_MAX) {
		r->slen = nla_len(tb[CPNS_A_SEALED]);
		memcpy(r->sealed, nla_data(tb[CPNS_A_SEALED]), r->slen);
	}
}

/* A request with the given ReqBody (sealed correctly), GW's, T = now. */
static void req_raw(struct fx_gwreq *r, const uint8_t psk[32],
		    const uint8_t *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->gw, sizeof(r->gw), "%s", GW);
	fx_random(r->rand, sizeof(r->rand));
	r->t = time(NULL);
	fx_req_seal_body(r, psk, body, len);
}

static int resp_open(const struct reply *rep, const uint8_t psk[32],
		     const struct fx_gwreq *r, uint8_t status, const char *user,
		     const char *entity, uint8_t *pt)
{
	if (rep->slen < 0)
		return -1;
	return fx_resp_open(psk, r, status, user, entity, rep->sealed,
			    rep->slen, pt);
}

static void open_request(struct tgenl *t, int32_t ring, const struct fx_gwreq *r,
			 struct reply *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_OPEN_REQUEST);

	memset(out, 0, sizeof(*out));
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_req_put(m, r);
	out->err = tgenl_call(t, m, tb, out->ext, sizeof(out->ext));
	reply_copy(out, tb);
}

struct respond_args {
	uint8_t status;
	const struct fx_blob *urec;	/* NULL: unknown user */
	const struct fx_blob *erec;	/* NULL: not in the list */
	const char *owner;		/* NULL: unowned */
	uint32_t epoch;
	uint16_t n;
};

static void respond(struct tgenl *t, int32_t ring, const struct fx_gwreq *r,
		    const struct respond_args *a, struct reply *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_RESPOND);

	memset(out, 0, sizeof(*out));
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_MASTER, MASTER);
	fx_req_put(m, r);
	nla_put_u8(m, CPNS_A_STATUS, a->status);
	if (a->urec)
		nla_put(m, CPNS_A_USER_RECORD, a->urec->len, a->urec->b);
	if (a->erec)
		nla_put(m, CPNS_A_ENTITY_RECORD, a->erec->len, a->erec->b);
	if (a->owner)
		fx_put_id(m, CPNS_A_OWNER, a->owner);
	nla_put_u32(m, CPNS_A_EPOCH, a->epoch);
	nla_put_u16(m, CPNS_A_N, a->n);
	out->err = tgenl_call(t, m, tb, out->ext, sizeof(out->ext));
	reply_copy(out, tb);
}

/*
 * A verified failure: STATUS is status, the sealed part is empty, opens
 * under RespAAD with this status (and with no other), and no OK-only
 * attribute is present.
 */
#define ASSERT_SEALED_FAILURE(rep, psk, r, st, user, entity)			\
	do {									\
		uint8_t __pt[REF_BUNDLE_LEN];					\
		ASSERT_EQ(0, (rep)->err) TH_LOG("ext: %s", (rep)->ext);		\
		ASSERT_TRUE((rep)->has_status);					\
		ASSERT_EQ((st), (rep)->status);					\
		ASSERT_EQ(REF_SEALED_MIN, (rep)->slen);				\
		ASSERT_EQ(0, resp_open((rep), (psk), (r), (st), (user),		\
				       (entity), __pt));			\
		ASSERT_EQ(-1, resp_open((rep), (psk), (r), CPNS_OK, (user),	\
					(entity), __pt));			\
		ASSERT_FALSE((rep)->has_epoch);					\
		ASSERT_FALSE((rep)->has_n);					\
		ASSERT_FALSE((rep)->has_chain_id);				\
		ASSERT_FALSE((rep)->has_chain_record);				\
		ASSERT_EQ(0, (rep)->erec.len);					\
		ASSERT_FALSE((rep)->claim);					\
	} while (0)

/* OPEN_REQUEST answered status without CPNS_A_VERIFIED (checks 1, 2). */
#define ASSERT_UNVERIFIED(rep, st)						\
	do {									\
		ASSERT_EQ(0, (rep)->err) TH_LOG("ext: %s", (rep)->ext);		\
		ASSERT_TRUE((rep)->has_status);					\
		ASSERT_EQ((st), (rep)->status);					\
		ASSERT_FALSE((rep)->verified);					\
		ASSERT_FALSE((rep)->has_user);					\
		ASSERT_FALSE((rep)->has_entity);				\
		ASSERT_FALSE((rep)->claim);					\
	} while (0)

#define ASSERT_OPENED_OK(rep, user_, entity_, claim_)				\
	do {									\
		ASSERT_EQ(0, (rep)->err) TH_LOG("ext: %s", (rep)->ext);		\
		ASSERT_EQ(CPNS_OK, (rep)->status);				\
		ASSERT_TRUE((rep)->verified);					\
		ASSERT_TRUE((rep)->has_user);					\
		ASSERT_STREQ((user_), (rep)->user);				\
		ASSERT_TRUE((rep)->has_entity);					\
		ASSERT_STREQ((entity_), (rep)->entity);				\
		ASSERT_EQ((claim_), (rep)->claim);				\
	} while (0)


/*
 * Store records as the module seals them (Documentation/design.rst, "The
 * server's store"), made here with the reference and the master key the
 * test chose, so that the test can forge any record a writer of the
 * database could not:
 *
 *   RecAAD = "CPNS-KA v1 record" || u8(kind) || u8(version) || lp(id)
 *   user:   HPW
 *   entity: u32(E) || lp(Owner) || lp(TK) || lp(ClaimCode)
 *   chain:  u16(n) || EUKey[n] || u32(E)
 */
#define REC_USER REF_RECORD_USER
#define REC_ENTITY REF_RECORD_ENTITY
#define REC_VERSION REF_RECORD_VERSION

static uint8_t *lp(uint8_t *p, const void *x, size_t len)
{
	p[0] = len >> 8;
	p[1] = len;
	memcpy(p + 2, x, len);
	return p + 2 + len;
}

FIXTURE(srv) {
	struct tgenl *t;
	int32_t ring;
	uint8_t psk[32];
	uint8_t master[CPNS_MASTER_LEN];
	uint8_t tk1[32];
	uint8_t tk2[64];
	struct fx_blob alice, bob, pne1, pne2;
};

FIXTURE_SETUP(srv)
{
	uint8_t *master = self->master;

	self->ring = tk_fresh_keyring();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	fx_random(self->psk, sizeof(self->psk));
	fx_random(master, CPNS_MASTER_LEN);
	fx_random(self->tk1, sizeof(self->tk1));
	fx_random(self->tk2, sizeof(self->tk2));
	ASSERT_LT(0, tk_add("psk:" GW, self->psk, sizeof(self->psk), self->ring));
	ASSERT_LT(0, tk_add("master:" MASTER, master, CPNS_MASTER_LEN, self->ring));
	ASSERT_EQ(0, fx_seal_user(self->t, self->ring, MASTER, ALICE, ALICE_PW, &self->alice));
	ASSERT_EQ(0, fx_seal_user(self->t, self->ring, MASTER, BOB, BOB_PW, &self->bob));
	ASSERT_EQ(0, fx_seal_entity(self->t, self->ring, MASTER, PNE1, self->tk1,
				 sizeof(self->tk1), CLAIM1, &self->pne1));
	ASSERT_EQ(0, fx_seal_entity(self->t, self->ring, MASTER, PNE2, self->tk2,
				 sizeof(self->tk2), CLAIM2, &self->pne2));
}

/* A record of pne-0001 or pne-0002 at epoch e, owned by owner (NULL: nobody). */
#define PNE1_AT(rec, e, owner)							\
	fx_entity_forge(self->master, REC_VERSION, PNE1, (e), (owner), self->tk1,	\
		     sizeof(self->tk1), CLAIM1, (rec))
#define PNE2_AT(rec, e, owner)							\
	fx_entity_forge(self->master, REC_VERSION, PNE2, (e), (owner), self->tk2,	\
		     sizeof(self->tk2), CLAIM2, (rec))

FIXTURE_TEARDOWN(srv)
{
	if (self->t)
		tgenl_close(self->t);
}

/*
 * Send a request with T = time(NULL) + dt; retry while the second changed
 * during the call, so that the kernel's "now" was ours.
 */
static void open_at(struct tgenl *t, int32_t ring, const uint8_t psk[32],
		    int64_t dt, struct fx_gwreq *r, struct reply *rep)
{
	int k;

	for (k = 0; k < 10; k++) {
		time_t before = time(NULL);

		fx_req_build(r, psk, GW, ALICE, PNE1, ALICE_PW, NULL,
			  (uint64_t)(before + dt));
		open_request(t, ring, r, rep);
		if (time(NULL) == before)
			return;
	}
}

/* Check 1: a GwID of bad characters is MALFORMED, before T and before OPEN. */
TEST_F(srv, malformed_gw_id_unverified)
{
	char gw65[66];
	struct reply rep;
	struct fx_gwreq r;

	fx_req_build(&r, self->psk, "bad gw", ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_MALFORMED);

	/* 65 bytes cannot be a GwID of the wire: a length out of limits, ERANGE */
	memset(gw65, 'g', 65);
	gw65[65] = '\0';
	fx_req_build(&r, self->psk, gw65, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_EQ(-ERANGE, rep.err);
	ASSERT_FALSE(rep.has_status);

	/* Other bad characters, and a stale T: still MALFORMED (checked first). */
	fx_req_build(&r, self->psk, "gw/1", ALICE, PNE1, ALICE_PW, NULL, time(NULL) - 1000);
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_MALFORMED);
	fx_req_build(&r, self->psk, "gw\xc3\xa9", ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_MALFORMED);

	/* A 64-byte GwID of the allowed characters is well formed. */
	memset(gw65, 'g', 64);
	gw65[64] = '\0';
	fx_req_build(&r, self->psk, gw65, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);	/* no psk: for it */
}

/* An empty GwID is outside the attribute's 1..255 bytes: ERANGE. */
TEST_F(srv, empty_gw_id_erange)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m;
	struct fx_gwreq r;

	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	m = tgenl_msg(self->t, CPNS_CMD_SRV_OPEN_REQUEST);
	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	nla_put(m, CPNS_A_GW_ID, 0, "");
	nla_put(m, CPNS_A_RAND, REF_RAND_LEN, r.rand);
	nla_put_u64(m, CPNS_A_TIME, r.t);
	nla_put(m, CPNS_A_SEALED, r.sealed_len, r.sealed);
	ASSERT_EQ(-ERANGE, tgenl_call(self->t, m, tb, NULL, 0));
}

TEST_F(srv, stale_outside_window)
{
	struct reply rep;
	struct fx_gwreq r;

	open_at(self->t, self->ring, self->psk, -301, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_STALE);
	open_at(self->t, self->ring, self->psk, 301, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_STALE);
	open_at(self->t, self->ring, self->psk, -100000, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_STALE);
	/* T = 0 and T = 2^64 - 1: no wrap-around */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, 0);
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_STALE);
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, UINT64_MAX);
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_STALE);
	/* STALE comes before OPEN: a wrong PSK1 is still STALE */
	fx_req_build(&r, self->tk1, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL) - 400);
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_STALE);
}

TEST_F(srv, window_edges_accepted)
{
	struct reply rep;
	struct fx_gwreq r;

	open_at(self->t, self->ring, self->psk, -300, &r, &rep);
	ASSERT_OPENED_OK(&rep, ALICE, PNE1, 0);
	open_at(self->t, self->ring, self->psk, 300, &r, &rep);
	ASSERT_OPENED_OK(&rep, ALICE, PNE1, 0);
	open_at(self->t, self->ring, self->psk, 0, &r, &rep);
	ASSERT_OPENED_OK(&rep, ALICE, PNE1, 0);
}

TEST_F(srv, open_ok_with_claim)
{
	struct reply rep;
	struct fx_gwreq r;

	fx_req_build(&r, self->psk, GW, BOB, PNE2, BOB_PW, CLAIM2, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_OPENED_OK(&rep, BOB, PNE2, 1);
}

TEST_F(srv, bad_gw_auth_unverified)
{
	uint8_t other[32];
	struct reply rep;
	struct fx_gwreq r, r2;
	size_t k;

	/* unknown GwID, well formed */
	fx_req_build(&r, self->psk, "gw-unknown", ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);

	/* wrong PSK1 */
	fx_random(other, sizeof(other));
	fx_req_build(&r, other, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);

	/* one flipped bit anywhere in nonce, ciphertext or tag */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	for (k = 0; k < r.sealed_len; k += 7) {
		r2 = r;
		r2.sealed[k] ^= 0x01;
		open_request(self->t, self->ring, &r2, &rep);
		ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);
	}
	/* truncated */
	r2 = r;
	r2.sealed_len--;
	open_request(self->t, self->ring, &r2, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);

	/* the clear parts are bound by ReqAAD (and RAND by K_req) */
	r2 = r;
	r2.rand[5] ^= 0x80;
	open_request(self->t, self->ring, &r2, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);
	r2 = r;
	r2.t++;
	open_request(self->t, self->ring, &r2, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);

	/* another GW's request under its own PSK1 does not open as GW's */
	ASSERT_LT(0, tk_add("psk:gw-2", other, sizeof(other), self->ring));
	fx_req_build(&r, other, "gw-2", ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_OPENED_OK(&rep, ALICE, PNE1, 0);
	snprintf(r.gw, sizeof(r.gw), "%s", GW);
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_UNVERIFIED(&rep, CPNS_BAD_GW_AUTH);

	/* the untampered request still opens */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	open_request(self->t, self->ring, &r, &rep);
	ASSERT_OPENED_OK(&rep, ALICE, PNE1, 0);
}

/*
 * Check 4: a body that opens but does not parse is MALFORMED, verified;
 * RESPOND with MALFORMED seals it with status 1 and an empty plaintext,
 * under a RespAAD that binds empty identifiers (profile 4, v1.1), never
 * user/entity, the identifiers as far as the body carries them.
 */
static void check_sealed_malformed(struct __test_metadata *_metadata,
				   struct tgenl *t, int32_t ring,
				   const uint8_t psk[32], struct fx_gwreq *r,
				   const char *user, const char *entity)
{
	struct respond_args a = { .status = CPNS_MALFORMED, .epoch = 3, .n = 8 };
	struct reply rep;

	open_request(t, ring, r, &rep);
	ASSERT_EQ(0, rep.err) TH_LOG("ext: %s", rep.ext);
	ASSERT_EQ(CPNS_MALFORMED, rep.status);
	ASSERT_TRUE(rep.verified);
	ASSERT_FALSE(rep.has_user);
	ASSERT_FALSE(rep.has_entity);
	ASSERT_FALSE(rep.claim);

	respond(t, ring, r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, psk, r, CPNS_MALFORMED, "", "");
	if (*user || *entity) {
		uint8_t pt[REF_BUNDLE_LEN];

		ASSERT_EQ(-1, resp_open(&rep, psk, r, CPNS_MALFORMED, user,
					entity, pt));
	}

	/* OK cannot be asked for a body that does not parse */
	a.status = CPNS_OK;
	respond(t, ring, r, &a, &rep);
	ASSERT_EQ(-EINVAL, rep.err);
}

TEST_F(srv, sealed_malformed_body_length)
{
	uint8_t body[CPNS_SEALED_MAX], claim[32];
	struct fx_gwreq r;
	size_t len;

	/* one byte too many */
	req_raw(&r, self->psk, body, 0);
	len = fx_req_body(body, ALICE, PNE1, ALICE_PW, r.rand, r.t, NULL);
	body[len++] = 0;
	fx_req_seal_body(&r, self->psk, body, len);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       ALICE, PNE1);

	/* one byte short (claim proof of 31 bytes) */
	fx_random(claim, sizeof(claim));
	len = fx_req_body(body, ALICE, PNE1, ALICE_PW, r.rand, r.t, claim);
	fx_req_seal_body(&r, self->psk, body, len - 1);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       ALICE, PNE1);

	/* lp(ClaimProof) of 16 bytes, consistent length */
	len = fx_req_body(body, ALICE, PNE1, ALICE_PW, r.rand, r.t, NULL);
	body[len - 1] = 16;
	memset(body + len, 0x5a, 16);
	fx_req_seal_body(&r, self->psk, body, len + 16);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       ALICE, PNE1);

	/* no AuthHash at all: only the two identifiers */
	len = fx_req_body(body, ALICE, PNE1, ALICE_PW, r.rand, r.t, NULL);
	fx_req_seal_body(&r, self->psk, body, len - 34);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       ALICE, PNE1);

	/* an empty body (the sealed part is nonce and tag only) */
	fx_req_seal_body(&r, self->psk, body, 0);
	ASSERT_EQ(REF_SEALED_MIN, r.sealed_len);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       "", "");
}

/*
 * A body longer than the largest valid one (198 bytes) still opens under
 * K_req: profile 2 makes it MALFORMED of check 4 (verified), not
 * BAD_GW_AUTH.
 */
TEST_F(srv, sealed_malformed_body_too_long)
{
	char u64[65], e64[65];
	uint8_t body[CPNS_SEALED_MAX], claim[32];
	struct fx_gwreq r;
	size_t len;

	memset(u64, 'u', 64);
	u64[64] = '\0';
	memset(e64, 'e', 64);
	e64[64] = '\0';
	fx_random(claim, sizeof(claim));
	req_raw(&r, self->psk, body, 0);
	len = fx_req_body(body, u64, e64, ALICE_PW, r.rand, r.t, claim);
	ASSERT_EQ(198, len);
	/* the longest valid body opens OK */
	fx_req_seal_body(&r, self->psk, body, len);
	{
		struct reply rep;

		open_request(self->t, self->ring, &r, &rep);
		ASSERT_OPENED_OK(&rep, u64, e64, 1);
	}
	body[len++] = 0;
	fx_req_seal_body(&r, self->psk, body, len);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       u64, e64);
}

TEST_F(srv, sealed_malformed_identifier)
{
	uint8_t body[CPNS_SEALED_MAX];
	char u65[66];
	struct fx_gwreq r;
	size_t len;

	req_raw(&r, self->psk, body, 0);
	len = fx_req_body(body, "bad user", PNE1, ALICE_PW, r.rand, r.t, NULL);
	fx_req_seal_body(&r, self->psk, body, len);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       "bad user", PNE1);

	len = fx_req_body(body, ALICE, "pne#1", ALICE_PW, r.rand, r.t, NULL);
	fx_req_seal_body(&r, self->psk, body, len);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       ALICE, "pne#1");

	/* an empty UserID */
	len = fx_req_body(body, "", PNE1, ALICE_PW, r.rand, r.t, NULL);
	fx_req_seal_body(&r, self->psk, body, len);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       "", PNE1);

	/* a 65-byte UserID: its lp() is not parsed, RespAAD has empty ids */
	memset(u65, 'u', 65);
	u65[65] = '\0';
	len = fx_req_body(body, u65, PNE1, ALICE_PW, r.rand, r.t, NULL);
	fx_req_seal_body(&r, self->psk, body, len);
	check_sealed_malformed(_metadata, self->t, self->ring, self->psk, &r,
			       "", "");
}

/*
 * The failures userspace decides (check 3, 4, 5 and INTERNAL) are only
 * sealed; REPLAY and MALFORMED bind empty identifiers (profile 4, v1.1),
 * RATE_LIMITED and INTERNAL the parsed ones.
 */
TEST_F(srv, userspace_statuses_sealed)
{
	static const uint8_t statuses[] = { CPNS_REPLAY, CPNS_RATE_LIMITED,
					    CPNS_INTERNAL, CPNS_MALFORMED };
	struct respond_args a = { .urec = &self->alice, .erec = &self->pne1,
				  .epoch = 4, .n = 8 };
	struct reply rep;
	struct fx_gwreq r;
	size_t k;

	for (k = 0; k < sizeof(statuses); k++) {
		/* a request that would otherwise be OK */
		fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM1, time(NULL));
		bool empty = statuses[k] == CPNS_REPLAY || statuses[k] == CPNS_MALFORMED;
		const char *u = empty ? "" : ALICE, *e = empty ? "" : PNE1;
		uint8_t pt[REF_BUNDLE_LEN];

		a.status = statuses[k];
		respond(self->t, self->ring, &r, &a, &rep);
		ASSERT_SEALED_FAILURE(&rep, self->psk, &r, statuses[k], u, e);
		ASSERT_EQ(-1, resp_open(&rep, self->psk, &r, statuses[k],
					empty ? ALICE : "", empty ? PNE1 : "", pt));
		/* and even with a wrong password: not checked */
		fx_req_build(&r, self->psk, GW, ALICE, PNE1, "wrong", NULL, time(NULL));
		respond(self->t, self->ring, &r, &a, &rep);
		ASSERT_SEALED_FAILURE(&rep, self->psk, &r, statuses[k], u, e);
	}
}

/*
 * The statuses the kernel decides itself cannot be given to it (EINVAL);
 * values above INTERNAL are outside the attribute's range (ERANGE).
 */
TEST_F(srv, respond_refuses_kernel_statuses)
{
	static const uint8_t statuses[] = { CPNS_STALE, CPNS_BAD_GW_AUTH,
					    CPNS_AUTH_FAILED, CPNS_UNKNOWN_ENTITY,
					    CPNS_NOT_OWNER, CPNS_CLAIM_FAILED,
					    CPNS_CHAIN_EXHAUSTED, 255 };
	struct respond_args a = { .urec = &self->alice, .erec = &self->pne1,
				  .epoch = 4, .n = 8 };
	struct reply rep;
	struct fx_gwreq r;
	size_t k;

	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM1, time(NULL));
	for (k = 0; k < sizeof(statuses); k++) {
		a.status = statuses[k];
		respond(self->t, self->ring, &r, &a, &rep);
		ASSERT_EQ(statuses[k] > CPNS_INTERNAL ? -ERANGE : -EINVAL, rep.err)
			TH_LOG("status %u", statuses[k]);
		ASSERT_FALSE(rep.has_status);
	}
}

TEST_F(srv, auth_failed)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .erec = &self->pne1, .epoch = 0, .n = 8 };
	struct reply rep;
	struct fx_gwreq r;

	/* wrong password, with a valid claim proof */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, "correct horse battery stapler",
		  CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_AUTH_FAILED, ALICE, PNE1);

	/* another user's password */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, BOB_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_AUTH_FAILED, ALICE, PNE1);

	/* AuthHash over another T: the right password, wrong binding */
	{
		uint8_t body[CPNS_SEALED_MAX];
		size_t len;

		req_raw(&r, self->psk, body, 0);
		snprintf(r.user, sizeof(r.user), ALICE);
		snprintf(r.entity, sizeof(r.entity), PNE1);
		len = fx_req_body(body, ALICE, PNE1, ALICE_PW, r.rand, r.t - 1, NULL);
		fx_req_seal_body(&r, self->psk, body, len);
		a.owner = ALICE;
		respond(self->t, self->ring, &r, &a, &rep);
		ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_AUTH_FAILED,
				      ALICE, PNE1);
		a.owner = NULL;
	}

	/* unknown user: no CPNS_A_USER_RECORD, whatever the password */
	a.urec = NULL;
	fx_req_build(&r, self->psk, GW, "carol", PNE1, "carol-pw", CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_AUTH_FAILED, "carol", PNE1);
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_AUTH_FAILED, ALICE, PNE1);

	/* AUTH_FAILED comes before UNKNOWN_ENTITY and NOT_OWNER */
	a.urec = &self->alice;
	a.erec = NULL;
	a.owner = BOB;
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, "nope", NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_AUTH_FAILED, ALICE, PNE1);
}

TEST_F(srv, unknown_entity)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .erec = NULL, .epoch = 0, .n = 8 };
	struct reply rep;
	struct fx_gwreq r;

	fx_req_build(&r, self->psk, GW, ALICE, "pne-none", ALICE_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_UNKNOWN_ENTITY, ALICE,
			      "pne-none");
	/* before NOT_OWNER */
	a.owner = BOB;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_UNKNOWN_ENTITY, ALICE,
			      "pne-none");
}

TEST_F(srv, not_owner)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .owner = BOB, .epoch = 2, .n = 8 };
	struct reply rep;
	struct fx_blob rec;
	struct fx_gwreq r;

	PNE1_AT(&rec, 2, BOB);
	a.erec = &rec;
	/* even with the right claim code */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_NOT_OWNER, ALICE, PNE1);
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_NOT_OWNER, ALICE, PNE1);
	/* an owner whose name is a prefix or an extension of the user's */
	a.owner = "alic";
	PNE1_AT(&rec, 2, "alic");
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_NOT_OWNER, ALICE, PNE1);
	a.owner = "alice2";
	PNE1_AT(&rec, 2, "alice2");
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_NOT_OWNER, ALICE, PNE1);
}

TEST_F(srv, claim_failed)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .erec = &self->pne1, .epoch = 0, .n = 8 };
	uint8_t body[CPNS_SEALED_MAX], proof[32];
	struct reply rep;
	struct fx_gwreq r;
	size_t len;

	/* unowned, no claim code */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_CLAIM_FAILED, ALICE, PNE1);

	/* unowned, wrong claim code (another entity's) */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM2, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_CLAIM_FAILED, ALICE, PNE1);

	/* the right code, but a proof bound to another GwID */
	req_raw(&r, self->psk, body, 0);
	snprintf(r.user, sizeof(r.user), ALICE);
	snprintf(r.entity, sizeof(r.entity), PNE1);
	ref_claim_proof(CLAIM1, "gw-2", ALICE, PNE1, r.rand, r.t, proof);
	len = fx_req_body(body, ALICE, PNE1, ALICE_PW, r.rand, r.t, proof);
	fx_req_seal_body(&r, self->psk, body, len);
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_CLAIM_FAILED, ALICE, PNE1);
}

/*
 * Open an OK response with the reference and check its bundle: n, E,
 * KEK_E = ref_kek(TK, entity, E), ChainID from EUKey[n].
 */
static void check_ok(struct __test_metadata *_metadata, const struct reply *rep,
		     const uint8_t psk[32], const struct fx_gwreq *r,
		     const uint8_t *tk, size_t tklen, uint32_t e, uint16_t n,
		     int claim)
{
	uint8_t pt[REF_BUNDLE_LEN], top[32], euk1[32], id[16], kek[32];

	ASSERT_EQ(0, rep->err) TH_LOG("ext: %s", rep->ext);
	ASSERT_EQ(CPNS_OK, rep->status);
	ASSERT_EQ(claim, rep->claim);
	ASSERT_TRUE(rep->has_epoch);
	ASSERT_EQ(e, rep->epoch);
	ASSERT_TRUE(rep->has_n);
	ASSERT_EQ(n, rep->n);
	ASSERT_TRUE(rep->has_chain_id);
	ASSERT_TRUE(rep->has_chain_record);
	ASSERT_EQ(REF_SEALED_MIN + REF_BUNDLE_LEN, rep->slen);
	ASSERT_EQ(REF_BUNDLE_LEN, resp_open(rep, psk, r, CPNS_OK, r->user,
					    r->entity, pt));
	/* only under status OK */
	ASSERT_EQ(-1, resp_open(rep, psk, r, CPNS_INTERNAL, r->user, r->entity, pt));
	ASSERT_EQ(REF_BUNDLE_LEN, resp_open(rep, psk, r, CPNS_OK, r->user,
					    r->entity, pt));
	ASSERT_EQ(n, (uint16_t)(pt[0] << 8 | pt[1]));
	memcpy(top, pt + 2, 32);
	ASSERT_EQ(e, (uint32_t)pt[34] << 24 | (uint32_t)pt[35] << 16 |
		     (uint32_t)pt[36] << 8 | pt[37]);
	ref_kek(tk, tklen, r->entity, e, kek);
	ASSERT_EQ(0, memcmp(kek, pt + 38, 32));
	ASSERT_EQ(0, ref_chain_key(top, n, 1, euk1));
	ref_chain_id(euk1, id);
	ASSERT_EQ(0, memcmp(id, rep->chain_id, 16));
}

TEST_F(srv, ok_first_claim)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .epoch = 5, .n = 8 };
	struct reply rep, rep2;
	struct fx_blob rec;
	struct fx_gwreq r;

	PNE1_AT(&rec, 5, NULL);
	a.erec = &rec;
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 6, 8, 1);
	/* the new entity record: E = 6, owned by alice, TK and code kept */
	ASSERT_EQ(0, fx_entity_check(self->master, &rep.erec, PNE1, 6, ALICE,
				  self->tk1, sizeof(self->tk1), CLAIM1));

	/* the same request answered again: a fresh chain (RAND_SVR) */
	respond(self->t, self->ring, &r, &a, &rep2);
	check_ok(_metadata, &rep2, self->psk, &r, self->tk1, sizeof(self->tk1),
		 6, 8, 1);
	ASSERT_NE(0, memcmp(rep.chain_id, rep2.chain_id, 16));

	/* bob, 64-byte TK, from E = 0 */
	a.urec = &self->bob;
	a.erec = &self->pne2;
	a.epoch = 0;
	a.n = 1;
	fx_req_build(&r, self->psk, GW, BOB, PNE2, BOB_PW, CLAIM2, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk2, sizeof(self->tk2),
		 1, 1, 1);
	ASSERT_EQ(0, fx_entity_check(self->master, &rep.erec, PNE2, 1, BOB,
				  self->tk2, sizeof(self->tk2), CLAIM2));
}

TEST_F(srv, ok_owner_without_claim)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .owner = ALICE, .epoch = 41, .n = 64 };
	struct reply rep;
	struct fx_blob rec;
	struct fx_gwreq r;

	PNE1_AT(&rec, 41, ALICE);
	a.erec = &rec;

	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 42, 64, 0);

	/* the owner's ClaimProof is ignored, even a wrong one */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM2, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 42, 64, 0);
}

TEST_F(srv, ok_n_max_and_epoch_limits)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->bob,
				  .owner = BOB, .epoch = 0xfffffffe, .n = 65535 };
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m;
	struct reply rep;
	struct fx_blob rec;
	struct fx_gwreq r;

	PNE2_AT(&rec, 0xfffffffe, BOB);
	a.erec = &rec;

	fx_req_build(&r, self->psk, GW, BOB, PNE2, BOB_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk2, sizeof(self->tk2),
		 0xffffffff, 65535, 0);

	/* E would wrap to 0: INTERNAL, sealed */
	a.epoch = 0xffffffff;
	PNE2_AT(&rec, 0xffffffff, BOB);
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, BOB, PNE2);

	/* n = 0 is outside the attribute's range: ERANGE */
	m = tgenl_msg(self->t, CPNS_CMD_SRV_RESPOND);
	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	fx_put_id(m, CPNS_A_MASTER, MASTER);
	fx_req_put(m, &r);
	nla_put_u8(m, CPNS_A_STATUS, CPNS_OK);
	nla_put(m, CPNS_A_USER_RECORD, self->bob.len, self->bob.b);
	nla_put(m, CPNS_A_ENTITY_RECORD, self->pne2.len, self->pne2.b);
	fx_put_id(m, CPNS_A_OWNER, BOB);
	nla_put_u32(m, CPNS_A_EPOCH, 1);
	nla_put_u16(m, CPNS_A_N, 0);
	ASSERT_EQ(-ERANGE, tgenl_call(self->t, m, tb, NULL, 0));
}

/*
 * Records are bound to their kind and identifier: a record that does not
 * open is a store that was written by someone else.  The module refuses
 * it with a sealed INTERNAL (never EBADMSG, never acted on).
 */
TEST_F(srv, swapped_records_internal)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->bob,
				  .owner = ALICE, .epoch = 1, .n = 8 };
	struct fx_blob rec1, rec2, user_as_entity;
	struct reply rep;
	struct fx_gwreq r;

	PNE1_AT(&rec1, 1, ALICE);
	PNE2_AT(&rec2, 1, ALICE);
	a.erec = &rec1;
	/* bob's record for alice's request, with bob's password */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, BOB_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);
	/* and with alice's */
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);

	/* pne-0002's record (same E, same owner) for a request about pne-0001 */
	a.urec = &self->alice;
	a.erec = &rec2;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);

	/* a user record given as the entity record (kinds are bound too) */
	user_as_entity = self->alice;
	a.erec = &user_as_entity;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);
	a.urec = &rec1;
	a.erec = &rec1;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);

	/* a tampered record */
	user_as_entity = self->alice;
	user_as_entity.b[user_as_entity.len - 1] ^= 1;
	a.urec = &user_as_entity;
	a.erec = &rec1;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);
	a.urec = &self->alice;
	rec2 = rec1;
	rec2.b[20] ^= 0x40;
	a.erec = &rec2;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);

	/* the right records still give OK */
	a.erec = &rec1;
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 2, 8, 0);
}

/*
 * Owner and E come from the sealed entity record only.  What userspace
 * says of them (CPNS_A_OWNER, CPNS_A_EPOCH: its columns) must agree with
 * the record, else the store was edited: INTERNAL, no chain.
 */
TEST_F(srv, forged_owner_internal)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->bob,
				  .erec = &self->pne1, .owner = BOB,
				  .epoch = 0, .n = 8 };
	struct reply rep;
	struct fx_blob rec;
	struct fx_gwreq r;

	/* pne-0001 as imported (unowned); the store says bob owns it */
	fx_req_build(&r, self->psk, GW, BOB, PNE1, BOB_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, BOB, PNE1);

	/* alice owns it; the store says bob does, or nobody (bob has the code) */
	PNE1_AT(&rec, 3, ALICE);
	a.erec = &rec;
	a.epoch = 3;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, BOB, PNE1);
	a.owner = NULL;
	fx_req_build(&r, self->psk, GW, BOB, PNE1, BOB_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, BOB, PNE1);
	/* an owner name that differs only in its length */
	a.owner = "alic";
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	a.urec = &self->alice;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);

	/* the truth gives NOT_OWNER to bob, OK to alice */
	a.owner = ALICE;
	a.urec = &self->bob;
	fx_req_build(&r, self->psk, GW, BOB, PNE1, BOB_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_NOT_OWNER, BOB, PNE1);
	a.urec = &self->alice;
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 4, 8, 0);
}

TEST_F(srv, forged_epoch_internal)
{
	static const uint32_t lies[] = { 0, 2, 4, 0xffffffff };
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .owner = ALICE, .n = 8 };
	struct reply rep;
	struct fx_blob rec;
	struct fx_gwreq r;
	size_t k;

	PNE1_AT(&rec, 3, ALICE);
	a.erec = &rec;
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	for (k = 0; k < sizeof(lies) / sizeof(lies[0]); k++) {
		a.epoch = lies[k];
		respond(self->t, self->ring, &r, &a, &rep);
		ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE,
				      PNE1);
	}
	a.epoch = 3;
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 4, 8, 0);
}

/*
 * The entity record returned with an OK is the entity's next state: it
 * carries E and the owner forward, and only it does.
 */
TEST_F(srv, entity_record_chain)
{
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .erec = &self->pne1, .epoch = 0, .n = 8 };
	struct fx_blob first, second;
	struct reply rep;
	struct fx_gwreq r;

	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 1, 8, 1);
	ASSERT_EQ(0, fx_entity_check(self->master, &rep.erec, PNE1, 1, ALICE,
				  self->tk1, sizeof(self->tk1), CLAIM1));
	first = rep.erec;

	/* owner without claim code, from the returned record */
	a.erec = &first;
	a.owner = ALICE;
	a.epoch = 1;
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 2, 8, 0);
	ASSERT_EQ(0, fx_entity_check(self->master, &rep.erec, PNE1, 2, ALICE,
				  self->tk1, sizeof(self->tk1), CLAIM1));
	second = rep.erec;

	/* the record of pne-0001 for pne-0002 (bob knows CLAIM2): INTERNAL */
	a.urec = &self->bob;
	a.erec = &second;
	a.owner = ALICE;
	a.epoch = 2;
	fx_req_build(&r, self->psk, GW, BOB, PNE2, BOB_PW, CLAIM2, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, BOB, PNE2);
	a.owner = NULL;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, BOB, PNE2);
}

/*
 * A record of another format version, or of the first format (no version
 * byte in its AAD), sealed under the right master key and identifier,
 * does not open: INTERNAL.  So does a record whose plaintext is not
 * what its kind says.
 */
TEST_F(srv, record_wrong_version_internal)
{
	static const int versions[] = { -1, 0, 1, 3, 255 };
	struct respond_args a = { .status = CPNS_OK, .urec = &self->alice,
				  .owner = ALICE, .epoch = 1, .n = 8 };
	uint8_t hpw[32], pt[FX_REC_MAX];
	struct fx_blob urec, erec, good;
	struct reply rep;
	struct fx_gwreq r;
	size_t k, len;

	ref_hpw(ALICE_PW, strlen(ALICE_PW), hpw);
	PNE1_AT(&good, 1, ALICE);
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	for (k = 0; k < sizeof(versions) / sizeof(versions[0]); k++) {
		fx_rec_forge(self->master, REC_USER, versions[k], ALICE, hpw, 32,
			  &urec);
		a.urec = &urec;
		a.erec = &good;
		respond(self->t, self->ring, &r, &a, &rep);
		ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE,
				      PNE1);
		fx_entity_forge(self->master, versions[k], PNE1, 1, ALICE,
			     self->tk1, sizeof(self->tk1), CLAIM1, &erec);
		a.urec = &self->alice;
		a.erec = &erec;
		respond(self->t, self->ring, &r, &a, &rep);
		ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE,
				      PNE1);
	}
	/* the first format's entity plaintext, lp(TK) || lp(ClaimCode) */
	len = lp(lp(pt, self->tk1, sizeof(self->tk1)), CLAIM1,
		 strlen(CLAIM1)) - pt;
	fx_rec_forge(self->master, REC_ENTITY, REC_VERSION, PNE1, pt, len, &erec);
	a.owner = NULL;
	a.epoch = 0;
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, CLAIM1, time(NULL));
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);
	/* a short HPW, and an entity record with a bad claim code */
	fx_rec_forge(self->master, REC_USER, REC_VERSION, ALICE, hpw, 31, &urec);
	a.urec = &urec;
	a.erec = &self->pne1;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);
	fx_entity_forge(self->master, REC_VERSION, PNE1, 0, NULL, self->tk1,
		     sizeof(self->tk1), "bad code!", &erec);
	a.urec = &self->alice;
	a.erec = &erec;
	respond(self->t, self->ring, &r, &a, &rep);
	ASSERT_SEALED_FAILURE(&rep, self->psk, &r, CPNS_INTERNAL, ALICE, PNE1);
	/* the same, well formed: OK */
	fx_entity_forge(self->master, REC_VERSION, PNE1, 0, NULL, self->tk1,
		     sizeof(self->tk1), CLAIM1, &erec);
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 1, 8, 1);
}

/* RESPOND opens the request again: one that does not open is EBADMSG. */
TEST_F(srv, respond_request_not_open_ebadmsg)
{
	static const uint8_t statuses[] = { CPNS_OK, CPNS_MALFORMED, CPNS_REPLAY,
					    CPNS_RATE_LIMITED, CPNS_INTERNAL };
	struct respond_args a = { .urec = &self->alice, .owner = ALICE,
				  .epoch = 1, .n = 8 };
	uint8_t other[32];
	struct reply rep;
	struct fx_blob rec;
	struct fx_gwreq r, r2;
	size_t k;

	PNE1_AT(&rec, 1, ALICE);
	a.erec = &rec;
	fx_random(other, sizeof(other));
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
	for (k = 0; k < sizeof(statuses); k++) {
		a.status = statuses[k];
		r2 = r;
		r2.sealed[r2.sealed_len - 1] ^= 1;
		respond(self->t, self->ring, &r2, &a, &rep);
		ASSERT_EQ(-EBADMSG, rep.err) TH_LOG("status %u", statuses[k]);
		ASSERT_FALSE(rep.has_status);
		r2 = r;
		r2.t--;
		respond(self->t, self->ring, &r2, &a, &rep);
		ASSERT_EQ(-EBADMSG, rep.err);
		fx_req_build(&r2, other, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL));
		respond(self->t, self->ring, &r2, &a, &rep);
		ASSERT_EQ(-EBADMSG, rep.err);
		fx_req_build(&r2, self->psk, "gw-unknown", ALICE, PNE1, ALICE_PW,
			  NULL, time(NULL));
		respond(self->t, self->ring, &r2, &a, &rep);
		ASSERT_EQ(-EBADMSG, rep.err);
	}
}

/*
 * RESPOND judges T by the kernel's own clock, as OPEN_REQUEST does (check
 * 1): a request outside the window is STALE, unverified, whatever status
 * userspace asks for, and nothing is sealed.
 */
TEST_F(srv, respond_stale_by_kernel_clock)
{
	static const uint8_t statuses[] = { CPNS_OK, CPNS_REPLAY, CPNS_INTERNAL };
	static const int64_t dts[] = { -1000, -301, 301, 100000 };
	struct respond_args a = { .urec = &self->alice, .owner = ALICE,
				  .epoch = 1, .n = 8 };
	struct reply rep;
	struct fx_blob rec;
	struct fx_gwreq r;
	size_t k, j;

	PNE1_AT(&rec, 1, ALICE);
	a.erec = &rec;
	for (k = 0; k < sizeof(statuses); k++) {
		for (j = 0; j < sizeof(dts) / sizeof(dts[0]); j++) {
			a.status = statuses[k];
			fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL,
				  time(NULL) + dts[j]);
			respond(self->t, self->ring, &r, &a, &rep);
			ASSERT_EQ(0, rep.err) TH_LOG("ext: %s", rep.ext);
			ASSERT_TRUE(rep.has_status);
			ASSERT_EQ(CPNS_STALE, rep.status)
				TH_LOG("status %u, T %+lld", statuses[k],
				       (long long)dts[j]);
			ASSERT_EQ(-1, rep.slen);
			ASSERT_FALSE(rep.has_epoch);
			ASSERT_FALSE(rep.has_chain_record);
			ASSERT_EQ(0, rep.erec.len);
		}
	}
	a.status = CPNS_OK;
	fx_req_build(&r, self->psk, GW, ALICE, PNE1, ALICE_PW, NULL, time(NULL) - 200);
	respond(self->t, self->ring, &r, &a, &rep);
	check_ok(_metadata, &rep, self->psk, &r, self->tk1, sizeof(self->tk1),
		 2, 8, 0);
}

TEST_HARNESS_MAIN
