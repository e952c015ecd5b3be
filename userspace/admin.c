// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl server: the administration of a device's life, on the server's
 * own node (Documentation/design.rst, "The rest of a device's life"):
 *
 *   server release ENTITY          no owner; the next claim needs the code
 *   server transfer ENTITY USER    the owner becomes USER, no claim code
 *   server decommission ENTITY     every later request: UNKNOWN_ENTITY
 *   server reinstate ENTITY --list FILE
 *                                  back from the manufacturer's list
 *   server remove-gw GW            psk:GW retired: BAD_GW_AUTH
 *   server rotate-gw GW            a new PSK1, the old one for --grace S
 *   server set-password USER       a new H(password), sealed
 *   server remove-user USER        refused while USER owns devices, unless
 *                                  --release-devices
 *
 * Every change of an entity is made by the module over its sealed record
 * (CPNS_CMD_SRV_RELEASE ...); the store only keeps what the module
 * returned, written only if the row still holds what was read.  Each
 * change prints one audit line (who, what, when; never a secret) on
 * stdout, or the same as JSON with -j, and sends it to syslog (the
 * journal) as "cpnsctl-audit".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <keyutils.h>

#include "admin.h"
#include "client.h"
#include "cpnsctl.h"
#include "role.h"
#include "secret.h"
#include "server.h"
#include "state.h"
#include "store.h"
#include "util.h"

#define ADMIN_DEFAULT_MASTER "store"
/* Why an hour: the GW's operator loads the new PSK1 on the GW meanwhile. */
#define ADMIN_DEFAULT_GRACE 3600
#define ADMIN_LIST_MAX (4 << 20)

struct admin_opts {
	const char *sub;
	char op[32];			/* "server <sub>", for the audit */
	const char *db;
	const char *master;
	const char *password_file;
	const char *psk_file;
	const char *list;
	int32_t keyring;
	uint32_t grace;
	bool release_devices;
	bool json;
	const char *pos[2];
	int npos;
};

static const struct admin_sub {
	const char *name;
	int nargs;
	const char *args;
	const char *help;
} admin_subs[] = {
	{ "release", 1, "ENTITY", "ENTITY has no owner; its next first claim needs the claim code" },
	{ "transfer", 2, "ENTITY USER", "the owner of ENTITY becomes USER, without a claim code" },
	{ "decommission", 1, "ENTITY", "every later request for ENTITY: UNKNOWN_ENTITY" },
	{ "reinstate", 1, "ENTITY --list FILE", "a decommissioned ENTITY back from the manufacturer's list" },
	{ "remove-gw", 1, "GW", "retire GW: psk:GW unlinked and invalidated (BAD_GW_AUTH)" },
	{ "rotate-gw", 1, "GW [--psk-file FILE|-] [--grace S]", "a new PSK1 for GW; the old one for S seconds (3600)" },
	{ "set-password", 1, "USER [--password-file FILE|-]", "a new password for USER; the old one fails at once" },
	{ "remove-user", 1, "USER [--release-devices]", "remove USER; refused while USER owns devices unless --release-devices" },
};

bool server_admin_has(const char *sub)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(admin_subs); i++)
		if (!strcmp(sub, admin_subs[i].name))
			return true;
	return false;
}

void server_admin_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(admin_subs); i++)
		fprintf(f, "       cpnsctl server %s %s --db FILE [-j]\n",
			admin_subs[i].name, admin_subs[i].args);
}

