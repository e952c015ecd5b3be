/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An independent userspace reference of the "CPNS-KA v1" profile
 * (shared/spec/crypto-profile.md) for the tests: self-contained SHA-256,
 * HMAC-SHA-256, HKDF-SHA-256, AES-256 and GCM, the profile's formulas on
 * top, and small hex and JSON helpers.  No external library, no kernel
 * interface: it runs on the build host and inside the test VM alike.
 *
 * Identifiers (GwID, UserID, EntityID) are NUL-terminated strings here:
 * the profile allows only printable ASCII in them.  Integers are written
 * big endian.  Nothing here is constant time: it is a test oracle.
 */
#ifndef _CPNS_REF_H
#define _CPNS_REF_H

#include <stddef.h>
#include <stdint.h>

#define REF_HASH_LEN 32
#define REF_KEY_LEN 32
#define REF_RAND_LEN 32
#define REF_NONCE_LEN 12
#define REF_TAG_LEN 16
#define REF_SEALED_MIN (REF_NONCE_LEN + REF_TAG_LEN)
#define REF_CHALLENGE_LEN 16
#define REF_CHAIN_ID_LEN 16
#define REF_BUNDLE_LEN 70
#define REF_AAD_MAX 256
#define REF_REQ_BODY_MAX 198

/* Primitives */
struct ref_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};

void ref_sha256_init(struct ref_sha256 *c);
void ref_sha256_update(struct ref_sha256 *c, const void *p, size_t len);
void ref_sha256_final(struct ref_sha256 *c, uint8_t out[REF_HASH_LEN]);
void ref_sha256(const void *p, size_t len, uint8_t out[REF_HASH_LEN]);
/* out = H^count(in); in and out may alias */
void ref_sha256_iter(const uint8_t in[REF_HASH_LEN], unsigned int count,
		     uint8_t out[REF_HASH_LEN]);
void ref_hmac(const void *key, size_t keylen, const void *msg, size_t len,
	      uint8_t out[REF_HASH_LEN]);
/* RFC 5869 with 32 bytes of output */
void ref_hkdf(const void *ikm, size_t ikmlen, const void *salt,
	      size_t saltlen, const void *info, size_t infolen,
	      uint8_t out[REF_KEY_LEN]);
/* FIPS 197 */
void ref_aes256_encrypt(const uint8_t key[32], const uint8_t in[16],
			uint8_t out[16]);
/* SP 800-38D with a 12-byte IV and a 16-byte tag; ct may alias pt */
void ref_gcm_encrypt(const uint8_t key[32], const uint8_t iv[12],
		     const void *aad, size_t aadlen, const void *pt,
		     size_t len, uint8_t *ct, uint8_t tag[16]);
/* 0 when the tag verifies (pt is written), else -1 (pt is zeroed) */
int ref_gcm_decrypt(const uint8_t key[32], const uint8_t iv[12],
		    const void *aad, size_t aadlen, const uint8_t *ct,
		    size_t len, const uint8_t tag[16], uint8_t *pt);

/*
 * SEAL with a given nonce: out = nonce || ciphertext || tag, returns its
 * length (len + REF_SEALED_MIN).
 */
size_t ref_seal(const uint8_t key[REF_KEY_LEN], const uint8_t nonce[12],
		const void *aad, size_t aadlen, const void *pt, size_t len,
		uint8_t *out);
/* OPEN: 0 and len - REF_SEALED_MIN bytes of pt, or -1 */
int ref_open(const uint8_t key[REF_KEY_LEN], const void *aad, size_t aadlen,
	     const uint8_t *sealed, size_t len, uint8_t *pt);

/* The profile */
int ref_id_valid(const char *id);
int ref_claim_code_valid(const char *code);

/* HPW = H(password) */
void ref_hpw(const void *pw, size_t len, uint8_t out[REF_HASH_LEN]);
/* AuthHash = H(HPW || RAND_PNGW || u64(T)) */
void ref_auth_hash(const uint8_t hpw[REF_HASH_LEN],
		   const uint8_t rand[REF_RAND_LEN], uint64_t t,
		   uint8_t out[REF_HASH_LEN]);
void ref_claim_proof(const char *code, const char *gw, const char *user,
		     const char *entity, const uint8_t rand[REF_RAND_LEN],
		     uint64_t t, uint8_t out[REF_HASH_LEN]);
void ref_k_req(const uint8_t psk[32], const uint8_t rand[REF_RAND_LEN],
	       uint8_t out[REF_KEY_LEN]);
void ref_k_resp(const uint8_t psk[32], const uint8_t rand[REF_RAND_LEN],
		uint8_t out[REF_KEY_LEN]);
void ref_kek(const uint8_t *tk, size_t tklen, const char *entity, uint32_t e,
	     uint8_t out[REF_KEY_LEN]);

/* AADs into REF_AAD_MAX bytes; each returns its length */
size_t ref_req_aad(uint8_t *buf, const char *gw,
		   const uint8_t rand[REF_RAND_LEN], uint64_t t);
size_t ref_resp_aad(uint8_t *buf, uint8_t status, const char *gw,
		    const char *user, const char *entity,
		    const uint8_t rand[REF_RAND_LEN], uint64_t t);
size_t ref_del_aad(uint8_t *buf, const char *entity, uint32_t e, uint16_t i,
		   uint16_t n);

/* ReqBody into REF_REQ_BODY_MAX bytes; claim may be NULL (empty) */
size_t ref_req_body(uint8_t *buf, const char *user, const char *entity,
		    const uint8_t auth_hash[REF_HASH_LEN],
		    const uint8_t *claim);
