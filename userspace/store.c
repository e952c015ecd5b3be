// SPDX-License-Identifier: GPL-2.0
/*
 * The CPNS Server's store (store.h): the store URI, the backend it names,
 * and what is the same on every backend (settings, the copy of a store).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

/*
 * The tables and the columns store_migrate() copies, in an order that
 * keeps every row's meaning: failures keep their times, not their ids.
 */
const struct store_table store_tables[] = {
	{ "settings", "name", 2,
	  { { "name", STORE_COL_TEXT }, { "value", STORE_COL_INT } } },
	{ "gws", "gw_id", 2,
	  { { "gw_id", STORE_COL_TEXT }, { "added", STORE_COL_INT } } },
	{ "users", "user_id", 3,
	  { { "user_id", STORE_COL_TEXT }, { "record", STORE_COL_BLOB },
	    { "updated", STORE_COL_INT } } },
	{ "entities", "entity_id", 8,
	  { { "entity_id", STORE_COL_TEXT }, { "record", STORE_COL_BLOB },
	    { "owner", STORE_COL_TEXT }, { "epoch", STORE_COL_INT },
	    { "chain_record", STORE_COL_BLOB }, { "chain_id", STORE_COL_BLOB },
	    { "n", STORE_COL_INT }, { "updated", STORE_COL_INT } } },
	{ "replay", "gw_id, rand", 3,
	  { { "gw_id", STORE_COL_TEXT }, { "rand", STORE_COL_BLOB },
	    { "t", STORE_COL_INT } } },
	{ "failures", "time, user_id, gw_id", 3,
	  { { "user_id", STORE_COL_TEXT }, { "gw_id", STORE_COL_TEXT },
	    { "time", STORE_COL_INT } } },
	{ "stats", "status", 3,
	  { { "status", STORE_COL_INT }, { "count", STORE_COL_INT },
	    { "updated", STORE_COL_INT } } },
};
const unsigned int store_ntables = ARRAY_SIZE(store_tables);

bool store_setting_known(const char *name)
{
	return !strcmp(name, "user_limit") || !strcmp(name, "gw_limit") ||
	       !strcmp(name, "window") || !strcmp(name, "chain_length");
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/*
 * A libpq conninfo is "keyword = value ..."; it starts with a keyword
 * made of lower-case letters and '_' followed by '='.  A path never
 * starts so (a path with '=' in its first component: write sqlite:PATH).
 */
static bool is_conninfo(const char *s)
{
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!(*p >= 'a' && *p <= 'z'))
		return false;
	while ((*p >= 'a' && *p <= 'z') || *p == '_')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '=';
}

int store_parse_uri(const char *uri, const struct store_ops **ops,
		    const char **target)
{
	if (!uri || !*uri)
		return -EINVAL;
	if (has_prefix(uri, "sqlite:")) {
		*ops = &store_sqlite_ops;
		*target = uri + strlen("sqlite:");
		/* sqlite:///abs/path is sqlite:/abs/path */
		if (has_prefix(*target, "//"))
			*target += 2;
		return **target ? 0 : -EINVAL;
	}
	if (has_prefix(uri, "postgresql://") || has_prefix(uri, "postgres://") ||
	    is_conninfo(uri)) {
		*ops = &store_pg_ops;
		*target = uri;
		return 0;
	}
	if (strstr(uri, "://"))
		return -EPROTONOSUPPORT;	/* a scheme we do not know */
	*ops = &store_sqlite_ops;		/* a plain path: SQLite */
	*target = uri;
	return 0;
}

static int do_open(const char *uri, struct store **stp, bool init,
		   int64_t *from)
{
	const struct store_ops *ops;
	const char *target;
	struct store *st;
	int rc;

	*stp = NULL;
	rc = store_parse_uri(uri, &ops, &target);
	if (rc)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->ops = ops;
	rc = ops->open(st, target, init);
	if (!rc && init)
		rc = ops->init(st, from);
	if (rc) {
		/* The caller reads the reason before store_close(). */
		*stp = st;
		return rc;
	}
	*stp = st;
	return 0;
}

