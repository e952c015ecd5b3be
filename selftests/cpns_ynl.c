// SPDX-License-Identifier: GPL-2.0
/*
 * The family as the kernel reports it, against the YNL spec: every
 * operation with its permission flags (CTRL_CMD_GETFAMILY) and every
 * attribute of every operation's policy with its type and bounds
 * (CTRL_CMD_GETPOLICY), line for line as selftests/host/ynl_spec.py
 * computes them from Documentation/netlink/specs/cpns.yaml into
 * cpns_ynl.expected (beside the program, or $CPNS_YNL_EXPECTED).  An
 * operation or attribute in one and not the other fails, naming it.
 */

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kselftest_harness.h"
#include "genl.h"

#define MAX_LINES 512
#define LINE 160

struct lines {
	char l[MAX_LINES][LINE];
	int n;
};

static void add(struct lines *ls, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct lines *ls, const char *fmt, ...)
{
	va_list ap;

	if (ls->n == MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(ls->l[ls->n++], LINE, fmt, ap);
	va_end(ap);
}

static bool has(const struct lines *ls, const char *l)
{
	int i;

	for (i = 0; i < ls->n; i++)
		if (!strcmp(ls->l[i], l))
			return true;
	return false;
}

/* The expected file's lines starting with prefix, comments and spaces cut. */
static int load_expected(struct lines *ls, const char *prefix)
{
	char path[PATH_MAX], self[PATH_MAX], buf[LINE];
	const char *env = getenv("CPNS_YNL_EXPECTED");
	ssize_t n;
	FILE *f;

	if (env) {
		snprintf(path, sizeof(path), "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -1;
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/cpns_ynl.expected", dirname(self));
	}
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		char *c = strchr(buf, '#');

		if (c)
			*c = '\0';
		for (c = buf + strlen(buf); c > buf && (c[-1] == ' ' || c[-1] == '\n'); c--)
			c[-1] = '\0';
		if (*buf && !strncmp(buf, prefix, strlen(prefix)))
			add(ls, "%s", buf);
	}
	fclose(f);
	return 0;
}

static const char *const type_names[] = {
	[NL_ATTR_TYPE_FLAG] = "flag", [NL_ATTR_TYPE_U8] = "u8",
	[NL_ATTR_TYPE_U16] = "u16", [NL_ATTR_TYPE_U32] = "u32",
	[NL_ATTR_TYPE_U64] = "u64", [NL_ATTR_TYPE_S8] = "s8",
	[NL_ATTR_TYPE_S16] = "s16", [NL_ATTR_TYPE_S32] = "s32",
	[NL_ATTR_TYPE_S64] = "s64", [NL_ATTR_TYPE_BINARY] = "binary",
	[NL_ATTR_TYPE_STRING] = "string", [NL_ATTR_TYPE_NUL_STRING] = "nul-string",
	[NL_ATTR_TYPE_NESTED] = "nested", [NL_ATTR_TYPE_NESTED_ARRAY] = "nested-array",
	[NL_ATTR_TYPE_BITFIELD32] = "bitfield32",
};

/* One attribute of a policy as a line: "TYPE [min= max=] [minlen= maxlen=]". */
static void attr_line(struct nlattr *a, char *out, size_t len)
{
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];
	uint32_t type;
	size_t off;

	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, a, NULL) ||
	    !tb[NL_POLICY_TYPE_ATTR_TYPE]) {
		snprintf(out, len, "unparsable");
		return;
	}
	type = nla_get_u32(tb[NL_POLICY_TYPE_ATTR_TYPE]);
	off = snprintf(out, len, "%s", type < sizeof(type_names) / sizeof(type_names[0]) &&
		       type_names[type] ? type_names[type] : "type?");
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_S] && tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_S])
		off += snprintf(out + off, len - off, " min=%lld max=%lld",
				(long long)nla_get_s64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_S]),
				(long long)nla_get_s64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_S]));
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] && tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U])
		off += snprintf(out + off, len - off, " min=%llu max=%llu",
				(unsigned long long)nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]),
				(unsigned long long)nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]));
	if (tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH])
		off += snprintf(out + off, len - off, " minlen=%u",
				nla_get_u32(tb[NL_POLICY_TYPE_ATTR_MIN_LENGTH]));
	if (tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH])
		off += snprintf(out + off, len - off, " maxlen=%u",
				nla_get_u32(tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH]));
	if (tb[NL_POLICY_TYPE_ATTR_MASK])
		snprintf(out + off, len - off, " mask=%llx",
			 (unsigned long long)nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MASK]));
}

#define MAX_POLICIES 64

/* What CTRL_CMD_GETPOLICY says: each op's policy index, each policy's attributes. */
struct dump {
	int op_policy[256];	/* -1: none */
	struct lines attrs[MAX_POLICIES];	/* "ATTR TYPE ..." per policy index */
	struct lines ops;	/* from CTRL_CMD_GETFAMILY */
	int err;
};

