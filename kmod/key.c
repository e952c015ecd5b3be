// SPDX-License-Identifier: GPL-2.0
/*
 * The "cpns" key type (Documentation/keys.rst).
 *
 * Every secret of the module lives in the payload of a key of this type.
 * ->read gives the key's sealed blob (blob.c), never a plaintext payload
 * byte; ->describe shows public metadata only.  Payloads are replaced with RCU
 * and always freed with kfree_sensitive(), which zeroes the whole struct.
 *
 * psk:, tk: and master: keys are made by userspace (add_key, keyctl padd)
 * from their raw bytes, "new" (master:) or "load BLOB".  chain: and euk: keys are made only by the module,
 * through cpns_held_create(): their ->preparse accepts a payload only when
 * prep->data is a struct cpns_mint on the kernel stack of the current task.
 * Data from add_key(), keyctl update or keyctl instantiate is always copied
 * into a heap buffer first (kvmalloc), so it can never be there; no lock is
 * needed to tell the two apart.
 *
 * The held keys (chain:, euk:) live in a store per network namespace: a
 * keyring the module owns, KEY_FLAG_KEEP, linked into no keyring of any
 * user, so that no key operation of userspace can drop them.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/cpns.h>
#include "blob.h"
#include "crypto.h"
#include "key.h"

/*
 * Exported by security/keys/permission.c but declared only in
 * security/keys/internal.h; key_permission() is its inline wrapper there.
 */
int key_task_permission(const key_ref_t key_ref, const struct cred *cred,
			enum key_need_perm need_perm);

/* "master:" is the longest prefix. */

/* Quota charged for every key of the type: what it really pins. */
#define CPNS_KEY_QUOTA sizeof(struct cpns_key_payload)

/*
 * Permissions of a held key: the module finds it through its possessed
 * reference to the store; the owner (the caller that made it) may view,
 * search and read it (its sealed blob), nothing else.  No
 * Write, Setattr or Link for anyone: keyctl update, revoke, timeout,
 * setperm, chown and link are EACCES; invalidate is EPERM (KEY_FLAG_KEEP).
 */
#define CPNS_HELD_PERM (KEY_POS_VIEW | KEY_POS_SEARCH | KEY_USR_VIEW |	\
			KEY_USR_READ | KEY_USR_SEARCH)

/*
 * Permissions of a store: the module searches it; its owner (the caller
 * that made the namespace's first held key) may view, list and search it.
 * No Write, Link or Setattr: keyctl clear, unlink from it, link into it
 * or of it, setperm and timeout are EACCES.
 */
#define CPNS_STORE_PERM (KEY_POS_VIEW | KEY_POS_SEARCH |			\
			 KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH)

/* How many times a mint looks again after a reset dropped what it found. */
#define CPNS_MINT_TRIES 4

/* prep->payload.data[1] marks a payload that came from cpns_held_create(). */
#define CPNS_PREP_MINTED ((void *)1)

/*
 * What cpns_held_create() hands to the keyring core as the payload data,
 * from its own stack frame: ->preparse takes a payload pointer only from
 * there (object_is_on_stack()).
 */
struct cpns_mint {
	const struct cpns_key_payload *p;
};

/*
 * The store of a network namespace, made with its first held key.
 * create_lock serialises making and dropping a held key in this namespace
 * only (callers there need CAP_NET_ADMIN over it): it is held across the
 * search, key_alloc() and the link into the store (or the unlink of a
 * reset), never across a key's semaphore, a hash walk or anything
 * userspace can hold.  Lock order: create_lock and a held key's semaphore
 * are never held together; the keyring core's locks (the store keyring's
 * semaphore, key_construction_mutex) nest inside create_lock.  keyring is
 * set once, under create_lock (release), and read without it (acquire).
 */
struct cpns_store {
	struct key *keyring;
	struct mutex create_lock;
};

static unsigned int cpns_store_net_id __read_mostly;

static struct cpns_store *cpns_store(struct net *net)
{
	return net_generic(net, cpns_store_net_id);
}

