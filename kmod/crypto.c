// SPDX-License-Identifier: GPL-2.0
/*
 * Primitives of the profile.
 *
 * SHA-256 and HMAC-SHA-256 run on the kernel's SHA-256 library
 * (lib/crypto/sha256.c): no transform, no allocation, no key state shared
 * between callers.  A chain link is one compression: its 32-byte input is
 * placed in a block already padded for a 32-byte message.
 *
 * AES-256-GCM runs on the crypto API's "gcm(aes)" (6.1 has no AES-GCM
 * library), from a pool of transforms allocated at init, each with its
 * request and its bounce buffer, each behind a mutex: setkey is per
 * transform, so a slot is used by one caller at a time, and a caller may
 * sleep (an async implementation, a backlog) while it holds one.  After
 * each use the slot's buffer and request are zeroed and its transform is
 * given an all-zero key, so no key schedule outlives its operation.
 *
 * Every secret intermediate is zeroed on every path.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/unaligned.h>
#include <crypto/aead.h>
#include <crypto/sha2.h>
#include "crypto.h"

/* Chain links between two cond_resched() calls. */
#define CPNS_ITER_RESCHED 4096

/* A bounce buffer holds AAD | data | tag, then the nonce. */
#define CPNS_GCM_BUF_LEN (2 * CPNS_SEALED_MAX + CPNS_TAG_LEN + CPNS_NONCE_LEN)
#define CPNS_GCM_SLOTS_MAX 16

struct cpns_gcm_slot {
	/* one caller uses tfm, req and buf; innermost: nothing is taken under it */
	struct mutex lock;
	struct crypto_aead *tfm;
	struct aead_request *req;
	u8 *buf;
};

static struct cpns_gcm_slot *cpns_gcm_pool;
static unsigned int cpns_gcm_slots;

static const u8 cpns_zero_key[CPNS_KEY_LEN];

static void cpns_gcm_slot_free(struct cpns_gcm_slot *s)
{
	aead_request_free(s->req);	/* kfree_sensitive() */
	if (!IS_ERR_OR_NULL(s->tfm))
		crypto_free_aead(s->tfm);
	kfree_sensitive(s->buf);
	mutex_destroy(&s->lock);
}

static int cpns_gcm_slot_init(struct cpns_gcm_slot *s)
{
	int err;

	mutex_init(&s->lock);
	s->tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(s->tfm))
		return PTR_ERR(s->tfm);
	err = crypto_aead_setauthsize(s->tfm, CPNS_TAG_LEN) ?:
	      crypto_aead_setkey(s->tfm, cpns_zero_key, CPNS_KEY_LEN);
	if (err)
		return err;
	s->req = aead_request_alloc(s->tfm, GFP_KERNEL);
	s->buf = kmalloc(CPNS_GCM_BUF_LEN, GFP_KERNEL);
	if (!s->req || !s->buf)
		return -ENOMEM;
	return 0;
}

#ifdef DEBUG
/* Tenths of a nanosecond per operation. */
static u64 cpns_dt(u64 t0, unsigned int ops)
{
	return div_u64((ktime_get_ns() - t0) * 10, ops);
}

/*
 * make module-debug: what a chain link costs in this kernel next to a
 * compression of the bulk rate and to the wipe of a 256-byte schedule
 * that sha256_update() does once per call; three interleaved rounds.
 */
static void cpns_crypto_selftime(void)
{
	const unsigned int n = 1 << 16;
	u8 x[CPNS_HASH_LEN] = { 0 }, w[256];
	struct sha256_state s;
	u64 t0, link, bulk, wipe;
	unsigned int r, k;
	u8 *buf = vzalloc(n * SHA256_BLOCK_SIZE);

	if (!buf)
		return;
	for (r = 0; r < 3; r++) {
		t0 = ktime_get_ns();
		cpns_sha256_iter(x, n, x);
		link = cpns_dt(t0, n);
		t0 = ktime_get_ns();
		sha256_init(&s);
		sha256_update(&s, buf, n * SHA256_BLOCK_SIZE);
		bulk = cpns_dt(t0, n);
		t0 = ktime_get_ns();
		for (k = 0; k < n; k++)
			memzero_explicit(w, sizeof(w));
		wipe = cpns_dt(t0, n);
		pr_debug("round %u: link %llu.%llu ns, bulk compression %llu.%llu ns, memzero_explicit(256 B) %llu.%llu ns\n",
			 r, link / 10, link % 10, bulk / 10, bulk % 10,
			 wipe / 10, wipe % 10);
	}
	memzero_explicit(&s, sizeof(s));
	vfree(buf);
}
#else
static void cpns_crypto_selftime(void)
{
}
#endif