static int policy_cb(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *p, *a, *op;
	int rem, rem2;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL))
		return NL_SKIP;
	if (tb[CTRL_ATTR_OP_POLICY])
		nla_for_each_nested(op, tb[CTRL_ATTR_OP_POLICY], rem) {
			struct nlattr *t[CTRL_ATTR_POLICY_DUMP_MAX + 1];

			if (nla_type(op) > 255 ||
			    nla_parse_nested(t, CTRL_ATTR_POLICY_DUMP_MAX, op, NULL))
				continue;
			/* the spec has no dump: only do's policies are compared */
			if (t[CTRL_ATTR_POLICY_DO])
				d->op_policy[nla_type(op)] = nla_get_u32(t[CTRL_ATTR_POLICY_DO]);
		}
	if (tb[CTRL_ATTR_POLICY])
		nla_for_each_nested(p, tb[CTRL_ATTR_POLICY], rem) {
			if (nla_type(p) >= MAX_POLICIES) {
				d->err = -E2BIG;
				continue;
			}
			nla_for_each_nested(a, p, rem2) {
				char l[LINE];

				attr_line(a, l, sizeof(l));
				add(&d->attrs[nla_type(p)], "%d %s", nla_type(a), l);
			}
		}
	return NL_OK;
}

static int family_cb(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *op;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) ||
	    !tb[CTRL_ATTR_OPS])
		return NL_SKIP;
	nla_for_each_nested(op, tb[CTRL_ATTR_OPS], rem) {
		struct nlattr *t[CTRL_ATTR_OP_MAX + 1];
		uint32_t f;

		if (nla_parse_nested(t, CTRL_ATTR_OP_MAX, op, NULL) || !t[CTRL_ATTR_OP_ID])
			continue;
		f = t[CTRL_ATTR_OP_FLAGS] ? nla_get_u32(t[CTRL_ATTR_OP_FLAGS]) : 0;
		add(&d->ops, "op %u flags=%s", nla_get_u32(t[CTRL_ATTR_OP_ID]),
		    (f & GENL_UNS_ADMIN_PERM) && (f & GENL_ADMIN_PERM) ?
		    "admin-perm,uns-admin-perm" : f & GENL_UNS_ADMIN_PERM ?
		    "uns-admin-perm" : f & GENL_ADMIN_PERM ? "admin-perm" : "none");
	}
	return NL_OK;
}

static int ctrl(struct nl_sock *sk, uint8_t cmd, int flags, nl_recvmsg_msg_cb_t cb,
		struct dump *d)
{
	struct nl_msg *m = nlmsg_alloc();
	int err;

	if (!m)
		return -ENOMEM;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, flags, cmd, 1) ||
	    nla_put_string(m, CTRL_ATTR_FAMILY_NAME, CPNS_GENL_NAME)) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, d);
	err = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (err < 0)
		return err;
	err = nl_recvmsgs_default(sk);
	return err < 0 ? err : d->err;
}

static struct dump *dump_family(void)
{
	struct dump *d = calloc(1, sizeof(*d));
	struct nl_sock *sk = nl_socket_alloc();
	int i;

	if (!d || !sk || genl_connect(sk) || genl_ctrl_resolve(sk, CPNS_GENL_NAME) < 0)
		goto fail;
	/* one answer per request: an ACK left unread would end the next dump */
	nl_socket_disable_auto_ack(sk);
	for (i = 0; i < 256; i++)
		d->op_policy[i] = -1;
	if (ctrl(sk, CTRL_CMD_GETFAMILY, 0, family_cb, d) ||
	    ctrl(sk, CTRL_CMD_GETPOLICY, NLM_F_DUMP, policy_cb, d))
		goto fail;
	nl_socket_free(sk);
	return d;
fail:
	if (sk)
		nl_socket_free(sk);
	free(d);
	return NULL;
}

/* Every line of want in got and every line of got in want, else name them. */
static int compare(struct __test_metadata *_metadata, const struct lines *want,
		   const struct lines *got)
{
	int i, bad = 0;

	for (i = 0; i < want->n; i++)
		if (!has(got, want->l[i])) {
			TH_LOG("spec, not kernel: %s", want->l[i]);
			bad++;
		}
	for (i = 0; i < got->n; i++)
		if (!has(want, got->l[i])) {
			TH_LOG("kernel, not spec: %s", got->l[i]);
			bad++;
		}
	return bad;
}

/* CTRL_CMD_GETFAMILY: the operations and their permission flags. */
TEST(ops_as_spec)
{
	static struct lines want;
	struct dump *d = dump_family();

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, load_expected(&want, "op ")) TH_LOG("no cpns_ynl.expected");
	ASSERT_LT(0, want.n);
	EXPECT_EQ(0, compare(_metadata, &want, &d->ops));
	free(d);
}

/* CTRL_CMD_GETPOLICY: each operation's attributes, types and bounds. */
TEST(policies_as_spec)
{
	static struct lines want, got;
	struct dump *d = dump_family();
	int op, i;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, load_expected(&want, "policy ")) TH_LOG("no cpns_ynl.expected");
	ASSERT_LT(0, want.n);
	for (op = 0; op < 256; op++) {
		int p = d->op_policy[op];

		if (p < 0)
			continue;
		ASSERT_LT(p, MAX_POLICIES);
		for (i = 0; i < d->attrs[p].n; i++)
			add(&got, "policy %d %s", op, d->attrs[p].l[i]);
	}
	ASSERT_LT(0, got.n);
	EXPECT_EQ(0, compare(_metadata, &want, &got));
	free(d);
}

TEST_HARNESS_MAIN
