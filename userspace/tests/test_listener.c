// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the daemons' accept loop (userspace/listener.c),
 * kselftest_harness.h cases: the per-address and total connection limits over TCP on
 * the loopback, IPv4 (127.0.0.1, 127.0.0.2: two sources), IPv6 (::1) and
 * IPv4-mapped (a listener on [::]).
 */
#include "kselftest_harness.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "listener.h"
#include "wire.h"


TEST(limits_options)
{
	struct cpns_limits l = {
		.max_conns = 16, .max_per_source = 4, .source_prefix6 = 64,
		.header_timeout = 2,
	};

	EXPECT_TRUE(cpns_limits_opt(&l, "--listen", "x") == 0);
	EXPECT_TRUE(cpns_limits_opt(&l, "--max-conns", "0") == -1);
	EXPECT_TRUE(cpns_limits_opt(&l, "--max-conns", "4097") == -1);
	EXPECT_TRUE(cpns_limits_opt(&l, "--max-per-source", "2x") == -1);
	EXPECT_TRUE(cpns_limits_opt(&l, "--header-timeout", "0") == -1);
	EXPECT_TRUE(cpns_limits_opt(&l, "--header-timeout", "3601") == -1);
	EXPECT_TRUE(cpns_limits_opt(&l, "--source-prefix6", "0") == -1);
	EXPECT_TRUE(cpns_limits_opt(&l, "--source-prefix6", "129") == -1);
	EXPECT_TRUE(cpns_limits_opt(&l, "--source-prefix6", "48") == 1 &&
	      l.source_prefix6 == 48);
	EXPECT_TRUE(l.max_conns == 16 && l.max_per_source == 4 &&
	      l.header_timeout == 2);
	EXPECT_TRUE(cpns_limits_opt(&l, "--max-conns", "8") == 1 && l.max_conns == 8);
	EXPECT_TRUE(cpns_limits_opt(&l, "--max-per-source", "3") == 1 &&
	      l.max_per_source == 3);
	EXPECT_TRUE(cpns_limits_opt(&l, "--header-timeout", "5") == 1 &&
	      l.header_timeout == 5);
	EXPECT_TRUE(cpns_limits_check(&l) == 0);
	l.max_per_source = 9;
	EXPECT_TRUE(cpns_limits_check(&l) == -1);
}

TEST(workers_option)
{
	struct cpns_limits l = {
		.max_conns = 4, .max_per_source = 2, .source_prefix6 = 64,
		.header_timeout = 2,
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	EXPECT_EQ(-1, cpns_limits_opt(&l, "--workers", "abc"));
	EXPECT_EQ(-1, cpns_limits_opt(&l, "--workers", "-1"));
	EXPECT_EQ(-1, cpns_limits_opt(&l, "--workers", "4097"));
	EXPECT_EQ(-1, cpns_limits_opt(&l, "--workers", ""));
	EXPECT_FALSE(l.workers_set);
	/* Not given: the CPU count, at most --max-conns. */
	EXPECT_EQ(0, cpns_limits_check(&l));
	EXPECT_EQ(cpus > 4 ? 4 : cpus, l.workers);
	EXPECT_EQ(1, cpns_limits_opt(&l, "--workers", "0"));
	EXPECT_TRUE(l.workers_set);
	EXPECT_EQ(0, l.workers);
	EXPECT_EQ(0, cpns_limits_check(&l));
	EXPECT_EQ(0, l.workers);
	EXPECT_EQ(1, cpns_limits_opt(&l, "--workers", "4"));
	EXPECT_EQ(0, cpns_limits_check(&l));
	EXPECT_EQ(1, cpns_limits_opt(&l, "--workers", "5"));
	EXPECT_EQ(-1, cpns_limits_check(&l));
}

static const char *src_txt(const char *addr, unsigned int prefix6,
			   struct in6_addr *src)
{
	static char txt[80];
	struct sockaddr_storage ss = { 0 };

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &a->sin6_addr);
	} else {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &a->sin_addr);
	}
	cpns_listener_source(&ss, prefix6, src, txt, sizeof(txt));
	return txt;
}

