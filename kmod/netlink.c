// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cpns", the only file that speaks genl.  Each
 * command has a policy of its own listing exactly the attributes it takes:
 * with strict validation anything else is refused with "Unsupported
 * attribute".  Key-sized attributes have exact lengths; identifiers are
 * checked for the profile's character set.
 *
 * Every command runs the same way (cpns_doit()): its reply is allocated
 * first; the handler parses the attributes into the role's plain in
 * struct, resolves CPNS_A_KEYRING and calls the role (gw.c, pne.c,
 * server.c, blob.c), then fills the reply from the role's out struct;
 * the role's events are sent, then the reply.  A role changes nothing
 * when it returns an error, so that neither does the command.  No lock
 * here: the counters are atomic.
 */

#include <linux/atomic.h>
#include <linux/key.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "cpns.h"
#include "gw.h"
#include "key.h"
#include "netlink.h"
#include "pne.h"
#include "server.h"

static struct genl_family cpns_family;

/*
 * Who may send the commands, decided once at load (Documentation/
 * design.rst, "Threat model"): by default CAP_NET_ADMIN in the initial
 * user namespace (GENL_ADMIN_PERM); with userns=1, CAP_NET_ADMIN over the
 * caller's network namespace (GENL_UNS_ADMIN_PERM), so that the root of a
 * user namespace owning its netns (unshare -Urn, a container) is a node.
 */
static bool cpns_userns;
module_param_named(userns, cpns_userns, bool, 0444);
MODULE_PARM_DESC(userns,
		 "let CAP_NET_ADMIN over the caller's network namespace (e.g. root of unshare -Urn) run every command; default off: CAP_NET_ADMIN in the initial user namespace");

/* The counters of CPNS_CMD_GET_INFO (indexed by CPNS_COUNTER_A_*), per namespace. */
struct cpns_net {
	atomic64_t counters[__CPNS_COUNTER_A_MAX];
};

static unsigned int cpns_net_id __read_mostly;

static struct cpns_net *cpns_net(struct genl_info *info)
{
	return net_generic(genl_info_net(info), cpns_net_id);
}

static void cpns_count(struct genl_info *info, int counter)
{
	if (counter > CPNS_COUNTER_A_PAD && counter <= CPNS_COUNTER_A_MAX)
		atomic64_inc(&cpns_net(info)->counters[counter]);
}

static struct pernet_operations cpns_net_ops = {
	.id = &cpns_net_id,
	.size = sizeof(struct cpns_net),
};

/* A length out of limits is ERANGE, a character out of the set EINVAL. */
static int cpns_validate_id(const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	if (!cpns_id_valid(nla_data(attr), nla_len(attr))) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "identifier must be 1..64 bytes of [A-Za-z0-9._:@-]");
		return nla_len(attr) ? -EINVAL : -ERANGE;
	}
	return 0;
}

static int cpns_validate_claim_code(const struct nlattr *attr,
				    struct netlink_ext_ack *extack)
{
	if (!cpns_claim_code_valid(nla_data(attr), nla_len(attr))) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "claim code must be 8..64 bytes of [A-Za-z0-9-]");
		return nla_len(attr) < CPNS_CLAIM_CODE_MIN_LEN ? -ERANGE : -EINVAL;
	}
	return 0;
}

/*
 * The policies of the commands, generated from the spec
 * (Documentation/netlink/specs/cpns.yaml) by selftests/host/ynl_spec.py.
 */
#include "netlink-policy.h"

enum cpns_mcgrp {
	CPNS_MCGRP_EVENTS,
};

/* A reply allocated before the command runs, and what the role reported. */
struct cpns_reply {
	struct sk_buff *msg;
	void *hdr;
	key_ref_t keyring;		/* put after the command; NULL: none */
	const struct cpns_outcome *oc;	/* NULL: nothing to report */
};

/* Each command's in and out structs, allocated (zeroed) per request. */
union cpns_args {
	struct {
		struct cpns_gw_request_in in;
		struct cpns_gw_request_out out;
	} gw_request;
	struct {
		struct cpns_gw_response_in in;
		struct cpns_gw_response_out out;
	} gw_response;
	struct {
		struct cpns_id entity;
		struct cpns_gw_deliver_out out;
	} gw_deliver;
	struct {
		struct cpns_gw_confirm_in in;
		struct cpns_gw_confirm_out out;
	} gw_confirm;
	struct {
		struct cpns_pne_accept_in in;
		struct cpns_pne_accept_out out;
	} pne_accept;
	struct cpns_id pne_reset;
	struct {
		struct cpns_srv_seal_user_in in;
		struct cpns_srv_record_out out;
	} seal_user;
	struct {
		struct cpns_srv_seal_entity_in in;
		struct cpns_srv_record_out out;
	} seal_entity;
	struct {
		struct cpns_srv_request_in in;
		struct cpns_srv_open_request_out out;
	} open_request;
	struct {
		struct cpns_srv_respond_in in;
		struct cpns_srv_respond_out out;
	} respond;
	struct cpns_key_load_out key_load;
};

