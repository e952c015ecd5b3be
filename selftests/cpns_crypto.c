// SPDX-License-Identifier: GPL-2.0
/*
 * The module's cryptography against the independent userspace reference
 * (lib/ref.c, itself checked against every value of vectors-v1.json on
 * the host): every sealed value the module produces is opened and
 * compared with what the reference computes, and every sealed value the
 * reference produces is opened by the module.  This covers crypto.c
 * (SHA-256, HMAC, HKDF, GCM both ways, the chain walk) and profile.c
 * (labels, AADs, ReqBody, Bundle, KEK_E, ChainID, Confirm) as they run in
 * the kernel, through the GW, PNE and server commands.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <keyutils.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "ref.h"

#define GW "gw-crypto.1"
#define USER "alice@crypto"
#define ENTITY "pne:crypto-0001"
#define MASTER "crypto-master"
#define PASSWORD "correct horse battery staple"
#define CLAIM_CODE "CLAIM-CRYPTO-1"

static void rnd(void *p, size_t len)
{
	if (getrandom(p, len, 0) != (ssize_t)len)
		abort();
}

static int put_id(struct nl_msg *m, int attr, const char *id)
{
	return nla_put(m, attr, strlen(id), id);
}

/* The binary attribute a of exactly len bytes, or NULL. */
static const uint8_t *bin(struct nlattr *a, int len)
{
	return a && nla_len(a) == len ? nla_data(a) : NULL;
}

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	char hex[2 * 512 + 1];

	if (len > 512)
		len = 512;
	ref_hex(p, len, hex);
	fprintf(stderr, "# %s %s\n", what, hex);
}

/* memcmp with a diagnostic of both sides when they differ. */
static int differ(const uint8_t *got, const uint8_t *want, size_t len)
{
	if (!got || !want)
		return 1;
	if (!memcmp(got, want, len))
		return 0;
	hexdump("got ", got, len);
	hexdump("want", want, len);
	return 1;
}

FIXTURE(crypto) {
	struct tgenl *t;
	key_serial_t keyring;
	struct nlattr **tb;
	char ext[256];
	uint8_t psk[32];
	uint8_t tk[40];
	uint8_t master[32];
	uint8_t hpw[32];
};

FIXTURE_SETUP(crypto)
{
	/* a node of its own: its own store of held keys (euk:, chain:) */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->t = tgenl_open();
	if (!self->t && !system("modprobe cpns"))
		self->t = tgenl_open();
	ASSERT_NE(NULL, self->t) TH_LOG("cpns family: %s", strerror(errno));
	self->tb = self->t->tb;
	self->keyring = add_key("keyring", "cpns-crypto", NULL, 0,
				KEY_SPEC_PROCESS_KEYRING);
	ASSERT_LT(0, self->keyring) TH_LOG("keyring: %s", strerror(errno));
	rnd(self->psk, sizeof(self->psk));
	rnd(self->tk, sizeof(self->tk));
	rnd(self->master, sizeof(self->master));
	ref_hpw(PASSWORD, strlen(PASSWORD), self->hpw);
}

FIXTURE_TEARDOWN(crypto)
{
	if (self->keyring > 0)
		keyctl_invalidate(self->keyring);
	if (self->t)
		tgenl_close(self->t);
}

static key_serial_t add_cpns_key(FIXTURE_DATA(crypto) *self,
				 const char *desc, const void *p, size_t len)
{
	return add_key(CPNS_KEY_TYPE, desc, p, len, self->keyring);
}

/* CPNS_CMD_GW_REQUEST; rand and t receive RAND_PNGW and T. */
static int gw_request(FIXTURE_DATA(crypto) *self, const char *code,
		      uint8_t rand[32], uint64_t *t, uint8_t *sealed,
		      size_t *slen)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_REQUEST);
	struct nlattr *a;
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_GW_ID, GW);
	put_id(m, CPNS_A_USER_ID, USER);
	put_id(m, CPNS_A_ENTITY_ID, ENTITY);
	nla_put(m, CPNS_A_HPW, 32, self->hpw);
	if (code)
		put_id(m, CPNS_A_CLAIM_CODE, code);
	err = tgenl_call(self->t, m, self->tb, self->ext, sizeof(self->ext));
	if (err)
		return err;
	a = self->tb[CPNS_A_SEALED];
	if (!bin(self->tb[CPNS_A_RAND], 32) || !self->tb[CPNS_A_TIME] || !a ||
	    nla_len(a) > 512)
		return -EPROTO;
	memcpy(rand, nla_data(self->tb[CPNS_A_RAND]), 32);
	*t = nla_get_u64(self->tb[CPNS_A_TIME]);
	*slen = nla_len(a);
	memcpy(sealed, nla_data(a), *slen);
	return 0;
}

