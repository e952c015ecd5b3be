// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cpns".  Each command has a policy of its own
 * listing exactly the attributes it takes: with strict validation anything
 * else is refused with "Unsupported attribute".  Key-sized attributes have
 * exact lengths; identifiers are checked for the profile's character set.
 */

#include <linux/atomic.h>
#include <linux/key.h>
#include <linux/moduleparam.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "admin.h"
#include "blob.h"
#include "cpns.h"
#include "netlink.h"

static struct genl_family cpns_family;

static unsigned int cpns_net_id __read_mostly;

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

struct cpns_net *cpns_net(struct genl_info *info)
{
	return net_generic(genl_info_net(info), cpns_net_id);
}

struct cpns_net *cpns_net_of(struct net *net)
{
	return net_generic(net, cpns_net_id);
}

void cpns_count(struct genl_info *info, int counter)
{
	if (counter > CPNS_COUNTER_A_PAD && counter <= CPNS_COUNTER_A_MAX)
		atomic64_inc(&cpns_net(info)->counters[counter]);
}

static int __net_init cpns_net_init(struct net *net)
{
	struct cpns_net *cn = net_generic(net, cpns_net_id);

	mutex_init(&cn->outstanding_lock);
	INIT_LIST_HEAD(&cn->outstanding);
	return 0;
}

static void __net_exit cpns_net_exit(struct net *net)
{
	cpns_gw_net_exit(net_generic(net, cpns_net_id));
}

static struct pernet_operations cpns_net_ops = {
	.init = cpns_net_init,
	.exit = cpns_net_exit,
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

#define CPNS_POLICY_ID NLA_POLICY_VALIDATE_FN(NLA_BINARY, cpns_validate_id, CPNS_ID_MAX_LEN)
#define CPNS_POLICY_CLAIM_CODE \
	NLA_POLICY_VALIDATE_FN(NLA_BINARY, cpns_validate_claim_code, CPNS_CLAIM_CODE_MAX_LEN)
#define CPNS_POLICY_SEALED NLA_POLICY_RANGE(NLA_BINARY, CPNS_SEALED_MIN, CPNS_SEALED_MAX)
#define CPNS_POLICY_RECORD NLA_POLICY_RANGE(NLA_BINARY, CPNS_SEALED_MIN, CPNS_SEALED_MAX)

static const struct nla_policy cpns_info_policy[CPNS_A_MAX + 1] = {
};

static const struct nla_policy cpns_gw_request_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_GW_ID]		= CPNS_POLICY_ID,
	[CPNS_A_USER_ID]	= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_HPW]		= NLA_POLICY_EXACT_LEN(CPNS_HASH_LEN),
	[CPNS_A_CLAIM_CODE]	= CPNS_POLICY_CLAIM_CODE,
};

static const struct nla_policy cpns_gw_response_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_GW_ID]		= CPNS_POLICY_ID,
	[CPNS_A_USER_ID]	= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_RAND]		= NLA_POLICY_EXACT_LEN(CPNS_RAND_LEN),
	[CPNS_A_TIME]		= { .type = NLA_U64 },
	[CPNS_A_STATUS]		= NLA_POLICY_MAX(NLA_U8, CPNS_INTERNAL),
	[CPNS_A_SEALED]		= CPNS_POLICY_SEALED,
};

static const struct nla_policy cpns_gw_deliver_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
};

static const struct nla_policy cpns_gw_confirm_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_INDEX]		= NLA_POLICY_MIN(NLA_U16, 1),
	[CPNS_A_CODE]		= { .type = NLA_U8 },
	[CPNS_A_CONFIRM]	= NLA_POLICY_EXACT_LEN(CPNS_HASH_LEN),
};

static const struct nla_policy cpns_pne_accept_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_EPOCH]		= { .type = NLA_U32 },
	[CPNS_A_INDEX]		= { .type = NLA_U16 },
	[CPNS_A_N]		= { .type = NLA_U16 },
	[CPNS_A_CHALLENGE]	= NLA_POLICY_EXACT_LEN(CPNS_CHALLENGE_LEN),
	[CPNS_A_SEALED]		= CPNS_POLICY_SEALED,
};

static const struct nla_policy cpns_pne_reset_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
};

