/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keyring helpers for the cpns selftests, over the raw add_key(2) and
 * keyctl(2) system calls (no libkeyutils).  Every function returns the
 * value of the call or -errno, and prints nothing.
 */
#ifndef _CPNS_SELFTESTS_TKEYS_H
#define _CPNS_SELFTESTS_TKEYS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/keyctl.h>

/*
 * Join a new anonymous session keyring and create in it a keyring named
 * "cpns-test", possessed by the caller.  Returns its serial or -errno.
 * Each test that calls this works in keyrings no other test can see.
 */
int32_t tk_fresh_keyring(void);

/*
 * A node of its own for the calling test: a new network namespace, so a
 * store of held keys of its own, and tk_fresh_keyring().  Call it before
 * tgenl_open(), whose socket stays in the namespace it was opened in.
 */
int32_t tk_fresh_node(void);

/*
 * The store of the caller's network namespace, the keyring the module
 * keeps chain: and euk: keys in (".cpns:net:[<inode>]", from /proc/keys),
 * and keyctl search of a held key in it: the serial or -errno.
 */
int32_t tk_store(void);
int32_t tk_held_search(const char *desc);

/* add_key("cpns", desc, data, len, ring): the key's serial or -errno. */
int32_t tk_add(const char *desc, const void *data, size_t len, int32_t ring);
/* add_key("keyring", name, NULL, 0, ring) */
int32_t tk_add_keyring(const char *name, int32_t ring);
/* keyctl(KEYCTL_UPDATE, key, data, len) */
long tk_update(int32_t key, const void *data, size_t len);
/* keyctl(KEYCTL_READ, key, buf, len): the key's length or -errno */
long tk_read(int32_t key, void *buf, size_t len);
/* keyctl(KEYCTL_DESCRIBE): "type;uid;gid;perm;description", NUL-terminated */
long tk_describe(int32_t key, char *buf, size_t len);
/* keyctl(KEYCTL_SEARCH, ring, "cpns", desc, 0): the serial or -errno */
int32_t tk_search(int32_t ring, const char *desc);
long tk_revoke(int32_t key);
long tk_invalidate(int32_t key);
long tk_unlink(int32_t key, int32_t ring);
long tk_link(int32_t key, int32_t ring);
long tk_setperm(int32_t key, uint32_t perm);
long tk_set_timeout(int32_t key, unsigned int seconds);

/*
 * The public metadata a cpns key's describe prints after its description
 * ("E=1 i=3 n=8 id=..."), read from /proc/keys; -errno when absent.
 */
long tk_proc_keys_line(int32_t key, char *buf, size_t len);

#endif /* _CPNS_SELFTESTS_TKEYS_H */