int store_open(const char *uri, struct store **stp)
{
	return do_open(uri, stp, false, NULL);
}

int store_init(const char *uri, struct store **stp, int64_t *from)
{
	int64_t dummy;

	return do_open(uri, stp, true, from ? from : &dummy);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->db)
		st->ops->close(st);
	free(st);
}

bool store_alive(struct store *st)
{
	return st && st->db && (!st->ops->alive || st->ops->alive(st));
}

const char *store_errmsg(const struct store *st)
{
	return st ? st->err : "";
}

const char *store_backend(const struct store *st)
{
	return st->ops->name;
}

int store_begin(struct store *st)
{
	return st->ops->begin(st);
}

int store_commit(struct store *st)
{
	return st->ops->commit(st);
}

void store_rollback(struct store *st)
{
	st->ops->rollback(st);
}

int store_get_setting(struct store *st, const char *name, int64_t *value)
{
	return st->ops->get_setting(st, name, value);
}

int store_set_setting(struct store *st, const char *name, int64_t value)
{
	if (!store_setting_known(name))
		return -EINVAL;
	return st->ops->set_setting(st, name, value);
}

int store_add_gw(struct store *st, const char *gw_id, int64_t now)
{
	return st->ops->add_gw(st, gw_id, now);
}

int store_has_gw(struct store *st, const char *gw_id)
{
	return st->ops->has_gw(st, gw_id);
}

int store_put_user(struct store *st, const char *user_id, const uint8_t *rec,
		   size_t len, bool replace, int64_t now)
{
	if (!len || len > STORE_RECORD_MAX)
		return -EINVAL;
	return st->ops->put_user(st, user_id, rec, len, replace, now);
}

int store_get_user(struct store *st, const char *user_id, uint8_t *rec,
		   size_t *len)
{
	return st->ops->get_user(st, user_id, rec, len);
}

int store_get_entity(struct store *st, const char *entity_id,
		     struct store_entity *e)
{
	/* In a transaction, the row is locked until its end. */
	return st->ops->get_entity(st, entity_id, e, st->ops->in_tx(st));
}

int store_commit_chain(struct store *st, const struct store_entity *old,
		       const struct store_chain *ch, int64_t now)
{
	if (ch->epoch <= old->epoch || !ch->entity_record_len ||
	    ch->entity_record_len > STORE_RECORD_MAX || !ch->chain_record_len ||
	    ch->chain_record_len > STORE_RECORD_MAX || !ch->owner ||
	    !*ch->owner || !ch->n || !ch->chain_id)
		return -EINVAL;
	return st->ops->commit_chain(st, old, ch, now);
}

int store_tx_begin(struct store *st, bool *own)
{
	*own = !st->ops->in_tx(st);
	return *own ? st->ops->begin(st) : 0;
}

int store_tx_end(struct store *st, bool own, int rc)
{
	if (!own)
		return rc;
	if (rc) {
		st->ops->rollback(st);
		return rc;
	}
	return st->ops->commit(st);
}

int store_update_entity(struct store *st, const struct store_entity *old,
			const uint8_t *record, size_t len, const char *owner,
			int64_t now)
{
	if (!len || len > STORE_RECORD_MAX)
		return -EINVAL;
	return st->ops->update_entity(st, old, record, len, owner, now);
}

int store_delete_user(struct store *st, const char *user_id)
{
	return st->ops->delete_row(st, "users", user_id);
}

int store_delete_gw(struct store *st, const char *gw_id)
{
	return st->ops->delete_row(st, "gws", gw_id);
}

int store_import(struct store *st, const struct store_import_entry *ents,
		 size_t count, int64_t now, size_t *bad)
{
	return st->ops->import(st, ents, count, now, bad);
}

int store_list_entities(struct store *st, store_entity_fn fn, void *arg)
{
	return st->ops->list_entities(st, fn, arg);
}

