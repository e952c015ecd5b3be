// SPDX-License-Identifier: GPL-2.0
/*
 * The PNE's command: open a delivery under KEK_E derived from its own TK,
 * apply the acceptance rules of profile 6 in order, keep the EUKey in
 * euk:<EntityID>, and answer with Confirm (profile 7).
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <crypto/algapi.h>
#include "netlink.h"

/*
 * Locking: acceptance reads the held key, decides and replaces it under
 * that key's semaphore (cpns_held_get()), one delivery at a time per
 * entity and namespace; the key lives in the namespace's store, so only
 * callers in this namespace can contend for it.  When nothing is held, the
 * key is made by cpns_held_create(), which refuses (-EEXIST) when a racing
 * delivery made it first: the delivery is then judged against that one,
 * so two deliveries cannot both be judged "first".  A key found revoked
 * was dropped by a reset meanwhile: the delivery is judged again.  No lock is global and
 * none is taken before a held key's semaphore (key.h gives the order).
 */

/* How many times a delivery is judged again after losing a race. */
#define CPNS_PNE_TRIES 4

struct cpns_pne_ctx {
	u8 kek[CPNS_KEY_LEN];
	u8 aad[CPNS_AAD_MAX];
	u8 euk[CPNS_SEALED_MAX];	/* the plaintext, 32 bytes when valid */
	u8 walk[CPNS_HASH_LEN];
	u8 euk1[CPNS_HASH_LEN];
	u8 confirm[CPNS_HASH_LEN];
};

struct cpns_delivery {
	struct cpns_id entity;
	u32 e;
	u16 i, n;
	const u8 *challenge;
	const struct nlattr *sealed;
};

/* Rule 3: OPEN under KEK_E from our own TK; 0 or REJECT_OPEN, or -errno. */
static int cpns_pne_open(struct genl_info *info, key_ref_t keyring,
			 const struct cpns_delivery *d, struct cpns_pne_ctx *c)
{
	struct cpns_key_payload *tk;
	struct key *key;
	size_t aadlen;
	int ret;

	key = cpns_key_get(keyring, CPNS_KEY_TK, &d->entity, false);
	if (IS_ERR(key)) {
		if (PTR_ERR(key) == -ENOKEY)
			return CPNS_REJECT_ENTITY;	/* rule 1 */
		cpns_key_err(info, CPNS_KEY_TK, PTR_ERR(key));
		return PTR_ERR(key);
	}
	tk = cpns_key_payload(key);
	ret = cpns_kek(tk->secret, tk->len, &d->entity, d->e, c->kek);
	cpns_key_put(key, false);
	if (ret)
		return ret;
	if (!(d->i >= 1 && d->i <= d->n))
		return CPNS_REJECT_RANGE;		/* rule 2 */
	aadlen = cpns_del_aad(c->aad, &d->entity, d->e, d->i, d->n);
	ret = cpns_open(c->kek, c->aad, aadlen, nla_data(d->sealed),
			nla_len(d->sealed), c->euk);
	if (ret == -EBADMSG ||
	    (!ret && nla_len(d->sealed) - CPNS_SEALED_MIN != CPNS_HASH_LEN))
		return CPNS_REJECT_OPEN;
	return ret;
}

/*
 * Fill @p, allocated beforehand, with the accepted key.  ChainID is
 * H(EUKey[1]) = H(H^(i-1)(EUKey[i])) for a new chain, kept otherwise.
 */
static int cpns_euk_fill(struct cpns_key_payload *p,
			 const struct cpns_euk_state *held,
			 const struct cpns_delivery *d, struct cpns_pne_ctx *c,
			 u8 kind)
{
	memcpy(p->euk.euk, c->euk, CPNS_HASH_LEN);
	p->euk.epoch = d->e;
	p->euk.index = d->i;
	p->euk.n = d->n;
	if (kind == CPNS_ACCEPT_RENEWAL || kind == CPNS_ACCEPT_REPEAT) {
		memcpy(p->euk.chain_id, held->chain_id, CPNS_CHAIN_ID_LEN);
		return 0;
	}
	return cpns_sha256_iter(c->euk, d->i - 1, c->euk1) ?:
	       cpns_chain_id(c->euk1, p->euk.chain_id);
}

