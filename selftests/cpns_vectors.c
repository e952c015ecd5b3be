// SPDX-License-Identifier: GPL-2.0
/*
 * Every value of vectors-v1.json reproduced through the module's own
 * commands, for the "main" and the "edge" case, with the test playing the
 * other party through the independent userspace reference (lib/ref.h).
 *
 * The kernel draws its own RAND_PNGW, nonces and RAND_SVR, so where a
 * vector depends on them the test checks the kernel's output by opening
 * it with the reference and comparing every deterministic value (ReqBody,
 * AuthHash, ClaimProof, KEK_E, EUKey[i], ChainID, Confirm) byte for byte;
 * where the vector is an input the kernel opens (ReqSealed, RespSealed's
 * bundle, the deliveries), the vector's own bytes are given to it.
 *
 * The vectors are read from $CPNS_VECTORS, else cpns_vectors.json beside
 * the program.
 */

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "ref.h"
#include "tkeys.h"

static struct ref_json *vectors;

static const struct ref_json *load_vectors(void)
{
	char path[PATH_MAX], self[PATH_MAX];
	const char *env = getenv("CPNS_VECTORS");
	ssize_t n;

	if (vectors)
		return vectors;
	if (env) {
		snprintf(path, sizeof(path), "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return NULL;
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/cpns_vectors.json", dirname(self));
	}
	vectors = ref_json_load(path);
	return vectors;
}

/* The values of one case, decoded. */
struct vcase {
	const struct ref_json *j;
	char name[8];
	const char *gw, *user, *entity, *password, *claim_code;
	uint8_t psk[32], tk[64], rand[32], hpw[32], kek[32], kek_next[32];
	uint8_t bundle[REF_BUNDLE_LEN], chain_id[16], top[32];
	long tklen;
	uint64_t t, n, e;
	unsigned int ndeliveries;
};

static const char *vstr(const struct vcase *v, const char *path)
{
	char full[128];

	snprintf(full, sizeof(full), "%s.%s", v->name, path);
	return ref_json_str(v->j, full);
}

static long vhex(const struct vcase *v, const char *path, uint8_t *out, size_t max)
{
	char full[128];

	snprintf(full, sizeof(full), "%s.%s", v->name, path);
	return ref_json_hex(v->j, full, out, max);
}

static int vcase_load(struct vcase *v, const char *name)
{
	char full[64];

	memset(v, 0, sizeof(*v));
	v->j = load_vectors();
	if (!v->j)
		return -1;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->gw = vstr(v, "inputs.GwID");
	v->user = vstr(v, "inputs.UserID");
	v->entity = vstr(v, "inputs.EntityID");
	v->password = vstr(v, "inputs.password_utf8");
	v->claim_code = vstr(v, "inputs.ClaimCode");
	if (v->claim_code && !*v->claim_code)
		v->claim_code = NULL;
	v->tklen = vhex(v, "inputs.TK", v->tk, sizeof(v->tk));
	snprintf(full, sizeof(full), "%s.inputs.T", name);
	if (ref_json_u64(v->j, full, &v->t))
		return -1;
	snprintf(full, sizeof(full), "%s.inputs.n", name);
	if (ref_json_u64(v->j, full, &v->n))
		return -1;
	snprintf(full, sizeof(full), "%s.inputs.E", name);
	if (ref_json_u64(v->j, full, &v->e))
		return -1;
	if (!v->gw || !v->user || !v->entity || !v->password || v->tklen < 16 ||
	    vhex(v, "inputs.PSK1", v->psk, 32) != 32 ||
	    vhex(v, "inputs.RAND_PNGW", v->rand, 32) != 32 ||
	    vhex(v, "HPW", v->hpw, 32) != 32 ||
	    vhex(v, "KEK_E", v->kek, 32) != 32 ||
	    vhex(v, "KEK_E_next", v->kek_next, 32) != 32 ||
	    vhex(v, "Bundle", v->bundle, REF_BUNDLE_LEN) != REF_BUNDLE_LEN ||
	    vhex(v, "ChainID", v->chain_id, 16) != 16)
		return -1;
	memcpy(v->top, v->bundle + 2, 32);
	while (v->ndeliveries < 16) {
		snprintf(full, sizeof(full), "%s.Delivery.%u", name, v->ndeliveries);
		if (!ref_json_get(v->j, full))
			break;
		v->ndeliveries++;
	}
	return 0;
}

/* Delivery k of the case. */
struct vdel {
	uint64_t i;
	uint8_t challenge[16], sealed[64], euk[32], confirm[32];
	long sealedlen;
};

static int vdel_load(const struct vcase *v, unsigned int k, struct vdel *d)
{
	char p[64];

	snprintf(p, sizeof(p), "%s.Delivery.%u.i", v->name, k);
	if (ref_json_u64(v->j, p, &d->i))
		return -1;
#define DHEX(field, name, len) \
	(snprintf(p, sizeof(p), "Delivery.%u." name, k), vhex(v, p, d->field, len))
	d->sealedlen = DHEX(sealed, "sealed", sizeof(d->sealed));
	if (DHEX(challenge, "challenge", 16) != 16 || DHEX(euk, "euk", 32) != 32 ||
	    DHEX(confirm, "confirm", 32) != 32 || d->sealedlen != 60)
		return -1;
#undef DHEX
	return 0;
}

static void put_id(struct nl_msg *m, int attr, const char *id)
{
	nla_put(m, attr, strlen(id), id);
}

FIXTURE(vec) {
	struct vcase v;
	struct tgenl *t;
	int32_t ring;
	char ext[256];
};

FIXTURE_VARIANT(vec) {
	const char *name;
};

FIXTURE_VARIANT_ADD(vec, main) {
	.name = "main",
};

FIXTURE_VARIANT_ADD(vec, edge) {
	.name = "edge",
};

FIXTURE_SETUP(vec)
{
	ASSERT_EQ(0, vcase_load(&self->v, variant->name)) {
		TH_LOG("cannot load case %s of the vectors", variant->name);
	}
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
}

FIXTURE_TEARDOWN(vec)
{
	if (self->t)
		tgenl_close(self->t);
}

/* CPNS_CMD_GW_REQUEST for the case's identifiers; fills rand, t, the sealed request. */
static int gw_request(struct __test_metadata *_metadata, FIXTURE_DATA(vec) *self,
		      uint8_t rand[32], uint64_t *t, uint8_t *sealed, size_t *sealedlen)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_REQUEST);
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	put_id(m, CPNS_A_GW_ID, self->v.gw);
	put_id(m, CPNS_A_USER_ID, self->v.user);
	put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
	nla_put(m, CPNS_A_HPW, 32, self->v.hpw);
	if (self->v.claim_code)
		put_id(m, CPNS_A_CLAIM_CODE, self->v.claim_code);
	err = tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
	if (err)
		return err;
	EXPECT_NE(NULL, tb[CPNS_A_RAND]);
	EXPECT_NE(NULL, tb[CPNS_A_TIME]);
	EXPECT_NE(NULL, tb[CPNS_A_SEALED]);
	if (!tb[CPNS_A_RAND] || !tb[CPNS_A_TIME] || !tb[CPNS_A_SEALED])
		return -EPROTO;
	memcpy(rand, nla_data(tb[CPNS_A_RAND]), 32);
	*t = nla_get_u64(tb[CPNS_A_TIME]);
	*sealedlen = nla_len(tb[CPNS_A_SEALED]);
	memcpy(sealed, nla_data(tb[CPNS_A_SEALED]), *sealedlen);
	return 0;
}

