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
 * The module's store of held keys is a second keyring (keyring_alloc(),
 * key_alloc(), key_instantiate_and_link() with the data as given, not
 * copied, key_unlink()); slots say which keyring each key is linked in.
 * request_key() finds the wrapping keys (logon:, user:) kshim_wrap_add()
 * made.  One network namespace, init_net, with one pernet subsystem.
 * Faults (allocation, quota, permission) are switched on by the target.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sched/task_stack.h>
#include <net/net_namespace.h>
#include <keys/user-type.h>
#include <uapi/linux/cpns.h>
#include <linux/user_namespace.h>
#include "key_shim.h"

int kshim_alloc_fail;
bool kshim_quota_full;
bool kshim_perm_denied;
int kshim_rcu_depth;

struct key_type key_type_keyring = { .name = "keyring" };
static struct key keyring = { .serial = 1, .type = &key_type_keyring,
			      .state = KEY_IS_POSITIVE };
static int keyring_refs;
static struct key store = { .serial = 2, .type = &key_type_keyring,
			    .state = KEY_IS_POSITIVE };
static int store_refs;
struct key *kshim_slot[KSHIM_SLOTS];
bool kshim_held[KSHIM_SLOTS];
struct net init_net = { .ns = { .inum = 4026531840U } };
static struct key_type *registered;
static key_serial_t next_serial = 100;
static struct rcu_head *rcu_queue;
static struct key *wraps[KSHIM_WRAPS];

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
	static const struct cred root;

	return &root;
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

