/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sealed blobs of cpns keys (Documentation/keys.rst, "Sealed blobs"): a
 * key's readable form, AES-256-GCM under a key derived from a wrapping key
 * named TYPE:DESC (logon:, user:, encrypted:, trusted:), bound to the
 * key's kind and description.
 */
#ifndef _CPNS_BLOB_H
#define _CPNS_BLOB_H

#include <linux/key.h>
#include "key.h"

#define CPNS_BLOB_VERSION	1
#define CPNS_BLOB_HDR_LEN	8
/* "master:" is the longest prefix */
#define CPNS_BLOB_DESC_MAX	(sizeof("master:") - 1 + CPNS_ID_MAX_LEN)
#define CPNS_WRAP_NAME_MAX	255
/* the longest plaintext: a chain */
#define CPNS_BLOB_PT_MAX	(2 * CPNS_HASH_LEN + CPNS_CHAIN_ID_LEN + 8)
#define CPNS_BLOB_MAX		(CPNS_BLOB_HDR_LEN + CPNS_WRAP_NAME_MAX +	\
				 CPNS_BLOB_DESC_MAX + CPNS_SEALED_MIN +		\
				 CPNS_BLOB_PT_MAX)
/* "load " and the hex of the longest blob */
#define CPNS_BLOB_TEXT_MAX	(5 + 2 * CPNS_BLOB_MAX)

/* ->read of the type: the blob in hex, sealed under the module's wrap_key */
long cpns_blob_read(const struct key *key, char *buffer, size_t buflen);

/* Is @data "load ..." (a blob) or "new" rather than a raw secret? */
bool cpns_blob_is_load(const void *data, size_t len);
bool cpns_blob_is_new(const void *data, size_t len);

/*
 * Open "load HEX" for the key described @desc, or, when @desc is NULL,
 * for the description the blob names (copied to @desc_out, NUL-terminated,
 * CPNS_BLOB_DESC_MAX + 1 bytes).  Returns 0 and a new payload in *@out, or
 * -EINVAL (ill-formed), -EPROTONOSUPPORT (another format version),
 * -EKEYREJECTED (a blob of another key or kind), -ENOKEY (the wrapping
 * key is absent), -EBADMSG (fails to authenticate: tampered, truncated,
 * or another wrapping key), ...
 */
int cpns_blob_load(const char *desc, const void *data, size_t len,
		   struct cpns_key_payload **out, char *desc_out);

#endif /* _CPNS_BLOB_H */
