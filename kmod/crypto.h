/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Primitives of the profile over the kernel crypto API: SHA-256,
 * HMAC-SHA-256, HKDF-SHA-256 (written over hmac(sha256): 6.1 has no HKDF
 * helper) and AES-256-GCM seal/open with a random 12-byte nonce.
 */
#ifndef _CPNS_CRYPTO_H
#define _CPNS_CRYPTO_H

#include <linux/types.h>
#include <uapi/linux/cpns.h>

#define CPNS_KEY_LEN 32

/* One part of a message hashed or MACed in pieces. */
struct cpns_buf {
	const void *p;
	size_t len;
};

int cpns_crypto_init(void);
void cpns_crypto_exit(void);

/* out = SHA-256(parts[0] || ... || parts[n - 1]) */
int cpns_sha256(const struct cpns_buf *parts, unsigned int n, u8 out[CPNS_HASH_LEN]);
/* out = H^count(in); in and out may alias; walks with cond_resched() */
int cpns_sha256_iter(const u8 in[CPNS_HASH_LEN], unsigned int count,
		     u8 out[CPNS_HASH_LEN]);
/* out = HMAC-SHA-256(key, parts...) */
int cpns_hmac(const u8 *key, size_t keylen, const struct cpns_buf *parts,
	      unsigned int n, u8 out[CPNS_HASH_LEN]);
/* out = HKDF-SHA-256(ikm, salt, info parts...), 32 bytes; saltlen >= 14 */
int cpns_hkdf(const u8 *ikm, size_t ikmlen, const u8 *salt, size_t saltlen,
	      const struct cpns_buf *info, unsigned int n, u8 out[CPNS_KEY_LEN]);

/*
 * SEAL: out = nonce || ciphertext || tag, ptlen + CPNS_SEALED_MIN bytes,
 * with a fresh random nonce.  Only the module ever chooses a nonce.
 */
int cpns_seal(const u8 key[CPNS_KEY_LEN], const void *aad, size_t aadlen,
	      const void *pt, size_t ptlen, u8 *out);
/*
 * OPEN: pt receives len - CPNS_SEALED_MIN bytes.  -EBADMSG when the input
 * is shorter than CPNS_SEALED_MIN or fails to authenticate; pt is zeroed
 * then.
 */
int cpns_open(const u8 key[CPNS_KEY_LEN], const void *aad, size_t aadlen,
	      const u8 *sealed, size_t len, u8 *pt);

/* Kernel CSPRNG, after wait_for_random_bytes(). */
int cpns_random(void *buf, size_t len);

#endif /* _CPNS_CRYPTO_H */
