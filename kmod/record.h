/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPNS Server's store records, sealed under a master: key so that the
 * server's userspace keeps only sealed blobs (Documentation/design.rst,
 * "The server's store"):
 *
 *   RecAAD = "CPNS-KA v1 record" || u8(kind) || u8(version) || lp(identifier)
 *   record = SEAL(master, RecAAD, plaintext)
 *
 *   user:   HPW (32 bytes)                                  version 2
 *   entity: u32(E) || u8(Flags) || lp(Owner) || lp(TK) || lp(ClaimCode)
 *                                                            version 3
 *   chain:  u16(n) || EUKey[n] || u32(E)                    version 2
 *
 * Owner is empty while the entity is unowned; Flags is 0 or
 * CPNS_ENTITY_DECOMMISSIONED.  An entity record of version 2 (no Flags
 * byte: in service) still opens; every entity record sealed is version 3.  Every fact the server's kernel decides on (HPW, TK, the claim
 * code, owner, E) comes from a record that opened for its kind, version
 * and identifier; anything else is refused.
 */
#ifndef _CPNS_RECORD_H
#define _CPNS_RECORD_H

#include "profile.h"

enum cpns_record_kind {
	CPNS_RECORD_USER = 1,
	CPNS_RECORD_ENTITY = 2,
	CPNS_RECORD_CHAIN = 3,
};

/* The format version of user and chain records, and of entity records. */
#define CPNS_RECORD_VERSION 2
#define CPNS_RECORD_ENTITY_VERSION 3
/* The entity records of version 2, without Flags, still open. */
#define CPNS_RECORD_ENTITY_V2 2

/* Flags of an entity record (version 3). */
#define CPNS_ENTITY_DECOMMISSIONED 0x01

#define CPNS_RECORD_PT_MAX (4 + 1 + 2 + CPNS_ID_MAX_LEN + 2 + CPNS_TK_MAX_LEN + \
			    2 + CPNS_CLAIM_CODE_MAX_LEN)

/* An entity record, opened. */
struct cpns_entity_rec {
	u32 e;
	u8 flags;			/* CPNS_ENTITY_* */
	struct cpns_id owner;		/* len 0: unowned */
	size_t tklen, codelen;
	u8 tk[CPNS_TK_MAX_LEN];
	u8 code[CPNS_CLAIM_CODE_MAX_LEN];
};

/*
 * Version CPNS_RECORD_VERSION, for user and chain records (an entity
 * record sealed here is of version 2; cpns_record_seal_entity() seals
 * version 3).  out receives len + CPNS_SEALED_MIN bytes.
 */
int cpns_record_seal(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const void *pt, size_t len, u8 *out);
/*
 * pt (CPNS_RECORD_PT_MAX bytes) receives the plaintext.  -EBADMSG if the
 * record does not open for this kind, version and identifier; any other
 * errno (-ENOMEM) is not a verdict on the record.
 */
int cpns_record_open(const u8 master[CPNS_MASTER_LEN], enum cpns_record_kind kind,
		     const struct cpns_id *id, const u8 *rec, size_t len,
		     u8 *pt, size_t *ptlen);

/* HPW of a user record; -EBADMSG if it does not open or is not 32 bytes. */
int cpns_record_open_user(const u8 master[CPNS_MASTER_LEN],
			  const struct cpns_id *user, const u8 *rec, size_t len,
			  u8 *scratch, u8 hpw[CPNS_HASH_LEN]);
/*
 * An entity record into @er, with @scratch (CPNS_RECORD_PT_MAX bytes) for
 * its plaintext, wiped after: version 3, or else version 2 (Flags 0).
 * -EBADMSG if it does not open or does not parse (an owner that is not an
 * identifier, a TK or claim code outside its limits, unknown flags,
 * trailing bytes).
 */
int cpns_record_open_entity(const u8 master[CPNS_MASTER_LEN],
			    const struct cpns_id *entity, const u8 *rec,
			    size_t len, u8 *scratch, struct cpns_entity_rec *er);
/* Seal @er into out (version 3); returns the record's length or -errno. */
int cpns_record_seal_entity(const u8 master[CPNS_MASTER_LEN],
			    const struct cpns_id *entity,
			    const struct cpns_entity_rec *er, u8 *scratch,
			    u8 *out);

#endif /* _CPNS_RECORD_H */
