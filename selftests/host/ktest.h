/* SPDX-License-Identifier: GPL-2.0 */
/* The KTAP helpers of the host tests of kmod/ (krecord, kroles). */
#ifndef _CPNS_HOST_KTEST_H
#define _CPNS_HOST_KTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../kmod/profile.h"

static int ntests, nfailed;

static inline void result(int ok, const char *what)
{
	ntests++;
	nfailed += !ok;
	printf("%sok %d - %s\n", ok ? "" : "not ", ntests, what);
}

static inline void set_id(struct cpns_id *id, const char *s)
{
	if (cpns_id_set(id, (const u8 *)s, strlen(s)))
		abort();
}

#endif
