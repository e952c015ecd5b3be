/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpnsctl server: the administration of a device's life (admin.c):
 * release, transfer, decommission, reinstate, remove-gw, rotate-gw,
 * set-password, remove-user.
 */
#ifndef CPNS_ADMIN_H
#define CPNS_ADMIN_H

#include <stdbool.h>
#include <stdio.h>

/* Is @sub one of admin.c's server subcommands? */
bool server_admin_has(const char *sub);
/* Its usage lines, for server --help. */
void server_admin_usage(FILE *f);
/* Run it: argv[0] is the subcommand.  Returns a cpnsctl exit code. */
int server_admin_main(int argc, char *argv[]);

/*
 * One audit line for a change this node made, who, what and when, never
 * a secret: "audit: TIME uid=N(name) OP key=value..." on stdout, or a
 * JSON object with @json, and the same to syslog (LOG_AUTHPRIV, tag
 * "cpnsctl-audit").  @fmt gives space-separated key=value pairs whose
 * values are identifiers, numbers or "-" (none).
 */
void cpns_audit(bool json, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* cpnsctl gw list|forget and cpnsctl pne show (held.c). */
int gw_held_main(int argc, char *argv[]);
int pne_show_main(int argc, char *argv[]);

#endif /* CPNS_ADMIN_H */
