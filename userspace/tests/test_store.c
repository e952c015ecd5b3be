// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the CPNS Server's store (userspace/store*.c) on a
 * temporary database, KTAP output.  Records are opaque bytes here: the
 * store never opens them.
 *
 * By default on a temporary SQLite file.  With CPNS_TEST_STORE set to the
 * URI of an empty PostgreSQL database (tests/pg_run.sh makes one), the
 * same tests run against it; the few that look at the SQLite file itself
 * are SQLite's only and say SKIP there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>
#include <libpq-fe.h>

#include "store.h"
#include "store_impl.h"
#include "ktap.h"

static char dir[] = "/tmp/cpns-test-store.XXXXXX";
static char path[256];
static const char *uri;		/* what store_open() gets: path, or a URI */
static bool pg;

static struct store *reopen(struct store *st)
{
	int rc;

	store_close(st);
	rc = store_open(uri, &st);
	if (rc) {
		printf("# store_open: %s (%s)\n", strerror(-rc),
		       store_errmsg(st));
		exit(1);
	}
	return st;
}

static const uint8_t T_RAND[CPNS_RAND_LEN] = { 0x90, 0x2c, 0x28, 0x0e };
static const uint8_t T_CHAIN_ID[CPNS_CHAIN_ID_LEN] = { 0x8d, 0x02, 0x74 };
#define NOW 1798761606LL

static void test_schema(struct store *st)
{
	struct stat sb;
	int64_t v;
	bool ok = true;

	CHECK(store_get_setting(st, "user_limit", &v) == 0 && v == 5);
	CHECK(store_get_setting(st, "gw_limit", &v) == 0 && v == 20);
	CHECK(store_get_setting(st, "window", &v) == 0 && v == 900);
	CHECK(store_get_setting(st, "chain_length", &v) == 0 && v == 64);
	CHECK(store_get_setting(st, "nope", &v) == -ENOENT);
	CHECK(store_set_setting(st, "nope", 1) == -EINVAL);
	CHECK(store_set_setting(st, "chain_length", 8) == 0);
	CHECK(store_get_setting(st, "chain_length", &v) == 0 && v == 8);
	if (!pg)
		CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	ktap_result(ok, "schema_and_settings");
}

static void test_users_gws(struct store *st)
{
	uint8_t rec[STORE_RECORD_MAX];
	size_t len;
	bool ok = true;

	CHECK(store_put_user(st, "alice@public", (const uint8_t *)"REC-A", 5,
			     false, NOW) == 0);
	CHECK(store_put_user(st, "alice@public", (const uint8_t *)"REC-B", 5,
			     false, NOW) == -EEXIST);
	len = sizeof(rec);
	CHECK(store_get_user(st, "alice@public", rec, &len) == 0 && len == 5 &&
	      !memcmp(rec, "REC-A", 5));
	CHECK(store_put_user(st, "bob", (const uint8_t *)"REC-B0", 6, false,
			     NOW) == 0);
	CHECK(store_put_user(st, "bob", (const uint8_t *)"REC-B1", 6, true,
			     NOW) == 0);
	len = sizeof(rec);
	CHECK(store_get_user(st, "bob", rec, &len) == 0 &&
	      !memcmp(rec, "REC-B1", 6));
	len = 3;
	CHECK(store_get_user(st, "bob", rec, &len) == -EOVERFLOW);
	len = sizeof(rec);
	CHECK(store_get_user(st, "carol", rec, &len) == -ENOENT);
	CHECK(store_put_user(st, "dave", rec, 0, false, NOW) == -EINVAL);
	CHECK(store_add_gw(st, "gw-public", NOW) == 0);
	CHECK(store_add_gw(st, "gw-public", NOW) == -EEXIST);
	CHECK(store_has_gw(st, "gw-public") == 1);
	CHECK(store_has_gw(st, "gw-other") == 0);
	ktap_result(ok, "users_and_gws");
}