static int admin_usage(FILE *f, const struct admin_sub *s)
{
	fprintf(f,
"Usage: cpnsctl server %s %s --db FILE\n"
"                      [--master NAME] [--keyring KEYRING] [-j|--json]\n"
"\n"
"%s.\n"
"\n"
"The change is made by the cpns module over the record it sealed under\n"
"master:NAME (default `" ADMIN_DEFAULT_MASTER "', in KEYRING, default @u); the store (--db)\n"
"keeps what the module returned.  One audit line (who, what, when) is\n"
"printed, as JSON with -j, and logged to syslog.  Exit status: 0 done;\n"
"1 refused (unknown entity, user or GW; a second release; the module's\n"
"refusal); 2 bad command line; 3 no module; 4 permission; 5 store error.\n"
"See cpnsctl(8).\n", s->name, s->args, s->help);
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

static int parse_opts(int argc, char *argv[], const struct admin_sub *sub,
		      struct admin_opts *o)
{
	enum { O_DB = 256, O_MASTER, O_KEYRING, O_PWFILE, O_PSKFILE, O_GRACE,
	       O_RELEASE, O_LIST };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "db", required_argument, NULL, O_DB },
		{ "master", required_argument, NULL, O_MASTER },
		{ "keyring", required_argument, NULL, O_KEYRING },
		{ "password-file", required_argument, NULL, O_PWFILE },
		{ "psk-file", required_argument, NULL, O_PSKFILE },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "release-devices", no_argument, NULL, O_RELEASE },
		{ "list", required_argument, NULL, O_LIST },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hj", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			exit(admin_usage(stdout, sub));
		case 'j':
			o->json = true;
			break;
		case O_DB:
			o->db = optarg;
			break;
		case O_MASTER:
			if (!cpns_id_valid(optarg, strlen(optarg))) {
				warn("server %s: invalid master name: `%s'",
				     sub->name, optarg);
				return -1;
			}
			o->master = optarg;
			break;
		case O_KEYRING:
			if (role_parse_keyring(optarg, &o->keyring))
				return -1;
			break;
		case O_PWFILE:
			o->password_file = optarg;
			break;
		case O_PSKFILE:
			o->psk_file = optarg;
			break;
		case O_GRACE:
			if (parse_u64(optarg, 0, CPNS_GRACE_MAX_SECONDS, &v)) {
				warn("server %s: invalid grace: `%s' (0..%d seconds)",
				     sub->name, optarg, CPNS_GRACE_MAX_SECONDS);
				return -1;
			}
			o->grace = (uint32_t)v;
			break;
		case O_RELEASE:
			o->release_devices = true;
			break;
		case O_LIST:
			o->list = optarg;
			break;
		case ':':
			warn("server %s: option `%s' needs a value", sub->name,
			     argv[optind - 1]);
			return -1;
		default:
			warn("server %s: invalid argument: `%s'", sub->name,
			     argv[optind - 1]);
			return -1;
		}
	}
	for (; optind < argc; optind++) {
		if (o->npos >= sub->nargs) {
			warn("server %s: unexpected argument: `%s'", sub->name,
			     argv[optind]);
			return -1;
		}
		o->pos[o->npos++] = argv[optind];
	}
	if (o->npos != sub->nargs) {
		warn("server %s: %s expected", sub->name, sub->args);
		return -1;
	}
	if (!o->db) {
		warn("server %s: --db FILE is required", sub->name);
		return -1;
	}
	if (o->list && strcmp(sub->name, "reinstate")) {
		warn("server %s: --list is for reinstate", sub->name);
		return -1;
	}
	if (!o->list && !strcmp(sub->name, "reinstate")) {
		warn("server reinstate: --list FILE (the manufacturer's list) is required");
		return -1;
	}
	return 0;
}

/* Audit ------------------------------------------------------------------ */

/*
 * "audit: 2026-12-02T05:00:00Z uid=0(root) server release entity=pne-1
 * owner_was=alice owner=- epoch=3": stdout, or a JSON object with -j, and
 * syslog.  @fmt gives "key=value" pairs (identifiers or numbers; "-":
 * none), never a secret.
 */
