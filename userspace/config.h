/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tool's configuration file (cpnsctl.8, FILES): /etc/cpns/cpns.conf.
 *
 *	# comment
 *	[server]		options for every "cpnsctl server ..."
 *	db = /var/lib/cpns/server.db
 *	[server run]		options for "cpnsctl server run" only
 *	listen = [::]:4710
 *
 * A section names the command words it applies to; each "name = value"
 * is the long option --name with that value.  The command line overrides
 * the file: an option given there (as --name or --name=value) is not
 * taken from the file, and one given abbreviated comes after it.
 */
#ifndef CPNS_CONFIG_H
#define CPNS_CONFIG_H

#include <stddef.h>

#define CONFIG_DEFAULT_PATH "/etc/cpns/cpns.conf"

struct config_entry {
	char *section;		/* "server run" */
	char *opt;		/* "--listen" */
	char *name;		/* "listen", inside opt */
	char *value;		/* "[::]:4710" */
};

struct config {
	struct config_entry *e;
	size_t n;
};

/*
 * Read @path into @c.  A missing file is an empty configuration when
 * !@must_exist.  Returns 0, or -1 with a message "FILE:LINE: what" in
 * @err (a line that is neither a comment, a [section] nor name = value,
 * an option outside a section, a name that is not [a-z0-9-]).
 */
int config_load(const char *path, int must_exist, struct config *c,
		char *err, size_t errlen);

/*
 * The argument vector to run: @argv (argv[0] is "cpnsctl", then the
 * command words) with, for each entry whose section's words are the
 * first words of the command, "--name" "value" inserted after the
 * command words (at most two), unless the command line already has
 * --name: the command line's options come after them and win.  *@out is
 * malloc'ed (the strings are @argv's and @c's), NULL-terminated; returns
 * its length or -1 (ENOMEM).
 */
int config_args(const struct config *c, int argc, char *argv[], char ***out);

void config_free(struct config *c);

/*
 * main(): the file read ("" for none), whether it had to exist, the
 * command line before the file's options, for cpnsctl_config_reread().
 */
void config_remember(const char *path, int must, int argc, char *argv[]);

#endif /* CPNS_CONFIG_H */