static void test_replay(struct store *st)
{
	uint8_t r2[CPNS_RAND_LEN] = { 1 };
	int64_t n;
	bool ok = true;

	CHECK(store_replay_check_insert(st, "gw-public", T_RAND, NOW, NOW) == 0);
	CHECK(store_replay_check_insert(st, "gw-public", T_RAND, NOW, NOW) == 1);
	CHECK(store_replay_check_insert(st, "gw-public", T_RAND, NOW,
					NOW + 100) == 1);
	/* Another GW's same RAND is its own entry. */
	CHECK(store_replay_check_insert(st, "gw-other", T_RAND, NOW, NOW) == 0);
	/* Kept while now <= T + 300 ... */
	CHECK(store_replay_check_insert(st, "gw-public", r2, NOW + 300,
					NOW) == 0);
	CHECK(store_replay_check_insert(st, "gw-public", T_RAND, NOW,
					NOW + 300) == 1);
	/* ... dropped only once now > T + 300, when check 1 says STALE. */
	CHECK(store_count(st, "replay", &n) == 0 && n == 3);
	CHECK(store_replay_check_insert(st, "gw-public", T_RAND, NOW,
					NOW + 301) == 0);
	CHECK(store_count(st, "replay", &n) == 0 && n == 2);
	CHECK(store_replay_check_insert(st, "gw-public", r2, NOW + 300,
					NOW + 301) == 1);
	CHECK(store_count(st, "replay", &n) == 0 && n == 1);
	ktap_result(ok, "replay_check_and_insert");
}

/* Many processes race on the same (GwID, RAND): exactly one wins. */
static void test_replay_race(void)
{
	enum { N = 12 };
	uint8_t r[CPNS_RAND_LEN] = { 0x42, 0x42 };
	int fds[2], wins = 0, errors = 0, i, status;
	bool ok = true;
	pid_t pids[N];

	if (pipe(fds)) {
		ktap_result(false, "replay_atomic_across_processes");
		return;
	}
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct store *st;
			char c;
			int rc;

			close(fds[1]);
			if (store_open(uri, &st))
				_exit(3);
			/* Start together: wait for the pipe to close. */
			if (read(fds[0], &c, 1) < 0)
				_exit(3);
			rc = store_replay_check_insert(st, "gw-race", r, NOW,
						       NOW);
			store_close(st);
			_exit(rc == 0 ? 0 : rc == 1 ? 1 : 2);
		}
	}
	close(fds[0]);
	usleep(200000);
	close(fds[1]);
	for (i = 0; i < N; i++) {
		waitpid(pids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			wins++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
			errors++;
	}
	CHECK(wins == 1);
	CHECK(errors == 0);
	if (wins != 1 || errors)
		printf("# wins %d errors %d\n", wins, errors);
	ktap_result(ok, "replay_atomic_across_processes");
}

static void test_failures(struct store *st)
{
	int64_t u, g;
	bool ok = true;
	int i;

	for (i = 0; i < 5; i++)
		CHECK(store_add_failure(st, "alice@public", "gw-public",
					NOW - 800 + i * 100, 900) == 0);
	CHECK(store_add_failure(st, "bob", "gw-public", NOW, 900) == 0);
	CHECK(store_add_failure(st, "bob", "gw-other", NOW, 900) == 0);
	CHECK(store_count_failures(st, "alice@public", "gw-public", NOW, 900,
				   &u, &g) == 0 && u == 5 && g == 6);
	/* The window slides: at NOW + 101 the first (NOW - 800) is out. */
	CHECK(store_count_failures(st, "alice@public", "gw-public", NOW + 101,
				   900, &u, &g) == 0 && u == 4 && g == 5);
	/* Exactly 900 s old is out; 899 s old is in. */
	CHECK(store_count_failures(st, "alice@public", "gw-public", NOW + 100,
				   900, &u, &g) == 0 && u == 4);
	CHECK(store_count_failures(st, "alice@public", "gw-public", NOW + 99,
				   900, &u, &g) == 0 && u == 5);
	CHECK(store_count_failures(st, "nobody", "gw-none", NOW, 900, &u,
				   &g) == 0 && u == 0 && g == 0);
	/* A rolled-back transaction leaves no failure behind. */
	CHECK(store_begin(st) == 0);
	CHECK(store_add_failure(st, "carol", "gw-public", NOW, 900) == 0);
	store_rollback(st);
	CHECK(store_count_failures(st, "carol", "gw-public", NOW, 900, &u,
				   &g) == 0 && u == 0 && g == 6);
	/* Adding prunes what is out of the window. */
	CHECK(store_add_failure(st, "bob", "gw-public", NOW + 2000, 900) == 0);
	CHECK(store_count(st, "failures", &u) == 0 && u == 1);
	ktap_result(ok, "failure_windows");
}