/**
 * cpns_crypto_init() - allocate the pool of AES-GCM transforms
 *
 * One slot per possible CPU (2 to CPNS_GCM_SLOTS_MAX).
 *
 * Return: 0 or a negative errno.
 */
int cpns_crypto_init(void)
{
	unsigned int k, n = clamp_t(unsigned int, num_possible_cpus(), 2,
				    CPNS_GCM_SLOTS_MAX);
	int err = 0;

	cpns_gcm_pool = kcalloc(n, sizeof(*cpns_gcm_pool), GFP_KERNEL);
	if (!cpns_gcm_pool)
		return -ENOMEM;
	for (k = 0; k < n && !err; k++)
		err = cpns_gcm_slot_init(&cpns_gcm_pool[k]);
	cpns_gcm_slots = k;		/* the failed one is cleaned up too */
	if (err) {
		pr_err("cannot set up gcm(aes): %d\n", err);
		cpns_crypto_exit();
		return err;
	}
	cpns_crypto_selftime();
	return 0;
}

void cpns_crypto_exit(void)
{
	unsigned int k;

	for (k = 0; k < cpns_gcm_slots; k++)
		cpns_gcm_slot_free(&cpns_gcm_pool[k]);
	kfree(cpns_gcm_pool);
	cpns_gcm_pool = NULL;
	cpns_gcm_slots = 0;
}

/* 0, or -EINVAL for a part longer than the library takes (4 GiB). */
static int cpns_parts_check(const struct cpns_buf *parts, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		if (parts[k].len > U32_MAX)
			return -EINVAL;
	return 0;
}

static void cpns_sha256_update_parts(struct sha256_state *s,
				     const struct cpns_buf *parts,
				     unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		sha256_update(s, parts[k].p, parts[k].len);
}

/**
 * cpns_sha256() - SHA-256 of the concatenation of @n parts
 * @parts: the parts, in order
 * @n: number of parts
 * @out: 32-byte digest
 *
 * Return: 0, or -EINVAL for a part longer than 4 GiB.
 */
int cpns_sha256(const struct cpns_buf *parts, unsigned int n,
		u8 out[CPNS_HASH_LEN])
{
	struct sha256_state s;
	int err = cpns_parts_check(parts, n);

	if (err)
		return err;
	sha256_init(&s);
	cpns_sha256_update_parts(&s, parts, n);
	sha256_final(&s, out);		/* zeroes s */
	return 0;
}

/*
 * One link: blk holds x || 0x80 || 0^23 || u64(256), the padded form of
 * the 32-byte message x, so SHA-256(x) is the state after compressing
 * this one block from the initial value; it replaces x.
 */
static void cpns_link(struct sha256_state *s, u8 blk[SHA256_BLOCK_SIZE])
{
	unsigned int w;

	sha256_init(s);
	sha256_update(s, blk, SHA256_BLOCK_SIZE);
	for (w = 0; w < SHA256_DIGEST_SIZE / 4; w++)
		put_unaligned_be32(s->state[w], blk + 4 * w);
}

/**
 * cpns_sha256_iter() - @count times iterated SHA-256
 * @in: the starting value
 * @count: number of applications; 0 copies @in
 * @out: H^count(@in); may alias @in
 *
 * One compression per link; walks with cond_resched() every
 * CPNS_ITER_RESCHED links; may sleep.
 *
 * Return: 0.
 */
int cpns_sha256_iter(const u8 in[CPNS_HASH_LEN], unsigned int count,
		     u8 out[CPNS_HASH_LEN])
{
	u8 blk[SHA256_BLOCK_SIZE] = { [CPNS_HASH_LEN] = 0x80 };
	struct sha256_state s;
	unsigned int k;

	BUILD_BUG_ON(CPNS_HASH_LEN != SHA256_DIGEST_SIZE);
	put_unaligned_be64(CPNS_HASH_LEN * 8, blk + SHA256_BLOCK_SIZE - 8);
	memcpy(blk, in, CPNS_HASH_LEN);
	for (k = 1; k <= count; k++) {
		cpns_link(&s, blk);
		if (k % CPNS_ITER_RESCHED == 0)
			cond_resched();
	}
	memcpy(out, blk, CPNS_HASH_LEN);
	memzero_explicit(blk, sizeof(blk));
	memzero_explicit(&s, sizeof(s));
	return 0;
}

