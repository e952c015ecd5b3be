/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "cpns": registration, the per-command
 * dispatch, replies, events and counters.  The roles' commands live in
 * gw.c, pne.c and server.c.
 */
#ifndef _CPNS_NETLINK_H
#define _CPNS_NETLINK_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <net/genetlink.h>
#include "key.h"

int cpns_genl_init(void);
void cpns_genl_exit(void);

/*
 * What the module keeps per network namespace, so that each node sees only
 * its own: the counters of CPNS_CMD_GET_INFO (indexed by CPNS_COUNTER_A_*)
 * and the GW's outstanding requests.
 */
struct cpns_net {
	atomic64_t counters[__CPNS_COUNTER_A_MAX];
	struct mutex outstanding_lock;
	struct list_head outstanding;
	unsigned int outstanding_count;
};

struct cpns_net *cpns_net(struct genl_info *info);
struct cpns_net *cpns_net_of(struct net *net);
void cpns_count(struct genl_info *info, int counter);

/* A required identifier attribute, copied; -EINVAL with extack if missing. */
int cpns_attr_id(struct genl_info *info, int attr, struct cpns_id *id);
/* An optional identifier attribute: 0 and id->len == 0 when absent. */
int cpns_attr_id_opt(struct genl_info *info, int attr, struct cpns_id *id);
/*
 * Required attributes: true, with the missing type and the extack message
 * "missing required attribute" set, when one is absent.
 */
bool cpns_attr_missing(struct genl_info *info, int attr);
bool cpns_attrs_missing(struct genl_info *info, const int *attrs, unsigned int n);
/* The caller's CPNS_A_KEYRING, resolved with search permission. */
key_ref_t cpns_attr_keyring(struct genl_info *info);
/* The cpns key "<kind>:<id>" found from CPNS_A_KEYRING; extack on failure. */
struct key *cpns_attr_key(struct genl_info *info, key_ref_t keyring,
			  enum cpns_key_kind kind, const struct cpns_id *id,
			  bool write);

/* Set the extack message for a failed cpns_key_get() of @kind. */
void cpns_key_err(struct genl_info *info, enum cpns_key_kind kind, long err);

/* Replies: allocate, fill with nla_put*(), send (frees on error). */
struct sk_buff *cpns_reply_new(struct genl_info *info, void **hdr);
int cpns_reply_send(struct sk_buff *skb, void *hdr, struct genl_info *info);

/* An event for the "events" group; only public values, never a secret. */
struct cpns_ev {
	u8 type;			/* enum cpns_event */
	unsigned int has;		/* CPNS_EV_* of the fields below set */
	const struct cpns_id *gw, *user, *entity;
	const u8 *chain_id;
	u32 epoch;
	u16 index, n;
	u8 status, code, kind;
	s32 serial;
};

#define CPNS_EV_EPOCH	BIT(0)
#define CPNS_EV_INDEX	BIT(1)
#define CPNS_EV_N	BIT(2)
#define CPNS_EV_STATUS	BIT(3)
#define CPNS_EV_CODE	BIT(4)
#define CPNS_EV_KIND	BIT(5)
#define CPNS_EV_SERIAL	BIT(6)
#define CPNS_EV_VERIFIED BIT(7)

/* Multicast @ev in the caller's namespace; an event that cannot be built is dropped. */
void cpns_notify(struct genl_info *info, const struct cpns_ev *ev);

/* Command handlers, by role. */
int cpns_gw_request(struct sk_buff *skb, struct genl_info *info);
int cpns_gw_response(struct sk_buff *skb, struct genl_info *info);
int cpns_gw_deliver(struct sk_buff *skb, struct genl_info *info);
int cpns_gw_confirm(struct sk_buff *skb, struct genl_info *info);
void cpns_gw_net_exit(struct cpns_net *cn);
int cpns_gw_init(void);
void cpns_gw_exit(void);

int cpns_pne_accept(struct sk_buff *skb, struct genl_info *info);
int cpns_pne_reset(struct sk_buff *skb, struct genl_info *info);

int cpns_srv_seal_user(struct sk_buff *skb, struct genl_info *info);
int cpns_srv_seal_entity(struct sk_buff *skb, struct genl_info *info);
int cpns_srv_open_request(struct sk_buff *skb, struct genl_info *info);
int cpns_srv_respond(struct sk_buff *skb, struct genl_info *info);

#endif /* _CPNS_NETLINK_H */