static void test_import(struct store *st)
{
	const struct store_import_entry good[] = {
		{ "pne:public-0001", (const uint8_t *)"ER1", 3 },
		{ "pne:public-0002", (const uint8_t *)"ER2", 3 },
		{ "pne:public-0003", (const uint8_t *)"ER3", 3 },
	};
	const struct store_import_entry clash[] = {
		{ "pne:public-0004", (const uint8_t *)"ER4", 3 },
		{ "pne:public-0002", (const uint8_t *)"ERX", 3 },
	};
	const struct store_import_entry dup[] = {
		{ "pne:public-0005", (const uint8_t *)"ER5", 3 },
		{ "pne:public-0005", (const uint8_t *)"ER5", 3 },
	};
	struct store_entity e;
	size_t bad = 99;
	int64_t n;
	bool ok = true;

	CHECK(store_import(st, good, 3, NOW, &bad) == 0);
	CHECK(store_count(st, "entities", &n) == 0 && n == 3);
	CHECK(store_import(st, clash, 2, NOW, &bad) == -EEXIST && bad == 1);
	CHECK(store_get_entity(st, "pne:public-0004", &e) == -ENOENT);
	CHECK(store_import(st, dup, 2, NOW, &bad) == -EEXIST && bad == 1);
	CHECK(store_get_entity(st, "pne:public-0005", &e) == -ENOENT);
	CHECK(store_count(st, "entities", &n) == 0 && n == 3);
	CHECK(store_get_entity(st, "pne:public-0002", &e) == 0 &&
	      e.record_len == 3 && !memcmp(e.record, "ER2", 3) &&
	      e.epoch == 0 && !e.owner[0] && !e.has_chain &&
	      e.chain_record_len == 0 && e.n == 0);
	ktap_result(ok, "import_all_or_nothing");
}

static void test_chain(struct store *st)
{
	struct store_entity e;
	bool ok = true;

	struct store_chain ch = {
		.epoch = 1, .owner = "alice@public",
		.entity_record = (const uint8_t *)"ER1-NEXT", .entity_record_len = 8,
		.chain_record = (const uint8_t *)"CHAIN1", .chain_record_len = 6,
		.chain_id = T_CHAIN_ID, .n = 8,
	};
	struct store_entity old, other;

	CHECK(store_get_entity(st, "pne:public-0001", &old) == 0 &&
	      old.epoch == 0 && !old.owner[0]);
	CHECK(store_commit_chain(st, &old, &ch, NOW) == 0);
	/* A second request that read the same row (epoch 0, ER1) loses. */
	ch.owner = "bob";
	ch.chain_record = (const uint8_t *)"CHAINX";
	CHECK(store_commit_chain(st, &old, &ch, NOW) == -ESTALE);
	/* So does one whose row's epoch copy matches but not its record. */
	other = old;
	other.epoch = 1;
	ch.epoch = 2;
	CHECK(store_commit_chain(st, &other, &ch, NOW) == -ESTALE);
	other = old;
	snprintf(other.entity_id, sizeof(other.entity_id), "pne:unknown");
	ch.epoch = 1;
	CHECK(store_commit_chain(st, &other, &ch, NOW) == -ESTALE);
	ch.epoch = 0;
	CHECK(store_commit_chain(st, &old, &ch, NOW) == -EINVAL);
	ch.epoch = 1;
	ch.entity_record_len = 0;
	CHECK(store_commit_chain(st, &old, &ch, NOW) == -EINVAL);
	CHECK(store_get_entity(st, "pne:public-0001", &e) == 0 &&
	      e.epoch == 1 && !strcmp(e.owner, "alice@public") &&
	      e.chain_record_len == 6 && !memcmp(e.chain_record, "CHAIN1", 6) &&
	      e.has_chain && !memcmp(e.chain_id, T_CHAIN_ID, 16) && e.n == 8 &&
	      e.record_len == 8 && !memcmp(e.record, "ER1-NEXT", 8));
	ktap_result(ok, "commit_chain");
}

/* The lifecycle commands' changes: a new sealed record and owner, E kept;
 * a user's or a GW's row removed. */