/* CPNS_CMD_GW_RESPONSE with a response the test seals as the server. */
static int gw_response(FIXTURE_DATA(vec) *self, const uint8_t rand[32], uint64_t t,
		       uint8_t status, const uint8_t *bundle, size_t len,
		       struct nlattr **tb)
{
	uint8_t k[32], aad[REF_AAD_MAX], sealed[128], nonce[12] = { 1, 2, 3 };
	size_t aadlen, slen;
	struct nl_msg *m;

	ref_k_resp(self->v.psk, rand, k);
	aadlen = ref_resp_aad(aad, status, self->v.gw, self->v.user,
			      self->v.entity, rand, t);
	slen = ref_seal(k, nonce, aad, aadlen, bundle, len, sealed);
	m = tgenl_msg(self->t, CPNS_CMD_GW_RESPONSE);
	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	put_id(m, CPNS_A_GW_ID, self->v.gw);
	put_id(m, CPNS_A_USER_ID, self->v.user);
	put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
	nla_put(m, CPNS_A_RAND, 32, rand);
	nla_put_u64(m, CPNS_A_TIME, t);
	nla_put_u8(m, CPNS_A_STATUS, status);
	nla_put(m, CPNS_A_SEALED, slen, sealed);
	return tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
}

static void add_psk(struct __test_metadata *_metadata, FIXTURE_DATA(vec) *self)
{
	char desc[80];

	snprintf(desc, sizeof(desc), "psk:%s", self->v.gw);
	ASSERT_LT(0, tk_add(desc, self->v.psk, 32, self->ring));
}

/*
 * Profile 1: the kernel's sealed request opens under K_req from the
 * vector's PSK1 to exactly the ReqBody the reference builds for the
 * kernel's RAND_PNGW and T, with the vector's HPW and claim code.
 */
TEST_F(vec, gw_request_matches_reference)
{
	uint8_t rand[32], sealed[256], k[32], aad[REF_AAD_MAX], body[256];
	uint8_t want[REF_REQ_BODY_MAX], auth[32], proof[32];
	size_t slen, aadlen, wantlen;
	uint64_t t;

	add_psk(_metadata, self);
	ASSERT_EQ(0, gw_request(_metadata, self, rand, &t, sealed, &slen)) {
		TH_LOG("extack: %s", self->ext);
	}
	ASSERT_LE(llabs((long long)t - (long long)time(NULL)), 5);

	ref_k_req(self->v.psk, rand, k);
	aadlen = ref_req_aad(aad, self->v.gw, rand, t);
	ASSERT_EQ(0, ref_open(k, aad, aadlen, sealed, slen, body));

	ref_auth_hash(self->v.hpw, rand, t, auth);
	if (self->v.claim_code)
		ref_claim_proof(self->v.claim_code, self->v.gw, self->v.user,
				self->v.entity, rand, t, proof);
	wantlen = ref_req_body(want, self->v.user, self->v.entity, auth,
			       self->v.claim_code ? proof : NULL);
	ASSERT_EQ(wantlen, slen - REF_SEALED_MIN);
	ASSERT_EQ(0, memcmp(want, body, wantlen));

	/* Two requests never share RAND_PNGW or a nonce. */
	{
		uint8_t rand2[32], sealed2[256];
		size_t slen2;
		uint64_t t2;

		ASSERT_EQ(0, gw_request(_metadata, self, rand2, &t2, sealed2, &slen2));
		EXPECT_NE(0, memcmp(rand, rand2, 32));
		EXPECT_NE(0, memcmp(sealed, sealed2, 12));
	}
}

/*
 * Profile 4, 5, 7 on the GW: the vector's Bundle taken in, every index
 * delivered in turn opens under the vector's KEK_E to the vector's
 * EUKey[i], the reference's Confirm is accepted, and after n the chain is
 * exhausted.
 */
TEST_F(vec, gw_imports_bundle_and_delivers_vector_eukeys)
{
	uint8_t rand[32], sealed[256], aad[REF_AAD_MAX], euk[32], confirm[32];
	struct nlattr *tb[CPNS_A_MAX + 1];
	char desc[80], meta[160], want[160], idhex[33];
	size_t slen, aadlen;
	unsigned int i, k, matched = 0;
	uint64_t t;

	add_psk(_metadata, self);
	ASSERT_EQ(0, gw_request(_metadata, self, rand, &t, sealed, &slen));
	ASSERT_EQ(0, gw_response(self, rand, t, CPNS_OK, self->v.bundle,
				 REF_BUNDLE_LEN, tb)) {
		TH_LOG("extack: %s", self->ext);
	}
	ASSERT_NE(NULL, tb[CPNS_A_STATUS]);
	ASSERT_EQ(CPNS_OK, nla_get_u8(tb[CPNS_A_STATUS]));
	ASSERT_NE(NULL, tb[CPNS_A_VERIFIED]);
	ASSERT_EQ(self->v.e, nla_get_u32(tb[CPNS_A_EPOCH]));
	ASSERT_EQ(self->v.n, nla_get_u16(tb[CPNS_A_N]));
	ASSERT_EQ(0, memcmp(self->v.chain_id, nla_data(tb[CPNS_A_CHAIN_ID]), 16));
	ASSERT_NE(NULL, tb[CPNS_A_KEY_SERIAL]);

	/* The same response again: the request is no longer outstanding. */
	ASSERT_EQ(-ENOENT, gw_response(self, rand, t, CPNS_OK, self->v.bundle,
				       REF_BUNDLE_LEN, tb));

	snprintf(desc, sizeof(desc), "chain:%s", self->v.entity);
	ref_hex(self->v.chain_id, 16, idhex);
	for (i = 1; i <= self->v.n; i++) {
		struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_DELIVER);
		uint8_t challenge[16];
		uint16_t idx;

		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
		ASSERT_EQ(0, tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext)));
		ASSERT_EQ(CPNS_OK, nla_get_u8(tb[CPNS_A_STATUS]));
		idx = nla_get_u16(tb[CPNS_A_INDEX]);
		ASSERT_EQ(i, idx);
		ASSERT_EQ(self->v.e, nla_get_u32(tb[CPNS_A_EPOCH]));
		ASSERT_EQ(self->v.n, nla_get_u16(tb[CPNS_A_N]));
		ASSERT_EQ(60, nla_len(tb[CPNS_A_SEALED]));
		memcpy(challenge, nla_data(tb[CPNS_A_CHALLENGE]), 16);
		aadlen = ref_del_aad(aad, self->v.entity, self->v.e, i, self->v.n);
		ASSERT_EQ(0, ref_open(self->v.kek, aad, aadlen,
				      nla_data(tb[CPNS_A_SEALED]), 60, euk));
		/* and never under the next epoch's key */
		ASSERT_EQ(-1, ref_open(self->v.kek_next, aad, aadlen,
				       nla_data(tb[CPNS_A_SEALED]), 60, confirm));
		for (k = 0; k < self->v.ndeliveries; k++) {
			uint8_t vaad[REF_AAD_MAX], got[32];
			struct vdel d;
			char vp[32];
			long vlen;

			ASSERT_EQ(0, vdel_load(&self->v, k, &d));
			if (d.i != i)
				continue;
			ASSERT_EQ(0, memcmp(d.euk, euk, 32));
			/* the kernel's delivery opens with the vector's own DelAAD */
			snprintf(vp, sizeof(vp), "Delivery.%u.aad", k);
			vlen = vhex(&self->v, vp, vaad, sizeof(vaad));
			ASSERT_LT(0, vlen);
			ASSERT_EQ(0, ref_open(self->v.kek, vaad, vlen,
					      nla_data(tb[CPNS_A_SEALED]), 60, got));
			ASSERT_EQ(0, memcmp(got, euk, 32));
			matched++;
		}
		/* and its EUKey[i], where the vector lists one */
		{
			uint8_t vk[32];
			char vp[32];

			snprintf(vp, sizeof(vp), "EUKey.%u", i);
			if (vhex(&self->v, vp, vk, 32) == 32) {
				ASSERT_EQ(0, memcmp(vk, euk, 32));
				matched++;
			}
		}

		ref_confirm(euk, self->v.entity, self->v.e, i, challenge, confirm);
		/* a Confirm that is one bit off is refused and records nothing */
		confirm[0] ^= 1;
		m = tgenl_msg(self->t, CPNS_CMD_GW_CONFIRM);
		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
		nla_put_u16(m, CPNS_A_INDEX, i);
		nla_put_u8(m, CPNS_A_CODE, CPNS_ACCEPTED);
		nla_put(m, CPNS_A_CONFIRM, 32, confirm);
		ASSERT_EQ(-EBADMSG, tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext)));
		confirm[0] ^= 1;
		m = tgenl_msg(self->t, CPNS_CMD_GW_CONFIRM);
		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
		nla_put_u16(m, CPNS_A_INDEX, i);
		nla_put_u8(m, CPNS_A_CODE, CPNS_ACCEPTED);
		nla_put(m, CPNS_A_CONFIRM, 32, confirm);
		ASSERT_EQ(0, tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext))) {
			TH_LOG("confirm %u: %s", i, self->ext);
		}
		ASSERT_EQ(i, nla_get_u16(tb[CPNS_A_DELIVERED]));

		ASSERT_EQ(0, tk_proc_keys_line(tk_held_search(desc), meta,
					       sizeof(meta)));
		snprintf(want, sizeof(want), "E=%u n=%u delivered=%u id=%s",
			 (unsigned int)self->v.e, (unsigned int)self->v.n, i, idhex);
		ASSERT_STREQ(want, meta);
	}
	{
		const struct ref_json *ek;
		char p[32];
		unsigned int nkeys = 0;

		snprintf(p, sizeof(p), "%s.EUKey", self->v.name);
		ek = ref_json_get(self->v.j, p);
		ASSERT_NE(NULL, ek);
		for (ek = ek->child; ek; ek = ek->next)
			nkeys++;
		ASSERT_EQ(self->v.ndeliveries + nkeys, matched);
	}

	{
		struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_DELIVER);

		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
		ASSERT_EQ(0, tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext)));
		ASSERT_EQ(CPNS_CHAIN_EXHAUSTED, nla_get_u8(tb[CPNS_A_STATUS]));
		ASSERT_EQ(NULL, tb[CPNS_A_SEALED]);
	}
}

