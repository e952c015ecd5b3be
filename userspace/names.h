/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the values of uapi/linux/cpns.h, as the profile writes them
 * ("OK", "BAD_GW_AUTH", "REJECT_LINK", ...), and back.
 *
 * The *_name() functions return NULL for a value without a name; the
 * *_str() ones never do: they return the name, or the number in a
 * static buffer ("unknown(42)"), overwritten by the next call of the same
 * function.  The *_parse() ones take a name (case-insensitive) or a
 * decimal number and return the value, or -1.
 */
#ifndef CPNS_NAMES_H
#define CPNS_NAMES_H

const char *cpns_status_name(int status);	/* enum cpns_status */
const char *cpns_code_name(int code);		/* enum cpns_ack_code */
const char *cpns_event_name(int event);		/* enum cpns_event */
const char *cpns_accept_kind_name(int kind);	/* enum cpns_accept_kind */
const char *cpns_cmd_name(int cmd);		/* enum cpns_cmd, "GET_INFO" */
const char *cpns_attr_name(int attr);		/* enum cpns_attr, "CPNS_A_GW_ID" */
const char *cpns_counter_name(int counter);	/* "ops", "errors", ... */

const char *cpns_status_str(int status);
const char *cpns_code_str(int code);
const char *cpns_event_str(int event);
const char *cpns_accept_kind_str(int kind);

int cpns_status_parse(const char *s);
int cpns_code_parse(const char *s);

/*
 * Whether a server status is sent unverified (not sealed under PSK1):
 * MALFORMED, STALE and BAD_GW_AUTH may be; a verified reply says so in
 * CPNS_A_VERIFIED, this is only the profile's default.
 */
int cpns_status_may_be_unverified(int status);

#endif /* CPNS_NAMES_H */
