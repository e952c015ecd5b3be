// SPDX-License-Identifier: GPL-2.0
/*
 * The cpns generic netlink family as a real libnl-genl-3 client sees it:
 * resolving it autoloads the module, GET_INFO answers with the version and
 * the profile, attributes it does not take are refused with EINVAL and an
 * extended ACK, and every caller without CAP_NET_ADMIN in the initial user
 * namespace gets EPERM (over its own network namespace is enough only
 * with the module parameter userns=1).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "genl.h"

#define UNPRIV_UID 1000

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return n;
}

static int module_loaded(void)
{
	return access("/sys/module/cpns", F_OK) == 0;
}

/* A NUL-terminated string attribute equal to want. */
static int attr_is_string(const struct nlattr *a, const char *want)
{
	const char *s = nla_data(a);
	int len = nla_len(a);

	return len == (int)strlen(want) + 1 && s[len - 1] == '\0' && !strcmp(s, want);
}

/*
 * Run fn in a child that first becomes uid 1000 without any capability;
 * the child's exit status is fn's return (0: as expected).
 */
static int in_unprivileged_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (tgenl_drop_privileges(UNPRIV_UID))
			_exit(100);
		_exit(fn());
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

TEST(resolve_autoloads_module)
{
	struct tgenl *t;

	if (module_loaded())
		ASSERT_EQ(0, system("modprobe -r cpns"));
	ASSERT_FALSE(module_loaded());
	t = tgenl_open();
	ASSERT_NE(NULL, t) TH_LOG("resolving \"cpns\": %s", strerror(errno));
	EXPECT_GT(t->family, 0);
	EXPECT_TRUE(module_loaded());
	tgenl_close(t);
}

TEST(get_info)
{
	struct nlattr *tb[CPNS_A_MAX + 1], *c[CPNS_COUNTER_A_MAX + 1];
	char ext[256], version[64];
	struct tgenl *t;

	t = tgenl_open();
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, tgenl_cmd(t, CPNS_CMD_GET_INFO, tb, ext, sizeof(ext)))
		TH_LOG("extack: %s", ext);
	EXPECT_STREQ("", ext);

	ASSERT_NE(NULL, tb[CPNS_A_VERSION]);
	ASSERT_GT(nla_len(tb[CPNS_A_VERSION]), 1);
	EXPECT_EQ('\0', ((char *)nla_data(tb[CPNS_A_VERSION]))[nla_len(tb[CPNS_A_VERSION]) - 1]);
	if (read_file("/sys/module/cpns/version", version, sizeof(version)) > 0)
		EXPECT_TRUE(attr_is_string(tb[CPNS_A_VERSION], version))
			TH_LOG("CPNS_A_VERSION \"%s\", modinfo version \"%s\"",
			       nla_get_string(tb[CPNS_A_VERSION]), version);

	ASSERT_NE(NULL, tb[CPNS_A_PROFILE]);
	EXPECT_TRUE(attr_is_string(tb[CPNS_A_PROFILE], CPNS_PROFILE))
		TH_LOG("CPNS_A_PROFILE \"%.*s\"", nla_len(tb[CPNS_A_PROFILE]),
		       (char *)nla_data(tb[CPNS_A_PROFILE]));

	ASSERT_NE(NULL, tb[CPNS_A_COUNTERS]);
	ASSERT_EQ(0, nla_parse_nested(c, CPNS_COUNTER_A_MAX, tb[CPNS_A_COUNTERS], NULL));
	ASSERT_NE(NULL, c[CPNS_COUNTER_A_OPS]);
	EXPECT_EQ(8, nla_len(c[CPNS_COUNTER_A_OPS]));
	tgenl_close(t);
}

TEST(get_info_takes_no_attribute)
{
	char ext[256] = "";
	struct nl_msg *m;
	struct tgenl *t;

	t = tgenl_open();
	ASSERT_NE(NULL, t);
	m = tgenl_msg(t, CPNS_CMD_GET_INFO);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, nla_put(m, CPNS_A_GW_ID, 3, "gw1"));
	EXPECT_EQ(-EINVAL, tgenl_call(t, m, NULL, ext, sizeof(ext)));
	EXPECT_STRNE("", ext) TH_LOG("no extended ACK message");
	tgenl_close(t);
}

