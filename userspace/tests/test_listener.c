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

TEST(connection_limits)
{
	struct cpns_listener l = {
		.limits = { .max_conns = 6, .max_per_source = 2,
			    .source_prefix6 = 128,
			    .header_timeout = 2 },
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

/* A peer that has gone must not kill the test with SIGPIPE. */
static void __attribute__((constructor)) ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

TEST_HARNESS_MAIN
