/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP for the host unit tests of cpnsctl, printed by the kernel's own
 * kselftest.h ($KSFT, the Debian linux-source tree; never a copy here).
 * Programs whose cases are independent use kselftest_harness.h instead
 * (TEST(), EXPECT_*: test_listener.c).
 *
 * A list of checks, each one case:
 *
 *	KTAP_BEGIN(5);
 *	KTAP_CHECK(cond, "name %d", i);
 *	KTAP_SKIP("name");
 *	return KTAP_END();	// 0 when every check passed, 1 otherwise
 *
 * Cases of several checks that run in order and share state: a case sets
 * cur to its name and a bool ok to true, CHECK() clears ok (printing the
 * check that failed), and ktap_result(ok, name) prints the case's line.
 *
 *	ktap_plan(3, "store: the CPNS Server's SQLite store");
 *	... ktap_result(ok, "schema_and_settings"); ...
 *	return ktap_finish();
 */
#ifndef CPNS_TESTS_KTAP_H
#define CPNS_TESTS_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include "kselftest.h"

/* One case's line, its name printf-formatted (any format, not only literals). */
static inline void __attribute__((format(printf, 3, 4)))
ktap_line(int ok, int skip, const char *fmt, ...)
{
	char name[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (skip)
		ksft_test_result_skip("%s\n", name);
	else
		ksft_test_result(ok, "%s\n", name);
}

#define KTAP_BEGIN(n) do {						\
	ksft_print_header();						\
	ksft_set_plan(n);						\
} while (0)

#define KTAP_CHECK(cond, ...) do {					\
	int __ok = !!(cond);						\
	if (!__ok)							\
		ksft_print_msg("%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
	ktap_line(__ok, 0, __VA_ARGS__);				\
} while (0)

#define KTAP_SKIP(...) ktap_line(1, 1, __VA_ARGS__)

/* 1 when a check failed or the plan was not kept */
#define KTAP_END() ({							\
	ksft_print_cnts();						\
	ksft_get_fail_cnt() || ksft_plan != ksft_test_num() ? 1 : 0;	\
})

static const char *cur __attribute__((unused));

static inline void ktap_plan(unsigned int n, const char *what)
{
	ksft_print_header();
	ksft_print_msg("%s\n", what);
	ksft_set_plan(n);
}

static inline void ktap_result(bool ok, const char *name)
{
	ksft_test_result(ok, "%s\n", name);
}

/* The cases that have reported so far. */
static inline unsigned int ktap_ran(void)
{
	return ksft_test_num();
}

static inline int ktap_finish(void)
{
	return KTAP_END();
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		ksft_print_msg("%s: %s:%d: check failed: %s\n", cur,	\
			       __FILE__, __LINE__, #cond);		\
		ok = false;						\
	}								\
} while (0)

#endif /* CPNS_TESTS_KTAP_H */
