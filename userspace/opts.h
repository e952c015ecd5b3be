/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line of every subcommand, parsed with getopt_long(3) from
 * one table of options per subcommand family (server, gw, pne): each
 * option names the subcommands it applies to, so an option given to a
 * subcommand it does not apply to is refused (exit 2), not ignored.
 * `--opt VALUE' and `--opt=VALUE' are the same; options and positional
 * arguments may come in any order; `--' ends the options.
 *
 * Adding an option: one row in the family's table and one case in its
 * set() callback.  Adding a subcommand: one bit and one row in the
 * family's table of subcommands (struct opt_sub).
 */
#ifndef CPNS_OPTS_H
#define CPNS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct opt_def {
	const char *name;	/* the long name, without "--" */
	int key;		/* a short letter, or a code >= 256 */
	bool has_arg;
	unsigned int subs;	/* mask of the subcommands it applies to */
};

/* Called for each option given: 0, or -1 after telling what is wrong. */
typedef int (*opt_set_fn)(void *ctx, int key, const char *name,
			  const char *val);

struct opt_cmd {
	const char *family;		/* "server" */
	const char *sub;		/* "list"; NULL: none (show) */
	unsigned int sub_bit;		/* this subcommand's bit in subs */
	const struct opt_def *defs;	/* ends with a row whose name is NULL */
	opt_set_fn set;
	void *ctx;
	unsigned int npos;		/* positional arguments wanted, exactly */
	const char *pos_usage;		/* "GWID", told when npos is not met */
};

/* A subcommand of a family: its name, its bit, its positional arguments. */
struct opt_sub {
	const char *name;
	unsigned int bit;
	unsigned int npos;
	const char *pos_usage;
	int (*run)(void *ctx, const char **pos);	/* an exit code */
};

/*
 * The whole command line of a family (argv[0] "gw", argv[1] the
 * subcommand): the subcommand found in @subs (@nsubs rows) and its
 * options parsed into @c (whose sub, sub_bit, npos and pos_usage it
 * sets), then run.  No subcommand, an unknown one or a usage error: the
 * message, @usage(stderr) where it helps, and exit code 2; `help',
 * --help, -h: @usage(stdout).  Returns the exit code.
 */
int opts_run(struct opt_cmd *c, const struct opt_sub *subs, size_t nsubs,
	     int (*usage)(FILE *f), int argc, char *argv[]);

/*
 * Parse @argv[1..@argc - 1] (argv[0] is the subcommand) for @c; the
 * positional arguments go to @pos (c->npos entries).  Returns 0; 1 for
 * --help / -h (nothing else checked); or -1 after telling on stderr:
 * "cpnsctl: <family>: invalid argument: `--x'",
 * "cpnsctl: <family>: option `--x' needs a value",
 * "cpnsctl: <family> <sub>: option `--x' does not apply to `<family> <sub>'",
 * "cpnsctl: <family> <sub>: <pos_usage> expected" or "unexpected argument".
 */
int opts_parse(const struct opt_cmd *c, int argc, char *argv[],
	       const char **pos);

#endif /* CPNS_OPTS_H */
