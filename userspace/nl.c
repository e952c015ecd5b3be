// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink layer of cpnsctl (see nl.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "nl.h"
#include "names.h"
#include "cpns_attrs.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct cpns_nl {
	struct nl_sock *sk;		/* requests */
	struct nl_sock *ev;		/* events, once subscribed */
	int family;
	struct nl_msg *reply;		/* holds the attributes of the last reply */
	char extack[512];
};

/*
 * What a reply or an event may carry, checked before anyone reads it, so
 * that nla_get_*() never reads past an attribute: every attribute of the
 * spec with its type and bounds (cpns_attrs.h, generated from it).  Byte
 * strings are NLA_UNSPEC with their bounds; strings must end in a NUL.
 */
#define REPLY_PAD(lo, hi)	{ .type = NLA_UNSPEC }
#define REPLY_STRING(lo, hi)	{ .type = NLA_STRING, .minlen = 1, .maxlen = (hi) }
#define REPLY_NESTED(lo, hi)	{ .type = NLA_NESTED }
#define REPLY_FLAG(lo, hi)	{ .type = NLA_FLAG }
#define REPLY_U8(lo, hi)	{ .type = NLA_U8, .maxlen = 1 }
#define REPLY_U16(lo, hi)	{ .type = NLA_U16, .maxlen = 2 }
#define REPLY_U32(lo, hi)	{ .type = NLA_U32, .maxlen = 4 }
#define REPLY_S32(lo, hi)	{ .type = NLA_U32, .maxlen = 4 }
#define REPLY_U64(lo, hi)	{ .type = NLA_U64, .maxlen = 8 }
#define REPLY_BINARY(lo, hi)	{ .type = NLA_UNSPEC, .minlen = (lo), .maxlen = (hi) }
#define REPLY(e, s, n, type, check, lo, hi) [e] = REPLY_##type(lo, hi),
static struct nla_policy cpns_reply_policy[CPNS_A_MAX + 1] = {
	CPNS_SET_CPNS(REPLY)
};
#undef REPLY

int cpns_nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:		return 0;
	case NLE_INTR:			return EINTR;
	case NLE_BAD_SOCK:		return EBADF;
	case NLE_AGAIN:			return EAGAIN;
	case NLE_NOMEM:			return ENOMEM;
	case NLE_EXIST:			return EEXIST;
	case NLE_INVAL:			return EINVAL;
	case NLE_RANGE:			return ERANGE;
	case NLE_MSGSIZE:		return EMSGSIZE;
	case NLE_OPNOTSUPP:		return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:		return EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:		return ENOENT;
	case NLE_NOATTR:		return ENOENT;
	case NLE_MISSING_ATTR:		return EBADMSG;
	case NLE_SEQ_MISMATCH:		return EILSEQ;
	case NLE_MSG_OVERFLOW:		return EOVERFLOW;
	case NLE_MSG_TRUNC:		return EMSGSIZE;
	case NLE_NOADDR:		return EADDRNOTAVAIL;
	case NLE_MSG_TOOSHORT:		return EBADMSG;
	case NLE_MSGTYPE_NOSUPPORT:	return EOPNOTSUPP;
	case NLE_BUSY:			return EBUSY;
	case NLE_PROTO_MISMATCH:	return EPROTONOSUPPORT;
	case NLE_NOACCESS:		return EACCES;
	case NLE_PERM:			return EPERM;
	case NLE_PARSE_ERR:		return EBADMSG;
	case NLE_NODEV:			return ENODEV;
	case NLE_DUMP_INTR:		return EINTR;
	case NLE_ATTRSIZE:		return EBADMSG;
	default:			return EIO;
	}
}

static int set_sockopt(struct nl_sock *sk, int opt)
{
	int one = 1;

	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, opt, &one,
		       sizeof(one)) < 0)
		return -errno;
	return 0;
}

static int new_socket(struct nl_sock **skp)
{
	struct nl_sock *sk;
	int err;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = genl_connect(sk);
	if (err < 0) {
		err = -cpns_nlerr_to_errno(err);
		goto out_free;
	}
	/* Error TLVs (the kernel's message), and no echo of the request. */
	err = set_sockopt(sk, NETLINK_EXT_ACK);
	if (!err)
		err = set_sockopt(sk, NETLINK_CAP_ACK);
	if (err)
		goto out_free;
	nl_socket_enable_msg_peek(sk);
	*skp = sk;
	return 0;

out_free:
	nl_socket_free(sk);
	return err;
}

int cpns_nl_open(struct cpns_nl **nlp)
{
	return cpns_nl_open_family(nlp, CPNS_GENL_NAME);
}

