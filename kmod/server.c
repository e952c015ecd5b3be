// SPDX-License-Identifier: GPL-2.0
/*
 * The CPNS Server's commands: seal the store's records, run the kernel's
 * part of the checks of profile 2, make the chain (profile 3) and seal
 * the response (profile 4).  The server's userspace holds the replay
 * cache, the failure counters and the sealed records; PSK1, TK, the
 * claim codes, HPW, RAND_SVR and the chain never leave this file.
 */

#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <crypto/algapi.h>
#include "netlink.h"
#include "record.h"

struct cpns_srv_ctx {
	u8 psk[CPNS_PSK_LEN];
	u8 master[CPNS_MASTER_LEN];
	u8 k[CPNS_KEY_LEN];
	u8 aad[CPNS_AAD_MAX];
	u8 body[CPNS_SEALED_MAX];
	size_t bodylen;
	struct cpns_req_body req;
	u8 hpw[CPNS_HASH_LEN];
	u8 auth[CPNS_HASH_LEN];
	u8 proof[CPNS_HASH_LEN];
	u8 pt[CPNS_RECORD_PT_MAX];
	u8 rand_svr[CPNS_RAND_LEN];
	struct cpns_bundle bundle;
	u8 bundle_buf[CPNS_BUNDLE_LEN];
	u8 euk1[CPNS_HASH_LEN];
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	u8 out[CPNS_SEALED_MAX];
	u8 record[CPNS_SEALED_MAX];
	size_t recordlen;
};

static int cpns_master_copy(struct genl_info *info, key_ref_t keyring,
			    u8 master[CPNS_MASTER_LEN])
{
	struct cpns_id name;
	struct key *key;
	int ret;

	ret = cpns_attr_id(info, CPNS_A_MASTER, &name);
	if (ret)
		return ret;
	key = cpns_attr_key(info, keyring, CPNS_KEY_MASTER, &name, false);
	if (IS_ERR(key))
		return PTR_ERR(key);
	memcpy(master, cpns_key_payload(key)->secret, CPNS_MASTER_LEN);
	cpns_key_put(key, false);
	return 0;
}

/* The plaintext of a record from the request: its length, or -errno. */
typedef int (*cpns_record_fill_t)(struct genl_info *info,
				  u8 pt[CPNS_RECORD_PT_MAX]);

/*
 * Seal the record that @fill makes from the request under master:<name>,
 * bound to the identifier in @id_attr, and reply with it in @out_attr.
 */
static int cpns_srv_seal_record(struct genl_info *info, enum cpns_record_kind kind,
				int id_attr, int out_attr, cpns_record_fill_t fill)
{
	struct cpns_srv_ctx *c = NULL;
	struct sk_buff *msg = NULL;
	struct cpns_id id;
	key_ref_t keyring;
	void *hdr;
	int len, ret;

	ret = cpns_attr_id(info, id_attr, &id);
	if (ret || cpns_attr_missing(info, CPNS_A_MASTER))
		return -EINVAL;
	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	ret = -ENOMEM;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto out;
	len = fill(info, c->pt);
	ret = len < 0 ? len :
	      cpns_master_copy(info, keyring, c->master) ?:
	      cpns_record_seal(c->master, kind, &id, c->pt, len, c->record);
	if (ret)
		goto out;
	ret = -ENOMEM;
	msg = cpns_reply_new(info, &hdr);
	if (!msg)
		goto out;
	ret = -EMSGSIZE;
	if (nla_put(msg, out_attr, len + CPNS_SEALED_MIN, c->record))
		goto out;
	ret = cpns_reply_send(msg, hdr, info);
	msg = NULL;
out:
	nlmsg_free(msg);
	key_ref_put(keyring);
	kfree_sensitive(c);
	return ret;
}

