// SPDX-License-Identifier: GPL-2.0
/*
 * The "cpns" key type (Documentation/keys.rst).
 *
 * Every secret of the module lives in the payload of a key of this type.
 * There is no ->read method, so no payload byte ever reaches userspace;
 * ->describe shows public metadata only.  Payloads are replaced with RCU
 * and always freed with kfree_sensitive(), which zeroes the whole struct.
 *
 * psk:, tk: and master: keys are made by userspace (add_key, keyctl padd)
 * from their raw bytes.  chain: and euk: keys are made only by the module,
 * through cpns_key_mint(): their ->preparse accepts a payload only when
 * prep->data is the very buffer the module is minting.  Data from add_key()
 * or keyctl update is always copied into a fresh kernel buffer first, so it
 * can never be that pointer.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/cpns.h>
#include "key.h"

/*
 * Exported by security/keys/permission.c but declared only in
 * security/keys/internal.h; key_permission() is its inline wrapper there.
 */
int key_task_permission(const key_ref_t key_ref, const struct cred *cred,
			enum key_need_perm need_perm);

/* "master:" is the longest prefix. */
#define CPNS_DESC_MAX (sizeof("master:") - 1 + CPNS_ID_MAX_LEN + 1)

/* Quota charged for every key of the type: what it really pins. */
#define CPNS_KEY_QUOTA sizeof(struct cpns_key_payload)

/* Permissions of a minted key; the same as add_key() gives a psk: key. */
#define CPNS_MINT_PERM (KEY_POS_VIEW | KEY_POS_SEARCH | KEY_POS_LINK |	\
			KEY_POS_SETATTR | KEY_POS_WRITE | KEY_USR_VIEW)

/* prep->payload.data[1] marks a payload that came from cpns_key_mint(). */
#define CPNS_PREP_MINTED ((void *)1)

static const char *const cpns_key_prefix[] = {
	[CPNS_KEY_PSK]		= "psk:",
	[CPNS_KEY_TK]		= "tk:",
	[CPNS_KEY_MASTER]	= "master:",
	[CPNS_KEY_CHAIN]	= "chain:",
	[CPNS_KEY_EUK]		= "euk:",
};

/* Serialises cpns_key_mint(); cpns_minting is the payload being minted. */
static DEFINE_MUTEX(cpns_mint_lock);
static const struct cpns_key_payload *cpns_minting;

static bool cpns_kind_minted(enum cpns_key_kind kind)
{
	return kind == CPNS_KEY_CHAIN || kind == CPNS_KEY_EUK;
}

/* The kind a description names, or -EINVAL unless "<prefix><identifier>". */
static int cpns_desc_kind(const char *desc)
{
	unsigned int k;

	if (!desc)
		return -EINVAL;
	for (k = 0; k < ARRAY_SIZE(cpns_key_prefix); k++) {
		size_t plen = strlen(cpns_key_prefix[k]);
		const char *id = desc + plen;

		if (strncmp(desc, cpns_key_prefix[k], plen))
			continue;
		if (!cpns_id_valid((const u8 *)id, strnlen(id, CPNS_ID_MAX_LEN + 1)))
			return -EINVAL;
		return k;
	}
	return -EINVAL;
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

/**
 * cpns_payload_alloc() - a zeroed payload of @kind, or NULL
 * @kind: what the payload will hold
 */
struct cpns_key_payload *cpns_payload_alloc(enum cpns_key_kind kind)
{
	struct cpns_key_payload *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (p)
		p->kind = kind;
	return p;
}

/**
 * cpns_payload_free() - zero and free a payload no reader can see
 * @p: the payload, or NULL
 */
void cpns_payload_free(struct cpns_key_payload *p)
{
	kfree_sensitive(p);
}

static void cpns_payload_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct cpns_key_payload, rcu));
}

/*
 * A payload from userspace bytes for a key of @kind: -EPERM for the kinds
 * only the module makes, -EINVAL for a wrong length.
 */
