// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's key API as kmod/key.c sees it, over one keyring of at most
 * KSHIM_SLOTS keys in userspace, for fuzz_kkey.  Each entry point follows
 * security/keys/ of Linux 6.1 where kmod/key.c depends on it:
 * key_create_or_update() (preparse, then update of a key of the same type
 * and description linked in the keyring unless revoked, else a new key
 * vetted and instantiated; free_preparse always), key_update() (keyctl
 * update: preparse without a description, update under the write
 * semaphore), key_revoke(), keyring_search() (-EAGAIN when nothing
 * matches, -EKEYREVOKED for a revoked match), reference counts with
 * ->destroy at the last put, call_rcu() deferred to rcu_barrier().
 * Faults (allocation, quota, permission) are switched on by the target.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <uapi/linux/cpns.h>
#include "key_shim.h"

int kshim_alloc_fail;
bool kshim_quota_full;
bool kshim_perm_denied;
int kshim_rcu_depth;

struct key_type key_type_keyring = { .name = "keyring" };
static struct key keyring = { .serial = 1, .type = &key_type_keyring,
			      .state = KEY_IS_POSITIVE };
static int keyring_refs;
struct key *kshim_slot[KSHIM_SLOTS];
static struct key_type *registered;
static key_serial_t next_serial = 100;
static struct rcu_head *rcu_queue;

struct kshim_key {
	struct key key;
	int usage;
};

static struct kshim_key *kk(struct key *key)
{
	return container_of(key, struct kshim_key, key);
}

void *kzalloc(size_t size, int gfp)
{
	(void)gfp;
	if (kshim_alloc_fail > 0) {
		kshim_alloc_fail--;
		return NULL;
	}
	return calloc(1, size);
}

void *kmemdup(const void *p, size_t size, int gfp)
{
	void *q = kzalloc(size, gfp);

	if (q)
		memcpy(q, p, size);
	return q;
}

void kfree(const void *p)
{
	free((void *)p);
}

void kfree_sensitive(const void *p)
{
	if (!p)
		return;
	memset((void *)p, 0, malloc_usable_size((void *)p));
	free((void *)p);
}

void down_read(struct rw_semaphore *s)
{
	if (s->writer)
		abort();
	s->readers++;
}

void up_read(struct rw_semaphore *s)
{
	if (s->readers-- <= 0)
		abort();
}

void down_write(struct rw_semaphore *s)
{
	if (s->writer || s->readers)
		abort();	/* a deadlock in the kernel */
	s->writer = 1;
}

void up_write(struct rw_semaphore *s)
{
	if (!s->writer)
		abort();
	s->writer = 0;
}

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	head->func = func;
	head->next = rcu_queue;
	rcu_queue = head;
}

void rcu_barrier(void)
{
	while (rcu_queue) {
		struct rcu_head *h = rcu_queue;

		rcu_queue = h->next;
		h->func(h);
	}
}

const struct cred *current_cred(void)
{
	return NULL;
}

int key_task_permission(const key_ref_t key_ref, const struct cred *cred,
			enum key_need_perm need_perm)
{
	(void)key_ref;
	(void)cred;
	return need_perm == KEY_NEED_WRITE && kshim_perm_denied ? -EACCES : 0;
}

int register_key_type(struct key_type *ktype)
{
	registered = ktype;
	return 0;
}

void unregister_key_type(struct key_type *ktype)
{
	if (registered == ktype)
		registered = NULL;
}

static void key_get(struct key *key)
{
	if (key == &keyring)
		keyring_refs++;
	else
		kk(key)->usage++;
}

void key_put(struct key *key)
{
	struct kshim_key *k;

	if (!key)
		return;
	if (key == &keyring) {
		if (--keyring_refs < 0)
			abort();
		return;
	}
	k = kk(key);
	if (--k->usage > 0)
		return;
	if (k->usage < 0 || key->sem.readers || key->sem.writer)
		abort();
	if (key->type->destroy)
		key->type->destroy(key);
	free(key->description);
	free(k);
}

void key_ref_put(key_ref_t key_ref)
{
	key_put(key_ref_to_ptr(key_ref));
}

int key_validate(const struct key *key)
{
	return key->revoked ? -EKEYREVOKED : 0;
}

int key_payload_reserve(struct key *key, size_t datalen)
{
	if (kshim_quota_full && datalen > key->datalen)
		return -EDQUOT;
	key->datalen = datalen;
	return 0;
}