static int cpns_desc_build(char *buf, enum cpns_key_kind kind,
			   const struct cpns_id *id)
{
	if ((unsigned int)kind >= ARRAY_SIZE(cpns_key_prefix) || !id ||
	    id->len > CPNS_ID_MAX_LEN || !cpns_id_valid(id->b, id->len))
		return -EINVAL;
	snprintf(buf, CPNS_DESC_MAX, "%s%.*s", cpns_key_prefix[kind],
		 (int)id->len, id->b);
	return 0;
}

static bool cpns_secret_len_ok(enum cpns_key_kind kind, size_t len)
{
	switch (kind) {
	case CPNS_KEY_PSK:
		return len == CPNS_PSK_LEN;
	case CPNS_KEY_MASTER:
		return len == CPNS_MASTER_LEN;
	case CPNS_KEY_TK:
		return len >= CPNS_TK_MIN_LEN && len <= CPNS_TK_MAX_LEN;
	default:
		return false;
	}
}

static void cpns_payload_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct cpns_key_payload, rcu));
}

/*
 * A payload from userspace bytes for a key of @kind: -EPERM for the kinds
 * only the module makes, -EINVAL for a wrong length.
 */
static int cpns_payload_from_user(const char *desc, enum cpns_key_kind kind,
				  const void *data, size_t len,
				  struct cpns_key_payload **out)
{
	struct cpns_key_payload *p;
	bool fresh;
	int ret;

	if (cpns_kind_minted(kind))
		return -EPERM;
	if (cpns_blob_is_load(data, len))
		return cpns_blob_load(desc, data, len, out, NULL);
	fresh = cpns_blob_is_new(data, len);
	if (fresh ? kind != CPNS_KEY_MASTER :
		    !data || !cpns_secret_len_ok(kind, len))
		return -EINVAL;
	p = cpns_payload_alloc(kind);
	if (!p)
		return -ENOMEM;
	if (fresh) {
		/* "new": a random master key, never seen outside the kernel */
		len = CPNS_MASTER_LEN;
		ret = cpns_random(p->secret, len);
		if (ret) {
			cpns_payload_free(p);
			return ret;
		}
	} else {
		memcpy(p->secret, data, len);
	}
	p->len = len;
	*out = p;
	return 0;
}

static int cpns_key_vet_description(const char *desc)
{
	int kind = cpns_desc_kind(desc);

	return kind < 0 ? kind : 0;
}

/*
 * add_key(), instantiation and key_create_or_update() come here with the
 * description; keyctl update comes without one, and its bytes are then
 * checked by ->update, which knows the key.
 */
