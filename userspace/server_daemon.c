// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl server run: the CPNS Server's daemon.  One REQUEST per TCP
 * connection, each served by a worker process (listener.c) that keeps its
 * store and netlink socket open from one connection to the next; profile 2's
 * checks 1 to 9 for each request, the kernel deciding every check that
 * needs a secret (client.h: SRV_OPEN_REQUEST, SRV_RESPOND), the store
 * holding the replay cache, the failures and the chains.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "cpnsctl.h"
#include "names.h"
#include "role.h"
#include "server.h"
#include "store.h"
#include "util.h"
#include "wire.h"

_Static_assert(CPNS_CLIENT_RECORD_MAX == STORE_RECORD_MAX,
	       "a record of the module's reply fits in the store's");

/* One request being handled. */
struct srv_req {
	const struct srv_opts *o;
	const struct cpns_wire_request *q;
	struct cpns_nl *nl;
	struct store *st;
	struct cpns_srv_open_request_out ids;	/* what the request claims */
	uint16_t n;				/* length of a new chain */
	int64_t now;
	struct cpns_srv_respond_out *out;	/* the response to send */
	char *log;
	size_t loglen;
};

static void log_append(struct srv_req *h, const char *what)
{
	size_t l = strlen(h->log);

	snprintf(h->log + l, h->loglen - l, "%s%s", l ? ": " : "", what);
}

/*
 * What a worker keeps open between connections (listener.h); closed after
 * a request that failed, so that the next one starts afresh.
 */
static struct cpns_nl *srv_nl;
static struct store *srv_st;

static void srv_cleanup(void *arg)
{
	(void)arg;
	store_close(srv_st);
	srv_st = NULL;
	cpns_nl_close(srv_nl);
	srv_nl = NULL;
}

/* A status decided here (MALFORMED, REPLAY, RATE_LIMITED, INTERNAL), sealed. */
static int srv_refuse(struct srv_req *h, uint8_t status, uint16_t n)
{
	struct cpns_srv_respond_in in = {
		.keyring = h->o->keyring, .master = h->o->master, .q = h->q,
		.status = status, .n = n,
	};

	return cpns_srv_respond(h->nl, &in, h->out);
}

/* The kernel's checks 6 to 9 for the user and entity the store lists. */
static int srv_respond_for(struct srv_req *h, const uint8_t *urec,
			   size_t urec_len, const struct store_entity *ent)
{
	struct cpns_srv_respond_in in = {
		.keyring = h->o->keyring, .master = h->o->master, .q = h->q,
		.status = CPNS_OK, .user_record = urec,
		.user_record_len = urec_len,
		.entity_record = ent ? ent->record : NULL,
		.entity_record_len = ent ? ent->record_len : 0,
		.owner = ent ? ent->owner : NULL,
		.epoch = ent ? ent->epoch : 0, .n = h->n,
	};

	return cpns_srv_respond(h->nl, &in, h->out);
}

/* What the response leaves in the store: a failure, or the new chain. */
static int srv_record(struct srv_req *h, struct store_entity *ent,
		      int64_t window)
{
	const struct cpns_srv_respond_out *out = h->out;
	const uint8_t status = out->resp.status;
	int err;

	if (status == CPNS_AUTH_FAILED || status == CPNS_CLAIM_FAILED) {
		err = store_add_failure(h->st, h->ids.user_id, h->q->gw_id,
					h->now, window);
		if (err)
			srv_store_warn(h->st, "record failure", err);
	} else if (status == CPNS_OK) {
		struct store_chain ch = {
			.epoch = out->epoch, .owner = h->ids.user_id,
			.entity_record = out->entity_record.data,
			.entity_record_len = out->entity_record.len,
			.chain_record = out->chain_record.data,
			.chain_record_len = out->chain_record.len,
			.chain_id = out->chain_id, .n = out->n,
		};

		err = store_commit_chain(h->st, ent, &ch, h->now);
		if (err) {
			srv_store_warn(h->st, "commit chain", err);
			return -1;
		}
	}
	return 0;
}