key_ref_t lookup_user_key(key_serial_t id, unsigned long flags,
			  enum key_need_perm need_perm)
{
	int ret;

	(void)flags;
	if (id == keyring.serial) {
		ret = key_task_permission(NULL, NULL, need_perm);
		if (ret)
			return ERR_PTR(ret);
		key_get(&keyring);
		return make_key_ref(&keyring, true);
	}
	for (int i = 0; i < KSHIM_SLOTS; i++) {
		if (kshim_slot[i] && kshim_slot[i]->serial == id) {
			key_get(kshim_slot[i]);
			return make_key_ref(kshim_slot[i], true);
		}
	}
	return ERR_PTR(-ENOKEY);
}

key_ref_t kshim_keyring(void)
{
	key_get(&keyring);
	return make_key_ref(&keyring, true);
}

static int find_slot(struct key_type *type, const char *desc)
{
	for (int i = 0; i < KSHIM_SLOTS; i++)
		if (kshim_slot[i] && kshim_slot[i]->type == type &&
		    !strcmp(kshim_slot[i]->description, desc))
			return i;
	return -1;
}

key_ref_t keyring_search(key_ref_t ref, struct key_type *type,
			 const char *description, bool recurse)
{
	int i;

	(void)recurse;
	if (key_ref_to_ptr(ref) != &keyring)
		return ERR_PTR(-ENOTDIR);
	i = find_slot(type, description);
	if (i < 0)
		return ERR_PTR(-EAGAIN);
	if (kshim_slot[i]->revoked)
		return ERR_PTR(-EKEYREVOKED);
	key_get(kshim_slot[i]);
	return make_key_ref(kshim_slot[i], true);
}

/* __key_update() */
static key_ref_t update_linked(struct key *key,
			       struct key_preparsed_payload *prep)
{
	int ret = key_task_permission(NULL, NULL, KEY_NEED_WRITE);

	if (!ret) {
		down_write(&key->sem);
		ret = key->type->update(key, prep);
		if (!ret)
			key->state = KEY_IS_POSITIVE;
		up_write(&key->sem);
	}
	if (ret) {
		key_put(key);
		return ERR_PTR(ret);
	}
	return make_key_ref(key, true);
}

static key_ref_t new_key(struct key_type *type, const char *desc,
			 struct key_preparsed_payload *prep, int slot)
{
	struct kshim_key *k;
	int ret, i;

	if (type->vet_description) {
		ret = type->vet_description(desc);
		if (ret < 0)
			return ERR_PTR(ret);
	}
	if (slot < 0) {
		for (i = 0; i < KSHIM_SLOTS && kshim_slot[i]; i++)
			;
		if (i == KSHIM_SLOTS)
			return ERR_PTR(-EDQUOT);
		slot = i;
	}
	k = calloc(1, sizeof(*k));
	if (!k || !(k->key.description = strdup(desc)))
		abort();
	k->key.type = type;
	k->key.serial = next_serial++;
	k->usage = 1;
	ret = type->instantiate(&k->key, prep);
	if (ret) {
		key_put(&k->key);
		return ERR_PTR(ret);
	}
	k->key.state = KEY_IS_POSITIVE;
	/* Linked in place of a revoked key of the same description. */
	if (kshim_slot[slot])
		key_put(kshim_slot[slot]);
	kshim_slot[slot] = &k->key;
	k->usage++;
	return make_key_ref(&k->key, true);
}

key_ref_t key_create_or_update(key_ref_t ref, const char *type,
			       const char *description, const void *payload,
			       size_t plen, key_perm_t perm,
			       unsigned long flags)
{
	struct key_preparsed_payload prep = { 0 };
	struct key_type *kt = registered;
	key_ref_t ret;
	int slot, err;

	(void)perm;
	(void)flags;
	if (!kt || strcmp(kt->name, type))
		return ERR_PTR(-ENODEV);
	if (key_ref_to_ptr(ref) != &keyring)
		return ERR_PTR(-ENOTDIR);
	prep.orig_description = description;
	prep.data = payload;
	prep.datalen = plen;
	prep.quotalen = kt->def_datalen;
	prep.expiry = INT64_MAX;
	err = kt->preparse(&prep);
	if (err < 0) {
		ret = ERR_PTR(err);
		goto out;
	}
	err = key_task_permission(ref, NULL, KEY_NEED_WRITE);
	if (err) {
		ret = ERR_PTR(err);
		goto out;
	}
	slot = find_slot(kt, description);
	if (slot >= 0 && !kshim_slot[slot]->revoked) {
		key_get(kshim_slot[slot]);
		ret = update_linked(kshim_slot[slot], &prep);
	} else {
		ret = new_key(kt, description, &prep, slot);
	}
out:
	kt->free_preparse(&prep);
	return ret;
}

