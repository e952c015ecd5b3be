/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPNS Server's store records, sealed under a master: key so that the
 * server's userspace keeps only sealed blobs (Documentation/store.rst):
 *
 *   RecAAD = "CPNS-KA v1 record" || u8(kind) || lp(identifier)
 *   record = SEAL(master, RecAAD, plaintext)
 *
 *   user:   HPW (32 bytes)
 *   entity: lp(TK) || lp(ClaimCode)
 *   chain:  u16(n) || EUKey[n] || u32(E)
 */
#ifndef _CPNS_RECORD_H
#define _CPNS_RECORD_H

#include "profile.h"

enum cpns_record_kind {
	CPNS_RECORD_USER = 1,
	CPNS_RECORD_ENTITY = 2,
	CPNS_RECORD_CHAIN = 3,
};

#define CPNS_RECORD_PT_MAX (2 + CPNS_TK_MAX_LEN + 2 + CPNS_CLAIM_CODE_MAX_LEN)

/* out receives len + CPNS_SEALED_MIN bytes. */
int cpns_record_seal(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const void *pt, size_t len, u8 *out);
/* pt (CPNS_RECORD_PT_MAX bytes) receives the plaintext; -EBADMSG if it does not open. */
int cpns_record_open(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const u8 *rec, size_t len,
		     u8 *pt, size_t *ptlen);

#endif /* _CPNS_RECORD_H */
