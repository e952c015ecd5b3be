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
 * store holds records sealed by the kernel under master:<name>.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "cpnsctl.h"
#include "listener.h"
#include "names.h"
#include "role.h"
#include "secret.h"
#include "server_store.h"
#include "store.h"
#include "util.h"
#include "wire.h"

#define DEFAULT_MASTER "store"
#define SRV_MAX_CONNS 256
#define SRV_MAX_PER_SOURCE 32
#define SRV_SOURCE_PREFIX6 64
#define IMPORT_FILE_MAX (4 << 20)

struct srv_opts {
	const char *listen;
	const char *db;
	const char *master;
	const char *psk_file;
	const char *password_file;
	const char *timeout_str;
	int32_t keyring;
	int timeout;
	struct cpns_limits limits;
	long chain_length;	/* 0: the store's setting */
	bool replace;
	bool json;
};

static int usage(FILE *f)
{
	fprintf(f,
"Usage: cpnsctl server run --listen ADDR:PORT --db URI [--master NAME]\n"
"                          [--keyring KEYRING] [--chain-length N] [--timeout S]\n"
"                          [--header-timeout S] [--max-conns N] [--max-per-source N]\n"
"                          [--source-prefix6 LEN]\n"
"       cpnsctl server add-gw GWID --db URI [--psk-file FILE|-] [--keyring KEYRING]\n"
"       cpnsctl server add-user USER --db URI [--password-file FILE|-] [--replace]\n"
"                          [--master NAME] [--keyring KEYRING]\n"
"       cpnsctl server import FILE --db URI [--master NAME] [--keyring KEYRING]\n"
"       cpnsctl server list --db URI [-j|--json]\n"
"       cpnsctl server set NAME VALUE --db URI\n"
"       cpnsctl server init --db URI\n"
"       cpnsctl server migrate --from URI --to URI\n"
"       cpnsctl server stats --db URI [-j|--json]\n"
"\n"
"The CPNS Server.  Its store (--db: an SQLite file, sqlite:FILE, or a\n"
"PostgreSQL postgresql://... URI or libpq conninfo, without a password:\n"
"~/.pgpass or PGPASSFILE holds it) holds users, the manufacturer's\n"
"entities, owners, epochs and chains only as records sealed by the cpns\n"
"module under the key master:NAME (default NAME `" DEFAULT_MASTER "'), which must be in\n"
"KEYRING (default @u); PSK1 of each GW is the key psk:GWID there.\n"
"\n"
"  run       serve Key Assignment Requests on ADDR:PORT until SIGTERM/SIGINT;\n"
"            each connection in its own process, at most --max-conns (256) at\n"
"            once and --max-per-source (32) from one address (IPv6: one\n"
"            --source-prefix6 (/64) network), others answered ERROR BUSY; a\n"
"            frame's header within --header-timeout (2) seconds\n"
"  add-gw    record GWID; with --psk-file, load its 32-byte PSK1 (raw bytes,\n"
"            `-' for stdin) as psk:GWID (else load it with keyctl padd)\n"
"  add-user  register USER; the password is read from the terminal, from\n"
"            --password-file, or from stdin with `--password-file -'\n"
"  import    the manufacturer's list: one `EntityID TK-in-hex ClaimCode' a\n"
"            line, `#' comments; checked whole, then imported all or nothing\n"
"  list      entities, owners, epochs, chain ids and n; -j for JSON\n"
"  set       user_limit, gw_limit, window (seconds), chain_length\n"
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

static int parse_opts(int argc, char *argv[], int first, struct srv_opts *o,
		      const char **pos, int npos, int *got)
{
	int i, rc;

	*got = 0;
	for (i = first; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(CPNSCTL_EXIT_OK);
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--replace")) {
			o->replace = true;
		} else if (a[0] == '-' && a[1] == '-' && !v) {
			warn("server: option `%s' needs a value", a);
			return -1;
		} else if ((rc = cpns_limits_opt(&o->limits, a, v))) {
			if (rc < 0)
				return -1;
			i++;
		} else if (!strcmp(a, "--listen")) {
			o->listen = argv[++i];
		} else if (!strcmp(a, "--db")) {
			o->db = argv[++i];
		} else if (!strcmp(a, "--master")) {
			o->master = argv[++i];
			if (!cpns_id_valid(o->master)) {
				warn("server: invalid master name: `%s'", o->master);
				return -1;
			}
		} else if (!strcmp(a, "--keyring")) {
			if (role_parse_keyring(argv[++i], &o->keyring))
				return -1;
		} else if (!strcmp(a, "--psk-file")) {
			o->psk_file = argv[++i];
		} else if (!strcmp(a, "--password-file")) {
			o->password_file = argv[++i];
		} else if (!strcmp(a, "--timeout")) {
			o->timeout_str = argv[++i];
		} else if (!strcmp(a, "--chain-length")) {
			uint64_t n;

			if (parse_u64(argv[++i], 1, CPNS_N_MAX, &n)) {
				warn("server: invalid chain length: `%s' (1..%d)",
				     argv[i], CPNS_N_MAX);
				return -1;
			}
			o->chain_length = (long)n;
		} else if (a[0] == '-' && a[1]) {
			warn("server: invalid argument: `%s'", a);
			return -1;
		} else if (*got < npos) {
			pos[(*got)++] = a;
		} else {
			warn("server: unexpected argument: `%s'", a);
			return -1;
		}
	}
	if (role_parse_timeout(o->timeout_str, &o->timeout) ||
	    cpns_limits_check(&o->limits))
		return -1;
	if (!o->db) {
		warn("server: --db URI is required");
		return -1;
	}
	return 0;
}

static int open_store(const struct srv_opts *o, struct store **st)
{
	int err = store_open(o->db, st);

	if (err) {
		warn("store `%s': %s%s%s", o->db, strerror(-err),
		     *st ? ": " : "", *st ? store_errmsg(*st) : "");
		store_close(*st);
		*st = NULL;
		return CPNSCTL_EXIT_IO;
	}
	return 0;
}

static void store_warn(struct store *st, const char *what, int err)
{
	warn("store: %s: %s (%s)", what, strerror(-err), store_errmsg(st));
}

static int64_t setting(struct store *st, const char *name, int64_t def)
{
	int64_t v;

	return store_get_setting(st, name, &v) ? def : v;
}

/* The daemon ------------------------------------------------------------- */

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct reply {
	uint8_t status;
	bool verified;
	uint16_t sealed_len;
	uint8_t sealed[CPNS_WIRE_SEALED_MAX];
};

struct respond_in {
	uint8_t status;
	const uint8_t *urec;
	size_t urec_len;
	const struct store_entity *ent;	/* NULL: not in the list */
	uint32_t epoch;
	uint16_t n;
};

struct respond_out {
	uint8_t status;
	uint32_t epoch;
	uint16_t n;
	uint8_t chain_id[CPNS_CHAIN_ID_LEN];
	uint8_t chain_record[STORE_RECORD_MAX];
	size_t chain_record_len;
	uint8_t entity_record[STORE_RECORD_MAX];	/* the entity's next state */
	size_t entity_record_len;
	bool claimed;
};

static int srv_respond(struct cpns_nl *nl, const struct srv_opts *o,
		       const struct cpns_wire_request *q,
		       const struct respond_in *in, struct respond_out *out,
		       struct reply *r)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg;
	int err;

	msg = cpns_msg(nl, CPNS_CMD_SRV_RESPOND);
	if (!msg)
		return -ENOMEM;
	if (nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
	    role_put_id(msg, CPNS_A_MASTER, o->master) ||
	    nla_put(msg, CPNS_A_GW_ID, q->gw_id_len, q->gw_id) ||
	    nla_put(msg, CPNS_A_RAND, CPNS_RAND_LEN, q->rand) ||
	    nla_put_u64(msg, CPNS_A_TIME, q->t) ||
	    nla_put(msg, CPNS_A_SEALED, q->sealed_len, q->sealed) ||
	    nla_put_u8(msg, CPNS_A_STATUS, in->status) ||
	    (in->urec && nla_put(msg, CPNS_A_USER_RECORD, in->urec_len,
				 in->urec)) ||
	    (in->ent && nla_put(msg, CPNS_A_ENTITY_RECORD,
				in->ent->record_len, in->ent->record)) ||
	    (in->ent && in->ent->owner[0] &&
	     role_put_id(msg, CPNS_A_OWNER, in->ent->owner)) ||
	    nla_put_u32(msg, CPNS_A_EPOCH, in->epoch) ||
	    nla_put_u16(msg, CPNS_A_N, in->n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = role_request(nl, msg, tb, false, "respond");
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	if (tb[CPNS_A_STATUS] && !tb[CPNS_A_SEALED] &&
	    nla_get_u8(tb[CPNS_A_STATUS]) == CPNS_STALE) {
		/* The kernel's clock says T left the window meanwhile. */
		out->status = r->status = CPNS_STALE;
		r->verified = false;
		return 0;
	}
	if (!tb[CPNS_A_STATUS] || !tb[CPNS_A_SEALED] ||
	    nla_len(tb[CPNS_A_SEALED]) < CPNS_WIRE_SEALED_MIN ||
	    nla_len(tb[CPNS_A_SEALED]) > CPNS_WIRE_SEALED_MAX)
		return -EBADMSG;
	out->status = nla_get_u8(tb[CPNS_A_STATUS]);
	r->status = out->status;
	r->verified = true;
	r->sealed_len = nla_len(tb[CPNS_A_SEALED]);
	memcpy(r->sealed, nla_data(tb[CPNS_A_SEALED]), r->sealed_len);
	if (out->status == CPNS_OK) {
		if (!tb[CPNS_A_EPOCH] || !tb[CPNS_A_N] || !tb[CPNS_A_CHAIN_ID] ||
		    !tb[CPNS_A_CHAIN_RECORD] || !tb[CPNS_A_ENTITY_RECORD] ||
		    nla_len(tb[CPNS_A_CHAIN_ID]) != CPNS_CHAIN_ID_LEN ||
		    nla_len(tb[CPNS_A_CHAIN_RECORD]) > STORE_RECORD_MAX ||
		    nla_len(tb[CPNS_A_ENTITY_RECORD]) > STORE_RECORD_MAX)
			return -EBADMSG;
		out->epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
		out->n = nla_get_u16(tb[CPNS_A_N]);
		memcpy(out->chain_id, nla_data(tb[CPNS_A_CHAIN_ID]),
		       CPNS_CHAIN_ID_LEN);
		out->chain_record_len = nla_len(tb[CPNS_A_CHAIN_RECORD]);
		memcpy(out->chain_record, nla_data(tb[CPNS_A_CHAIN_RECORD]),
		       out->chain_record_len);
		out->entity_record_len = nla_len(tb[CPNS_A_ENTITY_RECORD]);
		memcpy(out->entity_record, nla_data(tb[CPNS_A_ENTITY_RECORD]),
		       out->entity_record_len);
		out->claimed = tb[CPNS_A_CLAIM] != NULL;
	}
	return 0;
}

/* A status decided here (MALFORMED, REPLAY, RATE_LIMITED, INTERNAL), sealed. */
static int srv_refuse(struct cpns_nl *nl, const struct srv_opts *o,
		      const struct cpns_wire_request *q, uint8_t status,
		      uint16_t n, struct reply *r)
{
	struct respond_in in = { .status = status, .n = n };
	struct respond_out out;

	return srv_respond(nl, o, q, &in, &out, r);
}

struct open_result {
	uint8_t status;
	bool verified;
	bool claim;
	char user[CPNS_ID_MAX_LEN + 1];
	char entity[CPNS_ID_MAX_LEN + 1];
};

static int copy_id(struct nlattr *a, char *dst)
{
	if (!a || nla_len(a) < 1 || nla_len(a) > CPNS_ID_MAX_LEN)
		return -1;
	memcpy(dst, nla_data(a), nla_len(a));
	dst[nla_len(a)] = '\0';
	return cpns_id_valid(dst) ? 0 : -1;
}

static int srv_open(struct cpns_nl *nl, const struct srv_opts *o,
		    const struct cpns_wire_request *q, struct open_result *res)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg;
	int err;

	msg = cpns_msg(nl, CPNS_CMD_SRV_OPEN_REQUEST);
	if (!msg)
		return -ENOMEM;
	if (nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
	    nla_put(msg, CPNS_A_GW_ID, q->gw_id_len, q->gw_id) ||
	    nla_put(msg, CPNS_A_RAND, CPNS_RAND_LEN, q->rand) ||
	    nla_put_u64(msg, CPNS_A_TIME, q->t) ||
	    nla_put(msg, CPNS_A_SEALED, q->sealed_len, q->sealed)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = role_request(nl, msg, tb, false, "open request");
	if (err)
		return err;
	if (!tb[CPNS_A_STATUS])
		return -EBADMSG;
	memset(res, 0, sizeof(*res));
	res->status = nla_get_u8(tb[CPNS_A_STATUS]);
	res->verified = tb[CPNS_A_VERIFIED] != NULL;
	res->claim = tb[CPNS_A_CLAIM] != NULL;
	if (res->status == CPNS_OK &&
	    (copy_id(tb[CPNS_A_USER_ID], res->user) ||
	     copy_id(tb[CPNS_A_ENTITY_ID], res->entity)))
		res->status = CPNS_MALFORMED;	/* check 4: no usable ids */
	if (res->status == CPNS_OK && !res->verified)
		return -EBADMSG;
	return 0;
}

/*
 * Profile 2, checks 1 to 9, for one request.  Fills @r with the response
 * to send, or returns a wire ERROR code (INTERNAL) when no response can
 * be made at all.  @log gets one line describing the outcome.
 */
static int srv_handle(const struct srv_opts *o,
		      const struct cpns_wire_request *q, struct reply *r,
		      char *log, size_t loglen)
{
	struct cpns_nl *nl = NULL;
	struct store *st = NULL;
	struct open_result res;
	struct store_entity *ent = NULL;
	struct respond_in in = { 0 };
	struct respond_out out;
	uint8_t urec[STORE_RECORD_MAX];
	size_t urec_len = sizeof(urec);
	int64_t now = role_now(), ucount, gcount;
	int64_t user_limit, gw_limit, window;
	uint16_t n;
	int err, ret = 0, rep;
	bool have_user, have_ent, in_tx = false;
	char chain_hex[2 * CPNS_CHAIN_ID_LEN + 1];

	memset(r, 0, sizeof(*r));
	if (cpns_nl_open(&nl)) {
		snprintf(log, loglen, "cpns module unavailable");
		return CPNS_WERR_INTERNAL;
	}
	err = srv_open(nl, o, q, &res);
	if (err) {
		snprintf(log, loglen, "open request: %s", strerror(-err));
		ret = CPNS_WERR_INTERNAL;
		goto out;
	}
	if (!res.verified) {
		/* Checks 1 and 2: unverified, nothing stored. */
		r->status = res.status;
		snprintf(log, loglen, "%s (unverified)",
			 cpns_status_str(res.status));
		goto out;
	}

	if (open_store(o, &st)) {
		snprintf(log, loglen, "store unavailable");
		goto internal;
	}
	n = o->chain_length ? o->chain_length :
	    (uint16_t)setting(st, "chain_length", STORE_DEF_CHAIN_LENGTH);
	if (n < 1)
		n = STORE_DEF_CHAIN_LENGTH;

	/* Check 3: atomic check-and-insert, committed on its own. */
	rep = store_replay_check_insert(st, q->gw_id, q->rand, q->t, now);
	if (rep < 0) {
		store_warn(st, "replay cache", rep);
		goto internal;
	}
	if (rep == 1) {
		err = srv_refuse(nl, o, q, CPNS_REPLAY, n, r);
		snprintf(log, loglen, "REPLAY");
		goto refused;
	}
	/* Check 4. */
	if (res.status != CPNS_OK) {
		err = srv_refuse(nl, o, q, CPNS_MALFORMED, n, r);
		snprintf(log, loglen, "MALFORMED (request body)");
		goto refused;
	}

	/* Checks 5 to 9 in one transaction. */
	err = store_begin(st);
	if (err) {
		store_warn(st, "begin", err);
		goto internal;
	}
	in_tx = true;
	user_limit = setting(st, "user_limit", STORE_DEF_USER_LIMIT);
	gw_limit = setting(st, "gw_limit", STORE_DEF_GW_LIMIT);
	window = setting(st, "window", STORE_DEF_WINDOW);
	err = store_count_failures(st, res.user, q->gw_id, now, window,
				   &ucount, &gcount);
	if (err) {
		store_warn(st, "failures", err);
		goto internal;
	}
	if (ucount >= user_limit || gcount >= gw_limit) {
		store_rollback(st);
		in_tx = false;
		err = srv_refuse(nl, o, q, CPNS_RATE_LIMITED, n, r);
		snprintf(log, loglen, "RATE_LIMITED user=%s (%lld) gw (%lld)",
			 res.user, (long long)ucount, (long long)gcount);
		goto refused;
	}
	err = store_get_user(st, res.user, urec, &urec_len);
	if (err && err != -ENOENT) {
		store_warn(st, "user", err);
		goto internal;
	}
	have_user = !err;
	ent = malloc(sizeof(*ent));
	if (!ent)
		goto internal;
	err = store_get_entity(st, res.entity, ent);
	if (err && err != -ENOENT) {
		store_warn(st, "entity", err);
		goto internal;
	}
	have_ent = !err;

	in.status = CPNS_OK;
	in.urec = have_user ? urec : NULL;
	in.urec_len = urec_len;
	in.ent = have_ent ? ent : NULL;
	in.epoch = have_ent ? ent->epoch : 0;
	in.n = n;
	err = srv_respond(nl, o, q, &in, &out, r);
	if (err)
		goto internal;

	if (out.status == CPNS_AUTH_FAILED || out.status == CPNS_CLAIM_FAILED) {
		err = store_add_failure(st, res.user, q->gw_id, now, window);
		if (err)
			store_warn(st, "record failure", err);
	} else if (out.status == CPNS_OK) {
		struct store_chain ch = {
			.epoch = out.epoch, .owner = res.user,
			.entity_record = out.entity_record,
			.entity_record_len = out.entity_record_len,
			.chain_record = out.chain_record,
			.chain_record_len = out.chain_record_len,
			.chain_id = out.chain_id, .n = out.n,
		};

		err = store_commit_chain(st, ent, &ch, now);
		if (err) {
			store_warn(st, "commit chain", err);
			goto internal;
		}
	}
	err = store_commit(st);
	in_tx = false;
	if (err) {
		store_warn(st, "commit", err);
		if (out.status == CPNS_OK)
			goto internal;	/* never send a chain not stored */
	}
	if (out.status == CPNS_OK)
		snprintf(log, loglen,
			 "OK user=%s entity=%s E=%u n=%u chain=%s%s",
			 res.user, res.entity, out.epoch, out.n,
			 hex_encode(chain_hex, out.chain_id, CPNS_CHAIN_ID_LEN),
			 out.claimed ? " (claimed: new owner)" : "");
	else
		snprintf(log, loglen, "%s user=%s entity=%s",
			 cpns_status_str(out.status), res.user, res.entity);
	goto out;

refused:
	if (!err)
		goto out;
internal:
	if (in_tx)
		store_rollback(st);
	in_tx = false;
	/* Sealed INTERNAL if the kernel can still answer, else an ERROR. */
	if (srv_refuse(nl, o, q, CPNS_INTERNAL, STORE_DEF_CHAIN_LENGTH, r)) {
		snprintf(log + strlen(log), loglen - strlen(log),
			 "%sno response possible", *log ? ": " : "");
		ret = CPNS_WERR_INTERNAL;
	} else {
		snprintf(log + strlen(log), loglen - strlen(log), "%sINTERNAL",
			 *log ? ": " : "");
	}
out:
	/* `server stats': every answer of a request that reached the store. */
	if (st)
		store_add_stat(st, ret ? STORE_STAT_ERROR : r->status, now);
	free(ent);
	explicit_bzero(urec, sizeof(urec));
	store_close(st);
	cpns_nl_close(nl);
	return ret;
}

static int serve_conn(int fd, const char *peer, void *arg)
{
	const struct srv_opts *o = arg;
	struct cpns_wire_rx rx = {
		.accept = CPNS_WIRE_ACCEPT(CPNS_WIRE_REQUEST),
		.header_timeout_s = o->limits.header_timeout,
		.timeout_s = o->timeout,
	};
	struct cpns_wire_msg m;
	char log[256] = "";
	struct reply *r;
	int err, werr;

	err = cpns_wire_recv_rx(fd, &m, &rx, &werr);
	if (err && werr == CPNS_WERR_UNEXPECTED_TYPE &&
	    cpns_wire_type_name(m.type)) {
		/* Refused from its header: its body was not read. */
		cpns_wire_send_error(fd, werr,
				     "a CPNS Server accepts only REQUEST", 2);
		printf("%s: refused frame: %s, ERROR UNEXPECTED_TYPE\n", peer,
		       cpns_wire_type_name(m.type));
		cpns_wire_close(fd);
		return 0;
	}
	if (err) {
		if (werr) {
			cpns_wire_send_error(fd, werr,
					     cpns_wire_error_reason(werr), 2);
			printf("%s: refused frame: ERROR %s\n", peer,
			       cpns_wire_error_name(werr));
		} else if (err != -ENODATA) {
			printf("%s: %s\n", peer, strerror(-err));
		}
		cpns_wire_close(fd);
		return 0;
	}
	r = calloc(1, sizeof(*r));
	werr = r ? srv_handle(o, &m.u.req, r, log, sizeof(log)) :
		   CPNS_WERR_INTERNAL;
	printf("%s: REQUEST gw=", peer);
	role_print_id(stdout, m.u.req.gw_id, m.u.req.gw_id_len);
	printf(" -> %s\n", log);
	if (werr) {
		cpns_wire_send_error(fd, werr, "the server failed internally",
				     o->timeout);
	} else {
		struct cpns_wire_msg a = { .type = CPNS_WIRE_RESPONSE };

		a.u.resp.status = r->status;
		a.u.resp.sealed_len = r->verified ? r->sealed_len : 0;
		memcpy(a.u.resp.sealed, r->sealed, a.u.resp.sealed_len);
		err = cpns_wire_send(fd, &a, o->timeout);
		if (err)
			printf("%s: sending RESPONSE: %s\n", peer,
			       strerror(-err));
	}
	free(r);
	cpns_wire_close(fd);
	return 0;
}

static int server_run(struct srv_opts *o)
{
	struct cpns_listener l = { .serve = serve_conn, .arg = o };
	struct sigaction sa = { 0 };
	struct cpns_nl *nl;
	struct store *st;
	char addr[80];
	int lfd, ret;

	if (!o->listen) {
		warn("server run: --listen ADDR:PORT is required");
		return CPNSCTL_EXIT_USAGE;
	}
	/* Fail early: the store and the module must be there. */
	ret = open_store(o, &st);
	if (ret)
		return ret;
	store_close(st);
	ret = role_nl_open(&nl);
	if (ret)
		return ret;
	cpns_nl_close(nl);

	lfd = cpns_wire_listen(o->listen);
	if (lfd < 0) {
		warn("server run: listen on `%s': %s", o->listen,
		     strerror(-lfd));
		return lfd == -EINVAL ? CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
	}
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	cpns_wire_sockname(lfd, false, addr, sizeof(addr));
	printf("cpns server: listening on %s (db %s, master:%s, timeout %d s, header %d s, at most %u connections, %u per address)\n",
	       addr, o->db, o->master, o->timeout,
	       o->limits.header_timeout < o->timeout ?
	       o->limits.header_timeout : o->timeout,
	       o->limits.max_conns, o->limits.max_per_source);

	l.limits = o->limits;
	if (cpns_listener_run(lfd, &l, &stop_flag))
		warn("server run: out of memory");
	close(lfd);
	printf("cpns server: stopped\n");
	return CPNSCTL_EXIT_OK;
}

/* Administration ----------------------------------------------------------- */

static long keyctl_search(int32_t ring, const char *type, const char *desc)
{
	return syscall(SYS_keyctl, KEYCTL_SEARCH, ring, type, desc, 0);
}

static int server_add_gw(struct srv_opts *o, const char *gw)
{
	struct cpns_secret psk = { 0 };
	struct store *st;
	char desc[8 + CPNS_ID_MAX_LEN];
	long serial = -1;
	int err, ret;

	if (!cpns_id_valid(gw)) {
		warn("server add-gw: invalid GwID: `%s'", gw);
		return CPNSCTL_EXIT_USAGE;
	}
	snprintf(desc, sizeof(desc), "psk:%s", gw);
	if (o->psk_file) {
		err = secret_read(&psk, o->psk_file, "PSK1: ", 4096, 0);
		if (err) {
			warn("PSK1 `%s': %s", o->psk_file, strerror(-err));
			return CPNSCTL_EXIT_IO;
		}
		if (psk.len != CPNS_PSK_LEN) {
			warn("PSK1 `%s': %zu bytes, must be exactly %d raw bytes",
			     o->psk_file, psk.len, CPNS_PSK_LEN);
			secret_free(&psk);
			return CPNSCTL_EXIT_USAGE;
		}
		serial = syscall(SYS_add_key, CPNS_KEY_TYPE, desc, psk.buf,
				 psk.len, o->keyring);
		err = errno;
		secret_free(&psk);
		if (serial < 0) {
			warn("add_key %s: %s", desc, strerror(err));
			return err == EPERM || err == EACCES ?
			       CPNSCTL_EXIT_PERM : CPNSCTL_EXIT_FAIL;
		}
	}
	ret = open_store(o, &st);
	if (ret)
		return ret;
	err = store_add_gw(st, gw, role_now());
	if (err == -EEXIST) {
		printf("GW %s: already recorded\n", gw);
	} else if (err) {
		store_warn(st, "add GW", err);
		store_close(st);
		return CPNSCTL_EXIT_IO;
	} else {
		printf("GW %s: recorded\n", gw);
	}
	store_close(st);
	if (serial < 0)
		serial = keyctl_search(o->keyring, CPNS_KEY_TYPE, desc);
	if (serial < 0)
		printf("PSK1: no key %s found yet: load it with\n"
		       "  keyctl padd %s %s @u < psk1.bin\n",
		       desc, CPNS_KEY_TYPE, desc);
	else
		printf("PSK1: key %s, serial %ld (its value cannot be read back)\n",
		       desc, serial);
	return CPNSCTL_EXIT_OK;
}

static int server_add_user(struct srv_opts *o, const char *user)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct cpns_secret pw = { 0 };
	struct cpns_nl *nl;
	struct store *st;
	struct nl_msg *msg;
	char prompt[128];
	int err, ret;

	if (!cpns_id_valid(user)) {
		warn("server add-user: invalid UserID: `%s'", user);
		return CPNSCTL_EXIT_USAGE;
	}
	ret = open_store(o, &st);
	if (ret)
		return ret;
	ret = role_nl_open(&nl);
	if (ret)
		goto out_store;
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	err = secret_read(&pw, o->password_file, prompt, CPNS_PASSWORD_MAX_LEN,
			  SECRET_TEXT);
	if (err) {
		warn("password%s%s%s: %s", o->password_file ? " `" : "",
		     o->password_file ? o->password_file : "",
		     o->password_file ? "'" : "", strerror(-err));
		ret = err == -EMSGSIZE || err == -ENODATA ? CPNSCTL_EXIT_USAGE :
		      CPNSCTL_EXIT_IO;
		goto out_nl;
	}
	msg = cpns_msg(nl, CPNS_CMD_SRV_SEAL_USER);
	if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
	    role_put_id(msg, CPNS_A_MASTER, o->master) ||
	    role_put_id(msg, CPNS_A_USER_ID, user) ||
	    nla_put(msg, CPNS_A_PASSWORD, pw.len, pw.buf)) {
		cpns_msg_free_secret(msg);
		secret_free(&pw);
		warn("add-user: out of memory");
		ret = CPNSCTL_EXIT_FAIL;
		goto out_nl;
	}
	err = role_request(nl, msg, tb, true, "seal user");
	secret_free(&pw);
	if (err) {
		ret = role_exit_errno(err);
		goto out_nl;
	}
	if (!tb[CPNS_A_USER_RECORD]) {
		warn("seal user: no record in the module's reply");
		ret = CPNSCTL_EXIT_FAIL;
		goto out_nl;
	}
	err = store_put_user(st, user, nla_data(tb[CPNS_A_USER_RECORD]),
			     nla_len(tb[CPNS_A_USER_RECORD]), o->replace,
			     role_now());
	if (err == -EEXIST) {
		warn("user `%s' exists already (--replace to change the password)",
		     user);
		ret = CPNSCTL_EXIT_FAIL;
	} else if (err) {
		store_warn(st, "add user", err);
		ret = CPNSCTL_EXIT_IO;
	} else {
		printf("user %s: registered (password sealed under master:%s)\n",
		       user, o->master);
	}
out_nl:
	cpns_nl_close(nl);
out_store:
	store_close(st);
	return ret;
}