static void test_update_delete(struct store *st)
{
	struct store_entity old, e;
	bool ok = true;

	CHECK(store_get_entity(st, "pne:public-0002", &old) == 0 &&
	      !old.owner[0]);
	CHECK(store_update_entity(st, &old, (const uint8_t *)"ER2-OWNED", 9,
				  "bob", NOW) == 0);
	/* The row changed under the old copy: compare-and-swap fails. */
	CHECK(store_update_entity(st, &old, (const uint8_t *)"ER2-X", 5,
				  NULL, NOW) == -ESTALE);
	CHECK(store_update_entity(st, &old, (const uint8_t *)"ER2-X", 0,
				  NULL, NOW) == -EINVAL);
	CHECK(store_get_entity(st, "pne:public-0002", &e) == 0 &&
	      e.epoch == 0 && !strcmp(e.owner, "bob") && e.record_len == 9 &&
	      !memcmp(e.record, "ER2-OWNED", 9));
	old = e;
	CHECK(store_update_entity(st, &old, (const uint8_t *)"ER2", 3, NULL,
				  NOW) == 0);
	CHECK(store_get_entity(st, "pne:public-0002", &e) == 0 &&
	      !e.owner[0] && e.record_len == 3 && !memcmp(e.record, "ER2", 3));
	CHECK(store_add_gw(st, "gw-gone", NOW) == 0);
	CHECK(store_delete_gw(st, "gw-gone") == 0);
	CHECK(store_has_gw(st, "gw-gone") == 0);
	CHECK(store_delete_gw(st, "gw-gone") == -ENOENT);
	CHECK(store_put_user(st, "gone", (const uint8_t *)"REC-G", 5, false,
			     NOW) == 0);
	CHECK(store_delete_user(st, "gone") == 0);
	CHECK(store_delete_user(st, "gone") == -ENOENT);
	CHECK(store_has_gw(st, "gw-public") == 1);
	ktap_result(ok, "update_entity_and_delete_rows");
}

static int count_cb(const struct store_entity *e, void *arg)
{
	(void)e;
	++*(int *)arg;
	return 0;
}

static void test_restart(struct store **stp)
{
	const uint8_t r2[CPNS_RAND_LEN] = { 1 };
	uint8_t rec[STORE_RECORD_MAX];
	struct store_entity e;
	size_t len = sizeof(rec);
	int64_t u, g, v;
	int count = 0;
	bool ok = true;

	*stp = reopen(*stp);
	CHECK(store_get_user(*stp, "alice@public", rec, &len) == 0 &&
	      len == 5 && !memcmp(rec, "REC-A", 5));
	CHECK(store_has_gw(*stp, "gw-public") == 1);
	CHECK(store_get_entity(*stp, "pne:public-0001", &e) == 0 &&
	      e.epoch == 1 && !strcmp(e.owner, "alice@public") && e.n == 8);
	CHECK(store_list_entities(*stp, count_cb, &count) == 0 && count == 3);
	CHECK(store_replay_check_insert(*stp, "gw-public", r2, NOW + 300,
					NOW + 301) == 1);
	CHECK(store_count_failures(*stp, "bob", "gw-public", NOW + 2000, 900,
				   &u, &g) == 0 && u == 1);
	CHECK(store_get_setting(*stp, "chain_length", &v) == 0 && v == 8);
	ktap_result(ok, "survives_restart");
}

/* Set the schema version of the store at uri, on either backend. */
static bool set_version(int v)
{
	char sql[700];

	if (!pg) {
		sqlite3 *db;
		bool ok;

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
		ok = sqlite3_open(path, &db) == SQLITE_OK &&
		     sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
		sqlite3_close(db);
		return ok;
	}
	snprintf(sql, sizeof(sql), "psql -X -q '%s' -c 'UPDATE cpns_schema SET version = %d'",
		 uri, v);
	return system(sql) == 0;
}

/*
 * A connection kept open (a server's worker keeps its own): alive, and
 * on PostgreSQL no longer once the server has ended its backend (as a
 * restart does), so that the worker connects again.
 */
static void test_alive(void)
{
	struct store *s2 = NULL;
	char sql[700];
	bool ok = true;

	CHECK(!store_alive(NULL));
	CHECK(store_open(uri, &s2) == 0);
	CHECK(store_alive(s2));
	if (pg && s2) {
		snprintf(sql, sizeof(sql), "psql -X -q '%s' -c 'SELECT pg_terminate_backend(%d)' >/dev/null",
			 uri, PQbackendPID(s2->db));
		CHECK(system(sql) == 0);
		usleep(200000);
		CHECK(!store_alive(s2));
	}
	CHECK(store_alive(s2) == !pg);
	store_close(s2);
	ktap_result(ok, pg ? "alive_until_the_server_ends_the_connection" :
		    "alive_sqlite_always");
}

