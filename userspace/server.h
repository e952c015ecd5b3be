/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpnsctl server, inside: the options every server subcommand shares and
 * the three parts of the role, each in its own file:
 *   server.c         the command line and the administration (add-gw,
 *                    add-user, list, set)
 *   server_daemon.c  server run: the daemon and profile 2's checks 1..9
 *   server_import.c  server import: the manufacturer's list
 *   server_store.c   server init, migrate, stats: the store itself
 */
#ifndef CPNS_SERVER_H
#define CPNS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "listener.h"

struct store;

struct srv_opts {
	const char *listen;
	const char *db;
	const char *from;	/* server migrate */
	const char *to;
	const char *master;
	const char *psk_file;
	const char *password_file;
	const char *timeout_str;
	int32_t keyring;
	int timeout;
	struct cpns_limits limits;
	long chain_length;	/* 0: the store's setting */
	bool replace;
	bool json;
};

/* The store of --db into *st: 0, or an exit code (told). */
int srv_store_connect(const struct srv_opts *o, struct store **st);
/*
 * store_open() of @db (never creating it: `server init' does), the
 * failure told on stderr: 0, CPNSCTL_EXIT_USAGE for a store that is not
 * there (with how to create it), a bad URI or a schema version this tool
 * does not serve, else CPNSCTL_EXIT_IO.
 */
int srv_store_open(const char *db, struct store **st);
/* "cpnsctl: store: <what>: <strerror> (<the store's message>)". */
void srv_store_warn(struct store *st, const char *what, int err);
/* A setting of the store, @def when it has none. */
int64_t srv_setting(struct store *st, const char *name, int64_t def);

int server_run(const struct srv_opts *o);
/*
 * For SIGHUP: server run's options into @o as the command line and the
 * configuration file (*@path) give them now: 0, or -1 (told).
 */
int server_run_reread(struct srv_opts *o, const char **path);
int server_import(const struct srv_opts *o, const char *file);

#endif /* CPNS_SERVER_H */
