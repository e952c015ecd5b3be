// SPDX-License-Identifier: GPL-2.0
/*
 * The PN GW's role: build a request (profile 1), take the response
 * (profile 4) into a chain: key, seal deliveries (profile 5) and check
 * the PNE's Confirm (profile 7).  PSK1, KEK_E and every EUKey stay here.
 *
 * Lock order (Documentation/design.rst, "Locks and their order"): a
 * namespace's outstanding_lock first; under it, cpns_gw_response() mints
 * chain:, which takes the store's create_lock or the chain: key's
 * semaphore (never both, key.c).  Deliver and confirm take the chain:
 * key's semaphore alone.
 */

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <crypto/algapi.h>
#include "gw.h"
#include "key.h"

/*
 * Requests this GW has sent and not yet had answered, per network
 * namespace (struct cpns_gw_net).  A response is taken only for one of them,
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

/* What the GW keeps per network namespace: its outstanding requests. */
struct cpns_gw_net {
	/* before create_lock or a key's sem (key.c); guards the two below */
	struct mutex outstanding_lock;
	struct list_head outstanding;
	unsigned int outstanding_count;
};

static unsigned int cpns_gw_net_id __read_mostly;

static struct cpns_gw_net *cpns_gw_net(struct net *net)
{
	return net_generic(net, cpns_gw_net_id);
}

static bool cpns_id_eq(const struct cpns_id *a, const struct cpns_id *b)
{
	return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

static void cpns_outstanding_remove(struct cpns_gw_net *cn,
				    struct cpns_outstanding *o)
{
	lockdep_assert_held(&cn->outstanding_lock);
	list_del(&o->list);
	cn->outstanding_count--;
	if (o->shared)
		atomic_dec(&cpns_outstanding_shared);
	kfree(o);
}

static void cpns_outstanding_prune(struct cpns_gw_net *cn, time64_t now)
{
	struct cpns_outstanding *o, *tmp;

	lockdep_assert_held(&cn->outstanding_lock);
	list_for_each_entry_safe(o, tmp, &cn->outstanding, list)
		if (now > o->expires)
			cpns_outstanding_remove(cn, o);
}

/* A slot for one more request of @net, or -EBUSY (extack). */
static int cpns_outstanding_reserve(struct net *net, struct cpns_gw_net *cn,
				    struct cpns_outstanding *o,
				    struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&cn->outstanding_lock);
	if (cn->outstanding_count >= CPNS_OUTSTANDING_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "too many outstanding requests");
		return -EBUSY;
	}
	o->shared = net->user_ns != &init_user_ns;
	if (o->shared && atomic_inc_return(&cpns_outstanding_shared) >
			 CPNS_OUTSTANDING_USERNS_MAX) {
		atomic_dec(&cpns_outstanding_shared);
		o->shared = false;
		NL_SET_ERR_MSG_MOD(extack,
				   "too many outstanding requests in user namespaces");
		return -EBUSY;
	}
	return 0;
}

/* Keep @o as outstanding for its socket. */
static int cpns_outstanding_add(struct net *net, struct cpns_outstanding *o,
				struct netlink_ext_ack *extack)
{
	struct cpns_gw_net *cn = cpns_gw_net(net);
	int ret;

	mutex_lock(&cn->outstanding_lock);
	cpns_outstanding_prune(cn, ktime_get_real_seconds());
	ret = cpns_outstanding_reserve(net, cn, o, extack);
	if (!ret) {
		list_add_tail(&o->list, &cn->outstanding);
		cn->outstanding_count++;
	}
	mutex_unlock(&cn->outstanding_lock);
	return ret;
}

/* Called with cn->outstanding_lock held. */
static struct cpns_outstanding *
cpns_outstanding_find(struct cpns_gw_net *cn,
		      const struct cpns_gw_response_in *key)
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

static int __net_init cpns_gw_net_init(struct net *net)
{
	struct cpns_gw_net *cn = cpns_gw_net(net);

	mutex_init(&cn->outstanding_lock);
	INIT_LIST_HEAD(&cn->outstanding);
	return 0;
}

