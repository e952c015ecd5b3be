// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl show: what this node holds.  Every key of type "cpns" reachable
 * from the caller's keyrings (walked with libkeyutils' keyctl_read()) and the
 * held keys (chain:, euk:) of the module's store for this network
 * namespace (".cpns:net:[<inode>]", found in /proc/keys), with the
 * public metadata the module's ->describe prints in /proc/keys, and the
 * module's counters (CPNS_CMD_GET_INFO).  Never a secret: where a key's
 * value would be, "(hidden)".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <keyutils.h>

#include "client.h"
#include "cpnsctl.h"
#include "names.h"
#include "opts.h"
#include "role.h"
#include "util.h"

struct key_info {
	int32_t serial;
	int32_t keyring;		/* where it was found first */
	unsigned int uid;
	uint32_t perm;
	char desc[96];
	char meta[160];			/* ->describe's text after "desc: " */
};

struct walk {
	int32_t *seen;
	size_t nseen, capseen;
	struct key_info *keys;
	size_t nkeys, capkeys;
};

static const struct {
	const char *name;
	int32_t spec;
} special_keyrings[] = {
	{ "@t", KEY_SPEC_THREAD_KEYRING },
	{ "@p", KEY_SPEC_PROCESS_KEYRING },
	{ "@s", KEY_SPEC_SESSION_KEYRING },
	{ "@u", KEY_SPEC_USER_KEYRING },
	{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	p = realloc(p, n * size);
	if (!p)
		die(CPNSCTL_EXIT_IO, "%s", strerror(ENOMEM));
	*cap = n;
	return p;
}

static bool seen(struct walk *w, int32_t serial)
{
	size_t i;

	for (i = 0; i < w->nseen; i++)
		if (w->seen[i] == serial)
			return true;
	w->seen = grow(w->seen, &w->capseen, w->nseen + 1, sizeof(*w->seen));
	w->seen[w->nseen++] = serial;
	return false;
}

/* "type;uid;gid;perm;description" */
static int describe(int32_t serial, char *type, size_t tlen,
		    struct key_info *ki)
{
	char buf[512], *p, *f[5];
	long n;
	int i;

	n = keyctl_describe(serial, buf, sizeof(buf));
	if (n < 0 || (size_t)n > sizeof(buf))
		return -1;
	buf[sizeof(buf) - 1] = '\0';
	for (p = buf, i = 0; i < 4; i++) {
		f[i] = p;
		p = strchr(p, ';');
		if (!p)
			return -1;
		*p++ = '\0';
	}
	f[4] = p;
	snprintf(type, tlen, "%s", f[0]);
	ki->uid = (unsigned int)strtoul(f[1], NULL, 10);
	ki->perm = (uint32_t)strtoul(f[3], NULL, 16);
	snprintf(ki->desc, sizeof(ki->desc), "%s", f[4]);
	return 0;
}

static void walk_keyring(struct walk *w, int32_t ring, int depth)
{
	int32_t *ids;
	long n, size, i;

	if (depth > 8)
		return;
	size = keyctl_read(ring, NULL, 0);
	if (size <= 0)
		return;
	ids = malloc((size_t)size);
	if (!ids)
		die(CPNSCTL_EXIT_IO, "%s", strerror(ENOMEM));
	/*
	 * The size of the whole keyring, even when it grew since the first
	 * call and only @size bytes were copied: walk what was copied.
	 */
	n = keyctl_read(ring, (char *)ids, (size_t)size);
	if (n > size)
		n = size;
	for (i = 0; n > 0 && i < n / (long)sizeof(*ids); i++) {
		struct key_info ki = { .serial = ids[i], .keyring = ring };
		char type[32];

		if (seen(w, ids[i]) || describe(ids[i], type, sizeof(type), &ki))
			continue;
		if (!strcmp(type, "keyring")) {
			walk_keyring(w, ids[i], depth + 1);
		} else if (!strcmp(type, CPNS_KEY_TYPE)) {
			w->keys = grow(w->keys, &w->capkeys, w->nkeys + 1,
				       sizeof(*w->keys));
			w->keys[w->nkeys++] = ki;
		}
	}
	free(ids);
}

/* Fill in ->meta from /proc/keys: "... cpns      psk:gw1: 32 bytes". */
static void read_proc_keys(struct walk *w)
{
	char line[512], type[32];
	unsigned int serial;
	size_t i;
	FILE *f;
	int off;

	f = fopen("/proc/keys", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *rest, *colon;

		off = 0;
		if (sscanf(line, "%x %*s %*s %*s %*x %*s %*s %31s %n",
			   &serial, type, &off) != 2 || !off ||
		    strcmp(type, CPNS_KEY_TYPE))
			continue;
		rest = line + off;
		rest[strcspn(rest, "\n")] = '\0';
		colon = strstr(rest, ": ");
		if (!colon)
			continue;
		for (i = 0; i < w->nkeys; i++)
			if ((uint32_t)w->keys[i].serial == serial)
				snprintf(w->keys[i].meta, sizeof(w->keys[i].meta),
					 "%s", colon + 2);
	}
	fclose(f);
}

/* The serial of this network namespace's store, from /proc/keys; 0: none. */
static int32_t find_store(void)
{
	char ns[64], want[96], line[512];
	unsigned int serial;
	int32_t r = 0;
	ssize_t n;
	FILE *f;

	n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	if (n < 0)
		return 0;
	ns[n] = '\0';
	snprintf(want, sizeof(want), " keyring   .cpns:%s: ", ns);
	f = fopen("/proc/keys", "re");
	if (!f)
		return 0;
	while (!r && fgets(line, sizeof(line), f))
		if (strstr(line, want) && sscanf(line, "%x", &serial) == 1)
			r = (int32_t)serial;
	fclose(f);
	return r;
}

static int32_t store_serial;

static const char *keyring_name(int32_t ring, const int32_t *roots)
{
	size_t i;

	if (ring && ring == store_serial)
		return "store of held keys";
	for (i = 0; i < ARRAY_SIZE(special_keyrings); i++)
		if (roots[i] == ring)
			return special_keyrings[i].name;
	return NULL;
}

/* "E=1 n=100 delivered=0 id=..." and "32 bytes" to readable names. */
static const char *meta_name(const char *k)
{
	if (!strcmp(k, "E"))
		return "epoch";
	if (!strcmp(k, "i"))
		return "index";
	if (!strcmp(k, "id"))
		return "chain_id";
	return k;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Calls @fn(key, value) for each item of ->meta. */
static void meta_each(const char *meta, void (*fn)(const char *, const char *, void *),
		      void *arg)
{
	char buf[160], *tok, *save, *eq;
	unsigned long len;
	char num[24];
	int end = 0;

	if (sscanf(meta, "%lu bytes%n", &len, &end) == 1 && end &&
	    !meta[end]) {
		snprintf(num, sizeof(num), "%lu", len);
		fn("length", num, arg);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", meta);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		fn(meta_name(tok), eq + 1, arg);
	}
}

static void meta_text(const char *k, const char *v, void *arg)
{
	(void)arg;
	if (!strcmp(k, "length"))
		printf("  length: %s bytes\n", v);
	else if (!strcmp(k, "chain_id"))
		printf("  chain id: %s\n", v);
	else
		printf("  %s: %s\n", k, v);
}

static void meta_json(const char *k, const char *v, void *arg)
{
	(void)arg;
	printf(", ");
	json_str(stdout, k);
	printf(": ");
	/* A number only when it is one: the chain id is hex, even if all digits. */
	if (strcmp(k, "chain_id") && all_digits(v) && strlen(v) < 20 &&
	    (v[0] != '0' || !v[1]))
		printf("%s", v);
	else
		json_str(stdout, v);
}

static void print_kind_id(const char *desc, bool json)
{
	const char *colon = strchr(desc, ':');
	char kind[16];

	if (!colon || (size_t)(colon - desc) >= sizeof(kind))
		return;
	snprintf(kind, sizeof(kind), "%.*s", (int)(colon - desc), desc);
	if (json) {
		printf(", \"kind\": ");
		json_str(stdout, kind);
		printf(", \"id\": ");
		json_str(stdout, colon + 1);
	}
}

static int usage(FILE *f, const char *name)
{
	fprintf(f, "Usage: cpnsctl %s [-j|--json] [-k|--keyring KEYRING]\n\n"
		"Shows the keys of type cpns reachable from the caller's keyrings (or\n"
		"from KEYRING only: a serial number, @t, @p, @s, @u or @us) with their\n"
		"public metadata, and the counters of the cpns module.  Key values are\n"
		"never shown: they cannot be read from the kernel at all.\n", name);
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

enum { OPT_JSON = 'j', OPT_KEYRING = 'k' };

static const struct opt_def show_opt_defs[] = {
	{ "json", OPT_JSON, false, 1 },
	{ "keyring", OPT_KEYRING, true, 1 },
	{ NULL, 0, false, 0 },
};

struct show_opts {
	bool json;
	int32_t only;		/* 0: every keyring */
};

static int show_set_opt(void *ctx, int key, const char *name, const char *val)
{
	struct show_opts *o = ctx;

	(void)name;
	if (key == OPT_JSON)
		o->json = true;
	else if (role_parse_keyring(val, &o->only))
		return -1;
	return 0;
}

/*
 * The module's info into @info (which also loads it): 0 or an exit code;
 * *denied when the module is there but the caller may not ask it (EPERM:
 * no CAP_NET_ADMIN).
 */
static int module_info(struct cpns_info *info, bool *denied)
{
	struct cpns_nl *nl;
	int ret = cpns_client_connect(&nl);

	*denied = ret == CPNSCTL_EXIT_PERM;
	if (ret)
		return ret;
	ret = cpns_get_info(nl, info);
	cpns_nl_close(nl);
	*denied = ret == -EPERM || ret == -EACCES;
	return ret ? cpnsctl_exit_errno(ret) : 0;
}

/* Every cpns key reachable (from @only, or from every keyring) into @w. */
static void collect_keys(struct walk *w, int32_t only, int32_t *roots)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(special_keyrings); k++)
		roots[k] = keyctl_get_keyring_ID(special_keyrings[k].spec, 0);
	if (only) {
		int32_t id = keyctl_get_keyring_ID(only, 0);

		if (id < 0)
			die(CPNSCTL_EXIT_FAIL, "keyring `%d': %s", only, strerror(errno));
		seen(w, id);
		walk_keyring(w, id, 0);
	} else {
		for (k = 0; k < ARRAY_SIZE(special_keyrings); k++)
			if (roots[k] > 0 && !seen(w, roots[k]))
				walk_keyring(w, roots[k], 0);
		store_serial = find_store();
		if (store_serial > 0 && !seen(w, store_serial))
			walk_keyring(w, store_serial, 0);
	}
	read_proc_keys(w);
}

#define SHOW_DENIED "the module's version and counters need CAP_NET_ADMIN"

static void print_module(const struct cpns_info *info, bool denied, bool json)
{
	size_t i;

	if (!info && denied) {
		printf(json ? "{\"error\": \"" SHOW_DENIED "\"}" :
		       "module: loaded; " SHOW_DENIED "\n");
		return;
	}
	if (!info) {
		printf(json ? "null" : "module: unavailable\n");
		return;
	}
	if (json) {
		printf("{\"version\": ");
		json_str(stdout, info->version);
		printf(", \"profile\": ");
		json_str(stdout, info->profile);
		printf(", \"counters\": {");
	} else {
		printf("module: cpns %s, profile %s\n", info->version,
		       info->profile);
		printf("counters:");
	}
	for (i = 0; i < info->ncounters; i++) {
		const char *name = cpns_counter_name(info->counters[i].type);
		unsigned long long v = info->counters[i].value;
		char unk[24];

		if (!name) {
			snprintf(unk, sizeof(unk), "counter_%d",
				 info->counters[i].type);
			name = unk;
		}
		if (json) {
			printf("%s", i ? ", " : "");
			json_str(stdout, name);
			printf(": %llu", v);
		} else {
			printf("%s %s %llu", i ? "," : "", name, v);
		}
	}
	printf(json ? "}}" : "\n");
}

static void print_key(const struct key_info *ki, const int32_t *roots,
		      bool json, bool first)
{
	const char *rn = keyring_name(ki->keyring, roots);

	if (json) {
		printf("%s{\"serial\": %d, \"keyring\": %d, \"description\": ",
		       first ? "" : ", ", ki->serial, ki->keyring);
		json_str(stdout, ki->desc);
		print_kind_id(ki->desc, true);
		printf(", \"uid\": %u, \"perm\": \"%08x\"", ki->uid, ki->perm);
		meta_each(ki->meta, meta_json, NULL);
		printf(", \"value\": \"(hidden)\"}");
		return;
	}
	printf("\nkey %d: %s\n", ki->serial, ki->desc);
	if (rn)
		printf("  keyring: %d (%s)\n", ki->keyring, rn);
	else
		printf("  keyring: %d\n", ki->keyring);
	meta_each(ki->meta, meta_text, NULL);
	printf("  value: (hidden)\n");
}

int show_main(int argc, char *argv[])
{
	int32_t roots[ARRAY_SIZE(special_keyrings)];
	struct show_opts o = { 0 };
	struct opt_cmd c = {
		.family = argv[0], .sub_bit = 1, .defs = show_opt_defs,
		.set = show_set_opt, .ctx = &o,
	};
	struct cpns_info *info = malloc(sizeof(*info));
	struct walk w = { 0 };
	bool denied = false;
	int ret;
	size_t k;

	ret = opts_parse(&c, argc, argv, NULL);
	if (ret) {
		free(info);
		return usage(ret > 0 ? stdout : stderr, argv[0]);
	}
	/* The module's info first: it also loads the module. */
	ret = info ? module_info(info, &denied) : CPNSCTL_EXIT_IO;
	collect_keys(&w, o.only, roots);
	if (o.json) {
		printf("{\"cpnsctl\": ");
		json_str(stdout, CPNSCTL_VERSION);
		printf(", \"module\": ");
	}
	print_module(ret ? NULL : info, denied, o.json);
	if (o.json)
		printf(", \"keys\": [");
	for (k = 0; k < w.nkeys; k++)
		print_key(&w.keys[k], roots, o.json, k == 0);
	if (o.json)
		printf("]}\n");
	else if (!w.nkeys)
		printf("\nno cpns keys\n");
	free(info);
	free(w.keys);
	free(w.seen);
	return ret;
}