static int cpns_key_preparse(struct key_preparsed_payload *prep)
{
	const struct cpns_key_payload *src = NULL;
	struct cpns_key_payload *p = NULL;
	int kind = -EINVAL;
	int ret;

	prep->quotalen = CPNS_KEY_QUOTA;
	if (prep->orig_description) {
		kind = cpns_desc_kind(prep->orig_description);
		if (kind < 0)
			return kind;
	}

	if (prep->data && prep->datalen == sizeof(struct cpns_mint) &&
	    object_is_on_stack(prep->data))
		src = ((const struct cpns_mint *)prep->data)->p;
	if (src) {
		if (!cpns_kind_minted(src->kind) ||
		    (prep->orig_description && kind != src->kind))
			return -EINVAL;
		p = kmemdup(src, sizeof(*src), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		prep->payload.data[0] = p;
		prep->payload.data[1] = CPNS_PREP_MINTED;
		return 0;
	}

	if (!prep->orig_description)
		return 0;

	ret = cpns_payload_from_user(prep->orig_description, kind, prep->data,
				     prep->datalen, &p);
	if (ret)
		return ret;
	prep->payload.data[0] = p;
	return 0;
}

static void cpns_key_free_preparse(struct key_preparsed_payload *prep)
{
	cpns_payload_free(prep->payload.data[0]);
	prep->payload.data[0] = NULL;
}

/* Does the preparsed payload fit the key's description? */
static int cpns_prep_check(const struct key *key,
			   const struct key_preparsed_payload *prep,
			   const struct cpns_key_payload *p)
{
	int kind = cpns_desc_kind(key->description);

	if (kind < 0)
		return kind;
	if (cpns_kind_minted(kind) && prep->payload.data[1] != CPNS_PREP_MINTED)
		return -EPERM;
	if (p->kind != kind)
		return -EINVAL;
	return 0;
}

static int cpns_key_instantiate(struct key *key,
				struct key_preparsed_payload *prep)
{
	struct cpns_key_payload *p = prep->payload.data[0];
	int ret;

	if (!p)
		return -EINVAL;
	ret = cpns_prep_check(key, prep, p);
	if (ret)
		return ret;
	ret = key_payload_reserve(key, CPNS_KEY_QUOTA);
	if (ret)
		return ret;
	rcu_assign_keypointer(key, p);
	prep->payload.data[0] = NULL;
	return 0;
}

/*
 * Replace the payload, key->sem write-locked.  The key's timeout, if any,
 * is kept.  A revoked or expired key is not updated.
 */
static int cpns_key_update(struct key *key, struct key_preparsed_payload *prep)
{
	struct cpns_key_payload *p = prep->payload.data[0];
	struct cpns_key_payload *old;
	bool own = false;
	int kind, ret;

	if (!p) {
		kind = cpns_desc_kind(key->description);
		if (kind < 0)
			return kind;
		ret = cpns_payload_from_user(key->description, kind, prep->data,
					     prep->datalen, &p);
		if (ret)
			return ret;
		own = true;
	}
	ret = cpns_prep_check(key, prep, p);
	if (!ret)
		ret = key_validate(key);
	if (!ret)
		ret = key_payload_reserve(key, CPNS_KEY_QUOTA);
	if (ret) {
		if (own)
			cpns_payload_free(p);
		return ret;
	}

	old = cpns_key_payload(key);
	rcu_assign_keypointer(key, p);
	if (!own)
		prep->payload.data[0] = NULL;
	if (old)
		call_rcu(&old->rcu, cpns_payload_free_rcu);
	return 0;
}

/* key->sem write-locked */
static void cpns_key_revoke(struct key *key)
{
	struct cpns_key_payload *p = cpns_key_payload(key);

	key_payload_reserve(key, 0);
	if (p) {
		rcu_assign_keypointer(key, NULL);
		call_rcu(&p->rcu, cpns_payload_free_rcu);
	}
}

/* The last reference is gone: no reader is left.  Must not sleep. */
static void cpns_key_destroy(struct key *key)
{
	kfree_sensitive(key->payload.data[0]);
	key->payload.data[0] = NULL;
}

/* Under rcu_read_lock(): public metadata only, never a key byte. */
static void cpns_key_describe(const struct key *key, struct seq_file *m)
{
	const struct cpns_key_payload *p;

	seq_puts(m, key->description);
	if (!key_is_positive(key))
		return;
	p = dereference_key_rcu(key);
	if (!p)
		return;

	switch (p->kind) {
	case CPNS_KEY_PSK:
	case CPNS_KEY_TK:
	case CPNS_KEY_MASTER:
		seq_printf(m, ": %u bytes", p->len);
		break;
	case CPNS_KEY_CHAIN:
		seq_printf(m, ": E=%u n=%u delivered=%u id=%*phN",
			   p->chain.epoch, p->chain.n, p->chain.delivered,
			   CPNS_CHAIN_ID_LEN, p->chain.chain_id);
		break;
	case CPNS_KEY_EUK:
		seq_printf(m, ": E=%u i=%u n=%u id=%*phN",
			   p->euk.epoch, p->euk.index, p->euk.n,
			   CPNS_CHAIN_ID_LEN, p->euk.chain_id);
		break;
	}
}

struct key_type cpns_key_type = {
	.name			= CPNS_KEY_TYPE,
	.def_datalen		= CPNS_KEY_QUOTA,
	.vet_description	= cpns_key_vet_description,
	.preparse		= cpns_key_preparse,
	.free_preparse		= cpns_key_free_preparse,
	.instantiate		= cpns_key_instantiate,
	.update			= cpns_key_update,
	.revoke			= cpns_key_revoke,
	.destroy		= cpns_key_destroy,
	.describe		= cpns_key_describe,
	/* the sealed blob, never the secret (blob.c) */
	.read			= cpns_blob_read,
};

static int __net_init cpns_store_net_init(struct net *net)
{
	mutex_init(&cpns_store(net)->create_lock);
	return 0;
}

/* The namespace is gone: its store, and every key held in it, with it. */
static void __net_exit cpns_store_net_exit(struct net *net)
{
	key_put(cpns_store(net)->keyring);
}

static struct pernet_operations cpns_store_net_ops = {
	.init = cpns_store_net_init,
	.exit = cpns_store_net_exit,
	.id = &cpns_store_net_id,
	.size = sizeof(struct cpns_store),
};

int cpns_key_init(void)
{
	int ret = register_key_type(&cpns_key_type);

	if (ret)
		return ret;
	ret = register_pernet_subsys(&cpns_store_net_ops);
	if (ret)
		unregister_key_type(&cpns_key_type);
	return ret;
}

void cpns_key_exit(void)
{
	unregister_pernet_subsys(&cpns_store_net_ops);
	unregister_key_type(&cpns_key_type);
	/* cpns_payload_free_rcu() must not run after the module is gone */
	rcu_barrier();
}

/**
 * cpns_keyring_get() - resolve a keyring serial for the caller
 * @serial: a keyring serial or a KEY_SPEC_* value
 * @write: also need Write permission (the command may link a key there)
 *
 * Search permission is always needed: the command's input keys are found
 * there.  Both are checked here, before the command does any work.  A
 * thread or process keyring that does not exist is not created (it would
 * hold none of the input keys): -ENOKEY.  Returns the keyring ref or an
 * ERR_PTR: -ENOKEY, -EACCES, -EKEYREVOKED, -EKEYEXPIRED, -ENOTDIR (not a
 * keyring), ...
 */
key_ref_t cpns_keyring_get(s32 serial, bool write)
{
	key_ref_t ref;
	int ret;

	ref = lookup_user_key(serial, 0, KEY_NEED_SEARCH);
	if (IS_ERR(ref))
		return ref;
	ret = key_ref_to_ptr(ref)->type != &key_type_keyring ? -ENOTDIR :
	      write ? key_task_permission(ref, current_cred(), KEY_NEED_WRITE) : 0;
	if (ret) {
		key_ref_put(ref);
		return ERR_PTR(ret);
	}
	return ref;
}

/*
 * Take the semaphore of the key @ref found by a search and check that it
 * is still a live key of @kind.  Consumes @ref; returns the key, locked,
 * or an ERR_PTR.
 */
static struct key *cpns_key_lock(key_ref_t ref, enum cpns_key_kind kind,
				 bool write)
{
	struct key *key = key_ref_to_ptr(ref);
	struct cpns_key_payload *p;
	int ret;

	if (write)
		down_write(&key->sem);
	else
		down_read(&key->sem);

	/* revoked, invalidated or expired since the search? */
	ret = key_validate(key);
	if (!ret && !key_is_positive(key))
		ret = -ENOKEY;
	if (!ret) {
		p = cpns_key_payload(key);
		if (!p)
			ret = -EKEYREVOKED;
		else if (p->kind != kind)
			ret = -EINVAL;
	}
	if (ret) {
		cpns_key_put(key, write);
		return ERR_PTR(ret);
	}
	return key;
}

/* keyring_search() says EAGAIN when nothing matched */
static key_ref_t cpns_search(key_ref_t keyring, const char *desc, bool recurse)
{
	key_ref_t ref = keyring_search(keyring, &cpns_key_type, desc, recurse);

	if (IS_ERR(ref) && PTR_ERR(ref) == -EAGAIN)
		return ERR_PTR(-ENOKEY);
	return ref;
}

/**
 * cpns_key_get() - find a cpns key and lock it
 * @keyring: where to search (recursively, with the caller's credentials)
 * @kind: which kind of key: psk, tk or master
 * @id: its identifier
 * @write: take key->sem for writing; the caller then also needs Write
 *         permission on the key
 *
 * Returns the key with key->sem held and a non-NULL payload of @kind, or
 * an ERR_PTR: -EINVAL (bad identifier, or a held kind: see
 * cpns_held_get()), -ENOKEY (absent), -EKEYREVOKED, -EKEYEXPIRED, -EACCES
 * (no Search, or no Write when @write).
 */
struct key *cpns_key_get(key_ref_t keyring, enum cpns_key_kind kind,
			 const struct cpns_id *id, bool write)
{
	char desc[CPNS_DESC_MAX];
	key_ref_t ref;
	int ret;

	if (cpns_kind_minted(kind))
		return ERR_PTR(-EINVAL);
	ret = cpns_desc_build(desc, kind, id);
	if (ret)
		return ERR_PTR(ret);

	ref = cpns_search(keyring, desc, true);
	if (IS_ERR(ref))
		return ERR_CAST(ref);
	if (write) {
		ret = key_task_permission(ref, current_cred(), KEY_NEED_WRITE);
		if (ret) {
			key_ref_put(ref);
			return ERR_PTR(ret);
		}
	}
	return cpns_key_lock(ref, kind, write);
}

/* The held key @desc in @s, found through the module's own reference. */
static key_ref_t cpns_store_search(struct cpns_store *s, const char *desc)
{
	/* pairs with cpns_store_make(): a keyring seen is fully made */
	struct key *keyring = smp_load_acquire(&s->keyring);

	if (!keyring)
		return ERR_PTR(-ENOKEY);
	return cpns_search(make_key_ref(keyring, true), desc, false);
}

/*
 * With s->create_lock held: the store, made if need be.  It is
 * ".cpns:net:[<inode>]", as /proc/<pid>/ns/net names the namespace, owned
 * by the caller that made the first held key (the namespace's root, in a
 * container: so that it can list it), charged to no quota (one per
 * namespace), KEY_FLAG_KEEP, linked nowhere.  A description that begins
 * with "." is never published for keyctl join_session_keyring, so no
 * process can come to possess it.
 */
static int cpns_store_make(struct net *net, struct cpns_store *s)
{
	char desc[sizeof(".cpns:net:[4294967295]")];
	const struct cred *cred = current_cred();
	struct key *keyring;

	lockdep_assert_held(&s->create_lock);
	if (s->keyring)
		return 0;
	snprintf(desc, sizeof(desc), ".cpns:net:[%u]", net->ns.inum);
	keyring = keyring_alloc(desc, cred->fsuid, cred->fsgid, cred,
				CPNS_STORE_PERM,
				KEY_ALLOC_NOT_IN_QUOTA | KEY_ALLOC_SET_KEEP,
				NULL, NULL);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);
	/* pairs with cpns_store_search(), which reads it without the lock */
	smp_store_release(&s->keyring, keyring);
	return 0;
}