void cpns_audit(bool json, const char *op, const char *fmt, ...)
{
	char what[512], when[32], who[96];
	struct passwd *pw = getpwuid(getuid());
	time_t now = time(NULL);
	bool first = true;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(who, sizeof(who), "uid=%u(%s)", (unsigned int)getuid(),
		 pw ? pw->pw_name : "?");
	openlog("cpnsctl-audit", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "%s %s %s", who, op, what);
	closelog();
	if (!json) {
		printf("audit: %s %s %s %s\n", when, who, op, what);
		fflush(stdout);
		return;
	}
	json_key(stdout, false, &first, "time");
	json_str(stdout, when);
	json_key(stdout, false, &first, "uid");
	printf("%u", (unsigned int)getuid());
	json_key(stdout, false, &first, "user");
	json_str(stdout, pw ? pw->pw_name : "?");
	json_key(stdout, false, &first, "op");
	json_str(stdout, op);
	json_kv(stdout, false, &first, what);
	json_end(stdout, false, first);
}

#define audit(o, ...) cpns_audit((o)->json, (o)->op, __VA_ARGS__)

/* Helpers ---------------------------------------------------------------- */

static int open_store(const struct admin_opts *o, struct store **st)
{
	return srv_store_open(o->db, st);
}

static void store_warn(struct store *st, const char *what, int err)
{
	warn("store: %s: %s (%s)", what, strerror(-err), store_errmsg(st));
}

static int check_id(const struct admin_opts *o, const char *what, const char *id)
{
	if (cpns_id_valid(id, strlen(id)))
		return 0;
	warn("server %s: invalid %s: `%s'", o->sub, what, id);
	return CPNSCTL_EXIT_USAGE;
}

/* The entity's row; 0, or an exit code with the message printed. */
static int get_entity(const struct admin_opts *o, struct store *st,
		      const char *id, struct store_entity *e)
{
	int err = store_get_entity(st, id, e);

	if (err == -ENOENT) {
		warn("server %s: no entity `%s' in the store", o->sub, id);
		return CPNSCTL_EXIT_FAIL;
	}
	if (err) {
		store_warn(st, "entity", err);
		return CPNSCTL_EXIT_IO;
	}
	return 0;
}

/* The user's record; 0, or an exit code with the message printed. */
static int get_user(const struct admin_opts *o, struct store *st,
		    const char *id, uint8_t *rec, size_t *len)
{
	int err = store_get_user(st, id, rec, len);

	if (err == -ENOENT) {
		warn("server %s: no user `%s' in the store", o->sub, id);
		return CPNSCTL_EXIT_FAIL;
	}
	if (err) {
		store_warn(st, "user", err);
		return CPNSCTL_EXIT_IO;
	}
	return 0;
}

struct entity_change {
	uint8_t cmd;			/* CPNS_CMD_SRV_RELEASE ... */
	const char *user;		/* TRANSFER */
	const uint8_t *urec;
	size_t urec_len;
	const struct cpns_secret *tk;	/* REINSTATE */
	const char *code;
};

struct entity_result {
	uint8_t record[STORE_RECORD_MAX];
	size_t len;
	uint32_t epoch;
	char owner[CPNS_ID_MAX_LEN + 1];
	bool decommissioned;
};

/* The module's next record for @e; 0 or a negative errno (printed). */
static int module_change(struct cpns_nl *nl, const struct admin_opts *o,
			 const struct store_entity *e,
			 const struct entity_change *ch, struct entity_result *r)
{
	struct cpns_srv_entity_change_in in = {
		.keyring = o->keyring, .master = o->master,
		.entity_id = e->entity_id, .record = e->record,
		.record_len = e->record_len, .owner = e->owner,
		.epoch = e->epoch, .user_id = ch->user,
		.user_record = ch->urec, .user_record_len = ch->urec_len,
		.tk = ch->tk ? ch->tk->buf : NULL,
		.tk_len = ch->tk ? ch->tk->len : 0, .claim_code = ch->code,
	};
	struct cpns_srv_entity_change_out *out = malloc(sizeof(*out));
	int err;

	if (!out)
		return -ENOMEM;
	err = cpns_srv_entity_change(nl, ch->cmd, &in, out);
	if (!err && out->record.len > sizeof(r->record))
		err = -EPROTO;
	if (!err) {
		r->len = out->record.len;
		memcpy(r->record, out->record.data, r->len);
		r->epoch = out->epoch;
		strcpy(r->owner, out->owner);
		r->decommissioned = out->decommissioned;
	}
	free(out);
	return err;
}