static const struct nla_policy cpns_key_load_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_KEY_BLOB]	= NLA_POLICY_RANGE(NLA_BINARY, 1, CPNS_KEY_BLOB_MAX),
};

static const struct nla_policy cpns_srv_seal_user_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_MASTER]		= CPNS_POLICY_ID,
	[CPNS_A_USER_ID]	= CPNS_POLICY_ID,
	[CPNS_A_PASSWORD]	= NLA_POLICY_RANGE(NLA_BINARY, 1, CPNS_PASSWORD_MAX_LEN),
};

static const struct nla_policy cpns_srv_seal_entity_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_MASTER]		= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_TK]		= NLA_POLICY_RANGE(NLA_BINARY, CPNS_TK_MIN_LEN, CPNS_TK_MAX_LEN),
	[CPNS_A_CLAIM_CODE]	= CPNS_POLICY_CLAIM_CODE,
};

static const struct nla_policy cpns_srv_open_request_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	/*
	 * 1..64 bytes, as everywhere (ERANGE); its characters are check 1 of
	 * the profile, answered MALFORMED by the handler, not EINVAL.
	 */
	[CPNS_A_GW_ID]		= NLA_POLICY_RANGE(NLA_BINARY, 1, CPNS_ID_MAX_LEN),
	[CPNS_A_RAND]		= NLA_POLICY_EXACT_LEN(CPNS_RAND_LEN),
	[CPNS_A_TIME]		= { .type = NLA_U64 },
	[CPNS_A_SEALED]		= CPNS_POLICY_SEALED,
};

static const struct nla_policy cpns_srv_respond_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_MASTER]		= CPNS_POLICY_ID,
	[CPNS_A_GW_ID]		= CPNS_POLICY_ID,
	[CPNS_A_RAND]		= NLA_POLICY_EXACT_LEN(CPNS_RAND_LEN),
	[CPNS_A_TIME]		= { .type = NLA_U64 },
	[CPNS_A_SEALED]		= CPNS_POLICY_SEALED,
	[CPNS_A_STATUS]		= NLA_POLICY_MAX(NLA_U8, CPNS_INTERNAL),
	[CPNS_A_USER_RECORD]	= CPNS_POLICY_RECORD,
	[CPNS_A_ENTITY_RECORD]	= CPNS_POLICY_RECORD,
	[CPNS_A_OWNER]		= CPNS_POLICY_ID,
	[CPNS_A_EPOCH]		= { .type = NLA_U32 },
	[CPNS_A_N]		= NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy cpns_srv_entity_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_MASTER]		= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_RECORD]	= CPNS_POLICY_RECORD,
	[CPNS_A_OWNER]		= CPNS_POLICY_ID,
	[CPNS_A_EPOCH]		= { .type = NLA_U32 },
};

static const struct nla_policy cpns_srv_transfer_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_MASTER]		= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_RECORD]	= CPNS_POLICY_RECORD,
	[CPNS_A_OWNER]		= CPNS_POLICY_ID,
	[CPNS_A_EPOCH]		= { .type = NLA_U32 },
	[CPNS_A_USER_ID]	= CPNS_POLICY_ID,
	[CPNS_A_USER_RECORD]	= CPNS_POLICY_RECORD,
};

static const struct nla_policy cpns_srv_reinstate_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_MASTER]		= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
	[CPNS_A_ENTITY_RECORD]	= CPNS_POLICY_RECORD,
	[CPNS_A_OWNER]		= CPNS_POLICY_ID,
	[CPNS_A_EPOCH]		= { .type = NLA_U32 },
	[CPNS_A_TK]		= NLA_POLICY_RANGE(NLA_BINARY, CPNS_TK_MIN_LEN, CPNS_TK_MAX_LEN),
	[CPNS_A_CLAIM_CODE]	= CPNS_POLICY_CLAIM_CODE,
};

static const struct nla_policy cpns_srv_rotate_gw_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_GW_ID]		= CPNS_POLICY_ID,
	[CPNS_A_PSK]		= NLA_POLICY_EXACT_LEN(CPNS_PSK_LEN),
	/* 0..CPNS_GRACE_MAX_SECONDS, checked by the role (.max is an s16) */
	[CPNS_A_GRACE]		= { .type = NLA_U32 },
};

