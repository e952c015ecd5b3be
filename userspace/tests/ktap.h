/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP output for the host unit tests of cpnsctl:
 *
 *	KTAP_BEGIN(5);
 *	KTAP_CHECK(cond, "name %d", i);
 *	return KTAP_END();	// 0 when every check passed, 1 otherwise
 */
#ifndef CPNS_TESTS_KTAP_H
#define CPNS_TESTS_KTAP_H

#include <stdio.h>

static int ktap_no, ktap_failed;

#define KTAP_BEGIN(n) do {						\
	printf("KTAP version 1\n1..%d\n", (n));				\
} while (0)

#define KTAP_CHECK(cond, ...) do {					\
	int __ok = !!(cond);						\
	printf("%sok %d ", __ok ? "" : "not ", ++ktap_no);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!__ok) {							\
		printf("# %s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
		ktap_failed++;						\
	}								\
} while (0)

#define KTAP_SKIP(...) do {						\
	printf("ok %d ", ++ktap_no);					\
	printf(__VA_ARGS__);						\
	printf(" # SKIP\n");						\
} while (0)

#define KTAP_END() ({							\
	printf("# %s: %d passed, %d failed\n", __FILE__,		\
	       ktap_no - ktap_failed, ktap_failed);			\
	ktap_failed ? 1 : 0;						\
})

#endif /* CPNS_TESTS_KTAP_H */