struct key *key_get(struct key *key)
{
	if (key == &keyring)
		keyring_refs++;
	else if (key == &store)
		store_refs++;
	else
		kk(key)->usage++;
	return key;
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
	if (key == &store) {
		if (--store_refs < 0)
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

static int find_slot(struct key_type *type, const char *desc, bool held)
{
	for (int i = 0; i < KSHIM_SLOTS; i++)
		if (kshim_slot[i] && kshim_held[i] == held &&
		    kshim_slot[i]->type == type &&
		    !strcmp(kshim_slot[i]->description, desc))
			return i;
	return -1;
}

static int free_slot(void)
{
	for (int i = 0; i < KSHIM_SLOTS; i++)
		if (!kshim_slot[i])
			return i;
	return -1;
}

key_ref_t keyring_search(key_ref_t ref, struct key_type *type,
			 const char *description, bool recurse)
{
	int i;

	(void)recurse;
	if (key_ref_to_ptr(ref) != &keyring && key_ref_to_ptr(ref) != &store)
		return ERR_PTR(-ENOTDIR);
	i = find_slot(type, description, key_ref_to_ptr(ref) == &store);
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
		i = free_slot();
		if (i < 0)
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
	kshim_held[slot] = false;
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
	slot = find_slot(kt, description, false);
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

void key_revoke(struct key *key)
{
	down_write(&key->sem);
	if (!key->revoked) {
		key->revoked = true;
		if (key->type->revoke)
			key->type->revoke(key);
	}
	up_write(&key->sem);
}

void kshim_revoke(struct key *key)
{
	key_revoke(key);
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
	for (int i = 0; i < KSHIM_WRAPS; i++)
		if (wraps[i])
			key_put(wraps[i]);
	memset(wraps, 0, sizeof(wraps));
	rcu_barrier();
	kshim_alloc_fail = 0;
	kshim_quota_full = false;
	kshim_perm_denied = false;
	/* the store's one reference is the module's own */
	if (keyring_refs || store_refs > 1 || kshim_rcu_depth)
		abort();	/* a reference or an RCU read lock leaked */
}

/* The held-key store: one keyring, made once. */
struct key *keyring_alloc(const char *description, kuid_t uid, kgid_t gid,
			  const struct cred *cred, key_perm_t perm,
			  unsigned long flags, void *restrict_link,
			  struct key *dest)
{
	(void)description; (void)uid; (void)gid; (void)cred; (void)perm;
	(void)restrict_link;
	if (dest || !(flags & KEY_ALLOC_SET_KEEP) || store_refs)
		abort();	/* linked nowhere, kept, one per namespace */
	if (kshim_alloc_fail > 0) {
		kshim_alloc_fail--;
		return ERR_PTR(-ENOMEM);
	}
	return key_get(&store);
}

struct key *key_alloc(struct key_type *type, const char *desc, kuid_t uid,
		      kgid_t gid, const struct cred *cred, key_perm_t perm,
		      unsigned long flags, void *restrict_link)
{
	struct kshim_key *k;

	(void)uid; (void)gid; (void)cred; (void)perm; (void)flags;
	(void)restrict_link;
	if (kshim_alloc_fail > 0) {
		kshim_alloc_fail--;
		return ERR_PTR(-ENOMEM);
	}
	if (kshim_quota_full)
		return ERR_PTR(-EDQUOT);
	k = calloc(1, sizeof(*k));
	if (!k || !(k->key.description = strdup(desc)))
		abort();
	k->key.type = type;
	k->key.serial = next_serial++;
	k->usage = 1;
	return &k->key;
}

/* The data as given: a struct cpns_mint stays on the caller's stack. */
int key_instantiate_and_link(struct key *key, const void *data,
			     size_t datalen, struct key *ring,
			     struct key *authkey)
{
	struct key_preparsed_payload prep = { 0 };
	int slot, ret;

	if (ring != &store || authkey || key->state != KEY_IS_UNINSTANTIATED)
		abort();
	slot = free_slot();
	if (slot < 0)
		return -EDQUOT;
	prep.orig_description = key->description;
	prep.data = data;
	prep.datalen = datalen;
	prep.quotalen = key->type->def_datalen;
	prep.expiry = INT64_MAX;
	ret = key->type->preparse(&prep);
	if (!ret)
		ret = key->type->instantiate(key, &prep);
	if (!ret) {
		key->state = KEY_IS_POSITIVE;
		kshim_slot[slot] = key_get(key);
		kshim_held[slot] = true;
	}
	key->type->free_preparse(&prep);
	return ret;
}

int key_unlink(struct key *ring, struct key *key)
{
	for (int i = 0; i < KSHIM_SLOTS; i++) {
		if (kshim_slot[i] == key && kshim_held[i] == (ring == &store)) {
			kshim_unlink(i);
			return 0;
		}
	}
	return -ENOENT;
}

struct user_namespace init_user_ns;

/* One network namespace, init_net; a slot of net->gen per subsystem. */
int register_pernet_subsys(struct pernet_operations *ops)
{
	static unsigned int next;

	if (next == KSHIM_PERNET_MAX)
		abort();
	*ops->id = next++;
	init_net.user_ns = &init_user_ns;
	init_net.gen[*ops->id] = calloc(1, ops->size);
	if (!init_net.gen[*ops->id])
		abort();
	return ops->init ? ops->init(&init_net) : 0;
}

void unregister_pernet_subsys(struct pernet_operations *ops)
{
	if (ops->exit)
		ops->exit(&init_net);
	free(init_net.gen[*ops->id]);
	init_net.gen[*ops->id] = NULL;
}

bool object_is_on_stack(const void *p)
{
	static uintptr_t lo, hi;

	if (!hi) {
		pthread_attr_t a;
		void *addr;
		size_t size;

		if (pthread_getattr_np(pthread_self(), &a) ||
		    pthread_attr_getstack(&a, &addr, &size))
			abort();
		pthread_attr_destroy(&a);
		lo = (uintptr_t)addr;
		hi = lo + size;
	}
	return (uintptr_t)p >= lo && (uintptr_t)p < hi;
}

/* Wrapping keys: logon and user keys that request_key() finds. */
static void user_destroy(struct key *key)
{
	free(key->payload.data[0]);
}

struct key_type key_type_logon = { .name = "logon", .destroy = user_destroy };
struct key_type key_type_user = { .name = "user", .destroy = user_destroy };

struct key *kshim_wrap_add(struct key_type *type, const char *desc,
			   const void *data, size_t len)
{
	struct user_key_payload *u;
	struct kshim_key *k;
	int i;

	for (i = 0; i < KSHIM_WRAPS && wraps[i]; i++)
		;
	if (i == KSHIM_WRAPS)
		return NULL;
	k = calloc(1, sizeof(*k));
	u = calloc(1, sizeof(*u) + len);
	if (!k || !u || !(k->key.description = strdup(desc)))
		abort();
	u->datalen = len;
	memcpy(u->data, data, len);
	k->key.payload.data[0] = u;
	k->key.type = type;
	k->key.serial = next_serial++;
	k->key.state = KEY_IS_POSITIVE;
	k->usage = 1;
	wraps[i] = &k->key;
	return &k->key;
}

struct key *request_key(struct key_type *type, const char *description,
			const char *callout_info)
{
	if (callout_info)
		abort();
	for (int i = KSHIM_WRAPS - 1; i >= 0; i--)
		if (wraps[i] && wraps[i]->type == type &&
		    !strcmp(wraps[i]->description, description))
			return key_get(wraps[i]);
	return ERR_PTR(-ENOKEY);
}

/* lib/string.c, lib/hexdump.c, lib/vsprintf.c */
char *strnchr(const char *s, size_t count, int c)
{
	for (; count-- && *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return NULL;
}

long strscpy(char *dst, const char *src, size_t count)
{
	size_t l = strnlen(src, count);

	if (!count)
		return -E2BIG;
	if (l == count) {
		memcpy(dst, src, count - 1);
		dst[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, l + 1);
	return l;
}

static int hex_to_bin(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

int hex2bin(unsigned char *dst, const char *src, size_t count)
{
	while (count--) {
		int hi = hex_to_bin(*src++), lo;

		if (hi < 0)
			return -EINVAL;
		lo = hex_to_bin(*src++);
		if (lo < 0)
			return -EINVAL;
		*dst++ = (hi << 4) | lo;
	}
	return 0;
}

char *bin2hex(char *dst, const void *src, size_t count)
{
	const unsigned char *p = src;

	while (count--) {
		*dst++ = "0123456789abcdef"[*p >> 4];
		*dst++ = "0123456789abcdef"[*p++ & 15];
	}
	return dst;
}

int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)(size ? size - 1 : 0) : n;
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