static const struct nla_policy cpns_srv_remove_gw_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_KEYRING]	= { .type = NLA_S32 },
	[CPNS_A_GW_ID]		= CPNS_POLICY_ID,
};

static const struct nla_policy cpns_gw_forget_policy[CPNS_A_MAX + 1] = {
	[CPNS_A_ENTITY_ID]	= CPNS_POLICY_ID,
};

static int cpns_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i;

	msg = cpns_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, CPNS_A_VERSION, CPNS_VERSION) ||
	    nla_put_string(msg, CPNS_A_PROFILE, CPNS_PROFILE))
		goto err_msgsize;
	nest = nla_nest_start(msg, CPNS_A_COUNTERS);
	if (!nest)
		goto err_msgsize;
	for (i = CPNS_COUNTER_A_PAD + 1; i <= CPNS_COUNTER_A_MAX; i++)
		if (nla_put_u64_64bit(msg, i, atomic64_read(&cpns_net(info)->counters[i]),
				      CPNS_COUNTER_A_PAD))
			goto err_msgsize;
	nla_nest_end(msg, nest);
	return cpns_reply_send(msg, hdr, info);

err_msgsize:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * CPNS_CMD_SRV_RELEASE, _TRANSFER, _DECOMMISSION, _REINSTATE: parsed into
 * a struct cpns_entity_change_in for cpns_srv_entity_change() (admin.c).
 */
static int cpns_srv_entity_cmd(struct genl_info *info, enum cpns_entity_op op)
{
	static const int required[] = { CPNS_A_MASTER, CPNS_A_ENTITY_ID,
					CPNS_A_ENTITY_RECORD, CPNS_A_EPOCH };
	struct cpns_entity_change_in in = { .op = op };
	struct cpns_entity_change_out *out = NULL;
	struct nlattr **a = info->attrs;
	struct sk_buff *msg = NULL;
	key_ref_t keyring;
	void *hdr;
	int ret;

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)) ||
	    (op == CPNS_ENTITY_TRANSFER &&
	     (cpns_attr_missing(info, CPNS_A_USER_ID) ||
	      cpns_attr_missing(info, CPNS_A_USER_RECORD))) ||
	    (op == CPNS_ENTITY_REINSTATE &&
	     (cpns_attr_missing(info, CPNS_A_TK) ||
	      cpns_attr_missing(info, CPNS_A_CLAIM_CODE))))
		return -EINVAL;
	if (cpns_attr_id(info, CPNS_A_MASTER, &in.master) ||
	    cpns_attr_id(info, CPNS_A_ENTITY_ID, &in.entity) ||
	    cpns_attr_id_opt(info, CPNS_A_OWNER, &in.owner) ||
	    cpns_attr_id_opt(info, CPNS_A_USER_ID, &in.user))
		return -EINVAL;
	in.erec = nla_data(a[CPNS_A_ENTITY_RECORD]);
	in.erec_len = nla_len(a[CPNS_A_ENTITY_RECORD]);
	in.epoch = nla_get_u32(a[CPNS_A_EPOCH]);
	if (a[CPNS_A_USER_RECORD]) {
		in.urec = nla_data(a[CPNS_A_USER_RECORD]);
		in.urec_len = nla_len(a[CPNS_A_USER_RECORD]);
	}
	if (a[CPNS_A_TK] && a[CPNS_A_CLAIM_CODE]) {
		in.tk = nla_data(a[CPNS_A_TK]);
		in.tklen = nla_len(a[CPNS_A_TK]);
		in.code = nla_data(a[CPNS_A_CLAIM_CODE]);
		in.codelen = nla_len(a[CPNS_A_CLAIM_CODE]);
	}
	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	ret = -ENOMEM;
	msg = cpns_reply_new(info, &hdr);
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!msg || !out)
		goto out;
	ret = cpns_srv_entity_change(keyring, &in, out, info->extack);
	if (ret)
		goto out;
	ret = -EMSGSIZE;
	if (nla_put(msg, CPNS_A_ENTITY_RECORD, out->len, out->record) ||
	    nla_put_u32(msg, CPNS_A_EPOCH, out->epoch) ||
	    (out->owner.len &&
	     nla_put(msg, CPNS_A_OWNER, out->owner.len, out->owner.b)) ||
	    (out->decommissioned && nla_put_flag(msg, CPNS_A_DECOMMISSIONED)))
		goto out;
	ret = cpns_reply_send(msg, hdr, info);
	msg = NULL;