/* CPNS_CMD_GW_RESPONSE with status and an optional sealed part. */
static int gw_response(FIXTURE_DATA(crypto) *self, const uint8_t rand[32],
		       uint64_t t, uint8_t status, const uint8_t *sealed,
		       size_t slen)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_RESPONSE);

	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_GW_ID, GW);
	put_id(m, CPNS_A_USER_ID, USER);
	put_id(m, CPNS_A_ENTITY_ID, ENTITY);
	nla_put(m, CPNS_A_RAND, 32, rand);
	nla_put_u64(m, CPNS_A_TIME, t);
	nla_put_u8(m, CPNS_A_STATUS, status);
	if (sealed)
		nla_put(m, CPNS_A_SEALED, slen, sealed);
	return tgenl_call(self->t, m, self->tb, self->ext, sizeof(self->ext));
}

static int gw_deliver(FIXTURE_DATA(crypto) *self)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_DELIVER);

	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_ENTITY_ID, ENTITY);
	return tgenl_call(self->t, m, self->tb, self->ext, sizeof(self->ext));
}

static int gw_confirm(FIXTURE_DATA(crypto) *self, uint16_t i,
		      const uint8_t confirm[32])
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_CONFIRM);

	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_ENTITY_ID, ENTITY);
	nla_put_u16(m, CPNS_A_INDEX, i);
	nla_put_u8(m, CPNS_A_CODE, CPNS_ACCEPTED);
	nla_put(m, CPNS_A_CONFIRM, 32, confirm);
	return tgenl_call(self->t, m, self->tb, self->ext, sizeof(self->ext));
}

static int pne_accept(FIXTURE_DATA(crypto) *self, uint32_t e, uint16_t i,
		      uint16_t n, const uint8_t chal[16],
		      const uint8_t *sealed, size_t slen)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_PNE_ACCEPT);

	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_ENTITY_ID, ENTITY);
	nla_put_u32(m, CPNS_A_EPOCH, e);
	nla_put_u16(m, CPNS_A_INDEX, i);
	nla_put_u16(m, CPNS_A_N, n);
	nla_put(m, CPNS_A_CHALLENGE, 16, chal);
	nla_put(m, CPNS_A_SEALED, slen, sealed);
	return tgenl_call(self->t, m, self->tb, self->ext, sizeof(self->ext));
}

/* A sealed OK response for a chain (n, top) of epoch e, from the reference. */
static size_t ref_ok_response(FIXTURE_DATA(crypto) *self,
			      const uint8_t rand[32], uint64_t t, uint16_t n,
			      const uint8_t top[32], uint32_t e,
			      uint8_t *sealed)
{
	uint8_t kresp[32], kek[32], bundle[REF_BUNDLE_LEN], aad[REF_AAD_MAX];
	uint8_t nonce[12];
	size_t alen;

	ref_k_resp(self->psk, rand, kresp);
	ref_kek(self->tk, sizeof(self->tk), ENTITY, e, kek);
	ref_bundle(bundle, n, top, e, kek);
	alen = ref_resp_aad(aad, CPNS_OK, GW, USER, ENTITY, rand, t);
	rnd(nonce, sizeof(nonce));
	return ref_seal(kresp, nonce, aad, alen, bundle, sizeof(bundle),
			sealed);
}

/*
 * GW_REQUEST: the module's sealed ReqBody opens under the reference's
 * K_req and ReqAAD and equals the reference's ReqBody, with and without
 * a claim code (AuthHash, ClaimProof, HKDF, GCM seal).
 */