/* FailResponse: a sealed AUTH_FAILED is verified and creates nothing. */
TEST_F(vec, gw_verified_fail_response)
{
	uint8_t rand[32], sealed[256];
	struct nlattr *tb[CPNS_A_MAX + 1];
	char desc[80];
	size_t slen;
	uint64_t t;

	add_psk(_metadata, self);
	ASSERT_EQ(0, gw_request(_metadata, self, rand, &t, sealed, &slen));
	/* sealed under the wrong status: does not open, request stays */
	{
		uint8_t k[32], aad[REF_AAD_MAX], s[64], nonce[12] = { 9 };
		size_t aadlen = ref_resp_aad(aad, CPNS_AUTH_FAILED, self->v.gw,
					     self->v.user, self->v.entity, rand, t);
		size_t sl;
		struct nl_msg *m;

		ref_k_resp(self->v.psk, rand, k);
		sl = ref_seal(k, nonce, aad, aadlen, NULL, 0, s);
		m = tgenl_msg(self->t, CPNS_CMD_GW_RESPONSE);
		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_GW_ID, self->v.gw);
		put_id(m, CPNS_A_USER_ID, self->v.user);
		put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
		nla_put(m, CPNS_A_RAND, 32, rand);
		nla_put_u64(m, CPNS_A_TIME, t);
		nla_put_u8(m, CPNS_A_STATUS, CPNS_NOT_OWNER);
		nla_put(m, CPNS_A_SEALED, sl, s);
		ASSERT_EQ(-EBADMSG, tgenl_call(self->t, m, tb, self->ext,
					       sizeof(self->ext)));
	}
	ASSERT_EQ(0, gw_response(self, rand, t, CPNS_AUTH_FAILED, NULL, 0, tb));
	ASSERT_EQ(CPNS_AUTH_FAILED, nla_get_u8(tb[CPNS_A_STATUS]));
	ASSERT_NE(NULL, tb[CPNS_A_VERIFIED]);
	ASSERT_EQ(NULL, tb[CPNS_A_CHAIN_ID]);
	snprintf(desc, sizeof(desc), "chain:%s", self->v.entity);
	ASSERT_EQ(-ENOKEY, tk_held_search(desc));
}

static int pne_accept(FIXTURE_DATA(vec) *self, uint32_t e, uint16_t i, uint16_t n,
		      const uint8_t challenge[16], const uint8_t *sealed,
		      size_t len, struct nlattr **tb)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_PNE_ACCEPT);

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
	nla_put_u32(m, CPNS_A_EPOCH, e);
	nla_put_u16(m, CPNS_A_INDEX, i);
	nla_put_u16(m, CPNS_A_N, n);
	nla_put(m, CPNS_A_CHALLENGE, 16, challenge);
	nla_put(m, CPNS_A_SEALED, len, sealed);
	return tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
}

/*
 * Profile 5, 6, 7 on the PNE: the vector's deliveries accepted in order
 * with exactly the vector's Confirm; the tampered delivery, and the
 * deliveries under KEK_E_next, refused with the held key untouched.
 */
