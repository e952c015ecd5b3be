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
#include "util.h"

static int usage(FILE *f, const char *name)
{
	fprintf(f, "Usage: cpnsctl %s [-j|--json] [-p|--pretty]\n\n"
		"Prints the version of cpnsctl, then the version and crypto profile of\n"
		"the cpns module, which is loaded if it is not yet.  -j: one JSON object,\n"
		"{\"cpnsctl\": ..., \"module\": ..., \"profile\": ...} (module and profile\n"
		"null when the module cannot be reached); -p: the same, pretty-printed.\n",
		name);
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

/* -j: the versions, null for the module's when @info is NULL. */
static void version_json(const struct cpns_info *info, bool pretty)
{
	bool first = true;
	char kv[256];

	json_key(stdout, pretty, &first, "cpnsctl");
	json_str(stdout, CPNSCTL_VERSION);
	if (info) {
		json_key(stdout, pretty, &first, "module");
		json_str(stdout, info->version);
		json_key(stdout, pretty, &first, "profile");
		json_str(stdout, info->profile);
	} else {
		snprintf(kv, sizeof(kv), "module=- profile=-");
		json_kv(stdout, pretty, &first, kv);
	}
	json_end(stdout, pretty, first);
}

int version_main(int argc, char *argv[])
{
	struct cpns_info *info = NULL;
	bool json = false, pretty = false;
	struct cpns_nl *nl;
	int err, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, argv[0]);
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty")) {
			json = true;
			pretty = true;
		} else {
			warn("version: invalid argument: `%s'", argv[i]);
			return usage(stderr, argv[0]);
		}
	}

	if (!json) {
		printf("cpnsctl %s\n", CPNSCTL_VERSION);
		fflush(stdout);
	}

	err = cpns_client_connect(&nl);
	if (err) {
		if (json)
			version_json(NULL, pretty);
		return err;
	}
	info = malloc(sizeof(*info));
	err = info ? cpns_get_info(nl, info) : -ENOMEM;
	cpns_nl_close(nl);
	if (err) {
		if (json)
			version_json(NULL, pretty);
		free(info);
		return err == -ENOMEM ? CPNSCTL_EXIT_IO : cpnsctl_exit_errno(err);
	}
	if (json)
		version_json(info, pretty);
	else
		printf("cpns module %s, profile %s\n",
		       info->version[0] ? info->version : "(unknown)",
		       info->profile[0] ? info->profile : "(unknown)");
	if (info->profile[0] && strcmp(info->profile, CPNS_PROFILE))
		fprintf(stderr, "cpnsctl: warning: module profile `%s', cpnsctl speaks `%s'\n",
			info->profile, CPNS_PROFILE);
	free(info);
	return CPNSCTL_EXIT_OK;
}