/* The module's change, stored; 0 or an exit code (printed). */
static int entity_apply(struct cpns_nl *nl, struct store *st,
			const struct admin_opts *o, const struct store_entity *e,
			const struct entity_change *ch, struct entity_result *r)
{
	int err;

	err = module_change(nl, o, e, ch, r);
	if (err)
		return cpnsctl_exit_errno(err);
	err = store_update_entity(st, e, r->record, r->len, r->owner,
				  role_now());
	if (err == -ESTALE) {
		warn("server %s: entity `%s' changed meanwhile (a request was answered): nothing changed, try again",
		     o->sub, e->entity_id);
		return CPNSCTL_EXIT_FAIL;
	}
	if (err) {
		store_warn(st, "update entity", err);
		return CPNSCTL_EXIT_IO;
	}
	return 0;
}

/* The line of @entity in a manufacturer's list: TK (hex) and claim code. */
static int list_find(const struct admin_opts *o, const char *entity,
		     struct cpns_secret *tk, char *code, size_t codecap)
{
	struct cpns_secret buf = { 0 };
	char *p, *end, *line, *save = NULL;
	int err, ret = CPNSCTL_EXIT_FAIL;
	unsigned int lineno = 0;

	err = secret_read(&buf, o->list, NULL, ADMIN_LIST_MAX, 0);
	if (err) {
		warn("list `%s': %s", o->list, strerror(-err));
		return err == -ENODATA || err == -EMSGSIZE ? CPNSCTL_EXIT_USAGE :
		       CPNSCTL_EXIT_IO;
	}
	p = (char *)buf.buf;
	end = p + buf.len;
	while (p < end) {
		char *nl = memchr(p, '\n', end - p), *tok[3], *t;
		int n = 0;

		line = p;
		if (nl)
			*nl = '\0';
		else if (buf.len < buf.cap)
			buf.buf[buf.len] = '\0';
		else
			break;
		p = nl ? nl + 1 : end;
		lineno++;
		for (t = strtok_r(line, " \t\r", &save); t && n < 3;
		     t = strtok_r(NULL, " \t\r", &save)) {
			if (t[0] == '#')
				break;
			tok[n++] = t;
		}
		if (n != 3 || strcmp(tok[0], entity))
			continue;
		/* TK and claim code are secrets: described, never quoted. */
		if (hex_decode_var(tk->buf, CPNS_TK_MAX_LEN, &tk->len, tok[1]) ||
		    tk->len < CPNS_TK_MIN_LEN) {
			warn("list `%s': line %u (%s): invalid TK", o->list,
			     lineno, entity);
			ret = CPNSCTL_EXIT_USAGE;
			goto out;
		}
		if (!cpns_claim_code_valid(tok[2], strlen(tok[2])) ||
		    strlen(tok[2]) >= codecap) {
			warn("list `%s': line %u (%s): invalid ClaimCode",
			     o->list, lineno, entity);
			ret = CPNSCTL_EXIT_USAGE;
			goto out;
		}
		strcpy(code, tok[2]);
		ret = 0;
		goto out;
	}
	warn("server reinstate: entity `%s' is not in the list `%s'", entity,
	     o->list);
out:
	secret_free(&buf);
	return ret;
}

/* Subcommands ------------------------------------------------------------ */

