// SPDX-License-Identifier: GPL-2.0
/*
 * cpnsctl gw: the PN GW role.
 *
 *   gw assign   build a Key Assignment Request in the kernel, send it to
 *               the CPNS Server, hand the response to the kernel
 *   gw deliver  seal the next EUKey[i] for the PNE, send it, check the
 *               PNE's acknowledgement in the kernel
 *
 * The password and the claim code are read from the terminal, a file or
 * stdin; H(password) is computed here (libkcapi) and goes straight into
 * the kernel, which builds AuthHash and ClaimProof.  Nothing secret is
 * printed, nothing secret is in argv.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <kcapi.h>
#include <linux/keyctl.h>

#include "admin.h"
#include "client.h"
#include "cpnsctl.h"
#include "names.h"
#include "opts.h"
#include "role.h"
#include "secret.h"
#include "state.h"
#include "util.h"
#include "wire.h"

struct gw_opts {
	const char *server;
	const char *pne;
	const char *gw_id;
	const char *user;
	const char *entity;
	const char *password_file;
	const char *claim_code_file;
	const char *timeout_str;
	int32_t keyring;
	int timeout;
	bool claim;
	bool json;		/* -j: one JSON object at the end, no steps */
	bool pretty;		/* -p: that object pretty-printed */
};