/* user: HPW = H(password) */
static int cpns_fill_user(struct genl_info *info, u8 pt[CPNS_RECORD_PT_MAX])
{
	struct nlattr *pw = info->attrs[CPNS_A_PASSWORD];

	if (cpns_attr_missing(info, CPNS_A_PASSWORD))
		return -EINVAL;
	return cpns_sha256(&(struct cpns_buf){ nla_data(pw), nla_len(pw) }, 1, pt) ?:
	       CPNS_HASH_LEN;
}

/* entity: lp(TK) || lp(ClaimCode) */
static int cpns_fill_entity(struct genl_info *info, u8 pt[CPNS_RECORD_PT_MAX])
{
	static const int required[] = { CPNS_A_TK, CPNS_A_CLAIM_CODE };
	struct nlattr *tk = info->attrs[CPNS_A_TK];
	struct nlattr *code = info->attrs[CPNS_A_CLAIM_CODE];
	struct cpns_bld b;

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	cpns_bld_init(&b, pt, CPNS_RECORD_PT_MAX);
	cpns_bld_lp(&b, nla_data(tk), nla_len(tk));
	cpns_bld_lp(&b, nla_data(code), nla_len(code));
	return b.overflow ? -EINVAL : b.len;
}

int cpns_srv_seal_user(struct sk_buff *skb, struct genl_info *info)
{
	return cpns_srv_seal_record(info, CPNS_RECORD_USER, CPNS_A_USER_ID,
				    CPNS_A_USER_RECORD, cpns_fill_user);
}

int cpns_srv_seal_entity(struct sk_buff *skb, struct genl_info *info)
{
	return cpns_srv_seal_record(info, CPNS_RECORD_ENTITY, CPNS_A_ENTITY_ID,
				    CPNS_A_ENTITY_RECORD, cpns_fill_entity);
}

/*
 * Checks 1 and 2 of profile 2 for the request in @info.  Returns OK,
 * MALFORMED, STALE or BAD_GW_AUTH, or -errno; on OK c->body holds ReqBody.
 */
static int cpns_srv_open(struct genl_info *info, key_ref_t keyring,
			 struct cpns_srv_ctx *c, struct cpns_id *gw,
			 const u8 **rand, u64 *t, bool check_time)
{
	static const int required[] = { CPNS_A_GW_ID, CPNS_A_RAND, CPNS_A_TIME,
					CPNS_A_SEALED };
	struct nlattr *sealed = info->attrs[CPNS_A_SEALED];
	struct nlattr *gwattr = info->attrs[CPNS_A_GW_ID];
	time64_t now = ktime_get_real_seconds();
	struct key *key;
	size_t aadlen;
	int ret;

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	*rand = nla_data(info->attrs[CPNS_A_RAND]);
	*t = nla_get_u64(info->attrs[CPNS_A_TIME]);
	if (cpns_id_set(gw, nla_data(gwattr), nla_len(gwattr)))
		return CPNS_MALFORMED;
	if (check_time && (*t > (u64)now + CPNS_TIME_WINDOW ||
			   (u64)now > *t + CPNS_TIME_WINDOW))
		return CPNS_STALE;
	key = cpns_key_get(keyring, CPNS_KEY_PSK, gw, false);
	if (IS_ERR(key)) {
		if (PTR_ERR(key) != -ENOKEY) {
			cpns_key_err(info, CPNS_KEY_PSK, PTR_ERR(key));
			return PTR_ERR(key);
		}
		/* Unknown GwID: the same work under a key nobody holds. */
		ret = cpns_random(c->psk, CPNS_PSK_LEN);
		if (ret)
			return ret;
	} else {
		memcpy(c->psk, cpns_key_payload(key)->secret, CPNS_PSK_LEN);
		cpns_key_put(key, false);
	}
	aadlen = cpns_req_aad(c->aad, gw, *rand, *t);
	ret = cpns_k_req(c->psk, *rand, c->k);
	if (ret)
		return ret;
	ret = cpns_open(c->k, c->aad, aadlen, nla_data(sealed), nla_len(sealed),
			c->body);
	if (ret == -EBADMSG || IS_ERR(key))
		return CPNS_BAD_GW_AUTH;
	if (ret)
		return ret;
	c->bodylen = nla_len(sealed) - CPNS_SEALED_MIN;
	return CPNS_OK;
}

