// SPDX-License-Identifier: GPL-2.0
/*
 * The held keys of this network namespace, as the GW and the PNE see them:
 *
 *   gw list [-j]           the chains: EntityID, E, n, delivered index,
 *                          ChainID
 *   gw forget ENTITY [-j]  drop chain:ENTITY deliberately (CPNS_CMD_GW_FORGET)
 *   pne show [ENTITY] [-j] the held (E, i, n) and ChainID of each euk:
 *
 * Read from the public metadata the module's ->describe prints in
 * /proc/keys for the keys of the store ".cpns:net:[<inode>]" (never a
 * secret: a held key reads back only as a sealed blob).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <keyutils.h>

#include "admin.h"
#include "client.h"
#include "cpnsctl.h"
#include "role.h"
#include "state.h"
#include "util.h"

struct held {
	char entity[CPNS_ID_MAX_LEN + 1];
	unsigned long epoch, index, n;	/* index: delivered (chain) or i (euk) */
	char chain_id[2 * CPNS_CHAIN_ID_LEN + 1];
	int32_t serial;
};

/* The store keyring of this network namespace in /proc/keys; 0 if none. */
static int32_t store_serial(FILE *f)
{
	char ns[64], want[96], line[512];
	ssize_t l;

	l = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	if (l < 0)
		return 0;
	ns[l] = '\0';
	snprintf(want, sizeof(want), ".cpns:%s:", ns);
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char type[32], desc[128];
		unsigned int serial;

		if (sscanf(line, "%x %*s %*s %*s %*s %*s %*s %31s %127s", &serial,
			   type, desc) == 3 &&
		    !strcmp(type, "keyring") && !strcmp(desc, want))
			return (int32_t)serial;
	}
	return 0;
}

/* The /proc/keys line of @serial, parsed if it is a cpns "<prefix>X" key. */
static int parse_key(FILE *f, int32_t serial, const char *prefix,
		     struct held *h)
{
	char line[512];
	size_t pl = strlen(prefix);

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char type[32], desc[128], *meta, *tok, *save = NULL;
		unsigned int s;
		int off = 0;

		if (sscanf(line, "%x %*s %*s %*s %*s %*s %*s %31s %127s%n", &s,
			   type, desc, &off) != 3 || (int32_t)s != serial)
			continue;
		if (strcmp(type, "cpns") || strncmp(desc, prefix, pl))
			return -ENOENT;
		/* "chain:pne-1:" then "E=1 n=64 delivered=0 id=..." */
		if (strlen(desc) < pl + 2 || desc[strlen(desc) - 1] != ':')
			return -ENOENT;
		desc[strlen(desc) - 1] = '\0';
		if (strlen(desc + pl) > CPNS_ID_MAX_LEN)
			return -ENOENT;
		memset(h, 0, sizeof(*h));
		strcpy(h->entity, desc + pl);
		h->serial = serial;
		meta = line + off;
		for (tok = strtok_r(meta, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save)) {
			if (!strncmp(tok, "E=", 2))
				h->epoch = strtoul(tok + 2, NULL, 10);
			else if (!strncmp(tok, "n=", 2))
				h->n = strtoul(tok + 2, NULL, 10);
			else if (!strncmp(tok, "i=", 2) ||
				 !strncmp(tok, "delivered=", 10))
				h->index = strtoul(strchr(tok, '=') + 1, NULL, 10);
			else if (!strncmp(tok, "id=", 3) &&
				 strlen(tok + 3) == 2 * CPNS_CHAIN_ID_LEN)
				strcpy(h->chain_id, tok + 3);
		}
		return 0;
	}
	return -ENOENT;
}

/* The held keys of @prefix ("chain:", "euk:"), sorted by EntityID. */
static int held_list(const char *prefix, struct held **out, size_t *count)
{
	struct held *v = NULL;
	int32_t store, *ids = NULL;
	void *buf = NULL;
	long len, i;
	size_t n = 0;
	FILE *f;
	int ret = 0;

	*out = NULL;
	*count = 0;
	f = fopen("/proc/keys", "re");
	if (!f) {
		warn("/proc/keys: %s", strerror(errno));
		return -errno;
	}
	store = store_serial(f);
	if (!store)
		goto out;	/* nothing held yet in this namespace */
	len = keyctl_read_alloc(store, &buf);
	if (len < 0) {
		ret = -errno;
		warn("the module's store: %s", strerror(errno));
		goto out;
	}
	ids = buf;
	v = calloc(len / sizeof(*ids) + 1, sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; len > 0 && i < len / (long)sizeof(*ids); i++)
		if (!parse_key(f, ids[i], prefix, &v[n]))
			n++;
out:
	fclose(f);
	free(ids);
	if (ret) {
		free(v);
		return ret;
	}
	for (i = 1; i < (long)n; i++) {	/* few keys: insertion sort */
		struct held t = v[i];
		long j = i - 1;

		while (j >= 0 && strcmp(v[j].entity, t.entity) > 0) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = t;
	}
	*out = v;
	*count = n;
	return 0;
}

