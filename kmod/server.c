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
#include "admin.h"
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
	struct cpns_entity_rec ent;
	u8 rand_svr[CPNS_RAND_LEN];
	struct cpns_bundle bundle;
	u8 bundle_buf[CPNS_BUNDLE_LEN];
	u8 euk1[CPNS_HASH_LEN];
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	u8 out[CPNS_SEALED_MAX];
	u8 record[CPNS_SEALED_MAX];
	size_t recordlen;
	u8 erecord[CPNS_SEALED_MAX];
	int erecordlen;
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

/*
 * What goes in a record, from the request: a user's plaintext into c->pt
 * (returns its length), an entity into c->ent (returns 0); or -errno.
 */
typedef int (*cpns_record_fill_t)(struct genl_info *info,
				  struct cpns_srv_ctx *c);

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
	msg = cpns_reply_new(info, &hdr);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!msg || !c)
		goto out;
	len = fill(info, c);
	ret = len < 0 ? len : cpns_master_copy(info, keyring, c->master);
	if (ret)
		goto out;
	if (kind == CPNS_RECORD_ENTITY)
		len = cpns_record_seal_entity(c->master, &id, &c->ent, c->pt,
					      c->record);
	else
		len = cpns_record_seal(c->master, kind, &id, c->pt, len,
				       c->record) ?: len + CPNS_SEALED_MIN;
	ret = len < 0 ? len : 0;
	if (ret)
		goto out;
	ret = -EMSGSIZE;
	if (nla_put(msg, out_attr, len, c->record))
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
static int cpns_fill_user(struct genl_info *info, struct cpns_srv_ctx *c)
{
	struct nlattr *pw = info->attrs[CPNS_A_PASSWORD];

	if (cpns_attr_missing(info, CPNS_A_PASSWORD))
		return -EINVAL;
	return cpns_sha256(&(struct cpns_buf){ nla_data(pw), nla_len(pw) }, 1,
			   c->pt) ?: CPNS_HASH_LEN;
}