/*
 * Checks 5 to 9 inside the store's transaction: 0 to commit, 1 to roll
 * back (a response was made: RATE_LIMITED), -1 to roll back and fail.
 */
static int srv_checks_in_tx(struct srv_req *h, struct store_entity *ent)
{
	struct store *st = h->st;
	const char *user = h->ids.user_id;
	int64_t window = srv_setting(st, "window", STORE_DEF_WINDOW);
	uint8_t urec[STORE_RECORD_MAX];
	size_t urec_len = sizeof(urec);
	int64_t ucount, gcount;
	bool have_user, have_ent;
	int err;

	err = store_count_failures(st, user, h->q->gw_id, h->now, window,
				   &ucount, &gcount);
	if (err) {
		srv_store_warn(st, "failures", err);
		return -1;
	}
	if (ucount >= srv_setting(st, "user_limit", STORE_DEF_USER_LIMIT) ||
	    gcount >= srv_setting(st, "gw_limit", STORE_DEF_GW_LIMIT)) {
		snprintf(h->log, h->loglen,
			 "RATE_LIMITED user=%s (%lld) gw (%lld)", user,
			 (long long)ucount, (long long)gcount);
		return srv_refuse(h, CPNS_RATE_LIMITED, h->n) ? -1 : 1;
	}
	err = store_get_user(st, user, urec, &urec_len);
	have_user = !err;
	if (err && err != -ENOENT) {
		srv_store_warn(st, "user", err);
		return -1;
	}
	err = store_get_entity(st, h->ids.entity_id, ent);
	have_ent = !err;
	if (err && err != -ENOENT) {
		srv_store_warn(st, "entity", err);
		return -1;
	}
	err = srv_respond_for(h, have_user ? urec : NULL, urec_len,
			      have_ent ? ent : NULL);
	explicit_bzero(urec, sizeof(urec));
	if (err)
		return -1;
	return srv_record(h, have_ent ? ent : NULL, window);
}

/* Checks 5 to 9 in one transaction: 0 (a response made) or -1. */
static int srv_checks_5_to_9(struct srv_req *h)
{
	const struct cpns_srv_respond_out *out = h->out;
	char chain_hex[2 * CPNS_CHAIN_ID_LEN + 1];
	struct store_entity *ent;
	int err, rc;

	ent = malloc(sizeof(*ent));
	if (!ent)
		return -1;
	err = store_begin(h->st);
	if (err) {
		srv_store_warn(h->st, "begin", err);
		free(ent);
		return -1;
	}
	rc = srv_checks_in_tx(h, ent);
	free(ent);
	if (rc) {
		store_rollback(h->st);
		return rc < 0 ? -1 : 0;
	}
	err = store_commit(h->st);
	if (err) {
		srv_store_warn(h->st, "commit", err);
		if (out->resp.status == CPNS_OK)
			return -1;	/* never send a chain not stored */
	}
	if (out->resp.status == CPNS_OK)
		snprintf(h->log, h->loglen,
			 "OK user=%s entity=%s E=%u n=%u chain=%s%s",
			 h->ids.user_id, h->ids.entity_id, out->epoch, out->n,
			 hex_encode(chain_hex, out->chain_id, CPNS_CHAIN_ID_LEN),
			 out->claimed ? " (claimed: new owner)" : "");
	else
		snprintf(h->log, h->loglen, "%s user=%s entity=%s",
			 cpns_status_str(out->resp.status), h->ids.user_id,
			 h->ids.entity_id);
	return 0;
}

