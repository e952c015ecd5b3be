// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the command line (opts.c, and the tables of server,
 * gw and pne): `--opt=VALUE' is `--opt VALUE', options and arguments in
 * any order, and every usage error refused with its message and exit
 * code 2 (cpnsctl.8, EXIT STATUS) before anything is done.  Only the
 * paths that need no module run here: a store that `server init' has not
 * created refused by `server list' and `server run', then `server list'
 * on a fresh store.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cpnsctl.h"
#include "ktap.h"

static char err_text[1024];
static char out_text[1024];	/* its stdout */
static char err_line[1024];	/* the same on one line, for a test's name */

/* Run @main on the NULL-terminated words; its stderr into err_text, its stdout into out_text. */
static int run(int (*main_fn)(int, char **), ...)
{
	char *argv[16];
	int argc = 0, rc, saved, saved_out, fd, out;
	va_list ap;
	ssize_t n;

	va_start(ap, main_fn);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	out = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	saved = dup(2);
	saved_out = dup(1);
	dup2(fd, 2);
	dup2(out, 1);
	rc = main_fn(argc, argv);
	fflush(stderr);
	fflush(stdout);
	dup2(saved, 2);
	dup2(saved_out, 1);
	close(saved);
	close(saved_out);
	n = pread(out, out_text, sizeof(out_text) - 1, 0);
	out_text[n > 0 ? n : 0] = '\0';
	close(out);
	n = pread(fd, err_text, sizeof(err_text) - 1, 0);
	err_text[n > 0 ? n : 0] = '\0';
	close(fd);
	for (n = 0; err_text[n]; n++)
		err_line[n] = err_text[n] == '\n' ? ' ' : err_text[n];
	err_line[n] = '\0';
	return rc;
}

static bool said(const char *s)
{
	return strstr(err_text, s) != NULL;
}

/* Options sharing one key (the limits) each reach their own setting. */
static void check_limits(const char *dbopt)
{
	int rc;

	rc = run(server_main, "server", "run", dbopt, "--listen", "127.0.0.1:1",
		 "--max-conns", "2", "--max-per-source", "3", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: --max-per-source 3 is more than --max-conns 2\n"),
		   "server run --max-conns 2 --max-per-source 3: refused, exit %d: %s",
		   rc, err_line);
	rc = run(server_main, "server", "run", dbopt, "--listen", "127.0.0.1:1",
		 "--max-conns", "0", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: Invalid --max-conns: `0' (1..4096)\n"),
		   "server run --max-conns 0: refused, exit %d: %s", rc, err_line);
	rc = run(pne_main, "pne", "listen", "--listen", "127.0.0.1:1",
		 "--max-per-source", "0", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: Invalid --max-per-source: `0' (1..4096)\n"),
		   "pne listen --max-per-source 0: refused, exit %d: %s", rc, err_line);
}

int main(void)
{
	char db[] = "/tmp/cpns-test-opts-XXXXXX", dbopt[64];
	int fd = mkstemp(db), rc;

	char want[256];
	struct stat sb;

	KTAP_BEGIN(20);
	close(fd);
	unlink(db);	/* `server init' creates it, nothing else */
	snprintf(dbopt, sizeof(dbopt), "--db=%s", db);
	snprintf(want, sizeof(want),
		 "cpnsctl: store `%s': no such file: create it with: cpnsctl server init --db %s\n",
		 db, db);

	rc = run(server_main, "server", "list", dbopt, NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE && !strcmp(err_text, want) &&
		   stat(db, &sb) == -1 && errno == ENOENT,
		   "server list --db MISSING: refused, exit %d, nothing created: %s",
		   rc, err_line);
	rc = run(server_main, "server", "run", "--listen", "127.0.0.1:1", dbopt,
		 NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE && !strcmp(err_text, want) &&
		   stat(db, &sb) == -1 && errno == ENOENT,
		   "server run --db MISSING: refused, exit %d, nothing created: %s",
		   rc, err_line);
	rc = run(server_main, "server", "init", dbopt, NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_OK && !err_text[0] && stat(db, &sb) == 0,
		   "server init --db FILE: created, exit %d: %s", rc, err_line);

	rc = run(server_main, "server", "list", dbopt, NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_OK && !err_text[0],
		   "server list --db=FILE: exit %d, stderr `%s'", rc, err_line);
	rc = run(server_main, "server", "list", "-j", "--db", db, NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_OK && !err_text[0],
		   "server list -j --db FILE: exit %d", rc);
	rc = run(server_main, "server", "list", dbopt, "--listen", "127.0.0.1:1",
		 NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: server list: option `--listen' does not apply to `server list'\n"),
		   "server list --listen: refused, exit %d: %s", rc, err_line);
	rc = run(server_main, "server", "add-user", "alice", dbopt, "--psk-file",
		 "/dev/null", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("option `--psk-file' does not apply to `server add-user'"),
		   "server add-user --psk-file: refused, exit %d", rc);
	rc = run(server_main, "server", "list", "--db", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: server: option `--db' needs a value\n"),
		   "server list --db (no value): exit %d: %s", rc, err_line);
	rc = run(server_main, "server", "list", dbopt, "--no-such", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: server: invalid argument: `--no-such'\n"),
		   "server list --no-such: exit %d: %s", rc, err_line);
	rc = run(server_main, "server", "set", "window", dbopt, NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: server set: NAME VALUE expected\n"),
		   "server set NAME (no VALUE): exit %d: %s", rc, err_line);
	rc = run(server_main, "server", "add-gw", "gw1", "gw2", dbopt, NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: server add-gw: unexpected argument: `gw2'\n"),
		   "server add-gw gw1 gw2: exit %d: %s", rc, err_line);
	rc = run(gw_main, "gw", "deliver", "--entity", "pne-1", "--claim", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: gw deliver: option `--claim' does not apply to `gw deliver'\n"),
		   "gw deliver --claim: refused, exit %d: %s", rc, err_line);
	rc = run(gw_main, "gw", "assign", "--pne=127.0.0.1:1", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("option `--pne' does not apply to `gw assign'"),
		   "gw assign --pne=ADDR: refused, exit %d", rc);
	rc = run(pne_main, "pne", "reset", "pne-1", "--count", "3", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: pne reset: option `--count' does not apply to `pne reset'\n"),
		   "pne reset --count: refused, exit %d: %s", rc, err_line);
	rc = run(pne_main, "pne", "reset", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_USAGE &&
		   said("cpnsctl: pne reset: one ENTITY expected\n"),
		   "pne reset (no ENTITY): exit %d: %s", rc, err_line);
	check_limits(dbopt);
	/* No module on this host: -j still says which version this is. */
	rc = run(version_main, "version", "-j", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_UNAVAILABLE &&
		   !strcmp(out_text, "{\"cpnsctl\": \"" CPNSCTL_VERSION "\", \"module\": null, \"profile\": null}\n"),
		   "version -j without the module: exit %d", rc);
	rc = run(version_main, "version", "-p", NULL);
	KTAP_CHECK(rc == CPNSCTL_EXIT_UNAVAILABLE &&
		   !strcmp(out_text, "{\n    \"cpnsctl\": \"" CPNSCTL_VERSION "\",\n    \"module\": null,\n    \"profile\": null\n}\n"),
		   "version -p without the module: exit %d", rc);
	unlink(db);
	return KTAP_END();
}
