// SPDX-License-Identifier: GPL-2.0
/*
 * The PN GW's commands: build a request (profile 1), take the response
 * (profile 4) into a chain: key, seal deliveries (profile 5) and check
 * the PNE's Confirm (profile 7).  PSK1, KEK_E and every EUKey stay here.
 */

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <crypto/algapi.h>
#include "netlink.h"

/*
 * Requests this GW has sent and not yet had answered, per network
 * namespace (struct cpns_net).  A response is taken only for one of them,
 * once.  Each belongs to the netlink socket that made it (@portid) and is
 * dropped when that socket is released (cpns_gw_urelease()): a GW tool
 * that gives up, exits or is killed frees its slots at once.  Charged to
 * the caller's memory cgroup.
 */
struct cpns_outstanding {
	struct list_head list;
	struct cpns_id gw, user, entity;
	u8 rand[CPNS_RAND_LEN];
	u64 t;
	time64_t expires;
	u32 portid;
	bool shared;		/* counted in cpns_outstanding_shared */
};

/*
 * Outstanding requests of every network namespace owned by a user
 * namespace other than the initial one, together: at most
 * CPNS_OUTSTANDING_USERNS_MAX, so that however many namespaces a user
 * makes, the memory stays bounded; namespaces of the initial user
 * namespace (the host's own GW) are not counted, and cannot be locked
 * out by it.
 */
static atomic_t cpns_outstanding_shared = ATOMIC_INIT(0);

