/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The formulas of "CPNS-KA v1" (Documentation/crypto-profile), byte for
 * byte: labels, AADs, bodies, key derivations.  Nothing here keeps state.
 */
#ifndef _CPNS_PROFILE_H
#define _CPNS_PROFILE_H

#include <linux/types.h>
#include "crypto.h"

/* An identifier: GwID, UserID, EntityID (1..64 of [A-Za-z0-9._:@-]). */
struct cpns_id {
	u8 len;
	u8 b[CPNS_ID_MAX_LEN];
};

bool cpns_id_valid(const u8 *p, size_t len);
bool cpns_claim_code_valid(const u8 *p, size_t len);
/* Copies and checks; -EINVAL when not a valid identifier. */
int cpns_id_set(struct cpns_id *id, const u8 *p, size_t len);

/* Serialiser with overflow tracking for AADs and bodies. */
struct cpns_bld {
	u8 *buf;
	size_t len;
	size_t cap;
	bool overflow;
};

void cpns_bld_init(struct cpns_bld *b, u8 *buf, size_t cap);
void cpns_bld_put(struct cpns_bld *b, const void *p, size_t len);
void cpns_bld_lp(struct cpns_bld *b, const void *p, size_t len);
void cpns_bld_id(struct cpns_bld *b, const struct cpns_id *id);
void cpns_bld_u8(struct cpns_bld *b, u8 v);
void cpns_bld_u16(struct cpns_bld *b, u16 v);
void cpns_bld_u32(struct cpns_bld *b, u32 v);
void cpns_bld_u64(struct cpns_bld *b, u64 v);

/* Largest AAD of the profile (RespAAD with three 64-byte identifiers). */
#define CPNS_AAD_MAX 256
/* Largest ReqBody: 2 + 64 + 2 + 64 + 32 + 2 + 32. */
#define CPNS_REQ_BODY_MAX 198
#define CPNS_BUNDLE_LEN 70

/* AuthHash = H(HPW || RAND_PNGW || u64(T)) */
int cpns_auth_hash(const u8 hpw[CPNS_HASH_LEN], const u8 rand[CPNS_RAND_LEN],
		   u64 t, u8 out[CPNS_HASH_LEN]);
/* ClaimProof, profile 1 */
int cpns_claim_proof(const u8 *code, size_t codelen, const struct cpns_id *gw,
		     const struct cpns_id *user, const struct cpns_id *entity,
		     const u8 rand[CPNS_RAND_LEN], u64 t, u8 out[CPNS_HASH_LEN]);
/* K_req and K_resp = HKDF(PSK1, RAND_PNGW, label) */
int cpns_k_req(const u8 psk[CPNS_PSK_LEN], const u8 rand[CPNS_RAND_LEN],
	       u8 out[CPNS_KEY_LEN]);
int cpns_k_resp(const u8 psk[CPNS_PSK_LEN], const u8 rand[CPNS_RAND_LEN],
		u8 out[CPNS_KEY_LEN]);
/* KEK_E = HKDF(TK, "CPNS-KA v1 kek salt", "CPNS-KA v1 TK-KEK" || lp(EntityID) || u32(E)) */
int cpns_kek(const u8 *tk, size_t tklen, const struct cpns_id *entity, u32 e,
	     u8 out[CPNS_KEY_LEN]);

/* AADs; each returns its length (<= CPNS_AAD_MAX). */
size_t cpns_req_aad(u8 *buf, const struct cpns_id *gw,
		    const u8 rand[CPNS_RAND_LEN], u64 t);
size_t cpns_resp_aad(u8 *buf, u8 status, const struct cpns_id *gw,
		     const struct cpns_id *user, const struct cpns_id *entity,
		     const u8 rand[CPNS_RAND_LEN], u64 t);
size_t cpns_del_aad(u8 *buf, const struct cpns_id *entity, u32 e, u16 i, u16 n);

/* ReqBody = lp(UserID) || lp(EntityID) || AuthHash || lp(ClaimProof) */
struct cpns_req_body {
	struct cpns_id user;
	struct cpns_id entity;
	u8 auth_hash[CPNS_HASH_LEN];
	bool has_claim;
	u8 claim_proof[CPNS_HASH_LEN];
};

size_t cpns_req_body_build(u8 *buf, const struct cpns_req_body *body);
/* -EINVAL (MALFORMED) unless the exact profile length and valid identifiers. */
int cpns_req_body_parse(const u8 *buf, size_t len, struct cpns_req_body *body);

/* Bundle = u16(n) || EUKey[n] || u32(E) || KEK_E */
struct cpns_bundle {
	u16 n;
	u8 top[CPNS_HASH_LEN];
	u32 e;
	u8 kek[CPNS_KEY_LEN];
};

void cpns_bundle_build(u8 buf[CPNS_BUNDLE_LEN], const struct cpns_bundle *b);
void cpns_bundle_parse(const u8 buf[CPNS_BUNDLE_LEN], struct cpns_bundle *b);

/* Seed = H(RAND_PNGW || RAND_SVR); EUKey[n] = H(Seed) */
int cpns_chain_top(const u8 rand_pngw[CPNS_RAND_LEN],
		   const u8 rand_svr[CPNS_RAND_LEN], u8 top[CPNS_HASH_LEN]);
/* EUKey[i] = H^(n - i)(EUKey[n]), 1 <= i <= n */
int cpns_chain_key(const u8 top[CPNS_HASH_LEN], u16 n, u16 i,
		   u8 out[CPNS_HASH_LEN]);
/* ChainID = first 16 bytes of H("CPNS-KA v1 chain" || EUKey[1]) */
int cpns_chain_id(const u8 euk1[CPNS_HASH_LEN], u8 out[CPNS_CHAIN_ID_LEN]);

/* Confirm, profile 7 */
int cpns_confirm(const u8 euk[CPNS_HASH_LEN], const struct cpns_id *entity,
		 u32 e, u16 i, const u8 challenge[CPNS_CHALLENGE_LEN],
		 u8 out[CPNS_HASH_LEN]);

#endif /* _CPNS_PROFILE_H */
