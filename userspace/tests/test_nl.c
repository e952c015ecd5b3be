// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of nl.c that need no cpns module: the reply policy,
 * the extended ACK parser (on crafted messages, then on real errors from
 * the host kernel's nlctrl family, capped and not), secret wiping, libnl
 * error mapping.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "nl.h"
#include "ktap.h"

#define FAKE_FAMILY 0x42

static struct nl_msg *genl_new(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, 1, 7, FAKE_FAMILY, 0, 0, cmd, CPNS_GENL_VERSION);
	return msg;
}

/* An NLMSG_ERROR for @req with @error and TLVs, capped or not. */
static struct nl_msg *error_for(struct nl_msg *req, int error, bool capped,
				const char *text, int miss_type, int offs)
{
	struct nlmsghdr *rq = nlmsg_hdr(req);
	size_t payload = sizeof(struct nlmsgerr);
	struct nlmsgerr *e;
	struct nl_msg *msg;
	struct nlmsghdr *nlh;

	if (!capped)
		payload += rq->nlmsg_len - NLMSG_HDRLEN;
	msg = nlmsg_alloc();
	nlh = nlmsg_put(msg, 0, rq->nlmsg_seq, NLMSG_ERROR, (int)payload, 0);
	e = nlmsg_data(nlh);
	e->error = error;
	memcpy(&e->msg, rq, capped ? sizeof(*rq) : rq->nlmsg_len);
	nlh->nlmsg_flags |= capped ? NLM_F_CAPPED : 0;
	if (text || miss_type >= 0 || offs >= 0)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (text)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
	if (miss_type >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_MISS_TYPE, (uint32_t)miss_type);
	if (offs >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	return msg;
}

/* Offset, from the start of @msg, of its first attribute of @type. */
static int offset_of(struct nl_msg *msg, int type)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem)
		if (nla_type(a) == type)
			return (int)((char *)a - (char *)nlh);
	return -1;
}

static void test_crafted_extack(void)
{
	struct nl_msg *req = genl_new(CPNS_CMD_GW_REQUEST), *err;
	char buf[256];

	nla_put_s32(req, CPNS_A_KEYRING, -4);
	nla_put(req, CPNS_A_GW_ID, 3, "gw1");
	nla_put(req, CPNS_A_HPW, 5, "short");

	err = error_for(req, -EINVAL, true, "missing attribute", CPNS_A_USER_ID, -1);
	cpns_extack_format(buf, sizeof(buf), nlmsg_hdr(err), req);
	KTAP_CHECK(!strcmp(buf, "missing attribute, missing attribute CPNS_A_USER_ID"),
		   "capped error: message and missing attribute named (%s)", buf);
	nlmsg_free(err);

	err = error_for(req, -EINVAL, false, "wrong length",
			-1, offset_of(req, CPNS_A_HPW));
	cpns_extack_format(buf, sizeof(buf), nlmsg_hdr(err), req);
	KTAP_CHECK(!strcmp(buf, "wrong length, attribute CPNS_A_HPW"),
		   "uncapped error: offset names the attribute sent (%s)", buf);
	nlmsg_free(err);

	err = error_for(req, -EINVAL, true, NULL, -1, 2);
	cpns_extack_format(buf, sizeof(buf), nlmsg_hdr(err), req);
	KTAP_CHECK(!strcmp(buf, ""), "offset inside the headers is ignored");
	nlmsg_free(err);

	err = error_for(req, -ENOKEY, true, NULL, -1, -1);
	strcpy(buf, "stale");
	cpns_extack_format(buf, sizeof(buf), nlmsg_hdr(err), req);
	KTAP_CHECK(!strcmp(buf, ""), "no TLVs: empty extack");
	nlmsg_free(err);

	err = error_for(req, -EINVAL, true, "a rather long message from the kernel", -1, -1);
	cpns_extack_format(buf, 8, nlmsg_hdr(err), NULL);
	KTAP_CHECK(strlen(buf) == 7 && !strncmp(buf, "a rathe", 7),
		   "a small buffer truncates and stays terminated");
	nlmsg_free(err);
	nlmsg_free(req);
}

