// SPDX-License-Identifier: GPL-2.0
/*
 * The accept loop of the daemons: a process per connection, a limit on
 * connections at once and on connections from one source address.
 *
 * The source of an IPv4 peer is its address; of an IPv6 peer, the first
 * --source-prefix6 bits of its address (an attacker's network is often a
 * whole /64), except that an IPv4-mapped one (::ffff:a.b.c.d, an IPv4 peer
 * of a socket listening on [::]) counts as that IPv4 address.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "listener.h"
#include "util.h"
#include "wire.h"

int cpns_limits_opt(struct cpns_limits *l, const char *opt, const char *val)
{
	uint64_t v;

	if (!strcmp(opt, "--max-conns") || !strcmp(opt, "--max-per-source")) {
		if (!val || parse_u64(val, 1, CPNS_LIMITS_CONNS_MAX, &v)) {
			warn("Invalid %s: `%s' (1..%d)", opt, val ? val : "",
			     CPNS_LIMITS_CONNS_MAX);
			return -1;
		}
		if (opt[6] == 'c')
			l->max_conns = v;
		else
			l->max_per_source = v;
		return 1;
	}
	if (!strcmp(opt, "--source-prefix6")) {
		if (!val || parse_u64(val, 1, 128, &v)) {
			warn("Invalid %s: `%s' (bits, 1..128)", opt,
			     val ? val : "");
			return -1;
		}
		l->source_prefix6 = v;
		return 1;
	}
	if (!strcmp(opt, "--header-timeout")) {
		if (!val || parse_u64(val, 1, CPNS_WIRE_TIMEOUT_MAX, &v)) {
			warn("Invalid %s: `%s' (seconds, 1..%d)", opt,
			     val ? val : "", CPNS_WIRE_TIMEOUT_MAX);
			return -1;
		}
		l->header_timeout = v;
		return 1;
	}
	return 0;
}

int cpns_limits_check(const struct cpns_limits *l)
{
	if (l->max_per_source > l->max_conns) {
		warn("--max-per-source %u is more than --max-conns %u",
		     l->max_per_source, l->max_conns);
		return -1;
	}
	return 0;
}

/* One connection in progress: its process and its source. */
struct slot {
	pid_t pid;			/* 0: free */
	struct in6_addr src;
};

struct loop {
	const struct cpns_listener *l;
	struct slot *slots;
	unsigned int used;
	bool stopping;
	int64_t last_log_ms;
	unsigned long unlogged;
};

/* A handler only so that SIGCHLD interrupts poll(): children are reaped at once. */
static void on_child(int sig)
{
	(void)sig;
}

void cpns_listener_source(const struct sockaddr_storage *ss,
			  unsigned int prefix6, struct in6_addr *src,
			  char *txt, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int i;

	memset(src, 0, sizeof(*src));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		src->s6_addr[10] = 0xff;
		src->s6_addr[11] = 0xff;
		memcpy(&src->s6_addr[12], &s4->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		*src = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	if (IN6_IS_ADDR_V4MAPPED(src)) {
		inet_ntop(AF_INET, &src->s6_addr[12], txt, len);
		return;
	}
	if (!prefix6 || prefix6 >= 128) {
		inet_ntop(AF_INET6, src, txt, len);
		return;
	}
	for (i = prefix6; i < 128; i++)
		src->s6_addr[i / 8] &= ~(0x80 >> (i % 8));
	inet_ntop(AF_INET6, src, a, sizeof(a));
	snprintf(txt, len, "%s/%u", a, prefix6);
}

static unsigned int from_source(const struct loop *lp,
				const struct in6_addr *src)
{
	unsigned int i, n = 0;

	for (i = 0; i < lp->l->limits.max_conns; i++)
		if (lp->slots[i].pid && !memcmp(&lp->slots[i].src, src,
						sizeof(*src)))
			n++;
	return n;
}

/* Collect ended children (waiting for one unless @flags is WNOHANG). */
static int reap(struct loop *lp, int flags)
{
	unsigned int i;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, flags)) > 0) {
		for (i = 0; i < lp->l->limits.max_conns; i++)
			if (lp->slots[i].pid == pid)
				break;
		if (i == lp->l->limits.max_conns)
			continue;
		lp->slots[i].pid = 0;
		lp->used--;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		if (lp->l->done && !lp->l->done(status, lp->l->arg))
			lp->stopping = true;
		if (!lp->used)
			break;
	}
	return pid < 0 ? -errno : 0;
}