/* Which addresses count as one source. */
TEST(source_of_a_peer)
{
	struct in6_addr a, b;

	EXPECT_TRUE(!strcmp(src_txt("192.0.2.1", 64, &a), "192.0.2.1"));
	EXPECT_TRUE(!strcmp(src_txt("::ffff:192.0.2.1", 64, &b), "192.0.2.1"));
	EXPECT_TRUE(!memcmp(&a, &b, sizeof(a)));
	EXPECT_TRUE(!strcmp(src_txt("192.0.2.2", 64, &b), "192.0.2.2"));
	EXPECT_TRUE(memcmp(&a, &b, sizeof(a)));
	/* IPv6: the first 64 bits, or the whole address. */
	EXPECT_TRUE(!strcmp(src_txt("2001:db8:1:2:aaaa::1", 64, &a),
		      "2001:db8:1:2::/64"));
	EXPECT_TRUE(!strcmp(src_txt("2001:db8:1:2:bbbb::7", 64, &b),
		      "2001:db8:1:2::/64"));
	EXPECT_TRUE(!memcmp(&a, &b, sizeof(a)));
	EXPECT_TRUE(!strcmp(src_txt("2001:db8:1:3::1", 64, &b), "2001:db8:1:3::/64"));
	EXPECT_TRUE(memcmp(&a, &b, sizeof(a)));
	EXPECT_TRUE(!strcmp(src_txt("2001:db8:1:2:aaaa::1", 128, &a),
		      "2001:db8:1:2:aaaa::1"));
	EXPECT_TRUE(!strcmp(src_txt("2001:db8:1:2:bbbb::7", 128, &b),
		      "2001:db8:1:2:bbbb::7"));
	EXPECT_TRUE(memcmp(&a, &b, sizeof(a)));
	EXPECT_TRUE(!strcmp(src_txt("2001:db8:ffff::1", 33, &a), "2001:db8:8000::/33"));
}

/* The test's daemon: each connection is held until the peer closes. */
static int hold(int fd, const char *peer, void *arg)
{
	char b[64];

	(void)peer;
	(void)arg;
	while (recv(fd, b, sizeof(b), 0) > 0)
		;
	close(fd);
	return 0;
}

static volatile sig_atomic_t never;

