// SPDX-License-Identifier: GPL-2.0
/*
 * The CPNS Server's store on PostgreSQL (store.h, store_impl.h), over
 * libpq: several server instances, on several hosts, on one database.
 *
 * Every profile invariant is held by the database, not by a process
 * (Documentation/design.rst, "A server cluster"):
 *  - check 3: INSERT ... ON CONFLICT DO NOTHING against the primary key
 *    (gw_id, rand) of the replay cache: of two instances inserting the
 *    same REQUEST, one inserts, the other waits for it to commit and
 *    inserts nothing (REPLAY);
 *  - check 5: inside a transaction, store_count_failures() first takes
 *    the advisory transaction locks (1, hashtext(user)) and then (2,
 *    hashtext(gw)): the failures of a user or a GW are counted and added
 *    by one transaction at a time, whichever instance runs it; the locks
 *    are always taken in this order, then the entity row, so that two
 *    requests never wait on each other in a cycle;
 *  - checks 8 and 9: inside a transaction, store_get_entity() reads the
 *    entity's row FOR UPDATE: a second request for the entity waits for
 *    the first to commit, then reads the owner and the record the first
 *    wrote (NOT_OWNER for a second first claim; E + 1 of the new E), and
 *    the new chain is stored only if the row still holds what was read
 *    (-ESTALE otherwise), in the transaction that read it.
 * A lost connection aborts the transaction on the server side: nothing
 * half done is kept.  Each `server run` connection opens its own store,
 * so the next request connects again.
 *
 * Values go as parameters, never into the SQL text; BYTEA in binary, and
 * every result is read in binary (BIGINT: 8 bytes, big-endian).
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "store_impl.h"

#define PG_PARAMS_MAX	12
#define PG_STATEMENT_TIMEOUT_MS "30000"
#define PG_INIT_LOCK	"1668312691"	/* 'cpns' */

static const char *const schema_pg_v2 =
	"CREATE TABLE cpns_schema (version BIGINT NOT NULL);"
	"CREATE TABLE settings ("
	"  name TEXT PRIMARY KEY,"
	"  value BIGINT NOT NULL);"
	"CREATE TABLE gws ("
	"  gw_id TEXT PRIMARY KEY,"
	"  added BIGINT NOT NULL);"
	"CREATE TABLE users ("
	"  user_id TEXT PRIMARY KEY,"
	"  record BYTEA NOT NULL,"
	"  updated BIGINT NOT NULL);"
	/* owner and epoch: copies of what the sealed record holds */
	"CREATE TABLE entities ("
	"  entity_id TEXT PRIMARY KEY,"
	"  record BYTEA NOT NULL,"
	"  owner TEXT,"
	"  epoch BIGINT NOT NULL DEFAULT 0,"
	"  chain_record BYTEA,"
	"  chain_id BYTEA,"
	"  n BIGINT,"
	"  updated BIGINT NOT NULL);"
	"CREATE TABLE replay ("
	"  gw_id TEXT NOT NULL,"
	"  rand BYTEA NOT NULL,"
	"  t BIGINT NOT NULL,"
	"  PRIMARY KEY (gw_id, rand));"
	"CREATE INDEX replay_t ON replay(t);"
	"CREATE TABLE failures ("
	"  id BIGSERIAL PRIMARY KEY,"
	"  user_id TEXT NOT NULL,"
	"  gw_id TEXT NOT NULL,"
	"  time BIGINT NOT NULL);"
	"CREATE INDEX failures_user ON failures(user_id, time);"
	"CREATE INDEX failures_gw ON failures(gw_id, time);"
	"INSERT INTO settings VALUES ('user_limit', 5), ('gw_limit', 20),"
	"  ('window', 900), ('chain_length', 64);"
	"INSERT INTO cpns_schema VALUES (2);";

static const char *const migrate_pg_v3 =
	"CREATE TABLE stats ("
	"  status BIGINT PRIMARY KEY,"
	"  count BIGINT NOT NULL,"
	"  updated BIGINT NOT NULL);"
	"UPDATE cpns_schema SET version = 3;";

struct pgp {
	int n;
	const char *v[PG_PARAMS_MAX];
	int l[PG_PARAMS_MAX];
	int f[PG_PARAMS_MAX];
	char ib[PG_PARAMS_MAX][24];
};

