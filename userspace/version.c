// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl version: the tool's version and the module's (CPNS_CMD_GET_INFO),
 * loading the module through its family alias if needed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpnsctl.h"
#include "nl.h"

static int usage(FILE *f, const char *name)
{
	fprintf(f, "Usage: cpnsctl %s\n\n"
		"Prints the version of cpnsctl, then the version and crypto profile of\n"
		"the cpns module, which is loaded if it is not yet.\n", name);
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

int version_main(int argc, char *argv[])
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct cpns_nl *nl;
	struct nl_msg *msg;
	int err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return usage(stdout, argv[0]);
	if (argc != 1)
		return usage(stderr, argv[0]);

	printf("cpnsctl %s\n", CPNSCTL_VERSION);
	fflush(stdout);

	err = cpns_nl_open(&nl);
	if (err) {
		fprintf(stderr, "cpnsctl: cpns module: %s\n",
			err == -ENOENT ? "not loaded and could not be loaded" :
					 strerror(-err));
		return cpnsctl_exit_open(err);
	}
	msg = cpns_msg(nl, CPNS_CMD_GET_INFO);
	if (!msg) {
		cpns_nl_close(nl);
		fprintf(stderr, "cpnsctl: %s\n", strerror(ENOMEM));
		return CPNSCTL_EXIT_IO;
	}
	err = cpns_nl_request(nl, msg, tb);
	nlmsg_free(msg);
	if (err) {
		cpns_nl_perror(nl, "get-info", err);
		cpns_nl_close(nl);
		return cpnsctl_exit_errno(err);
	}
	printf("cpns module %s, profile %s\n",
	       tb[CPNS_A_VERSION] ? nla_get_string(tb[CPNS_A_VERSION]) : "(unknown)",
	       tb[CPNS_A_PROFILE] ? nla_get_string(tb[CPNS_A_PROFILE]) : "(unknown)");
	if (tb[CPNS_A_PROFILE] && strcmp(nla_get_string(tb[CPNS_A_PROFILE]), CPNS_PROFILE))
		fprintf(stderr, "cpnsctl: warning: module profile `%s', cpnsctl speaks `%s'\n",
			nla_get_string(tb[CPNS_A_PROFILE]), CPNS_PROFILE);
	cpns_nl_close(nl);
	return CPNSCTL_EXIT_OK;
}
