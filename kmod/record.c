// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed store records of the CPNS Server (see record.h).  Each record is
 * bound to its kind, format version and identifier by the AAD, so a blob
 * moved to another row of the store, or to another kind, does not open.
 */

#include <linux/errno.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include "record.h"

static size_t cpns_record_aad(u8 *buf, enum cpns_record_kind kind, u8 version,
			      const struct cpns_id *id)
{
	static const char label[] = "CPNS-KA v1 record";
	struct cpns_bld b;

	cpns_bld_init(&b, buf, CPNS_AAD_MAX);
	cpns_bld_put(&b, label, sizeof(label) - 1);
	cpns_bld_u8(&b, kind);
	cpns_bld_u8(&b, version);
	cpns_bld_id(&b, id);
	return b.len;
}

static int cpns_record_seal_v(const u8 master[CPNS_MASTER_LEN],
			      enum cpns_record_kind kind, u8 version,
			      const struct cpns_id *id, const void *pt,
			      size_t len, u8 *out)
{
	u8 aad[CPNS_AAD_MAX];
	size_t aadlen = cpns_record_aad(aad, kind, version, id);

	if (len > CPNS_RECORD_PT_MAX)
		return -EINVAL;
	return cpns_seal(master, aad, aadlen, pt, len, out);
}

int cpns_record_seal(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const void *pt, size_t len, u8 *out)
{
	return cpns_record_seal_v(master, kind, CPNS_RECORD_VERSION, id, pt,
				  len, out);
}

static int cpns_record_open_v(const u8 master[CPNS_MASTER_LEN],
			      enum cpns_record_kind kind, u8 version,
			      const struct cpns_id *id, const u8 *rec,
			      size_t len, u8 *pt, size_t *ptlen)
{
	u8 aad[CPNS_AAD_MAX];
	size_t aadlen = cpns_record_aad(aad, kind, version, id);
	int ret;

	if (len < CPNS_SEALED_MIN || len - CPNS_SEALED_MIN > CPNS_RECORD_PT_MAX)
		return -EBADMSG;
	ret = cpns_open(master, aad, aadlen, rec, len, pt);
	if (ret)
		return ret;
	*ptlen = len - CPNS_SEALED_MIN;
	return 0;
}

int cpns_record_open(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const u8 *rec, size_t len,
		     u8 *pt, size_t *ptlen)
{
	u8 version = kind == CPNS_RECORD_ENTITY ? CPNS_RECORD_ENTITY_VERSION :
		     CPNS_RECORD_VERSION;

	return cpns_record_open_v(master, kind, version, id, rec, len, pt,
				  ptlen);
}

int cpns_record_open_user(const u8 master[CPNS_MASTER_LEN],
			  const struct cpns_id *user, const u8 *rec, size_t len,
			  u8 *scratch, u8 hpw[CPNS_HASH_LEN])
{
	size_t ptlen;
	int ret;

	ret = cpns_record_open(master, CPNS_RECORD_USER, user, rec, len,
			       scratch, &ptlen);
	if (!ret && ptlen != CPNS_HASH_LEN)
		ret = -EBADMSG;
	if (!ret)
		memcpy(hpw, scratch, CPNS_HASH_LEN);
	memzero_explicit(scratch, CPNS_RECORD_PT_MAX);
	return ret;
}

/* A cursor over a record's plaintext. */
struct cpns_rd {
	const u8 *p;
	size_t left;
	bool bad;
};

static const u8 *cpns_rd_take(struct cpns_rd *r, size_t len)
{
	const u8 *p = r->p;

	if (r->bad || len > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += len;
	r->left -= len;
	return p;
}

/* lp(x) of min..max bytes; NULL (and r->bad) otherwise. */
static const u8 *cpns_rd_lp(struct cpns_rd *r, size_t min, size_t max,
			    size_t *len)
{
	const u8 *p = cpns_rd_take(r, 2);

	if (!p)
		return NULL;
	*len = get_unaligned_be16(p);
	if (*len < min || *len > max) {
		r->bad = true;
		return NULL;
	}
	return cpns_rd_take(r, *len);
}

static int cpns_entity_parse(const u8 *pt, size_t ptlen, u8 version,
			     struct cpns_entity_rec *er)
{
	struct cpns_rd r = { .p = pt, .left = ptlen };
	const u8 *e, *flags = NULL, *owner, *tk, *code;
	size_t ownerlen;

	e = cpns_rd_take(&r, 4);
	if (version == CPNS_RECORD_ENTITY_VERSION)
		flags = cpns_rd_take(&r, 1);
	owner = cpns_rd_lp(&r, 0, CPNS_ID_MAX_LEN, &ownerlen);
	tk = cpns_rd_lp(&r, CPNS_TK_MIN_LEN, CPNS_TK_MAX_LEN, &er->tklen);
	code = cpns_rd_lp(&r, CPNS_CLAIM_CODE_MIN_LEN, CPNS_CLAIM_CODE_MAX_LEN,
			  &er->codelen);
	if (r.bad || r.left || !cpns_claim_code_valid(code, er->codelen))
		return -EBADMSG;
	er->flags = flags ? *flags : 0;
	if (er->flags & ~CPNS_ENTITY_DECOMMISSIONED)
		return -EBADMSG;
	er->owner.len = 0;
	if (ownerlen && cpns_id_set(&er->owner, owner, ownerlen))
		return -EBADMSG;
	er->e = get_unaligned_be32(e);
	memcpy(er->tk, tk, er->tklen);
	memcpy(er->code, code, er->codelen);
	return 0;
}

int cpns_record_open_entity(const u8 master[CPNS_MASTER_LEN],
			    const struct cpns_id *entity, const u8 *rec,
			    size_t len, u8 *scratch, struct cpns_entity_rec *er)
{
	u8 version = CPNS_RECORD_ENTITY_VERSION;
	size_t ptlen;
	int ret;

	ret = cpns_record_open_v(master, CPNS_RECORD_ENTITY, version, entity,
				 rec, len, scratch, &ptlen);
	if (ret == -EBADMSG) {
		/* a store written before Flags: version 2, in service */
		version = CPNS_RECORD_ENTITY_V2;
		ret = cpns_record_open_v(master, CPNS_RECORD_ENTITY, version,
					 entity, rec, len, scratch, &ptlen);
	}
	if (!ret)
		ret = cpns_entity_parse(scratch, ptlen, version, er);
	memzero_explicit(scratch, CPNS_RECORD_PT_MAX);
	if (ret)
		memzero_explicit(er, sizeof(*er));
	return ret;
}

int cpns_record_seal_entity(const u8 master[CPNS_MASTER_LEN],
			    const struct cpns_id *entity,
			    const struct cpns_entity_rec *er, u8 *scratch,
			    u8 *out)
{
	struct cpns_bld b;
	int ret;

	cpns_bld_init(&b, scratch, CPNS_RECORD_PT_MAX);
	cpns_bld_u32(&b, er->e);
	cpns_bld_u8(&b, er->flags);
	cpns_bld_id(&b, &er->owner);
	cpns_bld_lp(&b, er->tk, er->tklen);
	cpns_bld_lp(&b, er->code, er->codelen);
	ret = b.overflow ? -EINVAL :
	      cpns_record_seal_v(master, CPNS_RECORD_ENTITY,
				 CPNS_RECORD_ENTITY_VERSION, entity, scratch,
				 b.len, out);
	memzero_explicit(scratch, CPNS_RECORD_PT_MAX);
	return ret ?: (int)(b.len + CPNS_SEALED_MIN);
}
