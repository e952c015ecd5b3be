// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of kmod/profile.c itself, compiled in userspace over
 * kshim/ (kernel headers it needs) and the reference primitives: every
 * formula, AAD, body and bundle of vectors-v1.json for "main" and
 * "edge", and the ReqBody parser's MALFORMED cases.  Prints KTAP.
 *
 * Usage: kprofile [path/to/vectors-v1.json]
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include "../../kmod/profile.h"
#include "ref.h"

static int ntests, nfailed;

static void result(int ok, const char *what, const char *cname)
{
	ntests++;
	nfailed += !ok;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", ntests,
	       cname ? cname : "", cname ? " " : "", what);
}

static int same(const u8 *got, size_t len, const char *want)
{
	char hex[2 * 1024 + 1];

	if (!want || len > 1024)
		return 0;
	ref_hex(got, len, hex);
	if (strcmp(hex, want)) {
		printf("# got  %s\n# want %s\n", hex, want);
		return 0;
	}
	return 1;
}

static void need(int ok, const char *what)
{
	if (!ok) {
		printf("Bail out! vectors: %s\n", what);
		exit(1);
	}
}

static void set_id(struct cpns_id *id, const char *s)
{
	need(!cpns_id_set(id, (const u8 *)s, strlen(s)), s);
}

#define CHECK(what, got, len) \
	result(same(got, len, ref_json_str(c, what)), what, cname)