/* Import -------------------------------------------------------------------- */

struct import_line {
	unsigned int lineno;
	char *entity;		/* points into the (locked) file buffer */
	char *tk_hex;
	char *code;
	size_t code_len;
	uint8_t *record;
	size_t record_len;
};

static bool is_hex(const char *s)
{
	return *s && strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

/* Split the file into lines of three tokens; every line checked. */
static int import_parse(char *buf, size_t len, struct import_line **out,
			size_t *count)
{
	struct import_line *lines = NULL;
	size_t n = 0, cap = 0, i;
	unsigned int lineno = 0;
	char *p = buf, *end = buf + len;
	int bad = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', end - p);
		char *line = p, *tok[4], *save = NULL, *t;
		int ntok = 0;

		char *eol = nl ? nl : end;	/* *end is a NUL */

		*eol = '\0';
		p = eol + 1;
		lineno++;
		if (strlen(line) != (size_t)(eol - line)) {
			warn("import: line %u: NUL byte", lineno);
			bad++;
			continue;
		}
		for (t = strtok_r(line, " \t\r\v\f", &save); t && ntok < 4;
		     t = strtok_r(NULL, " \t\r\v\f", &save)) {
			if (t[0] == '#')
				break;
			tok[ntok++] = t;
		}
		if (ntok == 0)
			continue;
		if (ntok != 3) {
			warn("import: line %u: %d fields, want `EntityID TK-in-hex ClaimCode'",
			     lineno, ntok);
			bad++;
			continue;
		}
		if (!cpns_id_valid(tok[0])) {
			warn("import: line %u: invalid EntityID `%s'", lineno,
			     tok[0]);
			bad++;
			continue;
		}
		/* TK and ClaimCode are secrets: described, never quoted. */
		if (!is_hex(tok[1]) || strlen(tok[1]) % 2 ||
		    strlen(tok[1]) < 2 * CPNS_TK_MIN_LEN ||
		    strlen(tok[1]) > 2 * CPNS_TK_MAX_LEN) {
			warn("import: line %u (%s): invalid TK: %zu characters, want %d..%d bytes as hex",
			     lineno, tok[0], strlen(tok[1]), CPNS_TK_MIN_LEN,
			     CPNS_TK_MAX_LEN);
			bad++;
			continue;
		}
		if (!cpns_claim_code_valid(tok[2], strlen(tok[2]))) {
			warn("import: line %u (%s): invalid ClaimCode: %zu characters, want %d..%d of [A-Za-z0-9-]",
			     lineno, tok[0], strlen(tok[2]),
			     CPNS_CLAIM_CODE_MIN_LEN, CPNS_CLAIM_CODE_MAX_LEN);
			bad++;
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(lines[i].entity, tok[0]))
				break;
		if (i < n) {
			warn("import: line %u: EntityID `%s' already on line %u",
			     lineno, tok[0], lines[i].lineno);
			bad++;
			continue;
		}
		if (n == cap) {
			struct import_line *nw;

			cap = cap ? 2 * cap : 64;
			nw = realloc(lines, cap * sizeof(*lines));
			if (!nw) {
				free(lines);
				return -ENOMEM;
			}
			lines = nw;
		}
		lines[n] = (struct import_line){
			.lineno = lineno, .entity = tok[0], .tk_hex = tok[1],
			.code = tok[2], .code_len = strlen(tok[2]) };
		n++;
	}
	*out = lines;
	*count = n;
	return bad ? -EINVAL : 0;
}

