// SPDX-License-Identifier: GPL-2.0
/*
 * An independent userspace reference of the "CPNS-KA v1" profile.  Written
 * from FIPS 180-4, RFC 2104, RFC 5869, FIPS 197, SP 800-38D and the
 * profile text, sharing no code with the module.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ref.h"

/* SHA-256 (FIPS 180-4) */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void ref_wipe(void *p, size_t len)
{
	volatile uint8_t *v = p;

	while (len--)
		*v++ = 0;
}

static void sha256_block(uint32_t h[8], const uint8_t *blk)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int k;

	for (k = 0; k < 16; k++)
		w[k] = get_be32(blk + 4 * k);
	for (k = 16; k < 64; k++) {
		uint32_t s0 = ror32(w[k - 15], 7) ^ ror32(w[k - 15], 18) ^
			      (w[k - 15] >> 3);
		uint32_t s1 = ror32(w[k - 2], 17) ^ ror32(w[k - 2], 19) ^
			      (w[k - 2] >> 10);

		w[k] = w[k - 16] + s0 + w[k - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (k = 0; k < 64; k++) {
		t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + sha256_k[k] + w[k];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
	ref_wipe(w, sizeof(w));
}

void ref_sha256_init(struct ref_sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
	c->fill = 0;
}

void ref_sha256_update(struct ref_sha256 *c, const void *p, size_t len)
{
	const uint8_t *in = p;

	c->len += len;
	while (len) {
		size_t take = 64 - c->fill;

		if (take > len)
			take = len;
		memcpy(c->buf + c->fill, in, take);
		c->fill += take;
		in += take;
		len -= take;
		if (c->fill == 64) {
			sha256_block(c->h, c->buf);
			c->fill = 0;
		}
	}
}

void ref_sha256_final(struct ref_sha256 *c, uint8_t out[REF_HASH_LEN])
{
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80, zero = 0, lenb[8];
	int k;

	ref_sha256_update(c, &pad, 1);
	while (c->fill != 56)
		ref_sha256_update(c, &zero, 1);
	put_be64(lenb, bits);
	ref_sha256_update(c, lenb, 8);
	for (k = 0; k < 8; k++)
		put_be32(out + 4 * k, c->h[k]);
	ref_wipe(c, sizeof(*c));
}

void ref_sha256(const void *p, size_t len, uint8_t out[REF_HASH_LEN])
{
	struct ref_sha256 c;

	ref_sha256_init(&c);
	ref_sha256_update(&c, p, len);
	ref_sha256_final(&c, out);
}

void ref_sha256_iter(const uint8_t in[REF_HASH_LEN], unsigned int count,
		     uint8_t out[REF_HASH_LEN])
{
	uint8_t cur[REF_HASH_LEN];

	memcpy(cur, in, sizeof(cur));
	while (count--)
		ref_sha256(cur, sizeof(cur), cur);
	memcpy(out, cur, sizeof(cur));
	ref_wipe(cur, sizeof(cur));
}

/* HMAC-SHA-256 (RFC 2104) and HKDF (RFC 5869) */

void ref_hmac(const void *key, size_t keylen, const void *msg, size_t len,
	      uint8_t out[REF_HASH_LEN])
{
	uint8_t k0[64] = { 0 }, pad[64], inner[REF_HASH_LEN];
	struct ref_sha256 c;
	int k;

	if (keylen > 64)
		ref_sha256(key, keylen, k0);
	else
		memcpy(k0, key, keylen);

	for (k = 0; k < 64; k++)
		pad[k] = k0[k] ^ 0x36;
	ref_sha256_init(&c);
	ref_sha256_update(&c, pad, 64);
	ref_sha256_update(&c, msg, len);
	ref_sha256_final(&c, inner);

	for (k = 0; k < 64; k++)
		pad[k] = k0[k] ^ 0x5c;
	ref_sha256_init(&c);
	ref_sha256_update(&c, pad, 64);
	ref_sha256_update(&c, inner, sizeof(inner));
	ref_sha256_final(&c, out);

	ref_wipe(k0, sizeof(k0));
	ref_wipe(pad, sizeof(pad));
	ref_wipe(inner, sizeof(inner));
}

void ref_hkdf(const void *ikm, size_t ikmlen, const void *salt,
	      size_t saltlen, const void *info, size_t infolen,
	      uint8_t out[REF_KEY_LEN])
{
	uint8_t prk[REF_HASH_LEN];
	uint8_t *m = malloc(infolen + 1);

	if (!m)
		abort();
	ref_hmac(salt, saltlen, ikm, ikmlen, prk);
	if (infolen)
		memcpy(m, info, infolen);
	m[infolen] = 0x01;
	ref_hmac(prk, sizeof(prk), m, infolen + 1, out);
	ref_wipe(prk, sizeof(prk));
	ref_wipe(m, infolen + 1);
	free(m);
}

/* AES-256 (FIPS 197), encryption only */

static uint8_t aes_sbox[256];

static uint8_t rotl8(uint8_t x, int n)
{
	return (uint8_t)(x << n | x >> (8 - n));
}

/* Builds the S-box from its definition: inverse in GF(2^8), then affine. */
static void aes_init_sbox(void)
{
	uint8_t p = 1, q = 1;

	if (aes_sbox[0])
		return;
	do {
		/* p *= 3; q /= 3: q stays the inverse of p */
		p = p ^ (uint8_t)(p << 1) ^ (p & 0x80 ? 0x1b : 0);
		q ^= q << 1;
		q ^= q << 2;
		q ^= q << 4;
		if (q & 0x80)
			q ^= 0x09;
		aes_sbox[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^
			      rotl8(q, 4) ^ 0x63;
	} while (p != 1);
	aes_sbox[0] = 0x63;
}

static uint8_t xtime(uint8_t x)
{
	return (uint8_t)(x << 1) ^ (x & 0x80 ? 0x1b : 0);
}

/* 15 round keys of 16 bytes */
static void aes256_expand(const uint8_t key[32], uint8_t w[240])
{
	uint8_t rcon = 1, t[4], tmp;
	int i, k;

	aes_init_sbox();
	memcpy(w, key, 32);
	for (i = 8; i < 60; i++) {
		memcpy(t, w + 4 * (i - 1), 4);
		if (i % 8 == 0) {
			tmp = t[0];
			t[0] = aes_sbox[t[1]] ^ rcon;
			t[1] = aes_sbox[t[2]];
			t[2] = aes_sbox[t[3]];
			t[3] = aes_sbox[tmp];
			rcon = xtime(rcon);
		} else if (i % 8 == 4) {
			for (k = 0; k < 4; k++)
				t[k] = aes_sbox[t[k]];
		}
		for (k = 0; k < 4; k++)
			w[4 * i + k] = w[4 * (i - 8) + k] ^ t[k];
	}
}

static void aes256_encrypt_rk(const uint8_t w[240], const uint8_t in[16],
			      uint8_t out[16])
{
	uint8_t s[16], t[16];
	int r, c, k;

	for (k = 0; k < 16; k++)
		s[k] = in[k] ^ w[k];
	for (r = 1; r <= 14; r++) {
		/* SubBytes and ShiftRows: s[row + 4 col] */
		for (c = 0; c < 4; c++)
			for (k = 0; k < 4; k++)
				t[k + 4 * c] = aes_sbox[s[k + 4 * ((c + k) % 4)]];
		if (r != 14) {
			for (c = 0; c < 4; c++) {
				uint8_t *a = t + 4 * c;
				uint8_t a0 = a[0], a1 = a[1], a2 = a[2],
					a3 = a[3];

				a[0] = xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3;
				a[1] = a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3;
				a[2] = a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3;
				a[3] = xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3);
			}
		}
		for (k = 0; k < 16; k++)
			s[k] = t[k] ^ w[16 * r + k];
	}
	memcpy(out, s, 16);
	ref_wipe(s, sizeof(s));
	ref_wipe(t, sizeof(t));
}

void ref_aes256_encrypt(const uint8_t key[32], const uint8_t in[16],
			uint8_t out[16])
{
	uint8_t w[240];

	aes256_expand(key, w);
	aes256_encrypt_rk(w, in, out);
	ref_wipe(w, sizeof(w));
}

/* GCM (SP 800-38D), 12-byte IV, 16-byte tag */

/* x = x * h in GF(2^128), bit 0 the most significant bit of byte 0 */
static void gf128_mul(uint8_t x[16], const uint8_t h[16])
{
	uint8_t z[16] = { 0 }, v[16];
	int i, k, lsb;

	memcpy(v, h, 16);
	for (i = 0; i < 128; i++) {
		if (x[i / 8] & (0x80 >> (i % 8)))
			for (k = 0; k < 16; k++)
				z[k] ^= v[k];
		lsb = v[15] & 1;
		for (k = 15; k > 0; k--)
			v[k] = (uint8_t)(v[k] >> 1 | v[k - 1] << 7);
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1;
	}
	memcpy(x, z, 16);
}

static void ghash_update(uint8_t x[16], const uint8_t h[16], const uint8_t *p,
			 size_t len)
{
	size_t off, k;

	for (off = 0; off < len; off += 16) {
		for (k = 0; k < 16 && off + k < len; k++)
			x[k] ^= p[off + k];
		gf128_mul(x, h);
	}
}

/* S = GHASH(A, C), tag = E(K, J0) ^ S */
static void gcm_tag(const uint8_t w[240], const uint8_t iv[12],
		    const uint8_t *aad, size_t aadlen, const uint8_t *ct,
		    size_t len, uint8_t tag[16])
{
	uint8_t h[16] = { 0 }, x[16] = { 0 }, lens[16], j0[16], ej0[16];
	int k;

	aes256_encrypt_rk(w, h, h);
	ghash_update(x, h, aad, aadlen);
	ghash_update(x, h, ct, len);
	put_be64(lens, (uint64_t)aadlen * 8);
	put_be64(lens + 8, (uint64_t)len * 8);
	ghash_update(x, h, lens, 16);
	memcpy(j0, iv, 12);
	put_be32(j0 + 12, 1);
	aes256_encrypt_rk(w, j0, ej0);
	for (k = 0; k < 16; k++)
		tag[k] = ej0[k] ^ x[k];
}

/* CTR from inc32(J0) */
static void gcm_ctr(const uint8_t w[240], const uint8_t iv[12],
		    const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t cb[16], ks[16];
	uint32_t ctr = 2;
	size_t off, k;

	memcpy(cb, iv, 12);
	for (off = 0; off < len; off += 16, ctr++) {
		put_be32(cb + 12, ctr);
		aes256_encrypt_rk(w, cb, ks);
		for (k = 0; k < 16 && off + k < len; k++)
			out[off + k] = in[off + k] ^ ks[k];
	}
	ref_wipe(ks, sizeof(ks));
}

void ref_gcm_encrypt(const uint8_t key[32], const uint8_t iv[12],
		     const void *aad, size_t aadlen, const void *pt,
		     size_t len, uint8_t *ct, uint8_t tag[16])
{
	uint8_t w[240];

	aes256_expand(key, w);
	gcm_ctr(w, iv, pt, len, ct);
	gcm_tag(w, iv, aad, aadlen, ct, len, tag);
	ref_wipe(w, sizeof(w));
}

int ref_gcm_decrypt(const uint8_t key[32], const uint8_t iv[12],
		    const void *aad, size_t aadlen, const uint8_t *ct,
		    size_t len, const uint8_t tag[16], uint8_t *pt)
{
	uint8_t w[240], want[16], diff = 0;
	int k;

	aes256_expand(key, w);
	gcm_tag(w, iv, aad, aadlen, ct, len, want);
	for (k = 0; k < 16; k++)
		diff |= want[k] ^ tag[k];
	if (diff) {
		memset(pt, 0, len);
		ref_wipe(w, sizeof(w));
		return -1;
	}
	gcm_ctr(w, iv, ct, len, pt);
	ref_wipe(w, sizeof(w));
	return 0;
}

size_t ref_seal(const uint8_t key[REF_KEY_LEN], const uint8_t nonce[12],
		const void *aad, size_t aadlen, const void *pt, size_t len,
		uint8_t *out)
{
	if (len)
		memmove(out + REF_NONCE_LEN, pt, len);
	memcpy(out, nonce, REF_NONCE_LEN);
	ref_gcm_encrypt(key, nonce, aad, aadlen, out + REF_NONCE_LEN, len,
			out + REF_NONCE_LEN, out + REF_NONCE_LEN + len);
	return len + REF_SEALED_MIN;
}

int ref_open(const uint8_t key[REF_KEY_LEN], const void *aad, size_t aadlen,
	     const uint8_t *sealed, size_t len, uint8_t *pt)
{
	if (len < REF_SEALED_MIN)
		return -1;
	len -= REF_SEALED_MIN;
	return ref_gcm_decrypt(key, sealed, aad, aadlen,
			       sealed + REF_NONCE_LEN, len,
			       sealed + REF_NONCE_LEN + len, pt);
}

/* The profile */

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

/* A byte builder over a buffer of at least 512 bytes (callers size it). */
struct bld {
	uint8_t *p;
	size_t len;
};

static void b_put(struct bld *b, const void *p, size_t len)
{
	if (len)
		memcpy(b->p + b->len, p, len);
	b->len += len;
}

static void b_label(struct bld *b, const char *s)
{
	b_put(b, s, strlen(s));
}

static void b_u8(struct bld *b, uint8_t v)
{
	b->p[b->len++] = v;
}

static void b_u16(struct bld *b, uint16_t v)
{
	put_be16(b->p + b->len, v);
	b->len += 2;
}

static void b_u32(struct bld *b, uint32_t v)
{
	put_be32(b->p + b->len, v);
	b->len += 4;
}

static void b_u64(struct bld *b, uint64_t v)
{
	put_be64(b->p + b->len, v);
	b->len += 8;
}

static void b_lp(struct bld *b, const void *p, size_t len)
{
	b_u16(b, (uint16_t)len);
	b_put(b, p, len);
}

static void b_id(struct bld *b, const char *id)
{
	b_lp(b, id, strlen(id));
}

static int is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

static int id_valid_n(const char *p, size_t len)
{
	size_t k;

	if (len < 1 || len > 64)
		return 0;
	for (k = 0; k < len; k++)
		if (!is_alnum(p[k]) && !(p[k] && strchr("._:@-", p[k])))
			return 0;
	return 1;
}

int ref_id_valid(const char *id)
{
	return id_valid_n(id, strlen(id));
}

int ref_claim_code_valid(const char *code)
{
	size_t k, len = strlen(code);

	if (len < 8 || len > 64)
		return 0;
	for (k = 0; k < len; k++)
		if (!is_alnum(code[k]) && code[k] != '-')
			return 0;
	return 1;
}

void ref_hpw(const void *pw, size_t len, uint8_t out[REF_HASH_LEN])
{
	ref_sha256(pw, len, out);
}

void ref_auth_hash(const uint8_t hpw[REF_HASH_LEN],
		   const uint8_t rand[REF_RAND_LEN], uint64_t t,
		   uint8_t out[REF_HASH_LEN])
{
	uint8_t m[72];
	struct bld b = { m, 0 };

	b_put(&b, hpw, REF_HASH_LEN);
	b_put(&b, rand, REF_RAND_LEN);
	b_u64(&b, t);
	ref_sha256(m, b.len, out);
	ref_wipe(m, sizeof(m));
}

void ref_claim_proof(const char *code, const char *gw, const char *user,
		     const char *entity, const uint8_t rand[REF_RAND_LEN],
		     uint64_t t, uint8_t out[REF_HASH_LEN])
{
	uint8_t m[512], key[REF_HASH_LEN];
	struct bld b = { m, 0 };

	b_label(&b, L_CLAIM);
	b_label(&b, code);
	ref_sha256(m, b.len, key);

	b.len = 0;
	b_label(&b, L_CLAIM);
	b_id(&b, gw);
	b_id(&b, user);
	b_id(&b, entity);
	b_put(&b, rand, REF_RAND_LEN);
	b_u64(&b, t);
	ref_hmac(key, sizeof(key), m, b.len, out);
	ref_wipe(key, sizeof(key));
}

void ref_k_req(const uint8_t psk[32], const uint8_t rand[REF_RAND_LEN],
	       uint8_t out[REF_KEY_LEN])
{
	ref_hkdf(psk, 32, rand, REF_RAND_LEN, L_REQUEST, strlen(L_REQUEST),
		 out);
}

void ref_k_resp(const uint8_t psk[32], const uint8_t rand[REF_RAND_LEN],
		uint8_t out[REF_KEY_LEN])
{
	ref_hkdf(psk, 32, rand, REF_RAND_LEN, L_RESPONSE, strlen(L_RESPONSE),
		 out);
}

void ref_kek(const uint8_t *tk, size_t tklen, const char *entity, uint32_t e,
	     uint8_t out[REF_KEY_LEN])
{
	uint8_t m[512];
	struct bld b = { m, 0 };

	b_label(&b, L_KEK);
	b_id(&b, entity);
	b_u32(&b, e);
	ref_hkdf(tk, tklen, L_KEK_SALT, strlen(L_KEK_SALT), m, b.len, out);
}

size_t ref_req_aad(uint8_t *buf, const char *gw,
		   const uint8_t rand[REF_RAND_LEN], uint64_t t)
{
	struct bld b = { buf, 0 };

	b_label(&b, L_REQ_AAD);
	b_id(&b, gw);
	b_put(&b, rand, REF_RAND_LEN);
	b_u64(&b, t);
	return b.len;
}

size_t ref_resp_aad(uint8_t *buf, uint8_t status, const char *gw,
		    const char *user, const char *entity,
		    const uint8_t rand[REF_RAND_LEN], uint64_t t)
{
	struct bld b = { buf, 0 };

	b_label(&b, L_RESP_AAD);
	b_u8(&b, status);
	b_id(&b, gw);
	b_id(&b, user);
	b_id(&b, entity);
	b_put(&b, rand, REF_RAND_LEN);
	b_u64(&b, t);
	return b.len;
}

size_t ref_del_aad(uint8_t *buf, const char *entity, uint32_t e, uint16_t i,
		   uint16_t n)
{
	struct bld b = { buf, 0 };

	b_label(&b, L_DEL_AAD);
	b_id(&b, entity);
	b_u32(&b, e);
	b_u16(&b, i);
	b_u16(&b, n);
	return b.len;
}

size_t ref_req_body(uint8_t *buf, const char *user, const char *entity,
		    const uint8_t auth_hash[REF_HASH_LEN],
		    const uint8_t *claim)
{
	struct bld b = { buf, 0 };

	b_id(&b, user);
	b_id(&b, entity);
	b_put(&b, auth_hash, REF_HASH_LEN);
	b_lp(&b, claim, claim ? REF_HASH_LEN : 0);
	return b.len;
}

static int parse_id(const uint8_t *buf, size_t len, size_t *off, char *id)
{
	size_t l;

	if (len - *off < 2)
		return -1;
	l = (size_t)buf[*off] << 8 | buf[*off + 1];
	*off += 2;
	if (l > len - *off || !id_valid_n((const char *)buf + *off, l))
		return -1;
	memcpy(id, buf + *off, l);
	id[l] = 0;
	*off += l;
	return 0;
}

int ref_req_body_parse(const uint8_t *buf, size_t len, char *user,
		       char *entity, uint8_t auth_hash[REF_HASH_LEN],
		       uint8_t claim[REF_HASH_LEN], int *has_claim)
{
	size_t off = 0, cl;

	if (parse_id(buf, len, &off, user) || parse_id(buf, len, &off, entity))
		return -1;
	if (len - off < REF_HASH_LEN + 2)
		return -1;
	memcpy(auth_hash, buf + off, REF_HASH_LEN);
	off += REF_HASH_LEN;
	cl = (size_t)buf[off] << 8 | buf[off + 1];
	off += 2;
	if ((cl != 0 && cl != REF_HASH_LEN) || len - off != cl)
		return -1;
	*has_claim = cl != 0;
	if (cl)
		memcpy(claim, buf + off, REF_HASH_LEN);
	return 0;
}

void ref_bundle(uint8_t buf[REF_BUNDLE_LEN], uint16_t n,
		const uint8_t top[REF_HASH_LEN], uint32_t e,
		const uint8_t kek[REF_KEY_LEN])
{
	struct bld b = { buf, 0 };

	b_u16(&b, n);
	b_put(&b, top, REF_HASH_LEN);
	b_u32(&b, e);
	b_put(&b, kek, REF_KEY_LEN);
}

void ref_seed(const uint8_t rand_pngw[REF_RAND_LEN],
	      const uint8_t rand_svr[REF_RAND_LEN],
	      uint8_t seed[REF_HASH_LEN])
{
	uint8_t m[64];

	memcpy(m, rand_pngw, 32);
	memcpy(m + 32, rand_svr, 32);
	ref_sha256(m, sizeof(m), seed);
	ref_wipe(m, sizeof(m));
}

void ref_chain_top(const uint8_t seed[REF_HASH_LEN], uint8_t top[REF_HASH_LEN])
{
	ref_sha256(seed, REF_HASH_LEN, top);
}

int ref_chain_key(const uint8_t top[REF_HASH_LEN], uint16_t n, uint16_t i,
		  uint8_t out[REF_HASH_LEN])
{
	if (i < 1 || i > n)
		return -1;
	ref_sha256_iter(top, n - i, out);
	return 0;
}

void ref_chain_id(const uint8_t euk1[REF_HASH_LEN],
		  uint8_t out[REF_CHAIN_ID_LEN])
{
	uint8_t m[64], h[REF_HASH_LEN];
	struct bld b = { m, 0 };

	b_label(&b, L_CHAIN);
	b_put(&b, euk1, REF_HASH_LEN);
	ref_sha256(m, b.len, h);
	memcpy(out, h, REF_CHAIN_ID_LEN);
	ref_wipe(m, sizeof(m));
}

void ref_confirm_key(const uint8_t euk[REF_HASH_LEN], uint8_t kc[REF_KEY_LEN])
{
	ref_hkdf(euk, REF_HASH_LEN, L_CONFIRM_SALT, strlen(L_CONFIRM_SALT),
		 L_CONFIRM_KEY, strlen(L_CONFIRM_KEY), kc);
}

void ref_confirm(const uint8_t euk[REF_HASH_LEN], const char *entity,
		 uint32_t e, uint16_t i,
		 const uint8_t challenge[REF_CHALLENGE_LEN],
		 uint8_t out[REF_HASH_LEN])
{
	uint8_t m[512], kc[REF_KEY_LEN];
	struct bld b = { m, 0 };

	ref_confirm_key(euk, kc);
	b_label(&b, L_CONFIRM);
	b_id(&b, entity);
	b_u32(&b, e);
	b_u16(&b, i);
	b_put(&b, challenge, REF_CHALLENGE_LEN);
	ref_hmac(kc, sizeof(kc), m, b.len, out);
	ref_wipe(kc, sizeof(kc));
}

/* Hex */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long ref_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t len = strlen(hex), k;

	if (len % 2 || len / 2 > max)
		return -1;
	for (k = 0; k < len / 2; k++) {
		int hi = hexval(hex[2 * k]), lo = hexval(hex[2 * k + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[k] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

void ref_hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t k;

	for (k = 0; k < len; k++) {
		out[2 * k] = digits[p[k] >> 4];
		out[2 * k + 1] = digits[p[k] & 15];
	}
	out[2 * len] = 0;
}

/* JSON */

struct jp {
	const char *s;
	size_t pos, len;
	const char *err;
};

static void jp_ws(struct jp *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) &&
	       p->s[p->pos])
		p->pos++;
}

static int jp_peek(struct jp *p)
{
	jp_ws(p);
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static struct ref_json *jp_new(enum ref_json_type type)
{
	struct ref_json *j = calloc(1, sizeof(*j));

	if (!j)
		abort();
	j->type = type;
	return j;
}

static void utf8_put(char *out, size_t *o, unsigned long cp)
{
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xc0 | cp >> 6);
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xe0 | cp >> 12);
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*o)++] = (char)(0xf0 | cp >> 18);
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static int jp_hex4(struct jp *p, unsigned long *cp)
{
	int k, v;

	if (p->len - p->pos < 4)
		return -1;
	*cp = 0;
	for (k = 0; k < 4; k++) {
		v = hexval(p->s[p->pos++]);
		if (v < 0)
			return -1;
		*cp = *cp << 4 | (unsigned long)v;
	}
	return 0;
}

