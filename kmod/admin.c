// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of a device's life (admin.h): the server's owner changes,
 * decommission marks and PSK1 rotation, and the GW's forget.  Every fact
 * changed here is in a record sealed under master:<name>, or in a key;
 * nothing of it is decided by what the store's columns say.  No function
 * here sees a netlink message.
 */

#include <linux/cred.h>
#include <linux/key.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <crypto/algapi.h>
#include "admin.h"
#include "key.h"
#include "record.h"

/* Scratch of one entity change: every secret of it, freed zeroed. */
struct cpns_admin_ctx {
	u8 master[CPNS_MASTER_LEN];
	u8 pt[CPNS_RECORD_PT_MAX];
	u8 hpw[CPNS_HASH_LEN];
	struct cpns_entity_rec ent;
};

/* 6.1 has no formatted extack: a message chosen from constant strings. */
static void cpns_admin_msg(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

static const char *cpns_master_msg(long err)
{
	switch (err) {
	case -EKEYREVOKED:
		return "master: key revoked";
	case -EKEYEXPIRED:
		return "master: key expired";
	case -EACCES:
		return "master: key not permitted";
	default:
		return "master: key not found";
	}
}

static int cpns_admin_master(key_ref_t keyring, const struct cpns_id *name,
			     u8 master[CPNS_MASTER_LEN],
			     struct netlink_ext_ack *extack)
{
	struct key *key;

	key = cpns_key_get(keyring, CPNS_KEY_MASTER, name, false);
	if (IS_ERR(key)) {
		cpns_admin_msg(extack, cpns_master_msg(PTR_ERR(key)));
		return PTR_ERR(key);
	}
	memcpy(master, cpns_key_payload(key)->secret, CPNS_MASTER_LEN);
	cpns_key_put(key, false);
	return 0;
}

static bool cpns_admin_id_eq(const struct cpns_id *a, const struct cpns_id *b)
{
	return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

/* A store record refused: logged (kind and identifier only), -EBADMSG. */
static int cpns_admin_bad_record(const char *kind, const struct cpns_id *id,
				 const char *why, struct netlink_ext_ack *extack)
{
	pr_warn_ratelimited("%s store record of %.*s %s: refused\n", kind,
			    id->len, id->b, why);
	NL_SET_ERR_MSG(extack, "store record refused: not this module's for this identifier, or not what the store's columns say");
	return -EBADMSG;
}

/* The entity record in, opened and checked against the columns. */
static int cpns_admin_open_entity(struct cpns_admin_ctx *c,
				  const struct cpns_entity_change_in *in,
				  struct netlink_ext_ack *extack)
{
	struct cpns_entity_rec *er = &c->ent;
	int ret;

	ret = cpns_record_open_entity(c->master, &in->entity, in->erec,
				      in->erec_len, c->pt, er);
	if (ret == -EBADMSG)
		return cpns_admin_bad_record("entity", &in->entity,
					     "does not open for this EntityID",
					     extack);
	if (ret)
		return ret;
	if (er->e != in->epoch || !cpns_admin_id_eq(&er->owner, &in->owner))
		return cpns_admin_bad_record("entity", &in->entity,
					     "disagrees with the store's owner or epoch",
					     extack);
	return 0;
}

/* The next state of the entity, in c->ent; 0 or -errno (nothing changed). */
static int cpns_admin_next(struct cpns_admin_ctx *c,
			   const struct cpns_entity_change_in *in,
			   struct netlink_ext_ack *extack)
{
	struct cpns_entity_rec *er = &c->ent;
	bool retired = er->flags & CPNS_ENTITY_DECOMMISSIONED;
	int ret;

	switch (in->op) {
	case CPNS_ENTITY_RELEASE:
		if (retired) {
			NL_SET_ERR_MSG(extack, "entity is decommissioned");
			return -ENOENT;
		}
		if (!er->owner.len) {
			NL_SET_ERR_MSG(extack, "entity has no owner");
			return -EALREADY;
		}
		er->owner.len = 0;
		return 0;
	case CPNS_ENTITY_TRANSFER:
		if (retired) {
			NL_SET_ERR_MSG(extack, "entity is decommissioned");
			return -ENOENT;
		}
		ret = cpns_record_open_user(c->master, &in->user, in->urec,
					    in->urec_len, c->pt, c->hpw);
		if (ret == -EBADMSG)
			return cpns_admin_bad_record("user", &in->user,
						     "does not open for this UserID",
						     extack);
		if (ret)
			return ret;
		if (cpns_admin_id_eq(&er->owner, &in->user)) {
			NL_SET_ERR_MSG(extack, "the user owns the entity already");
			return -EALREADY;
		}
		er->owner = in->user;
		return 0;
	case CPNS_ENTITY_DECOMMISSION:
		if (retired) {
			NL_SET_ERR_MSG(extack, "entity is decommissioned already");
			return -EALREADY;
		}
		er->flags |= CPNS_ENTITY_DECOMMISSIONED;
		er->owner.len = 0;
		return 0;
	case CPNS_ENTITY_REINSTATE:
		if (!retired) {
			NL_SET_ERR_MSG(extack, "entity is in service: only a decommissioned entity is imported again");
			return -EEXIST;
		}
		if (in->tklen < CPNS_TK_MIN_LEN || in->tklen > CPNS_TK_MAX_LEN ||
		    !cpns_claim_code_valid(in->code, in->codelen))
			return -EINVAL;
		er->flags &= ~CPNS_ENTITY_DECOMMISSIONED;
		er->owner.len = 0;
		er->tklen = in->tklen;
		memcpy(er->tk, in->tk, in->tklen);
		er->codelen = in->codelen;
		memcpy(er->code, in->code, in->codelen);
		return 0;
	}
	return -EINVAL;
}

/**
 * cpns_srv_entity_change() - the next sealed record of an entity
 * @keyring: where master:<name> is found
 * @in: the operation, the record and what the store's columns say of it
 * @out: the next record and its public facts
 * @extack: why not
 *
 * E is never changed: a release, transfer or decommission keeps every
 * earlier KEK_E dead, and the next chain is E + 1 as always.
 */
int cpns_srv_entity_change(key_ref_t keyring,
			   const struct cpns_entity_change_in *in,
			   struct cpns_entity_change_out *out,
			   struct netlink_ext_ack *extack)
{
	struct cpns_admin_ctx *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = cpns_admin_master(keyring, &in->master, c->master, extack) ?:
	      cpns_admin_open_entity(c, in, extack);
	if (ret)
		goto out;
	out->was = c->ent.owner;
	ret = cpns_admin_next(c, in, extack);
	if (ret)
		goto out;
	ret = cpns_record_seal_entity(c->master, &in->entity, &c->ent, c->pt,
				      out->record);
	if (ret < 0)
		goto out;
	out->len = ret;
	out->epoch = c->ent.e;
	out->owner = c->ent.owner;
	out->decommissioned = c->ent.flags & CPNS_ENTITY_DECOMMISSIONED;
	ret = 0;
out:
	kfree_sensitive(c);
	return ret;
}

/* PSK1 rotation ----------------------------------------------------------- */

/* The old PSK1 of a rotated GW, accepted until @until (CLOCK_BOOTTIME). */
struct cpns_grace {
	struct list_head list;
	struct cpns_id gw;
	u8 psk[CPNS_PSK_LEN];
	time64_t until;
};

struct cpns_admin_net {
	struct mutex lock;		/* the grace list */
	struct list_head grace;
	unsigned int count;
};

static unsigned int cpns_admin_net_id __read_mostly;

static struct cpns_admin_net *cpns_admin_net(struct net *net)
{
	return net_generic(net, cpns_admin_net_id);
}

static void cpns_grace_drop(struct cpns_admin_net *an, struct cpns_grace *g)
{
	lockdep_assert_held(&an->lock);
	list_del(&g->list);
	an->count--;
	kfree_sensitive(g);
}

/* The entry of @gw, expired ones dropped on the way; NULL if none. */
static struct cpns_grace *cpns_grace_find(struct cpns_admin_net *an,
					  const struct cpns_id *gw)
{
	time64_t now = ktime_get_boottime_seconds();
	struct cpns_grace *g, *tmp, *found = NULL;

	lockdep_assert_held(&an->lock);
	list_for_each_entry_safe(g, tmp, &an->grace, list) {
		if (now >= g->until)
			cpns_grace_drop(an, g);
		else if (cpns_admin_id_eq(&g->gw, gw))
			found = g;
	}
	return found;
}

int cpns_srv_grace_psk(struct net *net, const struct cpns_id *gw,
		       u8 psk[CPNS_PSK_LEN])
{
	struct cpns_admin_net *an = cpns_admin_net(net);
	struct cpns_grace *g;
	int ret = -ENOKEY;

	mutex_lock(&an->lock);
	g = cpns_grace_find(an, gw);
	if (g) {
		memcpy(psk, g->psk, CPNS_PSK_LEN);
		ret = 0;
	}
	mutex_unlock(&an->lock);
	return ret;
}

static const char *cpns_psk_msg(long err)
{
	switch (err) {
	case -EKEYREVOKED:
		return "psk: key revoked";
	case -EKEYEXPIRED:
		return "psk: key expired";
	case -EACCES:
		return "psk: key not permitted";
	default:
		return "psk: key not found";
	}
}

/**
 * cpns_srv_rotate_gw() - a new PSK1 for a GW, the old one for a while
 * @net: the server's network namespace
 * @keyring: where psk:<GwID> is found
 * @gw: the GwID
 * @psk: the new PSK1
 * @grace: seconds the old PSK1 is still accepted (0: not at all)
 * @extack: why not
 *
 * The key keeps its serial; its payload is replaced (RCU) under its
 * semaphore, so a request being opened sees the old or the new PSK1.
 */
int cpns_srv_rotate_gw(struct net *net, key_ref_t keyring,
		       const struct cpns_id *gw, const u8 psk[CPNS_PSK_LEN],
		       u32 grace, struct netlink_ext_ack *extack)
{
	struct cpns_admin_net *an = cpns_admin_net(net);
	struct cpns_key_payload *p, *cur;
	struct cpns_grace *g = NULL, *old;
	struct key *key;
	int ret;

	if (grace > CPNS_GRACE_MAX_SECONDS) {
		cpns_admin_msg(extack, "grace window longer than CPNS_GRACE_MAX_SECONDS");
		return -ERANGE;
	}
	p = cpns_payload_alloc(CPNS_KEY_PSK);
	if (grace)
		g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!p || (grace && !g)) {
		ret = -ENOMEM;
		goto out_free;
	}
	p->len = CPNS_PSK_LEN;
	memcpy(p->secret, psk, CPNS_PSK_LEN);

	key = cpns_key_get(keyring, CPNS_KEY_PSK, gw, true);
	if (IS_ERR(key)) {
		cpns_admin_msg(extack, cpns_psk_msg(PTR_ERR(key)));
		ret = PTR_ERR(key);
		goto out_free;
	}
	cur = cpns_key_payload(key);
	if (!crypto_memneq(cur->secret, psk, CPNS_PSK_LEN)) {
		NL_SET_ERR_MSG(extack, "the new PSK1 is the current one");
		ret = -EINVAL;
		goto out_put;
	}

	mutex_lock(&an->lock);
	old = cpns_grace_find(an, gw);
	if (g && !old && an->count >= CPNS_GRACE_MAX) {
		mutex_unlock(&an->lock);
		NL_SET_ERR_MSG(extack, "too many PSK1s in their grace window");
		ret = -EBUSY;
		goto out_put;
	}
	if (old)
		cpns_grace_drop(an, old);
	if (g) {
		g->gw = *gw;
		memcpy(g->psk, cur->secret, CPNS_PSK_LEN);
		g->until = ktime_get_boottime_seconds() + grace;
		list_add(&g->list, &an->grace);
		an->count++;
		g = NULL;
	}
	cpns_key_replace(key, p);
	p = NULL;
	mutex_unlock(&an->lock);
	ret = 0;
out_put:
	cpns_key_put(key, true);
out_free:
	cpns_payload_free(p);
	kfree_sensitive(g);
	return ret;
}

/**
 * cpns_srv_remove_gw() - retire a GW
 * @net: the server's network namespace
 * @keyring: where psk:<GwID> is found, resolved with Write
 * @gw: the GwID
 * @serial: the retired key's serial
 * @extack: why not
 *
 * psk:<GwID> is unlinked from @keyring (when it is linked there) and
 * invalidated: the key core unlinks it from every other keyring and
 * destroys it (its payload zeroed).  The server's open then finds no
 * PSK1 for the GwID and answers BAD_GW_AUTH after the dummy open, as for
 * a GwID it never knew.
 */
int cpns_srv_remove_gw(struct net *net, key_ref_t keyring,
		       const struct cpns_id *gw, s32 *serial,
		       struct netlink_ext_ack *extack)
{
	struct cpns_admin_net *an = cpns_admin_net(net);
	struct cpns_grace *g;
	struct key *key;
	int ret;

	key = cpns_key_get(keyring, CPNS_KEY_PSK, gw, true);
	if (IS_ERR(key)) {
		cpns_admin_msg(extack, cpns_psk_msg(PTR_ERR(key)));
		return PTR_ERR(key);
	}
	key_get(key);
	cpns_key_put(key, true);

	ret = key_unlink(key_ref_to_ptr(keyring), key);
	if (ret && ret != -ENOENT) {	/* -ENOMEM: nothing changed */
		key_put(key);
		return ret;
	}
	*serial = key->serial;
	key_invalidate(key);
	key_put(key);

	mutex_lock(&an->lock);
	g = cpns_grace_find(an, gw);
	if (g)
		cpns_grace_drop(an, g);
	mutex_unlock(&an->lock);
	return 0;
}

/* The GW's forget --------------------------------------------------------- */

int cpns_gw_forget(struct net *net, const struct cpns_id *entity,
		   struct cpns_gw_forget_out *out)
{
	struct cpns_held_info was;
	int ret;

	ret = cpns_held_reset(net, CPNS_KEY_CHAIN, entity, &was, &out->serial);
	if (ret)
		return ret;
	out->epoch = was.epoch;
	out->delivered = was.index;
	out->n = was.n;
	pr_notice("GW forget: chain:%.*s (E=%u delivered=%u n=%u, key %d) dropped in netns %u by uid %u\n",
		  (int)entity->len, entity->b, was.epoch, was.index, was.n,
		  out->serial, net->ns.inum,
		  from_kuid(&init_user_ns, current_uid()));
	return 0;
}

/* Per network namespace ---------------------------------------------------- */

static int __net_init cpns_admin_net_init(struct net *net)
{
	struct cpns_admin_net *an = cpns_admin_net(net);

	mutex_init(&an->lock);
	INIT_LIST_HEAD(&an->grace);
	return 0;
}

static void __net_exit cpns_admin_net_exit(struct net *net)
{
	struct cpns_admin_net *an = cpns_admin_net(net);
	struct cpns_grace *g, *tmp;

	mutex_lock(&an->lock);
	list_for_each_entry_safe(g, tmp, &an->grace, list)
		cpns_grace_drop(an, g);
	mutex_unlock(&an->lock);
}

static struct pernet_operations cpns_admin_net_ops = {
	.init = cpns_admin_net_init,
	.exit = cpns_admin_net_exit,
	.id = &cpns_admin_net_id,
	.size = sizeof(struct cpns_admin_net),
};

int __init cpns_admin_init(void)
{
	return register_pernet_subsys(&cpns_admin_net_ops);
}

void cpns_admin_exit(void)
{
	unregister_pernet_subsys(&cpns_admin_net_ops);
}
