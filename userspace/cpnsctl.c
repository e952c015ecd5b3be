// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl: userspace tool of cpns, OMA CPNS key assignment with every
 * secret held by the kernel.  A table of subcommands, each X_main() in
 * its own file.
 */
#include <stdio.h>
#include <string.h>

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

	fprintf(f, "Usage: cpnsctl <cmd> [<args>]\n\n");
	fprintf(f, "Available subcommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-10s%s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "\nYou may pass `--help' to any of these subcommands to view usage.\n");
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
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].handler(argc - 1, argv + 1);

	fprintf(stderr, "cpnsctl: Invalid subcommand: `%s'\n", argv[1]);
	show_usage(stderr);
	return CPNSCTL_EXIT_USAGE;
}