/*
 * The largest reply, SRV_RESPOND's: filled after the role has changed
 * state, it must always fit in the reply allocated before.
 */
#define CPNS_NLA_SIZE(len) NLA_ALIGN(NLA_HDRLEN + (len))
#define CPNS_REPLY_MAX (3 * CPNS_NLA_SIZE(CPNS_SEALED_MAX) +		\
			16 * CPNS_NLA_SIZE(CPNS_ID_MAX_LEN))

static bool cpns_attr_missing(struct genl_info *info, int attr)
{
	if (!GENL_REQ_ATTR_CHECK(info, attr))
		return false;
	NL_SET_ERR_MSG_MOD(info->extack, "missing required attribute");
	return true;
}

static bool cpns_attrs_missing(struct genl_info *info, const int *attrs,
			       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (cpns_attr_missing(info, attrs[i]))
			return true;
	return false;
}

/* A required identifier attribute, copied; -EINVAL with extack if missing. */
static int cpns_attr_id(struct genl_info *info, int attr, struct cpns_id *id)
{
	if (cpns_attr_missing(info, attr))
		return -EINVAL;
	return cpns_id_set(id, nla_data(info->attrs[attr]),
			   nla_len(info->attrs[attr]));
}

/* An optional identifier attribute: 0 and id->len == 0 when absent. */
static int cpns_attr_id_opt(struct genl_info *info, int attr, struct cpns_id *id)
{
	id->len = 0;
	if (!info->attrs[attr])
		return 0;
	return cpns_id_set(id, nla_data(info->attrs[attr]),
			   nla_len(info->attrs[attr]));
}

/* An optional binary attribute: its data and length, NULL when absent. */
static const u8 *cpns_attr_bin(struct genl_info *info, int attr, size_t *len)
{
	struct nlattr *a = info->attrs[attr];

	*len = a ? nla_len(a) : 0;
	return a ? nla_data(a) : NULL;
}

/* The commands that may make a key in CPNS_A_KEYRING. */
static bool cpns_cmd_mints(u8 cmd)
{
	return cmd == CPNS_CMD_GW_RESPONSE || cmd == CPNS_CMD_PNE_ACCEPT;
}

/* The caller's CPNS_A_KEYRING, resolved with search permission, into @r. */
static int cpns_attr_keyring(struct genl_info *info, struct cpns_reply *r)
{
	bool write = cpns_cmd_mints(info->genlhdr->cmd);
	key_ref_t ref;

	if (cpns_attr_missing(info, CPNS_A_KEYRING))
		return -EINVAL;
	ref = cpns_keyring_get(nla_get_s32(info->attrs[CPNS_A_KEYRING]), write);
	if (IS_ERR(ref) && write)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPNS_A_KEYRING],
				    "keyring not found, not searchable or not writable");
	else if (IS_ERR(ref))
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPNS_A_KEYRING],
				    "keyring not found or not searchable");
	if (IS_ERR(ref))
		return PTR_ERR(ref);
	r->keyring = ref;
	return 0;
}

static struct sk_buff *cpns_reply_new(struct genl_info *info, void **hdr)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &cpns_family, 0, info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static int cpns_put_id(struct sk_buff *skb, int attr, const struct cpns_id *id)
{
	return id ? nla_put(skb, attr, id->len, id->b) : 0;
}