int store_replay_check_insert(struct store *st, const char *gw_id,
			      const uint8_t rand[CPNS_RAND_LEN], uint64_t t,
			      int64_t now)
{
	if (t > INT64_MAX)
		return -EINVAL;
	return st->ops->replay_check_insert(st, gw_id, rand, t, now);
}

int store_count_failures(struct store *st, const char *user_id,
			 const char *gw_id, int64_t now, int64_t window,
			 int64_t *user_count, int64_t *gw_count)
{
	return st->ops->count_failures(st, user_id, gw_id, now, window,
				       user_count, gw_count);
}

int store_add_failure(struct store *st, const char *user_id, const char *gw_id,
		      int64_t now, int64_t window)
{
	return st->ops->add_failure(st, user_id, gw_id, now, window);
}

int store_count(struct store *st, const char *table, int64_t *count)
{
	if (strcmp(table, "users") && strcmp(table, "entities") &&
	    strcmp(table, "gws") && strcmp(table, "replay") &&
	    strcmp(table, "failures"))
		return -EINVAL;
	return st->ops->count(st, table, count);
}

int store_add_stat(struct store *st, uint8_t status, int64_t now)
{
	return st->ops->add_stat(st, status, now);
}

static const struct store_table *table(const char *name)
{
	unsigned int i;

	for (i = 0; i < store_ntables; i++)
		if (!strcmp(store_tables[i].name, name))
			return &store_tables[i];
	return NULL;
}

struct stats_ctx {
	store_stat_fn fn;
	void *arg;
};

static int stat_row(const struct store_val *v, void *arg)
{
	struct stats_ctx *c = arg;

	if (v[0].null || v[1].null || v[0].i < 0 || v[0].i > 255)
		return 0;	/* not a row this code wrote */
	return c->fn((uint8_t)v[0].i, v[1].i, v[2].null ? 0 : v[2].i, c->arg);
}

int store_stats(struct store *st, store_stat_fn fn, void *arg)
{
	struct stats_ctx c = { fn, arg };

	return st->ops->rows(st, table("stats"), stat_row, &c);
}

/* Migration: every row of every table of @src into the empty @dst. ------ */

struct copy_ctx {
	struct store *dst;
	const struct store_table *t;
	int64_t rows;
};

static int copy_row(const struct store_val *vals, void *arg)
{
	struct copy_ctx *c = arg;
	int rc;

	if (!strcmp(c->t->name, "settings")) {
		/* The defaults are there already: a setting replaces one. */
		if (vals[0].null || vals[1].null ||
		    !store_setting_known(vals[0].p))
			return 0;
		rc = c->dst->ops->set_setting(c->dst, vals[0].p, vals[1].i);
	} else {
		rc = c->dst->ops->insert_row(c->dst, c->t, vals);
	}
	if (rc)
		return rc;
	c->rows++;
	return 0;
}

int store_migrate(struct store *src, struct store *dst,
		  store_migrate_fn report, void *arg)
{
	int64_t n;
	unsigned int i;
	int rc;

	/* Only into a store without users, GWs or entities. */
	rc = store_count(dst, "entities", &n);
	if (!rc && !n)
		rc = store_count(dst, "users", &n);
	if (!rc && !n)
		rc = store_count(dst, "gws", &n);
	if (rc)
		return rc;
	if (n) {
		snprintf(dst->err, sizeof(dst->err),
			 "the destination holds users, GWs or entities already");
		return -ENOTEMPTY;
	}
	rc = store_begin(src);
	if (rc)
		return rc;
	rc = store_begin(dst);
	if (rc) {
		store_rollback(src);
		return rc;
	}
	for (i = 0; !rc && i < store_ntables; i++) {
		struct copy_ctx c = { dst, &store_tables[i], 0 };

		rc = src->ops->rows(src, c.t, copy_row, &c);
		if (!rc && report)
			report(c.t->name, c.rows, arg);
	}
	store_rollback(src);	/* it only read */
	if (rc) {
		store_rollback(dst);
		return rc;
	}
	return store_commit(dst);
}
