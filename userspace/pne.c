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
 * Several connections at once, each in its own process (listener.c), at
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
#include "cpnsctl.h"
#include "listener.h"
#include "names.h"
#include "role.h"
#include "util.h"
#include "wire.h"

#define PNE_MAX_CONNS 16
#define PNE_MAX_PER_SOURCE 4
#define PNE_SOURCE_PREFIX6 128

/* A child's exit status: a DELIVERY was answered, or not. */
#define PNE_ANSWERED 0
#define PNE_NOT_ANSWERED 1

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int usage(FILE *f)
{
	fprintf(f,
"Usage: cpnsctl pne listen --listen ADDR:PORT [--count N] [--keyring KEYRING]\n"
"                          [--timeout S] [--header-timeout S] [--max-conns N]\n"
"                          [--max-per-source N] [--source-prefix6 LEN]\n"
"       cpnsctl pne reset ENTITY\n"
"       cpnsctl pne show [ENTITY] [-j]\n"
"\n"
"The PNE.  Accepts deliveries on ADDR:PORT for the entities whose TK is the\n"
"key tk:ENTITY in KEYRING (default @u); the kernel opens each delivery,\n"
"applies the profile's acceptance rules and keeps the accepted EUKey as\n"
"euk:ENTITY, held in the module's store of this network namespace.  Each\n"
"outcome is printed by its profile name.  --count N exits after N\n"
"deliveries have been answered; SIGTERM/SIGINT stop it.\n"
"Each connection is served in its own process, at most --max-conns (16) at\n"
"once and --max-per-source (4) from one address (IPv6: the first\n"
"--source-prefix6 (128) bits), others answered ERROR BUSY; a frame's header\n"
"within --header-timeout (2) seconds.\n"
"\n"
"reset drops the held euk:ENTITY (a factory reset: the next delivery is\n"
"judged as a first one, whatever its epoch).  Needs CAP_SYS_ADMIN in the\n"
"initial user namespace; the kernel logs it.\n"
"show prints the held (E, i, n) and ChainID of each euk: (no secret).\n");
	return f == stdout ? CPNSCTL_EXIT_OK : CPNSCTL_EXIT_USAGE;
}

/* Answer one DELIVERY: fills @ack.  0, or a wire ERROR code. */
static int pne_accept(struct cpns_nl *nl, int32_t keyring,
		      const struct cpns_wire_delivery *d,
		      struct cpns_wire_msg *ack, char *log, size_t loglen)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg;
	int err;

	ack->type = CPNS_WIRE_ACK;
	/* Rule 1: an identifier that is not well-formed is not ours. */
	if (!cpns_wire_id_valid(d->entity_id, d->entity_id_len)) {
		ack->u.ack.code = CPNS_REJECT_ENTITY;
		snprintf(log, loglen, "%s (not an identifier)",
			 cpns_code_str(CPNS_REJECT_ENTITY));
		return 0;
	}
	msg = cpns_msg(nl, CPNS_CMD_PNE_ACCEPT);
	if (!msg || nla_put_s32(msg, CPNS_A_KEYRING, keyring) ||
	    nla_put(msg, CPNS_A_ENTITY_ID, d->entity_id_len, d->entity_id) ||
	    nla_put_u32(msg, CPNS_A_EPOCH, d->epoch) ||
	    nla_put_u16(msg, CPNS_A_INDEX, d->index) ||
	    nla_put_u16(msg, CPNS_A_N, d->n) ||
	    nla_put(msg, CPNS_A_CHALLENGE, CPNS_CHALLENGE_LEN, d->challenge) ||
	    nla_put(msg, CPNS_A_SEALED, d->sealed_len, d->sealed)) {
		nlmsg_free(msg);
		snprintf(log, loglen, "out of memory");
		return CPNS_WERR_INTERNAL;
	}
	err = role_request(nl, msg, tb, false, "accept");
	if (err) {
		snprintf(log, loglen, "module: %s", strerror(-err));
		return CPNS_WERR_INTERNAL;
	}
	if (!tb[CPNS_A_CODE]) {
		snprintf(log, loglen, "module: no code in its reply");
		return CPNS_WERR_INTERNAL;
	}
	ack->u.ack.code = nla_get_u8(tb[CPNS_A_CODE]);
	if (ack->u.ack.code == CPNS_ACCEPTED) {
		if (!tb[CPNS_A_CONFIRM] ||
		    nla_len(tb[CPNS_A_CONFIRM]) != CPNS_HASH_LEN) {
			snprintf(log, loglen, "module: no Confirm in its reply");
			return CPNS_WERR_INTERNAL;
		}
		memcpy(ack->u.ack.confirm, nla_data(tb[CPNS_A_CONFIRM]),
		       CPNS_HASH_LEN);
		snprintf(log, loglen, "ACCEPTED (%s), euk:%s",
			 tb[CPNS_A_ACCEPT_KIND] ?
			 cpns_accept_kind_str(nla_get_u8(tb[CPNS_A_ACCEPT_KIND])) :
			 "?", d->entity_id);
		if (tb[CPNS_A_KEY_SERIAL])
			snprintf(log + strlen(log), loglen - strlen(log),
				 " key %d", nla_get_s32(tb[CPNS_A_KEY_SERIAL]));
	} else {
		snprintf(log, loglen, "%s", cpns_code_str(ack->u.ack.code));
	}
	return 0;
}