/**
 * cpns_held_get() - find a held key of a namespace and lock it for writing
 * @net: the caller's network namespace (the socket's)
 * @kind: CPNS_KEY_CHAIN or CPNS_KEY_EUK
 * @id: the EntityID
 *
 * Whatever keyring the caller names: a held key is found only in the
 * store.  Returns the key with key->sem held for writing, or an ERR_PTR:
 * -EINVAL, -ENOKEY.
 */
struct key *cpns_held_get(struct net *net, enum cpns_key_kind kind,
			  const struct cpns_id *id)
{
	char desc[CPNS_DESC_MAX];
	key_ref_t ref;
	int ret;

	if (!cpns_kind_minted(kind))
		return ERR_PTR(-EINVAL);
	ret = cpns_desc_build(desc, kind, id);
	if (ret)
		return ERR_PTR(ret);
	ref = cpns_store_search(cpns_store(net), desc);
	if (IS_ERR(ref))
		return ERR_CAST(ref);
	return cpns_key_lock(ref, kind, true);
}

/**
 * cpns_key_put() - release a key from cpns_key_get()
 * @key: the key
 * @write: as given to cpns_key_get()
 */
void cpns_key_put(struct key *key, bool write)
{
	if (write)
		up_write(&key->sem);
	else
		up_read(&key->sem);
	key_put(key);
}

