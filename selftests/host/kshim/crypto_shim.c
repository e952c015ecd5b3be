// SPDX-License-Identifier: GPL-2.0
/*
 * The API of kmod/crypto.h over the userspace reference, so that
 * kmod/profile.c itself (labels, builders, parsers) can be checked on the
 * host against the vectors.  kmod/crypto.c runs only in the VM tests.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include "../../../kmod/crypto.h"
#include "ref.h"

void memzero_explicit(void *p, size_t len)
{
	ref_wipe(p, len);
}

static u8 *concat(const struct cpns_buf *parts, unsigned int n, size_t *len)
{
	unsigned int k;
	size_t off = 0;
	u8 *m;

	for (*len = 0, k = 0; k < n; k++)
		*len += parts[k].len;
	m = malloc(*len + 1);
	if (!m)
		abort();
	for (k = 0; k < n; k++) {
		if (parts[k].len)
			memcpy(m + off, parts[k].p, parts[k].len);
		off += parts[k].len;
	}
	return m;
}

int cpns_sha256(const struct cpns_buf *parts, unsigned int n,
		u8 out[CPNS_HASH_LEN])
{
	size_t len;
	u8 *m = concat(parts, n, &len);

	ref_sha256(m, len, out);
	free(m);
	return 0;
}

int cpns_sha256_iter(const u8 in[CPNS_HASH_LEN], unsigned int count,
		     u8 out[CPNS_HASH_LEN])
{
	ref_sha256_iter(in, count, out);
	return 0;
}

int cpns_hmac(const u8 *key, size_t keylen, const struct cpns_buf *parts,
	      unsigned int n, u8 out[CPNS_HASH_LEN])
{
	size_t len;
	u8 *m = concat(parts, n, &len);

	ref_hmac(key, keylen, m, len, out);
	free(m);
	return 0;
}

int cpns_hkdf(const u8 *ikm, size_t ikmlen, const u8 *salt, size_t saltlen,
	      const struct cpns_buf *info, unsigned int n, u8 out[CPNS_KEY_LEN])
{
	size_t len;
	u8 *m;

	if (saltlen < 14)
		return -EINVAL;
	m = concat(info, n, &len);
	ref_hkdf(ikm, ikmlen, salt, saltlen, m, len, out);
	free(m);
	return 0;
}

/*
 * SEAL and OPEN over the reference.  kshim_gcm_errno, when set, is what
 * the next call returns instead (as kmalloc or crypto_alloc_aead failing
 * would make cpns_gcm() return), once.
 */
int kshim_gcm_errno;

static int kshim_gcm_fault(void)
{
	int err = kshim_gcm_errno;

	kshim_gcm_errno = 0;
	return err;
}

/* Not a CSPRNG: the host tests only need distinct nonces. */
int cpns_random(void *buf, size_t len)
{
	u8 *p = buf;

	while (len--)
		*p++ = (u8)random();
	return 0;
}

/* When set, the nonce of the next SEAL (once), as a test chose it. */
const u8 *kshim_seal_nonce;

int cpns_seal(const u8 key[CPNS_KEY_LEN], const void *aad, size_t aadlen,
	      const void *pt, size_t ptlen, u8 *out)
{
	u8 nonce[CPNS_NONCE_LEN];
	int err = kshim_gcm_fault();

	if (err) {
		memset(out, 0, ptlen + CPNS_SEALED_MIN);
		return err;
	}
	if (kshim_seal_nonce) {
		memcpy(nonce, kshim_seal_nonce, sizeof(nonce));
		kshim_seal_nonce = NULL;
	} else {
		cpns_random(nonce, sizeof(nonce));
	}
	ref_seal(key, nonce, aad, aadlen, pt, ptlen, out);
	return 0;
}

int cpns_open(const u8 key[CPNS_KEY_LEN], const void *aad, size_t aadlen,
	      const u8 *sealed, size_t len, u8 *pt)
{
	int err;

	if (len < CPNS_SEALED_MIN)
		return -EBADMSG;
	err = kshim_gcm_fault();
	if (!err && ref_open(key, aad, aadlen, sealed, len, pt))
		err = -EBADMSG;
	if (err)
		memset(pt, 0, len - CPNS_SEALED_MIN);
	return err;
}