static int server_import(struct srv_opts *o, const char *file)
{
	struct cpns_secret buf = { 0 }, tk = { 0 };
	struct store_import_entry *ents = NULL;
	struct import_line *lines = NULL;
	struct store_entity *e = NULL;
	struct cpns_nl *nl = NULL;
	struct store *st;
	size_t count = 0, i, bad = 0;
	int err, ret;

	ret = open_store(o, &st);
	if (ret)
		return ret;
	err = secret_read(&buf, file, NULL, IMPORT_FILE_MAX, 0);
	if (err) {
		warn("import `%s': %s", file, strerror(-err));
		ret = err == -EMSGSIZE || err == -ENODATA ? CPNSCTL_EXIT_USAGE :
		      CPNSCTL_EXIT_IO;
		goto out;
	}
	/* A terminated copy: the buffer has room for one more byte, or not. */
	if (buf.len == buf.cap) {
		struct cpns_secret b2 = { 0 };

		if (secret_alloc(&b2, buf.len + 1)) {
			ret = CPNSCTL_EXIT_FAIL;
			goto out;
		}
		memcpy(b2.buf, buf.buf, buf.len);
		b2.len = buf.len;
		secret_free(&buf);
		buf = b2;
	}
	buf.buf[buf.len] = '\0';
	err = import_parse((char *)buf.buf, buf.len, &lines, &count);
	if (err) {
		warn("import `%s': nothing imported", file);
		ret = err == -ENOMEM ? CPNSCTL_EXIT_FAIL : CPNSCTL_EXIT_USAGE;
		goto out;
	}
	if (!count) {
		warn("import `%s': no entities in the file", file);
		ret = CPNSCTL_EXIT_USAGE;
		goto out;
	}
	e = malloc(sizeof(*e));
	if (!e) {
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < count; i++) {
		err = store_get_entity(st, lines[i].entity, e);
		if (err == 0) {
			warn("import: line %u: EntityID `%s' is already in the store",
			     lines[i].lineno, lines[i].entity);
			bad++;
		} else if (err != -ENOENT) {
			store_warn(st, "entity", err);
			ret = CPNSCTL_EXIT_IO;
			goto out;
		}
	}
	if (bad) {
		warn("import `%s': nothing imported", file);
		ret = CPNSCTL_EXIT_USAGE;
		goto out;
	}

	ret = role_nl_open(&nl);
	if (ret)
		goto out;
	if (secret_alloc(&tk, CPNS_TK_MAX_LEN)) {
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	ents = calloc(count, sizeof(*ents));
	if (!ents) {
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < count; i++) {
		struct nlattr *tb[CPNS_A_MAX + 1];
		struct nl_msg *msg;

		if (hex_decode_var(tk.buf, CPNS_TK_MAX_LEN, &tk.len,
				   lines[i].tk_hex)) {
			warn("import: line %u: invalid TK", lines[i].lineno);
			ret = CPNSCTL_EXIT_USAGE;
			goto out;
		}
		msg = cpns_msg(nl, CPNS_CMD_SRV_SEAL_ENTITY);
		if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
		    role_put_id(msg, CPNS_A_MASTER, o->master) ||
		    role_put_id(msg, CPNS_A_ENTITY_ID, lines[i].entity) ||
		    nla_put(msg, CPNS_A_TK, tk.len, tk.buf) ||
		    nla_put(msg, CPNS_A_CLAIM_CODE, lines[i].code_len,
			    lines[i].code)) {
			cpns_msg_free_secret(msg);
			ret = CPNSCTL_EXIT_FAIL;
			goto out;
		}
		explicit_bzero(tk.buf, tk.cap);
		err = role_request(nl, msg, tb, true, "seal entity");
		if (err) {
			warn("import: line %u (%s): nothing imported",
			     lines[i].lineno, lines[i].entity);
			ret = role_exit_errno(err);
			goto out;
		}
		if (!tb[CPNS_A_ENTITY_RECORD] ||
		    nla_len(tb[CPNS_A_ENTITY_RECORD]) > STORE_RECORD_MAX) {
			warn("seal entity: no record in the module's reply");
			ret = CPNSCTL_EXIT_FAIL;
			goto out;
		}
		lines[i].record_len = nla_len(tb[CPNS_A_ENTITY_RECORD]);
		lines[i].record = malloc(lines[i].record_len);
		if (!lines[i].record) {
			ret = CPNSCTL_EXIT_FAIL;
			goto out;
		}
		memcpy(lines[i].record, nla_data(tb[CPNS_A_ENTITY_RECORD]),
		       lines[i].record_len);
		ents[i].entity_id = lines[i].entity;
		ents[i].record = lines[i].record;
		ents[i].record_len = lines[i].record_len;
	}
	err = store_import(st, ents, count, role_now(), &bad);
	if (err) {
		if (err == -EEXIST)
			warn("import: line %u: EntityID `%s' is already in the store",
			     lines[bad].lineno, lines[bad].entity);
		else
			store_warn(st, "import", err);
		warn("import `%s': nothing imported", file);
		ret = err == -EEXIST ? CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
		goto out;
	}
	printf("imported %zu entities from %s (TKs and claim codes sealed under master:%s)\n",
	       count, file, o->master);
	ret = CPNSCTL_EXIT_OK;
out:
	if (lines)
		for (i = 0; i < count; i++)
			free(lines[i].record);
	free(lines);
	free(ents);
	free(e);
	secret_free(&tk);
	secret_free(&buf);	/* wipes the file's contents */
	cpns_nl_close(nl);
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

	ret = open_store(o, &st);
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
		store_warn(st, "list", err);
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
	ret = open_store(o, &st);
	if (ret)
		return ret;
	err = store_set_setting(st, name, (int64_t)v);
	if (err) {
		store_warn(st, "set", err);
		ret = CPNSCTL_EXIT_IO;
	} else {
		printf("%s = %llu\n", name, (unsigned long long)v);
	}
	store_close(st);
	return ret;
}