static void p_int(struct pgp *p, int64_t x)
{
	snprintf(p->ib[p->n], sizeof(p->ib[0]), "%lld", (long long)x);
	p->v[p->n] = p->ib[p->n];
	p->l[p->n] = 0;
	p->f[p->n++] = 0;
}

static void p_text(struct pgp *p, const char *s)
{
	p->v[p->n] = s;
	p->l[p->n] = 0;
	p->f[p->n++] = 0;
}

static void p_blob(struct pgp *p, const void *b, size_t len)
{
	p->v[p->n] = len ? b : "";
	p->l[p->n] = (int)len;
	p->f[p->n++] = 1;
}

static void p_null(struct pgp *p)
{
	p->v[p->n] = NULL;
	p->l[p->n] = 0;
	p->f[p->n++] = 0;
}

static PGconn *conn(struct store *st)
{
	return st->db;
}

/* The error of @r (or of the connection), as an errno; the message kept. */
static int pg_err(struct store *st, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : "";
	size_t len;

	if (!msg || !*msg)
		msg = PQerrorMessage(conn(st));
	snprintf(st->err, sizeof(st->err), "%s", msg ? msg : "");
	len = strlen(st->err);
	while (len && (st->err[len - 1] == '\n' || st->err[len - 1] == ' '))
		st->err[--len] = '\0';
	if (PQstatus(conn(st)) == CONNECTION_BAD)
		return -ECONNRESET;
	if (!state)
		return -EIO;
	if (!strcmp(state, "23505"))		/* unique_violation */
		return -EEXIST;
	if (!strncmp(state, "40", 2) ||		/* serialization, deadlock */
	    !strcmp(state, "55P03"))		/* lock_not_available */
		return -EBUSY;
	if (!strcmp(state, "57014"))		/* statement timeout */
		return -ETIMEDOUT;
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
		return -ECONNRESET;		/* connection, shutdown */
	if (!strcmp(state, "53100"))		/* disk_full */
		return -ENOSPC;
	if (!strcmp(state, "53200"))		/* out_of_memory */
		return -ENOMEM;
	if (!strcmp(state, "42501"))		/* insufficient_privilege */
		return -EACCES;
	return -EIO;
}

/* Run @sql with @p; on success returns the result (PQclear it). */
static PGresult *run(struct store *st, const char *sql, const struct pgp *p,
		     int *rc)
{
	PGresult *r;
	ExecStatusType s;

	r = PQexecParams(conn(st), sql, p ? p->n : 0, NULL, p ? p->v : NULL,
			 p ? p->l : NULL, p ? p->f : NULL, 1);
	s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		*rc = 0;
		return r;
	}
	*rc = pg_err(st, r);
	PQclear(r);
	return NULL;
}

/* Run a statement whose result is not needed. */
static int run_done(struct store *st, const char *sql, const struct pgp *p)
{
	int rc;

	PQclear(run(st, sql, p, &rc));
	return rc;
}

/* Several statements without parameters (schema), in the text protocol. */
static int run_script(struct store *st, const char *sql)
{
	PGresult *r = PQexec(conn(st), sql);
	int rc = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pg_err(st, r);
	PQclear(r);
	return rc;
}

/* A BIGINT (or smaller integer) column of a binary result. */
static int64_t get_int(const PGresult *r, int row, int col)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
	int len = PQgetlength(r, row, col);
	uint64_t v = 0;
	int i;

	if (PQgetisnull(r, row, col))
		return 0;
	for (i = 0; i < len && i < 8; i++)
		v = (v << 8) | p[i];
	if (len == 4)
		return (int32_t)(uint32_t)v;
	if (len == 2)
		return (int16_t)(uint16_t)v;
	return (int64_t)v;
}

static int copy_col(const PGresult *r, int row, int col, uint8_t *dst,
		    size_t room, size_t *len)
{
	size_t l = PQgetisnull(r, row, col) ? 0 : PQgetlength(r, row, col);

	if (l > room)
		return -EOVERFLOW;
	if (l)
		memcpy(dst, PQgetvalue(r, row, col), l);
	*len = l;
	return 0;
}

static void copy_text(const PGresult *r, int row, int col, char *dst,
		      size_t room)
{
	size_t l = PQgetisnull(r, row, col) ? 0 : PQgetlength(r, row, col);

	if (l >= room)
		l = room - 1;
	memcpy(dst, PQgetvalue(r, row, col), l);
	dst[l] = '\0';
}

