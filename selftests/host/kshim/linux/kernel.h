/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/kernel.h>: enough for kmod/profile.c. */
#ifndef _KSHIM_LINUX_KERNEL_H
#define _KSHIM_LINUX_KERNEL_H

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "types.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U16_MAX 0xffff
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define cpu_to_be16(x) htobe16(x)
#define cpu_to_be32(x) htobe32(x)
#define cpu_to_be64(x) htobe64(x)

/* A kernel warning is a bug: the shim test fails loudly on one. */
#define WARN_ON_ONCE(c) ({						\
	int __c = !!(c);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON_ONCE(%s) at %s:%d\n", #c,	\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
	__c;								\
})

void memzero_explicit(void *p, size_t len);

#endif