static int cpns_event_fill(struct sk_buff *skb, const struct cpns_event_msg *ev)
{
	unsigned int f = ev->fields;

	if (nla_put_u8(skb, CPNS_A_EVENT, ev->type) ||
	    cpns_put_id(skb, CPNS_A_GW_ID, ev->gw) ||
	    cpns_put_id(skb, CPNS_A_USER_ID, ev->user) ||
	    cpns_put_id(skb, CPNS_A_ENTITY_ID, ev->entity))
		return -EMSGSIZE;
	if (ev->chain_id &&
	    nla_put(skb, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN, ev->chain_id))
		return -EMSGSIZE;
	if (((f & CPNS_EVF_EPOCH) && nla_put_u32(skb, CPNS_A_EPOCH, ev->epoch)) ||
	    ((f & CPNS_EVF_INDEX) && nla_put_u16(skb, CPNS_A_INDEX, ev->index)) ||
	    ((f & CPNS_EVF_N) && nla_put_u16(skb, CPNS_A_N, ev->n)) ||
	    ((f & CPNS_EVF_STATUS) && nla_put_u8(skb, CPNS_A_STATUS, ev->status)) ||
	    ((f & CPNS_EVF_CODE) && nla_put_u8(skb, CPNS_A_CODE, ev->code)) ||
	    ((f & CPNS_EVF_KIND) && nla_put_u8(skb, CPNS_A_ACCEPT_KIND, ev->kind)) ||
	    ((f & CPNS_EVF_SERIAL) && nla_put_s32(skb, CPNS_A_KEY_SERIAL, ev->serial)) ||
	    ((f & CPNS_EVF_VERIFIED) && nla_put_flag(skb, CPNS_A_VERIFIED)))
		return -EMSGSIZE;
	return 0;
}

/* Multicast @ev in the caller's namespace; an event that cannot be built is dropped. */
static void cpns_notify(struct genl_info *info, const struct cpns_event_msg *ev)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&cpns_family, genl_info_net(info), CPNS_MCGRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &cpns_family, 0, CPNS_CMD_EVENT);
	if (!hdr || cpns_event_fill(skb, ev)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&cpns_family, genl_info_net(info), skb, 0,
				CPNS_MCGRP_EVENTS, GFP_KERNEL);
}

static int cpns_nl_get_info(struct sk_buff *skb, struct genl_info *info,
			    union cpns_args *a, struct cpns_reply *r)
{
	struct sk_buff *msg = r->msg;
	struct nlattr *nest;
	int i;