static bool cpns_id_eq(const struct cpns_id *a, const struct cpns_id *b)
{
	return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

static void cpns_outstanding_remove(struct cpns_net *cn,
				    struct cpns_outstanding *o)
{
	lockdep_assert_held(&cn->outstanding_lock);
	list_del(&o->list);
	cn->outstanding_count--;
	if (o->shared)
		atomic_dec(&cpns_outstanding_shared);
	kfree(o);
}

static void cpns_outstanding_prune(struct cpns_net *cn, time64_t now)
{
	struct cpns_outstanding *o, *tmp;

	lockdep_assert_held(&cn->outstanding_lock);
	list_for_each_entry_safe(o, tmp, &cn->outstanding, list)
		if (now > o->expires)
			cpns_outstanding_remove(cn, o);
}

/* A slot for one more request of @info's namespace, or -EBUSY (extack). */
static int cpns_outstanding_reserve(struct genl_info *info, struct cpns_net *cn,
				    struct cpns_outstanding *o)
{
	lockdep_assert_held(&cn->outstanding_lock);
	if (cn->outstanding_count >= CPNS_OUTSTANDING_MAX) {
		NL_SET_ERR_MSG_MOD(info->extack, "too many outstanding requests");
		return -EBUSY;
	}
	o->shared = genl_info_net(info)->user_ns != &init_user_ns;
	if (o->shared && atomic_inc_return(&cpns_outstanding_shared) >
			 CPNS_OUTSTANDING_USERNS_MAX) {
		atomic_dec(&cpns_outstanding_shared);
		o->shared = false;
		NL_SET_ERR_MSG_MOD(info->extack,
				   "too many outstanding requests in user namespaces");
		return -EBUSY;
	}
	return 0;
}

/*
 * Keep @o as outstanding for the caller's socket, and report it: the event
 * is built under the lock, as another command may take @o once it is
 * dropped.
 */
static int cpns_outstanding_add(struct genl_info *info, struct cpns_outstanding *o)
{
	struct cpns_net *cn = cpns_net(info);
	int ret;

	o->portid = info->snd_portid;
	mutex_lock(&cn->outstanding_lock);
	cpns_outstanding_prune(cn, ktime_get_real_seconds());
	ret = cpns_outstanding_reserve(info, cn, o);
	if (!ret) {
		list_add_tail(&o->list, &cn->outstanding);
		cn->outstanding_count++;
		cpns_count(info, CPNS_COUNTER_A_REQUESTS);
		cpns_notify(info, &(struct cpns_ev){ .type = CPNS_EVENT_REQUEST,
			    .gw = &o->gw, .user = &o->user, .entity = &o->entity });
	}
	mutex_unlock(&cn->outstanding_lock);
	return ret;
}

/* Called with cn->outstanding_lock held. */
static struct cpns_outstanding *
cpns_outstanding_find(struct cpns_net *cn, const struct cpns_outstanding *key)
{
	struct cpns_outstanding *o;

	lockdep_assert_held(&cn->outstanding_lock);
	cpns_outstanding_prune(cn, ktime_get_real_seconds());
	list_for_each_entry(o, &cn->outstanding, list)
		if (!memcmp(o->rand, key->rand, CPNS_RAND_LEN) && o->t == key->t &&
		    cpns_id_eq(&o->gw, &key->gw) && cpns_id_eq(&o->user, &key->user) &&
		    cpns_id_eq(&o->entity, &key->entity))
			return o;
	return NULL;
}

/* The namespace is going away: forget its requests. */
void cpns_gw_net_exit(struct cpns_net *cn)
{
	struct cpns_outstanding *o, *tmp;

	mutex_lock(&cn->outstanding_lock);
	list_for_each_entry_safe(o, tmp, &cn->outstanding, list)
		cpns_outstanding_remove(cn, o);
	mutex_unlock(&cn->outstanding_lock);
}

/* A generic netlink socket is released: forget the requests it made. */
static int cpns_gw_urelease(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct cpns_outstanding *o, *tmp;
	struct cpns_net *cn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	cn = cpns_net_of(n->net);
	mutex_lock(&cn->outstanding_lock);
	list_for_each_entry_safe(o, tmp, &cn->outstanding, list)
		if (o->portid == n->portid)
			cpns_outstanding_remove(cn, o);
	mutex_unlock(&cn->outstanding_lock);
	return NOTIFY_DONE;
}

static struct notifier_block cpns_gw_notifier = {
	.notifier_call = cpns_gw_urelease,
};

int __init cpns_gw_init(void)
{
	return netlink_register_notifier(&cpns_gw_notifier);
}

void cpns_gw_exit(void)
{
	netlink_unregister_notifier(&cpns_gw_notifier);
}

/* The identifiers that name a request: GwID, UserID, EntityID. */
static int cpns_attr_request_ids(struct genl_info *info,
				 struct cpns_outstanding *o)
{
	return cpns_attr_id(info, CPNS_A_GW_ID, &o->gw) ?:
	       cpns_attr_id(info, CPNS_A_USER_ID, &o->user) ?:
	       cpns_attr_id(info, CPNS_A_ENTITY_ID, &o->entity);
}

/* Copies of secrets an operation works on: one heap block, wiped on free. */
struct cpns_gw_ctx {
	u8 psk[CPNS_PSK_LEN];
	u8 k[CPNS_KEY_LEN];
	u8 aad[CPNS_AAD_MAX];
	u8 body[CPNS_REQ_BODY_MAX];
	struct cpns_req_body req;
	struct cpns_bundle bundle;
	u8 euk[CPNS_HASH_LEN];
	u8 confirm[CPNS_HASH_LEN];
	u8 sealed[CPNS_SEALED_MAX];
};

static int cpns_psk_copy(struct genl_info *info, key_ref_t keyring,
			 const struct cpns_id *gw, u8 psk[CPNS_PSK_LEN])
{
	struct key *key = cpns_attr_key(info, keyring, CPNS_KEY_PSK, gw, false);

	if (IS_ERR(key))
		return PTR_ERR(key);
	memcpy(psk, cpns_key_payload(key)->secret, CPNS_PSK_LEN);
	cpns_key_put(key, false);
	return 0;
}

int cpns_gw_request(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_HPW };
	struct cpns_outstanding *o;
	struct cpns_gw_ctx *c;
	struct nlattr *code = info->attrs[CPNS_A_CLAIM_CODE];
	struct sk_buff *msg = NULL;
	key_ref_t keyring;
	size_t bodylen, aadlen;
	void *hdr;
	int ret;

	o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!o || !c) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = cpns_attr_request_ids(info, o);
	if (ret || cpns_attrs_missing(info, required, ARRAY_SIZE(required))) {
		ret = -EINVAL;
		goto out_free;
	}

	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring)) {
		ret = PTR_ERR(keyring);
		goto out_free;
	}
	ret = cpns_psk_copy(info, keyring, &o->gw, c->psk);
	key_ref_put(keyring);
	if (ret)
		goto out_free;

	ret = cpns_random(o->rand, CPNS_RAND_LEN);
	if (ret)
		goto out_free;
	o->t = ktime_get_real_seconds();
	o->expires = o->t + CPNS_OUTSTANDING_LIFETIME;

	c->req.user = o->user;
	c->req.entity = o->entity;
	ret = cpns_auth_hash(nla_data(info->attrs[CPNS_A_HPW]), o->rand, o->t,
			     c->req.auth_hash);
	if (!ret && code) {
		c->req.has_claim = true;
		ret = cpns_claim_proof(nla_data(code), nla_len(code), &o->gw,
				       &o->user, &o->entity, o->rand, o->t,
				       c->req.claim_proof);
	}
	if (ret)
		goto out_free;
	bodylen = cpns_req_body_build(c->body, &c->req);
	aadlen = cpns_req_aad(c->aad, &o->gw, o->rand, o->t);
	ret = cpns_k_req(c->psk, o->rand, c->k) ?:
	      cpns_seal(c->k, c->aad, aadlen, c->body, bodylen, c->sealed);
	if (ret)
		goto out_free;

	ret = -ENOMEM;
	msg = cpns_reply_new(info, &hdr);
	if (!msg)
		goto out_free;
	ret = -EMSGSIZE;
	if (nla_put(msg, CPNS_A_RAND, CPNS_RAND_LEN, o->rand) ||
	    nla_put_u64_64bit(msg, CPNS_A_TIME, o->t, CPNS_A_PAD) ||
	    nla_put(msg, CPNS_A_SEALED, bodylen + CPNS_SEALED_MIN, c->sealed))
		goto out_free;

	ret = cpns_outstanding_add(info, o);
	if (ret)
		goto out_free;
	o = NULL;
	kfree_sensitive(c);
	return cpns_reply_send(msg, hdr, info);