/* -j of this run: the steps' lines are not printed (say()). */
static bool gw_json;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	if (gw_json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static int usage(FILE *f)
{
	fprintf(f,
"Usage: cpnsctl gw assign --server ADDR:PORT[,ADDR:PORT...] --gw-id ID --user USER\n"
"                         --entity ID\n"
"                         [--claim] [--password-file FILE|-]\n"
"                         [--claim-code-file FILE|-] [--keyring KEYRING] [--timeout S]\n"
"                         [-j|--json] [-p|--pretty]\n"
"       cpnsctl gw deliver --pne ADDR:PORT --entity ID [--keyring KEYRING]\n"
"                         [--timeout S] [-j|--json] [-p|--pretty]\n"
"       cpnsctl gw list [-j]\n"
"       cpnsctl gw forget ENTITY [-j]\n"
"\n"
"The PN GW.  PSK1 must be the key psk:ID in KEYRING (default @u); the chain\n"
"received for an entity is kept by the kernel as chain:ENTITY there.\n"
"\n"
"  assign   ask the CPNS Server for a chain of EUKeys for the entity; with\n"
"           several instances of a server cluster, each is tried in turn\n"
"           when the one before cannot be reached or answers ERROR BUSY.  The\n"
"           user's password is read from the terminal, from --password-file,\n"
"           or from stdin with `--password-file -'.  --claim (or\n"
"           --claim-code-file) adds the device's claim code, needed for a\n"
"           first claim.  Prints each step and the server's status by its\n"
"           profile name; unverified statuses are marked `(unverified)'.\n"
"  deliver  deliver the next undelivered EUKey[i] to the PNE and check its\n"
"           acknowledgement; a delivery not confirmed is sent again, same i.\n"
"  list     the chains held: EntityID, E, n, delivered index, ChainID\n"
"  forget   drop chain:ENTITY deliberately (logged; see gw forget --help)\n"
"\n"
"Exit status: 0 OK / ACCEPTED; 1 a refusal (a server status other than OK,\n"
"a PNE rejection, CHAIN_EXHAUSTED, a response or Confirm that does not\n"
"verify, or the module refusing); 2 usage; 3 module unavailable;\n"
"4 permission; 5 network, timeout or a peer's ERROR frame; 6 the server\n"
"(or the PNE) unreachable: nothing was sent or kept, retry later.\n");
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

enum {
	GW_ASSIGN = 1 << 0,
	GW_DELIVER = 1 << 1,
};

enum {
	OPT_SERVER = 256, OPT_PNE, OPT_GW_ID, OPT_USER, OPT_ENTITY, OPT_CLAIM,
	OPT_PASSWORD_FILE, OPT_CLAIM_CODE_FILE, OPT_KEYRING, OPT_TIMEOUT,
	OPT_JSON = 'j', OPT_PRETTY = 'p',
};

static const struct opt_def gw_opt_defs[] = {
	{ "server", OPT_SERVER, true, GW_ASSIGN },
	{ "gw-id", OPT_GW_ID, true, GW_ASSIGN },
	{ "user", OPT_USER, true, GW_ASSIGN },
	{ "claim", OPT_CLAIM, false, GW_ASSIGN },
	{ "password-file", OPT_PASSWORD_FILE, true, GW_ASSIGN },
	{ "claim-code-file", OPT_CLAIM_CODE_FILE, true, GW_ASSIGN },
	{ "pne", OPT_PNE, true, GW_DELIVER },
	{ "entity", OPT_ENTITY, true, GW_ASSIGN | GW_DELIVER },
	{ "keyring", OPT_KEYRING, true, GW_ASSIGN | GW_DELIVER },
	{ "timeout", OPT_TIMEOUT, true, GW_ASSIGN | GW_DELIVER },
	{ "json", OPT_JSON, false, GW_ASSIGN | GW_DELIVER },
	{ "pretty", OPT_PRETTY, false, GW_ASSIGN | GW_DELIVER },
	{ NULL, 0, false, 0 },
};

static int gw_set_opt(void *ctx, int key, const char *name, const char *val)
{
	struct gw_opts *o = ctx;

	(void)name;
	switch (key) {
	case OPT_SERVER:
		o->server = val;
		break;
	case OPT_PNE:
		o->pne = val;
		break;
	case OPT_GW_ID:
		o->gw_id = val;
		break;
	case OPT_USER:
		o->user = val;
		break;
	case OPT_ENTITY:
		o->entity = val;
		break;
	case OPT_CLAIM:
		o->claim = true;
		break;
	case OPT_PASSWORD_FILE:
		o->password_file = val;
		break;
	case OPT_CLAIM_CODE_FILE:
		o->claim_code_file = val;
		o->claim = true;
		break;
	case OPT_KEYRING:
		return role_parse_keyring(val, &o->keyring);
	case OPT_TIMEOUT:
		o->timeout_str = val;
		break;
	case OPT_PRETTY:	/* -p is -j, pretty-printed */
	case OPT_JSON:
		o->pretty = o->pretty || key == OPT_PRETTY;
		o->json = true;
		gw_json = true;
		break;
	}
	return 0;
}

static int need_id(const char *what, const char *opt, const char *v)
{
	if (!v) {
		warn("gw: %s is required", opt);
		return -1;
	}
	if (!cpns_id_valid(v, strlen(v))) {
		warn("gw: invalid %s: `%s'", what, v);
		return -1;
	}
	return 0;
}

static void print_hex(const char *label, const uint8_t *p, size_t len)
{
	size_t i;

	say("%s", label);
	for (i = 0; i < len; i++)
		say("%02x", p[i]);
}

/*
 * The peer's answer into m: 0 when it is a frame of type want, else the
 * exit code, the failure (an ERROR frame, a timeout, another type) told.
 */
static int recv_answer(int fd, struct cpns_wire_msg *m, int timeout,
		       const char *peer, uint8_t want)
{
	int werr, err = cpns_wire_recv(fd, m, timeout, &werr);

	if (err) {
		role_print_recv_error(peer, err);
		return CPNSCTL_EXIT_IO;
	}
	if (m->type == CPNS_WIRE_ERROR) {
		role_print_wire_error(peer, m);
		return CPNSCTL_EXIT_IO;
	}
	if (m->type != want) {
		warn("%s answered with a %s frame, not with %s", peer,
		     cpns_wire_type_name(m->type), cpns_wire_type_name(want));
		return CPNSCTL_EXIT_IO;
	}
	return 0;
}

/*
 * Connect to the peer before the kernel does anything for this exchange,
 * so that an unreachable peer costs no outstanding request and moves no
 * state: 0 with *fd, or the exit code, told.
 */
static int connect_peer(const char *peer, const char *addrport, int timeout,
			int *fd)
{
	*fd = cpns_wire_connect(addrport, timeout);
	if (*fd >= 0)
		return 0;
	if (*fd == -EHOSTUNREACH && cpns_wire_gai_error) {
		warn("%s `%s': unknown host: %s (nothing sent)", peer, addrport,
		     gai_strerror(cpns_wire_gai_error));
		return CPNSCTL_EXIT_UNREACHABLE;
	}
	if (*fd == -EINVAL) {
		warn("connect to `%s': %s", addrport, strerror(EINVAL));
		return CPNSCTL_EXIT_USAGE;
	}
	warn("%s unreachable: connect to `%s': %s (nothing sent; retry later)",
	     peer, addrport, strerror(-*fd));
	return CPNSCTL_EXIT_UNREACHABLE;
}

#define GW_SERVERS_MAX 8

/* --server A[,B...]: instances of one CPNS Server cluster, in order. */
static int split_servers(const char *list, char buf[][80], int *count)
{
	const char *p = list;
	int n = 0;

	while (*p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (!len || len >= sizeof(buf[0]) || n == GW_SERVERS_MAX) {
			warn("gw assign: invalid --server list `%s' (at most %d ADDR:PORT, comma-separated)",
			     list, GW_SERVERS_MAX);
			return -1;
		}
		memcpy(buf[n], p, len);
		buf[n++][len] = '\0';
		p += len;
		if (*p == ',' && !*++p) {
			warn("gw assign: invalid --server list `%s'", list);
			return -1;
		}
	}
	*count = n;
	return n ? 0 : -1;
}

/*
 * Connect to the first instance from *@i on that answers; *@i is then
 * its index.  The exit code of the last failure when none does.
 */
static int connect_any(char srv[][80], int count, int *i, int timeout,
		       int *fd)
{
	int ret = CPNSCTL_EXIT_UNREACHABLE;

	for (; *i < count; ++*i) {
		ret = connect_peer("server", srv[*i], timeout, fd);
		if (ret != CPNSCTL_EXIT_UNREACHABLE)
			return ret;
		if (*i + 1 < count)
			say("server %s unreachable: trying %s\n", srv[*i],
			       srv[*i + 1]);
	}
	return ret;
}

static int assign_check(const struct gw_opts *o)
{
	char srv[GW_SERVERS_MAX][80];
	int nsrv, i;

	if (need_id("GwID", "--gw-id", o->gw_id) ||
	    need_id("UserID", "--user", o->user) ||
	    need_id("EntityID", "--entity", o->entity))
		return CPNSCTL_EXIT_USAGE;
	if (!o->server) {
		warn("gw assign: --server ADDR:PORT is required");
		return CPNSCTL_EXIT_USAGE;
	}
	if (split_servers(o->server, srv, &nsrv))
		return CPNSCTL_EXIT_USAGE;
	for (i = 0; i < nsrv; i++) {
		if (cpns_wire_addr_problem(srv[i])) {
			warn("gw assign: --server `%s': %s", srv[i],
			     cpns_wire_addr_problem(srv[i]));
			return CPNSCTL_EXIT_USAGE;
		}
	}
	if (o->password_file && o->claim_code_file &&
	    !strcmp(o->password_file, "-") && !strcmp(o->claim_code_file, "-")) {
		warn("gw assign: only one of --password-file and --claim-code-file can be `-'");
		return CPNSCTL_EXIT_USAGE;
	}
	return 0;
}

/* H(password) into @hpw (the password wiped at once): 0 or an exit code. */
static int read_hpw(const struct gw_opts *o, struct cpns_secret *hpw)
{
	struct cpns_secret pw = { 0 };
	char prompt[128];
	ssize_t hl;
	int ret;

	snprintf(prompt, sizeof(prompt), "Password for %s: ", o->user);
	ret = secret_read_told(&pw, o->password_file, prompt,
			       CPNS_PASSWORD_MAX_LEN, SECRET_TEXT, "password",
			       "--password-file");
	if (ret)
		return ret;
	if (secret_alloc(hpw, CPNS_HASH_LEN)) {
		secret_free(&pw);
		return CPNSCTL_EXIT_FAIL;
	}
	hl = kcapi_md_sha256(pw.buf, pw.len, hpw->buf, CPNS_HASH_LEN);
	secret_free(&pw);
	if (hl != CPNS_HASH_LEN) {
		warn("H(password): kernel crypto API: %s",
		     strerror(hl < 0 ? (int)-hl : EIO));
		return CPNSCTL_EXIT_FAIL;
	}
	hpw->len = CPNS_HASH_LEN;
	return 0;
}

static int read_claim_code(const struct gw_opts *o, struct cpns_secret *code)
{
	char prompt[128];
	int ret;

	snprintf(prompt, sizeof(prompt), "Claim code of %s: ", o->entity);
	ret = secret_read_told(code, o->claim_code_file, prompt,
			       CPNS_CLAIM_CODE_MAX_LEN, SECRET_TEXT, "claim code",
			       "--claim-code-file");
	if (ret)
		return ret;
	if (!cpns_claim_code_valid((const char *)code->buf, code->len)) {
		warn("claim code: %zu characters, want %d..%d of [A-Za-z0-9-]",
		     code->len, CPNS_CLAIM_CODE_MIN_LEN, CPNS_CLAIM_CODE_MAX_LEN);
		return CPNSCTL_EXIT_USAGE;
	}
	return 0;
}

/* Step 1: the request, built and sealed by the kernel, into m. */
static int assign_build(struct cpns_nl *nl, const struct gw_opts *o,
			const struct cpns_secret *hpw,
			const struct cpns_secret *code, struct cpns_wire_msg *m)
{
	struct cpns_gw_request_in in = {
		.keyring = o->keyring, .gw_id = o->gw_id, .user_id = o->user,
		.entity_id = o->entity, .hpw = hpw->buf,
		.claim_code = o->claim ? code->buf : NULL,
		.claim_code_len = code->len,
	};
	int err = cpns_gw_request(nl, &in, &m->u.req);
	char ring[16];

	if (err == -ENOKEY)
		warn("no key psk:%s in keyring %s: add it (keyctl padd cpns psk:%s %s <PSKFILE, or cpnsctl keys load), or name the keyring that holds it with --keyring",
		     o->gw_id, role_keyring_str(o->keyring, ring, sizeof(ring)),
		     o->gw_id, role_keyring_str(o->keyring, ring, sizeof(ring)));
	if (err)
		return cpnsctl_exit_errno(err);
	m->type = CPNS_WIRE_REQUEST;
	print_hex("[1/4] request built by the kernel: RAND_PNGW ",
		  m->u.req.rand, CPNS_RAND_LEN);
	say(", T %llu, sealed body %u bytes%s\n",
	       (unsigned long long)m->u.req.t, m->u.req.sealed_len,
	       o->claim ? ", with a claim proof" : "");
	return 0;
}

/*
 * m sent to the @peer on @fd (then, unless NULL, @sent printed followed
 * by the peer's address), then replaced by its answer, of type @want: 0 or an exit
 * code.  @addr gets the peer's address.
 */
static int exchange(int fd, const struct gw_opts *o, struct cpns_wire_msg *m,
		    const char *peer, const char *sent, uint8_t want,
		    char *addr, size_t len)
{
	int err;

	cpns_wire_sockname(fd, true, addr, len);
	err = cpns_wire_send(fd, m, o->timeout);
	if (err) {
		warn("send %s to %s: %s", cpns_wire_type_name(m->type), addr,
		     strerror(-err));
		return CPNSCTL_EXIT_IO;
	}
	if (sent)
		say("%s%s\n", sent, addr);
	return recv_answer(fd, m, o->timeout, peer, want);
}

/* Steps 2 and 3: m sent, and replaced by the server's RESPONSE. */
static int assign_exchange(int fd, const struct gw_opts *o,
			   struct cpns_wire_msg *m)
{
	char addr[80];
	int err;

	err = exchange(fd, o, m, "CPNS Server",
		       "[2/4] REQUEST sent to the CPNS Server at ",
		       CPNS_WIRE_RESPONSE, addr, sizeof(addr));
	if (err)
		return err;
	say("[3/4] RESPONSE received: status %s, %s\n",
	       cpns_status_str(m->u.resp.status),
	       m->u.resp.sealed_len ? "sealed part present" :
	       "no sealed part");
	if (m->u.resp.status > CPNS_INTERNAL) {
		warn("CPNS Server answered an unknown status %u",
		     m->u.resp.status);
		return CPNSCTL_EXIT_FAIL;
	}
	return 0;
}

/*
 * Steps 2 and 3 over the list of instances: one that answers ERROR BUSY
 * refused the connection before reading the request, so the same REQUEST
 * goes to the next one (they share one store, and its replay cache).
 */
static int assign_exchange_any(int *fd, const struct gw_opts *o,
			       struct cpns_wire_msg *m, char srv[][80],
			       int nsrv, int *si)
{
	struct cpns_wire_msg *req = malloc(sizeof(*req));
	int ret;

	if (!req)
		return CPNSCTL_EXIT_FAIL;
	*req = *m;
	for (;;) {
		ret = assign_exchange(*fd, o, m);
		if (!ret || *si + 1 >= nsrv || m->type != CPNS_WIRE_ERROR ||
		    m->u.err.code != CPNS_WERR_BUSY)
			break;
		say("server %s busy: trying %s\n", srv[*si], srv[*si + 1]);
		cpns_wire_close(*fd);
		*fd = -1;
		++*si;
		ret = connect_any(srv, nsrv, si, o->timeout, fd);
		if (ret)
			break;
		*m = *req;
	}
	explicit_bzero(req, sizeof(*req));
	free(req);
	return ret;
}

/* Step 4: the kernel opens the response and, for OK, keeps the chain. */
/* -j of gw assign: the outcome of @o's request answered by @server. */
static void assign_json(const struct gw_opts *o, const char *server,
			const struct cpns_gw_response_out *out)
{
	char kv[512], id[2 * CPNS_CHAIN_ID_LEN + 1];
	bool first = true;
	int len;

	json_key(stdout, o->pretty, &first, "op");
	json_str(stdout, "gw assign");
	len = snprintf(kv, sizeof(kv),
		       "server=%s gw=%s user=%s entity=%s status=%s verified=%s stored=%s",
		       server, o->gw_id, o->user, o->entity,
		       cpns_status_str(out->status),
		       out->verified ? "true" : "false",
		       out->stored ? "true" : "false");
	if (out->stored && len > 0 && (size_t)len < sizeof(kv))
		snprintf(kv + len, sizeof(kv) - (size_t)len,
			 " chain=chain:%s key=%d chain_id=%s epoch=%u n=%u",
			 o->entity, out->key_serial,
			 hex_encode(id, out->chain_id, CPNS_CHAIN_ID_LEN),
			 out->epoch, out->n);
	json_kv(stdout, o->pretty, &first, kv);
	json_end(stdout, o->pretty, first);
}

static int assign_take(struct cpns_nl *nl, const struct gw_opts *o,
		       const char *server, const uint8_t *rand, uint64_t t,
		       const struct cpns_wire_response *resp)
{
	struct cpns_gw_response_in in = {
		.keyring = o->keyring, .gw_id = o->gw_id, .user_id = o->user,
		.entity_id = o->entity, .rand = rand, .t = t, .resp = resp,
	};
	struct cpns_gw_response_out out;
	int err = cpns_gw_response(nl, &in, &out);

	if (err) {
		if (err == -EBADMSG)
			warn("the response does not verify under PSK1: forged, corrupted, or OK without a bundle; nothing stored");
		return cpnsctl_exit_errno(err);
	}
	if (out.stored) {
		say("[4/4] chain stored by the kernel as chain:%s", o->entity);
		if (out.key_serial)
			say(" (key %d)", out.key_serial);
		print_hex(": ChainID ", out.chain_id, CPNS_CHAIN_ID_LEN);
		say(", E %u, n %u\n", out.epoch, out.n);
		state_save(out.key_serial, "chain:", o->entity, strlen(o->entity));
	} else {
		say("[4/4] nothing stored\n");
	}
	if (o->json)
		assign_json(o, server, &out);
	else
		printf("status: %s%s\n", cpns_status_str(out.status),
		       out.verified ? "" : " (unverified)");
	return out.status == CPNS_OK ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_FAIL;
}

/* What both exchanges need first: the timeout, a frame, the module. */
static int gw_begin(struct gw_opts *o, struct cpns_wire_msg **m,
		    struct cpns_nl **nl)
{
	if (role_parse_timeout(o->timeout_str, &o->timeout))
		return CPNSCTL_EXIT_USAGE;
	*m = calloc(1, sizeof(**m));
	if (!*m)
		return CPNSCTL_EXIT_FAIL;
	return cpns_client_connect(nl);
}

static int gw_assign(struct gw_opts *o)
{
	struct cpns_secret hpw = { 0 }, code = { 0 };
	struct cpns_wire_msg *m = NULL;
	struct cpns_nl *nl = NULL;
	uint8_t rand[CPNS_RAND_LEN] = { 0 };
	char srv[GW_SERVERS_MAX][80];
	uint64_t t = 0;
	int fd = -1, ret, nsrv = 0, si = 0;

	ret = assign_check(o);
	if (!ret && split_servers(o->server, srv, &nsrv))
		ret = CPNSCTL_EXIT_USAGE;
	if (!ret)
		ret = gw_begin(o, &m, &nl);
	if (!ret)
		ret = read_hpw(o, &hpw);
	if (!ret && o->claim)
		ret = read_claim_code(o, &code);
	/* The server first: the kernel keeps a request only for a sent one. */
	if (!ret)
		ret = connect_any(srv, nsrv, &si, o->timeout, &fd);
	if (!ret)
		ret = assign_build(nl, o, &hpw, &code, m);
	secret_free(&hpw);
	secret_free(&code);
	if (!ret) {
		memcpy(rand, m->u.req.rand, CPNS_RAND_LEN);
		t = m->u.req.t;
		ret = assign_exchange_any(&fd, o, m, srv, nsrv, &si);
	}
	if (!ret)
		ret = assign_take(nl, o, srv[si], rand, t, &m->u.resp);
	if (fd >= 0)
		cpns_wire_close(fd);
	cpns_nl_close(nl);
	if (m)
		explicit_bzero(m, sizeof(*m));
	free(m);
	return ret;
}

/* -j of gw deliver: one object of "op": "gw deliver" and @fmt's words. */
static void deliver_json(const struct gw_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void deliver_json(const struct gw_opts *o, const char *fmt, ...)
{
	bool first = true;
	char kv[512];
	va_list ap;

	if (!o->json)
		return;
	va_start(ap, fmt);
	vsnprintf(kv, sizeof(kv), fmt, ap);
	va_end(ap);
	json_key(stdout, o->pretty, &first, "op");
	json_str(stdout, "gw deliver");
	json_kv(stdout, o->pretty, &first, kv);
	json_end(stdout, o->pretty, first);
}

/* Step 1 of a delivery: the kernel seals EUKey[i] under KEK_E, into m. */
static int deliver_seal(struct cpns_nl *nl, const struct gw_opts *o,
			struct cpns_wire_msg *m)
{
	struct cpns_gw_deliver_in in = {
		.keyring = o->keyring, .entity_id = o->entity,
	};
	struct cpns_gw_deliver_out *out = malloc(sizeof(*out));
	int err = out ? cpns_gw_deliver(nl, &in, out) : -ENOMEM;

	if (err) {
		if (err == -ENOKEY)
			warn("no chain:%s: run `cpnsctl gw assign' first",
			     o->entity);
		free(out);
		return cpnsctl_exit_errno(err);
	}
	if (out->exhausted) {
		deliver_json(o, "status=%s entity=%s",
			     cpns_status_str(CPNS_CHAIN_EXHAUSTED), o->entity);
		say("status: %s: every EUKey of chain:%s has been delivered; assign a new chain\n",
		    cpns_status_str(CPNS_CHAIN_EXHAUSTED), o->entity);
		free(out);
		return CPNSCTL_EXIT_FAIL;
	}
	m->type = CPNS_WIRE_DELIVERY;
	m->u.del = out->del;
	free(out);
	say("[1/3] EUKey[%u] of %u (epoch %u) sealed by the kernel for %s\n",
	       m->u.del.index, m->u.del.n, m->u.del.epoch, o->entity);
	return 0;
}

/* Step 2: m sent to the PNE, and replaced by its ACK. */
static int deliver_exchange(int fd, const struct gw_opts *o,
			    struct cpns_wire_msg *m)
{
	char addr[80];
	int err;

	err = exchange(fd, o, m, "PNE", NULL, CPNS_WIRE_ACK, addr,
		       sizeof(addr));
	if (err)
		return err;
	say("[2/3] DELIVERY sent to the PNE at %s; ACK: %s\n", addr,
	       cpns_code_str(m->u.ack.code));
	return 0;
}

/* Step 3: the kernel checks the Confirm (and records i as delivered). */
static int deliver_confirm(struct cpns_nl *nl, const struct gw_opts *o,
			   uint32_t epoch, uint16_t index, uint16_t n,
			   const struct cpns_wire_ack *ack)
{
	char delivered[8] = "-";
	struct cpns_gw_confirm_in in = {
		.keyring = o->keyring, .entity_id = o->entity, .index = index,
		.code = ack->code, .confirm = ack->confirm,
	};
	struct cpns_gw_confirm_out out;
	int err = cpns_gw_confirm(nl, &in, &out);

	if (err) {
		if (err == -EBADMSG)
			warn("the PNE's Confirm does not verify: EUKey[%u] not recorded as delivered",
			     index);
		return cpnsctl_exit_errno(err);
	}
	if (ack->code == CPNS_ACCEPTED) {
		say("[3/3] Confirm verified by the kernel: the PNE holds EUKey[%u]",
		    index);
		if (out.has_delivered) {
			say("; last confirmed index %u", out.delivered);
			snprintf(delivered, sizeof(delivered), "%u",
				 out.delivered);
		}
		say("\n");
		state_save(0, "chain:", o->entity, strlen(o->entity));
	} else {
		say("[3/3] nothing recorded\n");
	}
	say("delivered index %u: %s\n", index, cpns_code_str(ack->code));
	deliver_json(o, "pne=%s entity=%s epoch=%u index=%u n=%u code=%s confirmed=%s delivered=%s",
		     o->pne, o->entity, epoch, index, n, cpns_code_str(ack->code),
		     ack->code == CPNS_ACCEPTED ? "true" : "false", delivered);
	return ack->code == CPNS_ACCEPTED ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_FAIL;
}

static int gw_deliver(struct gw_opts *o)
{
	struct cpns_wire_msg *m = NULL;
	struct cpns_nl *nl = NULL;
	uint16_t index = 0, n = 0;
	uint32_t epoch = 0;
	int fd = -1, ret;

	if (need_id("EntityID", "--entity", o->entity))
		return CPNSCTL_EXIT_USAGE;
	if (!o->pne) {
		warn("gw deliver: --pne ADDR:PORT is required");
		return CPNSCTL_EXIT_USAGE;
	}
	if (cpns_wire_addr_problem(o->pne)) {
		warn("gw deliver: --pne `%s': %s", o->pne,
		     cpns_wire_addr_problem(o->pne));
		return CPNSCTL_EXIT_USAGE;
	}
	ret = gw_begin(o, &m, &nl);
	/* The PNE first: nothing is sealed for a PNE that cannot be reached. */
	if (!ret)
		ret = connect_peer("PNE", o->pne, o->timeout, &fd);
	if (!ret)
		ret = deliver_seal(nl, o, m);
	if (!ret) {
		index = m->u.del.index;
		epoch = m->u.del.epoch;
		n = m->u.del.n;
		ret = deliver_exchange(fd, o, m);
	}
	if (!ret)
		ret = deliver_confirm(nl, o, epoch, index, n, &m->u.ack);
	if (fd >= 0)
		cpns_wire_close(fd);
	cpns_nl_close(nl);
	free(m);
	return ret;
}

static int gw_run_assign(void *o, const char **pos)
{
	(void)pos;
	return gw_assign(o);
}

static int gw_run_deliver(void *o, const char **pos)
{
	(void)pos;
	return gw_deliver(o);
}

static const struct opt_sub gw_subs[] = {
	{ "assign", GW_ASSIGN, 0, NULL, gw_run_assign },
	{ "deliver", GW_DELIVER, 0, NULL, gw_run_deliver },
};

int gw_main(int argc, char *argv[])
{
	struct gw_opts o = { .keyring = KEY_SPEC_USER_KEYRING };
	struct opt_cmd c = {
		.family = "gw", .defs = gw_opt_defs, .set = gw_set_opt,
		.ctx = &o,
	};

	if (argc >= 2 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "forget")))
		return gw_held_main(argc - 1, argv + 1);	/* held.c */
	signal(SIGPIPE, SIG_IGN);
	return opts_run(&c, gw_subs, ARRAY_SIZE(gw_subs), usage, argc, argv);
}
