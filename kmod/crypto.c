// SPDX-License-Identifier: GPL-2.0
/*
 * Primitives of the profile over the kernel crypto API.
 *
 * One "sha256" shash is allocated at init and shared: an unkeyed shash
 * transform keeps no per-call state, each call has its own descriptor.
 * "hmac(sha256)" and "gcm(aes)" are keyed (setkey is per transform), so
 * they are allocated per operation.  Every secret intermediate is zeroed
 * on every path.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>
#include <crypto/hash.h>
#include "crypto.h"

/* Chain steps between two cond_resched() calls. */
#define CPNS_ITER_RESCHED 256

static struct crypto_shash *cpns_sha256_tfm;

/**
 * cpns_crypto_init() - allocate the shared SHA-256 transform
 *
 * Return: 0 or a negative errno from crypto_alloc_shash().
 */
int cpns_crypto_init(void)
{
	struct crypto_shash *tfm;

	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("cannot allocate sha256: %ld\n", PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	cpns_sha256_tfm = tfm;
	return 0;
}

void cpns_crypto_exit(void)
{
	crypto_free_shash(cpns_sha256_tfm);
	cpns_sha256_tfm = NULL;
}

/* init, update over every part, final; the descriptor is zeroed. */
static int cpns_shash_parts(struct crypto_shash *tfm,
			    const struct cpns_buf *parts, unsigned int n,
			    u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	unsigned int k;
	int err;

	desc->tfm = tfm;
	err = crypto_shash_init(desc);
	for (k = 0; !err && k < n; k++)
		err = crypto_shash_update(desc, parts[k].p, parts[k].len);
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

/**
 * cpns_sha256() - SHA-256 of the concatenation of @n parts
 * @parts: the parts, in order
 * @n: number of parts
 * @out: 32-byte digest
 *
 * Return: 0 or a negative errno.
 */
int cpns_sha256(const struct cpns_buf *parts, unsigned int n,
		u8 out[CPNS_HASH_LEN])
{
	if (WARN_ON_ONCE(!cpns_sha256_tfm))
		return -ENODEV;
	return cpns_shash_parts(cpns_sha256_tfm, parts, n, out);
}

/**
 * cpns_sha256_iter() - @count times iterated SHA-256
 * @in: the starting value
 * @count: number of applications; 0 copies @in
 * @out: H^count(@in); may alias @in
 *
 * Walks with cond_resched(); may sleep.
 *
 * Return: 0 or a negative errno; @out is zeroed on error.
 */
int cpns_sha256_iter(const u8 in[CPNS_HASH_LEN], unsigned int count,
		     u8 out[CPNS_HASH_LEN])
{
	u8 cur[CPNS_HASH_LEN];
	unsigned int k;
	int err = 0;

	if (WARN_ON_ONCE(!cpns_sha256_tfm))
		return -ENODEV;
	memcpy(cur, in, CPNS_HASH_LEN);
	for (k = 0; k < count; k++) {
		err = crypto_shash_tfm_digest(cpns_sha256_tfm, cur,
					      CPNS_HASH_LEN, cur);
		if (err)
			break;
		if ((k + 1) % CPNS_ITER_RESCHED == 0)
			cond_resched();
	}
	if (err)
		memzero_explicit(out, CPNS_HASH_LEN);
	else
		memcpy(out, cur, CPNS_HASH_LEN);
	memzero_explicit(cur, sizeof(cur));
	return err;
}

/**
 * cpns_hmac() - HMAC-SHA-256 over the concatenation of @n parts
 * @key: the key
 * @keylen: its length
 * @parts: the message parts, in order
 * @n: number of parts
 * @out: 32-byte MAC
 *
 * A transform is allocated for this call only and freed (its key state is
 * zeroed by the crypto API when the transform is freed).
 *
 * Return: 0 or a negative errno; @out is zeroed on error.
 */
int cpns_hmac(const u8 *key, size_t keylen, const struct cpns_buf *parts,
	      unsigned int n, u8 out[CPNS_HASH_LEN])
{
	struct crypto_shash *tfm;
	int err;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm)) {
		err = PTR_ERR(tfm);
		goto out_zero;
	}
	err = crypto_shash_setkey(tfm, key, keylen);
	if (!err)
		err = cpns_shash_parts(tfm, parts, n, out);
	crypto_free_shash(tfm);
	if (!err)
		return 0;
out_zero:
	memzero_explicit(out, CPNS_HASH_LEN);
	return err;
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

/*
 * AES-256-GCM over one heap buffer laid out [AAD | data | tag], then the
 * nonce after it (outside the scatterlist).  @enc: encrypt @ptlen bytes;
 * otherwise decrypt @ptlen bytes of ciphertext followed by the tag.
 */
static int cpns_gcm(bool enc, const u8 key[CPNS_KEY_LEN],
		    const u8 nonce[CPNS_NONCE_LEN], const void *aad,
		    size_t aadlen, const void *in, size_t ptlen, u8 *out)
{
	struct crypto_aead *tfm;
	struct aead_request *req = NULL;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	size_t sglen = aadlen + ptlen + CPNS_TAG_LEN;
	u8 *buf, *iv;
	int err;

	if (aadlen > CPNS_SEALED_MAX || ptlen > CPNS_SEALED_MAX)
		return -EINVAL;
	buf = kmalloc(sglen + CPNS_NONCE_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	iv = buf + sglen;
	memcpy(buf, aad, aadlen);
	memcpy(buf + aadlen, in, enc ? ptlen : ptlen + CPNS_TAG_LEN);
	if (enc)
		memset(buf + aadlen + ptlen, 0, CPNS_TAG_LEN);
	memcpy(iv, nonce, CPNS_NONCE_LEN);

	tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(tfm)) {
		err = PTR_ERR(tfm);
		goto out_buf;
	}
	err = crypto_aead_setkey(tfm, key, CPNS_KEY_LEN);
	if (!err)
		err = crypto_aead_setauthsize(tfm, CPNS_TAG_LEN);
	if (err)
		goto out_tfm;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		err = -ENOMEM;
		goto out_tfm;
	}

	sg_init_one(&sg, buf, sglen);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				  CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, aadlen);
	if (enc) {
		aead_request_set_crypt(req, &sg, &sg, ptlen, iv);
		err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
		if (!err)
			memcpy(out, buf + aadlen, ptlen + CPNS_TAG_LEN);
	} else {
		aead_request_set_crypt(req, &sg, &sg, ptlen + CPNS_TAG_LEN, iv);
		err = crypto_wait_req(crypto_aead_decrypt(req), &wait);
		if (!err)
			memcpy(out, buf + aadlen, ptlen);
	}

	aead_request_free(req);	/* kfree_sensitive() */
out_tfm:
	crypto_free_aead(tfm);
out_buf:
	kfree_sensitive(buf);
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