/* Connect to [::]:@port from @src (an IPv4 or IPv6 literal). */
static int connect_from(const char *src, const char *dst, unsigned int port)
{
	struct sockaddr_storage s = { 0 }, d = { 0 };
	socklen_t len;
	int fd, v6 = strchr(dst, ':') != NULL;

	if (v6) {
		struct sockaddr_in6 *a = (void *)&s, *b = (void *)&d;

		a->sin6_family = b->sin6_family = AF_INET6;
		inet_pton(AF_INET6, src, &a->sin6_addr);
		inet_pton(AF_INET6, dst, &b->sin6_addr);
		b->sin6_port = htons(port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (void *)&s, *b = (void *)&d;

		a->sin_family = b->sin_family = AF_INET;
		inet_pton(AF_INET, src, &a->sin_addr);
		inet_pton(AF_INET, dst, &b->sin_addr);
		b->sin_port = htons(port);
		len = sizeof(*a);
	}
	fd = socket(s.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&s, len) ||
	    connect(fd, (struct sockaddr *)&d, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * What the daemon answers on @fd: "held" (nothing within 400 ms, the
 * connection still open), the reason of an ERROR BUSY, or "?".
 */
static const char *answer(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct cpns_wire_msg m;
	int werr;

	if (poll(&pfd, 1, 400) == 0)
		return "held";
	if (cpns_wire_recv(fd, &m, 1, &werr) == 0 &&
	    m.type == CPNS_WIRE_ERROR && m.u.err.code == CPNS_WERR_BUSY) {
		snprintf(buf, len, "%s", m.u.err.reason);
		return buf;
	}
	return "?";
}

static void limits_case(struct __test_metadata *_metadata,
			unsigned int workers)
{
	struct cpns_listener l = {
		.limits = { .max_conns = 6, .max_per_source = 2,
			    .source_prefix6 = 128,
			    .header_timeout = 2, .workers = workers },
		.serve = hold,
	};
	char addr[80], buf[256];
	const char *a;
	int lfd, fds[8], i, status;
	unsigned int port;
	pid_t pid;

	lfd = cpns_wire_listen("[::]:0");
	ASSERT_LE(0, lfd);
	cpns_wire_sockname(lfd, false, addr, sizeof(addr));
	port = atoi(strrchr(addr, ':') + 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(30);
		/* Its log of refusals is not KTAP. */
		if (!freopen("/dev/null", "w", stdout))
			_exit(1);
		_exit(cpns_listener_run(lfd, &l, &never) ? 1 : 0);
	}
	close(lfd);
	/* Two from 127.0.0.1 (IPv4-mapped) held, the third refused. */
	fds[0] = connect_from("127.0.0.1", "127.0.0.1", port);
	fds[1] = connect_from("127.0.0.1", "127.0.0.1", port);
	EXPECT_TRUE(fds[0] >= 0 && fds[1] >= 0);
	fds[2] = connect_from("127.0.0.1", "127.0.0.1", port);
	a = answer(fds[2], buf, sizeof(buf));
	EXPECT_TRUE(!strcmp(a, "too many connections from 127.0.0.1 (at most 2 at once), retry later"));
	EXPECT_TRUE(!strcmp(answer(fds[0], buf, sizeof(buf)), "held"));
	EXPECT_TRUE(!strcmp(answer(fds[1], buf, sizeof(buf)), "held"));
	close(fds[2]);
	/* Another address is not affected: 127.0.0.2, and ::1 up to its 2. */
	fds[2] = connect_from("127.0.0.2", "127.0.0.1", port);
	fds[3] = connect_from("::1", "::1", port);
	fds[4] = connect_from("::1", "::1", port);
	EXPECT_TRUE(!strcmp(answer(fds[2], buf, sizeof(buf)), "held"));
	EXPECT_TRUE(!strcmp(answer(fds[4], buf, sizeof(buf)), "held"));
	fds[5] = connect_from("::1", "::1", port);
	EXPECT_TRUE(!strcmp(answer(fds[5], buf, sizeof(buf)),
		      "too many connections from ::1 (at most 2 at once), retry later"));
	close(fds[5]);
	/* Six held: the total is full for everyone. */
	fds[5] = connect_from("127.0.0.3", "127.0.0.1", port);
	EXPECT_TRUE(!strcmp(answer(fds[5], buf, sizeof(buf)), "held"));
	fds[6] = connect_from("127.0.0.4", "127.0.0.1", port);
	EXPECT_TRUE(!strcmp(answer(fds[6], buf, sizeof(buf)),
		      "too many connections (at most 6 at once), retry later"));
	close(fds[6]);
	/* Those of 127.0.0.1 closed: it is served again. */
	close(fds[0]);
	close(fds[1]);
	usleep(300000);
	fds[0] = connect_from("127.0.0.1", "127.0.0.1", port);
	EXPECT_TRUE(!strcmp(answer(fds[0], buf, sizeof(buf)), "held"));
	for (i = 0; i < 6; i++)
		close(fds[i]);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

/* A process forked for each connection (--workers 0). */
TEST(connection_limits)
{
	limits_case(_metadata, 0);
}

/* Two workers, the other four connections in processes of their own. */
TEST(connection_limits_with_workers)
{
	limits_case(_metadata, 2);
}

/*
 * The workers' daemon: each connection is told "PID N" (N: the
 * connections this process has served) and held until the peer closes;
 * its status is the peer's first byte, if any.
 */
static int ident(int fd, const char *peer, void *arg)
{
	static int served;
	char b[64];
	int status = 0;
	ssize_t n;

	(void)peer;
	(void)arg;
	snprintf(b, sizeof(b), "%d %d", (int)getpid(), ++served);
	if (send(fd, b, strlen(b), MSG_NOSIGNAL) < 0)
		status = 100;
	while ((n = recv(fd, b, sizeof(b), 0)) > 0)
		status = (unsigned char)b[0];
	close(fd);
	return status;
}

static volatile sig_atomic_t stop, hup;

static void on_sig(int sig)
{
	if (sig == SIGHUP)
		hup = 1;
	else
		stop = 1;
}

/* Counts in a file: the daemon's done() runs in its own process. */
static bool count_done(int status, void *arg)
{
	FILE *f = fopen(arg, "a");

	if (f) {
		fprintf(f, "%d\n", status);
		fclose(f);
	}
	return true;
}

/* On SIGHUP: at most one connection, one worker. */
static bool reload_one(struct cpns_limits *lim, void *arg)
{
	(void)arg;
	lim->max_conns = 1;
	lim->max_per_source = 1;
	lim->workers = 1;
	return true;
}

struct daemon {
	pid_t pid;
	unsigned int port;
};

/* A listener on [::]:0 with @workers, stopped by SIGTERM, reloaded by SIGHUP. */
static void daemon_start(struct __test_metadata *_metadata, struct daemon *d,
			 unsigned int workers, const char *donefile)
{
	static struct cpns_listener l;
	struct sigaction sa = { .sa_handler = on_sig };
	char addr[80];
	int lfd;

	l = (struct cpns_listener){
		.limits = { .max_conns = 6, .max_per_source = 6,
			    .source_prefix6 = 128, .header_timeout = 2,
			    .workers = workers },
		.serve = ident, .done = count_done, .reload = reload_one,
		.reload_flag = &hup, .arg = (void *)donefile,
	};
	lfd = cpns_wire_listen("[::]:0");
	ASSERT_LE(0, lfd);
	cpns_wire_sockname(lfd, false, addr, sizeof(addr));
	d->port = atoi(strrchr(addr, ':') + 1);
	unlink(donefile);
	fflush(stdout);
	d->pid = fork();
	if (d->pid == 0) {
		alarm(30);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		if (!freopen("/dev/null", "w", stdout))
			_exit(1);
		_exit(cpns_listener_run(lfd, &l, &stop) ? 1 : 0);
	}
	close(lfd);
	usleep(200000);		/* its workers started */
}

/* Connect, read "PID N" into *@pid, *@n: the fd, or -1. */
static int ident_conn(unsigned int port, int *pid, int *n)
{
	int fd = connect_from("127.0.0.1", "127.0.0.1", port);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char b[64];
	ssize_t len;

	*pid = *n = 0;
	if (fd < 0)
		return -1;
	if (poll(&pfd, 1, 5000) != 1)
		return fd;
	len = recv(fd, b, sizeof(b) - 1, 0);
	if (len > 0) {
		b[len] = '\0';
		sscanf(b, "%d %d", pid, n);
	}
	return fd;
}

/* The lines of @file, each a done() status, into @st: how many. */
static int done_statuses(const char *file, int *st, int max)
{
	FILE *f = fopen(file, "r");
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fscanf(f, "%d", &st[n]) == 1)
		n++;
	fclose(f);
	return n;
}

/*
 * One worker serves one connection after another in one process; a
 * connection while it is busy gets a process of its own; the status of
 * each reaches done().
 */
TEST(worker_serves_in_turn)
{
	const char *df = "/tmp/test_listener.done1";
	int fd, fd2, pid, n, pid1, n2, pid2, st[8];
	struct daemon d;

	daemon_start(_metadata, &d, 1, df);
	fd = ident_conn(d.port, &pid1, &n);
	EXPECT_NE(0, pid1);
	EXPECT_EQ(1, n);
	EXPECT_EQ(1, send(fd, "\x07", 1, 0));
	close(fd);
	usleep(300000);		/* the worker idle again */
	fd = ident_conn(d.port, &pid, &n);
	EXPECT_EQ(pid1, pid);
	EXPECT_EQ(2, n);
	/* The worker busy: a process of its own, that served one. */
	fd2 = ident_conn(d.port, &pid2, &n2);
	EXPECT_NE(0, pid2);
	EXPECT_NE(pid1, pid2);
	EXPECT_EQ(1, n2);
	EXPECT_EQ(1, send(fd2, "\x09", 1, 0));
	close(fd2);
	usleep(300000);
	close(fd);
	usleep(300000);
	fd = ident_conn(d.port, &pid, &n);
	EXPECT_EQ(pid1, pid);
	EXPECT_EQ(3, n);
	close(fd);
	usleep(300000);
	ASSERT_EQ(4, done_statuses(df, st, 8));
	EXPECT_EQ(7, st[0]);
	EXPECT_EQ(9, st[1]);	/* the child's, ended first */
	EXPECT_EQ(0, st[2]);
	EXPECT_EQ(0, st[3]);
	kill(d.pid, SIGTERM);
	waitpid(d.pid, &n, 0);
	EXPECT_TRUE(WIFEXITED(n) && WEXITSTATUS(n) == 0);
	unlink(df);
}

/*
 * A worker killed (SIGKILL) is replaced; its connection ends, its
 * status 128.
 */
TEST(killed_worker_replaced)
{
	const char *df = "/tmp/test_listener.done2";
	int fd, pid, n, pid1, st[4];
	char b[8];
	struct daemon d;

	daemon_start(_metadata, &d, 1, df);
	fd = ident_conn(d.port, &pid1, &n);
	ASSERT_NE(0, pid1);
	EXPECT_EQ(1, n);
	ASSERT_EQ(0, kill(pid1, SIGKILL));
	EXPECT_EQ(0, recv(fd, b, sizeof(b), 0));	/* closed */
	close(fd);
	/* Dead within a second of its start: replaced a second later. */
	usleep(1500000);
	ASSERT_EQ(1, done_statuses(df, st, 4));
	EXPECT_EQ(128, st[0]);
	/* A new worker (it has served none yet), kept for the next. */
	fd = ident_conn(d.port, &pid, &n);
	EXPECT_NE(0, pid);
	EXPECT_NE(pid1, pid);
	EXPECT_EQ(1, n);
	close(fd);
	usleep(300000);
	fd = ident_conn(d.port, &pid1, &n);
	EXPECT_EQ(pid, pid1);
	EXPECT_EQ(2, n);
	close(fd);
	kill(d.pid, SIGTERM);
	waitpid(d.pid, &n, 0);
	EXPECT_TRUE(WIFEXITED(n) && WEXITSTATUS(n) == 0);
	unlink(df);
}

/*
 * SIGTERM: no connection accepted any more; the one in progress ends
 * when its peer closes, then the daemon exits 0 and no worker is left.
 */
TEST(sigterm_stops_workers)
{
	const char *df = "/tmp/test_listener.done3";
	int fd, fd2, pid1, pid2, n, st[4];
	struct daemon d;

	daemon_start(_metadata, &d, 2, df);
	fd = ident_conn(d.port, &pid1, &n);
	ASSERT_NE(0, pid1);
	fd2 = ident_conn(d.port, &pid2, &n);
	ASSERT_NE(0, pid2);
	close(fd2);
	usleep(300000);
	ASSERT_EQ(0, kill(d.pid, SIGTERM));
	usleep(300000);
	EXPECT_EQ(0, waitpid(d.pid, &n, WNOHANG));	/* fd still served */
	/* No longer listening: refused, not queued. */
	EXPECT_EQ(-1, connect_from("127.0.0.1", "127.0.0.1", d.port));
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_EQ(1, send(fd, "\x05", 1, 0));
	close(fd);
	ASSERT_EQ(d.pid, waitpid(d.pid, &n, 0));
	EXPECT_TRUE(WIFEXITED(n) && WEXITSTATUS(n) == 0);
	EXPECT_EQ(-1, kill(pid1, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, kill(pid2, 0));
	EXPECT_EQ(ESRCH, errno);
	ASSERT_EQ(2, done_statuses(df, st, 4));
	EXPECT_EQ(0, st[0]);
	EXPECT_EQ(5, st[1]);
	unlink(df);
}

/* SIGHUP: the reloaded limits at once, the workers replaced. */
TEST(sighup_reloads_limits)
{
	const char *df = "/tmp/test_listener.done4";
	int fd, fd2, pid, pid1, n;
	char buf[256];
	struct daemon d;

	daemon_start(_metadata, &d, 2, df);
	fd = ident_conn(d.port, &pid1, &n);
	ASSERT_NE(0, pid1);
	fd2 = ident_conn(d.port, &pid, &n);
	EXPECT_NE(0, pid);	/* two at once: max-conns 6 */
	close(fd2);
	close(fd);
	usleep(300000);
	ASSERT_EQ(0, kill(d.pid, SIGHUP));
	usleep(400000);
	fd = ident_conn(d.port, &pid, &n);
	ASSERT_NE(0, pid);
	EXPECT_EQ(1, n);	/* a new worker */
	fd2 = connect_from("127.0.0.2", "127.0.0.1", d.port);
	EXPECT_STREQ("too many connections (at most 1 at once), retry later",
		     answer(fd2, buf, sizeof(buf)));
	close(fd2);
	close(fd);
	kill(d.pid, SIGTERM);
	waitpid(d.pid, &n, 0);
	EXPECT_TRUE(WIFEXITED(n) && WEXITSTATUS(n) == 0);
	unlink(df);
}

/* A peer that has gone must not kill the test with SIGPIPE. */
static void __attribute__((constructor)) ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

TEST_HARNESS_MAIN