/*
 * Rules 4 to 6 against the held key (NULL: nothing held).  Returns
 * ACCEPTED with *kind set, a REJECT_* code, or -errno.
 */
static int cpns_pne_judge(const struct cpns_euk_state *held,
			  const struct cpns_delivery *d, struct cpns_pne_ctx *c,
			  u8 *kind)
{
	int ret;

	if (!held || d->e > held->epoch) {
		*kind = held ? CPNS_ACCEPT_NEW_EPOCH : CPNS_ACCEPT_FIRST;
		return CPNS_ACCEPTED;
	}
	if (d->e < held->epoch || d->n != held->n || d->i < held->index)
		return CPNS_REJECT_ROLLBACK;
	ret = cpns_sha256_iter(c->euk, d->i - held->index, c->walk);
	if (ret)
		return ret;
	if (crypto_memneq(c->walk, held->euk, CPNS_HASH_LEN))
		return CPNS_REJECT_LINK;
	*kind = d->i > held->index ? CPNS_ACCEPT_RENEWAL : CPNS_ACCEPT_REPEAT;
	return CPNS_ACCEPTED;
}

/*
 * Rules 4 to 6 and the change they make, @next (allocated) becoming the
 * held key unless the delivery is a repeat.  Returns ACCEPTED with *kind
 * and *serial set, a REJECT_* code, or -errno; on -errno nothing changed.
 */
static int cpns_pne_decide(struct genl_info *info, key_ref_t keyring,
			   const struct cpns_delivery *d, struct cpns_pne_ctx *c,
			   struct cpns_key_payload **next, u8 *kind, s32 *serial)
{
	struct net *net = genl_info_net(info);
	struct key *held;
	int tries, code;

	for (tries = 0; tries < CPNS_PNE_TRIES; tries++) {
		*kind = 0;
		held = cpns_held_get(net, CPNS_KEY_EUK, &d->entity);
		if (!IS_ERR(held)) {
			struct cpns_euk_state *h = &cpns_key_payload(held)->euk;

			code = cpns_pne_judge(h, d, c, kind);
			if (code == CPNS_ACCEPTED && *kind != CPNS_ACCEPT_REPEAT) {
				code = cpns_euk_fill(*next, h, d, c, *kind);
				if (!code) {
					cpns_key_replace(held, *next);
					*next = NULL;
				}
			}
			*serial = held->serial;
			cpns_key_put(held, true);
			return code;
		}
		/* revoked: a reset dropped it since the search; judge again */
		if (PTR_ERR(held) == -EKEYREVOKED)
			continue;
		if (PTR_ERR(held) != -ENOKEY) {
			cpns_key_err(info, CPNS_KEY_EUK, PTR_ERR(held));
			return PTR_ERR(held);
		}
		*kind = CPNS_ACCEPT_FIRST;
		code = cpns_euk_fill(*next, NULL, d, c, *kind);
		if (code)
			return code;
		*serial = cpns_held_create(net, keyring, CPNS_KEY_EUK, &d->entity,
					   *next);
		if (*serial >= 0)
			return CPNS_ACCEPTED;
		if (*serial != -EEXIST) {
			NL_SET_ERR_MSG_MOD(info->extack, "cannot create the euk: key");
			return *serial;
		}
	}
	return -EAGAIN;
}

/* Room for every attribute of an accepting reply, checked before deciding. */
static bool cpns_pne_reply_fits(struct sk_buff *msg)
{
	return skb_tailroom(msg) >= nla_total_size(CPNS_HASH_LEN) +
				    2 * nla_total_size(sizeof(u8)) +
				    nla_total_size(sizeof(s32));
}

