/* SPDX-License-Identifier: GPL-2.0 */
/* The key table of key_shim.c, for fuzz_kkey.c. */
#ifndef CPNS_FUZZ_KEY_SHIM_H
#define CPNS_FUZZ_KEY_SHIM_H

#include <linux/key.h>

#define KSHIM_SLOTS 8
#define KSHIM_WRAPS 4

extern int kshim_alloc_fail;
extern bool kshim_quota_full;
extern bool kshim_perm_denied;
extern struct key *kshim_slot[KSHIM_SLOTS];
/* kshim_slot[i] is linked in the module's store, not the keyring */
extern bool kshim_held[KSHIM_SLOTS];

/* A wrapping key request_key() finds (logon or user type); NULL if full. */
struct key *kshim_wrap_add(struct key_type *type, const char *desc,
			   const void *data, size_t len);

/* A reference to the keyring (serial 1); key_ref_put() it. */
key_ref_t kshim_keyring(void);
/* add_key(2): the serial or a negative errno. */
int kshim_add_key(const char *desc, const void *data, size_t len);
/* keyctl update */
int kshim_update(struct key *key, const void *data, size_t len);
/* keyctl revoke */
void kshim_revoke(struct key *key);
/* keyctl unlink: the key goes with its last reference. */
void kshim_unlink(int slot);
/* Unlink every key, end the grace period, clear the faults. */
void kshim_reset(void);

#endif
