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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <kcapi.h>
#include <linux/keyctl.h>

#include "cpnsctl.h"
#include "names.h"
#include "role.h"
#include "secret.h"
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
};

static int usage(FILE *f)
{
	fprintf(f,
"Usage: cpnsctl gw assign --server ADDR:PORT[,ADDR:PORT...] --gw-id ID --user USER\n"
"                         --entity ID\n"
"                         [--claim] [--password-file FILE|-]\n"
"                         [--claim-code-file FILE|-] [--keyring KEYRING] [--timeout S]\n"
"       cpnsctl gw deliver --pne ADDR:PORT --entity ID [--keyring KEYRING]\n"
"                         [--timeout S]\n"
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
"\n"
"Exit status: 0 OK / ACCEPTED; 1 a refusal (a server status other than OK,\n"
"a PNE rejection, CHAIN_EXHAUSTED, a response or Confirm that does not\n"
"verify, or the module refusing); 2 usage; 3 module unavailable;\n"
"4 permission; 5 network, timeout or a peer's ERROR frame; 6 the server\n"
"(or the PNE) unreachable: nothing was sent or kept, retry later.\n");
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

static int parse_opts(int argc, char *argv[], struct gw_opts *o)
{
	int i;

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(CPNSCTL_EXIT_OK);
		}
		if (!strcmp(a, "--claim")) {
			o->claim = true;
			continue;
		}
		if (!strcmp(a, "--server"))
			dst = &o->server;
		else if (!strcmp(a, "--pne"))
			dst = &o->pne;
		else if (!strcmp(a, "--gw-id"))
			dst = &o->gw_id;
		else if (!strcmp(a, "--user"))
			dst = &o->user;
		else if (!strcmp(a, "--entity"))
			dst = &o->entity;
		else if (!strcmp(a, "--password-file"))
			dst = &o->password_file;
		else if (!strcmp(a, "--claim-code-file"))
			dst = &o->claim_code_file;
		else if (!strcmp(a, "--timeout"))
			dst = &o->timeout_str;
		else if (!strcmp(a, "--keyring")) {
			if (i + 1 >= argc) {
				warn("gw: option `%s' needs a value", a);
				return -1;
			}
			if (role_parse_keyring(argv[++i], &o->keyring))
				return -1;
			continue;
		} else {
			warn("gw: invalid argument: `%s'", a);
			return -1;
		}
		if (i + 1 >= argc) {
			warn("gw: option `%s' needs a value", a);
			return -1;
		}
		*dst = argv[++i];
	}
	if (o->claim_code_file)
		o->claim = true;
	return role_parse_timeout(o->timeout_str, &o->timeout);
}

static int need_id(const char *what, const char *opt, const char *v)
{
	if (!v) {
		warn("gw: %s is required", opt);
		return -1;
	}
	if (!cpns_id_valid(v)) {
		warn("gw: invalid %s: `%s'", what, v);
		return -1;
	}
	return 0;
}

static void print_hex(const char *label, const uint8_t *p, size_t len)
{
	size_t i;

	printf("%s", label);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

static int read_secret(struct cpns_secret *s, const char *path,
		       const char *prompt, size_t max, const char *what)
{
	int err = secret_read(s, path, prompt, max, SECRET_TEXT);

	if (!err)
		return 0;
	if (path)
		warn("%s `%s': %s", what, path, strerror(-err));
	else
		warn("%s: %s", what, strerror(-err));
	return err == -EMSGSIZE || err == -ENODATA ? CPNSCTL_EXIT_USAGE :
	       CPNSCTL_EXIT_IO;
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
			printf("server %s unreachable: trying %s\n", srv[*i],
			       srv[*i + 1]);
	}
	return ret;
}

