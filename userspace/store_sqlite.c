// SPDX-License-Identifier: GPL-2.0
/*
 * The CPNS Server's store on SQLite (store.h, store_impl.h): one file,
 * several server processes on one host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "store_impl.h"

#define BUSY_TIMEOUT_MS 10000

static const char schema_v2[] =
	"CREATE TABLE settings ("
	"  name TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL);"
	"CREATE TABLE gws ("
	"  gw_id TEXT PRIMARY KEY,"
	"  added INTEGER NOT NULL);"
	"CREATE TABLE users ("
	"  user_id TEXT PRIMARY KEY,"
	"  record BLOB NOT NULL,"
	"  updated INTEGER NOT NULL);"
	/* owner and epoch: copies of what the sealed record holds */
	"CREATE TABLE entities ("
	"  entity_id TEXT PRIMARY KEY,"
	"  record BLOB NOT NULL,"
	"  owner TEXT,"
	"  epoch INTEGER NOT NULL DEFAULT 0,"
	"  chain_record BLOB,"
	"  chain_id BLOB,"
	"  n INTEGER,"
	"  updated INTEGER NOT NULL);"
	"CREATE TABLE replay ("
	"  gw_id TEXT NOT NULL,"
	"  rand BLOB NOT NULL,"
	"  t INTEGER NOT NULL,"
	"  PRIMARY KEY (gw_id, rand));"
	"CREATE INDEX replay_t ON replay(t);"
	"CREATE TABLE failures ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id TEXT NOT NULL,"
	"  gw_id TEXT NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE INDEX failures_user ON failures(user_id, time);"
	"CREATE INDEX failures_gw ON failures(gw_id, time);"
	"INSERT INTO settings VALUES ('user_limit', 5), ('gw_limit', 20),"
	"  ('window', 900), ('chain_length', 64);"
	"PRAGMA user_version = 2;";

/* Version 3: the per-status counters of `server stats`. */
static const char migrate_v3[] =
	"CREATE TABLE stats ("
	"  status INTEGER PRIMARY KEY,"
	"  count INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"PRAGMA user_version = 3;";

static int sql_err(struct store *st, int rc)
{
	snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(st->db));
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_READONLY:
		return -EACCES;
	default:
		return -EIO;
	}
}

static int exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sql_err(st, rc);
}

static int prep(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL);

	return rc == SQLITE_OK ? 0 : sql_err(st, rc);
}

static int bind_text(sqlite3_stmt *s, int i, const char *t)
{
	return sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

/*
 * Step a statement whose first row holds one integer, into *out; finalizes
 * it.  -ENOENT when there is no row.
 */
static int step_int64(struct store *st, sqlite3_stmt *s, int64_t *out)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : sql_err(st, rc);
	}
	sqlite3_finalize(s);
	return rc;
}

/* Step a statement that returns no row; finalizes it. */
static int step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	rc = rc == SQLITE_DONE ? 0 : sql_err(st, rc);
	sqlite3_finalize(s);
	return rc;
}

static void sq_rollback(struct store *st);

