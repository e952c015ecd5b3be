// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed store records of the CPNS Server (see record.h).  Each record is
 * bound to its kind and identifier by the AAD, so a blob moved to another
 * row of the store does not open.
 */

#include <linux/string.h>
#include "record.h"

static size_t cpns_record_aad(u8 *buf, enum cpns_record_kind kind,
			      const struct cpns_id *id)
{
	static const char label[] = "CPNS-KA v1 record";
	struct cpns_bld b;

	cpns_bld_init(&b, buf, CPNS_AAD_MAX);
	cpns_bld_put(&b, label, sizeof(label) - 1);
	cpns_bld_u8(&b, kind);
	cpns_bld_id(&b, id);
	return b.len;
}

int cpns_record_seal(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const void *pt, size_t len, u8 *out)
{
	u8 aad[CPNS_AAD_MAX];
	size_t aadlen = cpns_record_aad(aad, kind, id);

	if (len > CPNS_RECORD_PT_MAX)
		return -EINVAL;
	return cpns_seal(master, aad, aadlen, pt, len, out);
}

int cpns_record_open(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const u8 *rec, size_t len,
		     u8 *pt, size_t *ptlen)
{
	u8 aad[CPNS_AAD_MAX];
	size_t aadlen = cpns_record_aad(aad, kind, id);
	int ret;

	if (len < CPNS_SEALED_MIN || len - CPNS_SEALED_MIN > CPNS_RECORD_PT_MAX)
		return -EBADMSG;
	ret = cpns_open(master, aad, aadlen, rec, len, pt);
	if (ret)
		return ret;
	*ptlen = len - CPNS_SEALED_MIN;
	return 0;
}