static void test_schema_version(struct store **stp)
{
	struct store *st = NULL;
	char junk[256];
	int64_t from = -1;
	FILE *f;
	bool ok = true;

	store_close(*stp);
	*stp = NULL;
	/* A version newer than this code knows: refused, by open and init. */
	CHECK(set_version(STORE_SCHEMA_VERSION + 1));
	CHECK(store_open(uri, &st) == -EPROTONOSUPPORT);
	if (st)
		printf("# refused: %s\n", store_errmsg(st));
	store_close(st);
	st = NULL;
	CHECK(store_init(uri, &st, &from) == -EPROTONOSUPPORT);
	store_close(st);
	st = NULL;
	/* Version 1 kept owners and epochs unsealed: refused, not migrated. */
	CHECK(set_version(1));
	CHECK(store_open(uri, &st) == -EPROTONOSUPPORT);
	CHECK(st && strstr(store_errmsg(st), "unsealed"));
	if (st)
		printf("# refused: %s\n", store_errmsg(st));
	store_close(st);
	st = NULL;
	CHECK(store_init(uri, &st, &from) == -EPROTONOSUPPORT);
	store_close(st);
	st = NULL;
	CHECK(set_version(STORE_SCHEMA_VERSION));
	if (!pg) {
		snprintf(junk, sizeof(junk), "%s/junk.db", dir);
		f = fopen(junk, "w");
		if (f) {
			fputs("this is not a database, but it is long enough to look at.\n"
			      "this is not a database, but it is long enough to look at.\n",
			      f);
			fclose(f);
		}
		CHECK(store_open(junk, &st) != 0);
		store_close(st);
		unlink(junk);
	}
	ktap_result(ok, "schema_version_and_garbage_refused");
}

/*
 * Only store_init() creates a store: store_open() of a store that is not
 * there is -ENOENT with the reason, and leaves nothing behind (SQLite: no
 * file made, an empty file not written to; PostgreSQL: no schema made).
 */
static void test_open_creates_nothing(void)
{
	char empty[300];
	struct store *st = NULL;
	struct stat sb;
	int64_t from = -1;
	bool ok = true;
	int fd;

	CHECK(store_open(uri, &st) == -ENOENT);
	CHECK(st && !strcmp(store_errmsg(st), pg ?
			    "no cpns schema in this database" : "no such file"));
	store_close(st);
	st = NULL;
	/* Refused again: the first refusal created nothing. */
	CHECK(store_open(uri, &st) == -ENOENT);
	store_close(st);
	st = NULL;
	if (!pg) {
		CHECK(stat(path, &sb) == -1 && errno == ENOENT);
		snprintf(empty, sizeof(empty), "%s/empty.db", dir);
		fd = open(empty, O_WRONLY | O_CREAT | O_EXCL, 0600);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		CHECK(store_open(empty, &st) == -ENOENT);
		CHECK(st && !strcmp(store_errmsg(st), "no cpns schema in this file"));
		store_close(st);
		st = NULL;
		CHECK(stat(empty, &sb) == 0 && sb.st_size == 0);
		/* server init makes a store of it. */
		CHECK(store_init(empty, &st, &from) == 0 && from == 0);
		store_close(st);
		st = NULL;
		CHECK(store_open(empty, &st) == 0);
		store_close(st);
		unlink(empty);
	}
	ktap_result(ok, "open_refuses_missing_store_and_creates_nothing");
}

/* Version 2 (no counters) migrates to 3, keeping every row. */
static void test_schema_migration(void)
{
	struct store *st = NULL;
	char p2[300], sql[128];
	struct store_entity e;
	int64_t from = -1, v;
	sqlite3 *db;
	bool ok = true;

	if (pg) {
		KTAP_SKIP("schema_2_to_3 (the SQLite steps; PostgreSQL: store_init on an empty database, above)");
		return;
	}
	snprintf(p2, sizeof(p2), "%s/v2.db", dir);
	CHECK(store_init(p2, &st, &from) == 0 && from == 0);
	CHECK(store_import(st, &(struct store_import_entry){
				"pne:v2", (const uint8_t *)"ERV2", 4 }, 1, NOW,
			   NULL) == 0);
	store_close(st);
	st = NULL;
	CHECK(sqlite3_open(p2, &db) == SQLITE_OK);
	snprintf(sql, sizeof(sql), "DROP TABLE stats; PRAGMA user_version = 2");
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_open(p2, &st) == -EPROTONOSUPPORT);
	CHECK(st && strstr(store_errmsg(st), "server init"));
	store_close(st);
	st = NULL;
	CHECK(store_init(p2, &st, &from) == 0 && from == 2);
	CHECK(st && store_add_stat(st, CPNS_OK, NOW) == 0);
	CHECK(st && store_get_entity(st, "pne:v2", &e) == 0 &&
	      e.record_len == 4 && !memcmp(e.record, "ERV2", 4));
	store_close(st);
	st = NULL;
	CHECK(store_init(p2, &st, &from) == 0 && from == 3);
	store_close(st);
	st = NULL;
	CHECK(sqlite3_open(p2, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "SELECT 1", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_open(p2, &st) == 0 && store_count(st, "entities", &v) == 0 &&
	      v == 1);
	store_close(st);
	unlink(p2);
	ktap_result(ok, "schema_2_to_3");
}