/* Checks 3 to 9, once the request opened under PSK1: 0 or -1. */
static int srv_checks_3_to_9(struct srv_req *h)
{
	int rep;

	if (srv_st && !store_alive(srv_st)) {
		store_close(srv_st);	/* PostgreSQL restarted: connect again */
		srv_st = NULL;
	}
	if (!srv_st && srv_store_connect(h->o, &srv_st)) {
		snprintf(h->log, h->loglen, "store unavailable");
		return -1;
	}
	h->st = srv_st;
	h->n = h->o->chain_length ? h->o->chain_length :
	       (uint16_t)srv_setting(h->st, "chain_length",
				     STORE_DEF_CHAIN_LENGTH);
	if (h->n < 1)
		h->n = STORE_DEF_CHAIN_LENGTH;

	/* Check 3: atomic check-and-insert, committed on its own. */
	rep = store_replay_check_insert(h->st, h->q->gw_id, h->q->rand,
					h->q->t, h->now);
	if (rep < 0) {
		srv_store_warn(h->st, "replay cache", rep);
		return -1;
	}
	if (rep == 1) {
		snprintf(h->log, h->loglen, "REPLAY");
		return srv_refuse(h, CPNS_REPLAY, h->n) ? -1 : 0;
	}
	/* Check 4. */
	if (h->ids.status != CPNS_OK) {
		snprintf(h->log, h->loglen, "MALFORMED (request body)");
		return srv_refuse(h, CPNS_MALFORMED, h->n) ? -1 : 0;
	}
	return srv_checks_5_to_9(h);
}

/*
 * Profile 2, checks 1 to 9, for one request: true with the response to
 * send in @out, false when none can be made (answer ERROR INTERNAL).
 * @log gets one line describing the outcome.
 */
static bool srv_handle(const struct srv_opts *o,
		       const struct cpns_wire_request *q,
		       struct cpns_srv_respond_out *out, char *log,
		       size_t loglen)
{
	struct srv_req h = {
		.o = o, .q = q, .now = role_now(), .out = out,
		.log = log, .loglen = loglen,
	};
	bool made = true;
	int err;

	memset(out, 0, sizeof(*out));
	if (!srv_nl && cpns_nl_open(&srv_nl)) {
		snprintf(log, loglen, "cpns module unavailable");
		return false;
	}
	h.nl = srv_nl;
	err = cpns_srv_open_request(h.nl, o->keyring, q, &h.ids);
	if (err) {
		snprintf(log, loglen, "open request: %s", strerror(-err));
		made = false;
	} else if (!h.ids.verified) {
		/* Checks 1 and 2: unverified, nothing stored. */
		out->resp.status = h.ids.status;
		snprintf(log, loglen, "%s (unverified)",
			 cpns_status_str(h.ids.status));
	} else if (srv_checks_3_to_9(&h)) {
		/* Sealed INTERNAL if the kernel can still answer, else none. */
		made = !srv_refuse(&h, CPNS_INTERNAL, STORE_DEF_CHAIN_LENGTH);
		log_append(&h, made ? "INTERNAL" : "no response possible");
	}
	/* `server stats': every answer of a request that reached the store. */
	if (h.st)
		store_add_stat(h.st, made ? out->resp.status : STORE_STAT_ERROR,
			       h.now);
	if (!made || out->resp.status == CPNS_INTERNAL)
		srv_cleanup(NULL);
	return made;
}