int cpns_srv_open_request(struct sk_buff *skb, struct genl_info *info)
{
	struct cpns_srv_ctx *c;
	struct sk_buff *msg = NULL;
	struct cpns_id gw;
	key_ref_t keyring;
	const u8 *rand;
	bool verified = false;
	void *hdr;
	int status, ret;
	u64 t;

	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	ret = -ENOMEM;
	if (!c)
		goto out;
	status = cpns_srv_open(info, keyring, c, &gw, &rand, &t, true);
	if (status < 0) {
		ret = status;
		goto out;
	}
	if (status == CPNS_OK) {
		verified = true;
		if (cpns_req_body_parse(c->body, c->bodylen, &c->req))
			status = CPNS_MALFORMED;	/* check 4, answered sealed */
	}
	ret = -ENOMEM;
	msg = cpns_reply_new(info, &hdr);
	if (!msg)
		goto out;
	ret = -EMSGSIZE;
	if (nla_put_u8(msg, CPNS_A_STATUS, status) ||
	    (verified && nla_put_flag(msg, CPNS_A_VERIFIED)))
		goto out;
	if (status == CPNS_OK &&
	    (nla_put(msg, CPNS_A_USER_ID, c->req.user.len, c->req.user.b) ||
	     nla_put(msg, CPNS_A_ENTITY_ID, c->req.entity.len, c->req.entity.b) ||
	     (c->req.has_claim && nla_put_flag(msg, CPNS_A_CLAIM))))
		goto out;
	key_ref_put(keyring);
	kfree_sensitive(c);
	return cpns_reply_send(msg, hdr, info);

out:
	nlmsg_free(msg);
	key_ref_put(keyring);
	kfree_sensitive(c);
	return ret;
}

/*
 * Best effort for a sealed MALFORMED's event: the identifiers as far as they
 * parse.  Its RespAAD binds none (profile 4, text revision 1.1).
 */
static void cpns_srv_loose_ids(struct cpns_srv_ctx *c)
{
	size_t off = 0, len;
	int k;

	for (k = 0; k < 2; k++) {
		struct cpns_id *id = k ? &c->req.entity : &c->req.user;

		id->len = 0;
		if (off + 2 > c->bodylen)
			return;
		len = get_unaligned_be16(c->body + off);
		if (len > CPNS_ID_MAX_LEN || off + 2 + len > c->bodylen)
			return;
		memcpy(id->b, c->body + off + 2, len);
		id->len = len;
		off += 2 + len;
	}
}