int cpns_pne_accept(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_EPOCH, CPNS_A_INDEX, CPNS_A_N,
					CPNS_A_CHALLENGE, CPNS_A_SEALED };
	struct cpns_key_payload *next = NULL;
	struct cpns_delivery d = {};
	struct cpns_pne_ctx *c;
	struct sk_buff *msg;
	key_ref_t keyring;
	s32 serial = 0;
	u8 kind = 0;
	void *hdr;
	int code, ret;

	ret = cpns_attr_id(info, CPNS_A_ENTITY_ID, &d.entity);
	if (ret || cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	d.e = nla_get_u32(info->attrs[CPNS_A_EPOCH]);
	d.i = nla_get_u16(info->attrs[CPNS_A_INDEX]);
	d.n = nla_get_u16(info->attrs[CPNS_A_N]);
	d.challenge = nla_data(info->attrs[CPNS_A_CHALLENGE]);
	d.sealed = info->attrs[CPNS_A_SEALED];

	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	/* Everything the answer and the new key need, before any decision. */
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	next = cpns_payload_alloc(CPNS_KEY_EUK);
	msg = cpns_reply_new(info, &hdr);
	ret = -ENOMEM;
	if (!c || !next || !msg)
		goto out_free;
	ret = -EMSGSIZE;
	if (!cpns_pne_reply_fits(msg))
		goto out_free;

	code = cpns_pne_open(info, keyring, &d, c);
	if (code == CPNS_ACCEPTED) {
		ret = cpns_confirm(c->euk, &d.entity, d.e, d.i, d.challenge,
				   c->confirm);
		if (ret)
			goto out_free;
		code = cpns_pne_decide(info, keyring, &d, c, &next, &kind,
				       &serial);
	}
	if (code < 0) {
		ret = code;
		goto out_free;
	}

	/* The state has changed: nothing below can fail (room checked). */
	if (code == CPNS_ACCEPTED)
		WARN_ON_ONCE(nla_put(msg, CPNS_A_CONFIRM, CPNS_HASH_LEN, c->confirm) ||
			     nla_put_u8(msg, CPNS_A_ACCEPT_KIND, kind) ||
			     nla_put_s32(msg, CPNS_A_KEY_SERIAL, serial));
	WARN_ON_ONCE(nla_put_u8(msg, CPNS_A_CODE, code));

	cpns_count(info, code == CPNS_ACCEPTED ? CPNS_COUNTER_A_ACCEPTED :
					   CPNS_COUNTER_A_REJECTED);
	cpns_notify(info, &(struct cpns_ev){
		    .type = code == CPNS_ACCEPTED ? CPNS_EVENT_ACCEPTED :
						    CPNS_EVENT_REJECTED,
		    .entity = &d.entity, .epoch = d.e, .index = d.i, .n = d.n,
		    .code = code, .kind = kind, .serial = serial,
		    .has = CPNS_EV_EPOCH | CPNS_EV_INDEX | CPNS_EV_N | CPNS_EV_CODE |
			   (kind ? CPNS_EV_KIND | CPNS_EV_SERIAL : 0) });
	key_ref_put(keyring);
	cpns_payload_free(next);
	kfree_sensitive(c);
	return cpns_reply_send(msg, hdr, info);

out_free:
	key_ref_put(keyring);
	nlmsg_free(msg);
	cpns_payload_free(next);
	kfree_sensitive(c);
	return ret;
}

/*
 * CPNS_CMD_PNE_RESET: drop the held euk:<EntityID> of the caller's
 * namespace, the one way to (the operator's factory reset).  Needs
 * CAP_SYS_ADMIN in the initial user namespace; logged, public values only.
 */
int cpns_pne_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct cpns_held_info was;
	struct cpns_id entity;
	s32 serial = 0;
	int ret;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "reset needs CAP_SYS_ADMIN in the initial user namespace");
		return -EPERM;
	}
	ret = cpns_attr_id(info, CPNS_A_ENTITY_ID, &entity);
	if (ret)
		return ret;
	ret = cpns_held_reset(net, CPNS_KEY_EUK, &entity, &was, &serial);
	if (ret) {
		cpns_key_err(info, CPNS_KEY_EUK, ret);
		return ret;
	}
	pr_notice("PNE reset: euk:%.*s (E=%u i=%u n=%u, key %d) dropped in netns %u by uid %u\n",
		  (int)entity.len, entity.b, was.epoch, was.index, was.n, serial,
		  net->ns.inum, from_kuid(&init_user_ns, current_uid()));
	return 0;
}