out_free:
	nlmsg_free(msg);
	kfree_sensitive(c);
	kfree(o);
	return ret;
}

static bool cpns_status_unverified(u8 status)
{
	return status == CPNS_MALFORMED || status == CPNS_STALE ||
	       status == CPNS_BAD_GW_AUTH;
}

/* Build chain:<EntityID> from an opened bundle. */
static struct cpns_key_payload *cpns_chain_payload(const struct cpns_bundle *b)
{
	struct cpns_key_payload *p = cpns_payload_alloc(CPNS_KEY_CHAIN);
	u8 euk1[CPNS_HASH_LEN];
	int ret;

	if (!p)
		return ERR_PTR(-ENOMEM);
	memcpy(p->chain.top, b->top, CPNS_HASH_LEN);
	memcpy(p->chain.kek, b->kek, CPNS_KEY_LEN);
	p->chain.epoch = b->e;
	p->chain.n = b->n;
	ret = cpns_chain_key(b->top, b->n, 1, euk1) ?:
	      cpns_chain_id(euk1, p->chain.chain_id);
	memzero_explicit(euk1, sizeof(euk1));
	if (ret) {
		cpns_payload_free(p);
		return ERR_PTR(ret);
	}
	return p;
}

int cpns_gw_response(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_RAND, CPNS_A_TIME, CPNS_A_STATUS };
	struct cpns_net *cn = cpns_net(info);
	struct nlattr *sealed = info->attrs[CPNS_A_SEALED];
	struct cpns_outstanding *want, *o;
	struct cpns_key_payload *chain = NULL;
	struct nlattr *serial_attr = NULL;
	struct cpns_gw_ctx *c;
	struct sk_buff *msg = NULL;
	key_ref_t keyring = NULL;
	size_t aadlen, ptlen;
	s32 serial = 0;
	u8 status;
	void *hdr;
	int ret;

	want = kzalloc(sizeof(*want), GFP_KERNEL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!want || !c) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = cpns_attr_request_ids(info, want);
	if (ret || cpns_attrs_missing(info, required, ARRAY_SIZE(required))) {
		ret = -EINVAL;
		goto out_free;
	}
	memcpy(want->rand, nla_data(info->attrs[CPNS_A_RAND]), CPNS_RAND_LEN);
	want->t = nla_get_u64(info->attrs[CPNS_A_TIME]);
	status = nla_get_u8(info->attrs[CPNS_A_STATUS]);

	keyring = cpns_attr_keyring(info);
	if (IS_ERR(keyring)) {
		ret = PTR_ERR(keyring);
		keyring = NULL;
		goto out_free;
	}

	mutex_lock(&cn->outstanding_lock);
	o = cpns_outstanding_find(cn, want);
	if (!o) {
		NL_SET_ERR_MSG_MOD(info->extack, "no outstanding request matches");
		ret = -ENOENT;
		goto out_unlock;
	}

	if (!sealed) {
		if (!cpns_status_unverified(status)) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "only MALFORMED, STALE and BAD_GW_AUTH come unsealed");
			ret = -EBADMSG;
			goto out_unlock;
		}
		goto reply;
	}

	ptlen = nla_len(sealed) - CPNS_SEALED_MIN;
	if (ptlen != (status == CPNS_OK ? CPNS_BUNDLE_LEN : 0)) {
		NL_SET_ERR_MSG_ATTR(info->extack, sealed,
				    "sealed part has the wrong length for its status");
		ret = -EBADMSG;
		goto out_unlock;
	}
	ret = cpns_psk_copy(info, keyring, &want->gw, c->psk);
	if (ret)
		goto out_unlock;
	aadlen = cpns_resp_aad(c->aad, status, &want->gw, &want->user,
			       &want->entity, want->rand, want->t);
	ret = cpns_k_resp(c->psk, want->rand, c->k);
	if (ret)
		goto out_unlock;
	ret = cpns_open(c->k, c->aad, aadlen, nla_data(sealed), nla_len(sealed),
			c->body);
	if (ret == -EBADMSG)	/* else -ENOMEM: no verdict on the response */
		NL_SET_ERR_MSG_ATTR(info->extack, sealed, "response does not open");
	if (ret)
		goto out_unlock;
	if (status == CPNS_OK) {
		cpns_bundle_parse(c->body, &c->bundle);
		if (!c->bundle.n || !c->bundle.e) {
			NL_SET_ERR_MSG_MOD(info->extack, "bundle with n = 0 or E = 0");
			ret = -EBADMSG;
			goto out_unlock;
		}
		chain = cpns_chain_payload(&c->bundle);
		if (IS_ERR(chain)) {
			ret = PTR_ERR(chain);
			chain = NULL;
			goto out_unlock;
		}
	}

