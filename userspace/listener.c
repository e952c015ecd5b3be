// SPDX-License-Identifier: GPL-2.0
/*
 * The accept loop of the daemons (listener.h): a limit on connections at
 * once and on connections from one source address, each connection served
 * by a long-lived worker process, or one forked for it when all are busy.
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
	if (!strcmp(opt, "--workers")) {
		if (!val || parse_u64(val, 0, CPNS_LIMITS_CONNS_MAX, &v)) {
			warn("Invalid %s: `%s' (processes, 0..%d; 0: one forked for each connection)",
			     opt, val ? val : "", CPNS_LIMITS_CONNS_MAX);
			return -1;
		}
		l->workers = v;
		l->workers_set = true;
		return 1;
	}
	return 0;
}

int cpns_limits_check(struct cpns_limits *l)
{
	long cpus;

	if (l->max_per_source > l->max_conns) {
		warn("--max-per-source %u is more than --max-conns %u",
		     l->max_per_source, l->max_conns);
		return -1;
	}
	if (l->workers_set && l->workers > l->max_conns) {
		warn("--workers %u is more than --max-conns %u", l->workers,
		     l->max_conns);
		return -1;
	}
	if (!l->workers_set) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		l->workers = cpus < 1 ? 1 : cpus > l->max_conns ?
			     l->max_conns : (unsigned int)cpus;
	}
	return 0;
}

/* One connection in progress: the process serving it and its source. */
struct slot {
	pid_t pid;			/* 0: free */
	struct in6_addr src;
};

/* A long-lived worker, as the daemon sees it. */
struct worker {
	pid_t pid;			/* 0: none (to be started) */
	int sock;			/* the daemon's end; -1: closed */
	int slot;			/* its connection's; -1: idle */
	bool retire;			/* exit after this connection */
	int64_t started_ms;
};

struct loop {
	const struct cpns_listener *l;
	struct cpns_limits lim;
	struct slot slots[CPNS_LIMITS_CONNS_MAX];
	struct worker w[CPNS_LIMITS_CONNS_MAX];
	unsigned int nw;		/* w[0..nw - 1] may be alive */
	unsigned int used;
	bool stopping;
	int64_t last_log_ms;
	unsigned long unlogged;
	int64_t respawn_ms;		/* no worker started before */
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

	for (i = 0; i < CPNS_LIMITS_CONNS_MAX; i++)
		if (lp->slots[i].pid && !memcmp(&lp->slots[i].src, src,
						sizeof(*src)))
			n++;
	return n;
}

static void slot_free(struct loop *lp, int i, int status)
{
	lp->slots[i].pid = 0;
	lp->used--;
	if (lp->l->done && !lp->l->done(status, lp->l->arg))
		lp->stopping = true;
}

static void worker_close(struct worker *w)
{
	if (w->sock >= 0)
		close(w->sock);
	w->sock = -1;
}

