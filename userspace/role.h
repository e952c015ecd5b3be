/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the three role subcommands (server.c, gw.c, pne.c):
 * option values, the module handle, printing a protocol outcome.
 */
#ifndef CPNS_ROLE_H
#define CPNS_ROLE_H

#include <stdbool.h>
#include <stdint.h>
#include "nl.h"

/* "@u", "@s", "@p", "@t", "@us" or a serial number; -1 (and a message) if bad. */
int role_parse_keyring(const char *s, int32_t *out);
/* The wire timeout, from an option string (NULL: $CPNS_TIMEOUT or 10). */
int role_parse_timeout(const char *s, int *out);
/* Open the module's family; prints why not.  0 or a cpnsctl exit code. */
int role_nl_open(struct cpns_nl **nl);
/* Send @msg, free it (wiping it when @secret), print the error if any. */
int role_request(struct cpns_nl *nl, struct nl_msg *msg, struct nlattr **tb,
		 bool secret, const char *op);
/* The exit code for a failed module request. */
int role_exit_errno(int err);
/* Put an identifier attribute (no NUL).  0 or -EMSGSIZE. */
int role_put_id(struct nl_msg *msg, int attr, const char *id);
/* The wall clock, Unix seconds. */
int64_t role_now(void);
/* Print "ERROR <NAME> (<code>): <reason, escaped>" for a received ERROR. */
struct cpns_wire_msg;
void role_print_wire_error(const char *who, const struct cpns_wire_msg *m);
/* Explain a failed cpns_wire_recv() / connect. */
void role_print_recv_error(const char *who, int err);
/* "pne:public-0001", quoted-escaped when not a valid identifier. */
void role_print_id(FILE *f, const char *p, size_t len);

#endif /* CPNS_ROLE_H */