reply:
	ret = -ENOMEM;
	msg = cpns_reply_new(info, &hdr);
	if (!msg)
		goto out_unlock;
	ret = -EMSGSIZE;
	if (nla_put_u8(msg, CPNS_A_STATUS, status) ||
	    (sealed && nla_put_flag(msg, CPNS_A_VERIFIED)))
		goto out_unlock;
	if (chain && (nla_put_u32(msg, CPNS_A_EPOCH, chain->chain.epoch) ||
		      nla_put_u16(msg, CPNS_A_N, chain->chain.n) ||
		      nla_put(msg, CPNS_A_CHAIN_ID, CPNS_CHAIN_ID_LEN,
			      chain->chain.chain_id)))
		goto out_unlock;
	/* Room for the serial too: once the key is made, nothing may fail. */
	if (chain) {
		serial_attr = nla_reserve(msg, CPNS_A_KEY_SERIAL, sizeof(s32));
		if (!serial_attr)
			goto out_unlock;
	}

	if (chain) {
		struct cpns_ev ev = {
			.type = CPNS_EVENT_CHAIN, .entity = &want->entity,
			.has = CPNS_EV_EPOCH | CPNS_EV_N | CPNS_EV_SERIAL,
			.epoch = chain->chain.epoch, .n = chain->chain.n,
		};
		u8 chain_id[CPNS_CHAIN_ID_LEN];

		memcpy(chain_id, chain->chain.chain_id, sizeof(chain_id));
		/* Consumes chain, success or not. */
		serial = cpns_key_mint(genl_info_net(info), keyring,
				       CPNS_KEY_CHAIN, &want->entity, chain);
		chain = NULL;
		if (serial < 0) {
			ret = serial;
			NL_SET_ERR_MSG_MOD(info->extack, "cannot create the chain: key");
			goto out_unlock;
		}
		*(s32 *)nla_data(serial_attr) = serial;
		ev.serial = serial;
		ev.chain_id = chain_id;
		cpns_count(info, CPNS_COUNTER_A_CHAINS);
		cpns_notify(info, &ev);
	}
	cpns_outstanding_remove(cn, o);
	mutex_unlock(&cn->outstanding_lock);

	cpns_notify(info, &(struct cpns_ev){ .type = CPNS_EVENT_RESPONSE,
		    .gw = &want->gw, .user = &want->user, .entity = &want->entity,
		    .has = CPNS_EV_STATUS | (sealed ? CPNS_EV_VERIFIED : 0),
		    .status = status });
	key_ref_put(keyring);
	kfree_sensitive(c);
	kfree(want);
	return cpns_reply_send(msg, hdr, info);