int cpns_nl_open_family(struct cpns_nl **nlp, const char *name)
{
	struct cpns_nl *nl;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	err = new_socket(&nl->sk);
	if (err)
		goto out_free;
	/* CTRL_CMD_GETFAMILY runs request_module("net-pf-16-proto-16-family-cpns"). */
	nl->family = genl_ctrl_resolve(nl->sk, name);
	if (nl->family < 0) {
		err = -cpns_nlerr_to_errno(nl->family);
		goto out_sock;
	}
	*nlp = nl;
	return 0;

out_sock:
	nl_socket_free(nl->sk);
out_free:
	free(nl);
	return err;
}

void cpns_nl_close(struct cpns_nl *nl)
{
	if (!nl)
		return;
	if (nl->reply)
		nlmsg_free(nl->reply);
	if (nl->ev)
		nl_socket_free(nl->ev);
	nl_socket_free(nl->sk);
	free(nl);
}

struct nl_msg *cpns_msg(struct cpns_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 NLM_F_REQUEST | NLM_F_ACK, cmd, CPNS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

void cpns_msg_free_secret(struct nl_msg *msg)
{
	if (!msg)
		return;
	explicit_bzero(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
}

const char *cpns_nl_extack(const struct cpns_nl *nl)
{
	return nl->extack;
}

void cpns_nl_perror(const struct cpns_nl *nl, const char *op, int err)
{
	if (nl && nl->extack[0])
		fprintf(stderr, "cpnsctl: %s: %s (%s)\n", op, strerror(-err),
			nl->extack);
	else
		fprintf(stderr, "cpnsctl: %s: %s\n", op, strerror(-err));
}

/* Name of the attribute at byte offset @offs of the request @sent. */
static const char *attr_at(struct nl_msg *sent, uint32_t offs)
{
	struct nlmsghdr *nlh;
	struct nlattr *nla;

	if (!sent)
		return NULL;
	nlh = nlmsg_hdr(sent);
	if (offs < NLMSG_HDRLEN + GENL_HDRLEN ||
	    offs + NLA_HDRLEN > nlh->nlmsg_len)
		return NULL;
	nla = (struct nlattr *)((char *)nlh + offs);
	return cpns_attr_name(nla_type(nla));
}

void cpns_extack_format(char *buf, size_t size, const struct nlmsghdr *nlh,
			struct nl_msg *sent)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;
	size_t off, len;
	const char *name;
	int n = 0;

	buf[0] = '\0';
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e) ||
	    !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	e = nlmsg_data(nlh);
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (nlh->nlmsg_len <= off)
		return;
	len = nlh->nlmsg_len - off;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      len, NULL) < 0)
		return;

	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0)
		n = snprintf(buf, size, "%.*s",
			     (int)strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
					  nla_len(tb[NLMSGERR_ATTR_MSG])),
			     (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (n < 0 || (size_t)n >= size)
		return;
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4) {
		uint32_t t = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);

		name = cpns_attr_name(t);
		if (name)
			snprintf(buf + n, size - n,
				 "%smissing attribute %s", n ? ", " : "", name);
		else
			snprintf(buf + n, size - n,
				 "%smissing attribute %u", n ? ", " : "", t);
	} else if (tb[NLMSGERR_ATTR_OFFS] &&
		   nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4) {
		name = attr_at(sent, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));
		if (name)
			snprintf(buf + n, size - n,
				 "%sattribute %s", n ? ", " : "", name);
	}
}

int cpns_nl_parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb)
{
	int err;

	err = genlmsg_parse(nlh, 0, tb, CPNS_A_MAX, cpns_reply_policy);
	return err < 0 ? -EBADMSG : 0;
}

struct req_state {
	struct cpns_nl *nl;
	struct nl_msg *sent;
	struct nlattr **tb;
	uint32_t seq;
	int err;
	int done;
};

static int req_seq_check(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == st->seq ? NL_OK : NL_SKIP;
}

static int req_valid(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type != st->nl->family)
		return NL_SKIP;
	if (st->tb) {
		if (cpns_nl_parse_attrs(nlh, st->tb)) {
			snprintf(st->nl->extack, sizeof(st->nl->extack),
				 "malformed reply from the module");
			st->err = -EBADMSG;
			return NL_SKIP;
		}
	}
	/* Keep the message alive: tb points into it. */
	if (st->nl->reply)
		nlmsg_free(st->nl->reply);
	nlmsg_get(msg);
	st->nl->reply = msg;
	return NL_OK;
}

