// SPDX-License-Identifier: GPL-2.0
/*
 * The PNE's role: open a delivery under KEK_E derived from its own TK,
 * apply the acceptance rules of profile 6 in order, keep the EUKey in
 * euk:<EntityID>, and answer with Confirm (profile 7).
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <crypto/algapi.h>
#include "pne.h"

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
	u8 tk[CPNS_TK_MAX_LEN];
	u8 kek[CPNS_KEY_LEN];
	u8 aad[CPNS_AAD_MAX];
	u8 euk[CPNS_SEALED_MAX];	/* the plaintext, 32 bytes when valid */
	u8 walk[CPNS_HASH_LEN];
	u8 euk1[CPNS_HASH_LEN];
};

/*
 * Rules 1 to 3: our own TK, the range, OPEN under KEK_E.  Returns 0 with
 * *code ACCEPTED (c->euk holds EUKey[i]) or a REJECT_*, or a negative
 * errno.
 */
static int cpns_pne_unseal(key_ref_t keyring, const struct cpns_pne_accept_in *d,
			   struct cpns_pne_ctx *c, u8 *code,
			   struct netlink_ext_ack *extack)
{
	size_t aadlen;
	int ret;

	ret = cpns_key_copy(keyring, CPNS_KEY_TK, &d->entity, c->tk, sizeof(c->tk));
	if (ret == -ENOKEY) {
		*code = CPNS_REJECT_ENTITY;		/* rule 1 */
		return 0;
	}
	if (ret < 0) {
		cpns_key_err(extack, CPNS_KEY_TK, ret);
		return ret;
	}
	ret = cpns_kek(c->tk, ret, &d->entity, d->e, c->kek);
	if (ret)
		return ret;
	*code = CPNS_REJECT_RANGE;			/* rule 2 */
	if (!(d->i >= 1 && d->i <= d->n))
		return 0;
	aadlen = cpns_del_aad(c->aad, &d->entity, d->e, d->i, d->n);
	ret = cpns_open(c->kek, c->aad, aadlen, d->sealed, d->sealedlen, c->euk);
	*code = CPNS_REJECT_OPEN;			/* rule 3 */
	if (ret == -EBADMSG ||
	    (!ret && d->sealedlen - CPNS_SEALED_MIN != CPNS_HASH_LEN))
		return 0;
	*code = CPNS_ACCEPTED;
	return ret;
}

/*
 * Fill @p, allocated beforehand, with the accepted key.  ChainID is
 * H(EUKey[1]) = H(H^(i-1)(EUKey[i])) for a new chain, kept otherwise.
 */
