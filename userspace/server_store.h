/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpnsctl server init | migrate | stats (server_store.c): the store itself,
 * on either backend (store.h).  Each returns the exit status.
 */
#ifndef CPNS_SERVER_STORE_H
#define CPNS_SERVER_STORE_H

struct srv_opts;

int server_init(const struct srv_opts *o);	/* --db */
int server_migrate(const struct srv_opts *o);	/* --from, --to */
int server_stats(const struct srv_opts *o);	/* --db, --json */

#endif /* CPNS_SERVER_STORE_H */