int kshim_add_key(const char *desc, const void *data, size_t len)
{
	key_ref_t kref, ring = kshim_keyring();
	void *copy = NULL;
	int ret;

	/* add_key(2) copies the payload into a kernel buffer first. */
	if (len) {
		copy = malloc(len);
		if (!copy)
			abort();
		memcpy(copy, data, len);
	}
	kref = key_create_or_update(ring, CPNS_KEY_TYPE, desc, copy, len, 0, 0);
	free(copy);
	key_ref_put(ring);
	if (IS_ERR(kref))
		return PTR_ERR(kref);
	ret = key_ref_to_ptr(kref)->serial;
	key_ref_put(kref);
	return ret;
}

int kshim_update(struct key *key, const void *data, size_t len)
{
	struct key_preparsed_payload prep = { 0 };
	void *copy = NULL;
	int ret;

	ret = key_task_permission(NULL, NULL, KEY_NEED_WRITE);
	if (ret)
		return ret;
	if (len) {
		copy = malloc(len);
		if (!copy)
			abort();
		memcpy(copy, data, len);
	}
	prep.data = copy;
	prep.datalen = len;
	prep.quotalen = key->type->def_datalen;
	prep.expiry = INT64_MAX;
	ret = key->type->preparse(&prep);
	if (!ret) {
		down_write(&key->sem);
		ret = key->type->update(key, &prep);
		up_write(&key->sem);
	}
	key->type->free_preparse(&prep);
	free(copy);
	return ret;
}

void kshim_revoke(struct key *key)
{
	down_write(&key->sem);
	if (!key->revoked) {
		key->revoked = true;
		if (key->type->revoke)
			key->type->revoke(key);
	}
	up_write(&key->sem);
}

void kshim_unlink(int slot)
{
	struct key *key = kshim_slot[slot];

	kshim_slot[slot] = NULL;
	key_put(key);
}

void kshim_reset(void)
{
	for (int i = 0; i < KSHIM_SLOTS; i++)
		if (kshim_slot[i])
			kshim_unlink(i);
	rcu_barrier();
	kshim_alloc_fail = 0;
	kshim_quota_full = false;
	kshim_perm_denied = false;
	if (keyring_refs || kshim_rcu_depth)
		abort();	/* a reference or an RCU read lock leaked */
}

void seq_puts(struct seq_file *m, const char *s)
{
	size_t l = strlen(s);

	if (l > sizeof(m->buf) - 1 - m->count)
		l = sizeof(m->buf) - 1 - m->count;
	memcpy(m->buf + m->count, s, l);
	m->count += l;
	m->buf[m->count] = '\0';
}

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			tmp[0] = *fmt;
			tmp[1] = '\0';
		} else if (!strncmp(fmt, "%*phN", 5)) {
			int n = va_arg(ap, int);
			const unsigned char *p = va_arg(ap, const unsigned char *);

			if (n < 0 || n > 64)
				abort();
			for (int i = 0; i < n; i++)
				snprintf(tmp + 2 * i, 3, "%02x", p[i]);
			tmp[2 * n] = '\0';
			fmt += 4;
		} else if (fmt[1] == 'u') {
			snprintf(tmp, sizeof(tmp), "%u", va_arg(ap, unsigned int));
			fmt++;
		} else if (fmt[1] == 'd') {
			snprintf(tmp, sizeof(tmp), "%d", va_arg(ap, int));
			fmt++;
		} else if (fmt[1] == 's') {
			snprintf(tmp, sizeof(tmp), "%s", va_arg(ap, const char *));
			fmt++;
		} else if (fmt[1] == '%') {
			strcpy(tmp, "%");
			fmt++;
		} else {
			fprintf(stderr, "seq_printf: format `%s' not in the shim\n",
				fmt);
			abort();
		}
		seq_puts(m, tmp);
	}
	va_end(ap);
}