static void print_held(const struct held *v, size_t n, bool json, bool chain)
{
	const char *idx = chain ? "delivered" : "index";
	size_t i;

	if (json) {
		printf("{\"%s\": [", chain ? "chains" : "keys");
		for (i = 0; i < n; i++) {
			printf("%s\n  {\"entity\": ", i ? "," : "");
			json_str(stdout, v[i].entity);
			printf(", \"epoch\": %lu, \"%s\": %lu, \"n\": %lu, \"chain_id\": \"%s\", \"key\": %d}",
			       v[i].epoch, idx, v[i].index, v[i].n,
			       v[i].chain_id, v[i].serial);
		}
		printf("%s]}\n", n ? "\n" : "");
		return;
	}
	printf("%-24s %10s %9s %5s  %-32s\n", "ENTITY", "EPOCH",
	       chain ? "DELIVERED" : "I", "N", "CHAIN ID");
	for (i = 0; i < n; i++)
		printf("%-24s %10lu %9lu %5lu  %-32s\n", v[i].entity, v[i].epoch,
		       v[i].index, v[i].n, v[i].chain_id);
}

static int held_usage(FILE *f, bool gw)
{
	if (gw)
		fprintf(f,
"Usage: cpnsctl gw list [-j|--json]\n"
"       cpnsctl gw forget ENTITY [-j|--json]\n"
"\n"
"list    the chains this GW holds in its network namespace: EntityID, E,\n"
"        n, the last delivered (confirmed) index, ChainID; no secret\n"
"forget  drop chain:ENTITY deliberately (logged by the kernel, and an\n"
"        audit line here); the next `gw assign' makes a new chain\n"
"Exit status: 0 done; 1 no chain held for ENTITY; 2 bad command line;\n"
"3 no module; 4 permission.\n");
	else
		fprintf(f,
"Usage: cpnsctl pne show [ENTITY] [-j|--json]\n"
"\n"
"The keys this PNE holds in its network namespace: EntityID, the held\n"
"(E, i, n) and ChainID; no secret.  `cpnsctl pne reset ENTITY' drops one.\n"
"Exit status: 0 done; 1 no key held for ENTITY; 2 bad command line.\n");
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

/* Options: -j, --help, at most one positional argument. */
static int held_opts(int argc, char *argv[], bool gw, bool *json,
		     const char **pos)
{
	const char *who = gw ? (strcmp(argv[0], "list") ? "gw forget" : "gw list") :
			  "pne show";
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hj", longopts, NULL)) != -1) {
		if (c == 'h')
			exit(held_usage(stdout, gw));
		if (c != 'j') {
			if (c == ':')
				warn("%s: option `%s' needs a value", who,
				     argv[optind - 1]);
			else
				warn("%s: invalid argument: `%s'", who,
				     argv[optind - 1]);
			return -1;
		}
		*json = true;
	}
	*pos = NULL;
	if (optind < argc)
		*pos = argv[optind++];
	if (optind < argc) {
		warn("%s: unexpected argument: `%s'", who, argv[optind]);
		return -1;
	}
	if (*pos && !cpns_id_valid(*pos, strlen(*pos))) {
		warn("%s: invalid EntityID: `%s'", who, *pos);
		return -1;
	}
	return 0;
}

static int gw_forget(const char *entity, bool json)
{
	struct cpns_gw_forget_out out;
	struct cpns_nl *nl;
	int err, ret;

	ret = cpns_client_connect(&nl);
	if (ret)
		return ret;
	err = cpns_gw_forget(nl, entity, &out);
	cpns_nl_close(nl);
	if (err)
		return cpnsctl_exit_errno(err);
	state_forget("chain:", entity);
	cpns_audit(json, "gw forget", "entity=%s epoch=%u delivered=%u n=%u key=%d",
		   entity, out.epoch, out.delivered, out.n, out.serial);
	return CPNSCTL_EXIT_OK;
}

static int show(const char *prefix, const char *entity, bool json)
{
	struct held *v;
	size_t n, i;
	int err;

	err = held_list(prefix, &v, &n);
	if (err)
		return err == -ENOMEM ? CPNSCTL_EXIT_FAIL : CPNSCTL_EXIT_IO;
	if (entity) {
		for (i = 0; i < n && strcmp(v[i].entity, entity); i++)
			;
		if (i == n) {
			warn("no %s%s held in this network namespace", prefix,
			     entity);
			free(v);
			return CPNSCTL_EXIT_FAIL;
		}
		print_held(&v[i], 1, json, !strcmp(prefix, "chain:"));
	} else {
		print_held(v, n, json, !strcmp(prefix, "chain:"));
	}
	free(v);
	return CPNSCTL_EXIT_OK;
}

/* argv[0]: "list" or "forget" */
int gw_held_main(int argc, char *argv[])
{
	bool forget = !strcmp(argv[0], "forget"), json = false;
	const char *entity;

	if (held_opts(argc, argv, true, &json, &entity))
		return CPNSCTL_EXIT_USAGE;
	if (forget != !!entity) {
		warn("gw %s: %s", argv[0], forget ? "ENTITY expected" :
		     "no argument expected");
		return CPNSCTL_EXIT_USAGE;
	}
	return forget ? gw_forget(entity, json) : show("chain:", NULL, json);
}

/* argv[0]: "show" */
int pne_show_main(int argc, char *argv[])
{
	const char *entity;
	bool json = false;

	if (held_opts(argc, argv, false, &json, &entity))
		return CPNSCTL_EXIT_USAGE;
	return show("euk:", entity, json);
}