/* entity, as the manufacturer lists it: E = 0, unowned, TK, ClaimCode */
static int cpns_fill_entity(struct genl_info *info, struct cpns_srv_ctx *c)
{
	static const int required[] = { CPNS_A_TK, CPNS_A_CLAIM_CODE };
	struct nlattr *tk = info->attrs[CPNS_A_TK];
	struct nlattr *code = info->attrs[CPNS_A_CLAIM_CODE];

	if (cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	if (nla_len(tk) > CPNS_TK_MAX_LEN || nla_len(code) > CPNS_CLAIM_CODE_MAX_LEN)
		return -EINVAL;
	c->ent.tklen = nla_len(tk);
	memcpy(c->ent.tk, nla_data(tk), c->ent.tklen);
	c->ent.codelen = nla_len(code);
	memcpy(c->ent.code, nla_data(code), c->ent.codelen);
	return 0;
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
	/* a rotated PSK1 in its grace window (admin.c): then it answers */
	if (ret == -EBADMSG && !IS_ERR(key) &&
	    !cpns_srv_grace_psk(genl_info_net(info), gw, c->psk))
		ret = cpns_k_req(c->psk, *rand, c->k) ?:
		      cpns_open(c->k, c->aad, aadlen, nla_data(sealed),
				nla_len(sealed), c->body);
	if (ret && ret != -EBADMSG)
		return ret;		/* -ENOMEM: no verdict on the request */
	if (ret || IS_ERR(key))
		return CPNS_BAD_GW_AUTH;
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
	msg = cpns_reply_new(info, &hdr);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	ret = -ENOMEM;
	if (!msg || !c)
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

/*
 * A store record that does not open (or does not parse, or disagrees with
 * what userspace says of it) was written by someone other than this
 * module: refused with INTERNAL, never acted on, and logged without a
 * secret.  Any other error (-ENOMEM) is no verdict on the record.
 */
static int cpns_srv_bad_record(struct genl_info *info, int err,
			       const char *kind, const struct cpns_id *id,
			       const struct nlattr *attr, const char *why)
{
	if (err != -EBADMSG)
		return err;
	pr_warn_ratelimited("%s store record of %.*s %s: refused (INTERNAL)\n",
			    kind, id->len, id->b, why);
	NL_SET_ERR_MSG_ATTR(info->extack, attr,
			    "store record refused: not this module's for this identifier");
	return CPNS_INTERNAL;
}

/* 6: AuthHash, against a dummy HPW for an unknown user. */
static int cpns_srv_check_user(struct genl_info *info, struct cpns_srv_ctx *c,
			       const u8 *rand, u64 t)
{
	struct nlattr *urec = info->attrs[CPNS_A_USER_RECORD];
	int ret;

	if (urec)
		ret = cpns_record_open_user(c->master, &c->req.user, nla_data(urec),
					    nla_len(urec), c->pt, c->hpw);
	else
		ret = cpns_random(c->hpw, CPNS_HASH_LEN);
	if (ret)
		return cpns_srv_bad_record(info, ret, "user", &c->req.user, urec,
					   "does not open for this UserID");
	ret = cpns_auth_hash(c->hpw, rand, t, c->auth);
	if (ret)
		return ret;
	if (crypto_memneq(c->auth, c->req.auth_hash, CPNS_HASH_LEN) || !urec)
		return CPNS_AUTH_FAILED;
	return CPNS_OK;
}

/*
 * 7: the entity record, which holds TK, the claim code, E and the owner.
 * CPNS_A_EPOCH and CPNS_A_OWNER are what the store's columns say: they
 * decide nothing, and must agree with the record.
 */
static int cpns_srv_check_entity(struct genl_info *info, struct cpns_srv_ctx *c)
{
	struct nlattr *erec = info->attrs[CPNS_A_ENTITY_RECORD];
	struct cpns_entity_rec *er = &c->ent;
	struct cpns_id owner;
	int ret;

	if (!erec)
		return CPNS_UNKNOWN_ENTITY;
	ret = cpns_record_open_entity(c->master, &c->req.entity, nla_data(erec),
				      nla_len(erec), c->pt, er);
	if (ret)
		return cpns_srv_bad_record(info, ret, "entity", &c->req.entity,
					   erec, "does not open for this EntityID");
	ret = cpns_attr_id_opt(info, CPNS_A_OWNER, &owner);
	if (ret)
		return ret;
	if (nla_get_u32(info->attrs[CPNS_A_EPOCH]) != er->e ||
	    owner.len != er->owner.len || memcmp(owner.b, er->owner.b, owner.len))
		return cpns_srv_bad_record(info, -EBADMSG, "entity", &c->req.entity,
					   erec, "disagrees with the store's owner or epoch");
	/* decommissioned (admin.c): answered as an entity not in the list */
	if (er->flags & CPNS_ENTITY_DECOMMISSIONED)
		return CPNS_UNKNOWN_ENTITY;
	return CPNS_OK;
}

/* Checks 6 to 8; CPNS_OK when the chain may be made, else the status. */
static int cpns_srv_decide(struct genl_info *info, struct cpns_srv_ctx *c,
			   const struct cpns_id *gw, const u8 *rand, u64 t,
			   bool *claimed)
{
	struct cpns_entity_rec *er = &c->ent;
	int ret;

	ret = cpns_srv_check_user(info, c, rand, t);
	if (ret == CPNS_OK)
		ret = cpns_srv_check_entity(info, c);
	if (ret != CPNS_OK)
		return ret;

	/* 8: ownership, and the claim code for a first claim. */
	*claimed = false;
	if (er->owner.len) {
		if (er->owner.len != c->req.user.len ||
		    memcmp(er->owner.b, c->req.user.b, er->owner.len))
			return CPNS_NOT_OWNER;
	} else {
		if (!c->req.has_claim)
			return CPNS_CLAIM_FAILED;
		ret = cpns_claim_proof(er->code, er->codelen, gw, &c->req.user,
				       &c->req.entity, rand, t, c->proof);
		if (ret)
			return ret;
		if (crypto_memneq(c->proof, c->req.claim_proof, CPNS_HASH_LEN))
			return CPNS_CLAIM_FAILED;
		*claimed = true;
	}

	/* 9: E + 1 (never wrapping to 0), and KEK_E while TK is at hand. */
	c->bundle.e = er->e + 1;
	if (!c->bundle.e)
		return CPNS_INTERNAL;
	return cpns_kek(er->tk, er->tklen, &c->req.entity, c->bundle.e,
			c->bundle.kek) ?: CPNS_OK;
}

/*
 * Profile 3: a fresh chain and its sealed record, and the entity's next
 * record: E + 1, owned by UserID.
 */
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
	ret = cpns_record_seal(c->master, CPNS_RECORD_CHAIN, &c->req.entity,
			       c->pt, b.len, c->record);
	memzero_explicit(c->pt, sizeof(c->pt));
	if (ret)
		return ret;

	c->ent.e = c->bundle.e;
	c->ent.owner = c->req.user;
	c->erecordlen = cpns_record_seal_entity(c->master, &c->req.entity,
						&c->ent, c->pt, c->erecord);
	return c->erecordlen < 0 ? c->erecordlen : 0;
}

/*
 * Checks 6 to 9 for a status OK asked by userspace, then the sealed
 * response under K_resp.  *status in: the status asked; out: the one sent.
 */
static int cpns_srv_answer(struct genl_info *info, struct cpns_srv_ctx *c,
			   const struct cpns_id *gw, const u8 *rand, u64 t,
			   u8 *status, bool *claimed)
{
	size_t aadlen, ptlen = 0;
	int ret;

	if (*status == CPNS_OK) {
		ret = cpns_srv_decide(info, c, gw, rand, t, claimed);
		if (ret < 0)
			return ret;
		*status = ret;
		if (*status == CPNS_OK) {
			ret = cpns_srv_chain(c, rand,
					     nla_get_u16(info->attrs[CPNS_A_N]));
			if (ret)
				return ret;
			ptlen = CPNS_BUNDLE_LEN;
		}
	}
	aadlen = cpns_resp_aad(c->aad, *status, gw, &c->req.user, &c->req.entity,
			       rand, t);
	return cpns_k_resp(c->psk, rand, c->k) ?:
	       cpns_seal(c->k, c->aad, aadlen, c->bundle_buf, ptlen, c->out);
}

static int cpns_srv_respond_put(struct sk_buff *msg, struct cpns_srv_ctx *c,
				u8 status, bool claimed)
{
	size_t ptlen = status == CPNS_OK ? CPNS_BUNDLE_LEN : 0;

	if (nla_put_u8(msg, CPNS_A_STATUS, status))
		return -EMSGSIZE;
	if (status == CPNS_STALE)
		return 0;		/* check 1: unverified, nothing sealed */
	if (nla_put(msg, CPNS_A_SEALED, ptlen + CPNS_SEALED_MIN, c->out))
		return -EMSGSIZE;
	if (status == CPNS_OK &&
	    (nla_put_u32(msg, CPNS_A_EPOCH, c->bundle.e) ||
	     nla_put_u16(msg, CPNS_A_N, c->bundle.n) ||
	     nla_put(msg, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN, c->chain_id) ||
	     nla_put(msg, CPNS_A_CHAIN_RECORD, c->recordlen, c->record) ||
	     nla_put(msg, CPNS_A_ENTITY_RECORD, c->erecordlen, c->erecord) ||
	     (claimed && nla_put_flag(msg, CPNS_A_CLAIM))))
		return -EMSGSIZE;
	return 0;
}

/* Checks 1 and 2 again, by the kernel's clock; then check 4's parse. */
static int cpns_srv_reopen(struct genl_info *info, key_ref_t keyring,
			   struct cpns_srv_ctx *c, struct cpns_id *gw,
			   const u8 **rand, u64 *t, u8 *status)
{
	int ret;

	ret = cpns_srv_open(info, keyring, c, gw, rand, t, true);
	if (ret == CPNS_STALE) {
		*status = CPNS_STALE;
		return 0;
	}
	if (ret > 0) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "request does not open under this GW's PSK1");
		return -EBADMSG;
	}
	if (ret < 0)
		return ret;
	if (cpns_req_body_parse(c->body, c->bodylen, &c->req)) {
		if (*status == CPNS_OK) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "request body is malformed: answer MALFORMED");
			return -EINVAL;
		}
		cpns_srv_loose_ids(c);
	}
	return 0;
}

int cpns_srv_respond(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_MASTER, CPNS_A_GW_ID, CPNS_A_RAND,
					CPNS_A_TIME, CPNS_A_SEALED, CPNS_A_STATUS,
					CPNS_A_EPOCH, CPNS_A_N };
	struct cpns_srv_ctx *c = NULL;
	struct sk_buff *msg = NULL;
	struct cpns_id gw;
	key_ref_t keyring;
	const u8 *rand;
	bool claimed = false;
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
	ret = -ENOMEM;
	msg = cpns_reply_new(info, &hdr);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!msg || !c)
		goto out;
	ret = cpns_master_copy(info, keyring, c->master) ?:
	      cpns_srv_reopen(info, keyring, c, &gw, &rand, &t, &status);
	if (!ret && status != CPNS_STALE)
		ret = cpns_srv_answer(info, c, &gw, rand, t, &status, &claimed);
	if (!ret)
		ret = cpns_srv_respond_put(msg, c, status, claimed);
	if (ret)
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