/* A string at p->pos (after the opening quote); decoded, NUL-terminated. */
static char *jp_string(struct jp *p, size_t *outlen)
{
	char *out = malloc(p->len - p->pos + 1);
	size_t o = 0;
	unsigned long cp, lo;

	if (!out)
		abort();
	while (p->pos < p->len) {
		char c = p->s[p->pos++];

		if (c == '"') {
			out[o] = 0;
			*outlen = o;
			return out;
		}
		if ((unsigned char)c < 0x20)
			break;
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		if (p->pos >= p->len)
			break;
		c = p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			out[o++] = c;
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u':
			if (jp_hex4(p, &cp))
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p->len - p->pos < 2 ||
				    p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u')
					goto bad;
				p->pos += 2;
				if (jp_hex4(p, &lo) || lo < 0xdc00 ||
				    lo >= 0xe000)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			utf8_put(out, &o, cp);
			break;
		default:
			goto bad;
		}
	}
bad:
	free(out);
	p->err = "bad string";
	return NULL;
}

static struct ref_json *jp_value(struct jp *p, int depth);

static struct ref_json *jp_container(struct jp *p, int depth, int obj)
{
	struct ref_json *j = jp_new(obj ? REF_JSON_OBJECT : REF_JSON_ARRAY);
	struct ref_json **tail = &j->child, *v;
	char close = obj ? '}' : ']';
	char *key = NULL;
	size_t klen;