static int cpns_payload_from_user(enum cpns_key_kind kind, const void *data,
				  size_t len, struct cpns_key_payload **out)
{
	struct cpns_key_payload *p;

	if (cpns_kind_minted(kind))
		return -EPERM;
	if (!data || !cpns_secret_len_ok(kind, len))
		return -EINVAL;
	p = cpns_payload_alloc(kind);
	if (!p)
		return -ENOMEM;
	memcpy(p->secret, data, len);
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
	const struct cpns_key_payload *src = prep->data;
	struct cpns_key_payload *p = NULL;
	int kind = -EINVAL;
	int ret;

	prep->quotalen = CPNS_KEY_QUOTA;
	if (prep->orig_description) {
		kind = cpns_desc_kind(prep->orig_description);
		if (kind < 0)
			return kind;
	}

	if (src && src == READ_ONCE(cpns_minting)) {
		if (prep->datalen != sizeof(*src) ||
		    !cpns_kind_minted(src->kind) ||
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

	ret = cpns_payload_from_user(kind, prep->data, prep->datalen, &p);
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
		ret = cpns_payload_from_user(kind, prep->data, prep->datalen, &p);
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
	/* no .read: keyctl read, print and pipe fail with EOPNOTSUPP */
};

int cpns_key_init(void)
{
	return register_key_type(&cpns_key_type);
}

void cpns_key_exit(void)
{
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

/**
 * cpns_key_get() - find a cpns key and lock it
 * @keyring: where to search (recursively, with the caller's credentials)
 * @kind: which kind of key
 * @id: its identifier
 * @write: take key->sem for writing; the caller then also needs Write
 *         permission on the key
 *
 * Returns the key with key->sem held and a non-NULL payload of @kind, or
 * an ERR_PTR: -EINVAL (bad identifier), -ENOKEY (absent), -EKEYREVOKED,
 * -EKEYEXPIRED, -EACCES (no Search, or no Write when @write).  Must not be
 * followed by cpns_key_mint() of the same key before cpns_key_put().
 */
struct key *cpns_key_get(key_ref_t keyring, enum cpns_key_kind kind,
			 const struct cpns_id *id, bool write)
{
	char desc[CPNS_DESC_MAX];
	struct cpns_key_payload *p;
	struct key *key;
	key_ref_t ref;
	int ret;

	ret = cpns_desc_build(desc, kind, id);
	if (ret)
		return ERR_PTR(ret);

	ref = keyring_search(keyring, &cpns_key_type, desc, true);
	if (IS_ERR(ref)) {
		ret = PTR_ERR(ref);
		/* keyring_search() says EAGAIN when nothing matched */
		return ERR_PTR(ret == -EAGAIN ? -ENOKEY : ret);
	}
	if (write) {
		ret = key_task_permission(ref, current_cred(),
					  KEY_NEED_WRITE);
		if (ret) {
			key_ref_put(ref);
			return ERR_PTR(ret);
		}
	}
	key = key_ref_to_ptr(ref);

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

/**
 * cpns_key_mint() - create or update a chain: or euk: key
 * @keyring: destination; the caller needs Write permission on it
 * @kind: CPNS_KEY_CHAIN or CPNS_KEY_EUK
 * @id: the EntityID
 * @p: the payload, of @kind; always consumed (zeroed and freed)
 *
 * A key "<prefix><id>" linked directly in @keyring is updated in place
 * (Write permission on it needed); otherwise a new key is created and
 * linked, charged to the caller's quota.  The caller must not hold the
 * semaphore of that key.  Returns the key's serial or a negative errno:
 * -EINVAL, -EACCES, -EDQUOT, -ENOMEM, -EKEYEXPIRED, -ENOTDIR, ...
 */
s32 cpns_key_mint(key_ref_t keyring, enum cpns_key_kind kind,
		  const struct cpns_id *id, struct cpns_key_payload *p)
{
	char desc[CPNS_DESC_MAX];
	key_ref_t ref;
	s32 ret;

	if (!p)
		return -EINVAL;
	if (!cpns_kind_minted(kind) || p->kind != kind) {
		ret = -EINVAL;
		goto out;
	}
	ret = cpns_desc_build(desc, kind, id);
	if (ret)
		goto out;

	mutex_lock(&cpns_mint_lock);
	WRITE_ONCE(cpns_minting, p);
	ref = key_create_or_update(keyring, cpns_key_type.name, desc, p,
				   sizeof(*p), CPNS_MINT_PERM,
				   KEY_ALLOC_IN_QUOTA);
	WRITE_ONCE(cpns_minting, NULL);
	mutex_unlock(&cpns_mint_lock);

	if (IS_ERR(ref)) {
		ret = PTR_ERR(ref);
	} else {
		ret = key_ref_to_ptr(ref)->serial;
		key_ref_put(ref);
	}
out:
	/* ->preparse took a copy */
	cpns_payload_free(p);
	return ret;
}

/**
 * cpns_key_replace() - swap the payload of a write-locked key
 * @key: from cpns_key_get(..., write = true)
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