static int cmd_entity(const struct admin_opts *o)
{
	static const struct {
		const char *sub;
		uint8_t cmd;
	} cmds[] = {
		{ "release", CPNS_CMD_SRV_RELEASE },
		{ "transfer", CPNS_CMD_SRV_TRANSFER },
		{ "decommission", CPNS_CMD_SRV_DECOMMISSION },
		{ "reinstate", CPNS_CMD_SRV_REINSTATE },
	};
	struct entity_change ch = { 0 };
	struct entity_result *r = NULL;
	struct store_entity *e = NULL;
	struct cpns_secret tk = { 0 };
	uint8_t urec[STORE_RECORD_MAX];
	size_t urec_len = sizeof(urec), i;
	char code[CPNS_CLAIM_CODE_MAX_LEN + 1];
	struct cpns_nl *nl = NULL;
	struct store *st = NULL;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(o->sub, cmds[i].sub))
			ch.cmd = cmds[i].cmd;
	ret = check_id(o, "EntityID", o->pos[0]);
	if (!ret && ch.cmd == CPNS_CMD_SRV_TRANSFER)
		ret = check_id(o, "UserID", o->pos[1]);
	if (ret)
		return ret;
	e = malloc(sizeof(*e));
	r = malloc(sizeof(*r));
	if (!e || !r) {
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	ret = open_store(o, &st);
	if (ret)
		goto out;
	ret = get_entity(o, st, o->pos[0], e);
	if (ret)
		goto out;
	if (ch.cmd == CPNS_CMD_SRV_TRANSFER) {
		ret = get_user(o, st, o->pos[1], urec, &urec_len);
		if (ret)
			goto out;
		ch.user = o->pos[1];
		ch.urec = urec;
		ch.urec_len = urec_len;
	}
	if (ch.cmd == CPNS_CMD_SRV_REINSTATE) {
		if (secret_alloc(&tk, CPNS_TK_MAX_LEN)) {
			ret = CPNSCTL_EXIT_FAIL;
			goto out;
		}
		ret = list_find(o, o->pos[0], &tk, code, sizeof(code));
		if (ret)
			goto out;
		ch.tk = &tk;
		ch.code = code;
	}
	ret = cpns_client_connect(&nl);
	if (ret)
		goto out;
	ret = entity_apply(nl, st, o, e, &ch, r);
	if (ret)
		goto out;
	audit(o, "entity=%s owner_was=%s owner=%s epoch=%u state=%s",
	      e->entity_id, e->owner[0] ? e->owner : "-",
	      r->owner[0] ? r->owner : "-", r->epoch,
	      r->decommissioned ? "decommissioned" : "in-service");
out:
	explicit_bzero(code, sizeof(code));
	secret_free(&tk);
	cpns_nl_close(nl);
	store_close(st);
	free(e);
	free(r);
	return ret;
}

static int cmd_set_password(const struct admin_opts *o)
{
	struct cpns_srv_seal_user_in in = { 0 };
	struct cpns_record rec;
	struct cpns_secret pw = { 0 };
	uint8_t urec[STORE_RECORD_MAX];
	size_t urec_len = sizeof(urec);
	const char *user = o->pos[0];
	struct cpns_nl *nl = NULL;
	struct store *st = NULL;
	char prompt[128];
	int err, ret;

	ret = check_id(o, "UserID", user);
	if (ret)
		return ret;
	ret = open_store(o, &st);
	if (ret)
		return ret;
	ret = get_user(o, st, user, urec, &urec_len);
	if (ret)
		goto out;
	ret = cpns_client_connect(&nl);
	if (ret)
		goto out;
	snprintf(prompt, sizeof(prompt), "New password for %s: ", user);
	ret = secret_read_told(&pw, o->password_file, prompt,
			       CPNS_PASSWORD_MAX_LEN, SECRET_TEXT, "password",
			       "--password-file");
	if (ret)
		goto out;
	in.keyring = o->keyring;
	in.master = o->master;
	in.user_id = user;
	in.password = pw.buf;
	in.password_len = pw.len;
	err = cpns_srv_seal_user(nl, &in, &rec);
	secret_free(&pw);
	if (err) {
		ret = cpnsctl_exit_errno(err);
		goto out;
	}
	/* replaced only: failure rows (RATE_LIMITED) are kept */
	err = store_put_user(st, user, rec.data, rec.len, true, role_now());
	if (err) {
		store_warn(st, "set password", err);
		ret = CPNSCTL_EXIT_IO;
		goto out;
	}
	audit(o, "user=%s master=%s", user, o->master);
out:
	cpns_nl_close(nl);
	store_close(st);
	return ret;
}