	p->pos++;
	if (jp_peek(p) == close) {
		p->pos++;
		return j;
	}
	for (;;) {
		if (obj) {
			if (jp_peek(p) != '"') {
				p->err = "expected a member name";
				goto bad;
			}
			p->pos++;
			key = jp_string(p, &klen);
			if (!key)
				goto bad;
			if (jp_peek(p) != ':') {
				p->err = "expected ':'";
				goto bad;
			}
			p->pos++;
		}
		v = jp_value(p, depth + 1);
		if (!v)
			goto bad;
		v->key = key;
		key = NULL;
		*tail = v;
		tail = &v->next;
		if (jp_peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (jp_peek(p) == close) {
			p->pos++;
			return j;
		}
		p->err = "expected ',' or a closing bracket";
		goto bad;
	}
bad:
	free(key);
	ref_json_free(j);
	return NULL;
}

static struct ref_json *jp_value(struct jp *p, int depth)
{
	struct ref_json *j;
	int c = jp_peek(p);

	if (depth > 64) {
		p->err = "too deep";
		return NULL;
	}
	if (c == '{' || c == '[')
		return jp_container(p, depth, c == '{');
	if (c == '"') {
		j = jp_new(REF_JSON_STRING);
		p->pos++;
		j->str = jp_string(p, &j->len);
		if (!j->str) {
			free(j);
			return NULL;
		}
		return j;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		char tmp[64], *end;
		size_t n = 0;

		while (p->pos < p->len && n < sizeof(tmp) - 1 &&
		       p->s[p->pos] && strchr("+-.eE0123456789", p->s[p->pos]))
			tmp[n++] = p->s[p->pos++];
		tmp[n] = 0;
		j = jp_new(REF_JSON_NUMBER);
		j->num = strtod(tmp, &end);
		if (*end) {
			p->err = "bad number";
			free(j);
			return NULL;
		}
		return j;
	}
	if (p->len - p->pos >= 4 && !strncmp(p->s + p->pos, "true", 4)) {
		p->pos += 4;
		j = jp_new(REF_JSON_BOOL);
		j->num = 1;
		return j;
	}
	if (p->len - p->pos >= 5 && !strncmp(p->s + p->pos, "false", 5)) {
		p->pos += 5;
		return jp_new(REF_JSON_BOOL);
	}
	if (p->len - p->pos >= 4 && !strncmp(p->s + p->pos, "null", 4)) {
		p->pos += 4;
		return jp_new(REF_JSON_NULL);
	}
	p->err = "unexpected character";
	return NULL;
}

struct ref_json *ref_json_parse(const char *text, size_t len)
{
	struct jp p = { text, 0, len, NULL };
	struct ref_json *j = jp_value(&p, 0);