TEST_F(crypto, gw_request_matches_reference)
{
	uint8_t rand[32], sealed[512], pt[512], kreq[32], aad[REF_AAD_MAX];
	uint8_t ah[32], cp[32], body[REF_REQ_BODY_MAX];
	size_t slen, alen, blen;
	uint64_t t;
	int k;

	ASSERT_LT(0, add_cpns_key(self, "psk:" GW, self->psk, 32));
	for (k = 0; k < 2; k++) {
		const char *code = k ? NULL : CLAIM_CODE;

		ASSERT_EQ(0, gw_request(self, code, rand, &t, sealed, &slen))
			TH_LOG("extack: %s", self->ext);
		ref_k_req(self->psk, rand, kreq);
		alen = ref_req_aad(aad, GW, rand, t);
		ref_auth_hash(self->hpw, rand, t, ah);
		if (code)
			ref_claim_proof(code, GW, USER, ENTITY, rand, t, cp);
		blen = ref_req_body(body, USER, ENTITY, ah, code ? cp : NULL);
		ASSERT_EQ(blen + REF_SEALED_MIN, slen);
		ASSERT_EQ(0, ref_open(kreq, aad, alen, sealed, slen, pt))
			TH_LOG("the module's request does not open");
		EXPECT_EQ(0, differ(pt, body, blen));
		/* T is the kernel's clock */
		EXPECT_LE(labs((long)t - (long)time(NULL)), 5);
	}
}

/*
 * GW_RESPONSE, GW_DELIVER, GW_CONFIRM: the module opens the reference's
 * sealed responses (OK and a failure), refuses a changed one, derives the
 * same ChainID, seals deliveries the reference opens to the reference's
 * EUKey[i], and checks the reference's Confirm.
 */
TEST_F(crypto, gw_chain_matches_reference)
{
	uint8_t rand[32], sealed[512], kresp[32], aad[REF_AAD_MAX], nonce[12];
	uint8_t top[32], euk[32], kek[32], pt[512], cid[16], conf[32];
	const uint8_t *chal;
	size_t slen, alen;
	uint64_t t;
	uint16_t i;

	ASSERT_LT(0, add_cpns_key(self, "psk:" GW, self->psk, 32));

	/* A sealed AUTH_FAILED: one changed bit is EBADMSG, then verified. */
	ASSERT_EQ(0, gw_request(self, NULL, rand, &t, sealed, &slen));
	ref_k_resp(self->psk, rand, kresp);
	alen = ref_resp_aad(aad, CPNS_AUTH_FAILED, GW, USER, ENTITY, rand, t);
	rnd(nonce, sizeof(nonce));
	slen = ref_seal(kresp, nonce, aad, alen, NULL, 0, sealed);
	sealed[slen - 1] ^= 0x80;
	EXPECT_EQ(-EBADMSG, gw_response(self, rand, t, CPNS_AUTH_FAILED,
					sealed, slen));
	sealed[slen - 1] ^= 0x80;
	EXPECT_EQ(-EBADMSG, gw_response(self, rand, t, CPNS_NOT_OWNER,
					sealed, slen))
		TH_LOG("the status is in RespAAD");
	ASSERT_EQ(0, gw_response(self, rand, t, CPNS_AUTH_FAILED, sealed,
				 slen)) TH_LOG("extack: %s", self->ext);
	ASSERT_NE(NULL, self->tb[CPNS_A_STATUS]);
	EXPECT_EQ(CPNS_AUTH_FAILED, nla_get_u8(self->tb[CPNS_A_STATUS]));
	EXPECT_NE(NULL, self->tb[CPNS_A_VERIFIED]);

	/* An OK with a bundle of the reference's: n = 8, E = 3. */
	ASSERT_EQ(0, gw_request(self, NULL, rand, &t, sealed, &slen));
	rnd(top, sizeof(top));
	slen = ref_ok_response(self, rand, t, 8, top, 3, sealed);
	ASSERT_EQ(0, gw_response(self, rand, t, CPNS_OK, sealed, slen))
		TH_LOG("extack: %s", self->ext);
	ASSERT_NE(NULL, self->tb[CPNS_A_STATUS]);
	ASSERT_EQ(CPNS_OK, nla_get_u8(self->tb[CPNS_A_STATUS]));
	EXPECT_NE(NULL, self->tb[CPNS_A_VERIFIED]);
	ASSERT_NE(NULL, self->tb[CPNS_A_EPOCH]);
	EXPECT_EQ(3, nla_get_u32(self->tb[CPNS_A_EPOCH]));
	ASSERT_NE(NULL, self->tb[CPNS_A_N]);
	EXPECT_EQ(8, nla_get_u16(self->tb[CPNS_A_N]));
	ref_chain_key(top, 8, 1, euk);
	ref_chain_id(euk, cid);
	EXPECT_EQ(0, differ(bin(self->tb[CPNS_A_CHAIN_ID], 16), cid, 16));

	ref_kek(self->tk, sizeof(self->tk), ENTITY, 3, kek);
	for (i = 1; i <= 2; i++) {
		ASSERT_EQ(0, gw_deliver(self)) TH_LOG("extack: %s", self->ext);
		ASSERT_NE(NULL, self->tb[CPNS_A_INDEX]);
		ASSERT_EQ(i, nla_get_u16(self->tb[CPNS_A_INDEX]));
		chal = bin(self->tb[CPNS_A_CHALLENGE], 16);
		ASSERT_NE(NULL, chal);
		ASSERT_NE(NULL, bin(self->tb[CPNS_A_SEALED], 60));
		alen = ref_del_aad(aad, ENTITY, 3, i, 8);
		ASSERT_EQ(0, ref_open(kek, aad, alen,
				      nla_data(self->tb[CPNS_A_SEALED]), 60,
				      pt)) TH_LOG("delivery %u does not open", i);
		ref_chain_key(top, 8, i, euk);
		EXPECT_EQ(0, differ(pt, euk, 32));

		/* before gw_confirm() replaces tb, which chal points into */
		ref_confirm(euk, ENTITY, 3, i, chal, conf);
		conf[0] ^= 1;
		EXPECT_EQ(-EBADMSG, gw_confirm(self, i, conf));
		conf[0] ^= 1;
		ASSERT_EQ(0, gw_confirm(self, i, conf))
			TH_LOG("extack: %s", self->ext);
		ASSERT_NE(NULL, self->tb[CPNS_A_DELIVERED]);
		EXPECT_EQ(i, nla_get_u16(self->tb[CPNS_A_DELIVERED]));
	}
}