out:
	nlmsg_free(msg);
	kfree(out);
	key_ref_put(keyring);
	return ret;
}

static int cpns_srv_release(struct sk_buff *skb, struct genl_info *info)
{
	return cpns_srv_entity_cmd(info, CPNS_ENTITY_RELEASE);
}

static int cpns_srv_transfer(struct sk_buff *skb, struct genl_info *info)
{
	return cpns_srv_entity_cmd(info, CPNS_ENTITY_TRANSFER);
}

static int cpns_srv_decommission(struct sk_buff *skb, struct genl_info *info)
{
	return cpns_srv_entity_cmd(info, CPNS_ENTITY_DECOMMISSION);
}

static int cpns_srv_reinstate(struct sk_buff *skb, struct genl_info *info)
{
	return cpns_srv_entity_cmd(info, CPNS_ENTITY_REINSTATE);
}

static int cpns_srv_rotate_gw_cmd(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_GW_ID, CPNS_A_PSK, CPNS_A_GRACE };
	struct cpns_id gw;
	key_ref_t keyring;
	int ret;

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)) ||
	    cpns_attr_id(info, CPNS_A_GW_ID, &gw))
		return -EINVAL;
	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	ret = cpns_srv_rotate_gw(genl_info_net(info), keyring, &gw,
				 nla_data(info->attrs[CPNS_A_PSK]),
				 nla_get_u32(info->attrs[CPNS_A_GRACE]),
				 info->extack);
	key_ref_put(keyring);
	return ret;
}

static int cpns_srv_remove_gw_cmd(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct cpns_id gw;
	key_ref_t keyring;
	s32 serial = 0;
	void *hdr;
	int ret;

	if (cpns_attr_id(info, CPNS_A_GW_ID, &gw))
		return -EINVAL;
	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	msg = cpns_reply_new(info, &hdr);
	ret = -ENOMEM;
	if (msg)
		ret = cpns_srv_remove_gw(genl_info_net(info), keyring, &gw,
					 &serial, info->extack);
	key_ref_put(keyring);
	if (!ret && nla_put_s32(msg, CPNS_A_KEY_SERIAL, serial))
		ret = -EMSGSIZE;
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return cpns_reply_send(msg, hdr, info);
}

static int cpns_gw_forget_cmd(struct sk_buff *skb, struct genl_info *info)
{
	struct cpns_gw_forget_out out = { 0 };
	struct cpns_id entity;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = cpns_attr_id(info, CPNS_A_ENTITY_ID, &entity);
	if (ret)
		return ret;
	msg = cpns_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	ret = cpns_gw_forget(genl_info_net(info), &entity, &out);
	if (ret)
		cpns_key_err(info, CPNS_KEY_CHAIN, ret);
	else if (nla_put_u32(msg, CPNS_A_EPOCH, out.epoch) ||
		 nla_put_u16(msg, CPNS_A_DELIVERED, out.delivered) ||
		 nla_put_u16(msg, CPNS_A_N, out.n) ||
		 nla_put_s32(msg, CPNS_A_KEY_SERIAL, out.serial))
		ret = -EMSGSIZE;
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return cpns_reply_send(msg, hdr, info);
}

typedef int (*cpns_doit_t)(struct sk_buff *skb, struct genl_info *info);