static int req_ack(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;

	/* An ACK may carry a warning in its TLVs; keep our own message. */
	if (!st->err)
		cpns_extack_format(st->nl->extack, sizeof(st->nl->extack),
				   nlmsg_hdr(msg), st->sent);
	st->done = 1;
	return NL_STOP;
}

static int req_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct req_state *st = arg;
	const struct nlmsghdr *nlh;

	(void)who;
	nlh = (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	cpns_extack_format(st->nl->extack, sizeof(st->nl->extack), nlh,
			   st->sent);
	st->err = e->error < 0 ? e->error : -EIO;
	st->done = 1;
	return NL_STOP;
}

int cpns_nl_request(struct cpns_nl *nl, struct nl_msg *msg, struct nlattr **tb)
{
	struct req_state st = { .nl = nl, .sent = msg, .tb = tb };
	struct nl_cb *cb;
	int err;

	nl->extack[0] = '\0';
	if (tb)
		memset(tb, 0, (CPNS_A_MAX + 1) * sizeof(*tb));
	if (nl->reply) {
		nlmsg_free(nl->reply);
		nl->reply = NULL;
	}

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, req_seq_check, &st);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, req_valid, &st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, req_ack, &st);
	nl_cb_err(cb, NL_CB_CUSTOM, req_err, &st);

	err = nl_send_auto(nl->sk, msg);
	if (err < 0) {
		err = -cpns_nlerr_to_errno(err);
		goto out;
	}
	st.seq = nlmsg_hdr(msg)->nlmsg_seq;

	while (!st.done) {
		err = nl_recvmsgs(nl->sk, cb);
		if (st.done)
			break;
		if (err < 0) {
			err = -cpns_nlerr_to_errno(err);
			goto out;
		}
	}
	err = st.err;
	if (err && tb)
		memset(tb, 0, (CPNS_A_MAX + 1) * sizeof(*tb));
out:
	nl_cb_put(cb);
	return err;
}

int cpns_nl_subscribe(struct cpns_nl *nl)
{
	int grp, err;

	if (nl->ev)
		return 0;
	grp = genl_ctrl_resolve_grp(nl->sk, CPNS_GENL_NAME,
				    CPNS_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return -cpns_nlerr_to_errno(grp);
	err = new_socket(&nl->ev);
	if (err)
		return err;
	nl_socket_disable_seq_check(nl->ev);
	err = nl_socket_set_nonblocking(nl->ev);
	if (!err)
		err = nl_socket_set_buffer_size(nl->ev, 1 << 20, 0);
	if (!err)
		err = nl_socket_add_membership(nl->ev, grp);
	if (err < 0) {
		nl_socket_free(nl->ev);
		nl->ev = NULL;
		return -cpns_nlerr_to_errno(err);
	}
	return 0;
}

int cpns_nl_event_fd(const struct cpns_nl *nl)
{
	return nl->ev ? nl_socket_get_fd(nl->ev) : -1;
}

struct ev_state {
	struct cpns_nl *nl;
	cpns_event_fn fn;
	void *arg;
	int ret;
};

static int ev_valid(struct nl_msg *msg, void *arg)
{
	struct ev_state *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct genlmsghdr *gh;
	int ret;

	if (nlh->nlmsg_type != st->nl->family ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NL_SKIP;
	gh = nlmsg_data(nlh);
	if (gh->cmd != CPNS_CMD_EVENT || cpns_nl_parse_attrs(nlh, tb))
		return NL_SKIP;
	ret = st->fn(tb, st->arg);
	if (ret) {
		st->ret = ret > 0 ? 1 : ret;
		return NL_STOP;
	}
	return NL_OK;
}

static int ev_no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int cpns_nl_recv_events(struct cpns_nl *nl, cpns_event_fn fn, void *arg)
{
	struct ev_state st = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int n;

	if (!nl->ev)
		return -ENOTCONN;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, ev_valid, &st);
	/* Multicast events carry no sequence number of ours. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, ev_no_seq_check, NULL);
	do {
		/* > 0: messages handled; -NLE_AGAIN: nothing left. */
		n = nl_recvmsgs_report(nl->ev, cb);
	} while (n > 0 && !st.ret);
	nl_cb_put(cb);
	if (st.ret)
		return st.ret;
	if (n == -NLE_AGAIN)	/* the queue is empty: wait for the next */
		return 0;
	if (n < 0) {
		/* An overrun (ENOBUFS) is all libnl reports as NLE_NOMEM here. */
		if (n == -NLE_NOMEM)
			return -ENOBUFS;
		return -cpns_nlerr_to_errno(n);
	}
	return 0;
}