/* The caller may make keys: Write permission on the keyring it named. */
static int cpns_may_make(key_ref_t keyring)
{
	return key_task_permission(keyring, current_cred(), KEY_NEED_WRITE);
}

/* With s->create_lock held: make the key and link it into the store. */
static s32 cpns_store_add(struct net *net, struct cpns_store *s,
			  const char *desc, const struct cpns_key_payload *p)
{
	const struct cred *cred = current_cred();
	struct cpns_mint mint = { .p = p };
	struct key *key;
	key_ref_t ref;
	s32 ret;

	lockdep_assert_held(&s->create_lock);
	ref = cpns_store_search(s, desc);
	if (!IS_ERR(ref)) {
		key_ref_put(ref);
		return -EEXIST;
	}
	if (PTR_ERR(ref) != -ENOKEY)
		return PTR_ERR(ref);
	ret = cpns_store_make(net, s);
	if (ret)
		return ret;

	key = key_alloc(&cpns_key_type, desc, cred->fsuid, cred->fsgid, cred,
			CPNS_HELD_PERM, KEY_ALLOC_IN_QUOTA | KEY_ALLOC_SET_KEEP,
			NULL);
	if (IS_ERR(key))
		return PTR_ERR(key);
	ret = key_instantiate_and_link(key, &mint, sizeof(mint), s->keyring,
				       NULL);
	if (!ret)
		ret = key->serial;
	key_put(key);
	return ret;
}