/* The inner and outer states of HMAC-SHA-256 keyed with @key. */
static void cpns_hmac_init(struct sha256_state *in, struct sha256_state *out,
			   const u8 *key, size_t keylen)
{
	u8 pad[SHA256_BLOCK_SIZE] = { 0 };
	unsigned int k;

	if (keylen > SHA256_BLOCK_SIZE)
		sha256(key, keylen, pad);
	else
		memcpy(pad, key, keylen);
	for (k = 0; k < sizeof(pad); k++)
		pad[k] ^= 0x36;
	sha256_init(in);
	sha256_update(in, pad, sizeof(pad));
	for (k = 0; k < sizeof(pad); k++)
		pad[k] ^= 0x36 ^ 0x5c;
	sha256_init(out);
	sha256_update(out, pad, sizeof(pad));
	memzero_explicit(pad, sizeof(pad));
}

/**
 * cpns_hmac() - HMAC-SHA-256 over the concatenation of @n parts
 * @key: the key
 * @keylen: its length
 * @parts: the message parts, in order
 * @n: number of parts
 * @out: 32-byte MAC
 *
 * RFC 2104 over the SHA-256 library; the key's pads and both states are
 * zeroed before return.
 *
 * Return: 0, or -EINVAL for a key or part longer than 4 GiB; @out is
 * zeroed on error.
 */
int cpns_hmac(const u8 *key, size_t keylen, const struct cpns_buf *parts,
	      unsigned int n, u8 out[CPNS_HASH_LEN])
{
	struct sha256_state in, outer;
	u8 ih[SHA256_DIGEST_SIZE];

	if (keylen > U32_MAX || cpns_parts_check(parts, n)) {
		memzero_explicit(out, CPNS_HASH_LEN);
		return -EINVAL;
	}
	cpns_hmac_init(&in, &outer, key, keylen);
	cpns_sha256_update_parts(&in, parts, n);
	sha256_final(&in, ih);
	sha256_update(&outer, ih, sizeof(ih));
	sha256_final(&outer, out);
	memzero_explicit(ih, sizeof(ih));
	return 0;
}

/**
 * cpns_hkdf() - HKDF-SHA-256 (RFC 5869) with 32 bytes of output
 * @ikm: input keying material
 * @ikmlen: its length
 * @salt: the salt, at least 14 bytes
 * @saltlen: its length
 * @info: the info parts, in order
 * @n: number of info parts
 * @out: OKM = HMAC(PRK, info || 0x01), PRK = HMAC(salt, ikm)
 *
 * Return: 0, -EINVAL for a short salt or too many info parts, or a
 * negative errno from the crypto API; @out is zeroed on error.
 */
int cpns_hkdf(const u8 *ikm, size_t ikmlen, const u8 *salt, size_t saltlen,
	      const struct cpns_buf *info, unsigned int n, u8 out[CPNS_KEY_LEN])
{
	static const u8 one = 0x01;
	struct cpns_buf parts[8];
	struct cpns_buf ikm_part = { ikm, ikmlen };
	u8 prk[CPNS_HASH_LEN];
	int err;

	if (saltlen < 14 || n >= ARRAY_SIZE(parts)) {
		memzero_explicit(out, CPNS_KEY_LEN);
		return -EINVAL;
	}
	memcpy(parts, info, n * sizeof(*info));
	parts[n].p = &one;
	parts[n].len = 1;

	err = cpns_hmac(salt, saltlen, &ikm_part, 1, prk);
	if (!err)
		err = cpns_hmac(prk, sizeof(prk), parts, n + 1, out);
	memzero_explicit(prk, sizeof(prk));
	if (err)
		memzero_explicit(out, CPNS_KEY_LEN);
	return err;
}

/* A free slot of the pool, else the one of this CPU when it is free. */
static struct cpns_gcm_slot *cpns_gcm_get(void)
{
	unsigned int start = raw_smp_processor_id() % cpns_gcm_slots, k;
	struct cpns_gcm_slot *s;

	for (k = 0; k < cpns_gcm_slots; k++) {
		s = &cpns_gcm_pool[(start + k) % cpns_gcm_slots];
		if (mutex_trylock(&s->lock))
			return s;
	}
	s = &cpns_gcm_pool[start];
	mutex_lock(&s->lock);
	return s;
}

/* Wipe what the operation left in the slot, and release it. */
static void cpns_gcm_put(struct cpns_gcm_slot *s, size_t used)
{
	memzero_explicit(s->buf, used);
	memzero_explicit(s->req, sizeof(*s->req) + crypto_aead_reqsize(s->tfm));
	/*
	 * Replace the key schedule.  This can only fail where setkey
	 * allocates (ghash-generic's table); the next setkey replaces it.
	 */
	crypto_aead_setkey(s->tfm, cpns_zero_key, CPNS_KEY_LEN);
	mutex_unlock(&s->lock);
}

/*
 * AES-256-GCM in a slot's buffer laid out [AAD | data | tag], then the
 * nonce after it (outside the scatterlist).  @enc: encrypt @ptlen bytes;
 * otherwise decrypt @ptlen bytes of ciphertext followed by the tag.
 */
