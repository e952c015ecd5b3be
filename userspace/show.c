// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl show: what this node holds.  Every key of type "cpns" reachable
 * from the caller's keyrings (walked with keyctl(KEYCTL_READ)) and the
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
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "cpnsctl.h"
#include "names.h"
#include "nl.h"
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

static long keyctl(int cmd, unsigned long a2, unsigned long a3,
		   unsigned long a4, unsigned long a5)
{
	return syscall(SYS_keyctl, cmd, a2, a3, a4, a5);
}

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

	n = keyctl(KEYCTL_DESCRIBE, (unsigned long)serial, (unsigned long)buf,
		   sizeof(buf), 0);
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
	size = keyctl(KEYCTL_READ, (unsigned long)ring, 0, 0, 0);
	if (size <= 0)
		return;
	ids = malloc((size_t)size);
	if (!ids)
		die(CPNSCTL_EXIT_IO, "%s", strerror(ENOMEM));
	/*
	 * The size of the whole keyring, even when it grew since the first
	 * call and only @size bytes were copied: walk what was copied.
	 */
	n = keyctl(KEYCTL_READ, (unsigned long)ring, (unsigned long)ids,
		   (unsigned long)size, 0);
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

static const char *keyring_name(int32_t ring, int32_t *roots)
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

static int32_t parse_keyring(const char *s)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(special_keyrings); i++)
		if (!strcmp(s, special_keyrings[i].name))
			return special_keyrings[i].spec;
	if (parse_u64(s, 1, INT32_MAX, &v))
		die(CPNSCTL_EXIT_USAGE, "Invalid keyring: `%s'", s);
	return (int32_t)v;
}

int show_main(int argc, char *argv[])
{
	int32_t roots[ARRAY_SIZE(special_keyrings)];
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct walk w = { 0 };
	struct cpns_nl *nl = NULL;
	struct nl_msg *msg;
	int32_t only = 0;
	bool json = false;
	int i, err, ret = CPNSCTL_EXIT_OK;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, argv[0]);
		else if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json = true;
		else if ((!strcmp(argv[i], "-k") || !strcmp(argv[i], "--keyring")) &&
			 i + 1 < argc)
			only = parse_keyring(argv[++i]);
		else {
			fprintf(stderr, "cpnsctl: %s: invalid argument: `%s'\n",
				argv[0], argv[i]);
			return usage(stderr, argv[0]);
		}
	}

	/* The module's info first: it also loads the module. */
	err = cpns_nl_open(&nl);
	if (err) {
		warn("cpns module: %s", err == -ENOENT ?
		     "not loaded and could not be loaded" : strerror(-err));
		ret = cpnsctl_exit_open(err);
		nl = NULL;
	} else {
		msg = cpns_msg(nl, CPNS_CMD_GET_INFO);
		err = msg ? cpns_nl_request(nl, msg, tb) : -ENOMEM;
		nlmsg_free(msg);
		if (err) {
			cpns_nl_perror(nl, "get-info", err);
			ret = cpnsctl_exit_errno(err);
			cpns_nl_close(nl);
			nl = NULL;
		}
	}

	for (k = 0; k < ARRAY_SIZE(special_keyrings); k++)
		roots[k] = (int32_t)keyctl(KEYCTL_GET_KEYRING_ID,
					   (unsigned long)special_keyrings[k].spec,
					   0, 0, 0);
	if (only) {
		int32_t id = (int32_t)keyctl(KEYCTL_GET_KEYRING_ID,
					     (unsigned long)only, 0, 0, 0);

		if (id < 0)
			die(CPNSCTL_EXIT_FAIL, "keyring `%d': %s", only, strerror(errno));
		seen(&w, id);
		walk_keyring(&w, id, 0);
	} else {
		for (k = 0; k < ARRAY_SIZE(special_keyrings); k++)
			if (roots[k] > 0 && !seen(&w, roots[k]))
				walk_keyring(&w, roots[k], 0);
		store_serial = find_store();
		if (store_serial > 0 && !seen(&w, store_serial))
			walk_keyring(&w, store_serial, 0);
	}
	read_proc_keys(&w);

	if (json) {
		printf("{\"cpnsctl\": ");
		json_str(stdout, CPNSCTL_VERSION);
		printf(", \"module\": ");
	}
	if (nl) {
		const char *v = tb[CPNS_A_VERSION] ? nla_get_string(tb[CPNS_A_VERSION]) : "";
		const char *p = tb[CPNS_A_PROFILE] ? nla_get_string(tb[CPNS_A_PROFILE]) : "";
		struct nlattr *a;
		int rem, first = 1;

		if (json) {
			printf("{\"version\": ");
			json_str(stdout, v);
			printf(", \"profile\": ");
			json_str(stdout, p);
			printf(", \"counters\": {");
		} else {
			printf("module: cpns %s, profile %s\n", v, p);
			printf("counters:");
		}
		if (tb[CPNS_A_COUNTERS]) {
			nla_for_each_nested(a, tb[CPNS_A_COUNTERS], rem) {
				const char *name = cpns_counter_name(nla_type(a));
				char unk[24];

				if (nla_len(a) != 8)
					continue;
				if (!name) {
					snprintf(unk, sizeof(unk), "counter_%d", nla_type(a));
					name = unk;
				}
				if (json) {
					printf("%s", first ? "" : ", ");
					json_str(stdout, name);
					printf(": %llu", (unsigned long long)nla_get_u64(a));
				} else {
					printf("%s %s %llu", first ? "" : ",", name,
					       (unsigned long long)nla_get_u64(a));
				}
				first = 0;
			}
		}
		printf(json ? "}}" : "\n");
	} else {
		printf(json ? "null" : "module: unavailable\n");
	}

	if (json)
		printf(", \"keys\": [");
	for (k = 0; k < w.nkeys; k++) {
		struct key_info *ki = &w.keys[k];
		const char *rn = keyring_name(ki->keyring, roots);

		if (json) {
			printf("%s{\"serial\": %d, \"keyring\": %d, \"description\": ",
			       k ? ", " : "", ki->serial, ki->keyring);
			json_str(stdout, ki->desc);
			print_kind_id(ki->desc, true);
			printf(", \"uid\": %u, \"perm\": \"%08x\"", ki->uid, ki->perm);
			meta_each(ki->meta, meta_json, NULL);
			printf(", \"value\": \"(hidden)\"}");
		} else {
			printf("\nkey %d: %s\n", ki->serial, ki->desc);
			if (rn)
				printf("  keyring: %d (%s)\n", ki->keyring, rn);
			else
				printf("  keyring: %d\n", ki->keyring);
			meta_each(ki->meta, meta_text, NULL);
			printf("  value: (hidden)\n");
		}
	}
	if (json)
		printf("]}\n");
	else if (!w.nkeys)
		printf("\nno cpns keys\n");

	free(w.keys);
	free(w.seen);
	cpns_nl_close(nl);
	return ret;
}
