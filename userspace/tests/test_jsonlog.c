// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the daemons' JSON log (jsonlog.c, pne listen -j):
 * what a child that made it its stdout writes to file descriptor 1, byte
 * for byte.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonlog.h"
#include "util.h"
#include "ktap.h"

/* The lines the child prints, and an object of its own between them. */
static void child(bool pretty)
{
	char *buf;
	size_t len;
	bool first = true;
	FILE *f;

	if (jsonlog_start("pne listen", pretty))
		_exit(2);
	printf("cpns pne: listening on 127.0.0.1:7100 (\"quoted\"\ttab)\n");
	printf("a line in ");
	printf("two printfs\n");
	f = jsonlog_open(&buf, &len);
	json_key(f, pretty, &first, "op");
	json_str(f, "pne listen");
	json_kv(f, pretty, &first, "epoch=1 index=2 code=ACCEPTED");
	json_end(f, pretty, first);
	jsonlog_object(f, &buf, &len);
	printf("unterminated");
	fflush(stdout);
	_exit(0);
}

/* Everything child(@pretty) wrote, or NULL. */
static char *run(bool pretty)
{
	char *out = calloc(1, 4096);
	size_t got = 0;
	ssize_t n;
	int p[2], st;
	pid_t pid;

	if (!out || pipe(p))
		return NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		child(pretty);
	}
	close(p[1]);
	while (got < 4095 && (n = read(p[0], out + got, 4095 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		free(out);
		return NULL;
	}
	return out;
}

static void check(bool pretty, const char *want, const char *name)
{
	char *got = run(pretty);
	bool ok = got && !strcmp(got, want);

	KTAP_CHECK(ok, "%s", name);
	if (!ok)
		printf("# got:\n%s\n# want:\n%s\n", got ? got : "(failed)",
		       want);
	free(got);
}

int main(void)
{
	KTAP_BEGIN(2);
	check(false,
	      "{\"op\": \"pne listen\", \"message\": \"cpns pne: listening on 127.0.0.1:7100 (\\\"quoted\\\"\\ttab)\"}\n"
	      "{\"op\": \"pne listen\", \"message\": \"a line in two printfs\"}\n"
	      "{\"op\": \"pne listen\", \"epoch\": 1, \"index\": 2, \"code\": \"ACCEPTED\"}\n",
	      "jsonlog: each line an object, escaped; an object whole, in order; no partial line");
	check(true,
	      "{\n    \"op\": \"pne listen\",\n    \"message\": \"cpns pne: listening on 127.0.0.1:7100 (\\\"quoted\\\"\\ttab)\"\n}\n"
	      "{\n    \"op\": \"pne listen\",\n    \"message\": \"a line in two printfs\"\n}\n"
	      "{\n    \"op\": \"pne listen\",\n    \"epoch\": 1,\n    \"index\": 2,\n    \"code\": \"ACCEPTED\"\n}\n",
	      "jsonlog -p: the same, one member a line");
	return KTAP_END();
}