struct pne_ctx {
	int32_t keyring;
	int timeout;
	struct cpns_limits limits;
	long count;		/* 0: no limit */
	long done;		/* deliveries answered */
};

/* One connection, in its own process: PNE_ANSWERED or PNE_NOT_ANSWERED. */
static int pne_conn(int fd, const char *peer, void *arg)
{
	const struct pne_ctx *c = arg;
	struct cpns_wire_rx rx = {
		.accept = CPNS_WIRE_ACCEPT(CPNS_WIRE_DELIVERY),
		.header_timeout_s = c->limits.header_timeout,
		.timeout_s = c->timeout,
	};
	struct cpns_wire_msg *m, *ack;
	struct cpns_nl *nl = NULL;
	char log[200] = "";
	int err, werr;

	m = calloc(1, sizeof(*m));
	ack = calloc(1, sizeof(*ack));
	if (!m || !ack) {
		cpns_wire_send_error(fd, CPNS_WERR_INTERNAL, "out of memory", 2);
		err = -ENOMEM;
		goto out;
	}
	err = cpns_wire_recv_rx(fd, m, &rx, &werr);
	if (err && werr == CPNS_WERR_UNEXPECTED_TYPE &&
	    cpns_wire_type_name(m->type)) {
		/* Refused from its header: its body was not read. */
		cpns_wire_send_error(fd, werr, "a PNE accepts only DELIVERY", 2);
		printf("%s: refused frame: %s, ERROR UNEXPECTED_TYPE\n", peer,
		       cpns_wire_type_name(m->type));
		goto out;
	}
	if (err) {
		if (werr) {
			cpns_wire_send_error(fd, werr,
					     cpns_wire_error_reason(werr), 2);
			printf("%s: refused frame: ERROR %s\n", peer,
			       cpns_wire_error_name(werr));
		}
		goto out;
	}
	if (cpns_nl_open(&nl)) {
		snprintf(log, sizeof(log), "cpns module unavailable");
		werr = CPNS_WERR_INTERNAL;
	} else {
		werr = pne_accept(nl, c->keyring, &m->u.del, ack, log,
				  sizeof(log));
	}
	printf("%s: DELIVERY entity=", peer);
	role_print_id(stdout, m->u.del.entity_id, m->u.del.entity_id_len);
	printf(" E=%u i=%u n=%u -> %s\n", m->u.del.epoch, m->u.del.index,
	       m->u.del.n, log);
	if (werr)
		err = cpns_wire_send_error(fd, werr, log, c->timeout);
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
	cpns_nl_close(nl);
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

static int pne_listen(const char *listen_addr, struct pne_ctx *c)
{
	struct cpns_listener l = {
		.serve = pne_conn, .done = pne_conn_done, .arg = c,
	};
	struct sigaction sa = { 0 };
	struct cpns_nl *nl;
	char addr[80];
	int lfd, ret;

	/* Fail early: the module must be there. */
	ret = role_nl_open(&nl);
	if (ret)
		return ret;
	cpns_nl_close(nl);
	lfd = cpns_wire_listen(listen_addr);
	if (lfd < 0) {
		warn("pne listen: listen on `%s': %s", listen_addr,
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
	printf("cpns pne: listening on %s (timeout %d s, header %d s, at most %u connections, %u per address)\n",
	       addr, c->timeout,
	       c->limits.header_timeout < c->timeout ?
	       c->limits.header_timeout : c->timeout,
	       c->limits.max_conns, c->limits.max_per_source);

	l.limits = c->limits;
	ret = CPNSCTL_EXIT_OK;
	if (cpns_listener_run(lfd, &l, &stop_flag)) {
		warn("pne listen: out of memory");
		ret = CPNSCTL_EXIT_FAIL;
	}
	printf("cpns pne: stopped after %ld deliveries\n", c->done);
	close(lfd);
	return ret;
}

/* cpnsctl pne reset ENTITY */
static int pne_reset(int argc, char *argv[])
{
	struct cpns_nl *nl;
	struct nl_msg *msg;
	int ret;

	if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")))
		return usage(stdout);
	if (argc != 3) {
		warn("pne reset: one ENTITY is required");
		return CPNSCTL_EXIT_USAGE;
	}
	if (!cpns_wire_id_valid(argv[2], strlen(argv[2]))) {
		warn("pne reset: `%s' is not an identifier", argv[2]);
		return CPNSCTL_EXIT_USAGE;
	}
	ret = role_nl_open(&nl);
	if (ret)
		return ret;
	msg = cpns_msg(nl, CPNS_CMD_PNE_RESET);
	if (!msg || role_put_id(msg, CPNS_A_ENTITY_ID, argv[2])) {
		nlmsg_free(msg);
		cpns_nl_close(nl);
		return CPNSCTL_EXIT_FAIL;
	}
	ret = role_request(nl, msg, NULL, false, "reset");
	cpns_nl_close(nl);
	if (ret)
		return role_exit_errno(ret);
	printf("euk:%s dropped: the next delivery is judged as a first one\n",
	       argv[2]);
	cpns_audit(false, "pne reset", "entity=%s", argv[2]);
	return CPNSCTL_EXIT_OK;
}

int pne_main(int argc, char *argv[])
{
	const char *listen_addr = NULL, *timeout_str = NULL;
	struct pne_ctx c = {
		.keyring = KEY_SPEC_USER_KEYRING,
		.limits = {
			.max_conns = PNE_MAX_CONNS,
			.max_per_source = PNE_MAX_PER_SOURCE,
			.source_prefix6 = PNE_SOURCE_PREFIX6,
			.header_timeout = CPNS_WIRE_HDR_TIMEOUT_DEFAULT,
		},
	};
	uint64_t count = 0;
	int i, rc;

	if (argc < 2) {
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return usage(stdout);
	if (!strcmp(argv[1], "reset"))
		return pne_reset(argc, argv);
	if (!strcmp(argv[1], "show"))
		return pne_show_main(argc - 1, argv + 1);	/* held.c */
	if (strcmp(argv[1], "listen")) {
		warn("pne: invalid subcommand: `%s'", argv[1]);
		usage(stderr);
		return CPNSCTL_EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout);
		if (i + 1 >= argc) {
			warn("pne: invalid argument: `%s'", a);
			return CPNSCTL_EXIT_USAGE;
		}
		rc = cpns_limits_opt(&c.limits, a, argv[i + 1]);
		if (rc < 0)
			return CPNSCTL_EXIT_USAGE;
		if (rc > 0) {
			i++;
		} else if (!strcmp(a, "--listen")) {
			listen_addr = argv[++i];
		} else if (!strcmp(a, "--timeout")) {
			timeout_str = argv[++i];
		} else if (!strcmp(a, "--keyring")) {
			if (role_parse_keyring(argv[++i], &c.keyring))
				return CPNSCTL_EXIT_USAGE;
		} else if (!strcmp(a, "--count")) {
			if (parse_u64(argv[++i], 1, 1000000000, &count)) {
				warn("pne: invalid count: `%s'", argv[i]);
				return CPNSCTL_EXIT_USAGE;
			}
		} else {
			warn("pne: invalid argument: `%s'", a);
			return CPNSCTL_EXIT_USAGE;
		}
	}
	if (!listen_addr) {
		warn("pne listen: --listen ADDR:PORT is required");
		return CPNSCTL_EXIT_USAGE;
	}
	if (role_parse_timeout(timeout_str, &c.timeout) ||
	    cpns_limits_check(&c.limits))
		return CPNSCTL_EXIT_USAGE;
	c.count = (long)count;
	return pne_listen(listen_addr, &c);
}
