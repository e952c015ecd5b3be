// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl: userspace tool of cpns, OMA CPNS key assignment with every
 * secret held by the kernel.  A table of subcommands, each X_main() in
 * its own file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cpnsctl.h"

static const struct {
	const char *name;
	int (*handler)(int argc, char *argv[]);
	const char *help;
} subcommands[] = {
	{ "version", version_main, "Shows the versions of cpnsctl and of the cpns module" },
	{ "show", show_main, "Shows the cpns keys this node holds and the module's counters" },
	{ "monitor", monitor_main, "Prints the module's events as they happen" },
	{ "server", server_main, "CPNS Server: run the daemon, add GWs and users, import, list" },
	{ "gw", gw_main, "PN GW: assign a chain from the server, deliver keys to the PNE" },
	{ "pne", pne_main, "PNE: accept key deliveries from the GW" },
	{ "keys", keys_main, "The node's keys as sealed blobs: save, load, list a state directory" },
};

static void show_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: cpnsctl [-c|--config FILE] <cmd> [<args>]\n\n");
	fprintf(f, "Available subcommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-10s%s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "\nYou may pass `--help' to any of these subcommands to view usage.\n");
	fprintf(f, "Options not given are read from %s ($CPNS_CONFIG, --config; cpnsctl(8)).\n",
		CONFIG_DEFAULT_PATH);
}

/*
 * The configuration file's options appended to the command line (config.h):
 * --config FILE, else $CPNS_CONFIG (empty: none), else the default file
 * if it exists.  Returns the new argc, or -1 after printing the error.
 */
static int with_config(int argc, char *argv[], char ***out)
{
	const char *path = getenv("CPNS_CONFIG");
	int must = path != NULL, n;
	struct config c;
	char err[512];

	if (argc > 2 && (!strcmp(argv[1], "-c") || !strcmp(argv[1], "--config"))) {
		path = argv[2];
		must = 1;
		argv[2] = argv[0];
		argc -= 2;
		argv += 2;
	}
	if (!path)
		path = CONFIG_DEFAULT_PATH;
	config_remember(path, must, argc, argv);
	if (!*path) {
		c.e = NULL;
		c.n = 0;
	} else if (config_load(path, must, &c, err, sizeof(err))) {
		fprintf(stderr, "cpnsctl: %s\n", err);
		return -1;
	}
	n = config_args(&c, argc, argv, out);
	if (n < 0)
		fprintf(stderr, "cpnsctl: out of memory\n");
	/* the strings stay for the process's life: *out points into them */
	free(c.e);
	return n;
}

int main(int argc, char *argv[])
{
	size_t i;

	if (argc < 2) {
		show_usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		show_usage(stdout);
		return CPNSCTL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("cpnsctl %s\n", CPNSCTL_VERSION);
		return CPNSCTL_EXIT_OK;
	}
	argc = with_config(argc, argv, &argv);
	if (argc < 0)
		return CPNSCTL_EXIT_USAGE;
	if (argc < 2) {
		show_usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].handler(argc - 1, argv + 1);

	fprintf(stderr, "cpnsctl: Invalid subcommand: `%s'\n", argv[1]);
	show_usage(stderr);
	return CPNSCTL_EXIT_USAGE;
}