/* Transactions -------------------------------------------------------- */

static bool pg_in_tx(struct store *st)
{
	return PQtransactionStatus(conn(st)) != PQTRANS_IDLE;
}

static int pg_begin(struct store *st)
{
	return run_script(st, "BEGIN");
}

static void pg_rollback(struct store *st)
{
	PGTransactionStatusType s = PQtransactionStatus(conn(st));

	if (s == PQTRANS_INTRANS || s == PQTRANS_INERROR)
		PQclear(PQexec(conn(st), "ROLLBACK"));
}

static int pg_commit(struct store *st)
{
	PGresult *r = PQexec(conn(st), "COMMIT");
	int rc = 0;

	/* A COMMIT of a failed transaction says ROLLBACK: not committed. */
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_err(st, r);
	else if (strcmp(PQcmdStatus(r), "COMMIT"))
		rc = -EIO;
	PQclear(r);
	if (rc)
		pg_rollback(st);
	return rc;
}

/* Open, schema ---------------------------------------------------------- */

/* A password must come from a file, never from the URI (the command line). */
static int check_conninfo(struct store *st, const char *target)
{
	PQconninfoOption *opts, *o;
	char *msg = NULL;
	int rc = 0;

	opts = PQconninfoParse(target, &msg);
	if (!opts) {
		snprintf(st->err, sizeof(st->err), "invalid PostgreSQL URI: %s",
			 msg ? msg : "out of memory");
		PQfreemem(msg);
		return -EINVAL;
	}
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val) {
			snprintf(st->err, sizeof(st->err),
				 "a password in the store URI is refused: put it in a password file (~/.pgpass, PGPASSFILE or passfile=)");
			rc = -EINVAL;
		}
	PQconninfoFree(opts);
	return rc;
}

static int pg_schema_version(struct store *st, int64_t *v)
{
	PGresult *r;
	int rc;

	r = run(st, "SELECT to_regclass('cpns_schema') IS NOT NULL", NULL, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) != 1 || PQgetlength(r, 0, 0) != 1 ||
	    !*PQgetvalue(r, 0, 0)) {
		PQclear(r);
		*v = 0;
		return 0;
	}
	PQclear(r);
	r = run(st, "SELECT max(version) FROM cpns_schema", NULL, &rc);
	if (!r)
		return rc;
	*v = PQntuples(r) == 1 ? get_int(r, 0, 0) : 0;
	PQclear(r);
	return 0;
}

