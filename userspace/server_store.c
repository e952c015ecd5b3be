// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl server init | migrate | stats: the store itself, on either
 * backend (store.h).  None of them needs the cpns module or a key: the
 * store holds only sealed records, which these commands copy unopened.
 *
 *   server init --db URI          create the schema, or migrate an older
 *                                 one to STORE_SCHEMA_VERSION
 *   server migrate --from URI --to URI
 *                                 copy every row into an empty store
 *   server stats --db URI [-j]    the per-status counters
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpnsctl.h"
#include "names.h"
#include "server.h"
#include "server_store.h"
#include "store.h"
#include "util.h"

static void say_err(const char *uri, struct store *st, int err)
{
	warn("store `%s': %s%s%s", uri, strerror(-err),
	     st && *store_errmsg(st) ? ": " : "", st ? store_errmsg(st) : "");
}

int server_init(const struct srv_opts *o)
{
	const char *db = o->db;
	struct store *st = NULL;
	int64_t from = 0;
	int err;

	err = store_init(db, &st, &from);
	if (err) {
		say_err(db, st, err);
		store_close(st);
		return err == -EINVAL || err == -EPROTONOSUPPORT ?
		       CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
	}
	if (!from)
		printf("store %s (%s): schema version %d created\n", db,
		       store_backend(st), STORE_SCHEMA_VERSION);
	else if (from < STORE_SCHEMA_VERSION)
		printf("store %s (%s): schema migrated from version %lld to %d\n",
		       db, store_backend(st), (long long)from,
		       STORE_SCHEMA_VERSION);
	else
		printf("store %s (%s): schema version %d, up to date\n", db,
		       store_backend(st), STORE_SCHEMA_VERSION);
	store_close(st);
	return CPNSCTL_EXIT_OK;
}

static void report(const char *table, int64_t rows, void *arg)
{
	(void)arg;
	printf("  %-10s %lld\n", table, (long long)rows);
}

int server_migrate(const struct srv_opts *o)
{
	const char *from = o->from, *to = o->to;
	struct store *src = NULL, *dst = NULL;
	int err, ret;

	ret = srv_store_open(from, &src);
	if (ret)
		goto out;
	ret = srv_store_open(to, &dst);
	if (ret)
		goto out;
	ret = CPNSCTL_EXIT_IO;
	printf("copying %s (%s) to %s (%s), sealed records unchanged:\n",
	       from, store_backend(src), to, store_backend(dst));
	err = store_migrate(src, dst, report, NULL);
	if (err) {
		say_err(to, dst, err);
		warn("migrate: nothing copied");
		ret = err == -ENOTEMPTY ? CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
		goto out;
	}
	printf("done\n");
	ret = CPNSCTL_EXIT_OK;
out:
	store_close(src);
	store_close(dst);
	return ret;
}

struct stats_ctx {
	bool json;
	unsigned int count;
	int64_t total;
};

static int stat_one(uint8_t status, int64_t count, int64_t updated, void *arg)
{
	struct stats_ctx *c = arg;
	const char *name = status == STORE_STAT_ERROR ? "ERROR" :
			   cpns_status_str(status);

	if (c->json)
		printf("%s\"%s\": %lld", c->count ? ", " : "", name,
		       (long long)count);
	else
		printf("%-16s %10lld  %lld\n", name, (long long)count,
		       (long long)updated);
	c->count++;
	c->total += count;
	return 0;
}

int server_stats(const struct srv_opts *o)
{
	const char *db = o->db;
	bool json = o->json;
	struct stats_ctx c = { .json = json };
	struct store *st = NULL;
	int err;

	err = srv_store_open(db, &st);
	if (err)
		return err;
	if (json)
		printf("{\"backend\": \"%s\", \"responses\": {", store_backend(st));
	else
		printf("%-16s %10s  %s\n", "STATUS", "COUNT", "LAST (Unix time)");
	err = store_stats(st, stat_one, &c);
	if (json)
		printf("}, \"total\": %lld}\n", (long long)c.total);
	else
		printf("%-16s %10lld\n", "total", (long long)c.total);
	if (err)
		say_err(db, st, err);
	store_close(st);
	return err ? CPNSCTL_EXIT_IO : CPNSCTL_EXIT_OK;
}