/* Checks 6 to 8; CPNS_OK when the chain may be made, else the status. */
static int cpns_srv_decide(struct genl_info *info, struct cpns_srv_ctx *c,
			   const struct cpns_id *gw, const u8 *rand, u64 t,
			   bool *claimed)
{
	struct nlattr *urec = info->attrs[CPNS_A_USER_RECORD];
	struct nlattr *erec = info->attrs[CPNS_A_ENTITY_RECORD];
	const u8 *tk, *code;
	size_t ptlen, tklen, codelen;
	struct cpns_id owner;
	int ret;

	/* 6: AuthHash, against a dummy HPW for an unknown user. */
	if (urec) {
		ret = cpns_record_open(c->master, CPNS_RECORD_USER, &c->req.user,
				       nla_data(urec), nla_len(urec), c->pt, &ptlen);
		if (ret || ptlen != CPNS_HASH_LEN) {
			NL_SET_ERR_MSG_ATTR(info->extack, urec,
					    "user record does not open for this UserID");
			return -EBADMSG;
		}
		memcpy(c->hpw, c->pt, CPNS_HASH_LEN);
	} else {
		ret = cpns_random(c->hpw, CPNS_HASH_LEN);
		if (ret)
			return ret;
	}
	ret = cpns_auth_hash(c->hpw, rand, t, c->auth);
	if (ret)
		return ret;
	if (crypto_memneq(c->auth, c->req.auth_hash, CPNS_HASH_LEN) || !urec)
		return CPNS_AUTH_FAILED;

	/* 7: in the manufacturer's list. */
	if (!erec)
		return CPNS_UNKNOWN_ENTITY;
	ret = cpns_record_open(c->master, CPNS_RECORD_ENTITY, &c->req.entity,
			       nla_data(erec), nla_len(erec), c->pt, &ptlen);
	if (ret)
		goto bad_entity;
	tklen = ptlen >= 2 ? get_unaligned_be16(c->pt) : 0;
	if (tklen < CPNS_TK_MIN_LEN || tklen > CPNS_TK_MAX_LEN ||
	    2 + tklen + 2 > ptlen)
		goto bad_entity;
	tk = c->pt + 2;
	codelen = get_unaligned_be16(c->pt + 2 + tklen);
	code = c->pt + 2 + tklen + 2;
	if (2 + tklen + 2 + codelen != ptlen ||
	    !cpns_claim_code_valid(code, codelen))
		goto bad_entity;

	/* 8: ownership, and the claim code for a first claim. */
	ret = cpns_attr_id_opt(info, CPNS_A_OWNER, &owner);
	if (ret)
		return ret;
	*claimed = false;
	if (owner.len) {
		if (owner.len != c->req.user.len ||
		    memcmp(owner.b, c->req.user.b, owner.len))
			return CPNS_NOT_OWNER;
	} else {
		if (!c->req.has_claim)
			return CPNS_CLAIM_FAILED;
		ret = cpns_claim_proof(code, codelen, gw, &c->req.user,
				       &c->req.entity, rand, t, c->proof);
		if (ret)
			return ret;
		if (crypto_memneq(c->proof, c->req.claim_proof, CPNS_HASH_LEN))
			return CPNS_CLAIM_FAILED;
		*claimed = true;
	}

	/* KEK_E for the next epoch, while TK is at hand. */
	c->bundle.e = nla_get_u32(info->attrs[CPNS_A_EPOCH]) + 1;
	return cpns_kek(tk, tklen, &c->req.entity, c->bundle.e, c->bundle.kek) ?:
	       CPNS_OK;

bad_entity:
	NL_SET_ERR_MSG_ATTR(info->extack, erec,
			    "entity record does not open for this EntityID");
	return -EBADMSG;
}

/* Check 9 and profile 3: E + 1, a fresh chain, its sealed record. */
static int cpns_srv_chain(struct cpns_srv_ctx *c, const u8 *rand, u16 n)
{
	struct cpns_bld b;
	int ret;

	c->bundle.n = n;
	ret = cpns_random(c->rand_svr, CPNS_RAND_LEN) ?:
	      cpns_chain_top(rand, c->rand_svr, c->bundle.top) ?:
	      cpns_chain_key(c->bundle.top, n, 1, c->euk1) ?:
	      cpns_chain_id(c->euk1, c->chain_id);
	if (ret)
		return ret;
	cpns_bundle_build(c->bundle_buf, &c->bundle);

	cpns_bld_init(&b, c->pt, sizeof(c->pt));
	cpns_bld_u16(&b, n);
	cpns_bld_put(&b, c->bundle.top, CPNS_HASH_LEN);
	cpns_bld_u32(&b, c->bundle.e);
	c->recordlen = b.len + CPNS_SEALED_MIN;
	return cpns_record_seal(c->master, CPNS_RECORD_CHAIN, &c->req.entity,
				c->pt, b.len, c->record);
}