static void test_case(const struct ref_json *v, const char *cname)
{
	const struct ref_json *c = ref_json_get(v, cname), *d;
	struct cpns_id gw, user, entity;
	struct cpns_req_body body, back;
	struct cpns_bundle bun, bun2;
	u8 psk[32], tk[64], rnd[32], rsvr[32], hpw[32], top[32], euk[32];
	u8 key[32], kek[32], cid[16], chal[16], aad[CPNS_AAD_MAX];
	u8 buf[CPNS_REQ_BODY_MAX], bbuf[CPNS_BUNDLE_LEN];
	const char *pw, *code;
	uint64_t t, n, e, i, status;
	char path[64];
	long tklen;
	size_t len;
	int k;

	need(c != NULL, cname);
	set_id(&gw, ref_json_str(c, "inputs.GwID"));
	set_id(&user, ref_json_str(c, "inputs.UserID"));
	set_id(&entity, ref_json_str(c, "inputs.EntityID"));
	pw = ref_json_str(c, "inputs.password_utf8");
	code = ref_json_str(c, "inputs.ClaimCode");
	need(pw && code, "password or claim code");
	need(ref_json_hex(c, "inputs.PSK1", psk, 32) == 32, "PSK1");
	tklen = ref_json_hex(c, "inputs.TK", tk, 64);
	need(tklen >= 16, "TK");
	need(ref_json_hex(c, "inputs.RAND_PNGW", rnd, 32) == 32, "RAND_PNGW");
	need(ref_json_hex(c, "inputs.RAND_SVR", rsvr, 32) == 32, "RAND_SVR");
	need(!ref_json_u64(c, "inputs.T", &t) && !ref_json_u64(c, "inputs.n", &n) &&
	     !ref_json_u64(c, "inputs.E", &e), "T, n, E");

	ref_hpw(pw, strlen(pw), hpw);
	memset(&body, 0, sizeof(body));
	body.user = user;
	body.entity = entity;
	result(!cpns_auth_hash(hpw, rnd, t, body.auth_hash) &&
	       same(body.auth_hash, 32, ref_json_str(c, "AuthHash")),
	       "AuthHash", cname);
	if (*code) {
		body.has_claim = true;
		result(cpns_claim_code_valid((const u8 *)code, strlen(code)) &&
		       !cpns_claim_proof((const u8 *)code, strlen(code), &gw,
					 &user, &entity, rnd, t,
					 body.claim_proof) &&
		       same(body.claim_proof, 32,
			    ref_json_str(c, "ClaimProof")),
		       "ClaimProof", cname);
	}
	result(!cpns_k_req(psk, rnd, key) &&
	       same(key, 32, ref_json_str(c, "K_req")), "K_req", cname);
	result(!cpns_k_resp(psk, rnd, key) &&
	       same(key, 32, ref_json_str(c, "K_resp")), "K_resp", cname);
	len = cpns_req_aad(aad, &gw, rnd, t);
	CHECK("ReqAAD", aad, len);
	len = cpns_req_body_build(buf, &body);
	CHECK("ReqBody", buf, len);
	result(!cpns_req_body_parse(buf, len, &back) &&
	       !memcmp(&back, &body, sizeof(back)), "ReqBody parses back",
	       cname);

	need(!cpns_chain_top(rnd, rsvr, top), "chain top");
	for (d = ref_json_get(c, "EUKey")->child; d; d = d->next) {
		i = strtoull(d->key, NULL, 10);
		snprintf(path, sizeof(path), "EUKey[%llu]",
			 (unsigned long long)i);
		result(!cpns_chain_key(top, n, i, euk) &&
		       same(euk, 32, d->str), path, cname);
	}
	result(cpns_chain_key(top, n, 0, euk) == -EINVAL &&
	       cpns_chain_key(top, n, n + 1, euk) == -EINVAL,
	       "chain index out of range is -EINVAL", cname);
	need(!cpns_chain_key(top, n, 1, euk), "EUKey[1]");
	result(!cpns_chain_id(euk, cid) &&
	       same(cid, 16, ref_json_str(c, "ChainID")), "ChainID", cname);

	result(!cpns_kek(tk, tklen, &entity, e, kek) &&
	       same(kek, 32, ref_json_str(c, "KEK_E")), "KEK_E", cname);
	result(!cpns_kek(tk, tklen, &entity, e + 1, key) &&
	       same(key, 32, ref_json_str(c, "KEK_E_next")), "KEK_E_next",
	       cname);
	len = cpns_resp_aad(aad, 0, &gw, &user, &entity, rnd, t);
	CHECK("RespAAD", aad, len);
	need(!ref_json_u64(c, "FailResponse.status", &status), "status");
	len = cpns_resp_aad(aad, status, &gw, &user, &entity, rnd, t);
	CHECK("FailResponse.aad", aad, len);
	/* v1.1: given the parsed identifiers, REPLAY and MALFORMED bind empty ones */
	need(!ref_json_u64(c, "ReplayResponse.status", &status), "status");
	len = cpns_resp_aad(aad, status, &gw, &user, &entity, rnd, t);
	CHECK("ReplayResponse.aad", aad, len);
	need(!ref_json_u64(c, "MalformedResponse.status", &status), "status");
	len = cpns_resp_aad(aad, status, &gw, &user, &entity, rnd, t);
	CHECK("MalformedResponse.aad", aad, len);

	bun.n = n;
	memcpy(bun.top, top, 32);
	bun.e = e;
	memcpy(bun.kek, kek, 32);
	cpns_bundle_build(bbuf, &bun);
	CHECK("Bundle", bbuf, sizeof(bbuf));
	cpns_bundle_parse(bbuf, &bun2);
	result(bun2.n == bun.n && bun2.e == bun.e &&
	       !memcmp(bun2.top, bun.top, 32) && !memcmp(bun2.kek, bun.kek, 32),
	       "Bundle parses back", cname);

	for (k = 0;; k++) {
		snprintf(path, sizeof(path), "Delivery.%d", k);
		d = ref_json_get(c, path);
		if (!d)
			break;
		need(!ref_json_u64(d, "i", &i), "i");
		need(ref_json_hex(d, "challenge", chal, 16) == 16, "challenge");
		need(!cpns_chain_key(top, n, i, euk), "EUKey[i]");
		len = cpns_del_aad(aad, &entity, e, i, n);
		snprintf(path, sizeof(path), "Delivery i=%llu aad",
			 (unsigned long long)i);
		result(same(aad, len, ref_json_str(d, "aad")), path, cname);
		snprintf(path, sizeof(path), "Delivery i=%llu confirm",
			 (unsigned long long)i);
		result(!cpns_confirm(euk, &entity, e, i, chal, key) &&
		       same(key, 32, ref_json_str(d, "confirm")), path, cname);
	}
}

