/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "cpns" key type (Documentation/keys.rst).  Secrets live in the
 * payload; nothing of it can be read from userspace.
 */
#ifndef _CPNS_KEY_H
#define _CPNS_KEY_H

#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "profile.h"
#include "role.h"

struct net;
struct netlink_ext_ack;

enum cpns_key_kind {
	CPNS_KEY_PSK,		/* "psk:<GwID>", 32 bytes, from userspace */
	CPNS_KEY_TK,		/* "tk:<EntityID>", 16..64 bytes, from userspace */
	CPNS_KEY_MASTER,	/* "master:<name>", 32 bytes, from userspace */
	CPNS_KEY_CHAIN,		/* "chain:<EntityID>", minted by the module */
	CPNS_KEY_EUK,		/* "euk:<EntityID>", minted by the module */
};

/* A GW's chain: compact form, epoch key, delivery state. */
struct cpns_chain_state {
	u8 top[CPNS_HASH_LEN];		/* EUKey[n] */
	u8 kek[CPNS_KEY_LEN];		/* KEK_E */
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	u32 epoch;			/* E */
	u16 n;
	u16 delivered;			/* last confirmed index, 0: none */
	u16 pending;			/* index of the outstanding delivery, 0: none */
	u8 challenge[CPNS_CHALLENGE_LEN]; /* of the outstanding delivery */
};

/* A PNE's current key. */
struct cpns_euk_state {
	u8 euk[CPNS_HASH_LEN];		/* EUKey[index] */
	u8 chain_id[CPNS_CHAIN_ID_LEN];
	u32 epoch;
	u16 index;
	u16 n;
};

struct cpns_key_payload {
	struct rcu_head rcu;
	enum cpns_key_kind kind;
	u16 len;			/* bytes of secret[] in use (psk/tk/master) */
	union {
		u8 secret[CPNS_TK_MAX_LEN];
		struct cpns_chain_state chain;
		struct cpns_euk_state euk;
	};
};

extern struct key_type cpns_key_type;

int cpns_key_init(void);

void cpns_key_exit(void);

/*
 * Resolve a keyring serial (KEY_SPEC_* allowed) for the caller, with
 * KEY_NEED_SEARCH, and also KEY_NEED_WRITE when @write; @t and @p are
 * never created.  Returns the ref or an ERR_PTR (-ENOKEY, -EACCES,
 * -EKEYREVOKED, ...).  key_ref_put() it.
 */
key_ref_t cpns_keyring_get(s32 serial, bool write);

/*
 * Search @keyring (recursively, caller's credentials) for the cpns key
 * "<kind prefix><id>" of a kind userspace makes (psk, tk, master), take
 * its semaphore (write when @write) and check it is still valid.  Returns
 * the key with the semaphore held; release with cpns_key_put().  -ENOKEY
 * when absent, -EKEYREVOKED/-EKEYEXPIRED; -EINVAL for chain/euk, which are
 * held keys (below).  The payload is then cpns_key_payload(key), never NULL.
 */
struct key *cpns_key_get(key_ref_t keyring, enum cpns_key_kind kind,
			 const struct cpns_id *id, bool write);
void cpns_key_put(struct key *key, bool write);

static inline struct cpns_key_payload *cpns_key_payload(struct key *key)
{
	return rcu_dereference_protected(key->payload.rcu_data0,
					 lockdep_is_held(&key->sem));
}

/*
 * The secret of the psk:, tk: or master: key "<prefix><id>" found from
 * @keyring, copied to @out (at most @max bytes, the caller wipes it).
 * Returns its length or an errno of cpns_key_get(); sets no extack.
 */
int cpns_key_copy(key_ref_t keyring, enum cpns_key_kind kind,
		  const struct cpns_id *id, u8 *out, size_t max);

/* Set the extack message for a failed lookup of a key of @kind. */
void cpns_key_err(struct netlink_ext_ack *extack, enum cpns_key_kind kind,
		  long err);

/*
 * cpns_key_get() for psk:, tk:, master: (from @keyring), cpns_held_get()
 * for chain:, euk: (from @net's store, held for writing whatever @write);
 * the extack message set on failure.  Release with cpns_key_put().
 */
struct key *cpns_key_find(struct net *net, key_ref_t keyring,
			  enum cpns_key_kind kind, const struct cpns_id *id,
			  bool write, struct netlink_ext_ack *extack);

/*
 * Descriptions and payloads, inline here so that blob.c, below key.c,
 * uses them without calling into it.
 */
#define CPNS_DESC_MAX (sizeof("master:") - 1 + CPNS_ID_MAX_LEN + 1)

static const char *const cpns_key_prefix[] = {
	[CPNS_KEY_PSK]		= "psk:",
	[CPNS_KEY_TK]		= "tk:",
	[CPNS_KEY_MASTER]	= "master:",
	[CPNS_KEY_CHAIN]	= "chain:",
	[CPNS_KEY_EUK]		= "euk:",
};