/**
 * cpns_held_create() - make a held key, if the store holds none of that name
 * @net: the caller's network namespace
 * @keyring: the keyring the caller named; Write permission needed on it
 * @kind: CPNS_KEY_CHAIN or CPNS_KEY_EUK
 * @id: the EntityID
 * @p: the payload, of @kind; copied, not consumed
 *
 * The key is owned by the caller and charged to its key quota, with
 * KEY_FLAG_KEEP, linked only into the store.  Returns its serial or a
 * negative errno: -EEXIST (one is held already), -EINVAL, -EACCES,
 * -EDQUOT, -ENOMEM, ...
 */
s32 cpns_held_create(struct net *net, key_ref_t keyring,
		     enum cpns_key_kind kind, const struct cpns_id *id,
		     const struct cpns_key_payload *p)
{
	struct cpns_store *s = cpns_store(net);
	char desc[CPNS_DESC_MAX];
	s32 ret;

	if (!p || !cpns_kind_minted(kind) || p->kind != kind)
		return -EINVAL;
	ret = cpns_desc_build(desc, kind, id) ?: cpns_may_make(keyring);
	if (ret)
		return ret;
	mutex_lock(&s->create_lock);
	ret = cpns_store_add(net, s, desc, p);
	mutex_unlock(&s->create_lock);
	return ret;
}

/**
 * cpns_key_mint() - create or replace a held key
 * @net: the caller's network namespace
 * @keyring: the keyring the caller named; Write permission needed on it
 * @kind: CPNS_KEY_CHAIN or CPNS_KEY_EUK
 * @id: the EntityID
 * @p: the payload, of @kind; always consumed (zeroed and freed)
 *
 * The key the store holds under that name keeps its serial and gets @p;
 * otherwise one is made as by cpns_held_create().  The caller must not
 * hold that key's semaphore.  Returns the key's serial or a negative
 * errno: -EINVAL, -EACCES, -EDQUOT, -ENOMEM, ...
 */
