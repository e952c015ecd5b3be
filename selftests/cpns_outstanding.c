// SPDX-License-Identifier: GPL-2.0
/*
 * The GW's outstanding requests (CPNS_CMD_GW_REQUEST): at most
 * CPNS_OUTSTANDING_MAX per network namespace, at most
 * CPNS_OUTSTANDING_USERNS_MAX in all the namespaces owned by other user
 * namespaces together (userns=1), EBUSY beyond; and each belongs to the
 * netlink socket that made it, so that closing it (exit, crash, kill -9,
 * a cpnsctl that gave up) frees its slots at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "fixture.h"
#include "tkeys.h"

static const uint8_t psk[32] = { 0x5a, 1, 2, 3 };

/* n requests on t; 0, or the first error (its extack in ack). */
static int requests(struct tgenl *t, int32_t ring, const char *gw, int n,
		    struct fx_ack *ack)
{
	struct nl_msg *m;
	uint8_t hpw[32] = { 1 };
	int i, err;

	for (i = 0; i < n; i++) {
		m = tgenl_msg(t, CPNS_CMD_GW_REQUEST);
		if (!m)
			return -ENOMEM;
		nla_put_s32(m, CPNS_A_KEYRING, ring);
		fx_put_id(m, CPNS_A_GW_ID, gw);
		fx_put_id(m, CPNS_A_USER_ID, "alice");
		fx_put_id(m, CPNS_A_ENTITY_ID, "pne-o");
		nla_put(m, CPNS_A_HPW, sizeof(hpw), hpw);
		err = fx_call(t, m, NULL, ack);
		if (err)
			return err;
	}
	return 0;
}

/* A fresh netns (its own list) and keyring with psk:gw-o. */
static int32_t fresh_gw(void)
{
	int32_t ring;

	if (system("modprobe cpns"))	/* the key type */
		return -ENODEV;
	if (unshare(CLONE_NEWNET))
		return -errno;
	ring = tk_fresh_keyring();
	if (ring < 0)
		return ring;
	if (tk_add("psk:gw-o", psk, sizeof(psk), ring) < 0)
		return -errno;
	return ring;
}

/*
 * Hundreds of requests each (some 1300 for the last): more than the
 * harness's default 30 s on a debug kernel under TCG.
 */
FIXTURE(gw) {};
FIXTURE_SETUP(gw) {}
FIXTURE_TEARDOWN(gw) {}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

TEST_F_TIMEOUT(gw, per_netns_bound_is_ebusy, 300)
{
	struct fx_ack ack;
	struct tgenl *t;
	int32_t ring;

	ring = fresh_gw();
	ASSERT_LT(0, ring);
	t = tgenl_open();
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, requests(t, ring, "gw-o", CPNS_OUTSTANDING_MAX, &ack));
	EXPECT_EQ(-EBUSY, requests(t, ring, "gw-o", 1, &ack));
	EXPECT_STREQ("cpns: too many outstanding requests", ack.msg);
	tgenl_close(t);
}

/* Closing a socket drops its requests, and only its own. */
TEST_F_TIMEOUT(gw, closing_the_socket_frees_its_requests, 300)
{
	const int half = CPNS_OUTSTANDING_MAX / 2;
	struct tgenl *a, *b, *c;
	struct fx_ack ack;
	int32_t ring;

	ring = fresh_gw();
	ASSERT_LT(0, ring);
	a = tgenl_open();
	b = tgenl_open();
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, requests(a, ring, "gw-o", half, &ack));
	ASSERT_EQ(0, requests(b, ring, "gw-o", CPNS_OUTSTANDING_MAX - half, &ack));
	ASSERT_EQ(-EBUSY, requests(b, ring, "gw-o", 1, &ack));
	tgenl_close(a);
	c = tgenl_open();
	ASSERT_NE(NULL, c);
	EXPECT_EQ(0, requests(c, ring, "gw-o", half, &ack)) TH_LOG("%s", ack.msg);
	EXPECT_EQ(-EBUSY, requests(c, ring, "gw-o", 1, &ack));
	tgenl_close(b);
	tgenl_close(c);
}

/* A process killed with its requests outstanding leaves no slot taken. */
TEST_F_TIMEOUT(gw, killed_process_frees_its_requests, 300)
{
	struct fx_ack ack;
	struct tgenl *t;
	int32_t ring;
	int k, p[2], res;

	ring = fresh_gw();
	ASSERT_LT(0, ring);
	for (k = 0; k < 2; k++) {
		pid_t pid;

		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int err = -1000;

			t = tgenl_open();
			if (t)
				err = requests(t, ring, "gw-o", CPNS_OUTSTANDING_MAX, &ack);
			if (write(p[1], &err, sizeof(err)) != sizeof(err))
				_exit(2);
			pause();
			_exit(3);
		}
		close(p[1]);
		ASSERT_EQ(sizeof(res), read(p[0], &res, sizeof(res)));
		close(p[0]);
		EXPECT_EQ(0, res) TH_LOG("process %d filling the namespace", k);
		kill(pid, SIGKILL);
		ASSERT_EQ(200 + SIGKILL, wait_child(pid));
	}
	t = tgenl_open();
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, requests(t, ring, "gw-o", 1, &ack)) TH_LOG("%s", ack.msg);
	tgenl_close(t);
}