int cpns_srv_respond(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_MASTER, CPNS_A_GW_ID, CPNS_A_RAND,
					CPNS_A_TIME, CPNS_A_SEALED, CPNS_A_STATUS,
					CPNS_A_EPOCH, CPNS_A_N };
	struct cpns_srv_ctx *c;
	struct sk_buff *msg = NULL;
	struct cpns_id gw;
	key_ref_t keyring;
	const u8 *rand;
	bool claimed = false;
	size_t aadlen, ptlen = 0;
	u8 status;
	void *hdr;
	int ret;
	u64 t;

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	status = nla_get_u8(info->attrs[CPNS_A_STATUS]);
	if (status != CPNS_OK && status != CPNS_MALFORMED && status != CPNS_REPLAY &&
	    status != CPNS_RATE_LIMITED && status != CPNS_INTERNAL) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPNS_A_STATUS],
				    "only OK, MALFORMED, REPLAY, RATE_LIMITED, INTERNAL");
		return -EINVAL;
	}
	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	ret = -ENOMEM;
	if (!c)
		goto out;
	ret = cpns_master_copy(info, keyring, c->master);
	if (ret)
		goto out;
	ret = cpns_srv_open(info, keyring, c, &gw, &rand, &t, false);
	if (ret != CPNS_OK) {
		if (ret > 0) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "request does not open under this GW's PSK1");
			ret = -EBADMSG;
		}
		goto out;
	}
	if (cpns_req_body_parse(c->body, c->bodylen, &c->req)) {
		if (status == CPNS_OK) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "request body is malformed: answer MALFORMED");
			ret = -EINVAL;
			goto out;
		}
		cpns_srv_loose_ids(c);
	}

	if (status == CPNS_OK) {
		ret = cpns_srv_decide(info, c, &gw, rand, t, &claimed);
		if (ret < 0)
			goto out;
		status = ret;
		if (status == CPNS_OK && c->bundle.e == 0)
			status = CPNS_INTERNAL;		/* E would wrap */
		if (status == CPNS_OK) {
			ret = cpns_srv_chain(c, rand,
					     nla_get_u16(info->attrs[CPNS_A_N]));
			if (ret)
				goto out;
			ptlen = CPNS_BUNDLE_LEN;
		}
	}

	aadlen = cpns_resp_aad(c->aad, status, &gw, &c->req.user, &c->req.entity,
			       rand, t);
	ret = cpns_k_resp(c->psk, rand, c->k) ?:
	      cpns_seal(c->k, c->aad, aadlen, c->bundle_buf, ptlen, c->out);
	if (ret)
		goto out;

	ret = -ENOMEM;
	msg = cpns_reply_new(info, &hdr);
	if (!msg)
		goto out;
	ret = -EMSGSIZE;
	if (nla_put_u8(msg, CPNS_A_STATUS, status) ||
	    nla_put(msg, CPNS_A_SEALED, ptlen + CPNS_SEALED_MIN, c->out))
		goto out;
	if (status == CPNS_OK &&
	    (nla_put_u32(msg, CPNS_A_EPOCH, c->bundle.e) ||
	     nla_put_u16(msg, CPNS_A_N, c->bundle.n) ||
	     nla_put(msg, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN, c->chain_id) ||
	     nla_put(msg, CPNS_A_CHAIN_RECORD, c->recordlen, c->record) ||
	     (claimed && nla_put_flag(msg, CPNS_A_CLAIM))))
		goto out;

	cpns_count(info, CPNS_COUNTER_A_RESPONSES);
	if (status != CPNS_OK)
		cpns_count(info, CPNS_COUNTER_A_REFUSED);
	cpns_notify(info, &(struct cpns_ev){ .type = CPNS_EVENT_ANSWERED,
		    .gw = &gw, .user = &c->req.user, .entity = &c->req.entity,
		    .has = CPNS_EV_STATUS | (status == CPNS_OK ?
					     CPNS_EV_EPOCH | CPNS_EV_N : 0),
		    .status = status, .epoch = c->bundle.e, .n = c->bundle.n,
		    .chain_id = status == CPNS_OK ? c->chain_id : NULL });
	key_ref_put(keyring);
	kfree_sensitive(c);
	return cpns_reply_send(msg, hdr, info);

out:
	nlmsg_free(msg);
	key_ref_put(keyring);
	kfree_sensitive(c);
	return ret;
}