static void test_reply_policy(void)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *msg;
	uint8_t chal[CPNS_CHALLENGE_LEN] = { 1 };

	msg = genl_new(CPNS_CMD_GW_DELIVER);
	nla_put_u8(msg, CPNS_A_STATUS, 0);
	nla_put(msg, CPNS_A_ENTITY_ID, 5, "pne-1");
	nla_put_u32(msg, CPNS_A_EPOCH, 3);
	nla_put_u16(msg, CPNS_A_INDEX, 2);
	nla_put(msg, CPNS_A_CHALLENGE, sizeof(chal), chal);
	nla_put_u32(msg, CPNS_A_MAX + 5, 1);	/* from a newer module: ignored */
	KTAP_CHECK(!cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) &&
		   tb[CPNS_A_INDEX] && nla_get_u16(tb[CPNS_A_INDEX]) == 2 &&
		   nla_get_u32(tb[CPNS_A_EPOCH]) == 3 && !tb[CPNS_A_SEALED],
		   "a good reply parses; unknown attributes ignored");
	nlmsg_free(msg);

	msg = genl_new(CPNS_CMD_GW_DELIVER);
	nla_put_u8(msg, CPNS_A_INDEX, 2);
	KTAP_CHECK(cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) == -EBADMSG,
		   "a short integer is refused");
	nlmsg_free(msg);

	msg = genl_new(CPNS_CMD_GW_DELIVER);
	nla_put(msg, CPNS_A_CHALLENGE, 15, chal);
	KTAP_CHECK(cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) == -EBADMSG,
		   "a 15-byte challenge is refused");
	nlmsg_free(msg);

	msg = genl_new(CPNS_CMD_GET_INFO);
	nla_put(msg, CPNS_A_VERSION, 5, "0.1.0");
	KTAP_CHECK(cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) == -EBADMSG,
		   "a version string without its NUL is refused");
	nlmsg_free(msg);

	msg = genl_new(CPNS_CMD_EVENT);
	nla_put(msg, CPNS_A_ENTITY_ID, CPNS_ID_MAX_LEN + 1,
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	KTAP_CHECK(cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) == -EBADMSG,
		   "a 65-byte identifier is refused");
	nlmsg_free(msg);

	/* Records and sealed parts: the spec's CPNS_SEALED_MIN..CPNS_SEALED_MAX. */
	{
		static uint8_t rec[CPNS_SEALED_MAX + 1];

		msg = genl_new(CPNS_CMD_SRV_SEAL_USER);
		nla_put(msg, CPNS_A_USER_RECORD, CPNS_SEALED_MIN - 1, rec);
		KTAP_CHECK(cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) == -EBADMSG,
			   "a user record shorter than CPNS_SEALED_MIN is refused");
		nlmsg_free(msg);

		msg = genl_new(CPNS_CMD_SRV_RESPOND);
		nla_put(msg, CPNS_A_SEALED, CPNS_SEALED_MAX + 1, rec);
		KTAP_CHECK(cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) == -EBADMSG,
			   "a sealed part longer than CPNS_SEALED_MAX is refused");
		nlmsg_free(msg);

		msg = genl_new(CPNS_CMD_SRV_RESPOND);
		nla_put(msg, CPNS_A_CHAIN_RECORD, CPNS_SEALED_MIN, rec);
		nla_put(msg, CPNS_A_SEALED, CPNS_SEALED_MAX, rec);
		KTAP_CHECK(!cpns_nl_parse_attrs(nlmsg_hdr(msg), tb) &&
			   nla_len(tb[CPNS_A_CHAIN_RECORD]) == CPNS_SEALED_MIN &&
			   nla_len(tb[CPNS_A_SEALED]) == CPNS_SEALED_MAX,
			   "a record and a sealed part at their limits parse");
		nlmsg_free(msg);
	}
}

static void test_free_secret(void)
{
	struct nl_msg *msg = genl_new(CPNS_CMD_SRV_SEAL_USER);
	const unsigned char *p;
	size_t i, size;
	bool zero = true;

	nla_put(msg, CPNS_A_PASSWORD, 11, "hunter2hunt");
	/* Hold a reference so the buffer outlives cpns_msg_free_secret(). */
	nlmsg_get(msg);
	cpns_msg_free_secret(msg);
	p = (const unsigned char *)nlmsg_hdr(msg);
	size = nlmsg_get_max_size(msg);
	for (i = 0; i < size; i++)
		zero &= !p[i];
	KTAP_CHECK(zero && size >= 4096, "cpns_msg_free_secret wipes the whole buffer");
	nlmsg_free(msg);
}

struct live {
	struct nl_msg *sent;
	char buf[256];
	int error;
};

static int live_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct live *l = arg;

	(void)who;
	l->error = e->error;
	cpns_extack_format(l->buf, sizeof(l->buf),
			   (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN), l->sent);
	return NL_STOP;
}

/* A CTRL_CMD_GETFAMILY with a 1-byte CTRL_ATTR_FAMILY_ID: EINVAL/ERANGE + extack. */
static int live_error(bool cap_ack, struct live *l)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg;
	struct nl_cb *cb;
	int one = 1, off = cap_ack ? 1 : 0, ret = -1;

	if (!sk)
		return -1;
	if (genl_connect(sk) ||
	    setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &off, sizeof(off)))
		goto out;
	msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
		    NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	nla_put_u8(msg, CTRL_ATTR_FAMILY_ID, 1);
	l->sent = msg;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_err(cb, NL_CB_CUSTOM, live_err, l);
	if (nl_send_auto(sk, msg) >= 0) {
		int r = nl_recvmsgs(sk, cb);

		if (r < 0 && l->error == 1)
			printf("# nl_recvmsgs: %s\n", nl_geterror(r));
		ret = 0;
	}
	nl_cb_put(cb);
	nlmsg_free(msg);