static int serve_conn(int fd, const char *peer, void *arg)
{
	const struct srv_opts *o = arg;
	struct cpns_wire_rx rx = {
		.accept = CPNS_WIRE_ACCEPT(CPNS_WIRE_REQUEST),
		.header_timeout_s = o->limits.header_timeout,
		.timeout_s = o->timeout,
	};
	struct cpns_srv_respond_out *r;
	struct cpns_wire_msg m;
	char log[256] = "";
	bool made;
	int err;

	if (!role_recv_frame(fd, peer, &rx, &m,
			     "a CPNS Server accepts only REQUEST", true)) {
		cpns_wire_close(fd);
		return 0;
	}
	r = calloc(1, sizeof(*r));
	made = r && srv_handle(o, &m.u.req, r, log, sizeof(log));
	printf("%s: REQUEST gw=", peer);
	role_print_id(stdout, m.u.req.gw_id, m.u.req.gw_id_len);
	printf(" -> %s\n", log);
	if (!made) {
		cpns_wire_send_error(fd, CPNS_WERR_INTERNAL,
				     "the server failed internally", o->timeout);
	} else {
		struct cpns_wire_msg a = { .type = CPNS_WIRE_RESPONSE };

		a.u.resp = r->resp;
		err = cpns_wire_send(fd, &a, o->timeout);
		if (err)
			printf("%s: sending RESPONSE: %s\n", peer,
			       strerror(-err));
	}
	free(r);
	cpns_wire_close(fd);
	return 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* What SIGHUP cannot change: told, the running value kept. */
static void srv_keep(const char *what, bool changed, const char *path)
{
	if (changed)
		printf("cpns server: reload: %s changed in %s: needs a restart, running with the old one\n",
		       what, path);
}

/*
 * SIGHUP: the limits, timeouts and chain length of the config file now,
 * for the connections accepted from now on (the listener replaces the
 * workers); --listen, --db, --master, --keyring need a restart.
 */
static bool srv_reload(struct cpns_limits *lim, void *arg)
{
	struct srv_opts *o = arg, n;
	const char *path = "";

	if (server_run_reread(&n, &path)) {
		printf("cpns server: reload of %s failed (the error above): running as before\n",
		       *path ? path : "the command line");
		return false;
	}
	srv_keep("--listen", !same(o->listen, n.listen), path);
	srv_keep("--db", !same(o->db, n.db), path);
	srv_keep("--master", !same(o->master, n.master), path);
	srv_keep("--keyring", o->keyring != n.keyring, path);
	o->timeout = n.timeout;
	o->limits = n.limits;
	o->chain_length = n.chain_length;
	*lim = n.limits;
	printf("cpns server: reloaded %s: timeout %d s, header %d s, at most %u connections, %u per address, %u workers, chain length %ld%s\n",
	       *path ? path : "(no config file)", o->timeout,
	       lim->header_timeout < o->timeout ? lim->header_timeout :
	       o->timeout, lim->max_conns, lim->max_per_source, lim->workers,
	       o->chain_length, o->chain_length ? "" : " (the store's)");
	return true;
}

int server_run(const struct srv_opts *opts)
{
	static struct srv_opts run;	/* what SIGHUP may change */
	const struct srv_opts *o = &run;
	struct cpns_listener l = {
		.serve = serve_conn, .cleanup = srv_cleanup,
		.reload = srv_reload, .reload_flag = &role_reload, .arg = &run,
	};
	struct cpns_nl *nl;
	struct store *st;
	char addr[80];
	int lfd, ret;

	run = *opts;
	if (!o->listen) {
		warn("server run: --listen ADDR:PORT is required");
		return CPNSCTL_EXIT_USAGE;
	}
	/* Fail early: the store and the module must be there. */
	ret = srv_store_connect(o, &st);
	if (ret)
		return ret;
	store_close(st);
	ret = cpns_client_connect(&nl);
	if (ret)
		return ret;
	cpns_nl_close(nl);
	ret = role_daemon_start("server run", o->listen, &lfd);
	if (ret)
		return ret;
	cpns_wire_sockname(lfd, false, addr, sizeof(addr));
	printf("cpns server: listening on %s (db %s, master:%s, timeout %d s, header %d s, at most %u connections, %u per address, %u workers)\n",
	       addr, o->db, o->master, o->timeout,
	       o->limits.header_timeout < o->timeout ?
	       o->limits.header_timeout : o->timeout,
	       o->limits.max_conns, o->limits.max_per_source,
	       o->limits.workers);

	l.limits = o->limits;
	if (cpns_listener_run(lfd, &l, &role_stop))
		warn("server run: out of memory");
	close(lfd);
	printf("cpns server: stopped\n");
	return CPNSCTL_EXIT_OK;
}