static int gw_assign(struct gw_opts *o)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct cpns_secret pw = { 0 }, hpw = { 0 }, code = { 0 };
	struct cpns_wire_msg *m = NULL, *req = NULL;
	struct cpns_nl *nl = NULL;
	struct nl_msg *msg;
	char prompt[128], addr[80], srv[GW_SERVERS_MAX][80];
	uint8_t rand[CPNS_RAND_LEN];
	uint64_t t;
	uint8_t status;
	bool verified;
	int fd = -1, err, ret, nsrv = 0, si = 0, rerr = 0, werr;
	ssize_t hl;

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
	if (o->password_file && o->claim_code_file &&
	    !strcmp(o->password_file, "-") && !strcmp(o->claim_code_file, "-")) {
		warn("gw assign: only one of --password-file and --claim-code-file can be `-'");
		return CPNSCTL_EXIT_USAGE;
	}
	m = calloc(1, sizeof(*m));
	req = calloc(1, sizeof(*req));
	if (!m || !req) {
		free(m);
		free(req);
		return CPNSCTL_EXIT_FAIL;
	}
	ret = role_nl_open(&nl);
	if (ret)
		goto out;

	/* Secrets: the password becomes H(password) at once. */
	snprintf(prompt, sizeof(prompt), "Password for %s: ", o->user);
	ret = read_secret(&pw, o->password_file, prompt, CPNS_PASSWORD_MAX_LEN,
			  "password");
	if (ret)
		goto out;
	if (secret_alloc(&hpw, CPNS_HASH_LEN)) {
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	hl = kcapi_md_sha256(pw.buf, pw.len, hpw.buf, CPNS_HASH_LEN);
	secret_free(&pw);
	if (hl != CPNS_HASH_LEN) {
		warn("H(password): kernel crypto API: %s",
		     strerror(hl < 0 ? (int)-hl : EIO));
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	hpw.len = CPNS_HASH_LEN;
	if (o->claim) {
		snprintf(prompt, sizeof(prompt), "Claim code of %s: ", o->entity);
		ret = read_secret(&code, o->claim_code_file, prompt,
				  CPNS_CLAIM_CODE_MAX_LEN, "claim code");
		if (ret)
			goto out;
		if (!cpns_claim_code_valid((const char *)code.buf, code.len)) {
			warn("claim code: %zu characters, want %d..%d of [A-Za-z0-9-]",
			     code.len, CPNS_CLAIM_CODE_MIN_LEN,
			     CPNS_CLAIM_CODE_MAX_LEN);
			ret = CPNSCTL_EXIT_USAGE;
			goto out;
		}
	}

	/* The server first: the kernel keeps a request only for a sent one. */
	ret = connect_any(srv, nsrv, &si, o->timeout, &fd);
	if (ret)
		goto out;

	/* 1. The request, built and sealed by the kernel. */
	msg = cpns_msg(nl, CPNS_CMD_GW_REQUEST);
	if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
	    role_put_id(msg, CPNS_A_GW_ID, o->gw_id) ||
	    role_put_id(msg, CPNS_A_USER_ID, o->user) ||
	    role_put_id(msg, CPNS_A_ENTITY_ID, o->entity) ||
	    nla_put(msg, CPNS_A_HPW, CPNS_HASH_LEN, hpw.buf) ||
	    (o->claim && nla_put(msg, CPNS_A_CLAIM_CODE, code.len, code.buf))) {
		cpns_msg_free_secret(msg);
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	err = role_request(nl, msg, tb, true, "build request");
	secret_free(&hpw);
	secret_free(&code);
	if (err) {
		ret = role_exit_errno(err);
		goto out;
	}
	if (!tb[CPNS_A_RAND] || nla_len(tb[CPNS_A_RAND]) != CPNS_RAND_LEN ||
	    !tb[CPNS_A_TIME] || !tb[CPNS_A_SEALED] ||
	    nla_len(tb[CPNS_A_SEALED]) < CPNS_WIRE_SEALED_MIN ||
	    nla_len(tb[CPNS_A_SEALED]) > CPNS_WIRE_SEALED_MAX) {
		warn("build request: incomplete reply from the module");
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	memcpy(rand, nla_data(tb[CPNS_A_RAND]), CPNS_RAND_LEN);
	t = nla_get_u64(tb[CPNS_A_TIME]);
	m->type = CPNS_WIRE_REQUEST;
	m->u.req.gw_id_len = strlen(o->gw_id);
	memcpy(m->u.req.gw_id, o->gw_id, m->u.req.gw_id_len);
	memcpy(m->u.req.rand, rand, CPNS_RAND_LEN);
	m->u.req.t = t;
	m->u.req.sealed_len = nla_len(tb[CPNS_A_SEALED]);
	memcpy(m->u.req.sealed, nla_data(tb[CPNS_A_SEALED]),
	       m->u.req.sealed_len);
	print_hex("[1/4] request built by the kernel: RAND_PNGW ", rand,
		  CPNS_RAND_LEN);
	printf(", T %llu, sealed body %u bytes%s\n", (unsigned long long)t,
	       m->u.req.sealed_len, o->claim ? ", with a claim proof" : "");

	/*
	 * 2. Over the wire.  An instance that answers ERROR BUSY refused
	 * the connection before reading the request: the same REQUEST goes
	 * to the next instance of the list (they share one store).
	 */
	*req = *m;
	for (;;) {
		cpns_wire_sockname(fd, true, addr, sizeof(addr));
		err = cpns_wire_send(fd, req, o->timeout);
		if (err) {
			warn("send REQUEST to %s: %s", addr, strerror(-err));
			ret = CPNSCTL_EXIT_IO;
			goto out;
		}
		printf("[2/4] REQUEST sent to the CPNS Server at %s\n", addr);
		if (si + 1 == nsrv)
			break;
		rerr = cpns_wire_recv(fd, m, o->timeout, &werr);
		if (!rerr && m->type == CPNS_WIRE_ERROR &&
		    m->u.err.code == CPNS_WERR_BUSY) {
			printf("server %s busy: trying %s\n", srv[si], srv[si + 1]);
			cpns_wire_close(fd);
			fd = -1;
			si++;
			ret = connect_any(srv, nsrv, &si, o->timeout, &fd);
			if (ret)
				goto out;
			continue;
		}
		break;
	}

	/* 3. The response (read above when a next instance was listed). */
	if (si + 1 < nsrv) {
		if (rerr) {
			role_print_recv_error("CPNS Server", rerr);
			ret = CPNSCTL_EXIT_IO;
		} else if (m->type == CPNS_WIRE_ERROR) {
			role_print_wire_error("CPNS Server", m);
			ret = CPNSCTL_EXIT_IO;
		} else if (m->type != CPNS_WIRE_RESPONSE) {
			warn("CPNS Server answered with a %s frame, not with %s",
			     cpns_wire_type_name(m->type),
			     cpns_wire_type_name(CPNS_WIRE_RESPONSE));
			ret = CPNSCTL_EXIT_IO;
		}
	} else {
		ret = recv_answer(fd, m, o->timeout, "CPNS Server",
				  CPNS_WIRE_RESPONSE);
	}
	if (ret)
		goto out;
	printf("[3/4] RESPONSE received: status %s, %s\n",
	       cpns_status_str(m->u.resp.status),
	       m->u.resp.sealed_len ? "sealed part present" :
	       "no sealed part");

	/* 4. The kernel opens it and, for OK, keeps the chain. */
	if (m->u.resp.status > CPNS_INTERNAL) {
		warn("CPNS Server answered an unknown status %u",
		     m->u.resp.status);
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	msg = cpns_msg(nl, CPNS_CMD_GW_RESPONSE);
	if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
	    role_put_id(msg, CPNS_A_GW_ID, o->gw_id) ||
	    role_put_id(msg, CPNS_A_USER_ID, o->user) ||
	    role_put_id(msg, CPNS_A_ENTITY_ID, o->entity) ||
	    nla_put(msg, CPNS_A_RAND, CPNS_RAND_LEN, rand) ||
	    nla_put_u64(msg, CPNS_A_TIME, t) ||
	    nla_put_u8(msg, CPNS_A_STATUS, m->u.resp.status) ||
	    (m->u.resp.sealed_len &&
	     nla_put(msg, CPNS_A_SEALED, m->u.resp.sealed_len,
		     m->u.resp.sealed))) {
		nlmsg_free(msg);
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	err = role_request(nl, msg, tb, false, "take response");
	if (err) {
		if (err == -EBADMSG)
			warn("the response does not verify under PSK1: forged, corrupted, or OK without a bundle; nothing stored");
		ret = role_exit_errno(err);
		goto out;
	}
	if (!tb[CPNS_A_STATUS]) {
		warn("take response: incomplete reply from the module");
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	status = nla_get_u8(tb[CPNS_A_STATUS]);
	verified = tb[CPNS_A_VERIFIED] != NULL;
	if (status == CPNS_OK && tb[CPNS_A_EPOCH] && tb[CPNS_A_N] &&
	    tb[CPNS_A_CHAIN_ID] &&
	    nla_len(tb[CPNS_A_CHAIN_ID]) == CPNS_CHAIN_ID_LEN) {
		printf("[4/4] chain stored by the kernel as chain:%s", o->entity);
		if (tb[CPNS_A_KEY_SERIAL])
			printf(" (key %d)", nla_get_s32(tb[CPNS_A_KEY_SERIAL]));
		print_hex(": ChainID ", nla_data(tb[CPNS_A_CHAIN_ID]),
			  CPNS_CHAIN_ID_LEN);
		printf(", E %u, n %u\n", nla_get_u32(tb[CPNS_A_EPOCH]),
		       nla_get_u16(tb[CPNS_A_N]));
	} else {
		printf("[4/4] nothing stored\n");
	}
	printf("status: %s%s\n", cpns_status_str(status),
	       verified ? "" : " (unverified)");
	ret = status == CPNS_OK ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_FAIL;
out:
	secret_free(&pw);
	secret_free(&hpw);
	secret_free(&code);
	if (fd >= 0)
		cpns_wire_close(fd);
	cpns_nl_close(nl);
	if (m)
		explicit_bzero(m, sizeof(*m));
	if (req)
		explicit_bzero(req, sizeof(*req));
	free(m);
	free(req);
	return ret;
}

static int gw_deliver(struct gw_opts *o)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct cpns_wire_msg *m;
	struct cpns_nl *nl = NULL;
	struct nl_msg *msg;
	char addr[80];
	uint16_t index, n;
	uint32_t epoch;
	uint8_t code;
	int fd = -1, err, ret;

	if (need_id("EntityID", "--entity", o->entity))
		return CPNSCTL_EXIT_USAGE;
	if (!o->pne) {
		warn("gw deliver: --pne ADDR:PORT is required");
		return CPNSCTL_EXIT_USAGE;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return CPNSCTL_EXIT_FAIL;
	ret = role_nl_open(&nl);
	if (ret)
		goto out;

	/* The PNE first: nothing is sealed for a PNE that cannot be reached. */
	ret = connect_peer("PNE", o->pne, o->timeout, &fd);
	if (ret)
		goto out;

	/* 1. The kernel seals EUKey[i] under KEK_E. */
	msg = cpns_msg(nl, CPNS_CMD_GW_DELIVER);
	if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
	    role_put_id(msg, CPNS_A_ENTITY_ID, o->entity)) {
		nlmsg_free(msg);
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	err = role_request(nl, msg, tb, false, "deliver");
	if (err) {
		if (err == -ENOKEY)
			warn("no chain:%s: run `cpnsctl gw assign' first",
			     o->entity);
		ret = role_exit_errno(err);
		goto out;
	}
	if (tb[CPNS_A_STATUS] &&
	    nla_get_u8(tb[CPNS_A_STATUS]) == CPNS_CHAIN_EXHAUSTED) {
		printf("status: %s: every EUKey of chain:%s has been delivered; assign a new chain\n",
		       cpns_status_str(CPNS_CHAIN_EXHAUSTED), o->entity);
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	if (!tb[CPNS_A_EPOCH] || !tb[CPNS_A_INDEX] || !tb[CPNS_A_N] ||
	    !tb[CPNS_A_CHALLENGE] ||
	    nla_len(tb[CPNS_A_CHALLENGE]) != CPNS_CHALLENGE_LEN ||
	    !tb[CPNS_A_SEALED] ||
	    nla_len(tb[CPNS_A_SEALED]) < CPNS_WIRE_SEALED_MIN ||
	    nla_len(tb[CPNS_A_SEALED]) > CPNS_WIRE_SEALED_MAX) {
		warn("deliver: incomplete reply from the module");
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
	index = nla_get_u16(tb[CPNS_A_INDEX]);
	n = nla_get_u16(tb[CPNS_A_N]);
	m->type = CPNS_WIRE_DELIVERY;
	m->u.del.entity_id_len = strlen(o->entity);
	memcpy(m->u.del.entity_id, o->entity, m->u.del.entity_id_len);
	m->u.del.epoch = epoch;
	m->u.del.index = index;
	m->u.del.n = n;
	memcpy(m->u.del.challenge, nla_data(tb[CPNS_A_CHALLENGE]),
	       CPNS_CHALLENGE_LEN);
	m->u.del.sealed_len = nla_len(tb[CPNS_A_SEALED]);
	memcpy(m->u.del.sealed, nla_data(tb[CPNS_A_SEALED]),
	       m->u.del.sealed_len);
	printf("[1/3] EUKey[%u] of %u (epoch %u) sealed by the kernel for %s\n",
	       index, n, epoch, o->entity);

	/* 2. To the PNE and back. */
	cpns_wire_sockname(fd, true, addr, sizeof(addr));
	err = cpns_wire_send(fd, m, o->timeout);
	if (err) {
		warn("send DELIVERY to %s: %s", addr, strerror(-err));
		ret = CPNSCTL_EXIT_IO;
		goto out;
	}
	ret = recv_answer(fd, m, o->timeout, "PNE", CPNS_WIRE_ACK);
	if (ret)
		goto out;
	code = m->u.ack.code;
	printf("[2/3] DELIVERY sent to the PNE at %s; ACK: %s\n", addr,
	       cpns_code_str(code));

	/* 3. The kernel checks the Confirm (and records i as delivered). */
	msg = cpns_msg(nl, CPNS_CMD_GW_CONFIRM);
	if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, o->keyring) ||
	    role_put_id(msg, CPNS_A_ENTITY_ID, o->entity) ||
	    nla_put_u16(msg, CPNS_A_INDEX, index) ||
	    nla_put_u8(msg, CPNS_A_CODE, code) ||
	    (code == CPNS_ACCEPTED &&
	     nla_put(msg, CPNS_A_CONFIRM, CPNS_HASH_LEN, m->u.ack.confirm))) {
		nlmsg_free(msg);
		ret = CPNSCTL_EXIT_FAIL;
		goto out;
	}
	err = role_request(nl, msg, tb, false, "confirm");
	if (err) {
		if (err == -EBADMSG)
			warn("the PNE's Confirm does not verify: EUKey[%u] not recorded as delivered",
			     index);
		ret = role_exit_errno(err);
		goto out;
	}
	if (code == CPNS_ACCEPTED) {
		printf("[3/3] Confirm verified by the kernel: the PNE holds EUKey[%u]",
		       index);
		if (tb[CPNS_A_DELIVERED])
			printf("; last confirmed index %u",
			       nla_get_u16(tb[CPNS_A_DELIVERED]));
		printf("\n");
	} else {
		printf("[3/3] nothing recorded\n");
	}
	printf("delivered index %u: %s\n", index, cpns_code_str(code));
	ret = code == CPNS_ACCEPTED ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_FAIL;
out:
	if (fd >= 0)
		cpns_wire_close(fd);
	cpns_nl_close(nl);
	free(m);
	return ret;
}

int gw_main(int argc, char *argv[])
{
	struct gw_opts o = { .keyring = KEY_SPEC_USER_KEYRING };

	if (argc < 2) {
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return usage(stdout);
	if (strcmp(argv[1], "assign") && strcmp(argv[1], "deliver")) {
		warn("gw: invalid subcommand: `%s'", argv[1]);
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	if (parse_opts(argc, argv, &o))
		return CPNSCTL_EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN);
	return !strcmp(argv[1], "assign") ? gw_assign(&o) : gw_deliver(&o);
}