/*
 * ERROR BUSY with @reason, from the daemon itself: the frame fits any
 * socket buffer, so nothing here waits on the peer.  What the peer sent
 * already is read first, so that closing does not reset the connection
 * before the ERROR is read (in most cases: what it sends later is reset).
 */
static void refuse(struct loop *lp, int fd, const char *peer,
		   const char *reason)
{
	uint8_t sink[4096];
	int64_t now = cpns_wire_now_ms();
	int i;

	cpns_wire_send_error(fd, CPNS_WERR_BUSY, reason, 1);
	for (i = 0; i < 16; i++)	/* at most 64 KiB, never waiting */
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	shutdown(fd, SHUT_WR);
	close(fd);
	/* At most one line a second, however many are refused. */
	if (now - lp->last_log_ms < 1000) {
		lp->unlogged++;
		return;
	}
	printf("%s: refused: ERROR BUSY: %s", peer, reason);
	if (lp->unlogged)
		printf(" (and %lu more refused since the last line)",
		       lp->unlogged);
	printf("\n");
	lp->last_log_ms = now;
	lp->unlogged = 0;
}

static void child(const struct loop *lp, int lfd, int fd, const char *peer)
{
	int status;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	close(lfd);
	status = lp->l->serve(fd, peer, lp->l->arg);
	fflush(stdout);
	_exit(status);
}

static void accept_one(struct loop *lp, int lfd)
{
	const struct cpns_limits *lim = &lp->l->limits;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char peer[INET6_ADDRSTRLEN + 16], src_txt[INET6_ADDRSTRLEN + 8];
	char reason[CPNS_WIRE_REASON_MAX];
	struct in6_addr src;
	unsigned int i;
	pid_t pid;
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	cpns_listener_source(&ss, lim->source_prefix6, &src, src_txt,
			     sizeof(src_txt));
	cpns_wire_sockname(fd, true, peer, sizeof(peer));
	if (lp->used >= lim->max_conns) {
		snprintf(reason, sizeof(reason),
			 "too many connections (at most %u at once), retry later",
			 lim->max_conns);
		refuse(lp, fd, peer, reason);
		return;
	}
	if (from_source(lp, &src) >= lim->max_per_source) {
		snprintf(reason, sizeof(reason),
			 "too many connections from %s (at most %u at once), retry later",
			 src_txt, lim->max_per_source);
		refuse(lp, fd, peer, reason);
		return;
	}
	for (i = 0; i < lim->max_conns && lp->slots[i].pid; i++)
		;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		child(lp, lfd, fd, peer);
	if (pid < 0) {
		printf("%s: cannot fork: %s\n", peer, strerror(errno));
		cpns_wire_send_error(fd, CPNS_WERR_INTERNAL, "cannot fork", 1);
	} else {
		lp->slots[i].pid = pid;
		lp->slots[i].src = src;
		lp->used++;
	}
	close(fd);
}

int cpns_listener_run(int lfd, const struct cpns_listener *l,
		      volatile sig_atomic_t *stop)
{
	struct loop lp = { .l = l };
	struct sigaction sa = { 0 };

	lp.slots = calloc(l->limits.max_conns, sizeof(*lp.slots));
	if (!lp.slots)
		return -ENOMEM;
	sa.sa_handler = on_child;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	while (!*stop && !lp.stopping) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		reap(&lp, WNOHANG);
		if (lp.stopping)
			break;
		if (poll(&pfd, 1, 500) > 0)
			accept_one(&lp, lfd);
	}
	/* Connections in progress finish within their timeouts. */
	signal(SIGCHLD, SIG_DFL);
	while (lp.used > 0)
		if (reap(&lp, 0) == -ECHILD)
			break;
	free(lp.slots);
	return 0;
}