static void test_uri(void)
{
	const struct store_ops *ops, *sq, *pgo;
	const char *t;
	struct store *st = NULL;
	bool ok = true;

	CHECK(store_parse_uri("/var/lib/cpns/cpns.db", &sq, &t) == 0 &&
	      !strcmp(t, "/var/lib/cpns/cpns.db"));
	CHECK(store_parse_uri("sqlite:/var/lib/cpns/cpns.db", &ops, &t) == 0 &&
	      ops == sq && !strcmp(t, "/var/lib/cpns/cpns.db"));
	CHECK(store_parse_uri("sqlite:///var/lib/x.db", &ops, &t) == 0 &&
	      ops == sq && !strcmp(t, "/var/lib/x.db"));
	CHECK(store_parse_uri("postgresql://db1,db2/cpns", &pgo, &t) == 0 &&
	      pgo != sq && !strcmp(t, "postgresql://db1,db2/cpns"));
	CHECK(store_parse_uri("postgres://h/cpns", &ops, &t) == 0 && ops == pgo);
	CHECK(store_parse_uri("host=/run/postgresql dbname=cpns", &ops, &t) == 0 &&
	      ops == pgo);
	CHECK(store_parse_uri("dbname = cpns", &ops, &t) == 0 && ops == pgo);
	CHECK(store_parse_uri("mysql://h/cpns", &ops, &t) == -EPROTONOSUPPORT);
	CHECK(store_parse_uri("", &ops, &t) == -EINVAL);
	CHECK(store_parse_uri("sqlite:", &ops, &t) == -EINVAL);
	/* A password on the command line is refused before any connection. */
	CHECK(store_open("postgresql://cpns:secret@127.0.0.1:1/cpns", &st) ==
	      -EINVAL);
	CHECK(st && strstr(store_errmsg(st), "password file") &&
	      !strstr(store_errmsg(st), "secret"));
	store_close(st);
	st = NULL;
	CHECK(store_open("host=/nonexistent dbname=cpns password=secret", &st) ==
	      -EINVAL);
	store_close(st);
	st = NULL;
	/* No server there: refused, said why, nothing else. */
	CHECK(store_open("host=/nonexistent-dir dbname=cpns", &st) ==
	      -ECONNREFUSED);
	CHECK(st && *store_errmsg(st));
	store_close(st);
	ktap_result(ok, "store_uri");
}

static int stat_cb(uint8_t status, int64_t count, int64_t updated, void *arg)
{
	int64_t *c = arg;

	c[status] = count;
	c[256] = updated;
	return 0;
}

static void test_stats(struct store *st)
{
	int64_t c[257] = { 0 };
	bool ok = true;

	CHECK(store_add_stat(st, CPNS_OK, NOW) == 0);
	CHECK(store_add_stat(st, CPNS_OK, NOW + 1) == 0);
	CHECK(store_add_stat(st, CPNS_REPLAY, NOW) == 0);
	CHECK(store_add_stat(st, STORE_STAT_ERROR, NOW) == 0);
	CHECK(store_stats(st, stat_cb, c) == 0);
	CHECK(c[CPNS_OK] == 2 && c[CPNS_REPLAY] == 1 &&
	      c[STORE_STAT_ERROR] == 1 && c[CPNS_AUTH_FAILED] == 0);
	ktap_result(ok, "per_status_counters");
}

struct mig_ctx {
	int tables;
	int64_t rows;
};

static void mig_cb(const char *table, int64_t rows, void *arg)
{
	struct mig_ctx *c = arg;

	(void)table;
	c->tables++;
	c->rows += rows;
}