	if (j && jp_peek(&p) != -1) {
		p.err = "trailing characters";
		ref_json_free(j);
		j = NULL;
	}
	if (!j)
		fprintf(stderr, "json: %s at offset %zu\n", p.err, p.pos);
	return j;
}

struct ref_json *ref_json_load(const char *path)
{
	struct ref_json *j = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 16384;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	if (ferror(f))
		fprintf(stderr, "%s: read error\n", path);
	else
		j = ref_json_parse(buf, len);
	fclose(f);
	free(buf);
	return j;
}

void ref_json_free(struct ref_json *j)
{
	struct ref_json *next;

	while (j) {
		next = j->next;
		ref_json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

const struct ref_json *ref_json_get(const struct ref_json *j,
				    const char *path)
{
	const struct ref_json *c;
	size_t seg;
	long idx;
	char *end;

	while (j && *path) {
		seg = strcspn(path, ".");
		if (j->type == REF_JSON_OBJECT) {
			for (c = j->child; c; c = c->next)
				if (strlen(c->key) == seg &&
				    !strncmp(c->key, path, seg))
					break;
		} else if (j->type == REF_JSON_ARRAY) {
			idx = strtol(path, &end, 10);
			if (end != path + seg || idx < 0)
				return NULL;
			for (c = j->child; c && idx; c = c->next)
				idx--;
		} else {
			return NULL;
		}
		j = c;
		path += seg;
		if (*path == '.')
			path++;
	}
	return j;
}

const char *ref_json_str(const struct ref_json *j, const char *path)
{
	j = ref_json_get(j, path);
	return j && j->type == REF_JSON_STRING ? j->str : NULL;
}

int ref_json_u64(const struct ref_json *j, const char *path, uint64_t *v)
{
	j = ref_json_get(j, path);
	if (!j || j->type != REF_JSON_NUMBER || j->num < 0 ||
	    j->num != (double)(uint64_t)j->num)
		return -1;
	*v = (uint64_t)j->num;
	return 0;
}

long ref_json_hex(const struct ref_json *j, const char *path, uint8_t *out,
		  size_t max)
{
	const char *s = ref_json_str(j, path);

	return s ? ref_unhex(s, out, max) : -1;
}

/*
 * The CPNS Server's store records (Documentation/design.rst, "The
 * server's store"): the project's own format, not the profile's.
 */
size_t ref_record_aad(uint8_t *buf, uint8_t kind, int version, const char *id)
{
	static const char label[] = "CPNS-KA v1 record";
	struct bld b = { buf, 0 };

	b_put(&b, label, sizeof(label) - 1);
	b_u8(&b, kind);
	if (version >= 0)
		b_u8(&b, (uint8_t)version);
	b_id(&b, id);
	return b.len;
}

size_t ref_entity_record_pt(uint8_t *buf, uint32_t e, const char *owner,
			    const uint8_t *tk, size_t tklen, const char *code)
{
	struct bld b = { buf, 0 };

	b_u32(&b, e);
	b_id(&b, owner ? owner : "");
	b_lp(&b, tk, tklen);
	b_id(&b, code);
	return b.len;
}

size_t ref_entity_record_pt3(uint8_t *buf, uint32_t e, uint8_t flags,
			     const char *owner, const uint8_t *tk, size_t tklen,
			     const char *code)
{
	struct bld b = { buf, 0 };

	b_u32(&b, e);
	b_u8(&b, flags);
	b_id(&b, owner ? owner : "");
	b_lp(&b, tk, tklen);
	b_id(&b, code);
	return b.len;
}
