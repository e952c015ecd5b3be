// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of names.c: every value of the uapi enums has its
 * profile name, and names parse back.
 */
#include <string.h>
#include <linux/cpns.h>

#include "names.h"
#include "ktap.h"

int main(void)
{
	int i, ok;

	KTAP_BEGIN(14);

	ok = 1;
	for (i = CPNS_OK; i <= CPNS_CHAIN_EXHAUSTED; i++)
		ok &= cpns_status_name(i) && cpns_status_parse(cpns_status_name(i)) == i;
	KTAP_CHECK(ok, "every status has a name that parses back");
	KTAP_CHECK(!strcmp(cpns_status_str(CPNS_BAD_GW_AUTH), "BAD_GW_AUTH") &&
		   !strcmp(cpns_status_str(CPNS_CHAIN_EXHAUSTED), "CHAIN_EXHAUSTED"),
		   "status names are the profile's");
	KTAP_CHECK(!cpns_status_name(12) && !cpns_status_name(-1) &&
		   !strcmp(cpns_status_str(200), "unknown(200)"),
		   "unknown status");
	KTAP_CHECK(cpns_status_parse("stale") == CPNS_STALE &&
		   cpns_status_parse("7") == 7 && cpns_status_parse("x") == -1 &&
		   cpns_status_parse("256") == -1 && cpns_status_parse("") == -1,
		   "status parse");

	KTAP_CHECK(!strcmp(cpns_code_str(CPNS_ACCEPTED), "ACCEPTED") &&
		   !strcmp(cpns_code_str(CPNS_REJECT_ENTITY), "REJECT_ENTITY") &&
		   !strcmp(cpns_code_str(CPNS_REJECT_ROLLBACK), "REJECT_ROLLBACK") &&
		   !cpns_code_name(1) && !cpns_code_name(25),
		   "ack codes, with the gap between 0 and 20");
	KTAP_CHECK(cpns_code_parse("reject_link") == CPNS_REJECT_LINK,
		   "code parse");

	ok = 1;
	for (i = 1; i <= CPNS_EVENT_MAX; i++)
		ok &= cpns_event_name(i) != NULL;
	KTAP_CHECK(ok && !cpns_event_name(0) &&
		   !strcmp(cpns_event_str(CPNS_EVENT_NOT_CONFIRMED), "NOT_CONFIRMED"),
		   "every event has a name");

	KTAP_CHECK(!strcmp(cpns_accept_kind_str(CPNS_ACCEPT_FIRST), "FIRST") &&
		   !strcmp(cpns_accept_kind_str(CPNS_ACCEPT_REPEAT), "REPEAT") &&
		   !strcmp(cpns_accept_kind_str(0), "unknown(0)"),
		   "accept kinds");

	ok = 1;
	for (i = 1; i <= CPNS_CMD_MAX; i++)
		/* 12 is reserved in this tree (CPNS_CMD_GW_CANCEL elsewhere) */
		ok &= i == 12 || cpns_cmd_name(i) != NULL;
	KTAP_CHECK(ok && !strcmp(cpns_cmd_name(CPNS_CMD_GET_INFO), "GET_INFO"),
		   "every command has a name");

	ok = 1;
	for (i = 1; i <= CPNS_A_MAX; i++)
		ok &= cpns_attr_name(i) != NULL;
	KTAP_CHECK(ok && !strcmp(cpns_attr_name(CPNS_A_GW_ID), "CPNS_A_GW_ID") &&
		   !cpns_attr_name(CPNS_A_MAX + 1),
		   "every attribute has a name");

	ok = 1;
	for (i = CPNS_COUNTER_A_OPS; i <= CPNS_COUNTER_A_MAX; i++)
		ok &= cpns_counter_name(i) != NULL;
	KTAP_CHECK(ok && !strcmp(cpns_counter_name(CPNS_COUNTER_A_DELIVERIES), "deliveries"),
		   "every counter has a name");

	KTAP_CHECK(cpns_status_may_be_unverified(CPNS_STALE) &&
		   cpns_status_may_be_unverified(CPNS_MALFORMED) &&
		   cpns_status_may_be_unverified(CPNS_BAD_GW_AUTH) &&
		   !cpns_status_may_be_unverified(CPNS_AUTH_FAILED) &&
		   !cpns_status_may_be_unverified(CPNS_OK),
		   "unverified statuses");

	/* The static buffers: two calls of different functions do not clash. */
	{
		const char *a = cpns_status_str(99), *b = cpns_code_str(98);

		KTAP_CHECK(!strcmp(a, "unknown(99)") && !strcmp(b, "unknown(98)"),
			   "unknown() buffers are per function");
	}
	KTAP_CHECK(cpns_status_name(CPNS_OK) && !strcmp(cpns_status_name(CPNS_OK), "OK"),
		   "OK is status 0");

	return KTAP_END();
}