/*
 * cpnsctl gw assign killed while it waits for the server: its slot is
 * freed.  The test is the server: it takes the connection, reads the
 * REQUEST's header and never answers.
 */
TEST_F_TIMEOUT(gw, killed_cpnsctl_frees_its_slot, 300)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char serial[16], server[32], hdr[12];
	struct fx_ack ack;
	struct tgenl *t;
	int32_t ring;
	int lfd, cfd, pwfd, one = 1;
	pid_t pid;

	if (access("/usr/sbin/cpnsctl", X_OK))
		SKIP(return, "no cpnsctl");
	ring = fresh_gw();
	ASSERT_LT(0, ring);
	ASSERT_EQ(0, system("ip link set lo up"));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&sa, &sl));
	snprintf(server, sizeof(server), "127.0.0.1:%u", ntohs(sa.sin_port));
	snprintf(serial, sizeof(serial), "%d", ring);
	pwfd = open("/tmp/cpns-outstanding.pw", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, pwfd);
	ASSERT_EQ(8, write(pwfd, "password", 8));
	close(pwfd);

	t = tgenl_open();
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, requests(t, ring, "gw-o", CPNS_OUTSTANDING_MAX - 1, &ack));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl("/usr/sbin/cpnsctl", "cpnsctl", "gw", "assign", "--server", server,
		      "--gw-id", "gw-o", "--user", "alice", "--entity", "pne-o",
		      "--password-file", "/tmp/cpns-outstanding.pw", "--keyring", serial,
		      "--timeout", "60", (char *)NULL);
		_exit(127);
	}
	cfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(12, recv(cfd, hdr, sizeof(hdr), MSG_WAITALL));
	/* its request is outstanding: the namespace is full */
	EXPECT_EQ(-EBUSY, requests(t, ring, "gw-o", 1, &ack));
	kill(pid, SIGKILL);
	EXPECT_EQ(200 + SIGKILL, wait_child(pid));
	EXPECT_EQ(0, requests(t, ring, "gw-o", 1, &ack)) TH_LOG("%s", ack.msg);
	EXPECT_EQ(-EBUSY, requests(t, ring, "gw-o", 1, &ack));
	close(cfd);
	close(lfd);
	unlink("/tmp/cpns-outstanding.pw");
	tgenl_close(t);
}

/*
 * userns=1: a child that owns a user and a network namespace fills its
 * namespace, tells the parent how it went, and waits to be killed.
 */
static pid_t ns_filler(int n, int *result)
{
	struct fx_ack ack;
	struct tgenl *t;
	int32_t ring;
	int p[2], err;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			_exit(1);
		ring = tk_fresh_keyring();
		t = tgenl_open();
		if (ring < 0 || !t || tk_add("psk:gw-u", psk, sizeof(psk), ring) < 0)
			_exit(2);
		err = requests(t, ring, "gw-u", n, &ack);
		if (write(p[1], &err, sizeof(err)) != sizeof(err))
			_exit(3);
		pause();
		_exit(4);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], result, sizeof(*result)) != sizeof(*result))
		*result = -1000;
	close(p[0]);
	return pid;
}

TEST_F_TIMEOUT(gw, user_namespaces_share_one_bound, 600)
{
	const int full = CPNS_OUTSTANDING_USERNS_MAX / CPNS_OUTSTANDING_MAX;
	pid_t pid[CPNS_OUTSTANDING_USERNS_MAX / CPNS_OUTSTANDING_MAX + 2];
	struct fx_ack ack;
	struct tgenl *t;
	int32_t ring;
	int k, res;

	ASSERT_EQ(0, tgenl_module_reload("userns=1"));
	for (k = 0; k < full; k++) {
		pid[k] = ns_filler(CPNS_OUTSTANDING_MAX, &res);
		ASSERT_LT(0, pid[k]);
		EXPECT_EQ(0, res) TH_LOG("namespace %d", k);
	}
	/* the next user namespace gets nothing */
	pid[full] = ns_filler(1, &res);
	ASSERT_LT(0, pid[full]);
	EXPECT_EQ(-EBUSY, res);

	/* a namespace of the initial user namespace is not counted */
	ring = fresh_gw();
	ASSERT_LT(0, ring);
	t = tgenl_open();
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, requests(t, ring, "gw-o", 1, &ack));
	tgenl_close(t);

	/* one namespace gone: its slots are free for another */
	kill(pid[0], SIGKILL);
	EXPECT_EQ(200 + SIGKILL, wait_child(pid[0]));
	pid[full + 1] = ns_filler(CPNS_OUTSTANDING_MAX, &res);
	ASSERT_LT(0, pid[full + 1]);
	EXPECT_EQ(0, res);
	for (k = 1; k < full + 2; k++) {
		kill(pid[k], SIGKILL);
		wait_child(pid[k]);
	}
	ASSERT_EQ(0, tgenl_module_reload(""));
}

TEST_HARNESS_MAIN
