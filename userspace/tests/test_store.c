// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the CPNS Server's store (userspace/store.c) on a
 * temporary database, KTAP output.  Records are opaque bytes here: the
 * store never opens them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>

#include "store.h"
#include "ktap.h"

static char dir[] = "/tmp/cpns-test-store.XXXXXX";
static char path[256];

static struct store *reopen(struct store *st)
{
	int rc;

	store_close(st);
	rc = store_open(path, &st);
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
			if (store_open(path, &st))
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

static void test_schema_version(struct store **stp)
{
	struct store *st = NULL;
	sqlite3 *db;
	char junk[256];
	FILE *f;
	bool ok = true;

	store_close(*stp);
	*stp = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "PRAGMA user_version = 3", NULL, NULL, NULL) ==
	      SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_open(path, &st) == -EPROTONOSUPPORT);
	if (st)
		printf("# refused: %s\n", store_errmsg(st));
	store_close(st);
	st = NULL;
	/* Version 1 kept owners and epochs unsealed: refused, not migrated. */
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL) ==
	      SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_open(path, &st) == -EPROTONOSUPPORT);
	CHECK(st && strstr(store_errmsg(st), "unsealed"));
	if (st)
		printf("# refused: %s\n", store_errmsg(st));
	store_close(st);
	st = NULL;
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
	ktap_result(ok, "schema_version_and_garbage_refused");
}

int main(void)
{
	struct store *st = NULL;
	char cmd[300];
	int rc;

	ktap_plan(10, "store: the CPNS Server's SQLite store");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/server.db", dir);
	rc = store_open(path, &st);
	if (rc) {
		printf("Bail out! store_open: %s\n", strerror(-rc));
		return 1;
	}
	test_schema(st);
	test_users_gws(st);
	test_replay(st);
	test_replay_race();
	test_failures(st);
	test_import(st);
	test_chain(st);
	test_restart(&st);
	test_schema_version(&st);
	/* The last test counts the ones that ran. */
	ktap_result(ktap_ran() == 9, "all_ran");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return ktap_finish();
}