out:
	nl_socket_free(sk);
	return ret;
}

static void test_live_extack(void)
{
	struct live capped = { .error = 1 }, full = { .error = 1 };

	if (live_error(true, &capped) || capped.error == 1) {
		KTAP_SKIP("kernel extack, capped: no generic netlink here");
		KTAP_SKIP("kernel extack, not capped: no generic netlink here");
		return;
	}
	printf("# nlctrl answered %d (%s)\n", capped.error, strerror(-capped.error));
	/*
	 * The kernel's NLMSGERR_ATTR_OFFS points at the attribute in our
	 * request: type 1, CTRL_ATTR_FAMILY_ID to nlctrl, which the cpns
	 * names call CPNS_A_PAD.
	 */
	KTAP_CHECK((capped.error == -EINVAL || capped.error == -ERANGE) &&
		   strstr(capped.buf, "policy") &&
		   strstr(capped.buf, ", attribute CPNS_A_PAD"),
		   "kernel extack, capped ACK: %s", capped.buf);
	if (live_error(false, &full))
		printf("# socket setup failed\n");
	KTAP_CHECK(full.error == capped.error && !strcmp(full.buf, capped.buf),
		   "kernel extack, uncapped ACK (request echoed): same message");
}

/* cpns_nl_request() against the kernel's own nlctrl family. */
static void test_live_request(void)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct cpns_nl *nl;
	struct nl_msg *msg;
	int err;

	err = cpns_nl_open_family(&nl, "cpns-no-such-family");
	KTAP_CHECK(err == -ENOENT, "an unknown family: -ENOENT (%d)", err);
	if (!err)
		cpns_nl_close(nl);

	if (cpns_nl_open_family(&nl, "nlctrl")) {
		KTAP_SKIP("request answered: no generic netlink here");
		KTAP_SKIP("request refused with extack: no generic netlink here");
		KTAP_SKIP("reply checked against the policy: no generic netlink here");
		return;
	}

	msg = cpns_msg(nl, CTRL_CMD_GETFAMILY);
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	err = cpns_nl_request(nl, msg, NULL);
	cpns_msg_free_secret(msg);
	KTAP_CHECK(err == 0 && !cpns_nl_extack(nl)[0],
		   "request answered, reply and ACK (%d)", err);

	msg = cpns_msg(nl, CTRL_CMD_GETFAMILY);
	nla_put_u8(msg, CTRL_ATTR_FAMILY_ID, 1);
	err = cpns_nl_request(nl, msg, tb);
	nlmsg_free(msg);
	KTAP_CHECK((err == -EINVAL || err == -ERANGE) &&
		   strstr(cpns_nl_extack(nl), ", attribute CPNS_A_PAD") && !tb[CPNS_A_VERSION],
		   "request refused: %d, extack \"%s\"", err, cpns_nl_extack(nl));

	/*
	 * nlctrl's description of ethtool does not fit the cpns policy: its
	 * CTRL_ATTR_OPS (6, CPNS_A_MASTER's number) is far over 64 bytes.
	 */
	msg = cpns_msg(nl, CTRL_CMD_GETFAMILY);
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "ethtool");
	err = cpns_nl_request(nl, msg, tb);
	nlmsg_free(msg);
	if (err == -ENOENT)
		KTAP_SKIP("reply checked against the policy: no ethtool family");
	else
		KTAP_CHECK(err == -EBADMSG && !tb[CPNS_A_VERSION] &&
		   !strcmp(cpns_nl_extack(nl), "malformed reply from the module"),
		   "a reply failing the policy: -EBADMSG, tb cleared (%d)", err);
	cpns_nl_close(nl);
}

int main(void)
{
	KTAP_BEGIN(21);
	test_crafted_extack();
	test_reply_policy();
	test_free_secret();
	test_live_extack();
	test_live_request();
	KTAP_CHECK(cpns_nlerr_to_errno(-NLE_OBJ_NOTFOUND) == ENOENT &&
		   cpns_nlerr_to_errno(NLE_PERM) == EPERM &&
		   cpns_nlerr_to_errno(-NLE_NOMEM) == ENOMEM &&
		   cpns_nlerr_to_errno(0) == 0 && cpns_nlerr_to_errno(-9999) == EIO,
		   "libnl errors map to errnos");
	return KTAP_END();
}