/* The namespace is going away: forget its requests. */
static void __net_exit cpns_gw_net_exit(struct net *net)
{
	struct cpns_gw_net *cn = cpns_gw_net(net);
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
	struct cpns_gw_net *cn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	cn = cpns_gw_net(n->net);
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

static struct pernet_operations cpns_gw_net_ops = {
	.init = cpns_gw_net_init,
	.exit = cpns_gw_net_exit,
	.id = &cpns_gw_net_id,
	.size = sizeof(struct cpns_gw_net),
};

int __init cpns_gw_init(void)
{
	int ret;

	ret = register_pernet_subsys(&cpns_gw_net_ops);
	if (ret)
		return ret;
	ret = netlink_register_notifier(&cpns_gw_notifier);
	if (ret)
		unregister_pernet_subsys(&cpns_gw_net_ops);
	return ret;
}

void cpns_gw_exit(void)
{
	netlink_unregister_notifier(&cpns_gw_notifier);
	unregister_pernet_subsys(&cpns_gw_net_ops);
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
};

static int cpns_psk_copy(key_ref_t keyring, const struct cpns_id *gw,
			 u8 psk[CPNS_PSK_LEN], struct netlink_ext_ack *extack)
{
	int len = cpns_key_copy(keyring, CPNS_KEY_PSK, gw, psk, CPNS_PSK_LEN);

	if (len < 0) {
		cpns_key_err(extack, CPNS_KEY_PSK, len);
		return len;
	}
	return 0;
}

/* ReqBody of @in for @o (RAND, T set), sealed under K_req into @out. */
static int cpns_gw_request_seal(const struct cpns_gw_request_in *in,
				const struct cpns_outstanding *o,
				struct cpns_gw_ctx *c,
				struct cpns_gw_request_out *out)
{
	size_t bodylen, aadlen;
	int ret;

	c->req.user = in->user;
	c->req.entity = in->entity;
	ret = cpns_auth_hash(in->hpw, o->rand, o->t, c->req.auth_hash);
	if (!ret && in->code) {
		c->req.has_claim = true;
		ret = cpns_claim_proof(in->code, in->codelen, &in->gw, &in->user,
				       &in->entity, o->rand, o->t,
				       c->req.claim_proof);
	}
	if (ret)
		return ret;
	bodylen = cpns_req_body_build(c->body, &c->req);
	aadlen = cpns_req_aad(c->aad, &in->gw, o->rand, o->t);
	ret = cpns_k_req(c->psk, o->rand, c->k) ?:
	      cpns_seal(c->k, c->aad, aadlen, c->body, bodylen, out->sealed);
	if (ret)
		return ret;
	out->sealedlen = bodylen + CPNS_SEALED_MIN;
	memcpy(out->rand, o->rand, CPNS_RAND_LEN);
	out->t = o->t;
	return 0;
}

/**
 * cpns_gw_request() - build a sealed request and keep it as outstanding
 * @net: the caller's namespace, whose outstanding list takes it
 * @keyring: where psk:<GwID> is found
 * @in: the identifiers, HPW, the claim code, the caller's socket
 * @out: RAND, T and the sealed part; the REQUEST event
 * @extack: the message of a refusal
 *
 * Return: 0, or -ENOKEY (and the other errors of a psk: lookup), -EBUSY
 * (too many outstanding), -ENOMEM.
 */
int cpns_gw_request(struct net *net, key_ref_t keyring,
		    const struct cpns_gw_request_in *in,
		    struct cpns_gw_request_out *out,
		    struct netlink_ext_ack *extack)
{
	struct cpns_outstanding *o;
	struct cpns_event_msg *ev;
	struct cpns_gw_ctx *c;
	int ret;

	o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	ret = -ENOMEM;
	if (!o || !c)
		goto out;
	ret = cpns_psk_copy(keyring, &in->gw, c->psk, extack);
	if (ret)
		goto out;
	o->gw = in->gw;
	o->user = in->user;
	o->entity = in->entity;
	o->portid = in->portid;
	ret = cpns_random(o->rand, CPNS_RAND_LEN);
	if (ret)
		goto out;
	o->t = ktime_get_real_seconds();
	o->expires = o->t + CPNS_OUTSTANDING_LIFETIME;
	ret = cpns_gw_request_seal(in, o, c, out) ?:
	      cpns_outstanding_add(net, o, extack);
	if (ret)
		goto out;
	o = NULL;
	/*
	 * Sent after the request is listed, before the reply: no response
	 * can match it before its RAND is in that reply.
	 */
	ev = cpns_outcome_event(&out->oc, CPNS_EVENT_REQUEST);
	ev->gw = &in->gw;
	ev->user = &in->user;
	ev->entity = &in->entity;
out:
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

/*
 * Open a sealed response under K_resp; for an OK, its bundle into a new
 * chain: payload in *@chain.
 */
static int cpns_gw_response_unseal(key_ref_t keyring,
				   const struct cpns_gw_response_in *in,
				   struct cpns_gw_ctx *c,
				   struct cpns_key_payload **chain,
				   struct cpns_outcome *oc,
				   struct netlink_ext_ack *extack)
{
	size_t aadlen, ptlen = in->sealedlen - CPNS_SEALED_MIN;
	int ret;

	if (ptlen != (in->status == CPNS_OK ? CPNS_BUNDLE_LEN : 0)) {
		CPNS_ERR_ATTR(extack, oc, CPNS_A_SEALED,
			      "sealed part has the wrong length for its status");
		return -EBADMSG;
	}
	ret = cpns_psk_copy(keyring, &in->gw, c->psk, extack);
	if (ret)
		return ret;
	aadlen = cpns_resp_aad(c->aad, in->status, &in->gw, &in->user,
			       &in->entity, in->rand, in->t);
	ret = cpns_k_resp(c->psk, in->rand, c->k) ?:
	      cpns_open(c->k, c->aad, aadlen, in->sealed, in->sealedlen, c->body);
	if (ret == -EBADMSG)	/* else -ENOMEM: no verdict on the response */
		CPNS_ERR_ATTR(extack, oc, CPNS_A_SEALED, "response does not open");
	if (ret || in->status != CPNS_OK)
		return ret;
	cpns_bundle_parse(c->body, &c->bundle);
	if (!c->bundle.n || !c->bundle.e) {
		NL_SET_ERR_MSG_MOD(extack, "bundle with n = 0 or E = 0");
		return -EBADMSG;
	}
	*chain = cpns_chain_payload(&c->bundle);
	if (IS_ERR(*chain)) {
		ret = PTR_ERR(*chain);
		*chain = NULL;
	}
	return ret;
}

/* Make chain:<EntityID> from @chain (consumed) and report it. */
static int cpns_gw_chain_mint(struct net *net, key_ref_t keyring,
			      const struct cpns_gw_response_in *in,
			      struct cpns_key_payload *chain,
			      struct cpns_gw_response_out *out,
			      struct netlink_ext_ack *extack)
{
	struct cpns_event_msg *ev;
	s32 serial;

	out->epoch = chain->chain.epoch;
	out->n = chain->chain.n;
	memcpy(out->chain_id, chain->chain.chain_id, CPNS_CHAIN_ID_LEN);
	/* Consumes chain, success or not. */
	serial = cpns_key_mint(net, keyring, CPNS_KEY_CHAIN, &in->entity, chain);
	if (serial < 0) {
		NL_SET_ERR_MSG_MOD(extack, "cannot create the chain: key");
		return serial;
	}
	out->chain = true;
	out->serial = serial;
	ev = cpns_outcome_event(&out->oc, CPNS_EVENT_CHAIN);
	ev->entity = &in->entity;
	ev->fields = CPNS_EVF_EPOCH | CPNS_EVF_N | CPNS_EVF_SERIAL;
	ev->epoch = out->epoch;
	ev->n = out->n;
	ev->serial = serial;
	ev->chain_id = out->chain_id;
	return 0;
}

/**
 * cpns_gw_response() - take the server's response to an outstanding request
 * @net: the caller's namespace, whose outstanding list has the request
 * @keyring: where psk:<GwID> is found and chain:<EntityID> is made
 *           (Write permission)
 * @in: the request's identifiers, RAND and T; the response's status and
 *      sealed part
 * @out: verified, and the chain made; the CHAIN and RESPONSE events
 * @extack: the message of a refusal
 *
 * The request is taken (once) only when the response is accepted; the
 * namespace's outstanding_lock is held from the lookup to that.
 *
 * Return: 0, or -ENOENT (no such request), -EBADMSG (does not open, wrong
 * length, unsealed where it must be sealed, bad bundle), an error of the
 * psk: lookup or of making the key, -ENOMEM.
 */
int cpns_gw_response(struct net *net, key_ref_t keyring,
		     const struct cpns_gw_response_in *in,
		     struct cpns_gw_response_out *out,
		     struct netlink_ext_ack *extack)
{
	struct cpns_gw_net *cn = cpns_gw_net(net);
	struct cpns_key_payload *chain = NULL;
	struct cpns_outstanding *o;
	struct cpns_event_msg *ev;
	struct cpns_gw_ctx *c;
	int ret = 0;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	mutex_lock(&cn->outstanding_lock);
	o = cpns_outstanding_find(cn, in);
	if (!o) {
		NL_SET_ERR_MSG_MOD(extack, "no outstanding request matches");
		ret = -ENOENT;
	} else if (!in->sealed && !cpns_status_unverified(in->status)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "only MALFORMED, STALE and BAD_GW_AUTH come unsealed");
		ret = -EBADMSG;
	} else if (in->sealed) {
		ret = cpns_gw_response_unseal(keyring, in, c, &chain, &out->oc,
					      extack);
	}
	if (!ret && chain)
		ret = cpns_gw_chain_mint(net, keyring, in, chain, out, extack);
	if (!ret)
		cpns_outstanding_remove(cn, o);
	mutex_unlock(&cn->outstanding_lock);
	kfree_sensitive(c);
	if (ret)
		return ret;

	out->verified = in->sealed;
	ev = cpns_outcome_event(&out->oc, CPNS_EVENT_RESPONSE);
	ev->gw = &in->gw;
	ev->user = &in->user;
	ev->entity = &in->entity;
	ev->fields = CPNS_EVF_STATUS | (in->sealed ? CPNS_EVF_VERIFIED : 0);
	ev->status = in->status;
	return 0;
}

/**
 * cpns_gw_deliver() - seal the chain's next key for the PNE
 * @net: the caller's namespace, whose store holds chain:<EntityID>
 * @entity: the EntityID
 * @out: CHAIN_EXHAUSTED, or OK and the delivery; the DELIVERY event
 * @extack: the message of a refusal
 *
 * Return: 0, or an error of the chain: lookup (-ENOKEY), -ENOMEM.
 */
int cpns_gw_deliver(struct net *net, const struct cpns_id *entity,
		    struct cpns_gw_deliver_out *out,
		    struct netlink_ext_ack *extack)
{
	struct cpns_key_payload *p, *next;
	struct cpns_event_msg *ev;
	struct cpns_gw_ctx *c;
	struct key *key;
	size_t aadlen;
	int ret;

	key = cpns_key_find(net, NULL, CPNS_KEY_CHAIN, entity, true, extack);
	if (IS_ERR(key))
		return PTR_ERR(key);
	p = cpns_key_payload(key);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	next = cpns_payload_alloc(CPNS_KEY_CHAIN);
	ret = -ENOMEM;
	if (!c || !next)
		goto out;
	out->status = CPNS_CHAIN_EXHAUSTED;
	ret = 0;
	if (p->chain.delivered >= p->chain.n)
		goto out;

	out->index = p->chain.delivered + 1;
	out->epoch = p->chain.epoch;
	out->n = p->chain.n;
	memcpy(out->chain_id, p->chain.chain_id, CPNS_CHAIN_ID_LEN);
	aadlen = cpns_del_aad(c->aad, entity, out->epoch, out->index, out->n);
	ret = cpns_random(out->challenge, CPNS_CHALLENGE_LEN) ?:
	      cpns_chain_key(p->chain.top, out->n, out->index, c->euk) ?:
	      cpns_seal(p->chain.kek, c->aad, aadlen, c->euk, CPNS_HASH_LEN,
			out->sealed);
	if (ret)
		goto out;
	next->chain = p->chain;
	next->chain.pending = out->index;
	memcpy(next->chain.challenge, out->challenge, CPNS_CHALLENGE_LEN);
	cpns_key_replace(key, next);
	next = NULL;
	out->status = CPNS_OK;
	ev = cpns_outcome_event(&out->oc, CPNS_EVENT_DELIVERY);
	ev->entity = entity;
	ev->fields = CPNS_EVF_EPOCH | CPNS_EVF_INDEX | CPNS_EVF_N;
	ev->epoch = out->epoch;
	ev->index = out->index;
	ev->n = out->n;
	ev->chain_id = out->chain_id;
out:
	cpns_key_put(key, true);
	cpns_payload_free(next);
	kfree_sensitive(c);
	return ret;
}

static void cpns_gw_confirm_event(const struct cpns_gw_confirm_in *in,
				  const struct cpns_key_payload *p,
				  struct cpns_gw_confirm_out *out, u8 type)
{
	struct cpns_event_msg *ev = cpns_outcome_event(&out->oc, type);

	ev->entity = &in->entity;
	ev->fields = CPNS_EVF_EPOCH | CPNS_EVF_INDEX | CPNS_EVF_CODE;
	ev->epoch = p->chain.epoch;
	ev->index = in->index;
	ev->code = in->code;
	ev->chain_id = out->chain_id;
}

/* Is in->confirm the Confirm of the pending delivery of @p? 0 or -EBADMSG. */
static int cpns_gw_confirm_check(const struct cpns_gw_confirm_in *in,
				 const struct cpns_key_payload *p,
				 struct cpns_gw_ctx *c)
{
	int ret;

	ret = cpns_chain_key(p->chain.top, p->chain.n, in->index, c->euk) ?:
	      cpns_confirm(c->euk, &in->entity, p->chain.epoch, in->index,
			   p->chain.challenge, c->confirm);
	if (ret)
		return ret;
	return crypto_memneq(c->confirm, in->confirm, CPNS_HASH_LEN) ? -EBADMSG : 0;
}

/**
 * cpns_gw_confirm() - take the PNE's answer to the pending delivery
 * @net: the caller's namespace, whose store holds chain:<EntityID>
 * @in: the EntityID, the index, the PNE's code and Confirm
 * @out: the index delivered since; the CONFIRMED or NOT_CONFIRMED event
 * @extack: the message of a refusal
 *
 * Return: 0, or an error of the chain: lookup, -ENOENT (no delivery of
 * that index pending), -EBADMSG (Confirm does not verify: reported as
 * NOT_CONFIRMED, the delivery stays pending), -ENOMEM.
 */
int cpns_gw_confirm(struct net *net, const struct cpns_gw_confirm_in *in,
		    struct cpns_gw_confirm_out *out,
		    struct netlink_ext_ack *extack)
{
	struct cpns_key_payload *p, *next;
	struct cpns_gw_ctx *c;
	struct key *key;
	int ret;

	key = cpns_key_find(net, NULL, CPNS_KEY_CHAIN, &in->entity, true, extack);
	if (IS_ERR(key))
		return PTR_ERR(key);
	p = cpns_key_payload(key);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	next = cpns_payload_alloc(CPNS_KEY_CHAIN);
	ret = -ENOMEM;
	if (!c || !next)
		goto out;
	if (!p->chain.pending || p->chain.pending != in->index) {
		CPNS_ERR_ATTR(extack, &out->oc, CPNS_A_INDEX,
			      "no delivery of this index is pending");
		ret = -ENOENT;
		goto out;
	}
	memcpy(out->chain_id, p->chain.chain_id, CPNS_CHAIN_ID_LEN);
	out->delivered = p->chain.delivered;
	ret = 0;
	if (in->code != CPNS_ACCEPTED) {
		cpns_gw_confirm_event(in, p, out, CPNS_EVENT_NOT_CONFIRMED);
		goto out;
	}
	ret = cpns_gw_confirm_check(in, p, c);
	if (ret == -EBADMSG) {
		CPNS_ERR_ATTR(extack, &out->oc, CPNS_A_CONFIRM,
			      "Confirm does not verify");
		cpns_gw_confirm_event(in, p, out, CPNS_EVENT_NOT_CONFIRMED);
	}
	if (ret)
		goto out;
	next->chain = p->chain;
	next->chain.delivered = in->index;
	next->chain.pending = 0;
	memzero_explicit(next->chain.challenge, CPNS_CHALLENGE_LEN);
	cpns_gw_confirm_event(in, p, out, CPNS_EVENT_CONFIRMED);
	cpns_key_replace(key, next);
	next = NULL;
	out->delivered = in->index;
out:
	cpns_key_put(key, true);
	cpns_payload_free(next);
	kfree_sensitive(c);
	return ret;
}
