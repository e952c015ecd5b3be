// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the userspace reference (selftests/lib/ref.c): known
 * answers of the primitives, then every value of the profile's
 * vectors-v1.json for "main" and "edge", and "LongChain".  Prints KTAP.
 *
 * Usage: ref_vectors [path/to/vectors-v1.json]
 * (default: $VECTORS, else ../shared/spec/vectors-v1.json)
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/ref.h"

#define MAX_RESULTS 512
#define BUF 1024

static struct {
	int ok;
	char name[160];
	char diag[2 * (2 * BUF + 16)];
} results[MAX_RESULTS];
static int nresults;
/* Diagnostic lines for the next result */
static char pending[2 * (2 * BUF + 16)];

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	if (nresults == MAX_RESULTS) {
		fprintf(stderr, "too many results\n");
		exit(1);
	}
	results[nresults].ok = ok;
	va_start(ap, fmt);
	vsnprintf(results[nresults].name, sizeof(results[0].name), fmt, ap);
	va_end(ap);
	memcpy(results[nresults].diag, pending, sizeof(pending));
	pending[0] = 0;
	nresults++;
}

/* Compares got against the expected hex; a diagnostic when different. */
static int same_hex(const uint8_t *got, size_t len, const char *want)
{
	char hex[2 * BUF + 1];

	if (!want) {
		snprintf(pending, sizeof(pending),
			 "# expected value missing from the vectors\n");
		return 0;
	}
	if (len > BUF)
		return 0;
	ref_hex(got, len, hex);
	if (!strcmp(hex, want))
		return 1;
	snprintf(pending, sizeof(pending), "# got  %s\n# want %s\n", hex,
		 want);
	return 0;
}

static void check(const char *name, const uint8_t *got, size_t len,
		  const char *want)
{
	result(same_hex(got, len, want), "%s", name);
}

/* Loads hex at case.path or fails the whole run: the vectors are broken. */
static size_t need_hex(const struct ref_json *c, const char *path,
		       uint8_t *out, size_t max)
{
	long n = ref_json_hex(c, path, out, max);

	if (n < 0) {
		printf("Bail out! vectors: no hex at %s\n", path);
		exit(1);
	}
	return (size_t)n;
}

static const char *need_str(const struct ref_json *c, const char *path)
{
	const char *s = ref_json_str(c, path);

	if (!s) {
		printf("Bail out! vectors: no string at %s\n", path);
		exit(1);
	}
	return s;
}

static uint64_t need_u64(const struct ref_json *c, const char *path)
{
	uint64_t v;

	if (ref_json_u64(c, path, &v)) {
		printf("Bail out! vectors: no number at %s\n", path);
		exit(1);
	}
	return v;
}