TEST_F(vec, pne_accepts_vector_deliveries)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	char desc[80], meta[160], before[160];
	uint8_t tampered[64];
	unsigned int k;
	int32_t tk;
	struct vdel d;

	snprintf(desc, sizeof(desc), "tk:%s", self->v.entity);
	tk = tk_add(desc, self->v.tk, self->v.tklen, self->ring);
	ASSERT_LT(0, tk);
	snprintf(desc, sizeof(desc), "euk:%s", self->v.entity);

	for (k = 0; k < self->v.ndeliveries; k++) {
		uint8_t nonce[12];
		char p[32];

		ASSERT_EQ(0, vdel_load(&self->v, k, &d));
		/* the sealed form the PNE opens starts with the vector's nonce */
		snprintf(p, sizeof(p), "Delivery.%u.nonce", k);
		ASSERT_EQ(12, vhex(&self->v, p, nonce, 12));
		ASSERT_EQ(0, memcmp(nonce, d.sealed, 12));
		ASSERT_EQ(0, pne_accept(self, self->v.e, d.i, self->v.n, d.challenge,
					d.sealed, d.sealedlen, tb)) {
			TH_LOG("extack: %s", self->ext);
		}
		ASSERT_EQ(CPNS_ACCEPTED, nla_get_u8(tb[CPNS_A_CODE]));
		ASSERT_EQ(k ? CPNS_ACCEPT_RENEWAL : CPNS_ACCEPT_FIRST,
			  nla_get_u8(tb[CPNS_A_ACCEPT_KIND]));
		ASSERT_NE(NULL, tb[CPNS_A_CONFIRM]);
		ASSERT_EQ(0, memcmp(d.confirm, nla_data(tb[CPNS_A_CONFIRM]), 32));
		ASSERT_EQ(0, tk_proc_keys_line(tk_held_search(desc), meta,
					       sizeof(meta)));
		{
			char want[160], idhex[33];

			ref_hex(self->v.chain_id, 16, idhex);
			snprintf(want, sizeof(want), "E=%u i=%u n=%u id=%s",
				 (unsigned int)self->v.e, (unsigned int)d.i,
				 (unsigned int)self->v.n, idhex);
			ASSERT_STREQ(want, meta);
		}
	}

	/* The last one again, as after a lost acknowledgement. */
	ASSERT_EQ(0, pne_accept(self, self->v.e, d.i, self->v.n, d.challenge,
				d.sealed, d.sealedlen, tb));
	ASSERT_EQ(CPNS_ACCEPTED, nla_get_u8(tb[CPNS_A_CODE]));
	ASSERT_EQ(CPNS_ACCEPT_REPEAT, nla_get_u8(tb[CPNS_A_ACCEPT_KIND]));
	ASSERT_EQ(0, memcmp(d.confirm, nla_data(tb[CPNS_A_CONFIRM]), 32));
	ASSERT_EQ(0, tk_proc_keys_line(tk_held_search(desc), before,
				       sizeof(before)));

	/* DeliveryTampered */
	{
		char p[64];
		long len;

		snprintf(p, sizeof(p), "%s.DeliveryTampered.sealed", self->v.name);
		len = ref_json_hex(self->v.j, p, tampered, sizeof(tampered));
		ASSERT_EQ(60, len);
		uint64_t ti;
		unsigned int b, bits = 0;

		ASSERT_STREQ("REJECT_OPEN",
			     vstr(&self->v, "DeliveryTampered.must"));
		snprintf(p, sizeof(p), "%s.DeliveryTampered.i", self->v.name);
		ASSERT_EQ(0, ref_json_u64(self->v.j, p, &ti));
		/* delivery ti of the vector, one bit changed */
		for (k = 0; k < self->v.ndeliveries; k++) {
			ASSERT_EQ(0, vdel_load(&self->v, k, &d));
			if (d.i == ti)
				break;
		}
		ASSERT_LT(k, self->v.ndeliveries);
		for (b = 0; b < 60; b++)
			bits += __builtin_popcount(d.sealed[b] ^ tampered[b]);
		ASSERT_EQ(1, bits);
		ASSERT_EQ(0, pne_accept(self, self->v.e, d.i, self->v.n, d.challenge,
					tampered, len, tb));
		ASSERT_EQ(CPNS_REJECT_OPEN, nla_get_u8(tb[CPNS_A_CODE]));
		ASSERT_EQ(NULL, tb[CPNS_A_CONFIRM]);
	}

	/* Under KEK_E_next: the vector's EUKey sealed for epoch E + 1 ... */
	{
		uint8_t aad[REF_AAD_MAX], s[64], nonce[12] = { 7 };
		size_t aadlen;

		ASSERT_EQ(0, vdel_load(&self->v, self->v.ndeliveries - 1, &d));
		aadlen = ref_del_aad(aad, self->v.entity, self->v.e, d.i, self->v.n);
		ref_seal(self->v.kek_next, nonce, aad, aadlen, d.euk, 32, s);
		/* ... but announced as epoch E: does not open */
		ASSERT_EQ(0, pne_accept(self, self->v.e, d.i, self->v.n, d.challenge,
					s, 60, tb));
		ASSERT_EQ(CPNS_REJECT_OPEN, nla_get_u8(tb[CPNS_A_CODE]));
		/* the vector's delivery announced as epoch E + 1: does not open */
		ASSERT_EQ(0, pne_accept(self, self->v.e + 1, d.i, self->v.n,
					d.challenge, d.sealed, d.sealedlen, tb));
		ASSERT_EQ(CPNS_REJECT_OPEN, nla_get_u8(tb[CPNS_A_CODE]));
	}
	ASSERT_EQ(0, tk_proc_keys_line(tk_held_search(desc), meta, sizeof(meta)));
	ASSERT_STREQ(before, meta);

	/* The next epoch's delivery, sealed under KEK_E_next: a new chain. */
	{
		uint8_t aad[REF_AAD_MAX], s[64], nonce[12] = { 8 };
		size_t aadlen;

		ASSERT_EQ(0, vdel_load(&self->v, 0, &d));
		aadlen = ref_del_aad(aad, self->v.entity, self->v.e + 1, d.i, self->v.n);
		ref_seal(self->v.kek_next, nonce, aad, aadlen, d.euk, 32, s);
		ASSERT_EQ(0, pne_accept(self, self->v.e + 1, d.i, self->v.n, d.challenge,
					s, 60, tb));
		ASSERT_EQ(CPNS_ACCEPTED, nla_get_u8(tb[CPNS_A_CODE]));
		ASSERT_EQ(CPNS_ACCEPT_NEW_EPOCH, nla_get_u8(tb[CPNS_A_ACCEPT_KIND]));
	}
}

/* Set the clock for the server's check 1, and put it back. */
static time_t clock_to(uint64_t t)
{
	struct timespec now, ts = { .tv_sec = (time_t)t };

	clock_gettime(CLOCK_REALTIME, &now);
	if (clock_settime(CLOCK_REALTIME, &ts))
		return -1;
	return now.tv_sec - (time_t)t;
}

static void clock_back(time_t delta)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec += delta;
	clock_settime(CLOCK_REALTIME, &now);
}

static int srv_seal(FIXTURE_DATA(vec) *self, uint8_t cmd, int attr_out,
		    uint8_t *rec, size_t *reclen, const char *password)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(self->t, cmd);
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	put_id(m, CPNS_A_MASTER, "store");
	if (cmd == CPNS_CMD_SRV_SEAL_USER) {
		put_id(m, CPNS_A_USER_ID, self->v.user);
		nla_put(m, CPNS_A_PASSWORD, strlen(password), password);
	} else {
		put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
		nla_put(m, CPNS_A_TK, self->v.tklen, self->v.tk);
		put_id(m, CPNS_A_CLAIM_CODE,
		       self->v.claim_code ? self->v.claim_code : "CLAIM-UNUSED");
	}
	err = tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
	if (err)
		return err;
	if (!tb[attr_out])
		return -EPROTO;
	*reclen = nla_len(tb[attr_out]);
	memcpy(rec, nla_data(tb[attr_out]), *reclen);
	return 0;
}

static int srv_respond_to(FIXTURE_DATA(vec) *self, const uint8_t rand[32], uint64_t t,
			  const uint8_t *req, size_t reqlen,
			  const uint8_t *urec, size_t ureclen, const uint8_t *erec,
			  size_t ereclen, struct nlattr **tb)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_SRV_RESPOND);
	time_t delta;
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	put_id(m, CPNS_A_MASTER, "store");
	put_id(m, CPNS_A_GW_ID, self->v.gw);
	nla_put(m, CPNS_A_RAND, 32, rand);
	nla_put_u64(m, CPNS_A_TIME, t);
	nla_put(m, CPNS_A_SEALED, reqlen, req);
	nla_put_u8(m, CPNS_A_STATUS, CPNS_OK);
	nla_put(m, CPNS_A_USER_RECORD, ureclen, urec);
	nla_put(m, CPNS_A_ENTITY_RECORD, ereclen, erec);
	if (!self->v.claim_code)	/* "edge": a re-assignment by the owner */
		put_id(m, CPNS_A_OWNER, self->v.user);
	nla_put_u32(m, CPNS_A_EPOCH, self->v.e - 1);
	nla_put_u16(m, CPNS_A_N, self->v.n);
	/* RESPOND judges T by the kernel's clock: set it to this T. */
	delta = clock_to(t);
	if (delta == -1) {
		nlmsg_free(m);
		return -EIO;
	}
	err = tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
	clock_back(delta);
	return err;
}

/*
 * The entity's record before the vector's request: E - 1, owned by the
 * vector's user for a re-assignment ("edge"), unowned for a first claim.
 * The module makes only the first state (SRV_SEAL_ENTITY: E 0, unowned);
 * a later one is sealed here with the reference under the test's master.
 */
