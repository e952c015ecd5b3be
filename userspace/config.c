// SPDX-License-Identifier: GPL-2.0
/*
 * The tool's configuration file (config.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cpnsctl.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* a long option's name without its "--": [a-z0-9][a-z0-9-]* */
static int valid_name(const char *s)
{
	if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-')
			return 0;
	return 1;
}

/* "server   run" -> "server run"; 0 unless words of [a-z0-9-] */
static int norm_section(char *s)
{
	char *r = s, *w = s;
	int words = 0;

	while (*r) {
		while (isspace((unsigned char)*r))
			r++;
		if (!*r)
			break;
		if (words++)
			*w++ = ' ';
		while (*r && !isspace((unsigned char)*r)) {
			if (!islower((unsigned char)*r) &&
			    !isdigit((unsigned char)*r) && *r != '-')
				return 0;
			*w++ = *r++;
		}
	}
	*w = '\0';
	return words;
}

void config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->e[i].section);
		free(c->e[i].opt);
		free(c->e[i].value);
	}
	free(c->e);
	c->e = NULL;
	c->n = 0;
}

static int add(struct config *c, const char *sec, const char *name,
	       const char *value)
{
	struct config_entry *e = realloc(c->e, (c->n + 1) * sizeof(*e));

	if (!e)
		return -1;
	c->e = e;
	e += c->n;
	e->section = strdup(sec);
	e->opt = malloc(strlen(name) + 3);
	e->value = strdup(value);
	if (!e->section || !e->opt || !e->value) {
		free(e->section);
		free(e->opt);
		free(e->value);
		return -1;
	}
	strcpy(e->opt, "--");
	strcpy(e->opt + 2, name);
	e->name = e->opt + 2;
	c->n++;
	return 0;
}

int config_load(const char *path, int must_exist, struct config *c,
		char *err, size_t errlen)
{
	char line[4096], sec[256] = "";
	unsigned int no = 0;
	FILE *f;

	c->e = NULL;
	c->n = 0;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *name, *value;

		no++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, no);
			goto fail;
		}
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || *trim(end + 1) || end - s - 1 >= (long)sizeof(sec)) {
				snprintf(err, errlen, "%s:%u: bad section line, want [command words]",
					 path, no);
				goto fail;
			}
			*end = '\0';
			strcpy(sec, s + 1);
			if (!norm_section(sec)) {
				snprintf(err, errlen, "%s:%u: bad section [%s], want command words such as [server run]",
					 path, no, s + 1);
				goto fail;
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: want name = value: %s", path, no, s);
			goto fail;
		}
		*eq = '\0';
		name = trim(s);
		value = trim(eq + 1);
		if (!valid_name(name)) {
			snprintf(err, errlen, "%s:%u: bad option name \"%s\" (a long option without --)",
				 path, no, name);
			goto fail;
		}
		if (!*sec) {
			snprintf(err, errlen, "%s:%u: %s outside a [section]", path, no, name);
			goto fail;
		}
		if (!*value) {
			snprintf(err, errlen, "%s:%u: %s has no value", path, no, name);
			goto fail;
		}
		if (add(c, sec, name, value)) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	config_free(c);
	return -1;
}

/* Whether the section's words are the first words of the command. */
static int section_matches(const char *sec, int argc, char *argv[])
{
	int i = 1;

	while (*sec) {
		size_t len = strcspn(sec, " ");

		if (i >= argc || strlen(argv[i]) != len ||
		    memcmp(argv[i], sec, len))
			return 0;
		sec += len;
		if (*sec == ' ')
			sec++;
		i++;
	}
	return 1;
}

static int given(const char *name, int argc, char *argv[])
{
	size_t len = strlen(name);
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1] == '-' && !strncmp(a + 2, name, len) &&
		    (a[2 + len] == '\0' || a[2 + len] == '='))
			return 1;
	}
	return 0;
}

static int words(const char *sec)
{
	int n = 1;

	for (; *sec; sec++)
		n += *sec == ' ';
	return n;
}

int config_args(const struct config *c, int argc, char *argv[], char ***out)
{
	char **v = malloc((argc + 2 * c->n + 1) * sizeof(*v));
	int n = 0, i, at = 1;
	size_t k, j;

	if (!v)
		return -1;
	/*
	 * After the command words (at most two: "server run"), before the
	 * rest: the command line's own options come later and win, also
	 * when abbreviated (getopt_long), where the last one given counts.
	 */
	while (at < argc && at < 3 && argv[at][0] != '-')
		at++;
	for (i = 0; i < at; i++)
		v[n++] = argv[i];
	for (k = 0; k < c->n; k++) {
		const struct config_entry *e = &c->e[k];
		int skip = 0;

		if (!section_matches(e->section, argc, argv) ||
		    given(e->name, argc, argv))
			continue;
		/*
		 * A name set in several matching sections: the one with more
		 * words ([server run] over [server]), else the last one.
		 */
		for (j = 0; j < c->n && !skip; j++) {
			const struct config_entry *o = &c->e[j];

			if (j == k || strcmp(o->name, e->name) ||
			    !section_matches(o->section, argc, argv))
				continue;
			if (words(o->section) > words(e->section) ||
			    (words(o->section) == words(e->section) && j > k))
				skip = 1;
		}
		if (skip)
			continue;
		v[n++] = e->opt;
		v[n++] = e->value;
	}
	for (i = at; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	*out = v;
	return n;
}

/* What main() read, for cpnsctl_config_reread(). */
static struct {
	const char *path;	/* "": none */
	int must;
	int argc;
	char **argv;
} remembered;

void config_remember(const char *path, int must, int argc, char *argv[])
{
	remembered.path = path;
	remembered.must = must;
	remembered.argc = argc;
	remembered.argv = argv;
}

int cpnsctl_config_reread(char ***out, const char **path, char *err,
			  size_t errlen)
{
	struct config c = { 0 };
	int n;

	*path = remembered.path;
	if (*remembered.path && config_load(remembered.path, remembered.must, &c, err, errlen))
		return -1;
	n = config_args(&c, remembered.argc, remembered.argv, out);
	free(c.e);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	(*out)++;
	return n - 1;
}
