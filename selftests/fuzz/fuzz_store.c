// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: how the server's SQLite store (userspace/store_sqlite.c,
 * behind store.c) reads its rows back: row_entity(), copy_blob() and the
 * getters, over rows of any SQLite type and length, as a damaged or
 * hostile database file holds them.  This file includes store_sqlite.c,
 * unchanged, for its static parts and its schema; the database is in
 * memory, created once from that schema (every step of it), and every
 * input runs in a transaction rolled back after it.
 *
 * The first byte picks the case:
 *   0  one row of `entities' from eight typed values (see value());
 *      listing and getting it must give bounded, terminated fields, the
 *      record's exact bytes or -EOVERFLOW, and a chain id only when the
 *      column holds exactly 16 bytes
 *   1  one row of `users' (id, record, room): the record's exact bytes,
 *      or -EOVERFLOW when it does not fit the room
 *   2  round trip: store_import() then store_commit_chain() of fields
 *      from the input (the chain carries the entity's next record, as the
 *      module returns it); store_get_entity() gives back the same fields,
 *      and a commit against the row as it was before is stale
 */
#include <assert.h>
#include <math.h>

#include "store_sqlite.c"

static struct store *st;

struct in {
	const uint8_t *p;
	size_t len;
};

static const uint8_t *take(struct in *in, size_t n)
{
	const uint8_t *p;

	if (in->len < n)
		return NULL;
	p = in->p;
	in->p += n;
	in->len -= n;
	return p;
}