static int cpns_gcm_run(struct cpns_gcm_slot *s, bool enc, const u8 *key,
			const u8 *nonce, const void *aad, size_t aadlen,
			const void *in, size_t ptlen, u8 *out)
{
	size_t sglen = aadlen + ptlen + CPNS_TAG_LEN;
	struct aead_request *req = s->req;
	u8 *buf = s->buf, *iv = buf + sglen;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	int err;

	memcpy(buf, aad, aadlen);
	memcpy(buf + aadlen, in, enc ? ptlen : ptlen + CPNS_TAG_LEN);
	if (enc)
		memset(buf + aadlen + ptlen, 0, CPNS_TAG_LEN);
	memcpy(iv, nonce, CPNS_NONCE_LEN);

	err = crypto_aead_setkey(s->tfm, key, CPNS_KEY_LEN);
	if (err)
		return err;
	sg_init_one(&sg, buf, sglen);
	aead_request_set_tfm(req, s->tfm);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				  CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, aadlen);
	aead_request_set_crypt(req, &sg, &sg, enc ? ptlen : ptlen + CPNS_TAG_LEN,
			       iv);
	if (enc)
		err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
	else
		err = crypto_wait_req(crypto_aead_decrypt(req), &wait);
	if (!err)
		memcpy(out, buf + aadlen, enc ? ptlen + CPNS_TAG_LEN : ptlen);
	return err;
}

static int cpns_gcm(bool enc, const u8 key[CPNS_KEY_LEN],
		    const u8 nonce[CPNS_NONCE_LEN], const void *aad,
		    size_t aadlen, const void *in, size_t ptlen, u8 *out)
{
	struct cpns_gcm_slot *s;
	int err;

	if (aadlen > CPNS_SEALED_MAX || ptlen > CPNS_SEALED_MAX)
		return -EINVAL;
	if (WARN_ON_ONCE(!cpns_gcm_slots))
		return -ENODEV;
	s = cpns_gcm_get();
	err = cpns_gcm_run(s, enc, key, nonce, aad, aadlen, in, ptlen, out);
	cpns_gcm_put(s, aadlen + ptlen + CPNS_TAG_LEN + CPNS_NONCE_LEN);
	return err;
}

/**
 * cpns_seal() - SEAL(key, aad, pt) with a fresh random nonce
 * @key: the 32-byte key
 * @aad: additional authenticated data
 * @aadlen: its length
 * @pt: the plaintext
 * @ptlen: its length
 * @out: nonce || ciphertext || tag, @ptlen + CPNS_SEALED_MIN bytes
 *
 * Return: 0 or a negative errno (-ERESTARTSYS when interrupted while
 * waiting for the CSPRNG); @out is zeroed on error.
 */
int cpns_seal(const u8 key[CPNS_KEY_LEN], const void *aad, size_t aadlen,
	      const void *pt, size_t ptlen, u8 *out)
{
	int err;

	err = cpns_random(out, CPNS_NONCE_LEN);
	if (!err)
		err = cpns_gcm(true, key, out, aad, aadlen, pt, ptlen,
			       out + CPNS_NONCE_LEN);
	if (err)
		memzero_explicit(out, ptlen + CPNS_SEALED_MIN);
	return err;
}

/**
 * cpns_open() - OPEN(key, aad, sealed)
 * @key: the 32-byte key
 * @aad: additional authenticated data
 * @aadlen: its length
 * @sealed: nonce || ciphertext || tag
 * @len: its length
 * @pt: receives @len - CPNS_SEALED_MIN bytes
 *
 * Return: 0, -EBADMSG when @len is short or the tag does not verify, or
 * another negative errno; @pt is zeroed on error.
 */
int cpns_open(const u8 key[CPNS_KEY_LEN], const void *aad, size_t aadlen,
	      const u8 *sealed, size_t len, u8 *pt)
{
	size_t ptlen;
	int err;

	if (len < CPNS_SEALED_MIN)
		return -EBADMSG;
	ptlen = len - CPNS_SEALED_MIN;
	err = cpns_gcm(false, key, sealed, aad, aadlen,
		       sealed + CPNS_NONCE_LEN, ptlen, pt);
	if (err)
		memzero_explicit(pt, ptlen);
	return err;
}

/**
 * cpns_random() - bytes from the kernel CSPRNG, once it is seeded
 * @buf: destination
 * @len: number of bytes
 *
 * Return: 0, or -ERESTARTSYS when interrupted by a signal while waiting.
 */
int cpns_random(void *buf, size_t len)
{
	int err;

	err = wait_for_random_bytes();
	if (err)
		return err;
	get_random_bytes(buf, len);
	return 0;
}
