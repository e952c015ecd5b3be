/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/key.h>: the parts of the key API that
 * kmod/key.c uses, over a small key table (selftests/fuzz/key_shim.c).
 */
#ifndef _KSHIM_LINUX_KEY_H
#define _KSHIM_LINUX_KEY_H

#include <linux/kernel.h>
#include <linux/compiler.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/cred.h>

typedef int32_t key_serial_t;
typedef uint32_t key_perm_t;
typedef int64_t time64_t;

struct key_type;
struct cred;

union key_payload {
	void __rcu *rcu_data0;
	void *data[4];
};

enum key_state {
	KEY_IS_UNINSTANTIATED,
	KEY_IS_POSITIVE,
};

struct key {
	key_serial_t serial;
	struct key_type *type;
	char *description;
	union key_payload payload;
	struct rw_semaphore sem;
	short state;
	bool revoked;
	size_t datalen;
};

typedef struct __key_reference_with_attributes *key_ref_t;

static inline key_ref_t make_key_ref(const struct key *key, bool possession)
{
	return (key_ref_t)((unsigned long)key | possession);
}

static inline struct key *key_ref_to_ptr(const key_ref_t key_ref)
{
	return (struct key *)((unsigned long)key_ref & ~1UL);
}

#define KEY_POS_VIEW	0x01000000
#define KEY_POS_READ	0x02000000
#define KEY_POS_WRITE	0x04000000
#define KEY_POS_SEARCH	0x08000000
#define KEY_POS_LINK	0x10000000
#define KEY_POS_SETATTR	0x20000000
#define KEY_USR_VIEW	0x00010000
#define KEY_USR_READ	0x00020000
#define KEY_USR_SEARCH	0x00080000

#define KEY_ALLOC_IN_QUOTA	0x0000
#define KEY_ALLOC_NOT_IN_QUOTA	0x0002
#define KEY_ALLOC_SET_KEEP	0x0020
#define KEY_LOOKUP_CREATE	0x01

enum key_need_perm {
	KEY_NEED_UNSPECIFIED,
	KEY_NEED_VIEW,
	KEY_NEED_READ,
	KEY_NEED_WRITE,
	KEY_NEED_SEARCH,
	KEY_NEED_LINK,
	KEY_NEED_SETATTR,
};

extern struct key_type key_type_keyring;

key_ref_t lookup_user_key(key_serial_t id, unsigned long flags,
			  enum key_need_perm need_perm);
void key_ref_put(key_ref_t key_ref);
void key_put(struct key *key);
key_ref_t keyring_search(key_ref_t keyring, struct key_type *type,
			 const char *description, bool recurse);
key_ref_t key_create_or_update(key_ref_t keyring, const char *type,
			       const char *description, const void *payload,
			       size_t plen, key_perm_t perm,
			       unsigned long flags);
int key_validate(const struct key *key);
struct key *key_get(struct key *key);
void key_revoke(struct key *key);
struct key *keyring_alloc(const char *description, kuid_t uid, kgid_t gid,
			  const struct cred *cred, key_perm_t perm,
			  unsigned long flags, void *restrict_link,
			  struct key *dest);
struct key *key_alloc(struct key_type *type, const char *desc, kuid_t uid,
		      kgid_t gid, const struct cred *cred, key_perm_t perm,
		      unsigned long flags, void *restrict_link);
int key_instantiate_and_link(struct key *key, const void *data,
			     size_t datalen, struct key *keyring,
			     struct key *authkey);
int key_unlink(struct key *keyring, struct key *key);
struct key *request_key(struct key_type *type, const char *description,
			const char *callout_info);
int key_payload_reserve(struct key *key, size_t datalen);
int register_key_type(struct key_type *ktype);
void unregister_key_type(struct key_type *ktype);

static inline bool key_is_positive(const struct key *key)
{
	return READ_ONCE(key->state) == KEY_IS_POSITIVE;
}

#define rcu_assign_keypointer(KEY, PAYLOAD) \
	rcu_assign_pointer((KEY)->payload.rcu_data0, (PAYLOAD))
#define dereference_key_rcu(KEY) rcu_dereference((KEY)->payload.rcu_data0)

#endif