/* The longest chain: the module walks 65534 steps to EUKey[1]. */
TEST_F(crypto, gw_long_chain_matches_reference)
{
	uint8_t rand[32], sealed[512], aad[REF_AAD_MAX], top[32], euk[32];
	uint8_t kek[32], pt[64], cid[16];
	size_t slen, alen;
	uint64_t t;

	ASSERT_LT(0, add_cpns_key(self, "psk:" GW, self->psk, 32));
	ASSERT_EQ(0, gw_request(self, NULL, rand, &t, sealed, &slen));
	rnd(top, sizeof(top));
	slen = ref_ok_response(self, rand, t, 65535, top, 1, sealed);
	ASSERT_EQ(0, gw_response(self, rand, t, CPNS_OK, sealed, slen))
		TH_LOG("extack: %s", self->ext);
	ref_chain_key(top, 65535, 1, euk);
	ref_chain_id(euk, cid);
	EXPECT_EQ(0, differ(bin(self->tb[CPNS_A_CHAIN_ID], 16), cid, 16));
	ASSERT_EQ(0, gw_deliver(self));
	ASSERT_NE(NULL, bin(self->tb[CPNS_A_SEALED], 60));
	ref_kek(self->tk, sizeof(self->tk), ENTITY, 1, kek);
	alen = ref_del_aad(aad, ENTITY, 1, 1, 65535);
	ASSERT_EQ(0, ref_open(kek, aad, alen, nla_data(self->tb[CPNS_A_SEALED]),
			      60, pt));
	EXPECT_EQ(0, differ(pt, euk, 32));
}

/*
 * PNE_ACCEPT: the module derives KEK_E from its TK, opens the reference's
 * deliveries, answers the reference's Confirm, walks the chain to link a
 * renewal, and refuses a changed delivery, one sealed under another
 * epoch's key, and a key that is not of the chain.
 */
