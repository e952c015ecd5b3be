/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP for host tests whose cases make several checks: a case sets
 * cur to its name and ok to true, CHECK() clears ok (printing the check
 * that failed), and ktap_result() prints the case's one KTAP line.
 */
#ifndef CPNS_TESTS_KTAP_CASE_H
#define CPNS_TESTS_KTAP_CASE_H

#include <stdbool.h>
#include <stdio.h>

static int test_no, failed;
static const char *cur;

static void ktap_result(bool ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++test_no, name);
	if (!ok)
		failed++;
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s: %s:%d: check failed: %s\n", cur,	\
		       __FILE__, __LINE__, #cond);			\
		ok = false;						\
	}								\
} while (0)

#endif /* CPNS_TESTS_KTAP_CASE_H */