TEST(unknown_commands)
{
	struct tgenl *t;

	t = tgenl_open();
	ASSERT_NE(NULL, t);
	EXPECT_EQ(-EOPNOTSUPP, tgenl_cmd(t, CPNS_CMD_UNSPEC, NULL, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP, tgenl_cmd(t, CPNS_CMD_EVENT, NULL, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP, tgenl_cmd(t, CPNS_CMD_MAX + 1, NULL, NULL, 0));
	tgenl_close(t);
}

static int unpriv_get_info(void)
{
	char status[4096], *cap;
	struct tgenl *t;
	int err;

	if (getuid() != UNPRIV_UID || geteuid() != UNPRIV_UID)
		return 1;
	if (read_file("/proc/self/status", status, sizeof(status)) < 0)
		return 2;
	cap = strstr(status, "CapEff:");
	if (!cap || strncmp(cap, "CapEff:\t0000000000000000", 24))
		return 3;
	t = tgenl_open();	/* resolving needs no privilege */
	if (!t)
		return 4;
	err = tgenl_cmd(t, CPNS_CMD_GET_INFO, NULL, NULL, 0);
	tgenl_close(t);
	if (err != -EPERM) {
		fprintf(stderr, "# unprivileged GET_INFO: %d, expected %d\n", err, -EPERM);
		return 5;
	}
	return 0;
}

TEST(unprivileged_gets_eperm)
{
	struct tgenl *t = tgenl_open();	/* make sure the module is there */

	ASSERT_NE(NULL, t);
	tgenl_close(t);
	EXPECT_EQ(0, in_unprivileged_child(unpriv_get_info));
}

static int root_without_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	struct tgenl *t;
	int err;

	t = tgenl_open();
	if (!t)
		return 4;
	if (syscall(SYS_capget, &hdr, d))
		return 1;
	d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, d))
		return 2;
	err = tgenl_cmd(t, CPNS_CMD_GET_INFO, NULL, NULL, 0);
	tgenl_close(t);
	if (err != -EPERM) {
		fprintf(stderr, "# root without CAP_NET_ADMIN: %d, expected %d\n", err, -EPERM);
		return 5;
	}
	return 0;
}

TEST(root_without_cap_net_admin_gets_eperm)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(root_without_net_admin());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static int own_userns_in_init_netns(void)
{
	struct tgenl *t;
	int err;

	/* CAP_NET_ADMIN in a new user namespace that does not own the netns. */
	if (unshare(CLONE_NEWUSER))
		return 6;
	t = tgenl_open();
	if (!t)
		return 4;
	err = tgenl_cmd(t, CPNS_CMD_GET_INFO, NULL, NULL, 0);
	tgenl_close(t);
	if (err != -EPERM) {
		fprintf(stderr, "# userns, init netns: %d, expected %d\n", err, -EPERM);
		return 5;
	}
	return 0;
}

TEST(userns_without_own_netns_gets_eperm)
{
	struct tgenl *t = tgenl_open();

	ASSERT_NE(NULL, t);
	tgenl_close(t);
	EXPECT_EQ(0, in_unprivileged_child(own_userns_in_init_netns));
}

/* GET_INFO from a new user namespace owning a new netns: 0 or the errno. */
static int own_userns_and_netns_err(void)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct tgenl *t;
	int err;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return -1000;
	t = tgenl_open();
	if (!t) {
		fprintf(stderr, "# family not visible in a new netns: %s\n", strerror(errno));
		return -1001;
	}
	err = tgenl_cmd(t, CPNS_CMD_GET_INFO, tb, NULL, 0);
	if (!err && !(tb[CPNS_A_PROFILE] && attr_is_string(tb[CPNS_A_PROFILE], CPNS_PROFILE)))
		err = -1002;
	tgenl_close(t);
	return err;
}

static int own_userns_and_netns_refused(void)
{
	int err = own_userns_and_netns_err();

	if (err != -EPERM) {
		fprintf(stderr, "# userns owning its netns, default: %d, expected %d\n",
			err, -EPERM);
		return 5;
	}
	return 0;
}

static int own_userns_and_netns_allowed(void)
{
	int err = own_userns_and_netns_err();

	if (err) {
		fprintf(stderr, "# userns owning its netns, userns=1: %d, expected 0\n", err);
		return 5;
	}
	return 0;
}

/*
 * By default a command needs CAP_NET_ADMIN in the initial user namespace:
 * a user namespace owning its netns is not enough (unshare -Urn).
 */
TEST(userns_owning_its_netns_gets_eperm_by_default)
{
	ASSERT_EQ(0, tgenl_module_reload(""));
	EXPECT_EQ(0, in_unprivileged_child(own_userns_and_netns_refused));
}