TEST_F(crypto, pne_accept_matches_reference)
{
	uint8_t top[32], euk[32], kek[32], kek_next[32], aad[REF_AAD_MAX];
	uint8_t nonce[12], chal[16], sealed[128], conf[32], other[32];
	const uint32_t e = 2;
	const uint16_t n = 300;
	size_t slen, alen;

	ASSERT_LT(0, add_cpns_key(self, "tk:" ENTITY, self->tk,
				  sizeof(self->tk)));
	rnd(top, sizeof(top));
	ref_kek(self->tk, sizeof(self->tk), ENTITY, e, kek);
	ref_kek(self->tk, sizeof(self->tk), ENTITY, e + 1, kek_next);

#define DELIVER(key, i, payload) do {					\
		alen = ref_del_aad(aad, ENTITY, e, (i), n);		\
		rnd(nonce, sizeof(nonce));				\
		rnd(chal, sizeof(chal));				\
		slen = ref_seal((key), nonce, aad, alen, (payload), 32,	\
				sealed);				\
	} while (0)

	/* First delivery, i = 2 */
	ref_chain_key(top, n, 2, euk);
	DELIVER(kek, 2, euk);
	ASSERT_EQ(0, pne_accept(self, e, 2, n, chal, sealed, slen))
		TH_LOG("extack: %s", self->ext);
	ASSERT_NE(NULL, self->tb[CPNS_A_CODE]);
	ASSERT_EQ(CPNS_ACCEPTED, nla_get_u8(self->tb[CPNS_A_CODE]));
	ref_confirm(euk, ENTITY, e, 2, chal, conf);
	EXPECT_EQ(0, differ(bin(self->tb[CPNS_A_CONFIRM], 32), conf, 32));

	/* A changed tag, then another epoch's key: REJECT_OPEN */
	ref_chain_key(top, n, 3, euk);
	DELIVER(kek, 3, euk);
	sealed[slen - 1] ^= 1;
	ASSERT_EQ(0, pne_accept(self, e, 3, n, chal, sealed, slen));
	EXPECT_EQ(CPNS_REJECT_OPEN, nla_get_u8(self->tb[CPNS_A_CODE]));
	DELIVER(kek_next, 3, euk);
	ASSERT_EQ(0, pne_accept(self, e, 3, n, chal, sealed, slen));
	EXPECT_EQ(CPNS_REJECT_OPEN, nla_get_u8(self->tb[CPNS_A_CODE]));

	/* A key not of the chain: REJECT_LINK */
	rnd(other, sizeof(other));
	DELIVER(kek, 5, other);
	ASSERT_EQ(0, pne_accept(self, e, 5, n, chal, sealed, slen));
	EXPECT_EQ(CPNS_REJECT_LINK, nla_get_u8(self->tb[CPNS_A_CODE]));

	/* A renewal far up the chain links back by H^(n - 2 - ...) */
	ref_chain_key(top, n, n, euk);
	DELIVER(kek, n, euk);
	ASSERT_EQ(0, pne_accept(self, e, n, n, chal, sealed, slen));
	ASSERT_EQ(CPNS_ACCEPTED, nla_get_u8(self->tb[CPNS_A_CODE]));
	ASSERT_NE(NULL, self->tb[CPNS_A_ACCEPT_KIND]);
	EXPECT_EQ(CPNS_ACCEPT_RENEWAL,
		  nla_get_u8(self->tb[CPNS_A_ACCEPT_KIND]));
	ref_confirm(euk, ENTITY, e, n, chal, conf);
	EXPECT_EQ(0, differ(bin(self->tb[CPNS_A_CONFIRM], 32), conf, 32));
#undef DELIVER
}

