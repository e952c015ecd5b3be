// SPDX-License-Identifier: GPL-2.0
/*
 * A small generic netlink client for the cpns selftests: see genl.h.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netlink/genl/ctrl.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int tgenl_libnl_errno(int nlerr)
{
	switch (nlerr) {
	case -NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case -NLE_NOMEM:
		return -ENOMEM;
	case -NLE_PERM:
		return -EPERM;
	case -NLE_NOACCESS:
		return -EACCES;
	case -NLE_INVAL:
		return -EINVAL;
	case -NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case -NLE_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

struct tgenl *tgenl_open_family(const char *name)
{
	struct tgenl *t;
	int one = 1, err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->sk = nl_socket_alloc();
	if (!t->sk) {
		err = -ENOMEM;
		goto err_free;
	}
	err = genl_connect(t->sk);
	if (err) {
		err = tgenl_libnl_errno(err);
		goto err_sock;
	}
	if (setsockopt(nl_socket_get_fd(t->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)) ||
	    setsockopt(nl_socket_get_fd(t->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one))) {
		err = -errno;
		goto err_sock;
	}
	t->family = genl_ctrl_resolve(t->sk, name);
	if (t->family < 0) {
		err = tgenl_libnl_errno(t->family);
		goto err_sock;
	}
	return t;

err_sock:
	nl_socket_free(t->sk);
err_free:
	free(t);
	errno = -err;
	return NULL;
}

struct tgenl *tgenl_open(void)
{
	return tgenl_open_family(CPNS_GENL_NAME);
}

static void tgenl_drop_reply(struct tgenl *t)
{
	if (t->reply)
		nlmsg_free(t->reply);
	t->reply = NULL;
	memset(t->tb, 0, sizeof(t->tb));
}

void tgenl_close(struct tgenl *t)
{
	if (!t)
		return;
	tgenl_drop_reply(t);
	nl_socket_free(t->sk);
	free(t);
}

struct nl_msg *tgenl_msg(struct tgenl *t, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0, 0, cmd,
			 CPNS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct fx_wait {
	struct tgenl *t;
	int done;
	struct fx_ack *ack;
	const uint8_t *sent;	/* a copy of the request */
	size_t sent_len;
};

static int fx_valid_cb(struct nl_msg *msg, void *arg)
{
	struct fx_wait *w = arg;
	struct tgenl *t = w->t;

	tgenl_drop_reply(t);
	if (genlmsg_parse(nlmsg_hdr(msg), 0, t->tb, CPNS_A_MAX, NULL)) {
		memset(t->tb, 0, sizeof(t->tb));
		w->ack->err = -EBADMSG;
		return NL_SKIP;
	}
	nlmsg_get(msg);
	t->reply = msg;
	return NL_OK;
}

static void fx_parse_tlvs(struct fx_wait *w, struct nlmsghdr *nlh,
			  struct nlmsgerr *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*nlh) + sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      nlh->nlmsg_len - off, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(w->ack->msg, sizeof(w->ack->msg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		w->ack->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_OFFS]) {
		uint32_t o = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);

		if (o + sizeof(struct nlattr) <= w->sent_len) {
			const struct nlattr *a = (const void *)(w->sent + o);

			w->ack->bad_attr = a->nla_type & NLA_TYPE_MASK;
		} else {
			w->ack->bad_attr = -2;	/* out of the message */
		}
	}
}

static int fx_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct fx_wait *w = arg;

	(void)nla;
	w->ack->err = e->error;
	w->done = 1;
	fx_parse_tlvs(w, nlh, e);
	return NL_STOP;
}

static int fx_ack_cb(struct nl_msg *msg, void *arg)
{
	struct fx_wait *w = arg;

	(void)msg;
	w->done = 1;
	return NL_STOP;
}

int fx_call(struct tgenl *t, struct nl_msg *msg, struct nlattr **tb,
	    struct fx_ack *ack)
{
	struct fx_ack local;
	struct fx_wait w = { .t = t };
	struct nlmsghdr *h;
	struct nl_cb *cb;
	uint8_t *copy;
	int err;

	if (!ack)
		ack = &local;
	memset(ack, 0, sizeof(*ack));
	ack->bad_attr = -1;
	w.ack = ack;
	tgenl_drop_reply(t);
	if (tb)
		memset(tb, 0, sizeof(*tb) * (CPNS_A_MAX + 1));
	if (!msg)
		return ack->err = -ENOMEM;

	h = nlmsg_hdr(msg);
	copy = malloc(h->nlmsg_len);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!copy || !cb) {
		free(copy);
		if (cb)
			nl_cb_put(cb);
		nlmsg_free(msg);
		return ack->err = -ENOMEM;
	}
	memcpy(copy, h, h->nlmsg_len);
	w.sent = copy;
	w.sent_len = h->nlmsg_len;

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fx_valid_cb, &w);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, fx_ack_cb, &w);
	nl_cb_err(cb, NL_CB_CUSTOM, fx_err_cb, &w);

	err = nl_send_auto(t->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		ack->err = tgenl_libnl_errno(err);
		goto out;
	}
	while (!w.done) {
		err = nl_recvmsgs(t->sk, cb);
		if (err < 0 && !w.done) {
			if (!ack->err)
				ack->err = tgenl_libnl_errno(err);
			break;
		}
	}
out:
	nl_cb_put(cb);
	free(copy);
	if (ack->err) {
		tgenl_drop_reply(t);
		return ack->err;
	}
	if (tb)
		memcpy(tb, t->tb, sizeof(*tb) * (CPNS_A_MAX + 1));
	return 0;
}

int tgenl_call(struct tgenl *t, struct nl_msg *msg, struct nlattr **tb,
	       char *extack, size_t extack_len)
{
	struct fx_ack ack;
	int err = fx_call(t, msg, tb, &ack);

	if (extack && extack_len)
		snprintf(extack, extack_len, "%s", ack.msg);
	return err;
}

int tgenl_cmd(struct tgenl *t, uint8_t cmd, struct nlattr **tb,
	      char *extack, size_t extack_len)
{
	struct nl_msg *msg = tgenl_msg(t, cmd);

	if (!msg)
		return -ENOMEM;
	return tgenl_call(t, msg, tb, extack, extack_len);
}

int tgenl_drop_privileges(uid_t uid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	int cap;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -errno;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

int tgenl_module_reload(const char *params)
{
	char cmd[256];
	int rc;

	rc = system("modprobe -r cpns 2>/dev/null; test ! -e /sys/module/cpns");
	if (rc)
		return -EBUSY;
	if (!params)
		return 0;
	snprintf(cmd, sizeof(cmd), "modprobe cpns %s", params);
	rc = system(cmd);
	return rc ? -EINVAL : 0;
}
