/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPNS Server's store: the users, the manufacturer's entities,
 * owners, epochs and chains, the replay cache, the failure counters
 * behind RATE_LIMITED, the known GWs, the server's settings and its
 * per-status counters.  Two backends hold the same schema with the same
 * meaning, chosen by the store URI (store_parse_uri()):
 *
 *   sqlite:/var/lib/cpns/cpns.db, or a plain path   SQLite (the default)
 *   postgresql://HOST/DB?..., postgres://...,
 *   or a libpq conninfo "host=... dbname=..."      PostgreSQL (libpq)
 *
 * A password in a PostgreSQL URI is refused (-EINVAL): it comes from a
 * password file (~/.pgpass, PGPASSFILE, passfile=) only.
 *
 * Secrets are held only as records sealed by the cpns module under the
 * server's master: key (CPNS_A_USER_RECORD, CPNS_A_ENTITY_RECORD,
 * CPNS_A_CHAIN_RECORD); this file never sees a secret in clear.  PSK1
 * lives in the kernel keyring (psk:<GwID>), never here.
 *
 * An entity's owner and epoch E are decided by the module from its sealed
 * entity record only (the module returns the next one with each chain).
 * The owner and epoch columns are copies for `server list`; the module
 * refuses a request (INTERNAL) when they disagree with the record, so an
 * edited column is noticed, never believed.  Schema version 1 kept them
 * unsealed: such a store is refused (-EPROTONOSUPPORT); re-create it.
 *
 * Every write is one transaction, so that several server processes, on
 * one host (SQLite: WAL, BEGIN IMMEDIATE, a busy timeout) or on many
 * (PostgreSQL), may share one store; the invariants of profile 2 are
 * held by the database (Documentation/design.rst, "A server cluster"):
 *  - check 3: the replay cache is one insert against its primary key;
 *  - checks 5 to 9 run in one transaction opened by store_begin(), in
 *    which store_count_failures() locks the user's and the GW's failure
 *    windows and store_get_entity() locks the entity's row, each until
 *    the end of the transaction (SQLite: the whole database is locked by
 *    BEGIN IMMEDIATE; PostgreSQL: advisory transaction locks on the user
 *    and the GW, SELECT ... FOR UPDATE on the entity), so that concurrent
 *    requests of one user, GW or entity are decided one after the other.
 *
 * The schema is versioned (STORE_SCHEMA_VERSION; SQLite: PRAGMA
 * user_version; PostgreSQL: the table cpns_schema).  store_init() creates
 * it or migrates an older one, and is the only way to create a store:
 * store_open() refuses one that is not there (an SQLite file missing or
 * without the schema, a PostgreSQL database without it) with -ENOENT and
 * creates nothing (`cpnsctl server init`).
 *
 * Functions returning int return 0 or a negative errno unless stated:
 *   -ENOENT   no such row          -EEXIST   the row exists already
 *   -EBUSY    the database stayed locked past the busy timeout, or a
 *             serialization failure or deadlock was detected
 *   -ECONNRESET  the connection to the database server was lost
 *   -EIO      any other database error (store_errmsg() says which)
 */
#ifndef CPNS_STORE_H
#define CPNS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/cpns.h>

#define STORE_SCHEMA_VERSION	3
#define STORE_RECORD_MAX	1024	/* largest sealed record accepted */

/* Settings, with their defaults (profile 2, check 5; profile 3). */
#define STORE_DEF_USER_LIMIT	5
#define STORE_DEF_GW_LIMIT	20
#define STORE_DEF_WINDOW	900	/* seconds: 15 minutes */
#define STORE_DEF_CHAIN_LENGTH	64

struct store;

struct store_ops;

/*
 * The backend and its target (a file name, a conninfo) of @uri.
 * -EINVAL for an empty one, -EPROTONOSUPPORT for an unknown scheme.
 */
int store_parse_uri(const char *uri, const struct store_ops **ops,
		    const char **target);

/*
 * Open the store at @uri, never creating it.  -ENOENT for a store that
 * is not there (store_errmsg(): "no such file", "no cpns schema in this
 * file", "no cpns schema in this database"), -EPROTONOSUPPORT for a
 * schema version other than STORE_SCHEMA_VERSION (an older one:
 * store_init() migrates it).  On an error, *stp may still be set so that
 * store_errmsg() can say why: store_close() it.
 */
int store_open(const char *uri, struct store **stp);
/*
 * Open the store at @uri, creating it (SQLite: the file, mode 0600) and
 * its schema, or migrating it to
 * STORE_SCHEMA_VERSION, in one transaction; *from: the version found (0:
 * none).  Version 1 is refused as by store_open().
 */
int store_init(const char *uri, struct store **stp, int64_t *from);
void store_close(struct store *st);
/*
 * Whether a connection kept open still works, as far as can be told
 * without a round trip (PostgreSQL: the server has not closed it, as it
 * does when it restarts); SQLite: always.
 */
bool store_alive(struct store *st);
/* The last database error message of @st, "" when none. */
const char *store_errmsg(const struct store *st);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *st);

/* Explicit transactions around several calls (SQLite: BEGIN IMMEDIATE). */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Settings: "user_limit", "gw_limit", "window", "chain_length". */
int store_get_setting(struct store *st, const char *name, int64_t *value);
int store_set_setting(struct store *st, const char *name, int64_t value);

/* GWs. */
int store_add_gw(struct store *st, const char *gw_id, int64_t now);
int store_has_gw(struct store *st, const char *gw_id);	/* 1, 0 or -errno */

/* Users: the record of CPNS_CMD_SRV_SEAL_USER. -EEXIST unless @replace. */
int store_put_user(struct store *st, const char *user_id, const uint8_t *rec,
		   size_t len, bool replace, int64_t now);
