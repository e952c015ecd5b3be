// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the kernel's Bundle parser, cpns_bundle_parse() of
 * kmod/profile.c over selftests/host/kshim; the PN GW runs it on the
 * opened RESPONSE of status OK (kmod/gw.c), which is exactly
 * CPNS_BUNDLE_LEN bytes (gw.c refuses any other length before).
 *
 * The input's first CPNS_BUNDLE_LEN bytes are the bundle (shorter inputs
 * are padded with zeros, as a fixed-size buffer would be): it must parse
 * and rebuild to the same bytes, and build(parse(x)) == x field by field.
 * The rest of the input, when there, gives an index i: the chain key of
 * index i is refused (-EINVAL) unless 1 <= i <= n, and for i = n it is
 * the bundle's EUKey[n] itself (bounded to 8 hash steps below n).
 */
#include <assert.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "kmod/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[CPNS_BUNDLE_LEN] = { 0 }, back[CPNS_BUNDLE_LEN];
	uint8_t key[CPNS_HASH_LEN];
	struct cpns_bundle b, b2;
	uint16_t i;
	int rc;

	memcpy(buf, data, size < sizeof(buf) ? size : sizeof(buf));
	memset(&b, 0xa5, sizeof(b));
	cpns_bundle_parse(buf, &b);
	cpns_bundle_build(back, &b);
	assert(!memcmp(back, buf, sizeof(buf)));
	assert(b.n == (buf[0] << 8 | buf[1]));
	assert(!memcmp(b.top, buf + 2, CPNS_HASH_LEN));
	assert(b.e == ((uint32_t)buf[34] << 24 | (uint32_t)buf[35] << 16 |
		       (uint32_t)buf[36] << 8 | buf[37]));
	assert(!memcmp(b.kek, buf + 38, CPNS_KEY_LEN));
	cpns_bundle_parse(back, &b2);
	assert(b2.n == b.n && b2.e == b.e && !memcmp(b2.top, b.top, 32) &&
	       !memcmp(b2.kek, b.kek, 32));

	if (size < sizeof(buf) + 2)
		return 0;
	i = data[sizeof(buf)] << 8 | data[sizeof(buf) + 1];
	if (i <= b.n && b.n - i > 8)
		return 0;
	rc = cpns_chain_key(b.top, b.n, i, key);
	if (i < 1 || i > b.n) {
		assert(rc == -EINVAL);
		return 0;
	}
	assert(rc == 0);
	if (i == b.n)
		assert(!memcmp(key, b.top, CPNS_HASH_LEN));
	return 0;
}
