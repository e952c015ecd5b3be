// SPDX-License-Identifier: GPL-2.0
/*
 * The PNE's command: open a delivery under KEK_E derived from its own TK,
 * apply the acceptance rules of profile 6 in order, keep the EUKey in
 * euk:<EntityID>, and answer with Confirm (profile 7).
 */

#include <linux/mutex.h>
#include <linux/slab.h>
#include <crypto/algapi.h>
#include "netlink.h"

/*
 * Acceptance reads the held key, decides and replaces it: one at a time,
 * so that two deliveries cannot both be judged against the same held key.
 */
static DEFINE_MUTEX(cpns_pne_lock);

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

static struct cpns_key_payload *cpns_euk_payload(const struct cpns_delivery *d,
						 struct cpns_pne_ctx *c)
{
	struct cpns_key_payload *p = cpns_payload_alloc(CPNS_KEY_EUK);
	int ret;

	if (!p)
		return ERR_PTR(-ENOMEM);
	memcpy(p->euk.euk, c->euk, CPNS_HASH_LEN);
	p->euk.epoch = d->e;
	p->euk.index = d->i;
	p->euk.n = d->n;
	ret = cpns_sha256_iter(c->euk, d->i - 1, c->euk1) ?:
	      cpns_chain_id(c->euk1, p->euk.chain_id);
	if (ret) {
		cpns_payload_free(p);
		return ERR_PTR(ret);
	}
	return p;
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

int cpns_pne_accept(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_EPOCH, CPNS_A_INDEX, CPNS_A_N,
					CPNS_A_CHALLENGE, CPNS_A_SEALED };
	struct cpns_key_payload *next = NULL;
	struct cpns_delivery d = {};
	struct key *held = NULL;
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
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	msg = cpns_reply_new(info, &hdr);
	ret = -ENOMEM;
	if (!c || !msg)
		goto out_free;

	mutex_lock(&cpns_pne_lock);
	code = cpns_pne_open(info, keyring, &d, c);
	if (code < 0) {
		ret = code;
		goto out_unlock;
	}
	if (code != CPNS_ACCEPTED)
		goto answer;

	held = cpns_key_get(keyring, CPNS_KEY_EUK, &d.entity, true);
	if (IS_ERR(held)) {
		ret = PTR_ERR(held);
		held = NULL;
		if (ret != -ENOKEY) {
			cpns_key_err(info, CPNS_KEY_EUK, ret);
			goto out_unlock;
		}
	}
	code = cpns_pne_judge(held ? &cpns_key_payload(held)->euk : NULL, &d, c,
			      &kind);
	if (code < 0) {
		ret = code;
		goto out_unlock;
	}
	if (code != CPNS_ACCEPTED)
		goto answer;

	ret = cpns_confirm(c->euk, &d.entity, d.e, d.i, d.challenge, c->confirm);
	if (ret)
		goto out_unlock;
	ret = -EMSGSIZE;
	if (nla_put(msg, CPNS_A_CONFIRM, CPNS_HASH_LEN, c->confirm) ||
	    nla_put_u8(msg, CPNS_A_ACCEPT_KIND, kind))
		goto out_unlock;

	if (kind != CPNS_ACCEPT_REPEAT) {
		next = cpns_euk_payload(&d, c);
		if (IS_ERR(next)) {
			ret = PTR_ERR(next);
			goto out_unlock;
		}
		if (held) {
			cpns_key_replace(held, next);
			serial = held->serial;
		} else {
			serial = cpns_key_mint(keyring, CPNS_KEY_EUK, &d.entity, next);
			if (serial < 0) {
				ret = serial;
				NL_SET_ERR_MSG_MOD(info->extack,
						   "cannot create the euk: key");
				goto out_unlock;
			}
		}
	} else {
		serial = held->serial;
	}
	ret = -EMSGSIZE;
	if (nla_put_s32(msg, CPNS_A_KEY_SERIAL, serial))
		goto out_unlock;

answer:
	ret = -EMSGSIZE;
	if (nla_put_u8(msg, CPNS_A_CODE, code))
		goto out_unlock;
	if (held)
		cpns_key_put(held, true);
	mutex_unlock(&cpns_pne_lock);

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
	kfree_sensitive(c);
	return cpns_reply_send(msg, hdr, info);

out_unlock:
	if (held)
		cpns_key_put(held, true);
	mutex_unlock(&cpns_pne_lock);
out_free:
	key_ref_put(keyring);
	nlmsg_free(msg);
	kfree_sensitive(c);
	return ret;
}