/* *len in: room in @rec; out: the record's length. */
int store_get_user(struct store *st, const char *user_id, uint8_t *rec,
		   size_t *len);

struct store_entity {
	char entity_id[CPNS_ID_MAX_LEN + 1];
	uint8_t record[STORE_RECORD_MAX];	/* CPNS_A_ENTITY_RECORD: TK, code, E, owner */
	size_t record_len;
	char owner[CPNS_ID_MAX_LEN + 1];	/* "" when unowned (a copy) */
	uint32_t epoch;				/* E, 0 before any chain (a copy) */
	uint8_t chain_record[STORE_RECORD_MAX];	/* CPNS_A_CHAIN_RECORD */
	size_t chain_record_len;		/* 0 before any chain */
	uint8_t chain_id[CPNS_CHAIN_ID_LEN];
	bool has_chain;
	uint16_t n;
	int64_t updated;			/* Unix time of the last change */
};

/* Inside store_begin() ... store_commit(), the row stays locked. */
int store_get_entity(struct store *st, const char *entity_id,
		     struct store_entity *e);

/* A new chain, as CPNS_CMD_SRV_RESPOND returned it. */
struct store_chain {
	uint32_t epoch;				/* the new E */
	const char *owner;			/* the UserID */
	const uint8_t *entity_record;		/* the entity's next record */
	size_t entity_record_len;
	const uint8_t *chain_record;
	size_t chain_record_len;
	const uint8_t *chain_id;		/* CPNS_CHAIN_ID_LEN bytes */
	uint16_t n;
};

/*
 * Commit @ch for the entity @old (as store_get_entity() read it): its
 * entity record, chain record, chain id, n and the owner and epoch
 * copies, in one statement, only if the entity's row still holds @old's
 * record and epoch (else -ESTALE: another request moved it meanwhile).
 */
int store_commit_chain(struct store *st, const struct store_entity *old,
		       const struct store_chain *ch, int64_t now);

/*
 * The entity's next record from an administration command (release,
 * transfer, decommission, reinstate: E unchanged), with the owner copy
 * (NULL or "": none), only if the row still holds @old's record and
 * epoch (else -ESTALE).  The chain columns are kept.
 */
int store_update_entity(struct store *st, const struct store_entity *old,
			const uint8_t *record, size_t len, const char *owner,
			int64_t now);

/* Remove a user's row (its failure rows are kept).  -ENOENT if none. */
int store_delete_user(struct store *st, const char *user_id);
/* Remove a GW's row.  -ENOENT if none. */
int store_delete_gw(struct store *st, const char *gw_id);

/* One sealed line of a manufacturer's list. */
struct store_import_entry {
	const char *entity_id;
	const uint8_t *record;
	size_t record_len;
};

/*
 * Insert all @count entities in one transaction, or none: -EEXIST (and
 * *bad = the index of the first entity already in the store) when any is
 * there already.  @bad may be NULL.
 */
int store_import(struct store *st, const struct store_import_entry *ents,
		 size_t count, int64_t now, size_t *bad);

/* Call @fn for each entity, ordered by id; @fn returning non-zero stops. */
typedef int (*store_entity_fn)(const struct store_entity *e, void *arg);
int store_list_entities(struct store *st, store_entity_fn fn, void *arg);

/*
 * Replay cache (profile 2, check 3), atomic check-and-insert in its own
 * transaction: entries with now > t + CPNS_TIME_WINDOW are dropped
 * first; then returns 1 if (gw_id, rand) is present (REPLAY), or inserts
 * it and returns 0.  Negative errno on failure (nothing inserted).
 */
int store_replay_check_insert(struct store *st, const char *gw_id,
			      const uint8_t rand[CPNS_RAND_LEN], uint64_t t,
			      int64_t now);

/*
 * Failures (AUTH_FAILED, CLAIM_FAILED) within the last @window seconds,
 * for @user_id and for @gw_id, recorded by any server sharing the store.
 * Inside store_begin() ... store_commit(), no other transaction counts
 * or adds failures of this user or this GW until its end.
 */
int store_count_failures(struct store *st, const char *user_id,
			 const char *gw_id, int64_t now, int64_t window,
			 int64_t *user_count, int64_t *gw_count);
/* Record a failure; prunes those older than @window. */
int store_add_failure(struct store *st, const char *user_id, const char *gw_id,
		      int64_t now, int64_t window);

/* Counts for `server list`. */
int store_count(struct store *st, const char *table, int64_t *count);

/*
 * The per-status counters (`server stats`): one more response of
 * @status (enum cpns_status; STORE_STAT_ERROR: an ERROR frame, no
 * response), in its own statement; and each counter to @fn, by status.
 */
#define STORE_STAT_ERROR	255
int store_add_stat(struct store *st, uint8_t status, int64_t now);
typedef int (*store_stat_fn)(uint8_t status, int64_t count, int64_t updated,
			     void *arg);
int store_stats(struct store *st, store_stat_fn fn, void *arg);

/*
 * Copy every row of @src into @dst (store_open()ed, holding no users, GWs
 * or entities, else -ENOTEMPTY): settings, GWs, users, entities with
 * their sealed records byte for byte, the replay cache, the failures and
 * the counters, in one transaction of @dst (all or nothing) read in one
 * transaction of @src.  @report, if set, gets each table's row count.
 */
typedef void (*store_migrate_fn)(const char *table, int64_t rows, void *arg);
int store_migrate(struct store *src, struct store *dst,
		  store_migrate_fn report, void *arg);

#endif /* CPNS_STORE_H */