struct owned {
	const char *user;
	struct store_entity *ents;
	size_t n, cap;
	int err;
};

static int owned_one(const struct store_entity *e, void *arg)
{
	struct owned *w = arg;

	if (strcmp(e->owner, w->user))
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		struct store_entity *p = realloc(w->ents, cap * sizeof(*p));

		if (!p) {
			w->err = -ENOMEM;
			return 1;
		}
		w->ents = p;
		w->cap = cap;
	}
	w->ents[w->n++] = *e;
	return 0;
}

static int cmd_remove_user(const struct admin_opts *o)
{
	struct entity_change ch = { .cmd = CPNS_CMD_SRV_RELEASE };
	struct owned w = { .user = o->pos[0] };
	uint8_t urec[STORE_RECORD_MAX];
	size_t urec_len = sizeof(urec), i;
	struct entity_result *r = NULL;
	struct cpns_nl *nl = NULL;
	struct store *st = NULL;
	int err, ret;

	ret = check_id(o, "UserID", w.user);
	if (ret)
		return ret;
	ret = open_store(o, &st);
	if (ret)
		return ret;
	r = malloc(sizeof(*r));
	if (!r) {
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	err = store_begin(st);
	if (err) {
		store_warn(st, "begin", err);
		ret = CPNSCTL_EXIT_IO;
		goto out;
	}
	ret = get_user(o, st, w.user, urec, &urec_len);
	if (ret)
		goto out;
	err = store_list_entities(st, owned_one, &w);
	if (!err)
		err = w.err;
	if (err) {
		store_warn(st, "list", err);
		ret = CPNSCTL_EXIT_IO;
		goto out;
	}
	if (w.n && !o->release_devices) {
		warn("server remove-user: user `%s' owns %zu device%s (%s%s): nothing changed; --release-devices releases them",
		     w.user, w.n, w.n == 1 ? "" : "s", w.ents[0].entity_id,
		     w.n > 1 ? ", ..." : "");
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	if (w.n) {
		ret = cpns_client_connect(&nl);
		if (ret)
			goto out;
	}
	/* all in one transaction: on any failure, nothing is stored */
	for (i = 0; i < w.n; i++) {
		ret = entity_apply(nl, st, o, &w.ents[i], &ch, r);
		if (ret)
			goto out;
	}
	err = store_delete_user(st, w.user);
	if (!err)
		err = store_commit(st);
	if (err) {
		store_warn(st, "remove user", err);
		ret = CPNSCTL_EXIT_IO;
		goto out;
	}
	for (i = 0; i < w.n; i++)
		audit(o, "user=%s released=%s epoch=%u", w.user,
		      w.ents[i].entity_id, w.ents[i].epoch);
	audit(o, "user=%s devices_released=%zu", w.user, w.n);
out:
	free(w.ents);
	free(r);
	cpns_nl_close(nl);
	store_close(st);	/* rolls back what is not committed */
	return ret;
}

static int has_gw(const struct admin_opts *o, struct store *st, const char *gw)
{
	int err = store_has_gw(st, gw);

	if (err == 1)
		return 0;
	if (err == 0) {
		warn("server %s: no GW `%s' in the store", o->sub, gw);
		return CPNSCTL_EXIT_FAIL;
	}
	store_warn(st, "GW", err);
	return CPNSCTL_EXIT_IO;
}

/*
 * What remove-gw and rotate-gw start with: @gw valid and in the store, a
 * client of the module.  On failure @st and @nl may be set: the caller
 * closes both (NULL-safe).
 */
static int gw_cmd_open(const struct admin_opts *o, const char *gw,
		       struct store **st, struct cpns_nl **nl)
{
	int ret = check_id(o, "GwID", gw);

	if (!ret)
		ret = open_store(o, st);
	if (!ret)
		ret = has_gw(o, *st, gw);
	if (!ret)
		ret = cpns_client_connect(nl);
	return ret;
}

static int cmd_remove_gw(const struct admin_opts *o)
{
	const char *gw = o->pos[0];
	struct cpns_nl *nl = NULL;
	struct store *st = NULL;
	int32_t serial = 0;
	int err, ret;

	ret = gw_cmd_open(o, gw, &st, &nl);
	if (ret)
		goto out;
	err = cpns_srv_remove_gw(nl, o->keyring, gw, &serial);
	if (err) {
		ret = cpnsctl_exit_errno(err);
		goto out;
	}
	err = store_delete_gw(st, gw);
	if (err) {
		store_warn(st, "remove GW", err);
		ret = CPNSCTL_EXIT_IO;
		goto out;
	}
	audit(o, "gw=%s psk_key=%d", gw, serial);
	state_forget("psk:", gw);
out:
	cpns_nl_close(nl);
	store_close(st);
	return ret;
}

static int cmd_rotate_gw(const struct admin_opts *o)
{
	struct cpns_secret psk = { 0 };
	char desc[sizeof("psk:") + 64];
	const char *gw = o->pos[0];
	struct cpns_nl *nl = NULL;
	struct store *st = NULL;
	int err, ret;

	ret = gw_cmd_open(o, gw, &st, &nl);
	if (ret)
		goto out;
	ret = secret_read_told(&psk, o->psk_file, "New PSK1: ", 4096, 0,
			       "PSK1", "--psk-file");
	if (ret)
		goto out;
	if (psk.len != CPNS_PSK_LEN) {
		warn("PSK1: %zu bytes, must be exactly %d raw bytes", psk.len,
		     CPNS_PSK_LEN);
		ret = CPNSCTL_EXIT_USAGE;
		goto out;
	}
	err = cpns_srv_rotate_gw(nl, o->keyring, gw, psk.buf, psk.len, o->grace);
	if (err) {
		ret = cpnsctl_exit_errno(err);
		goto out;
	}
	audit(o, "gw=%s grace=%u", gw, o->grace);
	snprintf(desc, sizeof(desc), "psk:%s", gw);
	state_save(keyctl_search(o->keyring, "cpns", desc, 0), "psk:", gw,
		   strlen(gw));
out:
	secret_free(&psk);
	cpns_nl_close(nl);
	store_close(st);
	return ret;
}

int server_admin_main(int argc, char *argv[])
{
	struct admin_opts o = {
		.sub = argv[0],
		.master = ADMIN_DEFAULT_MASTER,
		.keyring = KEY_SPEC_USER_KEYRING,
		.grace = ADMIN_DEFAULT_GRACE,
	};
	const struct admin_sub *sub = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(admin_subs); i++)
		if (!strcmp(argv[0], admin_subs[i].name))
			sub = &admin_subs[i];
	if (!sub)
		return CPNSCTL_EXIT_USAGE;
	if (parse_opts(argc, argv, sub, &o))
		return CPNSCTL_EXIT_USAGE;
	snprintf(o.op, sizeof(o.op), "server %s", o.sub);
	if (!strcmp(o.sub, "set-password"))
		return cmd_set_password(&o);
	if (!strcmp(o.sub, "remove-user"))
		return cmd_remove_user(&o);
	if (!strcmp(o.sub, "remove-gw"))
		return cmd_remove_gw(&o);
	if (!strcmp(o.sub, "rotate-gw"))
		return cmd_rotate_gw(&o);
	return cmd_entity(&o);
}
