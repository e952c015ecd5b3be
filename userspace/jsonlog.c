// SPDX-License-Identifier: GPL-2.0
/*
 * The daemons' JSON log (jsonlog.h): standard output as a stream of
 * {"op": OP, "message": LINE} objects, one per line printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonlog.h"
#include "util.h"

#define JSONLOG_LINE_MAX 1024

static struct {
	const char *op;
	bool pretty;
	size_t len;
	char line[JSONLOG_LINE_MAX];
} jl;

static void write_fd1(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* as printf to a closed stdout: lost */
		p += n;
		len -= (size_t)n;
	}
}

FILE *jsonlog_open(char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	return open_memstream(buf, len);
}

/* @f's object (json_end() done) written out, @f closed and freed. */
static void emit(FILE *f, char **buf, size_t *len)
{
	fclose(f);
	write_fd1(*buf, *len);
	free(*buf);
	*buf = NULL;
}

void jsonlog_object(FILE *f, char **buf, size_t *len)
{
	if (!f)
		return;
	fflush(stdout);		/* the lines before it first */
	emit(f, buf, len);
}

/* One line printed: its object. */
static void jsonlog_line(void)
{
	char *buf;
	size_t len;
	bool first = true;
	FILE *f = jsonlog_open(&buf, &len);

	jl.line[jl.len] = '\0';
	jl.len = 0;
	if (!f)
		return;
	json_key(f, jl.pretty, &first, "op");
	json_str(f, jl.op);
	json_key(f, jl.pretty, &first, "message");
	json_str(f, jl.line);
	json_end(f, jl.pretty, first);
	emit(f, &buf, &len);	/* not jsonlog_object(): inside stdout's flush */
}

/* The stream's write: whole lines become objects; a longer one is cut. */
static ssize_t jsonlog_write(void *cookie, const char *p, size_t size)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < size; i++) {
		if (p[i] == '\n')
			jsonlog_line();
		else if (jl.len < sizeof(jl.line) - 1)
			jl.line[jl.len++] = p[i];
	}
	return (ssize_t)size;
}

int jsonlog_start(const char *op, bool pretty)
{
	cookie_io_functions_t io = { .write = jsonlog_write };
	FILE *f;

	jl.op = op;
	jl.pretty = pretty;
	jl.len = 0;
	fflush(stdout);
	f = fopencookie(NULL, "w", io);
	if (!f)
		return -errno;
	setvbuf(f, NULL, _IOLBF, 0);
	stdout = f;
	return 0;
}