static const cpns_doit_t cpns_handlers[__CPNS_CMD_MAX] = {
	[CPNS_CMD_GET_INFO]		= cpns_get_info,
	[CPNS_CMD_GW_REQUEST]		= cpns_gw_request,
	[CPNS_CMD_GW_RESPONSE]		= cpns_gw_response,
	[CPNS_CMD_GW_DELIVER]		= cpns_gw_deliver,
	[CPNS_CMD_GW_CONFIRM]		= cpns_gw_confirm,
	[CPNS_CMD_PNE_ACCEPT]		= cpns_pne_accept,
	[CPNS_CMD_SRV_SEAL_USER]	= cpns_srv_seal_user,
	[CPNS_CMD_SRV_SEAL_ENTITY]	= cpns_srv_seal_entity,
	[CPNS_CMD_SRV_OPEN_REQUEST]	= cpns_srv_open_request,
	[CPNS_CMD_SRV_RESPOND]		= cpns_srv_respond,
	[CPNS_CMD_PNE_RESET]		= cpns_pne_reset,
	[CPNS_CMD_KEY_LOAD]		= cpns_key_load,
	[CPNS_CMD_SRV_RELEASE]		= cpns_srv_release,
	[CPNS_CMD_SRV_TRANSFER]		= cpns_srv_transfer,
	[CPNS_CMD_SRV_DECOMMISSION]	= cpns_srv_decommission,
	[CPNS_CMD_SRV_REINSTATE]	= cpns_srv_reinstate,
	[CPNS_CMD_SRV_ROTATE_GW]	= cpns_srv_rotate_gw_cmd,
	[CPNS_CMD_SRV_REMOVE_GW]	= cpns_srv_remove_gw_cmd,
	[CPNS_CMD_GW_FORGET]		= cpns_gw_forget_cmd,
};

/* Attributes that carry a secret from userspace: wiped in the request once used. */
static const int cpns_secret_attrs[] = {
	CPNS_A_HPW, CPNS_A_PASSWORD, CPNS_A_CLAIM_CODE, CPNS_A_TK, CPNS_A_PSK,
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

/* One entry point for every command, to count what was answered and refused. */
static int cpns_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	int ret;

	if (cmd >= ARRAY_SIZE(cpns_handlers) || !cpns_handlers[cmd])
		return -EOPNOTSUPP;
	ret = cpns_handlers[cmd](skb, info);
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
	CPNS_OP(CPNS_CMD_GET_INFO, cpns_info_policy),
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
	CPNS_OP(CPNS_CMD_SRV_RELEASE, cpns_srv_entity_policy),
	CPNS_OP(CPNS_CMD_SRV_TRANSFER, cpns_srv_transfer_policy),
	CPNS_OP(CPNS_CMD_SRV_DECOMMISSION, cpns_srv_entity_policy),
	CPNS_OP(CPNS_CMD_SRV_REINSTATE, cpns_srv_reinstate_policy),
	CPNS_OP(CPNS_CMD_SRV_ROTATE_GW, cpns_srv_rotate_gw_policy),
	CPNS_OP(CPNS_CMD_SRV_REMOVE_GW, cpns_srv_remove_gw_policy),
	CPNS_OP(CPNS_CMD_GW_FORGET, cpns_gw_forget_policy),
};

enum cpns_mcgrp {
	CPNS_MCGRP_EVENTS,
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

bool cpns_attr_missing(struct genl_info *info, int attr)
{
	if (!GENL_REQ_ATTR_CHECK(info, attr))
		return false;
	NL_SET_ERR_MSG_MOD(info->extack, "missing required attribute");
	return true;
}

int cpns_attr_id(struct genl_info *info, int attr, struct cpns_id *id)
{
	if (cpns_attr_missing(info, attr))
		return -EINVAL;
	return cpns_id_set(id, nla_data(info->attrs[attr]),
			   nla_len(info->attrs[attr]));
}

int cpns_attr_id_opt(struct genl_info *info, int attr, struct cpns_id *id)
{
	id->len = 0;
	if (!info->attrs[attr])
		return 0;
	return cpns_id_set(id, nla_data(info->attrs[attr]),
			   nla_len(info->attrs[attr]));
}

bool cpns_attrs_missing(struct genl_info *info, const int *attrs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (cpns_attr_missing(info, attrs[i]))
			return true;
	return false;
}

/* The commands that may make a key in CPNS_A_KEYRING. */
static bool cpns_cmd_mints(u8 cmd)
{
	return cmd == CPNS_CMD_GW_RESPONSE || cmd == CPNS_CMD_PNE_ACCEPT ||
	       cmd == CPNS_CMD_SRV_REMOVE_GW;	/* unlinks from it */
}

key_ref_t cpns_attr_keyring(struct genl_info *info)
{
	bool write = cpns_cmd_mints(info->genlhdr->cmd);
	key_ref_t ref;

	if (cpns_attr_missing(info, CPNS_A_KEYRING))
		return ERR_PTR(-EINVAL);
	ref = cpns_keyring_get(nla_get_s32(info->attrs[CPNS_A_KEYRING]), write);
	if (IS_ERR(ref) && write)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPNS_A_KEYRING],
				    "keyring not found, not searchable or not writable");
	else if (IS_ERR(ref))
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPNS_A_KEYRING],
				    "keyring not found or not searchable");
	return ref;
}