/* A copy holds the same rows: every sealed record byte for byte. */
static void test_migrate(struct store *st)
{
	const uint8_t r2[CPNS_RAND_LEN] = { 1 };
	struct store *dst = NULL, *again = NULL;
	struct store_entity a, b;
	struct mig_ctx mc = { 0 };
	uint8_t rec[STORE_RECORD_MAX];
	size_t len = sizeof(rec);
	char p2[300];
	int64_t u, g, n1, n2;
	bool ok = true;

	snprintf(p2, sizeof(p2), "sqlite:%s/copy.db", dir);
	CHECK(store_init(p2, &dst, NULL) == 0);
	CHECK(dst && store_migrate(st, dst, mig_cb, &mc) == 0);
	CHECK(mc.tables == 7 && mc.rows > 10);
	CHECK(dst && store_get_entity(st, "pne:public-0001", &a) == 0 &&
	      store_get_entity(dst, "pne:public-0001", &b) == 0 &&
	      a.record_len == b.record_len &&
	      !memcmp(a.record, b.record, a.record_len) &&
	      a.chain_record_len == b.chain_record_len &&
	      !memcmp(a.chain_record, b.chain_record, a.chain_record_len) &&
	      !memcmp(a.chain_id, b.chain_id, CPNS_CHAIN_ID_LEN) &&
	      a.epoch == b.epoch && !strcmp(a.owner, b.owner) && a.n == b.n &&
	      a.updated == b.updated && b.has_chain);
	CHECK(dst && store_get_user(dst, "alice@public", rec, &len) == 0 &&
	      len == 5 && !memcmp(rec, "REC-A", 5));
	CHECK(dst && store_has_gw(dst, "gw-public") == 1);
	CHECK(dst && store_get_setting(dst, "chain_length", &n1) == 0 && n1 == 8);
	CHECK(dst && store_replay_check_insert(dst, "gw-public", r2, NOW + 300,
					       NOW + 301) == 1);
	CHECK(dst && store_count_failures(dst, "bob", "gw-public", NOW + 2000,
					  900, &u, &g) == 0 && u == 1);
	CHECK(dst && store_count(st, "entities", &n1) == 0 &&
	      store_count(dst, "entities", &n2) == 0 && n1 == n2);
	/* Into a store that holds entities already: refused, nothing copied. */
	CHECK(dst && store_migrate(st, dst, NULL, NULL) == -ENOTEMPTY);
	CHECK(dst && store_count(dst, "entities", &n2) == 0 && n1 == n2);
	store_close(dst);
	/* And back the other way round: the copy of the copy is the same. */
	snprintf(p2, sizeof(p2), "%s/copy.db", dir);
	CHECK(store_open(p2, &dst) == 0);
	snprintf(p2, sizeof(p2), "%s/copy2.db", dir);
	CHECK(store_open(p2, &again) == -ENOENT);
	store_close(again);
	CHECK(store_init(p2, &again, NULL) == 0);
	CHECK(dst && again && store_migrate(dst, again, NULL, NULL) == 0);
	CHECK(again && store_get_entity(again, "pne:public-0001", &b) == 0 &&
	      a.record_len == b.record_len &&
	      !memcmp(a.record, b.record, a.record_len) && a.epoch == b.epoch);
	store_close(dst);
	store_close(again);
	ktap_result(ok, "migrate_copies_every_row");
}

/*
 * Checks 8 and 9 across processes, as `server run` does them: K
 * processes, each in one transaction, count failures, read the entity
 * (locked), commit the next epoch.  Every one commits (none finds its row
 * moved: -ESTALE), and E ends at exactly start + K.
 */
static void test_epoch_race(struct store *st)
{
	enum { K = 10 };
	int fds[2], okc = 0, i, status;
	struct store_entity e;
	uint32_t start;
	bool ok = true;
	pid_t pids[K];

	CHECK(store_get_entity(st, "pne:public-0003", &e) == 0);
	start = e.epoch;
	if (pipe(fds)) {
		ktap_result(false, "epoch_exactly_start_plus_k");
		return;
	}
	for (i = 0; i < K; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct store_entity old;
			struct store *s2;
			char c, owner[32], gw[32];
			int64_t u, g;
			int rc;

			close(fds[1]);
			if (store_open(uri, &s2))
				_exit(3);
			if (read(fds[0], &c, 1) < 0)
				_exit(3);
			/* Each its own user and GW: only the row lock orders them. */
			snprintf(owner, sizeof(owner), "user-%d", i);
			snprintf(gw, sizeof(gw), "gw-race-%d", i);
			rc = store_begin(s2);
			if (!rc)
				rc = store_count_failures(s2, owner, gw,
							  NOW, 900, &u, &g);
			if (!rc)
				rc = store_get_entity(s2, "pne:public-0003", &old);
			if (!rc) {
				struct store_chain ch = {
					.epoch = old.epoch + 1, .owner = owner,
					.entity_record = (const uint8_t *)owner,
					.entity_record_len = strlen(owner),
					.chain_record = (const uint8_t *)"C", .chain_record_len = 1,
					.chain_id = T_CHAIN_ID, .n = 4,
				};

				usleep(20000);	/* the others wait on the lock */
				rc = store_commit_chain(s2, &old, &ch, NOW);
			}
			if (!rc)
				rc = store_commit(s2);
			else
				store_rollback(s2);
			if (rc)
				printf("# process %d: %s (%s)\n", i, strerror(-rc),
				       store_errmsg(s2));
			store_close(s2);
			_exit(rc ? 1 : 0);
		}
	}
	close(fds[0]);
	usleep(300000);
	close(fds[1]);
	for (i = 0; i < K; i++) {
		waitpid(pids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			okc++;
	}
	CHECK(okc == K);
	CHECK(store_get_entity(st, "pne:public-0003", &e) == 0 &&
	      e.epoch == start + K);
	if (e.epoch != start + K)
		printf("# E %u, want %u + %d; %d committed\n", e.epoch, start,
		       K, okc);
	ktap_result(ok, "epoch_exactly_start_plus_k");
}

