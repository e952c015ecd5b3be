/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <crypto/algapi.h>: crypto_memneq (not constant time). */
#ifndef _KSHIM_CRYPTO_ALGAPI_H
#define _KSHIM_CRYPTO_ALGAPI_H

#include <string.h>

static inline unsigned long crypto_memneq(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) != 0;
}

#endif
