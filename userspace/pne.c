// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl pne: the PNE role.
 *
 *   pne listen  accept DELIVERY frames, let the kernel open each with
 *               KEK_E derived from tk:<EntityID> (profile 5, 6, 7), answer
 *               the ACK with its code and Confirm
 *   pne reset   the operator's factory reset: drop the held euk:<EntityID>
 *               (CPNS_CMD_PNE_RESET, CAP_SYS_ADMIN), logged by the kernel
 *
 * Several connections at once, each in a worker process (listener.c), at
 * most --max-conns and --max-per-source from one address: a slow or
 * silent peer holds only its own connection until its deadline.  The
 * kernel serialises the accepts themselves (CPNS_CMD_PNE_ACCEPT opens,
 * judges and replaces the euk: under the held key's own semaphore), so
 * two deliveries for one entity never race.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/keyctl.h>

#include "admin.h"
#include "client.h"
#include "cpnsctl.h"
#include "jsonlog.h"
#include "listener.h"
#include "names.h"
#include "opts.h"
#include "role.h"
#include "state.h"
#include "util.h"
#include "wire.h"

#define PNE_MAX_CONNS 16
#define PNE_MAX_PER_SOURCE 4
#define PNE_SOURCE_PREFIX6 128

/* A child's exit status: a DELIVERY was answered, or not. */
#define PNE_ANSWERED 0
#define PNE_NOT_ANSWERED 1

static int usage(FILE *f)
{
	fprintf(f,
"Usage: cpnsctl pne listen --listen ADDR:PORT [--count N] [--keyring KEYRING]\n"
"                          [--timeout S] [--header-timeout S] [--max-conns N]\n"
"                          [--max-per-source N] [--source-prefix6 LEN]\n"
"                          [--workers N] [-j|--json] [-p|--pretty]\n"
"       cpnsctl pne reset ENTITY\n"
"       cpnsctl pne show [ENTITY] [-j]\n"
"\n"
"The PNE.  Accepts deliveries on ADDR:PORT for the entities whose TK is the\n"
"key tk:ENTITY in KEYRING (default @u); the kernel opens each delivery,\n"
"applies the profile's acceptance rules and keeps the accepted EUKey as\n"
"euk:ENTITY, held in the module's store of this network namespace.  Each\n"
"outcome is printed by its profile name.  --count N exits after N\n"
"deliveries have been answered; SIGTERM/SIGINT stop it.\n"
"At most --max-conns (16) connections at once and --max-per-source (4) from\n"
"one address (IPv6: the first --source-prefix6 (128) bits), others answered\n"
"ERROR BUSY; a frame's header within --header-timeout (2) seconds.  Each\n"
"connection is served by one of --workers (the CPU count) long-lived\n"
"processes, or by one of its own when all are busy (0: always).\n"
"-j: every line a JSON object (-p: pretty-printed; see JSON OUTPUT in\n"
"cpnsctl(8)).\n"
"\n"
"reset drops the held euk:ENTITY (a factory reset: the next delivery is\n"
"judged as a first one, whatever its epoch).  Needs CAP_SYS_ADMIN in the\n"
"initial user namespace; the kernel logs it.\n"
"show prints the held (E, i, n) and ChainID of each euk: (no secret).\n");
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

/* What came of one DELIVERY, for the daemon's line. */
struct pne_outcome {
	const char *code;	/* the ACK's code; NULL: no ACK (error) */
	const char *kind;	/* ACCEPTED: FIRST, RENEWAL, ...; or NULL */
	bool not_id;		/* the EntityID is not an identifier */
	int32_t key;		/* ACCEPTED: the euk: key's serial, or 0 */
	char error[120];	/* no ACK: why */
};

/*
 * Judge one DELIVERY: @ack filled and true, or false when no ACK can be
 * made (then an ERROR INTERNAL is answered).  @o gets the outcome.
 */
static bool pne_judge(struct cpns_nl *nl, int32_t keyring,
		      const struct cpns_wire_delivery *d,
		      struct cpns_wire_msg *ack, struct pne_outcome *o)
{
	struct cpns_pne_accept_in in = { .keyring = keyring, .d = d };
	struct cpns_pne_accept_out out;
	int err;

	ack->type = CPNS_WIRE_ACK;
	/* Rule 1: an identifier that is not well-formed is not ours. */
	if (!cpns_id_valid(d->entity_id, d->entity_id_len)) {
		ack->u.ack.code = CPNS_REJECT_ENTITY;
		o->code = cpns_code_str(CPNS_REJECT_ENTITY);
		o->not_id = true;
		return true;
	}
	err = cpns_pne_accept(nl, &in, &out);
	if (err) {
		snprintf(o->error, sizeof(o->error), "module: %s",
			 err == -EPROTO ? "incomplete reply" : strerror(-err));
		return false;
	}
	ack->u.ack.code = out.code;
	o->code = cpns_code_str(out.code);
	if (out.code != CPNS_ACCEPTED)
		return true;
	memcpy(ack->u.ack.confirm, out.confirm, CPNS_HASH_LEN);
	explicit_bzero(out.confirm, sizeof(out.confirm));
	o->kind = out.has_kind ? cpns_accept_kind_str(out.kind) : "?";
	o->key = out.key_serial;
	state_save(out.key_serial, "euk:", d->entity_id, d->entity_id_len);
	return true;
}

struct pne_ctx {
	const char *listen;
	int32_t keyring;
	int timeout;
	struct cpns_limits limits;
	long count;		/* 0: no limit */
	long done;		/* deliveries answered */
	bool json, pretty;	/* -j, -p: every line a JSON object */
};

struct pne_opts {
	const char *listen;
	const char *timeout_str;
	struct pne_ctx ctx;
};

/* A worker's netlink socket, kept from one connection to the next. */
static struct cpns_nl *pne_nl;

static void pne_cleanup(void *arg)
{
	(void)arg;
	cpns_nl_close(pne_nl);
	pne_nl = NULL;
}

/* The daemon's line of one DELIVERY. */
static void pne_line(const char *peer, const struct cpns_wire_delivery *d,
		     const struct pne_outcome *o)
{
	printf("%s: DELIVERY entity=", peer);
	role_print_id(stdout, d->entity_id, d->entity_id_len);
	printf(" E=%u i=%u n=%u -> ", d->epoch, d->index, d->n);
	if (!o->code)
		printf("%s\n", o->error);
	else if (o->not_id)
		printf("%s (not an identifier)\n", o->code);
	else if (!o->kind)
		printf("%s\n", o->code);
	else if (o->key)
		printf("%s (%s), euk:%s key %d\n", o->code, o->kind,
		       d->entity_id, o->key);
	else
		printf("%s (%s), euk:%s\n", o->code, o->kind, d->entity_id);
}

/* The same, -j: one object, the members of the line. */
static void pne_line_json(const struct pne_ctx *c, const char *peer,
			  const struct cpns_wire_delivery *d,
			  const struct pne_outcome *o)
{
	char *buf, *id = NULL, kv[160];
	size_t len, idlen;
	bool first = true;
	FILE *f = jsonlog_open(&buf, &len), *idf;

	if (!f)
		return;
	json_key(f, c->pretty, &first, "op");
	json_str(f, "pne listen");
	json_key(f, c->pretty, &first, "peer");
	json_str(f, peer);
	/* the entity as the text line has it (escaped when not an id) */
	idf = open_memstream(&id, &idlen);
	if (idf) {
		role_print_id(idf, d->entity_id, d->entity_id_len);
		fclose(idf);
	}
	json_key(f, c->pretty, &first, "entity");
	json_str(f, id ? id : "");
	free(id);
	snprintf(kv, sizeof(kv), "epoch=%u index=%u n=%u", d->epoch,
		 d->index, d->n);
	json_kv(f, c->pretty, &first, kv);
	if (o->code) {
		json_key(f, c->pretty, &first, "code");
		json_str(f, o->code);
	} else {
		json_key(f, c->pretty, &first, "error");
		json_str(f, o->error);
	}
	if (o->kind) {
		snprintf(kv, sizeof(kv), "kind=%s euk=euk:%s", o->kind,
			 d->entity_id);
		json_kv(f, c->pretty, &first, kv);
		if (o->key) {
			snprintf(kv, sizeof(kv), "key=%d", o->key);
			json_kv(f, c->pretty, &first, kv);
		}
	}
	json_end(f, c->pretty, first);
	jsonlog_object(f, &buf, &len);
}

/* One connection, in a worker: PNE_ANSWERED or PNE_NOT_ANSWERED. */
static int pne_conn(int fd, const char *peer, void *arg)
{
	const struct pne_ctx *c = arg;
	struct cpns_wire_rx rx = {
		.accept = CPNS_WIRE_ACCEPT(CPNS_WIRE_DELIVERY),
		.header_timeout_s = c->limits.header_timeout,
		.timeout_s = c->timeout,
	};
	struct cpns_wire_msg *m, *ack;
	struct pne_outcome oc = { 0 };
	int err, werr;

	m = calloc(1, sizeof(*m));
	ack = calloc(1, sizeof(*ack));
	if (!m || !ack) {
		cpns_wire_send_error(fd, CPNS_WERR_INTERNAL, "out of memory", 2);
		err = -ENOMEM;
		goto out;
	}
	if (!role_recv_frame(fd, peer, &rx, m, "a PNE accepts only DELIVERY",
			     false)) {
		err = -EPROTO;
		goto out;
	}
	if (!pne_nl && cpns_nl_open(&pne_nl)) {
		snprintf(oc.error, sizeof(oc.error), "cpns module unavailable");
		werr = CPNS_WERR_INTERNAL;
	} else {
		werr = pne_judge(pne_nl, c->keyring, &m->u.del, ack, &oc) ?
		       0 : CPNS_WERR_INTERNAL;
	}
	if (werr)
		pne_cleanup(NULL);	/* the next connection starts afresh */
	if (c->json)
		pne_line_json(c, peer, &m->u.del, &oc);
	else
		pne_line(peer, &m->u.del, &oc);
	if (werr)
		err = cpns_wire_send_error(fd, werr, oc.error, c->timeout);
	else
		err = cpns_wire_send(fd, ack, c->timeout);
	if (err)
		printf("%s: sending the answer: %s\n", peer, strerror(-err));
	err = 0;
out:
	if (ack)
		explicit_bzero(ack, sizeof(*ack));
	free(m);
	free(ack);
	cpns_wire_close(fd);
	return err ? PNE_NOT_ANSWERED : PNE_ANSWERED;
}

/* In the daemon: count the deliveries answered; false once --count is. */
static bool pne_conn_done(int status, void *arg)
{
	struct pne_ctx *c = arg;

	if (status == PNE_ANSWERED)
		c->done++;
	return c->count <= 0 || c->done < c->count;
}

static bool pne_reload(struct cpns_limits *lim, void *arg);

static int pne_listen(const char *listen_addr, struct pne_ctx *c)
{
	struct cpns_listener l = {
		.serve = pne_conn, .cleanup = pne_cleanup,
		.done = pne_conn_done, .reload = pne_reload,
		.reload_flag = &role_reload, .arg = c,
	};
	struct cpns_nl *nl;
	char addr[80];
	int lfd, ret;

	/* Fail early: the module must be there. */
	ret = cpns_client_connect(&nl);
	if (ret)
		return ret;
	cpns_nl_close(nl);
	ret = role_daemon_start("pne listen", listen_addr, &lfd);
	if (ret)
		return ret;
	ret = c->json ? jsonlog_start("pne listen", c->pretty) : 0;
	if (ret) {
		warn("pne listen -j: cannot make the JSON log: %s",
		     strerror(-ret));
		close(lfd);
		return CPNSCTL_EXIT_FAIL;
	}
	cpns_wire_sockname(lfd, false, addr, sizeof(addr));
	printf("cpns pne: listening on %s (timeout %d s, header %d s, at most %u connections, %u per address, %u workers)\n",
	       addr, c->timeout,
	       c->limits.header_timeout < c->timeout ?
	       c->limits.header_timeout : c->timeout,
	       c->limits.max_conns, c->limits.max_per_source,
	       c->limits.workers);

	l.limits = c->limits;
	ret = CPNSCTL_EXIT_OK;
	if (cpns_listener_run(lfd, &l, &role_stop)) {
		warn("pne listen: out of memory");
		ret = CPNSCTL_EXIT_FAIL;
	}
	printf("cpns pne: stopped after %ld deliveries\n", c->done);
	close(lfd);
	return ret;
}

/* cpnsctl pne reset ENTITY */
static int pne_reset(const char *entity)
{
	struct cpns_nl *nl;
	int ret;

	if (!cpns_id_valid(entity, strlen(entity))) {
		warn("pne reset: `%s' is not an identifier", entity);
		return CPNSCTL_EXIT_USAGE;
	}
	ret = cpns_client_connect(&nl);
	if (ret)
		return ret;
	ret = cpns_pne_reset(nl, entity);
	cpns_nl_close(nl);
	if (ret)
		return cpnsctl_exit_errno(ret);
	printf("euk:%s dropped: the next delivery is judged as a first one\n",
	       entity);
	state_forget("euk:", entity);
	cpns_audit(false, "pne reset", "entity=%s", entity);
	return CPNSCTL_EXIT_OK;
}

static int pne_listen_main(struct pne_opts *o)
{
	if (!o->listen) {
		warn("pne listen: --listen ADDR:PORT is required");
		return CPNSCTL_EXIT_USAGE;
	}
	if (role_parse_timeout(o->timeout_str, &o->ctx.timeout) ||
	    cpns_limits_check(&o->ctx.limits))
		return CPNSCTL_EXIT_USAGE;
	o->ctx.listen = o->listen;
	return pne_listen(o->listen, &o->ctx);
}

enum {
	PNE_LISTEN = 1 << 0,
	PNE_RESET = 1 << 1,
};

enum {
	OPT_LISTEN = 256, OPT_COUNT, OPT_KEYRING, OPT_TIMEOUT, OPT_LIMIT,
	OPT_LIMIT_CONNS, OPT_LIMIT_PER_SOURCE, OPT_LIMIT_PREFIX6,
	OPT_LIMIT_WORKERS, OPT_JSON = 'j', OPT_PRETTY = 'p',
};

static const struct opt_def pne_opt_defs[] = {
	{ "listen", OPT_LISTEN, true, PNE_LISTEN },
	{ "count", OPT_COUNT, true, PNE_LISTEN },
	{ "keyring", OPT_KEYRING, true, PNE_LISTEN },
	{ "timeout", OPT_TIMEOUT, true, PNE_LISTEN },
	{ "header-timeout", OPT_LIMIT, true, PNE_LISTEN },
	{ "max-conns", OPT_LIMIT_CONNS, true, PNE_LISTEN },
	{ "max-per-source", OPT_LIMIT_PER_SOURCE, true, PNE_LISTEN },
	{ "source-prefix6", OPT_LIMIT_PREFIX6, true, PNE_LISTEN },
	{ "workers", OPT_LIMIT_WORKERS, true, PNE_LISTEN },
	{ "json", OPT_JSON, false, PNE_LISTEN },
	{ "pretty", OPT_PRETTY, false, PNE_LISTEN },
	{ NULL, 0, false, 0 },
};

static int pne_set_opt(void *ctx, int key, const char *name, const char *val)
{
	struct pne_opts *o = ctx;
	char opt[32];
	uint64_t v;

	switch (key) {
	case OPT_LISTEN:
		o->listen = val;
		break;
	case OPT_TIMEOUT:
		o->timeout_str = val;
		break;
	case OPT_KEYRING:
		return role_parse_keyring(val, &o->ctx.keyring);
	case OPT_COUNT:
		if (parse_u64(val, 1, 1000000000, &v)) {
			warn("pne: invalid count: `%s'", val);
			return -1;
		}
		o->ctx.count = (long)v;
		break;
	case OPT_PRETTY:	/* -p is -j, pretty-printed */
	case OPT_JSON:
		o->ctx.pretty = o->ctx.pretty || key == OPT_PRETTY;
		o->ctx.json = true;
		break;
	case OPT_LIMIT:	/* one key each: the name is found by the key */
	case OPT_LIMIT_CONNS:
	case OPT_LIMIT_PER_SOURCE:
	case OPT_LIMIT_PREFIX6:
	case OPT_LIMIT_WORKERS:
		snprintf(opt, sizeof(opt), "--%s", name);
		return cpns_limits_opt(&o->ctx.limits, opt, val) < 0 ? -1 : 0;
	}
	return 0;
}

static int pne_run_listen(void *o, const char **pos)
{
	(void)pos;
	return pne_listen_main(o);
}

static int pne_run_reset(void *o, const char **pos)
{
	(void)o;
	return pne_reset(pos[0]);
}

static const struct opt_sub pne_subs[] = {
	{ "listen", PNE_LISTEN, 0, NULL, pne_run_listen },
	{ "reset", PNE_RESET, 1, "one ENTITY", pne_run_reset },
};

static const struct pne_opts pne_defaults = {
	.ctx = {
		.keyring = KEY_SPEC_USER_KEYRING,
		.limits = {
			.max_conns = PNE_MAX_CONNS,
			.max_per_source = PNE_MAX_PER_SOURCE,
			.source_prefix6 = PNE_SOURCE_PREFIX6,
			.header_timeout = CPNS_WIRE_HDR_TIMEOUT_DEFAULT,
		},
	},
};

static void pne_keep(const char *what, bool changed, const char *path)
{
	if (changed)
		printf("cpns pne: reload: %s changed in %s: needs a restart, running with the old one\n",
		       what, path);
}

/*
 * SIGHUP: the limits and timeouts of the config file now, for the
 * connections accepted from now on; --listen, --keyring, --count need a
 * restart.
 */
static bool pne_reload(struct cpns_limits *lim, void *arg)
{
	struct pne_ctx *c = arg;
	struct pne_opts n = pne_defaults;
	struct opt_cmd cmd = {
		.family = "pne", .sub = "listen", .sub_bit = PNE_LISTEN,
		.defs = pne_opt_defs, .set = pne_set_opt, .ctx = &n,
	};
	const char *path = "";
	char err[512], **argv;
	int argc;

	argc = cpnsctl_config_reread(&argv, &path, err, sizeof(err));
	if (argc < 0)
		warn("%s", err);
	if (argc < 2 || opts_parse(&cmd, argc - 1, argv + 1, NULL) ||
	    role_parse_timeout(n.timeout_str, &n.ctx.timeout) ||
	    cpns_limits_check(&n.ctx.limits)) {
		printf("cpns pne: reload of %s failed (the error above): running as before\n",
		       *path ? path : "the command line");
		return false;
	}
	pne_keep("--listen", !n.listen || strcmp(n.listen, c->listen), path);
	pne_keep("--keyring", n.ctx.keyring != c->keyring, path);
	pne_keep("--count", n.ctx.count != c->count, path);
	pne_keep("-j/-p", n.ctx.json != c->json || n.ctx.pretty != c->pretty,
		 path);
	c->timeout = n.ctx.timeout;
	c->limits = n.ctx.limits;
	*lim = n.ctx.limits;
	printf("cpns pne: reloaded %s: timeout %d s, header %d s, at most %u connections, %u per address, %u workers\n",
	       *path ? path : "(no config file)", c->timeout,
	       lim->header_timeout < c->timeout ? lim->header_timeout :
	       c->timeout, lim->max_conns, lim->max_per_source, lim->workers);
	return true;
}

int pne_main(int argc, char *argv[])
{
	struct pne_opts o = pne_defaults;
	struct opt_cmd c = {
		.family = "pne", .defs = pne_opt_defs, .set = pne_set_opt,
		.ctx = &o,
	};

	if (argc >= 2 && !strcmp(argv[1], "show"))
		return pne_show_main(argc - 1, argv + 1);	/* held.c */
	return opts_run(&c, pne_subs, ARRAY_SIZE(pne_subs), usage, argc, argv);
}