static int cpns_euk_fill(struct cpns_key_payload *p,
			 const struct cpns_euk_state *held,
			 const struct cpns_pne_accept_in *d, struct cpns_pne_ctx *c,
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
 * Rules 4 to 6 against the held key (NULL: nothing held).  Returns 0 with
 * out->code ACCEPTED and out->kind set or a REJECT_*, or a negative errno.
 */
static int cpns_pne_judge(const struct cpns_euk_state *held,
			  const struct cpns_pne_accept_in *d,
			  struct cpns_pne_ctx *c, struct cpns_pne_accept_out *out)
{
	int ret;

	out->code = CPNS_ACCEPTED;
	if (!held || d->e > held->epoch) {
		out->kind = held ? CPNS_ACCEPT_NEW_EPOCH : CPNS_ACCEPT_FIRST;
		return 0;
	}
	out->code = CPNS_REJECT_ROLLBACK;
	if (d->e < held->epoch || d->n != held->n || d->i < held->index)
		return 0;
	ret = cpns_sha256_iter(c->euk, d->i - held->index, c->walk);
	if (ret)
		return ret;
	out->code = CPNS_REJECT_LINK;
	if (crypto_memneq(c->walk, held->euk, CPNS_HASH_LEN))
		return 0;
	out->code = CPNS_ACCEPTED;
	out->kind = d->i > held->index ? CPNS_ACCEPT_RENEWAL : CPNS_ACCEPT_REPEAT;
	return 0;
}

/* Judge against the held key @held and replace it by @next if accepted. */
static int cpns_pne_judge_held(struct key *held, const struct cpns_pne_accept_in *d,
			       struct cpns_pne_ctx *c,
			       struct cpns_key_payload **next,
			       struct cpns_pne_accept_out *out)
{
	struct cpns_euk_state *h = &cpns_key_payload(held)->euk;
	int ret;

	ret = cpns_pne_judge(h, d, c, out);
	if (!ret && out->code == CPNS_ACCEPTED && out->kind != CPNS_ACCEPT_REPEAT) {
		ret = cpns_euk_fill(*next, h, d, c, out->kind);
		if (!ret) {
			cpns_key_replace(held, *next);
			*next = NULL;
		}
	}
	out->serial = held->serial;
	cpns_key_put(held, true);
	return ret;
}

/*
 * Rules 4 to 6 and the change they make, @next (allocated) becoming the
 * held key unless the delivery is a repeat.  Returns 0 with out->code
 * (and, accepted, out->kind and out->serial) set, or a negative errno, on
 * which nothing changed.
 */
static int cpns_pne_decide(struct net *net, key_ref_t keyring,
			   const struct cpns_pne_accept_in *d,
			   struct cpns_pne_ctx *c, struct cpns_key_payload **next,
			   struct cpns_pne_accept_out *out,
			   struct netlink_ext_ack *extack)
{
	struct key *held;
	int tries, ret;
	s32 serial;

	for (tries = 0; tries < CPNS_PNE_TRIES; tries++) {
		out->kind = 0;
		held = cpns_held_get(net, CPNS_KEY_EUK, &d->entity);
		if (!IS_ERR(held))
			return cpns_pne_judge_held(held, d, c, next, out);
		/* revoked: a reset dropped it since the search; judge again */
		if (PTR_ERR(held) == -EKEYREVOKED)
			continue;
		if (PTR_ERR(held) != -ENOKEY) {
			cpns_key_err(extack, CPNS_KEY_EUK, PTR_ERR(held));
			return PTR_ERR(held);
		}
		out->kind = CPNS_ACCEPT_FIRST;
		ret = cpns_euk_fill(*next, NULL, d, c, out->kind);
		if (ret)
			return ret;
		serial = cpns_held_create(net, keyring, CPNS_KEY_EUK, &d->entity,
					  *next);
		if (serial >= 0) {
			out->code = CPNS_ACCEPTED;
			out->serial = serial;
			return 0;
		}
		if (serial != -EEXIST) {
			NL_SET_ERR_MSG_MOD(extack, "cannot create the euk: key");
			return serial;
		}
	}
	return -EAGAIN;
}

/**
 * cpns_pne_accept() - judge a delivery and keep its EUKey when accepted
 * @net: the caller's namespace, whose store holds euk:<EntityID>
 * @keyring: where tk:<EntityID> is found (Write permission to make euk:)
 * @in: the delivery
 * @out: the code; accepted: the kind, the key's serial and Confirm; the
 *       ACCEPTED or REJECTED event
 * @extack: the message of a refusal
 *
 * A rejection is an answer (0, out->code a REJECT_*), not an error.
 *
 * Return: 0, or an error of the tk: or euk: lookup, of making euk:,
 * -EAGAIN (lost the race for euk: too often), -ENOMEM; then nothing
 * changed.
 */
int cpns_pne_accept(struct net *net, key_ref_t keyring,
		    const struct cpns_pne_accept_in *in,
		    struct cpns_pne_accept_out *out,
		    struct netlink_ext_ack *extack)
{
	struct cpns_key_payload *next;
	struct cpns_event_msg *ev;
	struct cpns_pne_ctx *c;
	int ret;

	/* Everything the new key needs, before any decision. */
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	next = cpns_payload_alloc(CPNS_KEY_EUK);
	ret = -ENOMEM;
	if (!c || !next)
		goto out;
	ret = cpns_pne_unseal(keyring, in, c, &out->code, extack);
	if (!ret && out->code == CPNS_ACCEPTED)
		ret = cpns_confirm(c->euk, &in->entity, in->e, in->i,
				   in->challenge, out->confirm) ?:
		      cpns_pne_decide(net, keyring, in, c, &next, out, extack);
	if (ret)
		goto out;
	if (out->code != CPNS_ACCEPTED)
		out->kind = 0;
	ev = cpns_outcome_event(&out->oc, out->code == CPNS_ACCEPTED ?
				CPNS_EVENT_ACCEPTED : CPNS_EVENT_REJECTED);
	ev->entity = &in->entity;
	ev->fields = CPNS_EVF_EPOCH | CPNS_EVF_INDEX | CPNS_EVF_N | CPNS_EVF_CODE |
		     (out->kind ? CPNS_EVF_KIND | CPNS_EVF_SERIAL : 0);
	ev->epoch = in->e;
	ev->index = in->i;
	ev->n = in->n;
	ev->code = out->code;
	ev->kind = out->kind;
	ev->serial = out->serial;
out:
	cpns_payload_free(next);
	kfree_sensitive(c);
	return ret;
}

/**
 * cpns_pne_reset() - drop the held euk:<EntityID> of @net
 * @net: the caller's namespace
 * @entity: the EntityID
 * @extack: the message of a refusal
 *
 * The one way to drop it (the operator's factory reset); the caller has
 * checked CAP_SYS_ADMIN in the initial user namespace.  Logged, public
 * values only.
 *
 * Return: 0 or -ENOKEY.
 */
int cpns_pne_reset(struct net *net, const struct cpns_id *entity,
		   struct netlink_ext_ack *extack)
{
	struct cpns_held_info was;
	s32 serial = 0;
	int ret;

	ret = cpns_held_reset(net, CPNS_KEY_EUK, entity, &was, &serial);
	if (ret) {
		cpns_key_err(extack, CPNS_KEY_EUK, ret);
		return ret;
	}
	pr_notice("PNE reset: euk:%.*s (E=%u i=%u n=%u, key %d) dropped in netns %u by uid %u\n",
		  (int)entity->len, entity->b, was.epoch, was.index, was.n, serial,
		  net->ns.inum, from_kuid(&init_user_ns, current_uid()));
	return 0;
}