static int sq_begin(struct store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

static int sq_commit(struct store *st)
{
	int rc = exec(st, "COMMIT");

	if (rc)
		sq_rollback(st);
	return rc;
}

static void sq_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(struct store *st, int64_t *v)
{
	sqlite3_stmt *s;
	int rc;

	rc = prep(st, "PRAGMA user_version", &s);
	if (rc)
		return rc;
	return step_int64(st, s, v);
}

/*
 * The versions this code reads and writes, and the step to each: a new
 * store gets version 2 then every step after it, in one transaction.
 */
static int schema_step(struct store *st, int64_t to)
{
	return exec(st, to == 2 ? schema_v2 : migrate_v3);
}

static int check_version(struct store *st, int64_t v, bool init)
{
	if (!v && !init) {
		snprintf(st->err, sizeof(st->err), "no cpns schema in this file");
		return -ENOENT;
	}
	if (v == 1) {
		snprintf(st->err, sizeof(st->err),
			 "database schema version 1 keeps owners and epochs unsealed: "
			 "create a new store and import the list again");
		return -EPROTONOSUPPORT;
	}
	if (v > STORE_SCHEMA_VERSION || (!init && v < STORE_SCHEMA_VERSION)) {
		snprintf(st->err, sizeof(st->err),
			 "database schema version %lld, this cpnsctl knows %d%s",
			 (long long)v, STORE_SCHEMA_VERSION,
			 v < STORE_SCHEMA_VERSION ?
			 ": `cpnsctl server init --db URI' migrates it" : "");
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Create (v == 0) or migrate the schema; the caller holds a transaction. */
static int upgrade(struct store *st, int64_t v)
{
	int rc = 0;

	for (v = v ? v + 1 : 2; !rc && v <= STORE_SCHEMA_VERSION; v++)
		rc = schema_step(st, v);
	return rc;
}

static int sq_open(struct store *st, const char *path, bool init)
{
	sqlite3 *db = NULL;
	int64_t v = 0;
	int rc, fd;

	/*
	 * Only store_init() creates the file, private (SQLite's WAL files
	 * inherit its mode): a mistyped path is refused, not a new store.
	 */
	fd = open(path, O_RDWR | O_CLOEXEC | (init ? O_CREAT : 0), 0600);
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(st->err, sizeof(st->err), "no such file");
		return -errno;
	}
	close(fd);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	st->db = db;
	if (rc != SQLITE_OK)
		return db ? sql_err(st, rc) : -ENOMEM;
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	/* A file that is not a store is refused before anything is written. */
	if (!init) {
		rc = user_version(st, &v);
		if (!rc)
			rc = check_version(st, v, init);
		if (rc)
			return rc;
	}
	rc = exec(st, "PRAGMA journal_mode = WAL");
	if (!rc)
		rc = exec(st, "PRAGMA synchronous = FULL");
	if (!rc)
		rc = exec(st, "PRAGMA foreign_keys = ON");
	if (!rc)
		rc = exec(st, "PRAGMA secure_delete = ON");
	return rc;
}

static int sq_init(struct store *st, int64_t *from)
{
	int64_t v = 0;
	int rc;

	rc = sq_begin(st);
	if (rc)
		return rc;
	rc = user_version(st, &v);
	*from = v;
	if (!rc)
		rc = check_version(st, v, true);
	if (!rc && v < STORE_SCHEMA_VERSION)
		rc = upgrade(st, v);
	return store_tx_end(st, true, rc);
}

static int sq_schema_version(struct store *st, int64_t *v)
{
	return user_version(st, v);
}

static void sq_close(struct store *st)
{
	sq_rollback(st);
	sqlite3_close_v2(st->db);
	st->db = NULL;
}

static bool sq_in_tx(struct store *st)
{
	return !sqlite3_get_autocommit(st->db);
}

static int sq_get_setting(struct store *st, const char *name, int64_t *value)
{
	sqlite3_stmt *s;
	int rc;

	rc = prep(st, "SELECT value FROM settings WHERE name = ?", &s);
	if (rc)
		return rc;
	bind_text(s, 1, name);
	return step_int64(st, s, value);
}

static int sq_set_setting(struct store *st, const char *name, int64_t value)
{
	sqlite3_stmt *s;
	int rc;

	if (strcmp(name, "user_limit") && strcmp(name, "gw_limit") &&
	    strcmp(name, "window") && strcmp(name, "chain_length"))
		return -EINVAL;
	rc = prep(st, "INSERT OR REPLACE INTO settings VALUES (?, ?)", &s);
	if (rc)
		return rc;
	bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, value);
	return step_done(st, s);
}

static int sq_add_gw(struct store *st, const char *gw_id, int64_t now)
{
	sqlite3_stmt *s;
	int rc;

	rc = prep(st, "INSERT INTO gws VALUES (?, ?)", &s);
	if (rc)
		return rc;
	bind_text(s, 1, gw_id);
	sqlite3_bind_int64(s, 2, now);
	return step_done(st, s);
}

static int sq_has_gw(struct store *st, const char *gw_id)
{
	sqlite3_stmt *s;
	int rc;

	rc = prep(st, "SELECT 1 FROM gws WHERE gw_id = ?", &s);
	if (rc)
		return rc;
	bind_text(s, 1, gw_id);
	rc = sqlite3_step(s);
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sql_err(st, rc);
	sqlite3_finalize(s);
	return rc;
}

static int sq_put_user(struct store *st, const char *user_id, const uint8_t *rec,
		   size_t len, bool replace, int64_t now)
{
	sqlite3_stmt *s;
	int rc;

	if (!len || len > STORE_RECORD_MAX)
		return -EINVAL;
	rc = prep(st, replace ? "INSERT OR REPLACE INTO users VALUES (?, ?, ?)"
			      : "INSERT INTO users VALUES (?, ?, ?)", &s);
	if (rc)
		return rc;
	bind_text(s, 1, user_id);
	sqlite3_bind_blob(s, 2, rec, len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	return step_done(st, s);
}

static int copy_blob(sqlite3_stmt *s, int col, uint8_t *dst, size_t room,
		     size_t *len)
{
	const void *p = sqlite3_column_blob(s, col);
	size_t l = sqlite3_column_bytes(s, col);

	if (l > room)
		return -EOVERFLOW;
	if (l)
		memcpy(dst, p, l);
	*len = l;
	return 0;
}

static int sq_get_user(struct store *st, const char *user_id, uint8_t *rec,
		   size_t *len)
{
	sqlite3_stmt *s;
	int rc;

	rc = prep(st, "SELECT record FROM users WHERE user_id = ?", &s);
	if (rc)
		return rc;
	bind_text(s, 1, user_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = copy_blob(s, 0, rec, *len, len);
	else
		rc = rc == SQLITE_DONE ? -ENOENT : sql_err(st, rc);
	sqlite3_finalize(s);
	return rc;
}

#define ENTITY_COLS "entity_id, record, owner, epoch, chain_record, chain_id, n, updated"

static int row_entity(sqlite3_stmt *s, struct store_entity *e)
{
	const char *t;
	size_t l;
	int rc;

	memset(e, 0, sizeof(*e));
	t = (const char *)sqlite3_column_text(s, 0);
	snprintf(e->entity_id, sizeof(e->entity_id), "%s", t ? t : "");
	rc = copy_blob(s, 1, e->record, sizeof(e->record), &e->record_len);
	if (rc)
		return rc;
	t = (const char *)sqlite3_column_text(s, 2);
	snprintf(e->owner, sizeof(e->owner), "%s", t ? t : "");
	e->epoch = (uint32_t)sqlite3_column_int64(s, 3);
	rc = copy_blob(s, 4, e->chain_record, sizeof(e->chain_record),
		       &e->chain_record_len);
	if (rc)
		return rc;
	l = sqlite3_column_bytes(s, 5);
	if (l == CPNS_CHAIN_ID_LEN) {
		memcpy(e->chain_id, sqlite3_column_blob(s, 5), l);
		e->has_chain = true;
	}
	e->n = (uint16_t)sqlite3_column_int64(s, 6);
	e->updated = sqlite3_column_int64(s, 7);
	return 0;
}

/* @lock: BEGIN IMMEDIATE holds the database's write lock already. */
static int sq_get_entity(struct store *st, const char *entity_id,
			 struct store_entity *e, bool lock)
{
	sqlite3_stmt *s;
	int rc;

	(void)lock;
	rc = prep(st, "SELECT " ENTITY_COLS " FROM entities WHERE entity_id = ?",
		  &s);
	if (rc)
		return rc;
	bind_text(s, 1, entity_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = row_entity(s, e);
	else
		rc = rc == SQLITE_DONE ? -ENOENT : sql_err(st, rc);
	sqlite3_finalize(s);
	return rc;
}

static int sq_commit_chain(struct store *st, const struct store_entity *old,
		       const struct store_chain *ch, int64_t now)
{
	sqlite3_stmt *s;
	bool own;
	int rc;

	if (ch->epoch <= old->epoch || !ch->entity_record_len ||
	    ch->entity_record_len > STORE_RECORD_MAX || !ch->chain_record_len ||
	    ch->chain_record_len > STORE_RECORD_MAX || !ch->owner ||
	    !*ch->owner || !ch->n || !ch->chain_id)
		return -EINVAL;
	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	rc = prep(st, "UPDATE entities SET record = ?, epoch = ?, owner = ?, "
		  "chain_record = ?, chain_id = ?, n = ?, updated = ? "
		  "WHERE entity_id = ? AND epoch = ? AND record = ?", &s);
	if (!rc) {
		sqlite3_bind_blob(s, 1, ch->entity_record, ch->entity_record_len,
				  SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, ch->epoch);
		bind_text(s, 3, ch->owner);
		sqlite3_bind_blob(s, 4, ch->chain_record, ch->chain_record_len,
				  SQLITE_STATIC);
		sqlite3_bind_blob(s, 5, ch->chain_id, CPNS_CHAIN_ID_LEN,
				  SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, ch->n);
		sqlite3_bind_int64(s, 7, now);
		bind_text(s, 8, old->entity_id);
		sqlite3_bind_int64(s, 9, old->epoch);
		sqlite3_bind_blob(s, 10, old->record, old->record_len,
				  SQLITE_STATIC);
		rc = step_done(st, s);
		if (!rc && sqlite3_changes(st->db) != 1)
			rc = -ESTALE;
	}
	return store_tx_end(st, own, rc);
}

static int sq_import(struct store *st, const struct store_import_entry *ents,
		 size_t count, int64_t now, size_t *bad)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	rc = prep(st, "INSERT INTO entities (entity_id, record, epoch, updated)"
		  " VALUES (?, ?, 0, ?)", &s);
	for (i = 0; !rc && i < count; i++) {
		if (!ents[i].record_len ||
		    ents[i].record_len > STORE_RECORD_MAX) {
			rc = -EINVAL;
			break;
		}
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		bind_text(s, 1, ents[i].entity_id);
		sqlite3_bind_blob(s, 2, ents[i].record, ents[i].record_len,
				  SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? 0 : sql_err(st, rc);
		if (rc)
			break;
	}
	if (rc && bad)
		*bad = i;
	sqlite3_finalize(s);
	return store_tx_end(st, own, rc);
}

static int sq_list_entities(struct store *st, store_entity_fn fn, void *arg)
{
	struct store_entity *e;
	sqlite3_stmt *s;
	int rc;

	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	rc = prep(st, "SELECT " ENTITY_COLS " FROM entities ORDER BY entity_id",
		  &s);
	if (rc) {
		free(e);
		return rc;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = row_entity(s, e);
		if (rc || fn(e, arg))
			break;
	}
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		rc = 0;
	else if (rc > 0)
		rc = sql_err(st, rc);
	sqlite3_finalize(s);
	free(e);
	return rc;
}

static int sq_replay_check_insert(struct store *st, const char *gw_id,
			      const uint8_t rand[CPNS_RAND_LEN], uint64_t t,
			      int64_t now)
{
	sqlite3_stmt *s;
	bool own;
	int rc;

	if (t > INT64_MAX)
		return -EINVAL;
	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	/* Only entries that check 1 already refuses as STALE may go. */
	rc = prep(st, "DELETE FROM replay WHERE ? > t + ?", &s);
	if (!rc) {
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, CPNS_TIME_WINDOW);
		rc = step_done(st, s);
	}
	if (!rc)
		rc = prep(st, "SELECT 1 FROM replay WHERE gw_id = ? AND rand = ?",
			  &s);
	if (!rc) {
		bind_text(s, 1, gw_id);
		sqlite3_bind_blob(s, 2, rand, CPNS_RAND_LEN, SQLITE_STATIC);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 :
		     sql_err(st, rc);
		sqlite3_finalize(s);
	}
	if (rc == 0) {
		rc = prep(st, "INSERT INTO replay VALUES (?, ?, ?)", &s);
		if (!rc) {
			bind_text(s, 1, gw_id);
			sqlite3_bind_blob(s, 2, rand, CPNS_RAND_LEN,
					  SQLITE_STATIC);
			sqlite3_bind_int64(s, 3, (int64_t)t);
			rc = step_done(st, s);
			if (rc == -EEXIST)	/* the key says it is there */
				rc = 1;
		}
	}
	if (rc == 1) {
		/* A replay changes nothing but the pruning, kept. */
		rc = store_tx_end(st, own, 0);
		return rc ? rc : 1;
	}
	return store_tx_end(st, own, rc);
}

static int count_since(struct store *st, const char *sql, const char *id,
		       int64_t since, int64_t *count)
{
	sqlite3_stmt *s;
	int rc;

	rc = prep(st, sql, &s);
	if (rc)
		return rc;
	bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, since);
	return step_int64(st, s, count);
}

static int sq_count_failures(struct store *st, const char *user_id,
			 const char *gw_id, int64_t now, int64_t window,
			 int64_t *user_count, int64_t *gw_count)
{
	int rc;

	rc = count_since(st, "SELECT count(*) FROM failures "
			 "WHERE user_id = ? AND time > ?", user_id,
			 now - window, user_count);
	if (!rc)
		rc = count_since(st, "SELECT count(*) FROM failures "
				 "WHERE gw_id = ? AND time > ?", gw_id,
				 now - window, gw_count);
	return rc;
}

static int sq_add_failure(struct store *st, const char *user_id, const char *gw_id,
		      int64_t now, int64_t window)
{
	sqlite3_stmt *s;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	rc = prep(st, "DELETE FROM failures WHERE time <= ?", &s);
	if (!rc) {
		sqlite3_bind_int64(s, 1, now - window);
		rc = step_done(st, s);
	}
	if (!rc)
		rc = prep(st, "INSERT INTO failures (user_id, gw_id, time) "
			  "VALUES (?, ?, ?)", &s);
	if (!rc) {
		bind_text(s, 1, user_id);
		bind_text(s, 2, gw_id);
		sqlite3_bind_int64(s, 3, now);
		rc = step_done(st, s);
	}
	return store_tx_end(st, own, rc);
}

static int sq_count(struct store *st, const char *table, int64_t *count)
{
	char sql[64];
	sqlite3_stmt *s;
	int rc;

	if (strcmp(table, "users") && strcmp(table, "entities") &&
	    strcmp(table, "gws") && strcmp(table, "replay") &&
	    strcmp(table, "failures"))
		return -EINVAL;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	rc = prep(st, sql, &s);
	if (rc)
		return rc;
	return step_int64(st, s, count);
}

static int sq_add_stat(struct store *st, uint8_t status, int64_t now)
{
	sqlite3_stmt *s;
	int rc;

	rc = prep(st, "INSERT INTO stats VALUES (?, 1, ?) ON CONFLICT (status) "
		  "DO UPDATE SET count = count + 1, updated = excluded.updated",
		  &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, status);
	sqlite3_bind_int64(s, 2, now);
	return step_done(st, s);
}

static int sq_rows(struct store *st, const struct store_table *t,
		   store_row_fn fn, void *arg)
{
	struct store_val v[STORE_TABLE_COLS_MAX];
	char sql[512];
	size_t off;
	sqlite3_stmt *s;
	unsigned int i;
	int rc;

	off = snprintf(sql, sizeof(sql), "SELECT ");
	for (i = 0; i < t->ncols; i++)
		off += snprintf(sql + off, sizeof(sql) - off, "%s%s",
				i ? ", " : "", t->cols[i].name);
	snprintf(sql + off, sizeof(sql) - off, " FROM %s ORDER BY %s",
		 t->name, t->order);
	rc = prep(st, sql, &s);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < t->ncols; i++) {
			memset(&v[i], 0, sizeof(v[i]));
			v[i].null = sqlite3_column_type(s, i) == SQLITE_NULL;
			if (v[i].null)
				continue;
			switch (t->cols[i].type) {
			case STORE_COL_INT:
				v[i].i = sqlite3_column_int64(s, i);
				break;
			case STORE_COL_TEXT:
				v[i].p = sqlite3_column_text(s, i);
				v[i].len = sqlite3_column_bytes(s, i);
				if (!v[i].p)
					v[i].null = true;
				break;
			case STORE_COL_BLOB:
				v[i].p = sqlite3_column_blob(s, i);
				v[i].len = sqlite3_column_bytes(s, i);
				break;
			}
		}
		rc = fn(v, arg);
		if (rc)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = sql_err(st, rc);
	sqlite3_finalize(s);
	return rc;
}

static int sq_insert_row(struct store *st, const struct store_table *t,
			 const struct store_val *v)
{
	char sql[512];
	size_t off;
	sqlite3_stmt *s;
	unsigned int i;
	int rc;

	off = snprintf(sql, sizeof(sql), "INSERT INTO %s (", t->name);
	for (i = 0; i < t->ncols; i++)
		off += snprintf(sql + off, sizeof(sql) - off, "%s%s",
				i ? ", " : "", t->cols[i].name);
	off += snprintf(sql + off, sizeof(sql) - off, ") VALUES (");
	for (i = 0; i < t->ncols; i++)
		off += snprintf(sql + off, sizeof(sql) - off, "%s?",
				i ? ", " : "");
	snprintf(sql + off, sizeof(sql) - off, ")");
	rc = prep(st, sql, &s);
	if (rc)
		return rc;
	for (i = 0; i < t->ncols; i++) {
		if (v[i].null)
			sqlite3_bind_null(s, i + 1);
		else if (t->cols[i].type == STORE_COL_INT)
			sqlite3_bind_int64(s, i + 1, v[i].i);
		else if (t->cols[i].type == STORE_COL_TEXT)
			sqlite3_bind_text(s, i + 1, v[i].p, v[i].len,
					  SQLITE_STATIC);
		else
			sqlite3_bind_blob(s, i + 1, v[i].len ? v[i].p : "",
					  v[i].len, SQLITE_STATIC);
	}
	return step_done(st, s);
}

static int sq_update_entity(struct store *st, const struct store_entity *old,
			    const uint8_t *record, size_t len,
			    const char *owner, int64_t now)
{
	sqlite3_stmt *s;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	rc = prep(st, "UPDATE entities SET record = ?, owner = ?, updated = ? "
		  "WHERE entity_id = ? AND epoch = ? AND record = ?", &s);
	if (!rc) {
		sqlite3_bind_blob(s, 1, record, len, SQLITE_STATIC);
		if (owner && *owner)
			bind_text(s, 2, owner);
		else
			sqlite3_bind_null(s, 2);
		sqlite3_bind_int64(s, 3, now);
		bind_text(s, 4, old->entity_id);
		sqlite3_bind_int64(s, 5, old->epoch);
		sqlite3_bind_blob(s, 6, old->record, old->record_len,
				  SQLITE_STATIC);
		rc = step_done(st, s);
		if (!rc && sqlite3_changes(st->db) != 1)
			rc = -ESTALE;
	}
	return store_tx_end(st, own, rc);
}

/* The one row of "users" (by user_id) or "gws" (by gw_id); -ENOENT if none. */
static int sq_delete_row(struct store *st, const char *table, const char *id)
{
	const char *sql = !strcmp(table, "users") ?
		"DELETE FROM users WHERE user_id = ?" :
		"DELETE FROM gws WHERE gw_id = ?";
	sqlite3_stmt *s;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	rc = prep(st, sql, &s);
	if (!rc) {
		bind_text(s, 1, id);
		rc = step_done(st, s);
		if (!rc && sqlite3_changes(st->db) != 1)
			rc = -ENOENT;
	}
	return store_tx_end(st, own, rc);
}

const struct store_ops store_sqlite_ops = {
	.update_entity = sq_update_entity,
	.delete_row = sq_delete_row,
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.schema_version = sq_schema_version,
	.init = sq_init,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.in_tx = sq_in_tx,
	.get_setting = sq_get_setting,
	.set_setting = sq_set_setting,
	.add_gw = sq_add_gw,
	.has_gw = sq_has_gw,
	.put_user = sq_put_user,
	.get_user = sq_get_user,
	.get_entity = sq_get_entity,
	.commit_chain = sq_commit_chain,
	.import = sq_import,
	.list_entities = sq_list_entities,
	.replay_check_insert = sq_replay_check_insert,
	.count_failures = sq_count_failures,
	.add_failure = sq_add_failure,
	.count = sq_count,
	.add_stat = sq_add_stat,
	.rows = sq_rows,
	.insert_row = sq_insert_row,
};
