/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <net/genetlink.h>: declarations only. */
#ifndef _KSHIM_NET_GENETLINK_H
#define _KSHIM_NET_GENETLINK_H

#include <linux/types.h>
#include <net/net_namespace.h>

struct sk_buff;
struct netlink_ext_ack;

struct nlattr {
	u16 nla_len;
	u16 nla_type;
};

struct genl_info {
	struct nlattr **attrs;
	struct netlink_ext_ack *extack;
	struct net *net;
};

static inline void *nla_data(const struct nlattr *a)
{
	return (char *)a + 4;
}

static inline int nla_len(const struct nlattr *a)
{
	return a->nla_len - 4;
}

static inline struct net *genl_info_net(const struct genl_info *info)
{
	return info->net;
}

#define NL_SET_ERR_MSG_MOD(extack, msg) ((void)(extack))
#define NL_SET_ERR_MSG_ATTR(extack, attr, msg) ((void)(extack))

bool netlink_capable(const struct sk_buff *skb, int cap);
int nla_put_s32(struct sk_buff *skb, int attrtype, s32 value);
struct nlattr *nla_reserve(struct sk_buff *skb, int attrtype, int attrlen);
void nlmsg_free(struct sk_buff *skb);

#endif