int server_main(int argc, char *argv[])
{
	struct srv_opts o = {
		.master = DEFAULT_MASTER,
		.keyring = KEY_SPEC_USER_KEYRING,
		.limits = {
			.max_conns = SRV_MAX_CONNS,
			.max_per_source = SRV_MAX_PER_SOURCE,
			.source_prefix6 = SRV_SOURCE_PREFIX6,
			.header_timeout = CPNS_WIRE_HDR_TIMEOUT_DEFAULT,
		},
	};
	const char *pos[2] = { NULL, NULL };
	const char *sub;
	int npos = 0, want;

	if (argc < 2) {
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help"))
		return usage(stdout);
	if (!strcmp(sub, "init") || !strcmp(sub, "migrate") ||
	    !strcmp(sub, "stats"))
		return server_store_main(argc, argv);
	if (!strcmp(sub, "run") || !strcmp(sub, "list"))
		want = 0;
	else if (!strcmp(sub, "add-gw") || !strcmp(sub, "add-user") ||
		 !strcmp(sub, "import"))
		want = 1;
	else if (!strcmp(sub, "set"))
		want = 2;
	else {
		warn("server: invalid subcommand: `%s'", sub);
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	if (parse_opts(argc, argv, 2, &o, pos, want, &npos))
		return CPNSCTL_EXIT_USAGE;
	if (npos != want) {
		warn("server %s: %s", sub, want == 1 ? "one argument expected" :
		     "NAME VALUE expected");
		return CPNSCTL_EXIT_USAGE;
	}
	if (!strcmp(sub, "run"))
		return server_run(&o);
	if (!strcmp(sub, "list"))
		return server_list(&o);
	if (!strcmp(sub, "add-gw"))
		return server_add_gw(&o, pos[0]);
	if (!strcmp(sub, "add-user"))
		return server_add_user(&o, pos[0]);
	if (!strcmp(sub, "import"))
		return server_import(&o, pos[0]);
	return server_set(&o, pos[0], pos[1]);
}