static int seal_record(FIXTURE_DATA(crypto) *self, int cmd, int id_attr,
		       const char *id, uint8_t *rec, size_t *rlen)
{
	struct nl_msg *m = tgenl_msg(self->t, cmd);
	int err, rattr;
	struct nlattr *a;

	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_MASTER, MASTER);
	put_id(m, id_attr, id);
	if (cmd == CPNS_CMD_SRV_SEAL_USER) {
		put_id(m, CPNS_A_PASSWORD, PASSWORD);
		rattr = CPNS_A_USER_RECORD;
	} else {
		nla_put(m, CPNS_A_TK, sizeof(self->tk), self->tk);
		put_id(m, CPNS_A_CLAIM_CODE, CLAIM_CODE);
		rattr = CPNS_A_ENTITY_RECORD;
	}
	err = tgenl_call(self->t, m, self->tb, self->ext, sizeof(self->ext));
	if (err)
		return err;
	a = self->tb[rattr];
	if (!a || nla_len(a) > 512)
		return -EPROTO;
	*rlen = nla_len(a);
	memcpy(rec, nla_data(a), *rlen);
	return 0;
}

/* A request sealed by the reference with a fresh RAND_PNGW and T = now. */
static size_t ref_request(FIXTURE_DATA(crypto) *self, const uint8_t hpw[32],
			  const char *code, uint8_t rand[32], uint64_t *t,
			  uint8_t *sealed)
{
	uint8_t kreq[32], aad[REF_AAD_MAX], body[REF_REQ_BODY_MAX], ah[32];
	uint8_t cp[32], nonce[12];
	size_t alen, blen;

	rnd(rand, 32);
	rnd(nonce, sizeof(nonce));
	*t = (uint64_t)time(NULL);
	ref_auth_hash(hpw, rand, *t, ah);
	if (code)
		ref_claim_proof(code, GW, USER, ENTITY, rand, *t, cp);
	blen = ref_req_body(body, USER, ENTITY, ah, code ? cp : NULL);
	ref_k_req(self->psk, rand, kreq);
	alen = ref_req_aad(aad, GW, rand, *t);
	return ref_seal(kreq, nonce, aad, alen, body, blen, sealed);
}

static int srv_respond(FIXTURE_DATA(crypto) *self, const uint8_t rand[32],
		       uint64_t t, const uint8_t *req, size_t reqlen,
		       const uint8_t *urec, size_t ulen, const uint8_t *erec,
		       size_t elen)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_SRV_RESPOND);

	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_MASTER, MASTER);
	put_id(m, CPNS_A_GW_ID, GW);
	nla_put(m, CPNS_A_RAND, 32, rand);
	nla_put_u64(m, CPNS_A_TIME, t);
	nla_put(m, CPNS_A_SEALED, reqlen, req);
	nla_put_u8(m, CPNS_A_STATUS, CPNS_OK);
	nla_put(m, CPNS_A_USER_RECORD, ulen, urec);
	nla_put(m, CPNS_A_ENTITY_RECORD, elen, erec);
	nla_put_u32(m, CPNS_A_EPOCH, 0);
	nla_put_u16(m, CPNS_A_N, 8);
	return tgenl_call(self->t, m, self->tb, self->ext, sizeof(self->ext));
}

/*
 * Server: the module opens the reference's request (check 2 and 4),
 * answers with a response the reference opens under K_resp, whose Bundle
 * carries the reference's KEK_E and a chain of the ChainID it reports;
 * a wrong password gets a sealed AUTH_FAILED with an empty bundle.
 */