	if (nla_put_string(msg, CPNS_A_VERSION, CPNS_VERSION) ||
	    nla_put_string(msg, CPNS_A_PROFILE, CPNS_PROFILE))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, CPNS_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = CPNS_COUNTER_A_PAD + 1; i <= CPNS_COUNTER_A_MAX; i++)
		if (nla_put_u64_64bit(msg, i, atomic64_read(&cpns_net(info)->counters[i]),
				      CPNS_COUNTER_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* The identifiers that name a request: GwID, UserID, EntityID. */
static int cpns_attr_request_ids(struct genl_info *info, struct cpns_id *gw,
				 struct cpns_id *user, struct cpns_id *entity)
{
	return cpns_attr_id(info, CPNS_A_GW_ID, gw) ?:
	       cpns_attr_id(info, CPNS_A_USER_ID, user) ?:
	       cpns_attr_id(info, CPNS_A_ENTITY_ID, entity);
}

static int cpns_nl_gw_request(struct sk_buff *skb, struct genl_info *info,
			      union cpns_args *a, struct cpns_reply *r)
{
	struct cpns_gw_request_in *in = &a->gw_request.in;
	struct cpns_gw_request_out *out = &a->gw_request.out;
	int ret;

	if (cpns_attr_request_ids(info, &in->gw, &in->user, &in->entity) ||
	    cpns_attr_missing(info, CPNS_A_HPW))
		return -EINVAL;
	in->hpw = nla_data(info->attrs[CPNS_A_HPW]);
	in->code = cpns_attr_bin(info, CPNS_A_CLAIM_CODE, &in->codelen);
	in->portid = info->snd_portid;
	r->oc = &out->oc;
	ret = cpns_attr_keyring(info, r) ?:
	      cpns_gw_request(genl_info_net(info), r->keyring, in, out,
			      info->extack);
	if (ret)
		return ret;
	cpns_count(info, CPNS_COUNTER_A_REQUESTS);
	if (nla_put(r->msg, CPNS_A_RAND, CPNS_RAND_LEN, out->rand) ||
	    nla_put_u64_64bit(r->msg, CPNS_A_TIME, out->t, CPNS_A_PAD) ||
	    nla_put(r->msg, CPNS_A_SEALED, out->sealedlen, out->sealed))
		return -EMSGSIZE;
	return 0;
}

static int cpns_nl_gw_response(struct sk_buff *skb, struct genl_info *info,
			       union cpns_args *a, struct cpns_reply *r)
{
	static const int required[] = { CPNS_A_RAND, CPNS_A_TIME, CPNS_A_STATUS };
	struct cpns_gw_response_in *in = &a->gw_response.in;
	struct cpns_gw_response_out *out = &a->gw_response.out;
	struct sk_buff *msg = r->msg;
	int ret;

	if (cpns_attr_request_ids(info, &in->gw, &in->user, &in->entity) ||
	    cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	memcpy(in->rand, nla_data(info->attrs[CPNS_A_RAND]), CPNS_RAND_LEN);
	in->t = nla_get_u64(info->attrs[CPNS_A_TIME]);
	in->status = nla_get_u8(info->attrs[CPNS_A_STATUS]);
	in->sealed = cpns_attr_bin(info, CPNS_A_SEALED, &in->sealedlen);
	r->oc = &out->oc;
	ret = cpns_attr_keyring(info, r) ?:
	      cpns_gw_response(genl_info_net(info), r->keyring, in, out,
			       info->extack);
	if (ret)
		return ret;
	if (out->chain)
		cpns_count(info, CPNS_COUNTER_A_CHAINS);
	if (nla_put_u8(msg, CPNS_A_STATUS, in->status) ||
	    (out->verified && nla_put_flag(msg, CPNS_A_VERIFIED)))
		return -EMSGSIZE;
	if (out->chain && (nla_put_u32(msg, CPNS_A_EPOCH, out->epoch) ||
			   nla_put_u16(msg, CPNS_A_N, out->n) ||
			   nla_put(msg, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN,
				   out->chain_id) ||
			   nla_put_s32(msg, CPNS_A_KEY_SERIAL, out->serial)))
		return -EMSGSIZE;
	return 0;
}

static int cpns_nl_gw_deliver(struct sk_buff *skb, struct genl_info *info,
			      union cpns_args *a, struct cpns_reply *r)
{
	struct cpns_gw_deliver_out *out = &a->gw_deliver.out;
	struct cpns_id *entity = &a->gw_deliver.entity;
	struct sk_buff *msg = r->msg;
	int ret;

	r->oc = &out->oc;
	ret = cpns_attr_id(info, CPNS_A_ENTITY_ID, entity) ?:
	      cpns_attr_keyring(info, r) ?:
	      cpns_gw_deliver(genl_info_net(info), entity, out, info->extack);
	if (ret)
		return ret;
	if (nla_put_u8(msg, CPNS_A_STATUS, out->status))
		return -EMSGSIZE;
	if (out->status != CPNS_OK)
		return 0;
	cpns_count(info, CPNS_COUNTER_A_DELIVERIES);
	if (cpns_put_id(msg, CPNS_A_ENTITY_ID, entity) ||
	    nla_put_u32(msg, CPNS_A_EPOCH, out->epoch) ||
	    nla_put_u16(msg, CPNS_A_INDEX, out->index) ||
	    nla_put_u16(msg, CPNS_A_N, out->n) ||
	    nla_put(msg, CPNS_A_CHALLENGE, CPNS_CHALLENGE_LEN, out->challenge) ||
	    nla_put(msg, CPNS_A_SEALED, sizeof(out->sealed), out->sealed))
		return -EMSGSIZE;
	return 0;
}

static int cpns_nl_gw_confirm(struct sk_buff *skb, struct genl_info *info,
			      union cpns_args *a, struct cpns_reply *r)
{
	static const int required[] = { CPNS_A_INDEX, CPNS_A_CODE };
	struct cpns_gw_confirm_in *in = &a->gw_confirm.in;
	struct cpns_gw_confirm_out *out = &a->gw_confirm.out;
	int ret;

	if (cpns_attr_id(info, CPNS_A_ENTITY_ID, &in->entity) ||
	    cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	in->index = nla_get_u16(info->attrs[CPNS_A_INDEX]);
	in->code = nla_get_u8(info->attrs[CPNS_A_CODE]);
	if (in->code == CPNS_ACCEPTED && cpns_attr_missing(info, CPNS_A_CONFIRM))
		return -EINVAL;
	if (in->code == CPNS_ACCEPTED)
		in->confirm = nla_data(info->attrs[CPNS_A_CONFIRM]);
	r->oc = &out->oc;
	ret = cpns_attr_keyring(info, r) ?:
	      cpns_gw_confirm(genl_info_net(info), in, out, info->extack);
	if (ret)
		return ret;
	if (in->code == CPNS_ACCEPTED)
		cpns_count(info, CPNS_COUNTER_A_CONFIRMED);
	if (nla_put_u8(r->msg, CPNS_A_CODE, in->code) ||
	    nla_put_u16(r->msg, CPNS_A_DELIVERED, out->delivered))
		return -EMSGSIZE;
	return 0;
}

static int cpns_nl_pne_accept(struct sk_buff *skb, struct genl_info *info,
			      union cpns_args *a, struct cpns_reply *r)
{
	static const int required[] = { CPNS_A_EPOCH, CPNS_A_INDEX, CPNS_A_N,
					CPNS_A_CHALLENGE, CPNS_A_SEALED };
	struct cpns_pne_accept_in *in = &a->pne_accept.in;
	struct cpns_pne_accept_out *out = &a->pne_accept.out;
	struct sk_buff *msg = r->msg;
	int ret;

	if (cpns_attr_id(info, CPNS_A_ENTITY_ID, &in->entity) ||
	    cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	in->e = nla_get_u32(info->attrs[CPNS_A_EPOCH]);
	in->i = nla_get_u16(info->attrs[CPNS_A_INDEX]);
	in->n = nla_get_u16(info->attrs[CPNS_A_N]);
	in->challenge = nla_data(info->attrs[CPNS_A_CHALLENGE]);
	in->sealed = cpns_attr_bin(info, CPNS_A_SEALED, &in->sealedlen);
	r->oc = &out->oc;
	ret = cpns_attr_keyring(info, r) ?:
	      cpns_pne_accept(genl_info_net(info), r->keyring, in, out,
			      info->extack);
	if (ret)
		return ret;
	cpns_count(info, out->code == CPNS_ACCEPTED ? CPNS_COUNTER_A_ACCEPTED :
						      CPNS_COUNTER_A_REJECTED);
	if (out->code == CPNS_ACCEPTED &&
	    (nla_put(msg, CPNS_A_CONFIRM, CPNS_HASH_LEN, out->confirm) ||
	     nla_put_u8(msg, CPNS_A_ACCEPT_KIND, out->kind) ||
	     nla_put_s32(msg, CPNS_A_KEY_SERIAL, out->serial)))
		return -EMSGSIZE;
	return nla_put_u8(msg, CPNS_A_CODE, out->code) ? -EMSGSIZE : 0;
}

/*
 * CPNS_CMD_PNE_RESET: drop the held euk:<EntityID> of the caller's
 * namespace.  Needs CAP_SYS_ADMIN in the initial user namespace.  No
 * reply but the ack.
 */
static int cpns_nl_pne_reset(struct sk_buff *skb, struct genl_info *info,
			     union cpns_args *a, struct cpns_reply *r)
{
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "reset needs CAP_SYS_ADMIN in the initial user namespace");
		return -EPERM;
	}
	return cpns_attr_id(info, CPNS_A_ENTITY_ID, &a->pne_reset) ?:
	       cpns_pne_reset(genl_info_net(info), &a->pne_reset, info->extack);
}

static int cpns_nl_key_load(struct sk_buff *skb, struct genl_info *info,
			    union cpns_args *a, struct cpns_reply *r)
{
	struct cpns_key_load_out *out = &a->key_load;
	const u8 *blob;
	size_t len;
	int ret;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "loading a held key needs CAP_SYS_ADMIN in the initial user namespace");
		return -EPERM;
	}
	if (cpns_attr_missing(info, CPNS_A_KEY_BLOB))
		return -EINVAL;
	blob = cpns_attr_bin(info, CPNS_A_KEY_BLOB, &len);
	r->oc = &out->oc;
	ret = cpns_attr_keyring(info, r) ?:
	      cpns_key_load(genl_info_net(info), r->keyring, blob, len, out,
			    info->extack);
	if (ret)
		return ret;
	return nla_put_s32(r->msg, CPNS_A_KEY_SERIAL, out->serial) ? -EMSGSIZE : 0;
}

/* SRV_SEAL_USER and SRV_SEAL_ENTITY: the identifier, the master's name, the keyring. */
static int cpns_nl_seal_args(struct genl_info *info, int id_attr,
			     struct cpns_id *id, struct cpns_id *master,
			     struct cpns_reply *r)
{
	if (cpns_attr_id(info, id_attr, id) ||
	    cpns_attr_missing(info, CPNS_A_MASTER))
		return -EINVAL;
	return cpns_attr_keyring(info, r) ?:
	       cpns_attr_id(info, CPNS_A_MASTER, master);
}

static int cpns_nl_seal_user(struct sk_buff *skb, struct genl_info *info,
			     union cpns_args *a, struct cpns_reply *r)
{
	struct cpns_srv_seal_user_in *in = &a->seal_user.in;
	struct cpns_srv_record_out *out = &a->seal_user.out;
	int ret;

	ret = cpns_nl_seal_args(info, CPNS_A_USER_ID, &in->user, &in->master, r);
	if (ret)
		return ret;
	if (cpns_attr_missing(info, CPNS_A_PASSWORD))
		return -EINVAL;
	in->password = cpns_attr_bin(info, CPNS_A_PASSWORD, &in->pwlen);
	ret = cpns_srv_seal_user(r->keyring, in, out, info->extack);
	if (ret)
		return ret;
	return nla_put(r->msg, CPNS_A_USER_RECORD, out->len, out->record) ?
	       -EMSGSIZE : 0;
}

static int cpns_nl_seal_entity(struct sk_buff *skb, struct genl_info *info,
			       union cpns_args *a, struct cpns_reply *r)
{
	static const int required[] = { CPNS_A_TK, CPNS_A_CLAIM_CODE };
	struct cpns_srv_seal_entity_in *in = &a->seal_entity.in;
	struct cpns_srv_record_out *out = &a->seal_entity.out;
	int ret;

	ret = cpns_nl_seal_args(info, CPNS_A_ENTITY_ID, &in->entity, &in->master, r);
	if (ret)
		return ret;
	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	in->tk = cpns_attr_bin(info, CPNS_A_TK, &in->tklen);
	in->code = cpns_attr_bin(info, CPNS_A_CLAIM_CODE, &in->codelen);
	ret = cpns_srv_seal_entity(r->keyring, in, out, info->extack);
	if (ret)
		return ret;
	return nla_put(r->msg, CPNS_A_ENTITY_RECORD, out->len, out->record) ?
	       -EMSGSIZE : 0;
}

/* A GW's request, as SRV_OPEN_REQUEST and SRV_RESPOND take it. */
static int cpns_attr_srv_request(struct genl_info *info,
				 struct cpns_srv_request_in *in)
{
	static const int required[] = { CPNS_A_GW_ID, CPNS_A_RAND, CPNS_A_TIME,
					CPNS_A_SEALED };

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	in->gw = cpns_attr_bin(info, CPNS_A_GW_ID, &in->gwlen);
	in->rand = nla_data(info->attrs[CPNS_A_RAND]);
	in->t = nla_get_u64(info->attrs[CPNS_A_TIME]);
	in->sealed = cpns_attr_bin(info, CPNS_A_SEALED, &in->sealedlen);
	return 0;
}

static int cpns_nl_open_request(struct sk_buff *skb, struct genl_info *info,
				union cpns_args *a, struct cpns_reply *r)
{
	struct cpns_srv_request_in *in = &a->open_request.in;
	struct cpns_srv_open_request_out *out = &a->open_request.out;
	struct sk_buff *msg = r->msg;
	int ret;

	ret = cpns_attr_keyring(info, r) ?:
	      cpns_attr_srv_request(info, in) ?:
	      cpns_srv_open_request(r->keyring, in, out, info->extack);
	if (ret)
		return ret;
	if (nla_put_u8(msg, CPNS_A_STATUS, out->status) ||
	    (out->verified && nla_put_flag(msg, CPNS_A_VERIFIED)))
		return -EMSGSIZE;
	if (out->status == CPNS_OK &&
	    (cpns_put_id(msg, CPNS_A_USER_ID, &out->user) ||
	     cpns_put_id(msg, CPNS_A_ENTITY_ID, &out->entity) ||
	     (out->claim && nla_put_flag(msg, CPNS_A_CLAIM))))
		return -EMSGSIZE;
	return 0;
}

static int cpns_nl_respond_put(struct sk_buff *msg,
			       const struct cpns_srv_respond_out *out)
{
	if (nla_put_u8(msg, CPNS_A_STATUS, out->status))
		return -EMSGSIZE;
	if (out->status == CPNS_STALE)
		return 0;		/* check 1: unverified, nothing sealed */
	if (nla_put(msg, CPNS_A_SEALED, out->sealedlen, out->sealed))
		return -EMSGSIZE;
	if (out->status == CPNS_OK &&
	    (nla_put_u32(msg, CPNS_A_EPOCH, out->epoch) ||
	     nla_put_u16(msg, CPNS_A_N, out->n) ||
	     nla_put(msg, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN, out->chain_id) ||
	     nla_put(msg, CPNS_A_CHAIN_RECORD, out->chain_rec.len,
		     out->chain_rec.record) ||
	     nla_put(msg, CPNS_A_ENTITY_RECORD, out->entity_rec.len,
		     out->entity_rec.record) ||
	     (out->claimed && nla_put_flag(msg, CPNS_A_CLAIM))))
		return -EMSGSIZE;
	return 0;
}

static int cpns_nl_respond(struct sk_buff *skb, struct genl_info *info,
			   union cpns_args *a, struct cpns_reply *r)
{
	static const int required[] = { CPNS_A_MASTER, CPNS_A_GW_ID, CPNS_A_RAND,
					CPNS_A_TIME, CPNS_A_SEALED, CPNS_A_STATUS,
					CPNS_A_EPOCH, CPNS_A_N };
	struct cpns_srv_respond_in *in = &a->respond.in;
	struct cpns_srv_respond_out *out = &a->respond.out;
	u8 s;
	int ret;

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	s = nla_get_u8(info->attrs[CPNS_A_STATUS]);
	if (s != CPNS_OK && s != CPNS_MALFORMED && s != CPNS_REPLAY &&
	    s != CPNS_RATE_LIMITED && s != CPNS_INTERNAL) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPNS_A_STATUS],
				    "only OK, MALFORMED, REPLAY, RATE_LIMITED, INTERNAL");
		return -EINVAL;
	}
	in->status = s;
	in->urec = cpns_attr_bin(info, CPNS_A_USER_RECORD, &in->ureclen);
	in->erec = cpns_attr_bin(info, CPNS_A_ENTITY_RECORD, &in->ereclen);
	in->epoch = nla_get_u32(info->attrs[CPNS_A_EPOCH]);
	in->n = nla_get_u16(info->attrs[CPNS_A_N]);
	r->oc = &out->oc;
	ret = cpns_attr_keyring(info, r) ?:
	      cpns_attr_id(info, CPNS_A_MASTER, &in->master) ?:
	      cpns_attr_id_opt(info, CPNS_A_OWNER, &in->owner) ?:
	      cpns_attr_srv_request(info, &in->req) ?:
	      cpns_srv_respond(r->keyring, in, out, info->extack);
	if (ret)
		return ret;
	cpns_count(info, CPNS_COUNTER_A_RESPONSES);
	if (out->status != CPNS_OK)
		cpns_count(info, CPNS_COUNTER_A_REFUSED);
	return cpns_nl_respond_put(r->msg, out);
}