/*
 * Check 5 across processes: K processes for one user, each its own GW,
 * each in one transaction count the user's failures and add one only
 * while fewer than 5: exactly 5 are recorded, never more.
 */
static void test_window_race(void)
{
	enum { K = 10, LIMIT = 5 };
	int fds[2], i, status, added = 0;
	struct store *st;
	int64_t u = -1, g;
	bool ok = true;
	pid_t pids[K];

	if (pipe(fds)) {
		ktap_result(false, "failure_window_across_processes");
		return;
	}
	for (i = 0; i < K; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct store *s2;
			char c, gw[32];
			int rc;

			close(fds[1]);
			if (store_open(uri, &s2))
				_exit(3);
			if (read(fds[0], &c, 1) < 0)
				_exit(3);
			snprintf(gw, sizeof(gw), "gw-window-%d", i);
			rc = store_begin(s2);
			if (!rc)
				rc = store_count_failures(s2, "eve", gw, NOW, 900,
							  &u, &g);
			if (!rc && u < LIMIT) {
				usleep(20000);	/* the password check */
				rc = store_add_failure(s2, "eve", gw, NOW, 900);
				if (!rc)
					rc = store_commit(s2);
				store_close(s2);
				_exit(rc ? 2 : 0);
			}
			store_rollback(s2);
			store_close(s2);
			_exit(rc ? 2 : 1);
		}
	}
	close(fds[0]);
	usleep(300000);
	close(fds[1]);
	for (i = 0; i < K; i++) {
		waitpid(pids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			added++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
			ok = false;
	}
	CHECK(added == LIMIT);
	CHECK(store_open(uri, &st) == 0);
	CHECK(store_count_failures(st, "eve", "gw-none", NOW, 900, &u, &g) == 0 &&
	      u == LIMIT);
	if (u != LIMIT)
		printf("# %lld failures recorded for one user, limit %d\n",
		       (long long)u, LIMIT);
	store_close(st);
	ktap_result(ok, "failure_window_across_processes");
}

int main(void)
{
	struct store *st = NULL;
	const char *env = getenv("CPNS_TEST_STORE");
	char cmd[300];
	int64_t from;
	int rc;

	ktap_plan(20, env ? "store: the CPNS Server's store on PostgreSQL" :
		  "store: the CPNS Server's store on SQLite");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/server.db", dir);
	uri = path;
	if (env && *env) {
		uri = env;
		pg = true;
	}
	test_open_creates_nothing();
	rc = store_init(uri, &st, &from);
	ktap_result(!rc && from == 0, "init_creates");
	store_close(st);
	st = NULL;
	rc = store_open(uri, &st);
	if (rc) {
		printf("Bail out! store_open: %s (%s)\n", strerror(-rc),
		       store_errmsg(st));
		return 1;
	}
	test_schema(st);
	test_users_gws(st);
	test_replay(st);
	test_replay_race();
	test_failures(st);
	test_import(st);
	test_chain(st);
	test_update_delete(st);
	test_restart(&st);
	test_epoch_race(st);
	test_window_race();
	test_stats(st);
	test_migrate(st);
	test_uri();
	test_schema_migration();
	test_schema_version(&st);
	test_alive();
	/* The last test counts the ones that ran. */
	ktap_result(ktap_ran() == 19, "all_ran");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return ktap_finish();
}