TEST_F(crypto, server_matches_reference)
{
	uint8_t urec[512], erec[512], req[512], rand[32], kresp[32], pt[512];
	uint8_t aad[REF_AAD_MAX], kek[32], euk[32], cid[16], bad_hpw[32];
	const uint8_t *b;
	size_t ulen, elen, reqlen, alen, slen;
	struct nl_msg *m;
	uint64_t t;

	ASSERT_LT(0, add_cpns_key(self, "psk:" GW, self->psk, 32));
	ASSERT_LT(0, add_cpns_key(self, "master:" MASTER, self->master, 32));
	ASSERT_EQ(0, seal_record(self, CPNS_CMD_SRV_SEAL_USER,
				 CPNS_A_USER_ID, USER, urec, &ulen))
		TH_LOG("extack: %s", self->ext);
	ASSERT_EQ(0, seal_record(self, CPNS_CMD_SRV_SEAL_ENTITY,
				 CPNS_A_ENTITY_ID, ENTITY, erec, &elen))
		TH_LOG("extack: %s", self->ext);

	reqlen = ref_request(self, self->hpw, CLAIM_CODE, rand, &t, req);
	m = tgenl_msg(self->t, CPNS_CMD_SRV_OPEN_REQUEST);
	nla_put_s32(m, CPNS_A_KEYRING, self->keyring);
	put_id(m, CPNS_A_GW_ID, GW);
	nla_put(m, CPNS_A_RAND, 32, rand);
	nla_put_u64(m, CPNS_A_TIME, t);
	nla_put(m, CPNS_A_SEALED, reqlen, req);
	ASSERT_EQ(0, tgenl_call(self->t, m, self->tb, self->ext,
				sizeof(self->ext)))
		TH_LOG("extack: %s", self->ext);
	ASSERT_NE(NULL, self->tb[CPNS_A_STATUS]);
	ASSERT_EQ(CPNS_OK, nla_get_u8(self->tb[CPNS_A_STATUS]));
	EXPECT_NE(NULL, self->tb[CPNS_A_VERIFIED]);
	EXPECT_NE(NULL, self->tb[CPNS_A_CLAIM]);
	ASSERT_NE(NULL, self->tb[CPNS_A_USER_ID]);
	EXPECT_EQ(strlen(USER), nla_len(self->tb[CPNS_A_USER_ID]));
	EXPECT_EQ(0, memcmp(USER, nla_data(self->tb[CPNS_A_USER_ID]),
			    strlen(USER)));

	ASSERT_EQ(0, srv_respond(self, rand, t, req, reqlen, urec, ulen, erec,
				 elen)) TH_LOG("extack: %s", self->ext);
	ASSERT_NE(NULL, self->tb[CPNS_A_STATUS]);
	ASSERT_EQ(CPNS_OK, nla_get_u8(self->tb[CPNS_A_STATUS]));
	ASSERT_NE(NULL, self->tb[CPNS_A_SEALED]);
	slen = nla_len(self->tb[CPNS_A_SEALED]);
	ASSERT_EQ(REF_BUNDLE_LEN + REF_SEALED_MIN, slen);
	ref_k_resp(self->psk, rand, kresp);
	alen = ref_resp_aad(aad, CPNS_OK, GW, USER, ENTITY, rand, t);
	ASSERT_EQ(0, ref_open(kresp, aad, alen,
			      nla_data(self->tb[CPNS_A_SEALED]), slen, pt))
		TH_LOG("the module's response does not open");
	b = pt;
	EXPECT_EQ(8, b[0] << 8 | b[1]);
	EXPECT_EQ(1, b[34] << 24 | b[35] << 16 | b[36] << 8 | b[37]);
	ref_kek(self->tk, sizeof(self->tk), ENTITY, 1, kek);
	EXPECT_EQ(0, differ(b + 38, kek, 32)) TH_LOG("KEK_E");
	ref_chain_key(b + 2, 8, 1, euk);
	ref_chain_id(euk, cid);
	EXPECT_EQ(0, differ(bin(self->tb[CPNS_A_CHAIN_ID], 16), cid, 16));

	/* A wrong password: AUTH_FAILED, sealed over an empty bundle. */
	ref_hpw("wrong", 5, bad_hpw);
	reqlen = ref_request(self, bad_hpw, NULL, rand, &t, req);
	ASSERT_EQ(0, srv_respond(self, rand, t, req, reqlen, urec, ulen, erec,
				 elen)) TH_LOG("extack: %s", self->ext);
	ASSERT_NE(NULL, self->tb[CPNS_A_STATUS]);
	ASSERT_EQ(CPNS_AUTH_FAILED, nla_get_u8(self->tb[CPNS_A_STATUS]));
	ASSERT_NE(NULL, bin(self->tb[CPNS_A_SEALED], REF_SEALED_MIN));
	ref_k_resp(self->psk, rand, kresp);
	alen = ref_resp_aad(aad, CPNS_AUTH_FAILED, GW, USER, ENTITY, rand, t);
	EXPECT_EQ(0, ref_open(kresp, aad, alen,
			      nla_data(self->tb[CPNS_A_SEALED]),
			      REF_SEALED_MIN, pt));
}

TEST_HARNESS_MAIN
