// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the role subcommands (role.h).
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/keyctl.h>

#include "cpnsctl.h"
#include "role.h"
#include "util.h"
#include "wire.h"

static const struct {
	const char *name;
	int32_t spec;
} keyrings[] = {
	{ "@t", KEY_SPEC_THREAD_KEYRING },
	{ "@p", KEY_SPEC_PROCESS_KEYRING },
	{ "@s", KEY_SPEC_SESSION_KEYRING },
	{ "@u", KEY_SPEC_USER_KEYRING },
	{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
};

const char *role_keyring_str(int32_t spec, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keyrings); i++)
		if (keyrings[i].spec == spec)
			return keyrings[i].name;
	snprintf(buf, len, "%d", spec);
	return buf;
}

int role_parse_keyring(const char *s, int32_t *out)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keyrings); i++)
		if (!strcmp(s, keyrings[i].name)) {
			*out = keyrings[i].spec;
			return 0;
		}
	if (parse_u64(s, 1, INT32_MAX, &v)) {
		warn("Invalid keyring: `%s' (a serial number, @t, @p, @s, @u or @us)",
		     s);
		return -1;
	}
	*out = (int32_t)v;
	return 0;
}

int role_parse_timeout(const char *s, int *out)
{
	uint64_t v;
	int t;

	if (s) {
		if (parse_u64(s, 1, CPNS_WIRE_TIMEOUT_MAX, &v)) {
			warn("Invalid timeout: `%s' (seconds, 1..%d)", s,
			     CPNS_WIRE_TIMEOUT_MAX);
			return -1;
		}
		*out = (int)v;
		return 0;
	}
	t = cpns_wire_timeout(0);
	if (t < 0) {
		warn("Invalid %s: `%s' (seconds, 1..%d)", CPNS_WIRE_TIMEOUT_ENV,
		     getenv(CPNS_WIRE_TIMEOUT_ENV), CPNS_WIRE_TIMEOUT_MAX);
		return -1;
	}
	*out = t;
	return 0;
}

int64_t role_now(void)
{
	return (int64_t)time(NULL);
}

void role_print_wire_error(const char *who, const struct cpns_wire_msg *m)
{
	const char *name = cpns_wire_error_name(m->u.err.code);

	fprintf(stderr, "cpnsctl: %s answered ERROR %s (%u)", who,
		name ? name : "unknown", m->u.err.code);
	if (m->u.err.reason_len) {
		fputs(": ", stderr);
		cpns_wire_print_escaped(stderr, m->u.err.reason,
					m->u.err.reason_len);
	}
	fputc('\n', stderr);
}

void role_print_recv_error(const char *who, int err)
{
	switch (err) {
	case -ENODATA:
		warn("%s closed the connection without answering", who);
		break;
	case -ETIMEDOUT:
		warn("%s: no answer within the timeout", who);
		break;
	case -EPROTO:
		warn("%s sent a bad frame: %s", who, cpns_wire_last_error());
		break;
	default:
		warn("%s: %s", who, strerror(-err));
	}
}

void role_print_id(FILE *f, const char *p, size_t len)
{
	if (cpns_id_valid(p, len)) {
		fwrite(p, 1, len, f);
		return;
	}
	fputc('`', f);
	cpns_wire_print_escaped(f, p, len);
	fputc('\'', f);
}

volatile sig_atomic_t role_stop, role_reload;

static void on_stop(int sig)
{
	if (sig == SIGHUP)
		role_reload = 1;
	else
		role_stop = 1;
}

int role_daemon_start(const char *who, const char *addr, int *lfd)
{
	struct sigaction sa = { 0 };

	if (cpns_wire_addr_problem(addr)) {
		warn("%s: --listen `%s': %s", who, addr, cpns_wire_addr_problem(addr));
		return CPNSCTL_EXIT_USAGE;
	}
	*lfd = cpns_wire_listen(addr);
	if (*lfd < 0 && *lfd == -EHOSTUNREACH && cpns_wire_gai_error) {
		warn("%s: --listen `%s': unknown host: %s", who, addr,
		     gai_strerror(cpns_wire_gai_error));
		return CPNSCTL_EXIT_USAGE;
	}
	if (*lfd < 0) {
		warn("%s: listen on `%s': %s", who, addr, strerror(-*lfd));
		return *lfd == -EINVAL ? CPNSCTL_EXIT_USAGE : CPNSCTL_EXIT_IO;
	}
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

bool role_recv_frame(int fd, const char *peer, const struct cpns_wire_rx *rx,
		     struct cpns_wire_msg *m, const char *only, bool tell_io)
{
	int werr, err = cpns_wire_recv_rx(fd, m, rx, &werr);

	if (!err)
		return true;
	if (werr == CPNS_WERR_UNEXPECTED_TYPE && cpns_wire_type_name(m->type)) {
		/* Refused from its header: its body was not read. */
		cpns_wire_send_error(fd, werr, only, 2);
		printf("%s: refused frame: %s, ERROR UNEXPECTED_TYPE\n", peer,
		       cpns_wire_type_name(m->type));
	} else if (werr) {
		cpns_wire_send_error(fd, werr, cpns_wire_error_reason(werr), 2);
		printf("%s: refused frame: ERROR %s\n", peer,
		       cpns_wire_error_name(werr));
	} else if (tell_io && err != -ENODATA) {
		printf("%s: %s\n", peer, strerror(-err));
	}
	return false;
}
