/* SPDX-License-Identifier: GPL-2.0 */
/*
 * -j of the daemons (pne listen): every line on standard output a JSON
 * object.  jsonlog_start() puts a stream in place of stdout that writes
 * each line printed to it as {"op": OP, "message": "LINE"}; an exchange's
 * own object, made with util.h's writer, goes out whole through
 * jsonlog_object().  Each object is one write(2) to file descriptor 1,
 * so lines of several worker processes never interleave.
 */
#ifndef CPNS_JSONLOG_H
#define CPNS_JSONLOG_H

#include <stdbool.h>
#include <stdio.h>

/* 0, or -errno (stdout left as it was). */
int jsonlog_start(const char *op, bool pretty);

/*
 * A memory stream for one object (opened with json_key()), then
 * jsonlog_object() writes it (its json_end() done) and closes it.
 */
FILE *jsonlog_open(char **buf, size_t *len);
void jsonlog_object(FILE *f, char **buf, size_t *len);

#endif /* CPNS_JSONLOG_H */