static void test_primitives(void)
{
	static const uint8_t jefe_msg[] = "what do ya want for nothing?";
	uint8_t out[64], key[32] = { 0 }, iv[12] = { 0 }, z[16] = { 0 };
	uint8_t ikm[22], salt[13], info[10], ct[16], tag[16], pt[16];
	int k;

	ref_sha256("abc", 3, out);
	check("sha256 FIPS 180-2 \"abc\"", out, 32,
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ref_sha256("", 0, out);
	check("sha256 empty", out, 32,
	      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ref_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		   56, out);
	check("sha256 FIPS 180-2 two blocks", out, 32,
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	ref_hmac("Jefe", 4, jefe_msg, sizeof(jefe_msg) - 1, out);
	check("hmac-sha256 RFC 4231 case 2", out, 32,
	      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	memset(ikm, 0x0b, sizeof(ikm));
	for (k = 0; k < 13; k++)
		salt[k] = (uint8_t)k;
	for (k = 0; k < 10; k++)
		info[k] = (uint8_t)(0xf0 + k);
	ref_hkdf(ikm, sizeof(ikm), salt, sizeof(salt), info, sizeof(info),
		 out);
	check("hkdf-sha256 RFC 5869 case 1 (first 32 bytes)", out, 32,
	      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");

	ref_aes256_encrypt((const uint8_t *)
			   "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
			   "\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
			   "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
			   (const uint8_t *)
			   "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"
			   "\xcc\xdd\xee\xff", out);
	check("aes-256 FIPS 197 C.3", out, 16,
	      "8ea2b7ca516745bfeafc49904b496089");

	ref_gcm_encrypt(key, iv, NULL, 0, NULL, 0, NULL, tag);
	check("gcm-aes-256 McGrew-Viega case 13 tag", tag, 16,
	      "530f8afbc74536b9a963b4f1c4cb738b");
	ref_gcm_encrypt(key, iv, NULL, 0, z, 16, ct, tag);
	check("gcm-aes-256 McGrew-Viega case 14 ciphertext", ct, 16,
	      "cea7403d4d606b6e074ec5d3baf39d18");
	check("gcm-aes-256 McGrew-Viega case 14 tag", tag, 16,
	      "d0d1c8a799996bf0265b98b5d48ab919");
	result(!ref_gcm_decrypt(key, iv, NULL, 0, ct, 16, tag, pt) &&
	       !memcmp(pt, z, 16), "gcm-aes-256 case 14 decrypts");
	tag[15] ^= 1;
	result(ref_gcm_decrypt(key, iv, NULL, 0, ct, 16, tag, pt) == -1,
	       "gcm-aes-256 refuses a changed tag");
}

/* ReqBody parser: the exact profile length and valid identifiers only. */
static void test_req_body_parse(void)
{
	uint8_t body[BUF], ah[32] = { 1 }, claim[32] = { 2 }, ah2[32],
		claim2[32];
	char user[65], entity[65];
	size_t len;
	int has;

	len = ref_req_body(body, "alice", "pne:1", ah, claim);
	result(len == 2 + 5 + 2 + 5 + 32 + 2 + 32 &&
	       !ref_req_body_parse(body, len, user, entity, ah2, claim2,
				   &has) &&
	       has && !strcmp(user, "alice") && !strcmp(entity, "pne:1") &&
	       !memcmp(ah, ah2, 32) && !memcmp(claim, claim2, 32),
	       "ReqBody parse round trip with ClaimProof");
	result(ref_req_body_parse(body, len - 1, user, entity, ah2, claim2,
				  &has) == -1 &&
	       ref_req_body_parse(body, len + 1, user, entity, ah2, claim2,
				  &has) == -1,
	       "ReqBody parse refuses a length off by one");
	body[len - 33] = 16;	/* lp(ClaimProof) of 16 bytes */
	result(ref_req_body_parse(body, len - 16, user, entity, ah2, claim2,
				  &has) == -1,
	       "ReqBody parse refuses a 16-byte ClaimProof");
	len = ref_req_body(body, "al ice", "pne:1", ah, NULL);
	result(ref_req_body_parse(body, len, user, entity, ah2, claim2,
				  &has) == -1,
	       "ReqBody parse refuses an invalid UserID");
	len = ref_req_body(body, "alice", "", ah, NULL);
	result(ref_req_body_parse(body, len, user, entity, ah2, claim2,
				  &has) == -1,
	       "ReqBody parse refuses an empty EntityID");
	result(ref_id_valid("a.b_c:d@e-f09AZ") && !ref_id_valid("a/b") &&
	       !ref_id_valid("") &&
	       !ref_id_valid("0123456789012345678901234567890123456789"
			     "0123456789012345678901234") &&
	       ref_claim_code_valid("ABCD-1234") &&
	       !ref_claim_code_valid("ABC-123") &&
	       !ref_claim_code_valid("ABCD_1234"),
	       "identifier and claim code charsets and lengths");
}

#define CPNS_STATUS_MALFORMED 1
#define CPNS_STATUS_REPLAY 4

/*
 * A sealed failure decided before ReqBody is (profile 4, v1.1): its status
 * is the profile's, its AAD binds empty UserID and EntityID, its sealed
 * form is SEAL(K_resp, aad, empty) with its nonce, and it opens only so.
 */
static void sealed_empty_ids(const struct ref_json *c, const char *cname,
			     const char *what, uint64_t want_status,
			     const char *gw, const uint8_t rnd[32], uint64_t t,
			     const uint8_t kresp[32])
{
	uint8_t aad[BUF], sealed[BUF], nonce[12], pt[BUF];
	char path[64];
	size_t alen, slen;

	snprintf(path, sizeof(path), "%s.status", what);
	result(need_u64(c, path) == want_status, "%s %s status is %llu",
	       cname, path, (unsigned long long)want_status);
	alen = ref_resp_aad(aad, (uint8_t)want_status, gw, "", "", rnd, t);
	snprintf(path, sizeof(path), "%s.aad", what);
	result(same_hex(aad, alen, ref_json_str(c, path)), "%s %s", cname, path);
	snprintf(path, sizeof(path), "%s.nonce", what);
	need_hex(c, path, nonce, 12);
	slen = ref_seal(kresp, nonce, aad, alen, NULL, 0, sealed);
	snprintf(path, sizeof(path), "%s.sealed", what);
	result(same_hex(sealed, slen, ref_json_str(c, path)), "%s %s", cname, path);
	slen = need_hex(c, path, sealed, BUF);
	result(slen == REF_SEALED_MIN &&
	       !ref_open(kresp, aad, alen, sealed, slen, pt),
	       "%s %s opens to an empty bundle", cname, what);
}

static void test_case(const struct ref_json *v, const char *cname)
{
	const struct ref_json *c = ref_json_get(v, cname);
	const struct ref_json *d, *ev;
	uint8_t psk[32], tk[64], rnd[32], rsvr[32], hpw[32], ah[32], cp[32];
	uint8_t kreq[32], kresp[32], kek[32], kek_next[32], seed[32], top[32];
	uint8_t euk[32], euk1[32], cid[16], nonce[12], chal[16];
	uint8_t aad[BUF], body[BUF], sealed[BUF], pt[BUF], bundle[70];
	uint8_t user2[65], entity2[65], ah2[32], cp2[32];
	char path[128];
	const char *gw, *user, *entity, *pw, *code, *want;
	size_t tklen, len, alen, slen;
	uint64_t t, n, e, i, status;
	int has_claim, k;

	if (!c) {
		printf("Bail out! vectors: no case %s\n", cname);
		exit(1);
	}
	gw = need_str(c, "inputs.GwID");
	user = need_str(c, "inputs.UserID");
	entity = need_str(c, "inputs.EntityID");
	pw = need_str(c, "inputs.password_utf8");
	code = need_str(c, "inputs.ClaimCode");
	need_hex(c, "inputs.PSK1", psk, 32);
	tklen = need_hex(c, "inputs.TK", tk, 64);
	need_hex(c, "inputs.RAND_PNGW", rnd, 32);
	need_hex(c, "inputs.RAND_SVR", rsvr, 32);
	t = need_u64(c, "inputs.T");
	n = need_u64(c, "inputs.n");
	e = need_u64(c, "inputs.E");

	result(ref_id_valid(gw) && ref_id_valid(user) && ref_id_valid(entity),
	       "%s identifiers well-formed", cname);

#define CHECK(what, got, len) \
	result(same_hex(got, len, ref_json_str(c, what)), "%s %s", cname, what)

	ref_hpw(pw, strlen(pw), hpw);
	CHECK("HPW", hpw, 32);

	ref_auth_hash(hpw, rnd, t, ah);
	CHECK("AuthHash", ah, 32);

	if (*code) {
		result(ref_claim_code_valid(code), "%s ClaimCode well-formed",
		       cname);
		ref_claim_proof(code, gw, user, entity, rnd, t, cp);
		CHECK("ClaimProof", cp, 32);
	} else {
		want = ref_json_str(c, "ClaimProof");
		result(want && !*want, "%s ClaimProof empty without ClaimCode",
		       cname);
	}

	ref_k_req(psk, rnd, kreq);
	CHECK("K_req", kreq, 32);
	ref_k_resp(psk, rnd, kresp);
	CHECK("K_resp", kresp, 32);
	alen = ref_req_aad(aad, gw, rnd, t);
	CHECK("ReqAAD", aad, alen);
	len = ref_req_body(body, user, entity, ah, *code ? cp : NULL);
	CHECK("ReqBody", body, len);
	result(!ref_req_body_parse(body, len, (char *)user2, (char *)entity2,
				   ah2, cp2, &has_claim) &&
	       !strcmp((char *)user2, user) &&
	       !strcmp((char *)entity2, entity) && !memcmp(ah2, ah, 32) &&
	       has_claim == !!*code && (!has_claim || !memcmp(cp2, cp, 32)),
	       "%s ReqBody parses back", cname);

	need_hex(c, "req_nonce", nonce, 12);
	slen = ref_seal(kreq, nonce, aad, alen, body, len, sealed);
	CHECK("ReqSealed", sealed, slen);
	slen = need_hex(c, "ReqSealed", sealed, BUF);
	result(!ref_open(kreq, aad, alen, sealed, slen, pt) &&
	       slen - REF_SEALED_MIN == len && !memcmp(pt, body, len),
	       "%s ReqSealed opens to ReqBody", cname);
	result(ref_open(kresp, aad, alen, sealed, slen, pt) == -1,
	       "%s ReqSealed does not open under K_resp", cname);

	ref_seed(rnd, rsvr, seed);
	CHECK("Seed", seed, 32);
	ref_chain_top(seed, top);
	ev = ref_json_get(c, "EUKey");
	for (d = ev ? ev->child : NULL; d; d = d->next) {
		i = strtoull(d->key, NULL, 10);
		result(!ref_chain_key(top, (uint16_t)n, (uint16_t)i, euk) &&
		       same_hex(euk, 32, d->str), "%s EUKey[%llu]", cname,
		       (unsigned long long)i);
	}
	result(ref_chain_key(top, (uint16_t)n, 0, euk) == -1 &&
	       ref_chain_key(top, (uint16_t)n, (uint16_t)(n + 1), euk) == -1,
	       "%s chain index out of range refused", cname);
	ref_chain_key(top, (uint16_t)n, 1, euk1);
	ref_chain_id(euk1, cid);
	CHECK("ChainID", cid, 16);

	ref_kek(tk, tklen, entity, (uint32_t)e, kek);
	CHECK("KEK_E", kek, 32);
	ref_kek(tk, tklen, entity, (uint32_t)e + 1, kek_next);
	CHECK("KEK_E_next", kek_next, 32);
	alen = ref_resp_aad(aad, 0, gw, user, entity, rnd, t);
	CHECK("RespAAD", aad, alen);
	ref_bundle(bundle, (uint16_t)n, top, (uint32_t)e, kek);
	CHECK("Bundle", bundle, sizeof(bundle));
	need_hex(c, "resp_nonce", nonce, 12);
	slen = ref_seal(kresp, nonce, aad, alen, bundle, sizeof(bundle),
			sealed);
	CHECK("RespSealed", sealed, slen);
	result(!ref_open(kresp, aad, alen, sealed, slen, pt) &&
	       !memcmp(pt, bundle, sizeof(bundle)),
	       "%s RespSealed opens to Bundle", cname);
	aad[15] = 6;	/* the status byte: a changed status does not open */
	result(ref_open(kresp, aad, alen, sealed, slen, pt) == -1,
	       "%s RespSealed refused under another status", cname);

	status = need_u64(c, "FailResponse.status");
	alen = ref_resp_aad(aad, (uint8_t)status, gw, user, entity, rnd, t);
	CHECK("FailResponse.aad", aad, alen);
	need_hex(c, "FailResponse.nonce", nonce, 12);
	slen = ref_seal(kresp, nonce, aad, alen, NULL, 0, sealed);
	CHECK("FailResponse.sealed", sealed, slen);
	result(slen == REF_SEALED_MIN &&
	       !ref_open(kresp, aad, alen, sealed, slen, pt),
	       "%s FailResponse opens to an empty bundle", cname);

	/* v1.1: REPLAY and a sealed MALFORMED bind empty identifiers. */
	sealed_empty_ids(c, cname, "ReplayResponse", CPNS_STATUS_REPLAY, gw,
			 rnd, t, kresp);
	sealed_empty_ids(c, cname, "MalformedResponse", CPNS_STATUS_MALFORMED,
			 gw, rnd, t, kresp);

	for (k = 0;; k++) {
		snprintf(path, sizeof(path), "Delivery.%d", k);
		d = ref_json_get(c, path);
		if (!d)
			break;
		i = need_u64(d, "i");
		need_hex(d, "nonce", nonce, 12);
		need_hex(d, "challenge", chal, 16);
		ref_chain_key(top, (uint16_t)n, (uint16_t)i, euk);
		result(same_hex(euk, 32, ref_json_str(d, "euk")),
		       "%s Delivery i=%llu euk is EUKey[i]", cname,
		       (unsigned long long)i);
		alen = ref_del_aad(aad, entity, (uint32_t)e, (uint16_t)i,
				   (uint16_t)n);
		result(same_hex(aad, alen, ref_json_str(d, "aad")),
		       "%s Delivery i=%llu aad", cname, (unsigned long long)i);
		slen = ref_seal(kek, nonce, aad, alen, euk, 32, sealed);
		result(same_hex(sealed, slen, ref_json_str(d, "sealed")),
		       "%s Delivery i=%llu sealed", cname,
		       (unsigned long long)i);
		result(!ref_open(kek, aad, alen, sealed, slen, pt) &&
		       slen - REF_SEALED_MIN == 32 && !memcmp(pt, euk, 32),
		       "%s Delivery i=%llu opens to EUKey[i]", cname,
		       (unsigned long long)i);
		result(ref_open(kek_next, aad, alen, sealed, slen, pt) == -1,
		       "%s Delivery i=%llu does not open under KEK_E_next",
		       cname, (unsigned long long)i);
		ref_confirm(euk, entity, (uint32_t)e, (uint16_t)i, chal, cp);
		result(same_hex(cp, 32, ref_json_str(d, "confirm")),
		       "%s Delivery i=%llu confirm", cname,
		       (unsigned long long)i);
	}
	result(k > 0, "%s has deliveries", cname);

	i = need_u64(c, "DeliveryTampered.i");
	slen = need_hex(c, "DeliveryTampered.sealed", sealed, BUF);
	alen = ref_del_aad(aad, entity, (uint32_t)e, (uint16_t)i, (uint16_t)n);
	want = ref_json_str(c, "DeliveryTampered.must");
	result(want && !strcmp(want, "REJECT_OPEN") &&
	       ref_open(kek, aad, alen, sealed, slen, pt) == -1,
	       "%s DeliveryTampered refused by OPEN", cname);
	/* it is delivery i with one bit changed: changed back, it opens */
	{
		uint8_t orig[BUF];
		size_t olen = 0, bits = 0, b;

		for (k = 0;; k++) {
			snprintf(path, sizeof(path), "Delivery.%d", k);
			d = ref_json_get(c, path);
			if (!d || need_u64(d, "i") == i)
				break;
		}
		if (d)
			olen = need_hex(d, "sealed", orig, BUF);
		for (b = 0; d && olen == slen && b < slen; b++)
			bits += __builtin_popcount(orig[b] ^ sealed[b]);
		result(d && olen == slen && bits == 1 &&
		       !ref_open(kek, aad, alen, orig, olen, pt),
		       "%s DeliveryTampered is Delivery i=%llu with one bit changed",
		       cname, (unsigned long long)i);
	}
#undef CHECK
}

/* The profile's name, which every label of the vectors carries. */
static void test_profile(const struct ref_json *v)
{
	const char *p = ref_json_str(v, "profile");

	result(p && !strcmp(p, "CPNS-KA v1"), "profile is \"CPNS-KA v1\"");
}

static void test_long_chain(const struct ref_json *v)
{
	const struct ref_json *c = ref_json_get(v, "LongChain");
	uint8_t top[32], out[32];
	uint64_t n;

	if (!c) {
		printf("Bail out! vectors: no LongChain\n");
		exit(1);
	}
	n = need_u64(c, "n");
	need_hex(c, "EUKey_n", top, 32);
	result(!ref_chain_key(top, (uint16_t)n, 1000, out) &&
	       same_hex(out, 32, ref_json_str(c, "EUKey_1000")),
	       "LongChain EUKey_1000");
	result(!ref_chain_key(top, (uint16_t)n, 1, out) &&
	       same_hex(out, 32, ref_json_str(c, "EUKey_1")),
	       "LongChain EUKey_1");
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : getenv("VECTORS");
	struct ref_json *v;
	int k, failed = 0;

	if (!path)
		path = "../shared/spec/vectors-v1.json";
	printf("TAP version 13\n");
	v = ref_json_load(path);
	if (!v) {
		printf("1..0\nBail out! cannot load %s\n", path);
		return 1;
	}
	printf("# vectors: %s (%s)\n", path,
	       ref_json_str(v, "profile") ? ref_json_str(v, "profile") : "?");

	test_primitives();
	test_req_body_parse();
	test_case(v, "main");
	test_case(v, "edge");
	test_profile(v);
	test_long_chain(v);
	ref_json_free(v);

	printf("1..%d\n", nresults);
	for (k = 0; k < nresults; k++) {
		printf("%s%sok %d - %s\n", results[k].diag,
		       results[k].ok ? "" : "not ", k + 1, results[k].name);
		failed += !results[k].ok;
	}
	printf("# totals: %d passed, %d failed\n", nresults - failed, failed);
	return failed ? 1 : 0;
}
