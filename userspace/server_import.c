// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl server import: the manufacturer's list, one `EntityID
 * TK-in-hex ClaimCode' a line, checked whole (every line, and no entity
 * already in the store), each line sealed by the kernel under master:NAME
 * (CPNS_CMD_SRV_SEAL_ENTITY), then stored all or nothing.  The file is
 * read into locked memory and wiped; a TK or claim code is never quoted
 * in a message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cpnsctl.h"
#include "role.h"
#include "secret.h"
#include "server.h"
#include "store.h"
#include "util.h"

#define IMPORT_FILE_MAX (4 << 20)

struct import_line {
	unsigned int lineno;
	char *entity;		/* points into the (locked) file buffer */
	char *tk_hex;
	char *code;
	size_t code_len;
	uint8_t *record;
	size_t record_len;
};

static bool is_hex(const char *s)
{
	return *s && strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

/* Split the file into lines of three tokens; every line checked. */
static int import_parse(char *buf, size_t len, struct import_line **out,
			size_t *count)
{
	struct import_line *lines = NULL;
	size_t n = 0, cap = 0, i;
	unsigned int lineno = 0;
	char *p = buf, *end = buf + len;
	int bad = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', end - p);
		char *line = p, *tok[4], *save = NULL, *t;
		int ntok = 0;

		char *eol = nl ? nl : end;	/* *end is a NUL */

		*eol = '\0';
		p = eol + 1;
		lineno++;
		if (strlen(line) != (size_t)(eol - line)) {
			warn("import: line %u: NUL byte", lineno);
			bad++;
			continue;
		}
		for (t = strtok_r(line, " \t\r\v\f", &save); t && ntok < 4;
		     t = strtok_r(NULL, " \t\r\v\f", &save)) {
			if (t[0] == '#')
				break;
			tok[ntok++] = t;
		}
		if (ntok == 0)
			continue;
		if (ntok != 3) {
			warn("import: line %u: %d fields, want `EntityID TK-in-hex ClaimCode'",
			     lineno, ntok);
			bad++;
			continue;
		}
		if (!cpns_id_valid(tok[0], strlen(tok[0]))) {
			warn("import: line %u: invalid EntityID `%s'", lineno,
			     tok[0]);
			bad++;
			continue;
		}
		/* TK and ClaimCode are secrets: described, never quoted. */
		if (!is_hex(tok[1]) || strlen(tok[1]) % 2 ||
		    strlen(tok[1]) < 2 * CPNS_TK_MIN_LEN ||
		    strlen(tok[1]) > 2 * CPNS_TK_MAX_LEN) {
			warn("import: line %u (%s): invalid TK: %zu characters, want %d..%d bytes as hex",
			     lineno, tok[0], strlen(tok[1]), CPNS_TK_MIN_LEN,
			     CPNS_TK_MAX_LEN);
			bad++;
			continue;
		}
		if (!cpns_claim_code_valid(tok[2], strlen(tok[2]))) {
			warn("import: line %u (%s): invalid ClaimCode: %zu characters, want %d..%d of [A-Za-z0-9-]",
			     lineno, tok[0], strlen(tok[2]),
			     CPNS_CLAIM_CODE_MIN_LEN, CPNS_CLAIM_CODE_MAX_LEN);
			bad++;
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(lines[i].entity, tok[0]))
				break;
		if (i < n) {
			warn("import: line %u: EntityID `%s' already on line %u",
			     lineno, tok[0], lines[i].lineno);
			bad++;
			continue;
		}
		if (n == cap) {
			struct import_line *nw;

			cap = cap ? 2 * cap : 64;
			nw = realloc(lines, cap * sizeof(*lines));
			if (!nw) {
				free(lines);
				return -ENOMEM;
			}
			lines = nw;
		}
		lines[n] = (struct import_line){
			.lineno = lineno, .entity = tok[0], .tk_hex = tok[1],
			.code = tok[2], .code_len = strlen(tok[2]) };
		n++;
	}
	*out = lines;
	*count = n;
	return bad ? -EINVAL : 0;
}

/* The file, NUL-terminated, into @buf: 0 or an exit code (told). */
static int import_read(const char *file, struct cpns_secret *buf)
{
	int err = secret_read(buf, file, NULL, IMPORT_FILE_MAX, 0);

	if (err) {
		warn("import `%s': %s", file, strerror(-err));
		return err == -EMSGSIZE || err == -ENODATA ?
		       CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
	}
	/* A terminated copy: the buffer has room for one more byte, or not. */
	if (buf->len == buf->cap) {
		struct cpns_secret b2 = { 0 };

		if (secret_alloc(&b2, buf->len + 1))
			return CPNSCTL_EXIT_FAIL;
		memcpy(b2.buf, buf->buf, buf->len);
		b2.len = buf->len;
		secret_free(buf);
		*buf = b2;
	}
	buf->buf[buf->len] = '\0';
	return 0;
}