static int check_version(struct store *st, int64_t v, bool init)
{
	if (!v && !init) {
		snprintf(st->err, sizeof(st->err),
			 "no cpns schema in this database");
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

static int pg_open(struct store *st, const char *target, bool init)
{
	/* Ours first: the URI's own settings (dbname expanded) override them. */
	static const char *const keys[] = {
		"connect_timeout", "application_name", "options", "dbname", NULL
	};
	const char *vals[] = {
		"10", "cpnsctl", "-c statement_timeout=" PG_STATEMENT_TIMEOUT_MS,
		target, NULL
	};
	int64_t v = 0;
	int rc;

	rc = check_conninfo(st, target);
	if (rc)
		return rc;
	st->db = PQconnectdbParams(keys, vals, 1);
	if (!st->db)
		return -ENOMEM;
	if (PQstatus(conn(st)) != CONNECTION_OK) {
		pg_err(st, NULL);
		return -ECONNREFUSED;
	}
	rc = pg_schema_version(st, &v);
	if (!rc)
		rc = check_version(st, v, init);
	return rc;
}

static void pg_close(struct store *st)
{
	pg_rollback(st);
	PQfinish(conn(st));
	st->db = NULL;
}

/*
 * Between requests the server sends nothing unasked but its reason for
 * ending the connection (a restart: FATAL, then the close): anything to
 * read counts as an end.
 */
static bool pg_alive(struct store *st)
{
	struct pollfd pfd = { .fd = PQsocket(conn(st)), .events = POLLIN };

	return PQstatus(conn(st)) == CONNECTION_OK && pfd.fd >= 0 &&
	       poll(&pfd, 1, 0) == 0;
}

static int pg_init(struct store *st, int64_t *from)
{
	int64_t v = 0;
	int rc;

	rc = pg_begin(st);
	if (rc)
		return rc;
	/* Two inits at once: one creates, the other then finds it made. */
	rc = run_script(st, "SELECT pg_advisory_xact_lock(" PG_INIT_LOCK ")");
	if (!rc)
		rc = pg_schema_version(st, &v);
	*from = v;
	if (!rc)
		rc = check_version(st, v, true);
	if (!rc && v < 2)
		rc = run_script(st, schema_pg_v2);
	if (!rc && v < 3)
		rc = run_script(st, migrate_pg_v3);
	return store_tx_end(st, true, rc);
}

/* Rows ----------------------------------------------------------------------- */

static int pg_get_setting(struct store *st, const char *name, int64_t *value)
{
	struct pgp p = { 0 };
	PGresult *r;
	int rc;

	p_text(&p, name);
	r = run(st, "SELECT value FROM settings WHERE name = $1", &p, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) == 1)
		*value = get_int(r, 0, 0);
	else
		rc = -ENOENT;
	PQclear(r);
	return rc;
}

static int pg_set_setting(struct store *st, const char *name, int64_t value)
{
	struct pgp p = { 0 };

	p_text(&p, name);
	p_int(&p, value);
	return run_done(st, "INSERT INTO settings VALUES ($1, $2) ON CONFLICT (name) "
			"DO UPDATE SET value = EXCLUDED.value", &p);
}

static int pg_add_gw(struct store *st, const char *gw_id, int64_t now)
{
	struct pgp p = { 0 };

	p_text(&p, gw_id);
	p_int(&p, now);
	return run_done(st, "INSERT INTO gws VALUES ($1, $2)", &p);
}

static int pg_has_gw(struct store *st, const char *gw_id)
{
	struct pgp p = { 0 };
	PGresult *r;
	int rc;

	p_text(&p, gw_id);
	r = run(st, "SELECT 1 FROM gws WHERE gw_id = $1", &p, &rc);
	if (!r)
		return rc;
	rc = PQntuples(r) > 0;
	PQclear(r);
	return rc;
}

static int pg_put_user(struct store *st, const char *user_id,
		       const uint8_t *rec, size_t len, bool replace,
		       int64_t now)
{
	struct pgp p = { 0 };

	p_text(&p, user_id);
	p_blob(&p, rec, len);
	p_int(&p, now);
	return run_done(st, replace ?
			"INSERT INTO users VALUES ($1, $2, $3) ON CONFLICT (user_id) "
			"DO UPDATE SET record = EXCLUDED.record, updated = EXCLUDED.updated" :
			"INSERT INTO users VALUES ($1, $2, $3)", &p);
}

static int pg_get_user(struct store *st, const char *user_id, uint8_t *rec,
		       size_t *len)
{
	struct pgp p = { 0 };
	PGresult *r;
	int rc;

	p_text(&p, user_id);
	r = run(st, "SELECT record FROM users WHERE user_id = $1", &p, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) == 1)
		rc = copy_col(r, 0, 0, rec, *len, len);
	else
		rc = -ENOENT;
	PQclear(r);
	return rc;
}

#define ENTITY_COLS "entity_id, record, owner, epoch, chain_record, chain_id, n, updated"

static int row_entity(const PGresult *r, int row, struct store_entity *e)
{
	int rc;

	memset(e, 0, sizeof(*e));
	copy_text(r, row, 0, e->entity_id, sizeof(e->entity_id));
	rc = copy_col(r, row, 1, e->record, sizeof(e->record), &e->record_len);
	if (rc)
		return rc;
	copy_text(r, row, 2, e->owner, sizeof(e->owner));
	e->epoch = (uint32_t)get_int(r, row, 3);
	rc = copy_col(r, row, 4, e->chain_record, sizeof(e->chain_record),
		      &e->chain_record_len);
	if (rc)
		return rc;
	if (!PQgetisnull(r, row, 5) &&
	    PQgetlength(r, row, 5) == CPNS_CHAIN_ID_LEN) {
		memcpy(e->chain_id, PQgetvalue(r, row, 5), CPNS_CHAIN_ID_LEN);
		e->has_chain = true;
	}
	e->n = (uint16_t)get_int(r, row, 6);
	e->updated = get_int(r, row, 7);
	return 0;
}

