// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the manufacturer's list of `cpnsctl server import'
 * (import_parse() of userspace/server_import.c, static there: this file includes
 * server_import.c, unchanged, and takes the rest of the tool from libcpnsctl.a).
 *
 * The input is the file.  Every line the parser keeps must be what the
 * document says (a valid EntityID, a TK of 16..64 bytes in hex that
 * hex_decode_var() decodes, a valid ClaimCode, no EntityID twice, line
 * numbers increasing, every token inside the file's buffer); and the kept
 * lines, written out again one per line, must parse to the same lines
 * with no error.  warn() is formatted but not printed (it would only slow
 * the run down), so that a bad format argument is still caught.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

static void fuzz_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void fuzz_warn(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
}

#define warn fuzz_warn
#include "server_import.c"
#undef warn

static void check_lines(const char *buf, size_t len,
			const struct import_line *l, size_t n)
{
	uint8_t tk[CPNS_TK_MAX_LEN];
	size_t i, j, tklen;

	for (i = 0; i < n; i++) {
		assert(l[i].entity >= buf && l[i].entity < buf + len);
		assert(l[i].tk_hex > l[i].entity && l[i].tk_hex < buf + len);
		assert(l[i].code > l[i].tk_hex && l[i].code < buf + len);
		assert(cpns_id_valid(l[i].entity, strlen(l[i].entity)));
		assert(hex_decode_var(tk, sizeof(tk), &tklen, l[i].tk_hex) == 0);
		assert(tklen >= CPNS_TK_MIN_LEN && tklen <= CPNS_TK_MAX_LEN);
		assert(strlen(l[i].tk_hex) == 2 * tklen);
		assert(l[i].code_len == strlen(l[i].code));
		assert(cpns_claim_code_valid(l[i].code, l[i].code_len));
		assert(!l[i].record && !l[i].record_len);
		assert(i == 0 || l[i].lineno > l[i - 1].lineno);
		for (j = 0; j < i; j++)
			assert(strcmp(l[i].entity, l[j].entity));
	}
}

/* The kept lines, one per line: they parse again, to the same. */
static void check_rewrite(const struct import_line *l, size_t n)
{
	struct import_line *back = NULL;
	size_t cap = 1, len = 0, count = 0, i;
	char *buf;
	int rc;

	for (i = 0; i < n; i++)
		cap += strlen(l[i].entity) + strlen(l[i].tk_hex) +
		       l[i].code_len + 3;
	buf = malloc(cap);
	assert(buf);
	for (i = 0; i < n; i++)
		len += sprintf(buf + len, "%s %s %s\n", l[i].entity,
			       l[i].tk_hex, l[i].code);
	buf[len] = '\0';
	rc = import_parse(buf, len, &back, &count);
	assert(rc == 0 && count == n);
	for (i = 0; i < n; i++) {
		assert(!strcmp(back[i].entity, l[i].entity));
		assert(!strcmp(back[i].tk_hex, l[i].tk_hex));
		assert(!strcmp(back[i].code, l[i].code));
		assert(back[i].lineno == i + 1);
	}
	free(back);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_line *lines = NULL;
	size_t count = 0;
	char *buf;
	int rc;

	if (size > 1 << 16)
		return 0;
	/* As server_import() gives it: a copy with a NUL after the end. */
	buf = malloc(size + 1);
	assert(buf);
	memcpy(buf, data, size);
	buf[size] = '\0';
	rc = import_parse(buf, size, &lines, &count);
	assert(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc != -ENOMEM) {
		check_lines(buf, size, lines, count);
		if (rc == 0)
			check_rewrite(lines, count);
	}
	free(lines);
	free(buf);
	return 0;
}