static size_t entity_before(FIXTURE_DATA(vec) *self, const uint8_t master[32],
			    uint8_t *erec)
{
	uint8_t aad[REF_AAD_MAX], pt[256], nonce[REF_NONCE_LEN] = { 7 };
	size_t aadlen, len;

	aadlen = ref_record_aad(aad, REF_RECORD_ENTITY, REF_RECORD_VERSION,
				self->v.entity);
	len = ref_entity_record_pt(pt, self->v.e - 1,
				   self->v.claim_code ? NULL : self->v.user,
				   self->v.tk, self->v.tklen,
				   self->v.claim_code ? self->v.claim_code :
				   "CLAIM-UNUSED");
	return ref_seal(master, nonce, aad, aadlen, pt, len, erec);
}

/* SRV_RESPOND for the vector's own RAND_PNGW and T. */
static int srv_respond(FIXTURE_DATA(vec) *self, const uint8_t *req, size_t reqlen,
		       const uint8_t *urec, size_t ureclen, const uint8_t *erec,
		       size_t ereclen, struct nlattr **tb)
{
	return srv_respond_to(self, self->v.rand, self->v.t, req, reqlen, urec,
			      ureclen, erec, ereclen, tb);
}

/*
 * Profile 2, 3, 4 on the server: the vector's ReqSealed opens and passes
 * every check against records sealed from the vector's password, TK and
 * claim code; the response opens under the vector's K_resp with the
 * vector's RespAAD, and its bundle carries the vector's n, E and KEK_E.
 * With another password: the vector's FailResponse AAD, AUTH_FAILED.
 */
TEST_F(vec, server_answers_vector_request)
{
	uint8_t req[256], urec[128], erec[256], badrec[128], master[32];
	uint8_t kresp[32], aad[REF_AAD_MAX], bundle[128], euk1[32], cid[16];
	struct nlattr *tb[CPNS_A_MAX + 1];
	size_t ureclen, ereclen, badreclen;
	long reqlen, aadlen;
	time_t delta;
	char desc[80];
	int err;

	add_psk(_metadata, self);
	memset(master, 0x5a, sizeof(master));
	ASSERT_LT(0, tk_add("master:store", master, 32, self->ring));
	ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_USER, CPNS_A_USER_RECORD,
			      urec, &ureclen, self->v.password));
	ASSERT_EQ(32 + REF_SEALED_MIN, ureclen);
	ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_USER, CPNS_A_USER_RECORD,
			      badrec, &badreclen, "not the password"));
	ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_ENTITY, CPNS_A_ENTITY_RECORD,
			      erec, &ereclen, NULL)) {
		TH_LOG("extack: %s", self->ext);
	}
	/* "main" claims the record the module made; "edge" needs E - 1 = 6. */
	if (self->v.e != 1 || !self->v.claim_code)
		ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_ENTITY, CPNS_A_ENTITY_RECORD,
			      erec, &ereclen, NULL));
	/* "main" claims the record the module made; "edge" needs E - 1 = 6. */
	if (self->v.e != 1 || !self->v.claim_code)
		ereclen = entity_before(self, master, erec);
	reqlen = vhex(&self->v, "ReqSealed", req, sizeof(req));
	ASSERT_LT(REF_SEALED_MIN, reqlen);
	ASSERT_EQ(32, vhex(&self->v, "K_resp", kresp, 32));

	delta = clock_to(self->v.t);
	ASSERT_NE(-1, delta);
	{
		struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_SRV_OPEN_REQUEST);

		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_GW_ID, self->v.gw);
		nla_put(m, CPNS_A_RAND, 32, self->v.rand);
		nla_put_u64(m, CPNS_A_TIME, self->v.t);
		nla_put(m, CPNS_A_SEALED, reqlen, req);
		err = tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
	}
	clock_back(delta);
	ASSERT_EQ(0, err) {
		TH_LOG("extack: %s", self->ext);
	}
	ASSERT_EQ(CPNS_OK, nla_get_u8(tb[CPNS_A_STATUS]));
	ASSERT_NE(NULL, tb[CPNS_A_VERIFIED]);
	ASSERT_EQ(strlen(self->v.user), nla_len(tb[CPNS_A_USER_ID]));
	ASSERT_EQ(0, memcmp(self->v.user, nla_data(tb[CPNS_A_USER_ID]),
			    strlen(self->v.user)));
	ASSERT_EQ(0, memcmp(self->v.entity, nla_data(tb[CPNS_A_ENTITY_ID]),
			    strlen(self->v.entity)));
	ASSERT_EQ(!!self->v.claim_code, !!tb[CPNS_A_CLAIM]);

	/* The wrong password: the vector's FailResponse. */
	ASSERT_EQ(0, srv_respond(self, req, reqlen, badrec, badreclen, erec,
				 ereclen, tb));
	{
		char p[48];
		uint64_t st;

		snprintf(p, sizeof(p), "%s.FailResponse.status", self->v.name);
		ASSERT_EQ(0, ref_json_u64(self->v.j, p, &st));
		ASSERT_EQ(st, nla_get_u8(tb[CPNS_A_STATUS]));
	}
	aadlen = vhex(&self->v, "FailResponse.aad", aad, sizeof(aad));
	ASSERT_LT(0, aadlen);
	ASSERT_EQ(REF_SEALED_MIN, nla_len(tb[CPNS_A_SEALED]));
	ASSERT_EQ(0, ref_open(kresp, aad, aadlen, nla_data(tb[CPNS_A_SEALED]),
			      REF_SEALED_MIN, bundle));
	ASSERT_EQ(NULL, tb[CPNS_A_CHAIN_RECORD]);

	/* The right one: the vector's RespAAD, n, E and KEK_E. */
	ASSERT_EQ(0, srv_respond(self, req, reqlen, urec, ureclen, erec, ereclen,
				 tb)) {
		TH_LOG("extack: %s", self->ext);
	}
	ASSERT_EQ(CPNS_OK, nla_get_u8(tb[CPNS_A_STATUS]));
	ASSERT_EQ(!!self->v.claim_code, !!tb[CPNS_A_CLAIM]);
	ASSERT_EQ(self->v.e, nla_get_u32(tb[CPNS_A_EPOCH]));
	ASSERT_EQ(self->v.n, nla_get_u16(tb[CPNS_A_N]));
	ASSERT_NE(NULL, tb[CPNS_A_CHAIN_RECORD]);
	/* the entity's next record: E, owned by the vector's user */
	ASSERT_NE(NULL, tb[CPNS_A_ENTITY_RECORD]);
	{
		uint8_t want[256], got[256];
		size_t wlen;

		aadlen = ref_record_aad(aad, REF_RECORD_ENTITY,
					REF_ENTITY_RECORD_VERSION, self->v.entity);
		wlen = ref_entity_record_pt3(want, self->v.e, 0, self->v.user,
					     self->v.tk, self->v.tklen,
					     self->v.claim_code ? self->v.claim_code :
					     "CLAIM-UNUSED");
		ASSERT_EQ(wlen + REF_SEALED_MIN, nla_len(tb[CPNS_A_ENTITY_RECORD]));
		ASSERT_EQ(0, ref_open(master, aad, aadlen,
				      nla_data(tb[CPNS_A_ENTITY_RECORD]),
				      nla_len(tb[CPNS_A_ENTITY_RECORD]), got));
		ASSERT_EQ(0, memcmp(want, got, wlen));
	}
	aadlen = vhex(&self->v, "RespAAD", aad, sizeof(aad));
	ASSERT_LT(0, aadlen);
	ASSERT_EQ(REF_BUNDLE_LEN + REF_SEALED_MIN, nla_len(tb[CPNS_A_SEALED]));
	ASSERT_EQ(0, ref_open(kresp, aad, aadlen, nla_data(tb[CPNS_A_SEALED]),
			      nla_len(tb[CPNS_A_SEALED]), bundle));
	ASSERT_EQ(self->v.n, (unsigned int)(bundle[0] << 8 | bundle[1]));
	ASSERT_EQ(0, memcmp(self->v.bundle + 34, bundle + 34, 4));	/* E */
	ASSERT_EQ(0, memcmp(self->v.kek, bundle + 38, 32));		/* KEK_E */
	/* a fresh chain: RAND_SVR is the kernel's, never the vector's */
	ASSERT_NE(0, memcmp(self->v.top, bundle + 2, 32));
	ASSERT_EQ(0, ref_chain_key(bundle + 2, self->v.n, 1, euk1));
	ref_chain_id(euk1, cid);
	ASSERT_EQ(0, memcmp(cid, nla_data(tb[CPNS_A_CHAIN_ID]), 16));

	/* Nothing of the server's is left in its keyring but what it had. */
	snprintf(desc, sizeof(desc), "chain:%s", self->v.entity);
	ASSERT_EQ(-ENOKEY, tk_held_search(desc));
}

