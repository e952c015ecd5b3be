// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the values of uapi/linux/cpns.h (see names.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/cpns.h>

#include "names.h"

#define N(x) [CPNS_##x] = #x
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {
	N(OK), N(MALFORMED), N(STALE), N(BAD_GW_AUTH), N(REPLAY),
	N(RATE_LIMITED), N(AUTH_FAILED), N(UNKNOWN_ENTITY), N(NOT_OWNER),
	N(CLAIM_FAILED), N(INTERNAL), N(CHAIN_EXHAUSTED),
};

static const char *const code_names[] = {
	N(ACCEPTED), N(REJECT_ENTITY), N(REJECT_RANGE), N(REJECT_OPEN),
	N(REJECT_LINK), N(REJECT_ROLLBACK),
};

static const char *const accept_kind_names[] = {
	[CPNS_ACCEPT_FIRST] = "FIRST",
	[CPNS_ACCEPT_NEW_EPOCH] = "NEW_EPOCH",
	[CPNS_ACCEPT_RENEWAL] = "RENEWAL",
	[CPNS_ACCEPT_REPEAT] = "REPEAT",
};

#define E(x) [CPNS_EVENT_##x] = #x
static const char *const event_names[] = {
	E(REQUEST), E(RESPONSE), E(CHAIN), E(DELIVERY), E(CONFIRMED),
	E(NOT_CONFIRMED), E(ACCEPTED), E(REJECTED), E(ANSWERED),
};

#define C(x) [CPNS_CMD_##x] = #x
static const char *const cmd_names[] = {
	C(GET_INFO), C(GW_REQUEST), C(GW_RESPONSE), C(GW_DELIVER),
	C(GW_CONFIRM), C(PNE_ACCEPT), C(SRV_SEAL_USER), C(SRV_SEAL_ENTITY),
	C(SRV_OPEN_REQUEST), C(SRV_RESPOND), C(EVENT), C(PNE_RESET),
	C(KEY_LOAD), C(SRV_RELEASE), C(SRV_TRANSFER), C(SRV_DECOMMISSION),
	C(SRV_REINSTATE), C(SRV_ROTATE_GW), C(SRV_REMOVE_GW), C(GW_FORGET),
};

#define A(x) [CPNS_A_##x] = "CPNS_A_" #x
static const char *const attr_names[] = {
	A(PAD), A(VERSION), A(PROFILE), A(COUNTERS), A(KEYRING), A(MASTER),
	A(GW_ID), A(USER_ID), A(ENTITY_ID), A(HPW), A(PASSWORD),
	A(CLAIM_CODE), A(TK), A(RAND), A(TIME), A(SEALED), A(STATUS),
	A(VERIFIED), A(EPOCH), A(INDEX), A(N), A(CHALLENGE), A(CODE),
	A(CONFIRM), A(CHAIN_ID), A(KEY_SERIAL), A(CLAIM), A(OWNER),
	A(USER_RECORD), A(ENTITY_RECORD), A(CHAIN_RECORD), A(ACCEPT_KIND),
	A(DELIVERED), A(EVENT), A(KEY_BLOB), A(PSK), A(GRACE),
	A(DECOMMISSIONED),
};

#define K(x, s) [CPNS_COUNTER_A_##x] = s
static const char *const counter_names[] = {
	K(OPS, "ops"), K(ERRORS, "errors"), K(REQUESTS, "requests"),
	K(CHAINS, "chains"), K(DELIVERIES, "deliveries"),
	K(CONFIRMED, "confirmed"), K(ACCEPTED, "accepted"),
	K(REJECTED, "rejected"), K(RESPONSES, "responses"),
	K(REFUSED, "refused"),
};

/* Every table must name every value of its enum. */
_Static_assert(ARRAY_SIZE(status_names) == CPNS_CHAIN_EXHAUSTED + 1,
	       "status_names out of date");
_Static_assert(ARRAY_SIZE(event_names) == CPNS_EVENT_MAX + 1,
	       "event_names out of date");
_Static_assert(ARRAY_SIZE(cmd_names) == CPNS_CMD_MAX + 1,
	       "cmd_names out of date");
_Static_assert(ARRAY_SIZE(attr_names) == CPNS_A_MAX + 1,
	       "attr_names out of date");
_Static_assert(ARRAY_SIZE(counter_names) == CPNS_COUNTER_A_MAX + 1,
	       "counter_names out of date");

static const char *lookup(const char *const *t, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n)
		return NULL;
	return t[v];
}

#define LOOKUP(t, v) lookup(t, ARRAY_SIZE(t), v)

const char *cpns_status_name(int v) { return LOOKUP(status_names, v); }
const char *cpns_code_name(int v) { return LOOKUP(code_names, v); }
const char *cpns_event_name(int v) { return LOOKUP(event_names, v); }
const char *cpns_accept_kind_name(int v) { return LOOKUP(accept_kind_names, v); }
const char *cpns_cmd_name(int v) { return LOOKUP(cmd_names, v); }
const char *cpns_attr_name(int v) { return LOOKUP(attr_names, v); }
const char *cpns_counter_name(int v) { return LOOKUP(counter_names, v); }

#define STR(fn, v) ({							\
	static char buf[24];						\
	const char *s = fn(v);						\
	if (!s) {							\
		snprintf(buf, sizeof(buf), "unknown(%d)", v);		\
		s = buf;						\
	}								\
	s;								\
})

const char *cpns_status_str(int v) { return STR(cpns_status_name, v); }
const char *cpns_code_str(int v) { return STR(cpns_code_name, v); }
const char *cpns_event_str(int v) { return STR(cpns_event_name, v); }
const char *cpns_accept_kind_str(int v) { return STR(cpns_accept_kind_name, v); }

static int parse(const char *const *t, size_t n, const char *s)
{
	unsigned long v;
	char *end;
	size_t i;

	if (!s || !*s)
		return -1;
	for (i = 0; i < n; i++)
		if (t[i] && !strcasecmp(t[i], s))
			return (int)i;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 255)
		return -1;
	return (int)v;
}

int cpns_status_parse(const char *s)
{
	return parse(status_names, ARRAY_SIZE(status_names), s);
}

int cpns_code_parse(const char *s)
{
	return parse(code_names, ARRAY_SIZE(code_names), s);
}

int cpns_status_may_be_unverified(int status)
{
	return status == CPNS_MALFORMED || status == CPNS_STALE ||
	       status == CPNS_BAD_GW_AUTH;
}