/* 0 and the fields, or -1 for MALFORMED; user/entity get 65 bytes */
int ref_req_body_parse(const uint8_t *buf, size_t len, char *user,
		       char *entity, uint8_t auth_hash[REF_HASH_LEN],
		       uint8_t claim[REF_HASH_LEN], int *has_claim);

/* Bundle = u16(n) || EUKey[n] || u32(E) || KEK_E */
void ref_bundle(uint8_t buf[REF_BUNDLE_LEN], uint16_t n,
		const uint8_t top[REF_HASH_LEN], uint32_t e,
		const uint8_t kek[REF_KEY_LEN]);

/* Seed = H(RAND_PNGW || RAND_SVR) */
void ref_seed(const uint8_t rand_pngw[REF_RAND_LEN],
	      const uint8_t rand_svr[REF_RAND_LEN],
	      uint8_t seed[REF_HASH_LEN]);
/* EUKey[n] = H(Seed) */
void ref_chain_top(const uint8_t seed[REF_HASH_LEN],
		   uint8_t top[REF_HASH_LEN]);
/* EUKey[i] = H^(n - i)(EUKey[n]); -1 unless 1 <= i <= n */
int ref_chain_key(const uint8_t top[REF_HASH_LEN], uint16_t n, uint16_t i,
		  uint8_t out[REF_HASH_LEN]);
/* first 16 bytes of H("CPNS-KA v1 chain" || EUKey[1]) */
void ref_chain_id(const uint8_t euk1[REF_HASH_LEN],
		  uint8_t out[REF_CHAIN_ID_LEN]);
/* Kc = HKDF(EUKey[i], "CPNS-KA v1 confirm salt", "CPNS-KA v1 confirm key") */
void ref_confirm_key(const uint8_t euk[REF_HASH_LEN],
		     uint8_t kc[REF_KEY_LEN]);
void ref_confirm(const uint8_t euk[REF_HASH_LEN], const char *entity,
		 uint32_t e, uint16_t i,
		 const uint8_t challenge[REF_CHALLENGE_LEN],
		 uint8_t out[REF_HASH_LEN]);

/* Helpers */
/* Decodes hex into at most max bytes; the length, or -1 */
long ref_unhex(const char *hex, uint8_t *out, size_t max);
/* Lower-case hex of len bytes, NUL-terminated (2 * len + 1 bytes) */
void ref_hex(const uint8_t *p, size_t len, char *out);
/* Overwrites memory in a way the compiler keeps */
void ref_wipe(void *p, size_t len);

/*
 * A minimal JSON reader: objects, arrays, strings (with \uXXXX escapes
 * encoded as UTF-8), numbers, true, false, null.
 */
enum ref_json_type {
	REF_JSON_NULL,
	REF_JSON_BOOL,
	REF_JSON_NUMBER,
	REF_JSON_STRING,
	REF_JSON_ARRAY,
	REF_JSON_OBJECT,
};

struct ref_json {
	enum ref_json_type type;
	char *key;		/* member name, inside an object */
	char *str;		/* string value, NUL-terminated */
	size_t len;		/* its length (may contain NUL) */
	double num;		/* number, or bool as 0/1 */
	struct ref_json *child;	/* first element or member */
	struct ref_json *next;	/* next sibling */
};

/* NULL on a parse error (with a message on stderr) */
struct ref_json *ref_json_parse(const char *text, size_t len);
struct ref_json *ref_json_load(const char *path);
void ref_json_free(struct ref_json *j);
/*
 * Looks up a dot-separated path: object members by name, array elements
 * by decimal index ("main.Delivery.0.sealed").  NULL when absent.
 */
const struct ref_json *ref_json_get(const struct ref_json *j,
				    const char *path);
/* The string at path, or NULL when absent or not a string */
const char *ref_json_str(const struct ref_json *j, const char *path);
/* The number at path into *v; -1 when absent or not a number */
int ref_json_u64(const struct ref_json *j, const char *path, uint64_t *v);
/* The hex string at path decoded into at most max bytes; length or -1 */
long ref_json_hex(const struct ref_json *j, const char *path, uint8_t *out,
		  size_t max);

/*
 * The server's store records (the project's format, design.rst):
 * RecAAD = "CPNS-KA v1 record" || u8(kind) || u8(version) || lp(id), no
 * version byte when version < 0 (the first format); the entity plaintext
 * of version 2 u32(E) || lp(Owner) || lp(TK) || lp(ClaimCode), owner
 * NULL: empty; of version 3 (REF_ENTITY_RECORD_VERSION, the one the
 * module seals) u32(E) || u8(Flags) || lp(Owner) || lp(TK) ||
 * lp(ClaimCode).  User and chain records are of version 2.
 */
#define REF_RECORD_USER 1
#define REF_RECORD_ENTITY 2
#define REF_RECORD_CHAIN 3
#define REF_RECORD_VERSION 2
#define REF_ENTITY_RECORD_VERSION 3
#define REF_ENTITY_DECOMMISSIONED 0x01
size_t ref_record_aad(uint8_t *buf, uint8_t kind, int version, const char *id);
size_t ref_entity_record_pt(uint8_t *buf, uint32_t e, const char *owner,
			    const uint8_t *tk, size_t tklen, const char *code);
size_t ref_entity_record_pt3(uint8_t *buf, uint32_t e, uint8_t flags,
			     const char *owner, const uint8_t *tk, size_t tklen,
			     const char *code);

#endif /* _CPNS_REF_H */