/* No line's entity already in the store: 0 or an exit code (told). */
static int import_check_store(struct store *st, const struct import_line *l,
			      size_t count)
{
	struct store_entity *e = malloc(sizeof(*e));
	size_t i, bad = 0;
	int err;

	if (!e)
		return CPNSCTL_EXIT_FAIL;
	for (i = 0; i < count; i++) {
		err = store_get_entity(st, l[i].entity, e);
		if (err == 0) {
			warn("import: line %u: EntityID `%s' is already in the store",
			     l[i].lineno, l[i].entity);
			bad++;
		} else if (err != -ENOENT) {
			srv_store_warn(st, "entity", err);
			free(e);
			return CPNSCTL_EXIT_IO;
		}
	}
	free(e);
	return bad ? CPNSCTL_EXIT_USAGE : 0;
}

/* One line sealed by the kernel into l->record: 0 or an exit code. */
static int import_seal(struct cpns_nl *nl, const struct srv_opts *o,
		       struct import_line *l, struct cpns_secret *tk,
		       struct cpns_record *rec)
{
	struct cpns_srv_seal_entity_in in = {
		.keyring = o->keyring, .master = o->master,
		.entity_id = l->entity, .claim_code = l->code,
		.claim_code_len = l->code_len,
	};
	int err;

	if (hex_decode_var(tk->buf, CPNS_TK_MAX_LEN, &tk->len, l->tk_hex)) {
		warn("import: line %u: invalid TK", l->lineno);
		return CPNSCTL_EXIT_USAGE;
	}
	in.tk = tk->buf;
	in.tk_len = tk->len;
	err = cpns_srv_seal_entity(nl, &in, rec);
	explicit_bzero(tk->buf, tk->cap);
	if (err) {
		warn("import: line %u (%s): nothing imported", l->lineno,
		     l->entity);
		return cpnsctl_exit_errno(err);
	}
	l->record = malloc(rec->len);
	if (!l->record)
		return CPNSCTL_EXIT_FAIL;
	l->record_len = rec->len;
	memcpy(l->record, rec->data, rec->len);
	return 0;
}

/* Every line sealed, then stored all or nothing: 0 or an exit code. */
static int import_store(const struct srv_opts *o, struct store *st,
			const char *file, struct import_line *lines,
			size_t count)
{
	struct store_import_entry *ents = calloc(count, sizeof(*ents));
	struct cpns_secret tk = { 0 };
	struct cpns_record *rec = malloc(sizeof(*rec));
	struct cpns_nl *nl = NULL;
	size_t i, bad = 0;
	int err, ret;

	ret = ents && rec && !secret_alloc(&tk, CPNS_TK_MAX_LEN) ? 0 :
	      CPNSCTL_EXIT_FAIL;
	if (!ret)
		ret = cpns_client_connect(&nl);
	for (i = 0; !ret && i < count; i++) {
		ret = import_seal(nl, o, &lines[i], &tk, rec);
		ents[i].entity_id = lines[i].entity;
		ents[i].record = lines[i].record;
		ents[i].record_len = lines[i].record_len;
	}
	if (!ret) {
		err = store_import(st, ents, count, role_now(), &bad);
		if (err == -EEXIST)
			warn("import: line %u: EntityID `%s' is already in the store",
			     lines[bad].lineno, lines[bad].entity);
		else if (err)
			srv_store_warn(st, "import", err);
		if (err) {
			warn("import `%s': nothing imported", file);
			ret = err == -EEXIST ? CPNSCTL_EXIT_USAGE :
			      CPNSCTL_EXIT_IO;
		}
	}
	cpns_nl_close(nl);
	secret_free(&tk);
	free(rec);
	free(ents);
	return ret;
}

int server_import(const struct srv_opts *o, const char *file)
{
	struct cpns_secret buf = { 0 };
	struct import_line *lines = NULL;
	size_t count = 0, i;
	struct store *st;
	int err, ret;

	ret = srv_store_connect(o, &st);
	if (ret)
		return ret;
	ret = import_read(file, &buf);
	if (ret)
		goto out;
	err = import_parse((char *)buf.buf, buf.len, &lines, &count);
	if (err) {
		warn("import `%s': nothing imported", file);
		ret = err == -ENOMEM ? CPNSCTL_EXIT_FAIL : CPNSCTL_EXIT_USAGE;
		goto out;
	}
	if (!count) {
		warn("import `%s': no entities in the file", file);
		ret = CPNSCTL_EXIT_USAGE;
		goto out;
	}
	ret = import_check_store(st, lines, count);
	if (ret == CPNSCTL_EXIT_USAGE)
		warn("import `%s': nothing imported", file);
	if (!ret)
		ret = import_store(o, st, file, lines, count);
	if (!ret)
		printf("imported %zu entities from %s (TKs and claim codes sealed under master:%s)\n",
		       count, file, o->master);
out:
	for (i = 0; lines && i < count; i++)
		free(lines[i].record);
	free(lines);
	secret_free(&buf);	/* wipes the file's contents */
	store_close(st);
	return ret;
}
