/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/netlink.h>: the extended ack, which the
 * roles set messages in, as the kernel's macros do.
 */
#ifndef _KSHIM_LINUX_NETLINK_H
#define _KSHIM_LINUX_NETLINK_H

#include <linux/types.h>

struct nlattr {
	u16 nla_len;
	u16 nla_type;
};

struct netlink_ext_ack {
	const char *_msg;
	const struct nlattr *bad_attr;
};

#define NL_SET_ERR_MSG(extack, msg) do {			\
	struct netlink_ext_ack *__extack = (extack);		\
	if (__extack)						\
		__extack->_msg = (msg);				\
} while (0)
#define NL_SET_ERR_MSG_MOD(extack, msg) NL_SET_ERR_MSG(extack, "cpns: " msg)
#define NL_SET_ERR_MSG_ATTR(extack, attr, msg) do {		\
	struct netlink_ext_ack *__extack = (extack);		\
	if (__extack) {						\
		__extack->_msg = (msg);				\
		__extack->bad_attr = (attr);			\
	}							\
} while (0)

#define NETLINK_GENERIC 16
#define NETLINK_URELEASE 1

struct net;
struct notifier_block;

struct netlink_notify {
	struct net *net;
	u32 portid;
	int protocol;
};

int netlink_register_notifier(struct notifier_block *nb);
int netlink_unregister_notifier(struct notifier_block *nb);

#endif