/* The status the vector gives at path, or -1. */
static int vstatus(const struct vcase *v, const char *path)
{
	char full[64];
	uint64_t st;

	snprintf(full, sizeof(full), "%s.%s", v->name, path);
	return ref_json_u64(v->j, full, &st) || st > 255 ? -1 : (int)st;
}

/* SRV_RESPOND of the vector's request with a status decided in userspace. */
static int srv_refuse(FIXTURE_DATA(vec) *self, const uint8_t *req, size_t reqlen,
		      uint8_t status, struct nlattr **tb)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_SRV_RESPOND);
	time_t delta;
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	put_id(m, CPNS_A_MASTER, "store");
	put_id(m, CPNS_A_GW_ID, self->v.gw);
	nla_put(m, CPNS_A_RAND, 32, self->v.rand);
	nla_put_u64(m, CPNS_A_TIME, self->v.t);
	nla_put(m, CPNS_A_SEALED, reqlen, req);
	nla_put_u8(m, CPNS_A_STATUS, status);
	nla_put_u32(m, CPNS_A_EPOCH, self->v.e - 1);
	nla_put_u16(m, CPNS_A_N, self->v.n);
	/* RESPOND judges T by the kernel's clock: set it to the vector's. */
	delta = clock_to(self->v.t);
	if (delta == -1) {
		nlmsg_free(m);
		return -EIO;
	}
	err = tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
	clock_back(delta);
	return err;
}

/*
 * Profile 4, text revision 1.1, on the server: REPLAY and a sealed
 * MALFORMED of the vector's request open under the vector's K_resp with
 * exactly the vector's ReplayResponse.aad / MalformedResponse.aad (empty
 * identifiers), and not under the same AAD binding the parsed ones.
 */
TEST_F(vec, server_replay_malformed_bind_empty_ids)
{
	static const char *const what[] = { "ReplayResponse", "MalformedResponse" };
	uint8_t req[256], master[32], kresp[32], aad[REF_AAD_MAX], pt[64];
	struct nlattr *tb[CPNS_A_MAX + 1];
	long reqlen, aadlen;
	unsigned int k;
	char p[48];

	add_psk(_metadata, self);
	memset(master, 0x5a, sizeof(master));
	ASSERT_LT(0, tk_add("master:store", master, 32, self->ring));
	reqlen = vhex(&self->v, "ReqSealed", req, sizeof(req));
	ASSERT_LT(REF_SEALED_MIN, reqlen);
	ASSERT_EQ(32, vhex(&self->v, "K_resp", kresp, 32));
	for (k = 0; k < 2; k++) {
		int st;

		snprintf(p, sizeof(p), "%s.status", what[k]);
		st = vstatus(&self->v, p);
		ASSERT_EQ(k ? CPNS_MALFORMED : CPNS_REPLAY, st);
		ASSERT_EQ(0, srv_refuse(self, req, reqlen, st, tb)) {
			TH_LOG("%s: %s", what[k], self->ext);
		}
		ASSERT_EQ(st, nla_get_u8(tb[CPNS_A_STATUS]));
		ASSERT_EQ(REF_SEALED_MIN, nla_len(tb[CPNS_A_SEALED]));
		snprintf(p, sizeof(p), "%s.aad", what[k]);
		aadlen = vhex(&self->v, p, aad, sizeof(aad));
		ASSERT_LT(0, aadlen);
		ASSERT_EQ(0, ref_open(kresp, aad, aadlen, nla_data(tb[CPNS_A_SEALED]),
				      REF_SEALED_MIN, pt)) TH_LOG("%s", what[k]);
		aadlen = ref_resp_aad(aad, st, self->v.gw, self->v.user, self->v.entity,
				      self->v.rand, self->v.t);
		ASSERT_EQ(-1, ref_open(kresp, aad, aadlen, nla_data(tb[CPNS_A_SEALED]),
				       REF_SEALED_MIN, pt));
	}
}

/*
 * The same on the GW: for its own request, the vector's ReplayResponse and
 * MalformedResponse AAD (RAND_PNGW and T made the request's) seal a status
 * it verifies; binding the request's identifiers, one it refuses.
 */
TEST_F(vec, gw_verifies_replay_malformed_with_empty_ids)
{
	static const char *const what[] = { "ReplayResponse", "MalformedResponse" };
	uint8_t rand[32], sealed[256], aad[REF_AAD_MAX], k[32], s[64], nonce[12];
	struct nlattr *tb[CPNS_A_MAX + 1];
	unsigned int w, bad;
	size_t slen, sl;
	long aadlen;
	char p[48];
	uint64_t t;

	add_psk(_metadata, self);
	for (w = 0; w < 2; w++) {
		int st;

		snprintf(p, sizeof(p), "%s.status", what[w]);
		st = vstatus(&self->v, p);
		ASSERT_LE(0, st);
		for (bad = 0; bad < 2; bad++) {
			struct nl_msg *m;
			int i;

			ASSERT_EQ(0, gw_request(_metadata, self, rand, &t, sealed, &slen));
			ref_k_resp(self->v.psk, rand, k);
			if (bad) {
				aadlen = ref_resp_aad(aad, st, self->v.gw, self->v.user,
						      self->v.entity, rand, t);
			} else {
				snprintf(p, sizeof(p), "%s.aad", what[w]);
				aadlen = vhex(&self->v, p, aad, sizeof(aad));
				ASSERT_LT(40, aadlen);
				memcpy(aad + aadlen - 40, rand, 32);
				for (i = 0; i < 8; i++)
					aad[aadlen - 8 + i] = t >> (56 - 8 * i);
			}
			snprintf(p, sizeof(p), "%s.nonce", what[w]);
			ASSERT_EQ(12, vhex(&self->v, p, nonce, 12));
			sl = ref_seal(k, nonce, aad, aadlen, NULL, 0, s);
			m = tgenl_msg(self->t, CPNS_CMD_GW_RESPONSE);
			nla_put_s32(m, CPNS_A_KEYRING, self->ring);
			put_id(m, CPNS_A_GW_ID, self->v.gw);
			put_id(m, CPNS_A_USER_ID, self->v.user);
			put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
			nla_put(m, CPNS_A_RAND, 32, rand);
			nla_put_u64(m, CPNS_A_TIME, t);
			nla_put_u8(m, CPNS_A_STATUS, st);
			nla_put(m, CPNS_A_SEALED, sl, s);
			if (bad) {
				ASSERT_EQ(-EBADMSG, tgenl_call(self->t, m, tb, self->ext,
							       sizeof(self->ext)));
				continue;
			}
			ASSERT_EQ(0, tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext))) {
				TH_LOG("%s: %s", what[w], self->ext);
			}
			ASSERT_EQ(st, nla_get_u8(tb[CPNS_A_STATUS]));
			ASSERT_NE(NULL, tb[CPNS_A_VERIFIED]);
		}
	}
}