static inline bool cpns_kind_minted(enum cpns_key_kind kind)
{
	return kind == CPNS_KEY_CHAIN || kind == CPNS_KEY_EUK;
}

/* The kind a description names, or -EINVAL unless "<prefix><identifier>". */
static inline int cpns_desc_kind(const char *desc)
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

/**
 * cpns_desc_parse() - the kind and identifier a description names
 * @desc: "<prefix><identifier>", NUL-terminated
 * @kind: its kind
 * @id: its identifier
 *
 * Return: 0 or -EINVAL.
 */
static inline int cpns_desc_parse(const char *desc, enum cpns_key_kind *kind,
				  struct cpns_id *id)
{
	int k = cpns_desc_kind(desc);
	const char *p;

	if (k < 0)
		return k;
	p = desc + strlen(cpns_key_prefix[k]);
	*kind = k;
	return cpns_id_set(id, (const u8 *)p, strlen(p));
}

/* A zeroed payload of @kind, or NULL. */
static inline struct cpns_key_payload *cpns_payload_alloc(enum cpns_key_kind kind)
{
	struct cpns_key_payload *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (p)
		p->kind = kind;
	return p;
}

/* Zero and free a payload no reader can see (or NULL). */
static inline void cpns_payload_free(struct cpns_key_payload *p)
{
	kfree_sensitive(p);
}

/* CPNS_CMD_KEY_LOAD's answer. */
struct cpns_key_load_out {
	s32 serial;
	struct cpns_outcome oc;
};

/* CPNS_CMD_KEY_LOAD: restore a held key (chain:, euk:) from its blob. */
int cpns_key_load(struct net *net, key_ref_t keyring, const u8 *blob,
		  size_t len, struct cpns_key_load_out *out,
		  struct netlink_ext_ack *extack);

/*
 * Held keys: chain: and euk: live in the store of a network namespace, a
 * keyring the module owns (KEY_FLAG_KEEP on it and on every key in it,
 * linked nowhere else), so that no key operation of userspace can drop
 * them (Documentation/keys.rst, "Held keys").
 *
 * Lock order: a held key's semaphore (cpns_held_get()) and its store's
 * create_lock (making, replacing or dropping a held key) are never held
 * together; the keyring core's own locks (the store keyring's semaphore,
 * key_construction_mutex) nest inside create_lock.  Nothing here is
 * global.
 */

/*
 * The held key "<prefix><id>" (chain or euk) of @net's store, its
 * semaphore held for writing.  -ENOKEY when none; release with
 * cpns_key_put(key, true).
 */
struct key *cpns_held_get(struct net *net, enum cpns_key_kind kind,
			  const struct cpns_id *id);

/*
 * Make the held key "<prefix><id>" in @net's store from a copy of @p
 * (not consumed), owned by and charged to the caller; the caller needs
 * Write permission on @keyring, the keyring it named (EACCES).  -EEXIST
 * when the store already holds one.  Returns the new key's serial or a
 * negative errno: -EEXIST, -EACCES, -EDQUOT, -ENOMEM, ...  The caller must
 * not hold any held key's semaphore.
 */
s32 cpns_held_create(struct net *net, key_ref_t keyring,
		     enum cpns_key_kind kind, const struct cpns_id *id,
		     const struct cpns_key_payload *p);

/*
 * Create "<prefix><id>" (chain or euk) in @net's store, or replace the
 * payload of the one it holds (same serial); Write permission on @keyring
 * needed as for cpns_held_create().  Takes ownership of @p on success and
 * on failure (it is zeroed and freed).  Returns the key's serial or a
 * negative errno.  The caller must not hold that key's semaphore.
 */
s32 cpns_key_mint(struct net *net, key_ref_t keyring, enum cpns_key_kind kind,
		  const struct cpns_id *id, struct cpns_key_payload *p);

/* The public state of a held key: E, i held (euk) or delivered (chain), n. */
struct cpns_held_info {
	u32 epoch;
	u16 index;
	u16 n;
};

/*
 * Drop the held key "<prefix><id>" of @net's store: unlinked, revoked (its
 * payload zeroed) and garbage-collected.  Its last public state goes to
 * @was, its serial to @serial.  0 or -ENOKEY.  The caller checks
 * CAP_SYS_ADMIN: this is the only way to drop a held key.
 */
int cpns_held_reset(struct net *net, enum cpns_key_kind kind,
		    const struct cpns_id *id, struct cpns_held_info *was,
		    s32 *serial);

/*
 * Replace the payload of @key, held with cpns_held_get(), by @p (same
 * kind); the old one is zeroed and freed after an RCU grace period.
 * Takes ownership of @p.
 */
void cpns_key_replace(struct key *key, struct cpns_key_payload *p);

#endif /* _CPNS_KEY_H */