static int pg_get_entity(struct store *st, const char *entity_id,
			 struct store_entity *e, bool lock)
{
	struct pgp p = { 0 };
	PGresult *r;
	int rc;

	p_text(&p, entity_id);
	r = run(st, lock ?
		"SELECT " ENTITY_COLS " FROM entities WHERE entity_id = $1 FOR UPDATE" :
		"SELECT " ENTITY_COLS " FROM entities WHERE entity_id = $1",
		&p, &rc);
	if (!r)
		return rc;
	rc = PQntuples(r) == 1 ? row_entity(r, 0, e) : -ENOENT;
	PQclear(r);
	return rc;
}

static int pg_commit_chain(struct store *st, const struct store_entity *old,
			   const struct store_chain *ch, int64_t now)
{
	struct pgp p = { 0 };
	PGresult *r;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	p_blob(&p, ch->entity_record, ch->entity_record_len);
	p_int(&p, ch->epoch);
	p_text(&p, ch->owner);
	p_blob(&p, ch->chain_record, ch->chain_record_len);
	p_blob(&p, ch->chain_id, CPNS_CHAIN_ID_LEN);
	p_int(&p, ch->n);
	p_int(&p, now);
	p_text(&p, old->entity_id);
	p_int(&p, old->epoch);
	p_blob(&p, old->record, old->record_len);
	r = run(st, "UPDATE entities SET record = $1, epoch = $2, owner = $3, "
		"chain_record = $4, chain_id = $5, n = $6, updated = $7 "
		"WHERE entity_id = $8 AND epoch = $9 AND record = $10", &p, &rc);
	if (r) {
		if (strcmp(PQcmdTuples(r), "1"))
			rc = -ESTALE;
		PQclear(r);
	}
	return store_tx_end(st, own, rc);
}

static int pg_import(struct store *st, const struct store_import_entry *ents,
		     size_t count, int64_t now, size_t *bad)
{
	size_t i;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	for (i = 0; !rc && i < count; i++) {
		struct pgp p = { 0 };

		if (!ents[i].record_len ||
		    ents[i].record_len > STORE_RECORD_MAX) {
			rc = -EINVAL;
			break;
		}
		p_text(&p, ents[i].entity_id);
		p_blob(&p, ents[i].record, ents[i].record_len);
		p_int(&p, now);
		rc = run_done(st, "INSERT INTO entities (entity_id, record, epoch, updated) "
			      "VALUES ($1, $2, 0, $3)", &p);
		if (rc)
			break;
	}
	if (rc && bad)
		*bad = i;
	return store_tx_end(st, own, rc);
}

static int pg_list_entities(struct store *st, store_entity_fn fn, void *arg)
{
	struct store_entity *e;
	PGresult *r;
	int i, rc;

	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	r = run(st, "SELECT " ENTITY_COLS " FROM entities ORDER BY entity_id",
		NULL, &rc);
	for (i = 0; r && i < PQntuples(r); i++) {
		rc = row_entity(r, i, e);
		if (rc || fn(e, arg))
			break;
	}
	PQclear(r);
	free(e);
	return rc;
}

static int pg_replay_check_insert(struct store *st, const char *gw_id,
				  const uint8_t rand[CPNS_RAND_LEN],
				  uint64_t t, int64_t now)
{
	struct pgp p = { 0 };
	PGresult *r;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	/*
	 * Only entries that check 1 already refuses as STALE may go; rows
	 * another instance is deleting are left to it (no waiting, no
	 * deadlock between two prunings).
	 */
	p_int(&p, now);
	p_int(&p, CPNS_TIME_WINDOW);
	rc = run_done(st, "DELETE FROM replay WHERE ctid IN (SELECT ctid FROM replay "
		      "WHERE t < $1::bigint - $2::bigint FOR UPDATE SKIP LOCKED)", &p);
	if (!rc) {
		memset(&p, 0, sizeof(p));
		p_text(&p, gw_id);
		p_blob(&p, rand, CPNS_RAND_LEN);
		p_int(&p, (int64_t)t);
		/* Of two at once, the second waits for the first's commit. */
		r = run(st, "INSERT INTO replay VALUES ($1, $2, $3) "
			"ON CONFLICT (gw_id, rand) DO NOTHING", &p, &rc);
		if (r) {
			rc = strcmp(PQcmdTuples(r), "1") ? 1 : 0;
			PQclear(r);
		}
	}
	if (rc == 1) {
		/* A replay changes nothing but the pruning, kept. */
		rc = store_tx_end(st, own, 0);
		return rc ? rc : 1;
	}
	return store_tx_end(st, own, rc);
}