#define CPNS_KEY_MSGS(p) \
	{ p " key not found", p " key revoked", p " key expired", p " key not permitted" }

/* 6.1 has no formatted extack: one message per kind and failure. */
static const char *const cpns_key_msgs[][4] = {
	[CPNS_KEY_PSK]		= CPNS_KEY_MSGS("psk:"),
	[CPNS_KEY_TK]		= CPNS_KEY_MSGS("tk:"),
	[CPNS_KEY_MASTER]	= CPNS_KEY_MSGS("master:"),
	[CPNS_KEY_CHAIN]	= CPNS_KEY_MSGS("chain:"),
	[CPNS_KEY_EUK]		= CPNS_KEY_MSGS("euk:"),
};

void cpns_key_err(struct genl_info *info, enum cpns_key_kind kind, long err)
{
	if (info->extack)
		info->extack->_msg = cpns_key_msgs[kind][err == -EKEYREVOKED ? 1 :
							 err == -EKEYEXPIRED ? 2 :
							 err == -EACCES ? 3 : 0];
}

struct key *cpns_attr_key(struct genl_info *info, key_ref_t keyring,
			  enum cpns_key_kind kind, const struct cpns_id *id,
			  bool write)
{
	struct key *key;

	/* chain: and euk: are held in the namespace's store, whatever keyring */
	if (kind == CPNS_KEY_CHAIN || kind == CPNS_KEY_EUK)
		key = cpns_held_get(genl_info_net(info), kind, id);
	else
		key = cpns_key_get(keyring, kind, id, write);
	if (IS_ERR(key))
		cpns_key_err(info, kind, PTR_ERR(key));
	return key;
}

struct sk_buff *cpns_reply_new(struct genl_info *info, void **hdr)
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

int cpns_reply_send(struct sk_buff *skb, void *hdr, struct genl_info *info)
{
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

static int cpns_put_id(struct sk_buff *skb, int attr, const struct cpns_id *id)
{
	return id ? nla_put(skb, attr, id->len, id->b) : 0;
}

static int cpns_event_fill(struct sk_buff *skb, const struct cpns_ev *ev)
{
	if (nla_put_u8(skb, CPNS_A_EVENT, ev->type) ||
	    cpns_put_id(skb, CPNS_A_GW_ID, ev->gw) ||
	    cpns_put_id(skb, CPNS_A_USER_ID, ev->user) ||
	    cpns_put_id(skb, CPNS_A_ENTITY_ID, ev->entity))
		return -EMSGSIZE;
	if (ev->chain_id &&
	    nla_put(skb, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN, ev->chain_id))
		return -EMSGSIZE;
	if (((ev->has & CPNS_EV_EPOCH) && nla_put_u32(skb, CPNS_A_EPOCH, ev->epoch)) ||
	    ((ev->has & CPNS_EV_INDEX) && nla_put_u16(skb, CPNS_A_INDEX, ev->index)) ||
	    ((ev->has & CPNS_EV_N) && nla_put_u16(skb, CPNS_A_N, ev->n)) ||
	    ((ev->has & CPNS_EV_STATUS) && nla_put_u8(skb, CPNS_A_STATUS, ev->status)) ||
	    ((ev->has & CPNS_EV_CODE) && nla_put_u8(skb, CPNS_A_CODE, ev->code)) ||
	    ((ev->has & CPNS_EV_KIND) && nla_put_u8(skb, CPNS_A_ACCEPT_KIND, ev->kind)) ||
	    ((ev->has & CPNS_EV_SERIAL) && nla_put_s32(skb, CPNS_A_KEY_SERIAL, ev->serial)) ||
	    ((ev->has & CPNS_EV_VERIFIED) && nla_put_flag(skb, CPNS_A_VERIFIED)))
		return -EMSGSIZE;
	return 0;
}

void cpns_notify(struct genl_info *info, const struct cpns_ev *ev)
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
