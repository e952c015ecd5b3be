// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the kernel's ReqBody parser, cpns_req_body_parse() of
 * kmod/profile.c, compiled on the host over selftests/host/kshim as
 * selftests/host/kprofile does.  The CPNS Server runs it on the opened
 * body of every REQUEST (kmod/server.c, check 4).
 *
 * The input is the opened body.  A body the parser accepts has valid
 * identifiers and a claim proof of 0 or 32 bytes, and rebuilds with
 * cpns_req_body_build() to the very same bytes; a body it refuses leaves
 * the structure all zero (nothing half-parsed survives).  The identifier
 * and claim-code checks are fuzzed too, against their definition.
 */
#include <assert.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "kmod/profile.h"

static bool id_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	       c == '@' || c == '-';
}

static bool all_id_chars(const uint8_t *p, size_t len, bool code)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (code ? !((p[i] >= 'A' && p[i] <= 'Z') ||
			     (p[i] >= 'a' && p[i] <= 'z') ||
			     (p[i] >= '0' && p[i] <= '9') || p[i] == '-') :
			   !id_char(p[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[sizeof(struct cpns_req_body)];
	struct cpns_req_body body;
	uint8_t buf[CPNS_REQ_BODY_MAX];
	size_t len;
	int rc;

	/* The checks of identifiers and claim codes, by their definition. */
	assert(cpns_id_valid(data, size) ==
	       (size >= 1 && size <= CPNS_ID_MAX_LEN &&
		all_id_chars(data, size, false)));
	assert(cpns_claim_code_valid(data, size) ==
	       (size >= CPNS_CLAIM_CODE_MIN_LEN &&
		size <= CPNS_CLAIM_CODE_MAX_LEN && all_id_chars(data, size, true)));

	memset(&body, 0xa5, sizeof(body));
	rc = cpns_req_body_parse(data, size, &body);
	if (rc) {
		assert(rc == -EINVAL);
		assert(!memcmp(&body, zero, sizeof(body)));
		return 0;
	}
	assert(size <= CPNS_REQ_BODY_MAX);
	assert(cpns_id_valid(body.user.b, body.user.len));
	assert(cpns_id_valid(body.entity.b, body.entity.len));
	assert(size == 2 + body.user.len + 2 + body.entity.len +
		       CPNS_HASH_LEN + 2 + (body.has_claim ? CPNS_HASH_LEN : 0));
	len = cpns_req_body_build(buf, &body);
	assert(len == size && !memcmp(buf, data, size));
	return 0;
}