out_unlock:
	mutex_unlock(&cn->outstanding_lock);
out_free:
	if (chain)
		cpns_payload_free(chain);
	if (keyring)
		key_ref_put(keyring);
	nlmsg_free(msg);
	kfree_sensitive(c);
	kfree(want);
	return ret;
}

/* chain:<entity> from the caller's CPNS_A_KEYRING, its semaphore held for writing. */
static struct key *cpns_chain_lock(struct genl_info *info,
				   const struct cpns_id *entity)
{
	key_ref_t keyring = cpns_attr_keyring(info);
	struct key *key;

	if (IS_ERR(keyring))
		return ERR_CAST(keyring);
	key = cpns_attr_key(info, keyring, CPNS_KEY_CHAIN, entity, true);
	key_ref_put(keyring);
	return key;
}

int cpns_gw_deliver(struct sk_buff *skb, struct genl_info *info)
{
	struct cpns_key_payload *p, *next = NULL;
	struct cpns_id entity;
	struct cpns_gw_ctx *c;
	struct sk_buff *msg = NULL;
	struct key *key;
	u8 challenge[CPNS_CHALLENGE_LEN];
	size_t aadlen;
	u16 i;
	void *hdr;
	int ret;

	ret = cpns_attr_id(info, CPNS_A_ENTITY_ID, &entity);
	if (ret)
		return ret;
	key = cpns_chain_lock(info, &entity);
	if (IS_ERR(key))
		return PTR_ERR(key);
	p = cpns_key_payload(key);

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	msg = cpns_reply_new(info, &hdr);
	ret = -ENOMEM;
	if (!c || !msg)
		goto out;

	i = p->chain.delivered + 1;
	if (p->chain.delivered >= p->chain.n) {
		ret = -EMSGSIZE;
		if (nla_put_u8(msg, CPNS_A_STATUS, CPNS_CHAIN_EXHAUSTED))
			goto out;
		cpns_key_put(key, true);
		kfree_sensitive(c);
		return cpns_reply_send(msg, hdr, info);
	}

	ret = cpns_random(challenge, sizeof(challenge));
	if (ret)
		goto out;
	aadlen = cpns_del_aad(c->aad, &entity, p->chain.epoch, i, p->chain.n);
	ret = cpns_chain_key(p->chain.top, p->chain.n, i, c->euk) ?:
	      cpns_seal(p->chain.kek, c->aad, aadlen, c->euk, CPNS_HASH_LEN,
			c->sealed);
	if (ret)
		goto out;

	ret = -EMSGSIZE;
	if (nla_put_u8(msg, CPNS_A_STATUS, CPNS_OK) ||
	    nla_put(msg, CPNS_A_ENTITY_ID, entity.len, entity.b) ||
	    nla_put_u32(msg, CPNS_A_EPOCH, p->chain.epoch) ||
	    nla_put_u16(msg, CPNS_A_INDEX, i) ||
	    nla_put_u16(msg, CPNS_A_N, p->chain.n) ||
	    nla_put(msg, CPNS_A_CHALLENGE, sizeof(challenge), challenge) ||
	    nla_put(msg, CPNS_A_SEALED, CPNS_HASH_LEN + CPNS_SEALED_MIN, c->sealed))
		goto out;

	ret = -ENOMEM;
	next = cpns_payload_alloc(CPNS_KEY_CHAIN);
	if (!next)
		goto out;
	next->chain = p->chain;
	next->chain.pending = i;
	memcpy(next->chain.challenge, challenge, sizeof(challenge));
	cpns_key_replace(key, next);

	cpns_count(info, CPNS_COUNTER_A_DELIVERIES);
	cpns_notify(info, &(struct cpns_ev){ .type = CPNS_EVENT_DELIVERY,
		    .entity = &entity, .has = CPNS_EV_EPOCH | CPNS_EV_INDEX | CPNS_EV_N,
		    .epoch = next->chain.epoch, .index = i, .n = next->chain.n,
		    .chain_id = next->chain.chain_id });
	cpns_key_put(key, true);
	kfree_sensitive(c);
	return cpns_reply_send(msg, hdr, info);

out:
	cpns_key_put(key, true);
	nlmsg_free(msg);
	kfree_sensitive(c);
	return ret;
}

