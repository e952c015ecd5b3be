// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl server: the CPNS Server role.
 *
 *   server run       the daemon: one REQUEST per TCP connection, each
 *                    connection in its own process (Documentation/protocol.rst)
 *   server add-gw    record a GW (and load its PSK1 into the kernel)
 *   server add-user  register a user (password sealed by the kernel)
 *   server import    the manufacturer's list, all or nothing
 *   server list      entities, owners, epochs, chains (no secrets)
 *   server set       a setting of the store
 *
 * Every secret crosses this process only on its way into the kernel; the
 * store holds records sealed by the kernel under master:<name>.  This
 * file: the command line and the administration; the daemon is
 * server_daemon.c, the import server_import.c (server.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keyutils.h>

#include "admin.h"
#include "client.h"
#include "cpnsctl.h"
#include "opts.h"
#include "role.h"
#include "secret.h"
#include "server.h"
#include "state.h"
#include "server_store.h"
#include "store.h"
#include "util.h"
#include "wire.h"

#define DEFAULT_MASTER "store"
#define SRV_MAX_CONNS 256
#define SRV_MAX_PER_SOURCE 32
#define SRV_SOURCE_PREFIX6 64

static int usage(FILE *f)
{
	fprintf(f,
"Usage: cpnsctl server run --listen ADDR:PORT --db URI [--master NAME]\n"
"                          [--keyring KEYRING] [--chain-length N] [--timeout S]\n"
"                          [--header-timeout S] [--max-conns N] [--max-per-source N]\n"
"                          [--source-prefix6 LEN] [--workers N]\n"
"       cpnsctl server add-gw GWID --db URI [--psk-file FILE|-] [--keyring KEYRING]\n"
"       cpnsctl server add-user USER --db URI [--password-file FILE|-] [--replace]\n"
"                          [--master NAME] [--keyring KEYRING]\n"
"       cpnsctl server import FILE --db URI [--master NAME] [--keyring KEYRING]\n"
"       cpnsctl server list --db URI [-j|--json]\n"
"       cpnsctl server set NAME VALUE --db URI\n"
"       cpnsctl server init --db URI\n"
"       cpnsctl server migrate --from URI --to URI\n"
"       cpnsctl server stats --db URI [-j|--json]\n");
	server_admin_usage(f);
	fprintf(f, "\n"
"The CPNS Server.  Its store (--db: an SQLite file, sqlite:FILE, or a\n"
"PostgreSQL postgresql://... URI or libpq conninfo, without a password:\n"
"~/.pgpass or PGPASSFILE holds it) holds users, the manufacturer's\n"
"entities, owners, epochs and chains only as records sealed by the cpns\n"
"module under the key master:NAME (default NAME `" DEFAULT_MASTER "'), which must be in\n"
"KEYRING (default @u); PSK1 of each GW is the key psk:GWID there.\n"
"\n"
"  run       serve Key Assignment Requests on ADDR:PORT until SIGTERM/SIGINT;\n"
"            at most --max-conns (256) connections at once and --max-per-source\n"
"            (32) from one address (IPv6: one --source-prefix6 (/64) network),\n"
"            others answered ERROR BUSY; a frame's header within\n"
"            --header-timeout (2) seconds; each connection served by one of\n"
"            --workers (the CPU count) long-lived processes, or by one of its\n"
"            own when all are busy (0: always)\n"
"  add-gw    record GWID; with --psk-file, load its 32-byte PSK1 (raw bytes,\n"
"            `-' for stdin) as psk:GWID (else load it with keyctl padd)\n"
"  add-user  register USER; the password is read from the terminal, from\n"
"            --password-file, or from stdin with `--password-file -'\n"
"  import    the manufacturer's list: one `EntityID TK-in-hex ClaimCode' a\n"
"            line, `#' comments; checked whole, then imported all or nothing\n"
"  list      entities, owners, epochs, chain ids and n; -j for JSON\n"
"  set       user_limit, gw_limit, window (seconds), chain_length\n"
"  release, transfer, decommission, reinstate, remove-gw, rotate-gw,\n"
"  set-password, remove-user\n"
"            a device's, a GW's and a user's life: see their --help\n"
"  init      create the store's schema (PostgreSQL: needed once), or migrate\n"
"            an older schema to the current version\n"
"  migrate   copy a store into an empty one (e.g. SQLite to PostgreSQL);\n"
"            sealed records are copied unchanged, no key is needed\n"
"  stats     the number of answers of each status, of every server on the\n"
"            store\n"
"\n"
"Secrets are never taken from the command line and never printed.\n");
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

/* Options ----------------------------------------------------------------- */

enum {
	SRV_RUN = 1 << 0,
	SRV_ADD_GW = 1 << 1,
	SRV_ADD_USER = 1 << 2,
	SRV_IMPORT = 1 << 3,
	SRV_LIST = 1 << 4,
	SRV_SET = 1 << 5,
	SRV_INIT = 1 << 6,
	SRV_MIGRATE = 1 << 7,
	SRV_STATS = 1 << 8,
	SRV_ALL = (1 << 9) - 1,
	SRV_SEALS = SRV_RUN | SRV_ADD_USER | SRV_IMPORT,	/* use master: */
};

enum {
	OPT_LISTEN = 256, OPT_DB, OPT_MASTER, OPT_KEYRING, OPT_PSK_FILE,
	OPT_PASSWORD_FILE, OPT_TIMEOUT, OPT_CHAIN_LENGTH, OPT_REPLACE,
	OPT_LIMIT, OPT_LIMIT_CONNS, OPT_LIMIT_PER_SOURCE,
	OPT_LIMIT_PREFIX6, OPT_LIMIT_WORKERS, OPT_FROM, OPT_TO, OPT_JSON = 'j',
};

static const struct opt_def srv_opt_defs[] = {
	{ "db", OPT_DB, true, SRV_ALL & ~SRV_MIGRATE },
	{ "from", OPT_FROM, true, SRV_MIGRATE },
	{ "to", OPT_TO, true, SRV_MIGRATE },
	{ "listen", OPT_LISTEN, true, SRV_RUN },
	{ "master", OPT_MASTER, true, SRV_SEALS },
	{ "keyring", OPT_KEYRING, true, SRV_SEALS | SRV_ADD_GW },
	{ "chain-length", OPT_CHAIN_LENGTH, true, SRV_RUN },
	{ "timeout", OPT_TIMEOUT, true, SRV_RUN },
	{ "header-timeout", OPT_LIMIT, true, SRV_RUN },
	{ "max-conns", OPT_LIMIT_CONNS, true, SRV_RUN },
	{ "max-per-source", OPT_LIMIT_PER_SOURCE, true, SRV_RUN },
	{ "source-prefix6", OPT_LIMIT_PREFIX6, true, SRV_RUN },
	{ "workers", OPT_LIMIT_WORKERS, true, SRV_RUN },
	{ "psk-file", OPT_PSK_FILE, true, SRV_ADD_GW },
	{ "password-file", OPT_PASSWORD_FILE, true, SRV_ADD_USER },
	{ "replace", OPT_REPLACE, false, SRV_ADD_USER },
	{ "json", OPT_JSON, false, SRV_LIST | SRV_STATS },
	{ NULL, 0, false, 0 },
};

static int srv_set_value(struct srv_opts *o, int key, const char *name,
			 const char *val)
{
	char opt[32];
	uint64_t n;

	switch (key) {
	case OPT_MASTER:
		if (!cpns_id_valid(val, strlen(val))) {
			warn("server: invalid master name: `%s'", val);
			return -1;
		}
		o->master = val;
		return 0;
	case OPT_KEYRING:
		return role_parse_keyring(val, &o->keyring);
	case OPT_CHAIN_LENGTH:
		if (parse_u64(val, 1, CPNS_N_MAX, &n)) {
			warn("server: invalid chain length: `%s' (1..%d)", val,
			     CPNS_N_MAX);
			return -1;
		}
		o->chain_length = (long)n;
		return 0;
	case OPT_LIMIT:	/* one key each: the name is found by the key */
	case OPT_LIMIT_CONNS:
	case OPT_LIMIT_PER_SOURCE:
	case OPT_LIMIT_PREFIX6:
	case OPT_LIMIT_WORKERS:
		snprintf(opt, sizeof(opt), "--%s", name);
		return cpns_limits_opt(&o->limits, opt, val) < 0 ? -1 : 0;
	}
	return 0;
}

static int srv_set_opt(void *ctx, int key, const char *name, const char *val)
{
	struct srv_opts *o = ctx;

	switch (key) {
	case OPT_DB:
		o->db = val;
		break;
	case OPT_FROM:
		o->from = val;
		break;
	case OPT_TO:
		o->to = val;
		break;
	case OPT_LISTEN:
		o->listen = val;
		break;
	case OPT_PSK_FILE:
		o->psk_file = val;
		break;
	case OPT_PASSWORD_FILE:
		o->password_file = val;
		break;
	case OPT_TIMEOUT:
		o->timeout_str = val;
		break;
	case OPT_REPLACE:
		o->replace = true;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	default:
		return srv_set_value(o, key, name, val);
	}
	return 0;
}

int srv_store_connect(const struct srv_opts *o, struct store **st)
{
	return srv_store_open(o->db, st);
}

int srv_store_open(const char *db, struct store **st)
{
	int err = store_open(db, st);

	if (!err)
		return 0;
	if (err == -ENOENT)
		warn("store `%s': %s: create it with: cpnsctl server init --db %s",
		     db, *st && *store_errmsg(*st) ? store_errmsg(*st) :
		     "no cpns schema", db);
	else
		warn("store `%s': %s%s%s", db, strerror(-err),
		     *st && *store_errmsg(*st) ? ": " : "",
		     *st ? store_errmsg(*st) : "");
	store_close(*st);
	*st = NULL;
	return err == -ENOENT || err == -EINVAL || err == -EPROTONOSUPPORT ?
	       CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
}

void srv_store_warn(struct store *st, const char *what, int err)
{
	warn("store: %s: %s (%s)", what, strerror(-err), store_errmsg(st));
}

int64_t srv_setting(struct store *st, const char *name, int64_t def)
{
	int64_t v;

	return store_get_setting(st, name, &v) ? def : v;
}

/* Administration ----------------------------------------------------------- */

/* Administration ----------------------------------------------------------- */

/* PSK1 from @file loaded as @desc: its serial, or -1 with *ret (told). */
static key_serial_t load_psk(const struct srv_opts *o, const char *desc,
			     int *ret)
{
	struct cpns_secret psk = { 0 };
	key_serial_t serial;
	int err;

	err = secret_read(&psk, o->psk_file, "PSK1: ", 4096, 0);
	if (err) {
		warn("PSK1 `%s': %s", o->psk_file, strerror(-err));
		*ret = CPNSCTL_EXIT_IO;
		return -1;
	}
	if (psk.len != CPNS_PSK_LEN) {
		warn("PSK1 `%s': %zu bytes, must be exactly %d raw bytes",
		     o->psk_file, psk.len, CPNS_PSK_LEN);
		secret_free(&psk);
		*ret = CPNSCTL_EXIT_USAGE;
		return -1;
	}
	serial = add_key(CPNS_KEY_TYPE, desc, psk.buf, psk.len, o->keyring);
	err = errno;
	secret_free(&psk);
	if (serial < 0) {
		if (err == ENODEV)	/* key types are not autoloaded */
			warn("add_key %s: %s: the key type cpns needs the module: load it with `modprobe cpns'",
			     desc, strerror(err));
		else
			warn("add_key %s: %s", desc, strerror(err));
		*ret = err == EPERM || err == EACCES ? CPNSCTL_EXIT_PERM :
		       CPNSCTL_EXIT_FAIL;
	} else {
		state_save(serial, "psk:", desc + 4, strlen(desc + 4));
	}
	return serial;
}

static int server_add_gw(struct srv_opts *o, const char *gw)
{
	char desc[8 + CPNS_ID_MAX_LEN];
	key_serial_t serial = -1;
	struct store *st;
	int err, ret = 0;

	if (!cpns_id_valid(gw, strlen(gw))) {
		warn("server add-gw: invalid GwID: `%s'", gw);
		return CPNSCTL_EXIT_USAGE;
	}
	snprintf(desc, sizeof(desc), "psk:%s", gw);
	if (o->psk_file && load_psk(o, desc, &ret) < 0)
		return ret;
	ret = srv_store_connect(o, &st);
	if (ret)
		return ret;
	err = store_add_gw(st, gw, role_now());
	if (err == -EEXIST) {
		printf("GW %s: already recorded\n", gw);
	} else if (err) {
		srv_store_warn(st, "add GW", err);
		store_close(st);
		return CPNSCTL_EXIT_IO;
	} else {
		printf("GW %s: recorded\n", gw);
	}
	store_close(st);
	serial = keyctl_search(o->keyring, CPNS_KEY_TYPE, desc, 0);
	if (serial < 0)
		printf("PSK1: no key %s found yet: load it with\n"
		       "  keyctl padd %s %s @u < psk1.bin\n",
		       desc, CPNS_KEY_TYPE, desc);
	else
		printf("PSK1: key %s, serial %ld (its value cannot be read back)\n",
		       desc, (long)serial);
	return CPNSCTL_EXIT_OK;
}

/* The user's password, sealed by the kernel, into @rec: 0 or an exit code. */
static int seal_user(const struct srv_opts *o, const char *user,
		     struct cpns_record *rec)
{
	struct cpns_secret pw = { 0 };
	struct cpns_nl *nl;
	char prompt[128];
	int err, ret;

	ret = cpns_client_connect(&nl);
	if (ret)
		return ret;
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	ret = secret_read_told(&pw, o->password_file, prompt,
			       CPNS_PASSWORD_MAX_LEN, SECRET_TEXT, "password",
			       "--password-file");
	if (!ret) {
		struct cpns_srv_seal_user_in in = {
			.keyring = o->keyring, .master = o->master,
			.user_id = user, .password = pw.buf,
			.password_len = pw.len,
		};

		err = cpns_srv_seal_user(nl, &in, rec);
		ret = err ? cpnsctl_exit_errno(err) : 0;
	}
	secret_free(&pw);
	cpns_nl_close(nl);
	return ret;
}

static int server_add_user(struct srv_opts *o, const char *user)
{
	struct cpns_record *rec;
	struct store *st;
	int err, ret;

	if (!cpns_id_valid(user, strlen(user))) {
		warn("server add-user: invalid UserID: `%s'", user);
		return CPNSCTL_EXIT_USAGE;
	}
	ret = srv_store_connect(o, &st);
	if (ret)
		return ret;
	rec = malloc(sizeof(*rec));
	ret = rec ? seal_user(o, user, rec) : CPNSCTL_EXIT_FAIL;
	if (ret)
		goto out;
	err = store_put_user(st, user, rec->data, rec->len, o->replace,
			     role_now());
	if (err == -EEXIST) {
		warn("user `%s' exists already (--replace to change the password)",
		     user);
		ret = CPNSCTL_EXIT_FAIL;
	} else if (err) {
		srv_store_warn(st, "add user", err);
		ret = CPNSCTL_EXIT_IO;
	} else {
		printf("user %s: registered (password sealed under master:%s)\n",
		       user, o->master);
	}
out:
	free(rec);
	store_close(st);
	return ret;
}

/* List ------------------------------------------------------------------- */

struct list_ctx {
	bool json;
	size_t count;
};

static int list_one(const struct store_entity *e, void *arg)
{
	struct list_ctx *c = arg;
	char cid[2 * CPNS_CHAIN_ID_LEN + 1] = "-";

	if (e->has_chain)
		hex_encode(cid, e->chain_id, CPNS_CHAIN_ID_LEN);
	if (c->json) {
		printf("%s\n    {\"entity\": ", c->count ? "," : "");
		json_str(stdout, e->entity_id);
		printf(", \"owner\": ");
		if (e->owner[0])
			json_str(stdout, e->owner);
		else
			printf("null");
		printf(", \"epoch\": %u, \"chain_id\": ", e->epoch);
		if (e->has_chain)
			printf("\"%s\", \"n\": %u", cid, e->n);
		else
			printf("null, \"n\": null");
		printf(", \"updated\": %lld}", (long long)e->updated);
	} else {
		printf("%-24s %-24s %6u  %-32s %5u\n", e->entity_id,
		       e->owner[0] ? e->owner : "-", e->epoch, cid,
		       e->has_chain ? e->n : 0);
	}
	c->count++;
	return 0;
}

static int server_list(struct srv_opts *o)
{
	struct list_ctx c = { .json = o->json };
	int64_t users = 0, gws = 0;
	struct store *st;
	int err, ret;

	ret = srv_store_connect(o, &st);
	if (ret)
		return ret;
	store_count(st, "users", &users);
	store_count(st, "gws", &gws);
	if (c.json)
		printf("{\"users\": %lld, \"gws\": %lld, \"entities\": [",
		       (long long)users, (long long)gws);
	else
		printf("users: %lld, GWs: %lld\n%-24s %-24s %6s  %-32s %5s\n",
		       (long long)users, (long long)gws, "ENTITY", "OWNER",
		       "EPOCH", "CHAIN ID", "N");
	err = store_list_entities(st, list_one, &c);
	if (c.json)
		printf("%s]}\n", c.count ? "\n  " : "");
	if (err) {
		srv_store_warn(st, "list", err);
		ret = CPNSCTL_EXIT_IO;
	}
	store_close(st);
	return ret;
}

static int server_set(struct srv_opts *o, const char *name, const char *value)
{
	struct store *st;
	uint64_t v, max = !strcmp(name, "chain_length") ? CPNS_N_MAX :
			  !strcmp(name, "window") ? 86400 * 365 : 1000000;
	int err, ret;

	if (strcmp(name, "user_limit") && strcmp(name, "gw_limit") &&
	    strcmp(name, "window") && strcmp(name, "chain_length")) {
		warn("server set: unknown setting `%s' (user_limit, gw_limit, window, chain_length)",
		     name);
		return CPNSCTL_EXIT_USAGE;
	}
	if (parse_u64(value, 1, max, &v)) {
		warn("server set: invalid value for %s: `%s' (1..%llu)", name,
		     value, (unsigned long long)max);
		return CPNSCTL_EXIT_USAGE;
	}
	ret = srv_store_connect(o, &st);
	if (ret)
		return ret;
	err = store_set_setting(st, name, (int64_t)v);
	if (err) {
		srv_store_warn(st, "set", err);
		ret = CPNSCTL_EXIT_IO;
	} else {
		printf("%s = %llu\n", name, (unsigned long long)v);
	}
	store_close(st);
	return ret;
}

/*
 * Every subcommand's checks common to all of them, then the subcommand:
 * an exit code.
 */
static int srv_ready(struct srv_opts *o)
{
	if (role_parse_timeout(o->timeout_str, &o->timeout) ||
	    cpns_limits_check(&o->limits))
		return CPNSCTL_EXIT_USAGE;
	if (!o->db) {
		warn("server: --db URI is required");
		return CPNSCTL_EXIT_USAGE;
	}
	return 0;
}

static int srv_run(void *o, const char **pos)
{
	(void)pos;
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE : server_run(o);
}

static int srv_list(void *o, const char **pos)
{
	(void)pos;
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE : server_list(o);
}

static int srv_add_gw(void *o, const char **pos)
{
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE : server_add_gw(o, pos[0]);
}

static int srv_add_user(void *o, const char **pos)
{
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE : server_add_user(o, pos[0]);
}

static int srv_import(void *o, const char **pos)
{
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE : server_import(o, pos[0]);
}

static int srv_set(void *o, const char **pos)
{
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE :
	       server_set(o, pos[0], pos[1]);
}

static int srv_init(void *o, const char **pos)
{
	(void)pos;
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE : server_init(o);
}

static int srv_migrate(void *ctx, const char **pos)
{
	struct srv_opts *o = ctx;

	(void)pos;
	if (!o->from || !o->to) {
		warn("server migrate: --from URI and --to URI are required");
		return CPNSCTL_EXIT_USAGE;
	}
	return server_migrate(o);
}

static int srv_stats(void *o, const char **pos)
{
	(void)pos;
	return srv_ready(o) ? CPNSCTL_EXIT_USAGE : server_stats(o);
}

static const struct opt_sub srv_subs[] = {
	{ "run", SRV_RUN, 0, NULL, srv_run },
	{ "add-gw", SRV_ADD_GW, 1, "one argument", srv_add_gw },
	{ "add-user", SRV_ADD_USER, 1, "one argument", srv_add_user },
	{ "import", SRV_IMPORT, 1, "one argument", srv_import },
	{ "list", SRV_LIST, 0, NULL, srv_list },
	{ "set", SRV_SET, 2, "NAME VALUE", srv_set },
	{ "init", SRV_INIT, 0, NULL, srv_init },
	{ "migrate", SRV_MIGRATE, 0, NULL, srv_migrate },
	{ "stats", SRV_STATS, 0, NULL, srv_stats },
};

static const struct srv_opts srv_defaults = {
	.master = DEFAULT_MASTER,
	.keyring = KEY_SPEC_USER_KEYRING,
	.limits = {
		.max_conns = SRV_MAX_CONNS,
		.max_per_source = SRV_MAX_PER_SOURCE,
		.source_prefix6 = SRV_SOURCE_PREFIX6,
		.header_timeout = CPNS_WIRE_HDR_TIMEOUT_DEFAULT,
	},
};

int server_run_reread(struct srv_opts *o, const char **path)
{
	struct opt_cmd c = {
		.family = "server", .sub = "run", .sub_bit = SRV_RUN,
		.defs = srv_opt_defs, .set = srv_set_opt, .ctx = o,
	};
	char err[512], **argv;
	int argc;

	*o = srv_defaults;
	argc = cpnsctl_config_reread(&argv, path, err, sizeof(err));
	if (argc < 0) {
		warn("%s", err);
		return -1;
	}
	if (argc < 2 || opts_parse(&c, argc - 1, argv + 1, NULL) ||
	    srv_ready(o))
		return -1;
	return 0;
}

int server_main(int argc, char *argv[])
{
	struct srv_opts o = srv_defaults;
	struct opt_cmd c = {
		.family = "server", .defs = srv_opt_defs, .set = srv_set_opt,
		.ctx = &o,
	};

	if (argc >= 2 && server_admin_has(argv[1]))
		return server_admin_main(argc - 1, argv + 1);	/* admin.c */
	return opts_run(&c, srv_subs, ARRAY_SIZE(srv_subs), usage, argc, argv);
}