typedef int (*cpns_doit_t)(struct sk_buff *skb, struct genl_info *info,
			   union cpns_args *a, struct cpns_reply *r);

static const cpns_doit_t cpns_handlers[__CPNS_CMD_MAX] = {
	[CPNS_CMD_GET_INFO]		= cpns_nl_get_info,
	[CPNS_CMD_GW_REQUEST]		= cpns_nl_gw_request,
	[CPNS_CMD_GW_RESPONSE]		= cpns_nl_gw_response,
	[CPNS_CMD_GW_DELIVER]		= cpns_nl_gw_deliver,
	[CPNS_CMD_GW_CONFIRM]		= cpns_nl_gw_confirm,
	[CPNS_CMD_PNE_ACCEPT]		= cpns_nl_pne_accept,
	[CPNS_CMD_SRV_SEAL_USER]	= cpns_nl_seal_user,
	[CPNS_CMD_SRV_SEAL_ENTITY]	= cpns_nl_seal_entity,
	[CPNS_CMD_SRV_OPEN_REQUEST]	= cpns_nl_open_request,
	[CPNS_CMD_SRV_RESPOND]		= cpns_nl_respond,
	[CPNS_CMD_PNE_RESET]		= cpns_nl_pne_reset,
	[CPNS_CMD_KEY_LOAD]		= cpns_nl_key_load,
};