/* Serialize the failure windows of @user_id, then of @gw_id (store.h). */
static int lock_windows(struct store *st, const char *user_id,
			const char *gw_id)
{
	struct pgp p = { 0 };
	int rc;

	p_text(&p, user_id);
	rc = run_done(st, "SELECT pg_advisory_xact_lock(1, hashtext($1))", &p);
	if (rc)
		return rc;
	memset(&p, 0, sizeof(p));
	p_text(&p, gw_id);
	return run_done(st, "SELECT pg_advisory_xact_lock(2, hashtext($1))", &p);
}

static int pg_count_failures(struct store *st, const char *user_id,
			     const char *gw_id, int64_t now, int64_t window,
			     int64_t *user_count, int64_t *gw_count)
{
	struct pgp p = { 0 };
	PGresult *r;
	int rc;

	if (pg_in_tx(st)) {
		rc = lock_windows(st, user_id, gw_id);
		if (rc)
			return rc;
	}
	p_text(&p, user_id);
	p_text(&p, gw_id);
	p_int(&p, now - window);
	r = run(st, "SELECT (SELECT count(*) FROM failures WHERE user_id = $1 AND time > $3),"
		" (SELECT count(*) FROM failures WHERE gw_id = $2 AND time > $3)",
		&p, &rc);
	if (!r)
		return rc;
	*user_count = get_int(r, 0, 0);
	*gw_count = get_int(r, 0, 1);
	PQclear(r);
	return 0;
}

static int pg_add_failure(struct store *st, const char *user_id,
			  const char *gw_id, int64_t now, int64_t window)
{
	struct pgp p = { 0 };
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	p_int(&p, now - window);
	rc = run_done(st, "DELETE FROM failures WHERE id IN (SELECT id FROM failures "
		      "WHERE time <= $1 FOR UPDATE SKIP LOCKED)", &p);
	if (!rc) {
		memset(&p, 0, sizeof(p));
		p_text(&p, user_id);
		p_text(&p, gw_id);
		p_int(&p, now);
		rc = run_done(st, "INSERT INTO failures (user_id, gw_id, time) "
			      "VALUES ($1, $2, $3)", &p);
	}
	return store_tx_end(st, own, rc);
}

static int pg_count(struct store *st, const char *table, int64_t *count)
{
	char sql[64];
	PGresult *r;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	r = run(st, sql, NULL, &rc);
	if (!r)
		return rc;
	*count = get_int(r, 0, 0);
	PQclear(r);
	return 0;
}

static int pg_add_stat(struct store *st, uint8_t status, int64_t now)
{
	struct pgp p = { 0 };

	p_int(&p, status);
	p_int(&p, now);
	return run_done(st, "INSERT INTO stats VALUES ($1, 1, $2) ON CONFLICT (status) "
			"DO UPDATE SET count = stats.count + 1, updated = EXCLUDED.updated",
			&p);
}

static int pg_rows(struct store *st, const struct store_table *t,
		   store_row_fn fn, void *arg)
{
	struct store_val v[STORE_TABLE_COLS_MAX];
	char sql[512];
	size_t off;
	unsigned int i;
	PGresult *r;
	int row, rc;

	off = snprintf(sql, sizeof(sql), "SELECT ");
	for (i = 0; i < t->ncols; i++)
		off += snprintf(sql + off, sizeof(sql) - off, "%s%s",
				i ? ", " : "", t->cols[i].name);
	snprintf(sql + off, sizeof(sql) - off, " FROM %s ORDER BY %s",
		 t->name, t->order);
	r = run(st, sql, NULL, &rc);
	for (row = 0; r && !rc && row < PQntuples(r); row++) {
		for (i = 0; i < t->ncols; i++) {
			memset(&v[i], 0, sizeof(v[i]));
			v[i].null = PQgetisnull(r, row, i);
			if (v[i].null)
				continue;
			if (t->cols[i].type == STORE_COL_INT) {
				v[i].i = get_int(r, row, i);
			} else {
				/* libpq ends every value with a NUL byte */
				v[i].p = PQgetvalue(r, row, i);
				v[i].len = PQgetlength(r, row, i);
			}
		}
		rc = fn(v, arg);
	}
	PQclear(r);
	return rc;
}