s32 cpns_key_mint(struct net *net, key_ref_t keyring, enum cpns_key_kind kind,
		  const struct cpns_id *id, struct cpns_key_payload *p)
{
	struct cpns_store *s = cpns_store(net);
	char desc[CPNS_DESC_MAX];
	struct key *key;
	key_ref_t ref;
	int tries;
	s32 ret;

	if (!p)
		return -EINVAL;
	ret = -EINVAL;
	if (!cpns_kind_minted(kind) || p->kind != kind)
		goto out;
	ret = cpns_desc_build(desc, kind, id) ?: cpns_may_make(keyring);
	if (ret)
		goto out;

	for (tries = 0; tries < CPNS_MINT_TRIES; tries++) {
		mutex_lock(&s->create_lock);
		ref = cpns_store_search(s, desc);
		if (IS_ERR(ref)) {
			ret = cpns_store_add(net, s, desc, p);
			mutex_unlock(&s->create_lock);
			goto out;
		}
		mutex_unlock(&s->create_lock);
		/* not under create_lock: a delivery may hold the key a while */
		key = cpns_key_lock(ref, kind, true);
		if (!IS_ERR(key)) {
			ret = key->serial;
			cpns_key_replace(key, p);
			cpns_key_put(key, true);
			return ret;
		}
		ret = PTR_ERR(key);
		if (ret != -EKEYREVOKED)	/* else reset meanwhile: again */
			goto out;
	}
out:
	/* ->preparse took a copy */
	cpns_payload_free(p);
	return ret;
}

/* The public state of a held payload: E, the index held or delivered, n. */
static void cpns_held_info(const struct cpns_key_payload *p,
			   struct cpns_held_info *info)
{
	if (p->kind == CPNS_KEY_EUK) {
		info->epoch = p->euk.epoch;
		info->index = p->euk.index;
		info->n = p->euk.n;
	} else {
		info->epoch = p->chain.epoch;
		info->index = p->chain.delivered;
		info->n = p->chain.n;
	}
}

/**
 * cpns_held_reset() - drop a held key: the operator's deliberate reset
 * @net: the caller's network namespace
 * @kind: CPNS_KEY_CHAIN or CPNS_KEY_EUK
 * @id: the EntityID
 * @was: its last public state, for the log
 * @serial: its serial
 *
 * Returns 0 or -ENOKEY, -ENOMEM (then the key is held as before; -EINVAL
 * for a bad identifier).
 */
int cpns_held_reset(struct net *net, enum cpns_key_kind kind,
		    const struct cpns_id *id, struct cpns_held_info *was,
		    s32 *serial)
{
	struct cpns_store *s = cpns_store(net);
	char desc[CPNS_DESC_MAX];
	struct key *key, *locked;
	key_ref_t ref;
	int ret;

	if (!cpns_kind_minted(kind))
		return -EINVAL;
	ret = cpns_desc_build(desc, kind, id);
	if (ret)
		return ret;

	/* unlinked first: no new command finds it */
	mutex_lock(&s->create_lock);
	ref = cpns_store_search(s, desc);
	if (IS_ERR(ref)) {
		mutex_unlock(&s->create_lock);
		return PTR_ERR(ref);
	}
	key = key_ref_to_ptr(ref);
	ret = key_unlink(s->keyring, key);
	mutex_unlock(&s->create_lock);
	if (ret) {		/* -ENOMEM: still held, nothing changed */
		key_put(key);
		return ret;
	}

	/* a command that found it before finishes first; then it is revoked */
	locked = cpns_key_lock(make_key_ref(key_get(key), true), kind, true);
	memset(was, 0, sizeof(*was));
	if (!IS_ERR(locked)) {
		cpns_held_info(cpns_key_payload(locked), was);
		cpns_key_put(locked, true);
	}
	*serial = key->serial;
	key_revoke(key);
	key_put(key);
	return 0;
}

/**
 * cpns_key_replace() - swap the payload of a write-locked key
 * @key: from cpns_held_get()
 * @p: the new payload, of the key's kind; always consumed
 *
 * Readers under RCU see the old or the new payload, never a torn one; the
 * old one is zeroed and freed after a grace period.
 */