/* Collect ended children (waiting for one unless @flags is WNOHANG). */
static int reap(struct loop *lp, int flags)
{
	unsigned int i;
	int ws, status;
	pid_t pid;

	while ((pid = waitpid(-1, &ws, flags)) > 0) {
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
		for (i = 0; i < lp->nw; i++)
			if (lp->w[i].pid == pid)
				break;
		if (i < lp->nw) {
			struct worker *w = &lp->w[i];

			if (!w->retire && !lp->stopping && WIFSIGNALED(ws))
				printf("worker %d killed by signal %d, replaced\n",
				       (int)pid, WTERMSIG(ws));
			else if (!w->retire && !lp->stopping)
				printf("worker %d exited with status %d, replaced\n",
				       (int)pid, status);
			/* Dead within a second of its start: wait a second. */
			if (cpns_wire_now_ms() - w->started_ms < 1000)
				lp->respawn_ms = cpns_wire_now_ms() + 1000;
			worker_close(w);
			w->pid = 0;
			w->retire = false;
			if (w->slot >= 0)
				slot_free(lp, w->slot, 128);
			w->slot = -1;
			continue;
		}
		for (i = 0; i < CPNS_LIMITS_CONNS_MAX; i++)
			if (lp->slots[i].pid == pid)
				break;
		if (i == CPNS_LIMITS_CONNS_MAX)
			continue;
		slot_free(lp, i, status);
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

/* In a new worker or child: what it must not hold of the daemon's. */
static void child_setup(const struct loop *lp, int lfd)
{
	unsigned int i;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	close(lfd);
	for (i = 0; i < lp->nw; i++)
		if (lp->w[i].sock >= 0)
			close(lp->w[i].sock);
}

static void child(const struct loop *lp, int lfd, int fd, const char *peer)
{
	int status;

	child_setup(lp, lfd);
	status = lp->l->serve(fd, peer, lp->l->arg);
	if (lp->l->cleanup)
		lp->l->cleanup(lp->l->arg);
	fflush(stdout);
	_exit(status);
}

/* A connection @fd and its peer's text, over a worker's socket. */
static int send_conn(int sock, int fd, const char *peer)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)peer,
			     .iov_len = strlen(peer) + 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* In a worker: the next connection's fd (its peer in @peer), or -1. */
static int recv_conn(int sock, char *peer, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = peer, .iov_len = len - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	peer[n] = '\0';
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* A worker's life: connections from the daemon until its socket closes. */
static void worker_main(const struct loop *lp, int lfd, int sock)
{
	char peer[INET6_ADDRSTRLEN + 16];
	int fd, status;

	child_setup(lp, lfd);
	while ((fd = recv_conn(sock, peer, sizeof(peer))) >= 0) {
		status = lp->l->serve(fd, peer, lp->l->arg);
		fflush(stdout);
		if (send(sock, &status, sizeof(status), MSG_NOSIGNAL) < 0)
			break;
	}
	if (lp->l->cleanup)
		lp->l->cleanup(lp->l->arg);
	fflush(stdout);
	_exit(0);
}

static void worker_start(struct loop *lp, int lfd, struct worker *w)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		lp->respawn_ms = cpns_wire_now_ms() + 1000;
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		worker_main(lp, lfd, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		printf("cpns: cannot start a worker: %s\n", strerror(errno));
		close(sv[0]);
		lp->respawn_ms = cpns_wire_now_ms() + 1000;
		return;
	}
	w->pid = pid;
	w->sock = sv[0];
	w->slot = -1;
	w->retire = false;
	w->started_ms = cpns_wire_now_ms();
}

/*
 * The workers wanted started, the retiring or unwanted idle ones told to
 * exit (their socket closed: they read its end).
 */
static void workers_tend(struct loop *lp, int lfd)
{
	unsigned int i;

	for (i = 0; i < lp->nw; i++) {
		struct worker *w = &lp->w[i];

		if (i >= lp->lim.workers || lp->stopping)
			w->retire = true;
		if (w->pid && w->retire && w->slot < 0)
			worker_close(w);
		if (!w->pid && i < lp->lim.workers && !lp->stopping &&
		    cpns_wire_now_ms() >= lp->respawn_ms)
			worker_start(lp, lfd, w);
	}
	while (lp->nw > 0 && lp->nw > lp->lim.workers && !lp->w[lp->nw - 1].pid)
		lp->nw--;
}

/* A worker's socket readable: its connection done, or its end. */
static void worker_read(struct loop *lp, struct worker *w)
{
	int status;
	ssize_t n = recv(w->sock, &status, sizeof(status), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != sizeof(status)) {
		worker_close(w);	/* it exits: reap() frees its slot */
		return;
	}
	if (w->slot >= 0)
		slot_free(lp, w->slot, status);
	w->slot = -1;
}

/* An idle worker, or NULL. */
static struct worker *worker_idle(struct loop *lp)
{
	unsigned int i;

	for (i = 0; i < lp->nw; i++)
		if (lp->w[i].pid && lp->w[i].sock >= 0 && lp->w[i].slot < 0 &&
		    !lp->w[i].retire)
			return &lp->w[i];
	return NULL;
}

static void accept_one(struct loop *lp, int lfd)
{
	const struct cpns_limits *lim = &lp->lim;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char peer[INET6_ADDRSTRLEN + 16], src_txt[INET6_ADDRSTRLEN + 8];
	char reason[CPNS_WIRE_REASON_MAX];
	struct in6_addr src;
	struct worker *w;
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
	for (i = 0; i < CPNS_LIMITS_CONNS_MAX && lp->slots[i].pid; i++)
		;
	w = worker_idle(lp);
	if (w && !send_conn(w->sock, fd, peer)) {
		pid = w->pid;
		w->slot = i;
	} else {
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			child(lp, lfd, fd, peer);
	}
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

static bool children_left(const struct loop *lp)
{
	unsigned int i;

	if (lp->used)
		return true;
	for (i = 0; i < lp->nw; i++)
		if (lp->w[i].pid)
			return true;
	return false;
}

static void reload(struct loop *lp)
{
	struct cpns_limits lim = lp->lim;
	unsigned int i;

	*lp->l->reload_flag = 0;
	if (!lp->l->reload || !lp->l->reload(&lim, lp->l->arg))
		return;
	lp->lim = lim;
	for (i = 0; i < lp->nw; i++)
		lp->w[i].retire = true;
	if (lim.workers > lp->nw)
		lp->nw = lim.workers;
}

int cpns_listener_run(int lfd, const struct cpns_listener *l,
		      volatile sig_atomic_t *stop)
{
	struct pollfd *pfd;
	struct worker **pw;
	struct sigaction sa = { 0 };
	bool listen_shut = false;
	struct loop *lp;
	unsigned int i, n;

	lp = calloc(1, sizeof(*lp));
	pfd = calloc(CPNS_LIMITS_CONNS_MAX + 1, sizeof(*pfd));
	pw = calloc(CPNS_LIMITS_CONNS_MAX + 1, sizeof(*pw));
	if (!lp || !pfd || !pw) {
		free(lp);
		free(pfd);
		free(pw);
		return -ENOMEM;
	}
	lp->l = l;
	lp->lim = l->limits;
	lp->nw = lp->lim.workers;
	for (i = 0; i < CPNS_LIMITS_CONNS_MAX; i++) {
		lp->w[i].sock = -1;
		lp->w[i].slot = -1;
	}
	sa.sa_handler = on_child;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	for (;;) {
		reap(lp, WNOHANG);
		if (*stop)
			lp->stopping = true;
		/* Stopping: new connections refused, not left in the queue. */
		if (lp->stopping && !listen_shut)
			listen_shut = !shutdown(lfd, SHUT_RD);
		if (l->reload_flag && *l->reload_flag && !lp->stopping)
			reload(lp);
		workers_tend(lp, lfd);
		if (lp->stopping && !children_left(lp))
			break;
		n = 0;
		if (!lp->stopping) {
			pfd[n].fd = lfd;
			pfd[n].events = POLLIN;
			pw[n++] = NULL;
		}
		for (i = 0; i < lp->nw; i++) {
			if (lp->w[i].sock < 0)
				continue;
			pfd[n].fd = lp->w[i].sock;
			pfd[n].events = POLLIN;
			pw[n++] = &lp->w[i];
		}
		if (poll(pfd, n, 500) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pw[i])
				worker_read(lp, pw[i]);
			else if (!lp->stopping)
				accept_one(lp, lfd);
		}
	}
	signal(SIGCHLD, SIG_DFL);
	free(lp);
	free(pfd);
	free(pw);
	return 0;
}