static void test_parse(void)
{
	struct cpns_req_body body, back;
	u8 buf[CPNS_REQ_BODY_MAX + 2];
	size_t len;

	memset(&body, 0, sizeof(body));
	cpns_id_set(&body.user, (const u8 *)"alice", 5);
	cpns_id_set(&body.entity, (const u8 *)"pne:1", 5);
	memset(body.auth_hash, 0xaa, 32);
	body.has_claim = true;
	memset(body.claim_proof, 0xbb, 32);
	len = cpns_req_body_build(buf, &body);
	result(len == 2 + 5 + 2 + 5 + 32 + 2 + 32 &&
	       !cpns_req_body_parse(buf, len, &back) &&
	       !memcmp(&back, &body, sizeof(body)),
	       "ReqBody with ClaimProof round trip", NULL);
	result(cpns_req_body_parse(buf, len - 1, &back) == -EINVAL &&
	       cpns_req_body_parse(buf, len + 1, &back) == -EINVAL &&
	       cpns_req_body_parse(buf, 0, &back) == -EINVAL &&
	       cpns_req_body_parse(buf, 1, &back) == -EINVAL,
	       "ReqBody wrong lengths are -EINVAL", NULL);
	buf[len - 33] = 16;
	result(cpns_req_body_parse(buf, len - 16, &back) == -EINVAL,
	       "ReqBody 16-byte ClaimProof is -EINVAL", NULL);
	buf[len - 33] = 32;
	buf[3] = 0;	/* a NUL in UserID */
	result(cpns_req_body_parse(buf, len, &back) == -EINVAL,
	       "ReqBody NUL in UserID is -EINVAL", NULL);
	buf[3] = 'l';
	buf[1] = 0;	/* empty UserID */
	result(cpns_req_body_parse(buf, len, &back) == -EINVAL,
	       "ReqBody empty UserID is -EINVAL", NULL);
	body.has_claim = false;
	len = cpns_req_body_build(buf, &body);
	result(len == 2 + 5 + 2 + 5 + 32 + 2 &&
	       !cpns_req_body_parse(buf, len, &back) && !back.has_claim,
	       "ReqBody without ClaimProof round trip", NULL);

	result(cpns_id_valid((const u8 *)"a.b_c:d@e-f09AZ", 15) &&
	       !cpns_id_valid((const u8 *)"a/b", 3) &&
	       !cpns_id_valid((const u8 *)"a\0b", 3) &&
	       !cpns_id_valid((const u8 *)"", 0) &&
	       cpns_id_valid((const u8 *)"0123456789012345678901234567890123456789"
			     "012345678901234567890123", 64) &&
	       !cpns_id_valid((const u8 *)"0123456789012345678901234567890123456789"
			      "0123456789012345678901234", 65) &&
	       cpns_claim_code_valid((const u8 *)"ABCD-1234", 9) &&
	       !cpns_claim_code_valid((const u8 *)"ABC-123", 7) &&
	       !cpns_claim_code_valid((const u8 *)"ABCD_1234", 9) &&
	       cpns_claim_proof((const u8 *)"ABC", 3, &body.user, &body.user,
				&body.user, buf, 0, buf) == -EINVAL,
	       "identifier and claim code charsets and lengths", NULL);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : getenv("VECTORS");
	struct ref_json *v;

	if (!path)
		path = "../shared/spec/vectors-v1.json";
	printf("TAP version 13\n");
	v = ref_json_load(path);
	if (!v) {
		printf("1..0\nBail out! cannot load %s\n", path);
		return 1;
	}
	printf("# kmod/profile.c over the reference primitives\n");
	test_parse();
	test_case(v, "main");
	test_case(v, "edge");
	ref_json_free(v);
	printf("1..%d\n", ntests);
	return nfailed ? 1 : 0;
}
