/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client for the cpns selftests, over libnl-genl-3.
 *
 *	struct tgenl *t = tgenl_open();		// resolves "cpns", autoloads it
 *	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GET_INFO);
 *	nla_put_string(m, CPNS_A_GW_ID, "gw1");	// attributes: libnl's nla_put*
 *	struct nlattr *tb[CPNS_A_MAX + 1];
 *	char ext[256];
 *	int err = tgenl_call(t, m, tb, ext, sizeof(ext));
 *	// err: 0, or the kernel's -errno (e.g. -EPERM); ext: its extack text
 *	// tb[CPNS_A_PROFILE] ... valid until the next tgenl_call()/tgenl_close()
 *	tgenl_close(t);
 *
 * Every function returns a negative errno on failure (or NULL with errno
 * set); none prints anything, so tests can assert exact outcomes.
 */
#ifndef _CPNS_SELFTESTS_GENL_H
#define _CPNS_SELFTESTS_GENL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <linux/cpns.h>

struct tgenl {
	struct nl_sock *sk;
	int family;		/* the resolved family id of "cpns" */
	struct nl_msg *reply;	/* the last reply, owner of the tb pointers */
	struct nlattr *tb[CPNS_A_MAX + 1];
};

/*
 * Connect a generic netlink socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK
 * on, and resolve the family "cpns" (which loads the module through its
 * alias when it is not loaded).  Returns NULL with errno set: ENOENT when
 * the family cannot be found, or the socket's error.
 */
struct tgenl *tgenl_open(void);

/* Like tgenl_open(), for any family name. */
struct tgenl *tgenl_open_family(const char *name);

/* Close the socket and free the last reply. */
void tgenl_close(struct tgenl *t);

/*
 * A new request for command cmd of the resolved family (version
 * CPNS_GENL_VERSION), to be filled with nla_put*() and given to
 * tgenl_call().  NULL on ENOMEM.
 */
struct nl_msg *tgenl_msg(struct tgenl *t, uint8_t cmd);

/*
 * fx_call() with only the extack's text: send msg (always freed; NULL:
 * -ENOMEM) with NLM_F_ACK and wait for its answer.
 * Returns 0 when the kernel acknowledged it, else the kernel's -errno.
 * If tb is not NULL it receives the attributes of the reply (an array of
 * CPNS_A_MAX + 1, all NULL when there was no reply); they stay valid
 * until the next tgenl_call() or tgenl_close() on t.  If extack is not
 * NULL it receives the extended ACK message ("" when none), NUL-terminated
 * and cut to extack_len.
 */
int tgenl_call(struct tgenl *t, struct nl_msg *msg, struct nlattr **tb,
	       char *extack, size_t extack_len);

/* Everything the kernel said about a refused (or accepted) request. */
struct fx_ack {
	int err;		/* 0 or the kernel's -errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" when none */
	/* type of the attribute NLMSGERR_ATTR_OFFS points at, -1 when no offset */
	int bad_attr;
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, 0 when none */
};

/*
 * The request: send msg (always freed; NULL: -ENOMEM) with NLM_F_ACK,
 * wait for its answer, and decode the extended ACK: its text,
 * NLMSGERR_ATTR_OFFS (into the type of the attribute of msg it points
 * at) and NLMSGERR_ATTR_MISS_TYPE.
 * The reply's attributes go to tb (may be NULL) and t->tb, valid until
 * the next call on t.  ack may be NULL.  Returns ack->err.
 */
int fx_call(struct tgenl *t, struct nl_msg *msg, struct nlattr **tb,
	    struct fx_ack *ack);

/* tgenl_msg() + tgenl_call() for a command without attributes. */
int tgenl_cmd(struct tgenl *t, uint8_t cmd, struct nlattr **tb,
	      char *extack, size_t extack_len);

/*
 * Become an unprivileged user: drop every capability (effective,
 * permitted, inheritable, ambient and the bounding set), set no-new-privs,
 * then setgroups(0), setresgid(uid), setresuid(uid).  Returns 0 or -errno.
 * Meant for a forked child.
 */
int tgenl_drop_privileges(uid_t uid);

/*
 * Unload cpns.ko and, when params is not NULL, load it again with them
 * ("userns=1", or "" for the defaults); with NULL it stays unloaded (the
 * next tgenl_open() autoloads it with its defaults).  Returns 0, -EBUSY
 * when it would not unload, -EINVAL when modprobe refused the load.
 */
int tgenl_module_reload(const char *params);

#endif /* _CPNS_SELFTESTS_GENL_H */