int cpns_gw_confirm(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = { CPNS_A_INDEX, CPNS_A_CODE };
	struct nlattr *confirm = info->attrs[CPNS_A_CONFIRM];
	struct cpns_key_payload *p, *next;
	struct cpns_ev ev = { .has = CPNS_EV_EPOCH | CPNS_EV_INDEX | CPNS_EV_CODE };
	struct cpns_id entity;
	struct cpns_gw_ctx *c;
	struct sk_buff *msg;
	struct key *key;
	u16 i, delivered;
	u8 code;
	void *hdr;
	int ret;

	ret = cpns_attr_id(info, CPNS_A_ENTITY_ID, &entity);
	if (ret || cpns_attrs_missing(info, required, ARRAY_SIZE(required)))
		return -EINVAL;
	i = nla_get_u16(info->attrs[CPNS_A_INDEX]);
	code = nla_get_u8(info->attrs[CPNS_A_CODE]);
	if (code == CPNS_ACCEPTED && cpns_attr_missing(info, CPNS_A_CONFIRM))
		return -EINVAL;

	key = cpns_chain_lock(info, &entity);
	if (IS_ERR(key))
		return PTR_ERR(key);
	p = cpns_key_payload(key);

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	msg = cpns_reply_new(info, &hdr);
	ret = -ENOMEM;
	if (!c || !msg)
		goto out;

	if (!p->chain.pending || p->chain.pending != i) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CPNS_A_INDEX],
				    "no delivery of this index is pending");
		ret = -ENOENT;
		goto out;
	}
	ev.entity = &entity;
	ev.epoch = p->chain.epoch;
	ev.index = i;
	ev.code = code;
	ev.chain_id = p->chain.chain_id;
	delivered = p->chain.delivered;

	if (code == CPNS_ACCEPTED) {
		ret = cpns_chain_key(p->chain.top, p->chain.n, i, c->euk) ?:
		      cpns_confirm(c->euk, &entity, p->chain.epoch, i,
				   p->chain.challenge, c->confirm);
		if (ret)
			goto out;
		if (crypto_memneq(c->confirm, nla_data(confirm), CPNS_HASH_LEN)) {
			NL_SET_ERR_MSG_ATTR(info->extack, confirm,
					    "Confirm does not verify");
			ret = -EBADMSG;
			ev.type = CPNS_EVENT_NOT_CONFIRMED;
			cpns_notify(info, &ev);
			goto out;
		}
		delivered = i;
	}

	ret = -EMSGSIZE;
	if (nla_put_u8(msg, CPNS_A_CODE, code) ||
	    nla_put_u16(msg, CPNS_A_DELIVERED, delivered))
		goto out;

	if (code == CPNS_ACCEPTED) {
		ret = -ENOMEM;
		next = cpns_payload_alloc(CPNS_KEY_CHAIN);
		if (!next)
			goto out;
		next->chain = p->chain;
		next->chain.delivered = i;
		next->chain.pending = 0;
		memzero_explicit(next->chain.challenge, CPNS_CHALLENGE_LEN);
		ev.chain_id = next->chain.chain_id;
		cpns_key_replace(key, next);
		cpns_count(info, CPNS_COUNTER_A_CONFIRMED);
		ev.type = CPNS_EVENT_CONFIRMED;
	} else {
		ev.type = CPNS_EVENT_NOT_CONFIRMED;
	}
	cpns_notify(info, &ev);
	cpns_key_put(key, true);
	kfree_sensitive(c);
	return cpns_reply_send(msg, hdr, info);

out:
	cpns_key_put(key, true);
	nlmsg_free(msg);
	kfree_sensitive(c);
	return ret;
}
