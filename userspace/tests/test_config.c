// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of config.c: the configuration file's syntax, its
 * errors (file and line), and which options a command gets from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ktap.h"

static char path[] = "/tmp/cpns-test-config-XXXXXX";

static int load(const char *text, struct config *c, char *err, size_t len)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	return config_load(path, 1, c, err, len);
}

/* The command line config_args makes, without argv[0]: "server run --a 1". */
static const char *args(const struct config *c, int argc, char **argv)
{
	static char s[512];
	char **v;
	int n, i;

	s[0] = '\0';
	n = config_args(c, argc, argv, &v);
	if (strcmp(v[0], "cpnsctl"))
		strcpy(s, "argv[0] lost");
	for (i = 1; i < n; i++) {
		strcat(s, i > 1 ? " " : "");
		strcat(s, v[i]);
	}
	if (v[n])
		strcpy(s, "not NULL-terminated");
	free(v);
	return s;
}

static int err_is(const char *err, const char *line_and_msg)
{
	char want[512];

	snprintf(want, sizeof(want), "%s:%s", path, line_and_msg);
	if (strcmp(err, want))
		printf("# got \"%s\"\n# want \"%s\"\n", err, want);
	return !strcmp(err, want);
}

int main(void)
{
	char *run[] = { "cpnsctl", "server", "run", NULL };
	char *run_l[] = { "cpnsctl", "server", "run", "--listen", "127.0.0.1:1", NULL };
	char *run_eq[] = { "cpnsctl", "server", "run", "--listen=127.0.0.1:1", NULL };
	char *list[] = { "cpnsctl", "server", "list", NULL };
	char *pne[] = { "cpnsctl", "pne", "listen", NULL };
	char *srv[] = { "cpnsctl", "serverx", "run", NULL };
	char *run_abbr[] = { "cpnsctl", "server", "run", "--lis", "127.0.0.1:1", NULL };
	char *addgw[] = { "cpnsctl", "server", "add-gw", "gw1", "--psk-file", "-", NULL };
	struct config c;
	char err[512];
	int fd = mkstemp(path);

	close(fd);
	KTAP_BEGIN(13);

	KTAP_CHECK(!load("# comment\n; also\n\n[server]\n db = /var/lib/cpns/server.db \n"
			 "[server   run]\nlisten=[::]:4710\ntimeout = 10\n"
			 "[pne listen]\nlisten = 0.0.0.0:4711\n", &c, err, sizeof(err)) &&
		   c.n == 4 && !strcmp(c.e[1].section, "server run") &&
		   !strcmp(c.e[1].name, "listen") && !strcmp(c.e[1].value, "[::]:4710") &&
		   !strcmp(c.e[0].value, "/var/lib/cpns/server.db"),
		   "sections, comments, spaces around names and values");
	KTAP_CHECK(!strcmp(args(&c, 3, run),
			   "server run --db /var/lib/cpns/server.db --listen [::]:4710 --timeout 10"),
		   "server run gets [server] and [server run]");
	KTAP_CHECK(!strcmp(args(&c, 3, list), "server list --db /var/lib/cpns/server.db"),
		   "server list gets [server] only");
	KTAP_CHECK(!strcmp(args(&c, 3, pne), "pne listen --listen 0.0.0.0:4711"),
		   "pne listen gets [pne listen] only");
	KTAP_CHECK(!strcmp(args(&c, 5, run_l),
			   "server run --db /var/lib/cpns/server.db --timeout 10 --listen 127.0.0.1:1") &&
		   !strcmp(args(&c, 4, run_eq),
			   "server run --db /var/lib/cpns/server.db --timeout 10 --listen=127.0.0.1:1"),
		   "the command line overrides the file (--listen X and --listen=X)");
	KTAP_CHECK(!strcmp(args(&c, 5, run_abbr),
			   "server run --db /var/lib/cpns/server.db --listen [::]:4710 --timeout 10 --lis 127.0.0.1:1") &&
		   !strcmp(args(&c, 6, addgw),
			   "server add-gw --db /var/lib/cpns/server.db gw1 --psk-file -"),
		   "the file's options go after the command words, before the command line's");
	KTAP_CHECK(!strcmp(args(&c, 3, srv), "serverx run"),
		   "a section matches whole words only");
	config_free(&c);

	KTAP_CHECK(!load("[server]\ndb = /a\n[server run]\ndb = /b\n[server]\ndb = /c\n",
			 &c, err, sizeof(err)) &&
		   !strcmp(args(&c, 3, run), "server run --db /b") &&
		   !strcmp(args(&c, 3, list), "server list --db /c"),
		   "more words win, then the last one");
	config_free(&c);

	KTAP_CHECK(load("[server]\nlisten\n", &c, err, sizeof(err)) == -1 &&
		   err_is(err, "2: want name = value: listen") && c.n == 0,
		   "a line without = names its line");
	KTAP_CHECK(load("db = /x\n", &c, err, sizeof(err)) == -1 &&
		   err_is(err, "1: db outside a [section]"),
		   "an option outside a section");
	KTAP_CHECK(load("[server]\n--db = /x\n", &c, err, sizeof(err)) == -1 &&
		   err_is(err, "2: bad option name \"--db\" (a long option without --)") &&
		   load("[Server]\n", &c, err, sizeof(err)) == -1 &&
		   err_is(err, "1: bad section [Server], want command words such as [server run]") &&
		   load("[server\n", &c, err, sizeof(err)) == -1 &&
		   err_is(err, "1: bad section line, want [command words]"),
		   "bad names and sections");
	KTAP_CHECK(load("[server]\n\ndb =\n", &c, err, sizeof(err)) == -1 &&
		   err_is(err, "3: db has no value"),
		   "an empty value");
	unlink(path);
	KTAP_CHECK(config_load(path, 0, &c, err, sizeof(err)) == 0 && c.n == 0 &&
		   config_load(path, 1, &c, err, sizeof(err)) == -1 &&
		   strstr(err, "No such file or directory"),
		   "a missing file: empty unless it must exist");

	KTAP_END();
}