static uint64_t take_be(struct in *in, size_t n)
{
	const uint8_t *p = take(in, n);
	uint64_t v = 0;
	size_t i;

	for (i = 0; p && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* lp(bytes), cut to what is there. */
static const uint8_t *take_lp(struct in *in, size_t *len)
{
	size_t l = take_be(in, 2);
	const uint8_t *p;

	if (l > in->len)
		l = in->len;
	p = take(in, l);
	*len = l;
	return p;
}

/* A C string from lp(bytes): up to its first NUL, at most 255 bytes. */
static void take_str(struct in *in, char *dst, size_t room)
{
	size_t l, i;
	const uint8_t *p = take_lp(in, &l);

	for (i = 0; p && i < l && i + 1 < room && p[i]; i++)
		dst[i] = p[i];
	dst[i] = '\0';
}

/* Tag (mod 5): NULL, INTEGER (8 bytes), REAL (8 bytes), TEXT lp, BLOB lp. */
static void value(struct in *in, sqlite3_stmt *s, int col)
{
	const uint8_t *p;
	uint64_t v;
	double d;
	size_t l;

	switch (take_be(in, 1) % 5) {
	case 0:
		sqlite3_bind_null(s, col);
		break;
	case 1:
		sqlite3_bind_int64(s, col, (int64_t)take_be(in, 8));
		break;
	case 2:
		v = take_be(in, 8);
		memcpy(&d, &v, sizeof(d));
		sqlite3_bind_double(s, col, d);
		break;
	case 3:
		p = take_lp(in, &l);
		sqlite3_bind_text(s, col, p ? (const char *)p : "", l,
				  SQLITE_TRANSIENT);
		break;
	default:
		p = take_lp(in, &l);
		sqlite3_bind_blob(s, col, p ? p : (const uint8_t *)"", l,
				  SQLITE_TRANSIENT);
		break;
	}
}

static int64_t column_len(const char *sql, const char *col)
{
	char q[128];
	sqlite3_stmt *s;
	int64_t v = -1;

	snprintf(q, sizeof(q), "SELECT length(CAST(%s AS BLOB)) FROM %s", col, sql);
	if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW &&
		    sqlite3_column_type(s, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	return v;
}

static void check_entity(const struct store_entity *e)
{
	assert(memchr(e->entity_id, 0, sizeof(e->entity_id)));
	assert(memchr(e->owner, 0, sizeof(e->owner)));
	assert(e->record_len <= sizeof(e->record));
	assert(e->chain_record_len <= sizeof(e->chain_record));
}

static int64_t want_record, want_chain, want_cid;
static int listed;

static int list_fn(const struct store_entity *e, void *arg)
{
	(void)arg;
	check_entity(e);
	assert(want_record < 0 || (int64_t)e->record_len == want_record);
	assert((int64_t)e->chain_record_len == (want_chain < 0 ? 0 : want_chain));
	assert(e->has_chain == (want_cid == CPNS_CHAIN_ID_LEN));
	listed++;
	return 0;
}

static void one_entity(struct in *in)
{
	static struct store_entity e;
	sqlite3_stmt *s;
	int col, rc;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO entities VALUES "
			       "(?, ?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL))
		abort();
	for (col = 1; col <= 8; col++)
		value(in, s, col);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return;		/* NOT NULL and the like */
	want_record = column_len("entities", "record");
	want_chain = column_len("entities", "chain_record");
	want_cid = column_len("entities", "chain_id");
	listed = 0;
	rc = store_list_entities(st, list_fn, NULL);
	if (want_record > STORE_RECORD_MAX || want_chain > STORE_RECORD_MAX) {
		assert(rc == -EOVERFLOW && listed == 0);
	} else {
		assert(rc == 0 && listed == 1);
		/* By its id, when the id reads back as the text it is. */
		if (sqlite3_prepare_v2(st->db, "SELECT entity_id FROM entities "
				       "WHERE typeof(entity_id) = 'text'", -1,
				       &s, NULL))
			abort();
		if (sqlite3_step(s) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(s, 0);

			if (id && strlen(id) == (size_t)sqlite3_column_bytes(s, 0)) {
				assert(store_get_entity(st, id, &e) == 0);
				list_fn(&e, NULL);
			}
		}
		sqlite3_finalize(s);
	}
}

static void one_user(struct in *in)
{
	uint8_t rec[STORE_RECORD_MAX + 64];
	char id[256];
	sqlite3_stmt *s;
	size_t room;
	int64_t want;
	int rc;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO users VALUES (?, ?, 0)",
			       -1, &s, NULL))
		abort();
	take_str(in, id, sizeof(id));
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	value(in, s, 2);
	room = take_be(in, 2) % sizeof(rec);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return;
	want = column_len("users", "record");
	memset(rec, 0xa5, sizeof(rec));
	rc = store_get_user(st, id, rec, &room);
	if (want > (int64_t)room) {
		assert(rc == -EOVERFLOW);
	} else {
		assert(rc == 0 && (int64_t)room == want);
		/* Nothing written past the record. */
		assert(room == sizeof(rec) || rec[room] == 0xa5);
	}
}

static void round_trip(struct in *in)
{
	static struct store_entity e;
	static struct store_entity old;
	uint8_t rec[STORE_RECORD_MAX + 1], chain[STORE_RECORD_MAX + 1];
	uint8_t next[STORE_RECORD_MAX + 1];
	uint8_t cid[CPNS_CHAIN_ID_LEN] = { 0 };
	struct store_import_entry ent;
	struct store_chain ch;
	char id[256], owner[256];
	size_t rlen, clen, nlen;
	const uint8_t *p;
	uint32_t epoch;
	uint16_t n;
	int rc;

	take_str(in, id, sizeof(id));
	p = take_lp(in, &rlen);
	if (rlen > sizeof(rec))
		rlen = sizeof(rec);
	if (rlen)
		memcpy(rec, p, rlen);
	epoch = take_be(in, 4);
	n = take_be(in, 2);
	p = take(in, sizeof(cid));
	if (p)
		memcpy(cid, p, sizeof(cid));
	p = take_lp(in, &clen);
	if (clen > sizeof(chain))
		clen = sizeof(chain);
	if (clen)
		memcpy(chain, p, clen);
	take_str(in, owner, sizeof(owner));
	p = take_lp(in, &nlen);
	if (nlen > sizeof(next))
		nlen = sizeof(next);
	if (nlen)
		memcpy(next, p, nlen);

	ent = (struct store_import_entry){ id, rec, rlen };
	rc = store_import(st, &ent, 1, 1, NULL);
	if (!rlen || rlen > STORE_RECORD_MAX) {
		assert(rc == -EINVAL);
		return;
	}
	assert(rc == 0);
	assert(store_get_entity(st, id, &e) == 0);
	check_entity(&e);
	assert(e.record_len == rlen && !memcmp(e.record, rec, rlen));
	assert(!e.owner[0] && !e.epoch && !e.has_chain && !e.chain_record_len);
	/* The same id again: -EEXIST, and the row as it was. */
	assert(store_import(st, &ent, 1, 2, NULL) == -EEXIST);

	old = e;
	ch = (struct store_chain){ epoch, owner, next, nlen, chain, clen, cid,
				   n };
	rc = store_commit_chain(st, &old, &ch, 3);
	if (!epoch || !clen || clen > STORE_RECORD_MAX || !owner[0] || !n ||
	    !nlen || nlen > STORE_RECORD_MAX) {
		assert(rc == -EINVAL);
		return;
	}
	assert(rc == 0);
	assert(store_get_entity(st, id, &e) == 0);
	check_entity(&e);
	assert(e.record_len == nlen && !memcmp(e.record, next, nlen));
	assert(e.epoch == epoch && e.n == n && e.has_chain);
	assert(!strncmp(e.owner, owner, CPNS_ID_MAX_LEN));
	assert(e.chain_record_len == clen && !memcmp(e.chain_record, chain, clen));
	assert(!memcmp(e.chain_id, cid, sizeof(cid)));
	/* Committing against the row as it was before is stale. */
	assert(store_commit_chain(st, &old, &ch, 4) == -ESTALE);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sqlite3 *db = NULL;

	(void)argc;
	(void)argv;
	st = calloc(1, sizeof(*st));
	if (!st || sqlite3_open(":memory:", &db) != SQLITE_OK)
		abort();
	st->ops = &store_sqlite_ops;
	st->db = db;
	if (upgrade(st, 0))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	if (size < 1 || size > 8192)
		return 0;
	take(&in, 1);
	if (store_begin(st))
		abort();
	switch (data[0] % 3) {
	case 0:
		one_entity(&in);
		break;
	case 1:
		one_user(&in);
		break;
	default:
		round_trip(&in);
		break;
	}
	store_rollback(st);
	return 0;
}
