// SPDX-License-Identifier: GPL-2.0
/*
 * The formulas of "CPNS-KA v1", byte for byte.  Labels are their ASCII
 * bytes without terminator; lp(x) is u16(len(x)) || x; integers are big
 * endian.  Every secret temporary is zeroed before return.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include "profile.h"

/* A label as a cpns_buf, without its terminating NUL. */
#define CPNS_LABEL(s) { .p = (s), .len = sizeof(s) - 1 }

#define L_CLAIM		"CPNS-KA v1 claim"
#define L_REQUEST	"CPNS-KA v1 request"
#define L_RESPONSE	"CPNS-KA v1 response"
#define L_KEK_SALT	"CPNS-KA v1 kek salt"
#define L_KEK		"CPNS-KA v1 TK-KEK"
#define L_REQ_AAD	"CPNS-KA v1 req"
#define L_RESP_AAD	"CPNS-KA v1 resp"
#define L_DEL_AAD	"CPNS-KA v1 euk"
#define L_CHAIN		"CPNS-KA v1 chain"
#define L_CONFIRM_SALT	"CPNS-KA v1 confirm salt"
#define L_CONFIRM_KEY	"CPNS-KA v1 confirm key"
#define L_CONFIRM	"CPNS-KA v1 confirm"

static bool cpns_is_alnum(u8 c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

/**
 * cpns_id_valid() - is this an identifier of the profile
 * @p: the bytes
 * @len: their number
 *
 * Return: true for 1 to 64 bytes of [A-Za-z0-9._:@-].
 */
bool cpns_id_valid(const u8 *p, size_t len)
{
	size_t k;

	if (len < 1 || len > CPNS_ID_MAX_LEN)
		return false;
	for (k = 0; k < len; k++) {
		u8 c = p[k];

		if (!cpns_is_alnum(c) && c != '.' && c != '_' && c != ':' &&
		    c != '@' && c != '-')
			return false;
	}
	return true;
}

/**
 * cpns_claim_code_valid() - is this a claim code of the profile
 * @p: the bytes
 * @len: their number
 *
 * Return: true for 8 to 64 bytes of [A-Za-z0-9-].
 */
bool cpns_claim_code_valid(const u8 *p, size_t len)
{
	size_t k;

	if (len < CPNS_CLAIM_CODE_MIN_LEN || len > CPNS_CLAIM_CODE_MAX_LEN)
		return false;
	for (k = 0; k < len; k++) {
		if (!cpns_is_alnum(p[k]) && p[k] != '-')
			return false;
	}
	return true;
}

int cpns_id_set(struct cpns_id *id, const u8 *p, size_t len)
{
	if (!cpns_id_valid(p, len))
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	memcpy(id->b, p, len);
	id->len = len;
	return 0;
}

void cpns_bld_init(struct cpns_bld *b, u8 *buf, size_t cap)
{
	b->buf = buf;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
}

/* Appends @len bytes; on overflow nothing more is written, ever. */
void cpns_bld_put(struct cpns_bld *b, const void *p, size_t len)
{
	if (b->overflow || len > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->buf + b->len, p, len);
	b->len += len;
}

void cpns_bld_lp(struct cpns_bld *b, const void *p, size_t len)
{
	if (len > U16_MAX) {
		b->overflow = true;
		return;
	}
	cpns_bld_u16(b, len);
	cpns_bld_put(b, p, len);
}

void cpns_bld_id(struct cpns_bld *b, const struct cpns_id *id)
{
	cpns_bld_lp(b, id->b, id->len);
}

void cpns_bld_u8(struct cpns_bld *b, u8 v)
{
	cpns_bld_put(b, &v, 1);
}

void cpns_bld_u16(struct cpns_bld *b, u16 v)
{
	__be16 x = cpu_to_be16(v);

	cpns_bld_put(b, &x, sizeof(x));
}

void cpns_bld_u32(struct cpns_bld *b, u32 v)
{
	__be32 x = cpu_to_be32(v);

	cpns_bld_put(b, &x, sizeof(x));
}

void cpns_bld_u64(struct cpns_bld *b, u64 v)
{
	__be64 x = cpu_to_be64(v);

	cpns_bld_put(b, &x, sizeof(x));
}

/* The builder's length, or 0 (with a warning: a bug) on overflow. */
static size_t cpns_bld_done(const struct cpns_bld *b)
{
	if (WARN_ON_ONCE(b->overflow))
		return 0;
	return b->len;
}

/**
 * cpns_auth_hash() - AuthHash = H(HPW || RAND_PNGW || u64(T))
 * @hpw: H(password)
 * @rand: RAND_PNGW
 * @t: T
 * @out: AuthHash
 *
 * Return: 0 or a negative errno.
 */
int cpns_auth_hash(const u8 hpw[CPNS_HASH_LEN], const u8 rand[CPNS_RAND_LEN],
		   u64 t, u8 out[CPNS_HASH_LEN])
{
	__be64 tb = cpu_to_be64(t);
	const struct cpns_buf parts[] = {
		{ hpw, CPNS_HASH_LEN },
		{ rand, CPNS_RAND_LEN },
		{ &tb, sizeof(tb) },
	};

	return cpns_sha256(parts, ARRAY_SIZE(parts), out);
}

/**
 * cpns_claim_proof() - ClaimProof of profile section 1
 * @code: the claim code, as printed
 * @codelen: its length
 * @gw: GwID
 * @user: UserID
 * @entity: EntityID
 * @rand: RAND_PNGW
 * @t: T
 * @out: HMAC(H("CPNS-KA v1 claim" || ClaimCode), "CPNS-KA v1 claim" ||
 *       lp(GwID) || lp(UserID) || lp(EntityID) || RAND_PNGW || u64(T))
 *
 * Return: 0, -EINVAL for an invalid claim code, or a negative errno.
 */
int cpns_claim_proof(const u8 *code, size_t codelen, const struct cpns_id *gw,
		     const struct cpns_id *user, const struct cpns_id *entity,
		     const u8 rand[CPNS_RAND_LEN], u64 t, u8 out[CPNS_HASH_LEN])
{
	const struct cpns_buf kparts[] = {
		CPNS_LABEL(L_CLAIM),
		{ code, codelen },
	};
	u8 msg[CPNS_AAD_MAX];
	u8 key[CPNS_HASH_LEN];
	struct cpns_bld b;
	struct cpns_buf mpart;
	int err;

	if (!cpns_claim_code_valid(code, codelen))
		return -EINVAL;

	cpns_bld_init(&b, msg, sizeof(msg));
	cpns_bld_put(&b, L_CLAIM, sizeof(L_CLAIM) - 1);
	cpns_bld_id(&b, gw);
	cpns_bld_id(&b, user);
	cpns_bld_id(&b, entity);
	cpns_bld_put(&b, rand, CPNS_RAND_LEN);
	cpns_bld_u64(&b, t);
	mpart.p = msg;
	mpart.len = cpns_bld_done(&b);
	if (!mpart.len)
		return -EINVAL;

	err = cpns_sha256(kparts, ARRAY_SIZE(kparts), key);
	if (!err)
		err = cpns_hmac(key, sizeof(key), &mpart, 1, out);
	memzero_explicit(key, sizeof(key));
	return err;
}

/**
 * cpns_k_req() - K_req = HKDF(PSK1, RAND_PNGW, "CPNS-KA v1 request")
 * @psk: PSK1
 * @rand: RAND_PNGW
 * @out: K_req
 *
 * Return: 0 or a negative errno.
 */
int cpns_k_req(const u8 psk[CPNS_PSK_LEN], const u8 rand[CPNS_RAND_LEN],
	       u8 out[CPNS_KEY_LEN])
{
	const struct cpns_buf info = CPNS_LABEL(L_REQUEST);

	return cpns_hkdf(psk, CPNS_PSK_LEN, rand, CPNS_RAND_LEN, &info, 1, out);
}

/**
 * cpns_k_resp() - K_resp = HKDF(PSK1, RAND_PNGW, "CPNS-KA v1 response")
 * @psk: PSK1
 * @rand: RAND_PNGW
 * @out: K_resp
 *
 * Return: 0 or a negative errno.
 */
int cpns_k_resp(const u8 psk[CPNS_PSK_LEN], const u8 rand[CPNS_RAND_LEN],
		u8 out[CPNS_KEY_LEN])
{
	const struct cpns_buf info = CPNS_LABEL(L_RESPONSE);

	return cpns_hkdf(psk, CPNS_PSK_LEN, rand, CPNS_RAND_LEN, &info, 1, out);
}

/**
 * cpns_kek() - the epoch key KEK_E
 * @tk: the Temporary Key
 * @tklen: its length
 * @entity: EntityID
 * @e: the epoch E
 * @out: HKDF(TK, "CPNS-KA v1 kek salt",
 *       "CPNS-KA v1 TK-KEK" || lp(EntityID) || u32(E))
 *
 * Return: 0 or a negative errno.
 */
int cpns_kek(const u8 *tk, size_t tklen, const struct cpns_id *entity, u32 e,
	     u8 out[CPNS_KEY_LEN])
{
	u8 info[sizeof(L_KEK) - 1 + 2 + CPNS_ID_MAX_LEN + 4];
	struct cpns_buf ipart;
	struct cpns_bld b;

	cpns_bld_init(&b, info, sizeof(info));
	cpns_bld_put(&b, L_KEK, sizeof(L_KEK) - 1);
	cpns_bld_id(&b, entity);
	cpns_bld_u32(&b, e);
	ipart.p = info;
	ipart.len = cpns_bld_done(&b);
	if (!ipart.len)
		return -EINVAL;
	return cpns_hkdf(tk, tklen, (const u8 *)L_KEK_SALT,
			 sizeof(L_KEK_SALT) - 1, &ipart, 1, out);
}

/**
 * cpns_req_aad() - ReqAAD = "CPNS-KA v1 req" || lp(GwID) || RAND_PNGW || u64(T)
 * @buf: CPNS_AAD_MAX bytes
 * @gw: GwID
 * @rand: RAND_PNGW
 * @t: T
 *
 * Return: the length written.
 */
size_t cpns_req_aad(u8 *buf, const struct cpns_id *gw,
		    const u8 rand[CPNS_RAND_LEN], u64 t)
{
	struct cpns_bld b;

	cpns_bld_init(&b, buf, CPNS_AAD_MAX);
	cpns_bld_put(&b, L_REQ_AAD, sizeof(L_REQ_AAD) - 1);
	cpns_bld_id(&b, gw);
	cpns_bld_put(&b, rand, CPNS_RAND_LEN);
	cpns_bld_u64(&b, t);
	return cpns_bld_done(&b);
}

/**
 * cpns_resp_aad() - RespAAD of profile section 4
 * @buf: CPNS_AAD_MAX bytes
 * @status: the server status
 * @gw: GwID
 * @user: UserID
 * @entity: EntityID
 * @rand: RAND_PNGW
 * @t: T
 *
 * "CPNS-KA v1 resp" || u8(status) || lp(GwID) || lp(UserID) ||
 * lp(EntityID) || RAND_PNGW || u64(T).  REPLAY (check 3) and the sealed
 * MALFORMED (check 4) are decided before ReqBody is, and bind empty
 * identifiers whatever @user and @entity hold (profile text revision 1.1);
 * every other status binds them.
 *
 * Return: the length written.
 */
size_t cpns_resp_aad(u8 *buf, u8 status, const struct cpns_id *gw,
		     const struct cpns_id *user, const struct cpns_id *entity,
		     const u8 rand[CPNS_RAND_LEN], u64 t)
{
	static const struct cpns_id none = { .len = 0 };
	struct cpns_bld b;

	if (status == CPNS_REPLAY || status == CPNS_MALFORMED)
		user = entity = &none;
	cpns_bld_init(&b, buf, CPNS_AAD_MAX);
	cpns_bld_put(&b, L_RESP_AAD, sizeof(L_RESP_AAD) - 1);
	cpns_bld_u8(&b, status);
	cpns_bld_id(&b, gw);
	cpns_bld_id(&b, user);
	cpns_bld_id(&b, entity);
	cpns_bld_put(&b, rand, CPNS_RAND_LEN);
	cpns_bld_u64(&b, t);
	return cpns_bld_done(&b);
}

/**
 * cpns_del_aad() - DelAAD of profile section 5
 * @buf: CPNS_AAD_MAX bytes
 * @entity: EntityID
 * @e: E
 * @i: index of the delivered key
 * @n: length of the chain
 *
 * "CPNS-KA v1 euk" || lp(EntityID) || u32(E) || u16(i) || u16(n).
 *
 * Return: the length written.
 */
size_t cpns_del_aad(u8 *buf, const struct cpns_id *entity, u32 e, u16 i, u16 n)
{
	struct cpns_bld b;

	cpns_bld_init(&b, buf, CPNS_AAD_MAX);
	cpns_bld_put(&b, L_DEL_AAD, sizeof(L_DEL_AAD) - 1);
	cpns_bld_id(&b, entity);
	cpns_bld_u32(&b, e);
	cpns_bld_u16(&b, i);
	cpns_bld_u16(&b, n);
	return cpns_bld_done(&b);
}

/**
 * cpns_req_body_build() - ReqBody of profile section 1
 * @buf: CPNS_REQ_BODY_MAX bytes
 * @body: the fields
 *
 * lp(UserID) || lp(EntityID) || AuthHash || lp(ClaimProof), the last
 * empty unless @body->has_claim.
 *
 * Return: the length written.
 */
size_t cpns_req_body_build(u8 *buf, const struct cpns_req_body *body)
{
	struct cpns_bld b;

	cpns_bld_init(&b, buf, CPNS_REQ_BODY_MAX);
	cpns_bld_id(&b, &body->user);
	cpns_bld_id(&b, &body->entity);
	cpns_bld_put(&b, body->auth_hash, CPNS_HASH_LEN);
	if (body->has_claim)
		cpns_bld_lp(&b, body->claim_proof, CPNS_HASH_LEN);
	else
		cpns_bld_u16(&b, 0);
	return cpns_bld_done(&b);
}

/* Reads lp(identifier) at *off; false unless present and valid. */
static bool cpns_parse_id(const u8 *buf, size_t len, size_t *off,
			  struct cpns_id *id)
{
	size_t l;

	if (len - *off < 2)
		return false;
	l = get_unaligned_be16(buf + *off);
	*off += 2;
	if (l > len - *off || cpns_id_set(id, buf + *off, l))
		return false;
	*off += l;
	return true;
}

/**
 * cpns_req_body_parse() - parse a ReqBody
 * @buf: the opened body
 * @len: its length
 * @body: the fields; zeroed on error
 *
 * Return: 0, or -EINVAL (MALFORMED) unless @len is exactly
 * 2 + |UserID| + 2 + |EntityID| + 32 + 2 + (0 or 32) with valid
 * identifiers.
 */
int cpns_req_body_parse(const u8 *buf, size_t len, struct cpns_req_body *body)
{
	size_t off = 0, cl;

	memset(body, 0, sizeof(*body));
	if (!cpns_parse_id(buf, len, &off, &body->user) ||
	    !cpns_parse_id(buf, len, &off, &body->entity))
		goto bad;
	if (len - off < CPNS_HASH_LEN + 2)
		goto bad;
	memcpy(body->auth_hash, buf + off, CPNS_HASH_LEN);
	off += CPNS_HASH_LEN;
	cl = get_unaligned_be16(buf + off);
	off += 2;
	if (cl != 0 && cl != CPNS_HASH_LEN)
		goto bad;
	if (len - off != cl)
		goto bad;
	if (cl) {
		body->has_claim = true;
		memcpy(body->claim_proof, buf + off, CPNS_HASH_LEN);
	}
	return 0;
bad:
	memzero_explicit(body, sizeof(*body));
	return -EINVAL;
}

/**
 * cpns_bundle_build() - Bundle = u16(n) || EUKey[n] || u32(E) || KEK_E
 * @buf: CPNS_BUNDLE_LEN bytes
 * @b: the fields
 */
void cpns_bundle_build(u8 buf[CPNS_BUNDLE_LEN], const struct cpns_bundle *b)
{
	put_unaligned_be16(b->n, buf);
	memcpy(buf + 2, b->top, CPNS_HASH_LEN);
	put_unaligned_be32(b->e, buf + 2 + CPNS_HASH_LEN);
	memcpy(buf + 6 + CPNS_HASH_LEN, b->kek, CPNS_KEY_LEN);
}

/**
 * cpns_bundle_parse() - the inverse of cpns_bundle_build()
 * @buf: CPNS_BUNDLE_LEN bytes
 * @b: the fields (the caller checks n and E)
 */
void cpns_bundle_parse(const u8 buf[CPNS_BUNDLE_LEN], struct cpns_bundle *b)
{
	b->n = get_unaligned_be16(buf);
	memcpy(b->top, buf + 2, CPNS_HASH_LEN);
	b->e = get_unaligned_be32(buf + 2 + CPNS_HASH_LEN);
	memcpy(b->kek, buf + 6 + CPNS_HASH_LEN, CPNS_KEY_LEN);
}

/**
 * cpns_chain_top() - EUKey[n] = H(Seed), Seed = H(RAND_PNGW || RAND_SVR)
 * @rand_pngw: RAND_PNGW
 * @rand_svr: RAND_SVR
 * @top: EUKey[n]
 *
 * Return: 0 or a negative errno.
 */
int cpns_chain_top(const u8 rand_pngw[CPNS_RAND_LEN],
		   const u8 rand_svr[CPNS_RAND_LEN], u8 top[CPNS_HASH_LEN])
{
	const struct cpns_buf parts[] = {
		{ rand_pngw, CPNS_RAND_LEN },
		{ rand_svr, CPNS_RAND_LEN },
	};
	u8 seed[CPNS_HASH_LEN];
	struct cpns_buf spart = { seed, sizeof(seed) };
	int err;

	err = cpns_sha256(parts, ARRAY_SIZE(parts), seed);
	if (!err)
		err = cpns_sha256(&spart, 1, top);
	memzero_explicit(seed, sizeof(seed));
	if (err)
		memzero_explicit(top, CPNS_HASH_LEN);
	return err;
}

/**
 * cpns_chain_key() - EUKey[i] = H^(n - i)(EUKey[n])
 * @top: EUKey[n]
 * @n: the chain's length
 * @i: the index, 1 <= @i <= @n
 * @out: EUKey[i]; may alias @top
 *
 * Return: 0, -EINVAL for an index out of range, or a negative errno.
 */
int cpns_chain_key(const u8 top[CPNS_HASH_LEN], u16 n, u16 i,
		   u8 out[CPNS_HASH_LEN])
{
	if (i < 1 || i > n)
		return -EINVAL;
	return cpns_sha256_iter(top, n - i, out);
}

/**
 * cpns_chain_id() - ChainID = first 16 bytes of H("CPNS-KA v1 chain" || EUKey[1])
 * @euk1: EUKey[1]
 * @out: ChainID
 *
 * Return: 0 or a negative errno.
 */
int cpns_chain_id(const u8 euk1[CPNS_HASH_LEN], u8 out[CPNS_CHAIN_ID_LEN])
{
	const struct cpns_buf parts[] = {
		CPNS_LABEL(L_CHAIN),
		{ euk1, CPNS_HASH_LEN },
	};
	u8 h[CPNS_HASH_LEN];
	int err;

	err = cpns_sha256(parts, ARRAY_SIZE(parts), h);
	if (!err)
		memcpy(out, h, CPNS_CHAIN_ID_LEN);
	memzero_explicit(h, sizeof(h));
	return err;
}

/**
 * cpns_confirm() - Confirm of profile section 7
 * @euk: EUKey[i]
 * @entity: EntityID
 * @e: E
 * @i: the index
 * @challenge: the delivery's challenge
 * @out: HMAC(Kc, "CPNS-KA v1 confirm" || lp(EntityID) || u32(E) || u16(i)
 *       || Challenge), Kc = HKDF(EUKey[i], "CPNS-KA v1 confirm salt",
 *       "CPNS-KA v1 confirm key")
 *
 * Return: 0 or a negative errno.
 */
int cpns_confirm(const u8 euk[CPNS_HASH_LEN], const struct cpns_id *entity,
		 u32 e, u16 i, const u8 challenge[CPNS_CHALLENGE_LEN],
		 u8 out[CPNS_HASH_LEN])
{
	const struct cpns_buf info = CPNS_LABEL(L_CONFIRM_KEY);
	u8 msg[sizeof(L_CONFIRM) - 1 + 2 + CPNS_ID_MAX_LEN + 4 + 2 +
	       CPNS_CHALLENGE_LEN];
	u8 kc[CPNS_KEY_LEN];
	struct cpns_buf mpart;
	struct cpns_bld b;
	int err;

	cpns_bld_init(&b, msg, sizeof(msg));
	cpns_bld_put(&b, L_CONFIRM, sizeof(L_CONFIRM) - 1);
	cpns_bld_id(&b, entity);
	cpns_bld_u32(&b, e);
	cpns_bld_u16(&b, i);
	cpns_bld_put(&b, challenge, CPNS_CHALLENGE_LEN);
	mpart.p = msg;
	mpart.len = cpns_bld_done(&b);
	if (!mpart.len)
		return -EINVAL;

	err = cpns_hkdf(euk, CPNS_HASH_LEN, (const u8 *)L_CONFIRM_SALT,
			sizeof(L_CONFIRM_SALT) - 1, &info, 1, kc);
	if (!err)
		err = cpns_hmac(kc, sizeof(kc), &mpart, 1, out);
	memzero_explicit(kc, sizeof(kc));
	return err;
}
