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
#include "cpns_attrs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Each table from the spec's (cpns_attrs.h): the name of each value. */
#define NAME(e, s) [e] = #s,
static const char *const status_names[] = { CPNS_ENUM_STATUS(NAME) };
static const char *const code_names[] = { CPNS_ENUM_ACK_CODE(NAME) };
static const char *const accept_kind_names[] = { CPNS_ENUM_ACCEPT_KIND(NAME) };
static const char *const event_names[] = { CPNS_ENUM_EVENT(NAME) };
#undef NAME

#define CMD(e, s, n) [e] = #s,
static const char *const cmd_names[] = { CPNS_OPS(CMD) };
#undef CMD

#define ATTR(e, s, n, type, check, lo, hi) [e] = #e,
static const char *const attr_names[] = { CPNS_SET_CPNS(ATTR) };
#undef ATTR

/* The counters by their names in the spec; the pad is no counter. */
#define COUNTER(e, s, n, type, check, lo, hi) COUNTER_##type(e, n)
#define COUNTER_PAD(e, n)
#define COUNTER_U64(e, n) [e] = n,
static const char *const counter_names[] = { CPNS_SET_COUNTERS(COUNTER) };
#undef COUNTER

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