void cpns_key_replace(struct key *key, struct cpns_key_payload *p)
{
	struct cpns_key_payload *old = cpns_key_payload(key);

	lockdep_assert_held_write(&key->sem);
	if (WARN_ON_ONCE(!old || old->kind != p->kind)) {
		cpns_payload_free(p);
		return;
	}
	rcu_assign_keypointer(key, p);
	call_rcu(&old->rcu, cpns_payload_free_rcu);
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

void cpns_key_err(struct netlink_ext_ack *extack, enum cpns_key_kind kind,
		  long err)
{
	if (extack)
		extack->_msg = cpns_key_msgs[kind][err == -EKEYREVOKED ? 1 :
						   err == -EKEYEXPIRED ? 2 :
						   err == -EACCES ? 3 : 0];
}

struct key *cpns_key_find(struct net *net, key_ref_t keyring,
			  enum cpns_key_kind kind, const struct cpns_id *id,
			  bool write, struct netlink_ext_ack *extack)
{
	struct key *key;

	/* chain: and euk: are held in the namespace's store, whatever keyring */
	if (cpns_kind_minted(kind))
		key = cpns_held_get(net, kind, id);
	else
		key = cpns_key_get(keyring, kind, id, write);
	if (IS_ERR(key))
		cpns_key_err(extack, kind, PTR_ERR(key));
	return key;
}

int cpns_key_copy(key_ref_t keyring, enum cpns_key_kind kind,
		  const struct cpns_id *id, u8 *out, size_t max)
{
	struct cpns_key_payload *p;
	struct key *key;
	int len;

	key = cpns_key_get(keyring, kind, id, false);
	if (IS_ERR(key))
		return PTR_ERR(key);
	p = cpns_key_payload(key);
	len = min_t(size_t, p->len, max);
	memcpy(out, p->secret, len);
	cpns_key_put(key, false);
	return len;
}

/**
 * cpns_key_load() - CPNS_CMD_KEY_LOAD: a held key back from its blob
 * @net: the caller's namespace, whose store takes the key
 * @keyring: the keyring the caller named (Write permission, as for a mint)
 * @blob: "load HEX", as keyctl add takes it
 * @len: its length
 * @out: the new key's serial
 * @extack: the message of a refusal
 *
 * Only chain: and euk: (psk:, tk:, master: load with keyctl add); the
 * caller has checked CAP_SYS_ADMIN in the initial user namespace: a held
 * key's state must not go back.  A store that already holds that key
 * keeps it (EEXIST: reset it first).
 *
 * Return: 0, or an error of cpns_blob_load(), -EINVAL (not chain:, euk:),
 * an error of cpns_held_create().
 */
int cpns_key_load(struct net *net, key_ref_t keyring, const u8 *blob,
		  size_t len, struct cpns_key_load_out *out,
		  struct netlink_ext_ack *extack)
{
	struct cpns_key_payload *p = NULL;
	char desc[CPNS_BLOB_DESC_MAX + 1];
	enum cpns_key_kind kind;
	struct cpns_id id;
	int ret;

	ret = cpns_blob_load(NULL, blob, len, &p, desc);
	if (ret) {
		CPNS_ERR_ATTR(extack, &out->oc, CPNS_A_KEY_BLOB, "blob refused");
		goto out;
	}
	ret = cpns_desc_parse(desc, &kind, &id);
	if (!ret && kind != CPNS_KEY_CHAIN && kind != CPNS_KEY_EUK)
		ret = -EINVAL;
	if (ret) {
		CPNS_ERR_ATTR(extack, &out->oc, CPNS_A_KEY_BLOB,
			      "not a chain: or euk: blob");
		goto out;
	}
	out->serial = cpns_held_create(net, keyring, kind, &id, p);
	ret = out->serial < 0 ? out->serial : 0;
	if (ret)
		cpns_key_err(extack, kind, ret);
out:
	cpns_payload_free(p);
	return ret;
}