/* With userns=1 it is: GENL_UNS_ADMIN_PERM, CAP_NET_ADMIN over the netns. */
TEST(userns_owning_its_netns_is_allowed_with_userns_1)
{
	char v[8];

	ASSERT_EQ(0, tgenl_module_reload("userns=1"));
	ASSERT_LT(0, read_file("/sys/module/cpns/parameters/userns", v, sizeof(v)));
	EXPECT_STREQ("Y", v);
	EXPECT_EQ(0, in_unprivileged_child(own_userns_and_netns_allowed));
	/* a user namespace without its own netns still has nothing */
	EXPECT_EQ(0, in_unprivileged_child(own_userns_in_init_netns));
	EXPECT_EQ(0, in_unprivileged_child(unpriv_get_info));
	ASSERT_EQ(0, tgenl_module_reload(""));
}

/* The parameter: off by default, read-only, described by modinfo. */
TEST(userns_parameter_default_off_and_documented)
{
	struct stat st;
	char v[8], line[512];
	FILE *f;
	int found = 0;

	ASSERT_EQ(0, tgenl_module_reload(""));
	ASSERT_LT(0, read_file("/sys/module/cpns/parameters/userns", v, sizeof(v)));
	EXPECT_STREQ("N", v);
	ASSERT_EQ(0, stat("/sys/module/cpns/parameters/userns", &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	f = popen("modinfo -p cpns", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "userns:", 7) && strstr(line, "initial user namespace") &&
		    strstr(line, "(bool)"))
			found = 1;
	pclose(f);
	EXPECT_TRUE(found) TH_LOG("modinfo -p cpns has no documented userns: line");
}

/*
 * Strict header checks for every command (resv_start_op 0): a reserved
 * genlmsghdr byte or a netlink flag the core does not consume is EINVAL.
 */
TEST(header_reserved_and_flags_are_checked)
{
	char ext[256] = "";
	struct nl_msg *m;
	struct tgenl *t;

	t = tgenl_open();
	ASSERT_NE(NULL, t);
	m = tgenl_msg(t, CPNS_CMD_GET_INFO);
	ASSERT_NE(NULL, m);
	((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(m)))->reserved = 1;
	EXPECT_EQ(-EINVAL, tgenl_call(t, m, NULL, ext, sizeof(ext)));
	EXPECT_STREQ("genlmsghdr.reserved field is not 0", ext);

	m = tgenl_msg(t, CPNS_CMD_GET_INFO);
	ASSERT_NE(NULL, m);
	nlmsg_hdr(m)->nlmsg_flags |= NLM_F_CREATE;
	EXPECT_EQ(-EINVAL, tgenl_call(t, m, NULL, ext, sizeof(ext)));
	EXPECT_STREQ("ambiguous or reserved bits set in nlmsg_flags", ext);

	EXPECT_EQ(0, tgenl_cmd(t, CPNS_CMD_GET_INFO, NULL, NULL, 0));
	tgenl_close(t);
}

static uint64_t counter(struct nlattr **tb, int which)
{
	struct nlattr *c[CPNS_COUNTER_A_MAX + 1];

	if (!tb[CPNS_A_COUNTERS] ||
	    nla_parse_nested(c, CPNS_COUNTER_A_MAX, tb[CPNS_A_COUNTERS], NULL) ||
	    !c[which])
		return UINT64_MAX;
	return nla_get_u64(c[which]);
}

/* A new network namespace is a node of its own: its counters start at 0. */
TEST(counters_are_per_netns)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct tgenl *t = tgenl_open();
	int status;
	pid_t pid;

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, tgenl_cmd(t, CPNS_CMD_GET_INFO, NULL, NULL, 0));
	ASSERT_EQ(0, tgenl_cmd(t, CPNS_CMD_GET_INFO, tb, NULL, 0));
	ASSERT_LE(1, counter(tb, CPNS_COUNTER_A_OPS));
	tgenl_close(t);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t ops[2], errs;

		if (unshare(CLONE_NEWNET))
			_exit(10);
		t = tgenl_open();
		if (!t)
			_exit(11);
		if (tgenl_cmd(t, CPNS_CMD_GET_INFO, tb, NULL, 0))
			_exit(12);
		ops[0] = counter(tb, CPNS_COUNTER_A_OPS);
		errs = counter(tb, CPNS_COUNTER_A_ERRORS);
		if (tgenl_cmd(t, CPNS_CMD_GET_INFO, tb, NULL, 0))
			_exit(13);
		ops[1] = counter(tb, CPNS_COUNTER_A_OPS);
		tgenl_close(t);
		if (ops[0] != 0 || errs != 0 || ops[1] != 1) {
			fprintf(stderr, "# new netns: ops %llu then %llu, errors %llu; want 0, 1, 0\n",
				(unsigned long long)ops[0], (unsigned long long)ops[1],
				(unsigned long long)errs);
			_exit(1);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