/* Attributes that carry a secret from userspace: wiped in the request once used. */
static const int cpns_secret_attrs[] = {
	CPNS_A_HPW, CPNS_A_PASSWORD, CPNS_A_CLAIM_CODE, CPNS_A_TK,
};

static void cpns_wipe_secrets(struct genl_info *info)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpns_secret_attrs); i++) {
		struct nlattr *attr = info->attrs[cpns_secret_attrs[i]];

		if (attr)
			memzero_explicit(nla_data(attr), nla_len(attr));
	}
}

/*
 * After the command: point extack at the attribute the role's message is
 * about, send the role's events (a refused Confirm has one), then the
 * reply; PNE_RESET answers with the ack alone.
 */
static int cpns_finish(struct genl_info *info, int ret, struct cpns_reply *r)
{
	unsigned int i;

	if (r->keyring)
		key_ref_put(r->keyring);
	/* also on success: a record refused INTERNAL is an answer */
	if (r->oc && r->oc->bad_attr)
		NL_SET_BAD_ATTR(info->extack, info->attrs[r->oc->bad_attr]);
	for (i = 0; r->oc && i < r->oc->n_ev; i++)
		cpns_notify(info, &r->oc->ev[i]);
	if (ret || info->genlhdr->cmd == CPNS_CMD_PNE_RESET) {
		nlmsg_free(r->msg);
		return ret;
	}
	genlmsg_end(r->msg, r->hdr);
	return genlmsg_reply(r->msg, info);
}

