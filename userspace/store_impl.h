/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the store (store.h): what a backend implements.  store.c picks
 * the backend from the store URI and calls it through struct store_ops;
 * store_sqlite.c and store_pg.c are the two backends.  Only these three
 * files (and the tests that reach into a backend) include this header.
 */
#ifndef CPNS_STORE_IMPL_H
#define CPNS_STORE_IMPL_H

#include "store.h"

/* One column value of a table row, for store_migrate(). */
enum store_col_type { STORE_COL_INT, STORE_COL_TEXT, STORE_COL_BLOB };

struct store_val {
	bool null;
	int64_t i;		/* STORE_COL_INT */
	const void *p;		/* STORE_COL_TEXT (NUL-terminated), _BLOB */
	size_t len;
};

struct store_col {
	const char *name;
	enum store_col_type type;
};

#define STORE_TABLE_COLS_MAX 8

/* The tables every backend has, with the columns that are copied. */
struct store_table {
	const char *name;
	const char *order;	/* ORDER BY of a copy */
	unsigned int ncols;
	struct store_col cols[STORE_TABLE_COLS_MAX];
};

extern const struct store_table store_tables[];
extern const unsigned int store_ntables;

typedef int (*store_row_fn)(const struct store_val *vals, void *arg);

struct store_ops {
	const char *name;		/* "sqlite", "postgresql" */
	int (*open)(struct store *st, const char *target, bool create);
	void (*close)(struct store *st);
	bool (*alive)(struct store *st);	/* NULL: always */
	int (*schema_version)(struct store *st, int64_t *v);	/* 0: none */
	int (*init)(struct store *st, int64_t *from);
	int (*begin)(struct store *st);
	int (*commit)(struct store *st);
	void (*rollback)(struct store *st);
	bool (*in_tx)(struct store *st);
	int (*get_setting)(struct store *st, const char *name, int64_t *value);
	int (*set_setting)(struct store *st, const char *name, int64_t value);
	int (*add_gw)(struct store *st, const char *gw_id, int64_t now);
	int (*has_gw)(struct store *st, const char *gw_id);
	int (*put_user)(struct store *st, const char *user_id,
			const uint8_t *rec, size_t len, bool replace,
			int64_t now);
	int (*get_user)(struct store *st, const char *user_id, uint8_t *rec,
			size_t *len);
	int (*get_entity)(struct store *st, const char *entity_id,
			  struct store_entity *e, bool lock);
	int (*commit_chain)(struct store *st, const struct store_entity *old,
			    const struct store_chain *ch, int64_t now);
	/* An entity's new sealed record and owner (NULL: none), E unchanged. */
	int (*update_entity)(struct store *st, const struct store_entity *old,
			     const uint8_t *record, size_t len,
			     const char *owner, int64_t now);
	/* The row of "users" or "gws" keyed by @id; -ENOENT if none. */
	int (*delete_row)(struct store *st, const char *table, const char *id);
	int (*import)(struct store *st, const struct store_import_entry *ents,
		      size_t count, int64_t now, size_t *bad);
	int (*list_entities)(struct store *st, store_entity_fn fn, void *arg);
	int (*replay_check_insert)(struct store *st, const char *gw_id,
				   const uint8_t rand[CPNS_RAND_LEN],
				   uint64_t t, int64_t now);
	int (*count_failures)(struct store *st, const char *user_id,
			      const char *gw_id, int64_t now, int64_t window,
			      int64_t *user_count, int64_t *gw_count);
	int (*add_failure)(struct store *st, const char *user_id,
			   const char *gw_id, int64_t now, int64_t window);
	int (*count)(struct store *st, const char *table, int64_t *count);
	int (*add_stat)(struct store *st, uint8_t status, int64_t now);
	/* Every row of @t, in its order, to @fn; and one row into @t. */
	int (*rows)(struct store *st, const struct store_table *t,
		    store_row_fn fn, void *arg);
	int (*insert_row)(struct store *st, const struct store_table *t,
			  const struct store_val *vals);
};

struct store {
	const struct store_ops *ops;
	void *db;		/* sqlite3 * or PGconn * */
	bool tx;		/* an explicit transaction is open */
	char err[256];
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* The settings a store knows, with their defaults, in store.c. */
bool store_setting_known(const char *name);

/*
 * A transaction of the backend's own unless the caller holds one: *@own
 * says which; store_tx_end() commits it (or rolls it back when @rc is an
 * error) only when it is the backend's own, and returns @rc or the
 * commit's error.
 */
int store_tx_begin(struct store *st, bool *own);
int store_tx_end(struct store *st, bool own, int rc);

#endif /* CPNS_STORE_IMPL_H */