/*
 * Profile 1 and 2 from the vector's own parts: SEAL(K_req, ReqAAD,
 * ReqBody) with req_nonce is ReqSealed; sealed with a fresh nonce the
 * server opens it to the vector's identifiers and, with records from the
 * vector's password, TK and claim code, answers OK (AuthHash and
 * ClaimProof inside ReqBody verified); a bit changed in K_req or ReqAAD
 * is BAD_GW_AUTH.
 */
TEST_F(vec, server_opens_request_from_vector_parts)
{
	uint8_t kreq[32], raad[REF_AAD_MAX], body[256], nonce[12], want[256];
	uint8_t sealed[320], urec[128], erec[256], master[32];
	struct nlattr *tb[CPNS_A_MAX + 1];
	long aadlen, bodylen, wantlen;
	size_t slen, ureclen, ereclen;
	unsigned int bit;
	time_t delta;
	int err = 0;

	ASSERT_EQ(32, vhex(&self->v, "K_req", kreq, 32));
	aadlen = vhex(&self->v, "ReqAAD", raad, sizeof(raad));
	bodylen = vhex(&self->v, "ReqBody", body, sizeof(body));
	ASSERT_EQ(12, vhex(&self->v, "req_nonce", nonce, 12));
	wantlen = vhex(&self->v, "ReqSealed", want, sizeof(want));
	ASSERT_LT(0, aadlen);
	ASSERT_LT(0, bodylen);
	slen = ref_seal(kreq, nonce, raad, aadlen, body, bodylen, sealed);
	ASSERT_EQ(wantlen, (long)slen);
	ASSERT_EQ(0, memcmp(want, sealed, slen));
	/* ReqBody carries the vector's AuthHash and ClaimProof (or none) */
	{
		uint8_t ah[32], cp[32], rb[256];
		long cplen = vhex(&self->v, "ClaimProof", cp, 32);

		ASSERT_EQ(32, vhex(&self->v, "AuthHash", ah, 32));
		ASSERT_EQ(self->v.claim_code ? 32 : 0, cplen);
		ASSERT_EQ(bodylen, (long)ref_req_body(rb, self->v.user, self->v.entity, ah,
						      cplen ? cp : NULL));
		ASSERT_EQ(0, memcmp(rb, body, bodylen));
	}

	add_psk(_metadata, self);
	memset(master, 0x5a, sizeof(master));
	ASSERT_LT(0, tk_add("master:store", master, 32, self->ring));
	ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_USER, CPNS_A_USER_RECORD,
			      urec, &ureclen, self->v.password));
	ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_ENTITY, CPNS_A_ENTITY_RECORD,
			      erec, &ereclen, NULL));
	/* "main" claims the record the module made; "edge" needs E - 1 = 6. */
	if (self->v.e != 1 || !self->v.claim_code)
		ereclen = entity_before(self, master, erec);
	nonce[0] ^= 0x80;	/* a nonce of the test's own */
	delta = clock_to(self->v.t);
	ASSERT_NE(-1, delta);
	for (bit = 0; bit < 3 && !err; bit++) {
		struct nl_msg *m;
		uint8_t k[32], a[REF_AAD_MAX];

		memcpy(k, kreq, 32);
		memcpy(a, raad, aadlen);
		if (bit == 1)
			k[31] ^= 1;
		if (bit == 2)
			a[aadlen - 1] ^= 1;
		slen = ref_seal(k, nonce, a, aadlen, body, bodylen, sealed);
		m = tgenl_msg(self->t, CPNS_CMD_SRV_OPEN_REQUEST);
		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_GW_ID, self->v.gw);
		nla_put(m, CPNS_A_RAND, 32, self->v.rand);
		nla_put_u64(m, CPNS_A_TIME, self->v.t);
		nla_put(m, CPNS_A_SEALED, slen, sealed);
		err = tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext));
		if (err || !tb[CPNS_A_STATUS])
			break;
		if (nla_get_u8(tb[CPNS_A_STATUS]) != (bit ? CPNS_BAD_GW_AUTH : CPNS_OK))
			err = -1000 - bit;
		if (!bit && (!tb[CPNS_A_USER_ID] ||
			     nla_len(tb[CPNS_A_USER_ID]) != (int)strlen(self->v.user) ||
			     memcmp(nla_data(tb[CPNS_A_USER_ID]), self->v.user,
				    strlen(self->v.user))))
			err = -2000;
	}
	clock_back(delta);
	ASSERT_EQ(0, err) TH_LOG("bit %u: %s", bit, self->ext);

	/* the request as sealed with the test's nonce: OK against the records */
	slen = ref_seal(kreq, nonce, raad, aadlen, body, bodylen, sealed);
	ASSERT_EQ(0, srv_respond(self, sealed, slen, urec, ureclen, erec, ereclen, tb)) {
		TH_LOG("extack: %s", self->ext);
	}
	ASSERT_EQ(CPNS_OK, nla_get_u8(tb[CPNS_A_STATUS]));
}

/*
 * The whole exchange through the module with the vector's identifiers:
 * the GW's request built from the vector's HPW is answered OK by the
 * server holding records sealed from the vector's password, TK and claim
 * code (HPW is H(password)), and the GW takes the response into a chain.
 */
TEST_F(vec, exchange_with_vector_hpw_and_password)
{
	uint8_t rand[32], sealed[256], urec[128], erec[256], master[32];
	struct nlattr *tb[CPNS_A_MAX + 1];
	size_t slen, ureclen, ereclen;
	uint64_t t;

	add_psk(_metadata, self);
	memset(master, 0x5a, sizeof(master));
	ASSERT_LT(0, tk_add("master:store", master, 32, self->ring));
	ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_USER, CPNS_A_USER_RECORD,
			      urec, &ureclen, self->v.password));
	ASSERT_EQ(0, srv_seal(self, CPNS_CMD_SRV_SEAL_ENTITY, CPNS_A_ENTITY_RECORD,
			      erec, &ereclen, NULL));
	/* "main" claims the record the module made; "edge" needs E - 1 = 6. */
	if (self->v.e != 1 || !self->v.claim_code)
		ereclen = entity_before(self, master, erec);
	ASSERT_EQ(0, gw_request(_metadata, self, rand, &t, sealed, &slen));
	ASSERT_EQ(0, srv_respond_to(self, rand, t, sealed, slen, urec, ureclen,
				    erec, ereclen, tb)) {
		TH_LOG("extack: %s", self->ext);
	}
	ASSERT_EQ(CPNS_OK, nla_get_u8(tb[CPNS_A_STATUS])) {
		TH_LOG("status %u: HPW is not H(password)?", nla_get_u8(tb[CPNS_A_STATUS]));
	}
	{
		struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_GW_RESPONSE);
		uint8_t resp[128];
		int rlen = nla_len(tb[CPNS_A_SEALED]);

		memcpy(resp, nla_data(tb[CPNS_A_SEALED]), rlen);
		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		put_id(m, CPNS_A_GW_ID, self->v.gw);
		put_id(m, CPNS_A_USER_ID, self->v.user);
		put_id(m, CPNS_A_ENTITY_ID, self->v.entity);
		nla_put(m, CPNS_A_RAND, 32, rand);
		nla_put_u64(m, CPNS_A_TIME, t);
		nla_put_u8(m, CPNS_A_STATUS, CPNS_OK);
		nla_put(m, CPNS_A_SEALED, rlen, resp);
		ASSERT_EQ(0, tgenl_call(self->t, m, tb, self->ext, sizeof(self->ext))) {
			TH_LOG("extack: %s", self->ext);
		}
		ASSERT_EQ(CPNS_OK, nla_get_u8(tb[CPNS_A_STATUS]));
		ASSERT_EQ(self->v.e, nla_get_u32(tb[CPNS_A_EPOCH]));
	}
}

