// SPDX-License-Identifier: GPL-2.0
/*
 * Option parsing of the subcommands (opts.h), over getopt_long(3).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpnsctl.h"
#include "opts.h"
#include "util.h"

#define OPTS_MAX 40
#define OPTS_POS_MAX 4

/* The getopt_long() table and short option string of @defs, --help added. */
static int build(const struct opt_def *defs, struct option *lo,
		 char *shorts, size_t shorts_len)
{
	size_t n = 0, s = 0;

	shorts[s++] = ':';	/* a missing value is ':', not '?' */
	for (; defs[n].name; n++) {
		if (n + 2 >= OPTS_MAX || s + 3 >= shorts_len)
			return -E2BIG;
		lo[n] = (struct option){ defs[n].name,
			defs[n].has_arg ? required_argument : no_argument,
			NULL, defs[n].key };
		if (defs[n].key < 256) {
			shorts[s++] = (char)defs[n].key;
			if (defs[n].has_arg)
				shorts[s++] = ':';
		}
	}
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	shorts[s++] = 'h';
	shorts[s] = '\0';
	return 0;
}

static const struct opt_def *find(const struct opt_def *defs, int key)
{
	for (; defs->name; defs++)
		if (defs->key == key)
			return defs;
	return NULL;
}

/* The option as written, for a message: "--db" or "-j". */
static const char *written(char *argv[], int optind_after)
{
	const char *a = argv[optind_after - 1];

	return a ? a : "";
}

static int bad_option(const struct opt_cmd *c, int ch, char *argv[])
{
	const char *a = written(argv, optind);
	const char *eq = strchr(a, '=');
	int len = eq ? (int)(eq - a) : (int)strlen(a);

	if (ch == ':')
		warn("%s: option `%.*s' needs a value", c->family, len, a);
	else if (optopt && optopt < 256 && a[0] == '-' && a[1] != '-')
		warn("%s: invalid argument: `-%c'", c->family, optopt);
	else
		warn("%s: invalid argument: `%.*s'", c->family, len, a);
	return -1;
}

int opts_parse(const struct opt_cmd *c, int argc, char *argv[],
	       const char **pos)
{
	struct option lo[OPTS_MAX];
	char shorts[2 * OPTS_MAX + 2];
	const struct opt_def *d;
	unsigned int npos;
	char cmd[64];
	int ch, i, li;

	if (build(c->defs, lo, shorts, sizeof(shorts)))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s%s%s", c->family, c->sub ? " " : "",
		 c->sub ? c->sub : "");
	optind = 0;		/* a fresh scan (GNU), also when called again */
	opterr = 0;
	while ((li = -1, ch = getopt_long(argc, argv, shorts, lo, &li)) != -1) {
		if (ch == 'h')
			return 1;
		if (ch == '?' || ch == ':')
			return bad_option(c, ch, argv);
		/*
		 * A long option by its place in the table: several may share
		 * one key (the limits of a daemon), and the first of them is
		 * not the one written.
		 */
		d = li >= 0 ? &c->defs[li] : find(c->defs, ch);
		if (!d)
			return bad_option(c, '?', argv);
		if (!(d->subs & c->sub_bit)) {
			warn("%s: option `--%s' does not apply to `%s'",
			     cmd, d->name, cmd);
			return -1;
		}
		if (c->set(c->ctx, ch, d->name, optarg))
			return -1;
	}
	npos = argc - optind;
	if (npos > c->npos) {
		warn("%s: unexpected argument: `%s'", cmd,
		     argv[optind + c->npos]);
		return -1;
	}
	if (npos < c->npos) {
		warn("%s: %s expected", cmd, c->pos_usage);
		return -1;
	}
	for (i = 0; i < (int)npos; i++)
		pos[i] = argv[optind + i];
	return 0;
}

int opts_run(struct opt_cmd *c, const struct opt_sub *subs, size_t nsubs,
	     int (*usage)(FILE *f), int argc, char *argv[])
{
	const char *pos[OPTS_POS_MAX] = { NULL };
	size_t i;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return usage(stdout);
	for (i = 0; i < nsubs; i++)
		if (!strcmp(argv[1], subs[i].name))
			break;
	if (i == nsubs) {
		warn("%s: invalid subcommand: `%s'", c->family, argv[1]);
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	if (subs[i].npos > OPTS_POS_MAX)
		return CPNSCTL_EXIT_USAGE;
	c->sub = subs[i].name;
	c->sub_bit = subs[i].bit;
	c->npos = subs[i].npos;
	c->pos_usage = subs[i].pos_usage;
	rc = opts_parse(c, argc - 1, argv + 1, pos);
	if (rc > 0)
		return usage(stdout);
	if (rc)
		return CPNSCTL_EXIT_USAGE;
	return subs[i].run(c->ctx, pos);
}