/* One entry point for every command, to count what was answered and refused. */
static int cpns_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	struct cpns_reply r = {};
	union cpns_args *a;
	int ret;

	BUILD_BUG_ON(NLMSG_GOODSIZE - GENL_HDRLEN - NLMSG_HDRLEN < CPNS_REPLY_MAX);
	if (cmd >= ARRAY_SIZE(cpns_handlers) || !cpns_handlers[cmd])
		return -EOPNOTSUPP;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	r.msg = cpns_reply_new(info, &r.hdr);
	ret = -ENOMEM;
	if (a && r.msg)
		ret = cpns_handlers[cmd](skb, info, a, &r);
	ret = cpns_finish(info, ret, &r);
	kfree_sensitive(a);
	cpns_wipe_secrets(info);
	cpns_count(info, ret ? CPNS_COUNTER_A_ERRORS : CPNS_COUNTER_A_OPS);
	return ret;
}

/* .flags, the permission, is set by cpns_ops_init() from the parameter. */
#define CPNS_OP(_cmd, _policy) {				\
	.cmd = (_cmd),						\
	.doit = cpns_doit,					\
	.policy = (_policy),					\
	.maxattr = CPNS_A_MAX,					\
}

static struct genl_ops cpns_ops[] __ro_after_init = {
	CPNS_OP(CPNS_CMD_GET_INFO, cpns_get_info_policy),
	CPNS_OP(CPNS_CMD_GW_REQUEST, cpns_gw_request_policy),
	CPNS_OP(CPNS_CMD_GW_RESPONSE, cpns_gw_response_policy),
	CPNS_OP(CPNS_CMD_GW_DELIVER, cpns_gw_deliver_policy),
	CPNS_OP(CPNS_CMD_GW_CONFIRM, cpns_gw_confirm_policy),
	CPNS_OP(CPNS_CMD_PNE_ACCEPT, cpns_pne_accept_policy),
	CPNS_OP(CPNS_CMD_SRV_SEAL_USER, cpns_srv_seal_user_policy),
	CPNS_OP(CPNS_CMD_SRV_SEAL_ENTITY, cpns_srv_seal_entity_policy),
	CPNS_OP(CPNS_CMD_SRV_OPEN_REQUEST, cpns_srv_open_request_policy),
	CPNS_OP(CPNS_CMD_SRV_RESPOND, cpns_srv_respond_policy),
	CPNS_OP(CPNS_CMD_PNE_RESET, cpns_pne_reset_policy),
	CPNS_OP(CPNS_CMD_KEY_LOAD, cpns_key_load_policy),
};