/* The vectors' profile is the module's (GET_INFO's CPNS_A_PROFILE). */
TEST(profile_is_the_modules)
{
	const struct ref_json *j = load_vectors();
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct tgenl *t = tgenl_open();
	char ext[256];

	ASSERT_NE(NULL, j);
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, tgenl_call(t, tgenl_msg(t, CPNS_CMD_GET_INFO), tb, ext, sizeof(ext)));
	ASSERT_NE(NULL, tb[CPNS_A_PROFILE]);
	ASSERT_NE(NULL, ref_json_str(j, "profile"));
	ASSERT_STREQ(ref_json_str(j, "profile"), nla_data(tb[CPNS_A_PROFILE]));
	tgenl_close(t);
}

/*
 * LongChain: a GW holding (65535, EUKey_n) delivers EUKey_1; a PNE holding
 * EUKey_1 takes EUKey_1000 as a renewal only through the 999-step link,
 * and EUKey_n through the next 64535.
 */
TEST(long_chain)
{
	const struct ref_json *j = load_vectors();
	uint8_t top[32], euk1[32], euk1000[32], tk[16] = { 1 }, kek[32];
	uint8_t rand[32], sealed[256], bundle[REF_BUNDLE_LEN], aad[REF_AAD_MAX];
	uint8_t k[32], s[128], got[32], nonce[12] = { 3 }, challenge[16] = { 4 };
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct tgenl *t = tgenl_open();
	int32_t ring = tk_fresh_keyring();
	uint8_t psk[32] = { 2 };
	char ext[256];
	size_t aadlen, sl;
	uint64_t tt, n;
	struct nl_msg *m;

	ASSERT_NE(NULL, j);
	ASSERT_NE(NULL, t);
	ASSERT_LT(0, ring);
	ASSERT_EQ(0, ref_json_u64(j, "LongChain.n", &n));
	ASSERT_EQ(65535, n);
	ASSERT_EQ(32, ref_json_hex(j, "LongChain.EUKey_n", top, 32));
	ASSERT_EQ(32, ref_json_hex(j, "LongChain.EUKey_1", euk1, 32));
	ASSERT_EQ(32, ref_json_hex(j, "LongChain.EUKey_1000", euk1000, 32));
	ref_kek(tk, sizeof(tk), "pne-long", 1, kek);
	ref_bundle(bundle, 65535, top, 1, kek);

	/* GW: a chain with n = 65535 from the vector's EUKey_n. */
	ASSERT_LT(0, tk_add("psk:gw-long", psk, 32, ring));
	m = tgenl_msg(t, CPNS_CMD_GW_REQUEST);
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	nla_put_string(m, CPNS_A_GW_ID, "gw-long");	/* a NUL would be refused */
	ASSERT_EQ(-EINVAL, tgenl_call(t, m, tb, ext, sizeof(ext)));
	m = tgenl_msg(t, CPNS_CMD_GW_REQUEST);
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	nla_put(m, CPNS_A_GW_ID, 7, "gw-long");
	nla_put(m, CPNS_A_USER_ID, 4, "user");
	nla_put(m, CPNS_A_ENTITY_ID, 8, "pne-long");
	nla_put(m, CPNS_A_HPW, 32, top);
	ASSERT_EQ(0, tgenl_call(t, m, tb, ext, sizeof(ext)));
	memcpy(rand, nla_data(tb[CPNS_A_RAND]), 32);
	tt = nla_get_u64(tb[CPNS_A_TIME]);
	ref_k_resp(psk, rand, k);
	aadlen = ref_resp_aad(aad, CPNS_OK, "gw-long", "user", "pne-long", rand, tt);
	sl = ref_seal(k, nonce, aad, aadlen, bundle, sizeof(bundle), sealed);
	m = tgenl_msg(t, CPNS_CMD_GW_RESPONSE);
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	nla_put(m, CPNS_A_GW_ID, 7, "gw-long");
	nla_put(m, CPNS_A_USER_ID, 4, "user");
	nla_put(m, CPNS_A_ENTITY_ID, 8, "pne-long");
	nla_put(m, CPNS_A_RAND, 32, rand);
	nla_put_u64(m, CPNS_A_TIME, tt);
	nla_put_u8(m, CPNS_A_STATUS, CPNS_OK);
	nla_put(m, CPNS_A_SEALED, sl, sealed);
	ASSERT_EQ(0, tgenl_call(t, m, tb, ext, sizeof(ext))) {
		TH_LOG("extack: %s", ext);
	}
	ASSERT_EQ(65535, nla_get_u16(tb[CPNS_A_N]));
	m = tgenl_msg(t, CPNS_CMD_GW_DELIVER);
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	nla_put(m, CPNS_A_ENTITY_ID, 8, "pne-long");
	ASSERT_EQ(0, tgenl_call(t, m, tb, ext, sizeof(ext)));
	ASSERT_EQ(1, nla_get_u16(tb[CPNS_A_INDEX]));
	aadlen = ref_del_aad(aad, "pne-long", 1, 1, 65535);
	ASSERT_EQ(0, ref_open(kek, aad, aadlen, nla_data(tb[CPNS_A_SEALED]), 60, got));
	ASSERT_EQ(0, memcmp(euk1, got, 32));

	/* PNE: EUKey_1, then EUKey_1000 and EUKey_n by hash link. */
	ASSERT_LT(0, tk_add("tk:pne-long", tk, sizeof(tk), ring));
	{
		static const struct { uint16_t i; int key; uint8_t kind; } steps[] = {
			{ 1, 0, CPNS_ACCEPT_FIRST },
			{ 1000, 1, CPNS_ACCEPT_RENEWAL },
			{ 65535, 2, CPNS_ACCEPT_RENEWAL },
		};
		const uint8_t *keys[] = { euk1, euk1000, top };
		unsigned int st;

		for (st = 0; st < 3; st++) {
			aadlen = ref_del_aad(aad, "pne-long", 1, steps[st].i, 65535);
			sl = ref_seal(kek, nonce, aad, aadlen, keys[steps[st].key], 32, s);
			m = tgenl_msg(t, CPNS_CMD_PNE_ACCEPT);
			nla_put_s32(m, CPNS_A_KEYRING, ring);
			nla_put(m, CPNS_A_ENTITY_ID, 8, "pne-long");
			nla_put_u32(m, CPNS_A_EPOCH, 1);
			nla_put_u16(m, CPNS_A_INDEX, steps[st].i);
			nla_put_u16(m, CPNS_A_N, 65535);
			nla_put(m, CPNS_A_CHALLENGE, 16, challenge);
			nla_put(m, CPNS_A_SEALED, sl, s);
			ASSERT_EQ(0, tgenl_call(t, m, tb, ext, sizeof(ext)));
			ASSERT_EQ(CPNS_ACCEPTED, nla_get_u8(tb[CPNS_A_CODE]));
			ASSERT_EQ(steps[st].kind, nla_get_u8(tb[CPNS_A_ACCEPT_KIND]));
		}
	}
	tgenl_close(t);
}

TEST_HARNESS_MAIN