static int pg_insert_row(struct store *st, const struct store_table *t,
			 const struct store_val *v)
{
	struct pgp p = { 0 };
	char sql[512], txt[STORE_TABLE_COLS_MAX][CPNS_ID_MAX_LEN + 1];
	size_t off;
	unsigned int i;

	off = snprintf(sql, sizeof(sql), "INSERT INTO %s (", t->name);
	for (i = 0; i < t->ncols; i++)
		off += snprintf(sql + off, sizeof(sql) - off, "%s%s",
				i ? ", " : "", t->cols[i].name);
	off += snprintf(sql + off, sizeof(sql) - off, ") VALUES (");
	for (i = 0; i < t->ncols; i++)
		off += snprintf(sql + off, sizeof(sql) - off, "%s$%u",
				i ? ", " : "", i + 1);
	snprintf(sql + off, sizeof(sql) - off, ")");
	for (i = 0; i < t->ncols; i++) {
		if (v[i].null) {
			p_null(&p);
		} else if (t->cols[i].type == STORE_COL_INT) {
			p_int(&p, v[i].i);
		} else if (t->cols[i].type == STORE_COL_TEXT) {
			/* ids only: longer text is not a row of this schema */
			if (v[i].len > CPNS_ID_MAX_LEN)
				return -EINVAL;
			memcpy(txt[i], v[i].p, v[i].len);
			txt[i][v[i].len] = '\0';
			p_text(&p, txt[i]);
		} else {
			p_blob(&p, v[i].p, v[i].len);
		}
	}
	return run_done(st, sql, &p);
}

static int pg_update_entity(struct store *st, const struct store_entity *old,
			    const uint8_t *record, size_t len,
			    const char *owner, int64_t now)
{
	struct pgp p = { 0 };
	PGresult *r;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	p_blob(&p, record, len);
	p_text(&p, owner && *owner ? owner : NULL);
	p_int(&p, now);
	p_text(&p, old->entity_id);
	p_int(&p, old->epoch);
	p_blob(&p, old->record, old->record_len);
	r = run(st, "UPDATE entities SET record = $1, owner = $2, updated = $3 "
		"WHERE entity_id = $4 AND epoch = $5 AND record = $6", &p, &rc);
	if (r) {
		if (strcmp(PQcmdTuples(r), "1"))
			rc = -ESTALE;
		PQclear(r);
	}
	return store_tx_end(st, own, rc);
}

/* The one row of "users" (by user_id) or "gws" (by gw_id); -ENOENT if none. */
static int pg_delete_row(struct store *st, const char *table, const char *id)
{
	const char *sql = !strcmp(table, "users") ?
		"DELETE FROM users WHERE user_id = $1" :
		"DELETE FROM gws WHERE gw_id = $1";
	struct pgp p = { 0 };
	PGresult *r;
	bool own;
	int rc;

	rc = store_tx_begin(st, &own);
	if (rc)
		return rc;
	p_text(&p, id);
	r = run(st, sql, &p, &rc);
	if (r) {
		if (strcmp(PQcmdTuples(r), "1"))
			rc = -ENOENT;
		PQclear(r);
	}
	return store_tx_end(st, own, rc);
}

const struct store_ops store_pg_ops = {
	.update_entity = pg_update_entity,
	.delete_row = pg_delete_row,
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.alive = pg_alive,
	.schema_version = pg_schema_version,
	.init = pg_init,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_tx = pg_in_tx,
	.get_setting = pg_get_setting,
	.set_setting = pg_set_setting,
	.add_gw = pg_add_gw,
	.has_gw = pg_has_gw,
	.put_user = pg_put_user,
	.get_user = pg_get_user,
	.get_entity = pg_get_entity,
	.commit_chain = pg_commit_chain,
	.import = pg_import,
	.list_entities = pg_list_entities,
	.replay_check_insert = pg_replay_check_insert,
	.count_failures = pg_count_failures,
	.add_failure = pg_add_failure,
	.count = pg_count,
	.add_stat = pg_add_stat,
	.rows = pg_rows,
	.insert_row = pg_insert_row,
};