static const struct genl_multicast_group cpns_mcgrps[] = {
	/* joining needs CAP_NET_ADMIN over the socket's network namespace */
	[CPNS_MCGRP_EVENTS] = { .name = CPNS_GENL_MCGRP_EVENTS,
				.flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family cpns_family __ro_after_init = {
	.name		= CPNS_GENL_NAME,
	.version	= CPNS_GENL_VERSION,
	.maxattr	= CPNS_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= cpns_ops,
	.n_ops		= ARRAY_SIZE(cpns_ops),
	/* .resv_start_op 0: strict header and flag checks for every command */
	.mcgrps		= cpns_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(cpns_mcgrps),
};

static void __init cpns_ops_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpns_ops); i++)
		cpns_ops[i].flags = cpns_userns ? GENL_UNS_ADMIN_PERM : GENL_ADMIN_PERM;
}

int __init cpns_genl_init(void)
{
	int ret;

	cpns_ops_init();
	ret = register_pernet_subsys(&cpns_net_ops);
	if (ret)
		goto err_pernet;
	ret = cpns_gw_init();
	if (ret)
		goto err_gw;
	ret = genl_register_family(&cpns_family);
	if (ret)
		goto err_family;
	return 0;

err_family:
	cpns_gw_exit();
err_gw:
	unregister_pernet_subsys(&cpns_net_ops);
err_pernet:
	return ret;
}

void cpns_genl_exit(void)
{
	genl_unregister_family(&cpns_family);
	cpns_gw_exit();
	unregister_pernet_subsys(&cpns_net_ops);
}
