// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl version: the tool's version and the module's (CPNS_CMD_GET_INFO),
 * loading the module through its family alias if needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cpnsctl.h"

static int usage(FILE *f, const char *name)
{
	fprintf(f, "Usage: cpnsctl %s\n\n"
		"Prints the version of cpnsctl, then the version and crypto profile of\n"
		"the cpns module, which is loaded if it is not yet.\n", name);
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

int version_main(int argc, char *argv[])
{
	struct cpns_info *info;
	struct cpns_nl *nl;
	int err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return usage(stdout, argv[0]);
	if (argc != 1)
		return usage(stderr, argv[0]);

	printf("cpnsctl %s\n", CPNSCTL_VERSION);
	fflush(stdout);

	err = cpns_client_connect(&nl);
	if (err)
		return err;
	info = malloc(sizeof(*info));
	err = info ? cpns_get_info(nl, info) : -ENOMEM;
	cpns_nl_close(nl);
	if (err) {
		free(info);
		return err == -ENOMEM ? CPNSCTL_EXIT_IO : cpnsctl_exit_errno(err);
	}
	printf("cpns module %s, profile %s\n",
	       info->version[0] ? info->version : "(unknown)",
	       info->profile[0] ? info->profile : "(unknown)");
	if (info->profile[0] && strcmp(info->profile, CPNS_PROFILE))
		fprintf(stderr, "cpnsctl: warning: module profile `%s', cpnsctl speaks `%s'\n",
			info->profile, CPNS_PROFILE);
	free(info);
	return CPNSCTL_EXIT_OK;
}
