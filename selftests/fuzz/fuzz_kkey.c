// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the "cpns" key type, kmod/key.c itself (included,
 * unchanged), on the host over selftests/host/kshim and key_shim.c: key
 * descriptions (->vet_description, cpns_desc_kind), the payload
 * ->preparse of add_key and keyctl update, ->instantiate, ->update,
 * ->revoke, ->destroy, ->describe, ->read (the key's sealed blob, with
 * kmod/blob.c linked in), and the module's own cpns_key_mint(),
 * cpns_key_get(), cpns_held_get(), cpns_held_reset(), cpns_key_replace()
 * and cpns_keyring_get().  Payloads of add_key and update may also be
 * "new" (a master: key) or "load HEX" (a blob); wrapping keys (logon:,
 * user:) and the wrap_key parameter come from the input too.
 *
 * The input is a sequence of operations (see the OP_ values), each a byte
 * then its arguments; lp(x) is a 2-byte big-endian length then x.  After
 * each operation the keys are checked against the documentation
 * (Documentation/keys.rst): only psk:, tk: and master: keys come from
 * userspace bytes, of 32, 16..64 and 32 bytes, "new" or a blob of their
 * own description; chain: and euk: keys only from cpns_key_mint(), in the
 * module's store, whatever bytes add_key or update bring (EPERM);
 * a key's blob, as ->read gives it, loads back to the same payload;
 * a payload's kind is its description's; ->describe shows the length or
 * the public chain state, never a secret byte.  Every input ends with all
 * keys unlinked and the grace period over: LeakSanitizer then sees a
 * payload that was not freed, ASan one freed twice or used after.
 */
#include <assert.h>
#include "../../kmod/key.c"
#include <keys/user-type.h>
#include <linux/moduleparam.h>
#include "key_shim.h"
#include "../../kmod/blob.h"

/* blob.c's wrap_key parameter (module_param_cb() in the shim) */
extern const struct kernel_param_ops *kshim_param_wrap_key;

enum {
	OP_ADD,		/* lp(description) lp(data) */
	OP_UPDATE,	/* slot lp(data) */
	OP_MINT,	/* kind lp(id) payload-kind lp(state bytes) */
	OP_GET,		/* kind lp(id) write replace lp(state bytes) */
	OP_REVOKE,	/* slot */
	OP_DESCRIBE,	/* */
	OP_FAULT,	/* bits: 0-1 allocations to fail, 2 quota, 3 EACCES */
	OP_KEYRING,	/* u8 serial, write */
	OP_GRACE,	/* (call_rcu callbacks run) */
	OP_UNLINK,	/* slot */
	OP_HELD,	/* kind lp(id) replace lp(state bytes) */
	OP_RESET,	/* kind lp(id) */
	OP_READ,	/* slot */
	OP_WRAP,	/* type lp(desc) lp(payload) */
	OP_WRAPNAME,	/* lp(name) */
	OP_NEW,		/* lp(id): add_key master:<id> "new" */
	OP_MAX
};

struct in {
	const uint8_t *p;
	size_t len;
};

static unsigned int u8_of(struct in *in)
{
	if (!in->len)
		return 0;
	in->len--;
	return *in->p++;
}

static const uint8_t *lp_of(struct in *in, size_t *len)
{
	size_t l = u8_of(in) << 8;
	const uint8_t *p;

	l |= u8_of(in);
	p = in->p;
	if (l > in->len)
		l = in->len;
	in->p += l;
	in->len -= l;
	*len = l;
	return p;
}

/* The kind a description names, by keys.rst; -1 for none. */
static int want_kind(const char *desc)
{
	for (unsigned int k = 0; k < ARRAY_SIZE(cpns_key_prefix); k++) {
		size_t l = strlen(cpns_key_prefix[k]);

		if (!strncmp(desc, cpns_key_prefix[k], l))
			return cpns_id_valid((const u8 *)desc + l,
					     strlen(desc + l)) ? (int)k : -1;
	}
	return -1;
}

static size_t want_len_ok(int kind, size_t len)
{
	return (kind == CPNS_KEY_PSK && len == 32) ||
	       (kind == CPNS_KEY_MASTER && len == 32) ||
	       (kind == CPNS_KEY_TK && len >= 16 && len <= 64);
}

static bool faults(void)
{
	return kshim_alloc_fail || kshim_quota_full || kshim_perm_denied;
}

/* Every linked key: its payload agrees with its description. */
static void check_keys(void)
{
	for (int i = 0; i < KSHIM_SLOTS; i++) {
		struct key *key = kshim_slot[i];
		const struct cpns_key_payload *p;
		int kind;

		if (!key)
			continue;
		kind = want_kind(key->description);
		assert(kind >= 0);
		p = key->payload.data[0];
		if (key->revoked) {
			assert(!p);
			continue;
		}
		assert(p && (int)p->kind == kind);
		/* held keys live in the store only, the others never there */
		assert(kshim_held[i] == cpns_kind_minted(kind));
		if (!cpns_kind_minted(kind))
			assert(want_len_ok(kind, p->len));
		assert(!key->sem.readers && !key->sem.writer);
	}
}

static int add_checked(const char *desc, const uint8_t *data, size_t len);

static void op_add(struct in *in)
{
	char desc[300];
	const uint8_t *d, *data;
	size_t dlen, len;

	d = lp_of(in, &dlen);
	if (dlen >= sizeof(desc))
		dlen = sizeof(desc) - 1;
	memcpy(desc, d, dlen);
	desc[dlen] = '\0';
	data = lp_of(in, &len);
	add_checked(desc, data, len);
}

static bool any_free(void)
{
	for (int i = 0; i < KSHIM_SLOTS; i++)
		if (!kshim_slot[i])
			return true;
	return false;
}

/* keys.rst: "load " and longer than 64 bytes, "new", else raw bytes */
static bool is_load(const uint8_t *data, size_t len)
{
	return len > 64 && !memcmp(data, "load ", 5);
}

static bool is_new(const uint8_t *data, size_t len)
{
	return len == 3 && !memcmp(data, "new", 3);
}

static int add_checked(const char *desc, const uint8_t *data, size_t len)
{
	int rc, kind, before = -1;
	bool f;

	kind = want_kind(desc);
	for (int i = 0; i < KSHIM_SLOTS; i++)
		if (kshim_slot[i] && !kshim_held[i] &&
		    !strcmp(kshim_slot[i]->description, desc))
			before = i;
	f = faults();
	rc = kshim_add_key(desc, data, len);
	/* keys.rst: the description, then the kind, then the payload. */
	if (kind < 0)
		assert(rc == -EINVAL);
	else if (cpns_kind_minted(kind))
		assert(rc == -EPERM);
	else if (is_load(data, len))
		assert(rc > 0 || rc == -EINVAL || rc == -EPROTONOSUPPORT ||
		       rc == -EKEYREJECTED || rc == -ENOKEY ||
		       rc == -EBADMSG || rc == -ENOMEM || rc == -EDQUOT ||
		       rc == -EACCES);
	else if (is_new(data, len) ? kind != CPNS_KEY_MASTER :
				     !want_len_ok(kind, len))
		assert(rc == -EINVAL);
	else if (!f && (before >= 0 || any_free()))
		assert(rc > 0);
	if (rc > 0 && !is_load(data, len)) {
		const struct cpns_key_payload *p = NULL;

		for (int i = 0; i < KSHIM_SLOTS; i++)
			if (kshim_slot[i] && kshim_slot[i]->serial == rc)
				p = kshim_slot[i]->payload.data[0];
		if (is_new(data, len))
			assert(p && p->len == 32);
		else
			assert(p && p->len == len &&
			       !memcmp(p->secret, data, len));
	}
	return rc;
}

static void op_update(struct in *in)
{
	struct key *key = kshim_slot[u8_of(in) % KSHIM_SLOTS];
	const struct cpns_key_payload *p;
	const uint8_t *data;
	size_t len;
	int rc, kind;
	bool f;

	data = lp_of(in, &len);
	if (!key)
		return;
	kind = want_kind(key->description);
	f = faults();
	rc = kshim_update(key, data, len);
	if (key->revoked && !kshim_perm_denied)
		assert(rc == -EKEYREVOKED || rc == -EPERM || rc == -EINVAL ||
		       rc == -ENOMEM);
	else if (cpns_kind_minted(kind))
		assert(rc == -EPERM || rc == -EACCES);
	else if (is_load(data, len))
		assert(rc == 0 || rc == -EINVAL || rc == -EPROTONOSUPPORT ||
		       rc == -EKEYREJECTED || rc == -ENOKEY ||
		       rc == -EBADMSG || rc == -ENOMEM || rc == -EDQUOT ||
		       rc == -EACCES);
	else if (is_new(data, len) ? kind != CPNS_KEY_MASTER :
				     !want_len_ok(kind, len))
		assert(rc == -EINVAL || rc == -EACCES);
	else if (!f)
		assert(rc == 0);
	if (rc == 0 && !is_load(data, len)) {
		p = key->payload.data[0];
		if (is_new(data, len))
			assert(p && p->len == 32);
		else
			assert(p && p->len == len &&
			       !memcmp(p->secret, data, len));
	}
}

/* A payload of @kind with its state (chain or euk) from the input. */
static struct cpns_key_payload *payload_of(struct in *in, unsigned int kind)
{
	struct cpns_key_payload *p = calloc(1, sizeof(*p));
	const uint8_t *s;
	size_t len;

	assert(p);
	p->kind = kind;
	s = lp_of(in, &len);
	if (len > sizeof(p->chain))
		len = sizeof(p->chain);
	memcpy(&p->chain, s, len);
	return p;
}

static void id_of(struct in *in, struct cpns_id *id)
{
	const uint8_t *p;
	size_t len;

	p = lp_of(in, &len);
	memset(id, 0, sizeof(*id));
	id->len = len > 255 ? 255 : len;
	memcpy(id->b, p, len < sizeof(id->b) ? len : sizeof(id->b));
}

static void op_mint(struct in *in)
{
	struct cpns_key_payload *p, copy;
	unsigned int kind = u8_of(in) % 6, pkind;
	key_ref_t ring;
	struct cpns_id id;
	int rc;

	id_of(in, &id);
	pkind = u8_of(in) % 6;
	p = payload_of(in, pkind);
	copy = *p;
	ring = kshim_keyring();
	rc = cpns_key_mint(&init_net, ring, kind, &id, p);	/* consumes p */
	key_ref_put(ring);
	if (!cpns_kind_minted(kind) || pkind != kind || id.len > CPNS_ID_MAX_LEN ||
	    !cpns_id_valid(id.b, id.len))
		assert(rc == -EINVAL);
	if (rc > 0) {
		struct cpns_key_payload *got = NULL;

		for (int i = 0; i < KSHIM_SLOTS; i++)
			if (kshim_slot[i] && kshim_slot[i]->serial == rc) {
				assert(kshim_held[i]);
				got = kshim_slot[i]->payload.data[0];
			}
		assert(got && got->kind == copy.kind &&
		       !memcmp(&got->chain, &copy.chain, sizeof(copy.chain)));
	}
}

static void op_get(struct in *in)
{
	unsigned int kind = u8_of(in) % 6;
	bool write, replace;
	char desc[CPNS_DESC_MAX];
	struct cpns_key_payload *np;
	key_ref_t ring;
	struct cpns_id id;
	struct key *key;

	id_of(in, &id);
	write = u8_of(in) & 1;
	replace = u8_of(in) & 1;
	np = payload_of(in, kind);
	ring = kshim_keyring();
	key = cpns_key_get(ring, kind, &id, write);
	key_ref_put(ring);
	/* held keys only through cpns_held_get() */
	if (cpns_kind_minted(kind))
		assert(PTR_ERR(key) == -EINVAL);
	if (IS_ERR(key)) {
		long e = PTR_ERR(key);

		assert(e == -EINVAL || e == -ENOKEY || e == -EKEYREVOKED ||
		       e == -EACCES);
		free(np);
		return;
	}
	assert(kind < ARRAY_SIZE(cpns_key_prefix));
	snprintf(desc, sizeof(desc), "%s%.*s", cpns_key_prefix[kind],
		 (int)id.len, id.b);
	assert(!strcmp(key->description, desc));
	assert(cpns_key_payload(key)->kind == kind);
	assert(write ? key->sem.writer : key->sem.readers);
	if (write && replace) {
		if (!cpns_kind_minted(kind))
			np->len = cpns_key_payload(key)->len;
		cpns_key_replace(key, np);	/* consumes np */
		assert(cpns_key_payload(key) == np);
	} else {
		free(np);
	}
	cpns_key_put(key, write);
}

/* cpns_held_get(): the held key of the store, write-locked. */
static void op_held(struct in *in)
{
	unsigned int kind = u8_of(in) % 6;
	struct cpns_key_payload *np;
	char desc[CPNS_DESC_MAX];
	struct cpns_id id;
	struct key *key;
	bool replace;
	int i;

	id_of(in, &id);
	replace = u8_of(in) & 1;
	np = payload_of(in, kind);
	key = cpns_held_get(&init_net, kind, &id);
	if (!cpns_kind_minted(kind))
		assert(PTR_ERR(key) == -EINVAL);
	if (IS_ERR(key)) {
		free(np);
		return;
	}
	snprintf(desc, sizeof(desc), "%s%.*s", cpns_key_prefix[kind],
		 (int)id.len, id.b);
	assert(!strcmp(key->description, desc));
	for (i = 0; i < KSHIM_SLOTS && kshim_slot[i] != key; i++)
		;
	assert(i < KSHIM_SLOTS && kshim_held[i]);
	assert(key->sem.writer && cpns_key_payload(key)->kind == kind);
	if (replace) {
		cpns_key_replace(key, np);	/* consumes np */
		assert(cpns_key_payload(key) == np);
	} else {
		free(np);
	}
	cpns_key_put(key, true);
}

/* cpns_held_reset(): unlinked from the store, then revoked. */
static void op_reset(struct in *in)
{
	unsigned int kind = u8_of(in) % 6;
	struct cpns_held_info was;
	char desc[CPNS_DESC_MAX];
	struct cpns_id id;
	int rc, before = -1;
	s32 serial = 0;

	id_of(in, &id);
	if (kind < ARRAY_SIZE(cpns_key_prefix) && id.len <= CPNS_ID_MAX_LEN) {
		snprintf(desc, sizeof(desc), "%s%.*s", cpns_key_prefix[kind],
			 (int)id.len, id.b);
		for (int i = 0; i < KSHIM_SLOTS; i++)
			if (kshim_slot[i] && kshim_held[i] &&
			    !strcmp(kshim_slot[i]->description, desc))
				before = i;
	}
	rc = cpns_held_reset(&init_net, kind, &id, &was, &serial);
	if (!cpns_kind_minted(kind) || id.len > CPNS_ID_MAX_LEN ||
	    !cpns_id_valid(id.b, id.len)) {
		assert(rc == -EINVAL);
		return;
	}
	if (before < 0) {
		assert(rc == -ENOKEY || rc == -EKEYREVOKED);
		return;
	}
	assert(rc == 0 && serial > 0);
	for (int i = 0; i < KSHIM_SLOTS; i++)
		assert(!kshim_slot[i] || kshim_slot[i]->serial != serial);
}

/*
 * The payload parts a blob holds (keys.rst: a chain's outstanding
 * delivery, pending and its challenge, is not in it): @a as loaded from
 * the blob of @b.
 */
static bool same_payload(const struct cpns_key_payload *a,
			 const struct cpns_key_payload *b)
{
	static const u8 zero[CPNS_CHALLENGE_LEN];

	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case CPNS_KEY_CHAIN:
		return !memcmp(a->chain.top, b->chain.top, CPNS_HASH_LEN) &&
		       !memcmp(a->chain.kek, b->chain.kek, CPNS_KEY_LEN) &&
		       !memcmp(a->chain.chain_id, b->chain.chain_id,
			       CPNS_CHAIN_ID_LEN) &&
		       a->chain.epoch == b->chain.epoch &&
		       a->chain.n == b->chain.n &&
		       a->chain.delivered == b->chain.delivered &&
		       !a->chain.pending &&
		       !memcmp(a->chain.challenge, zero, sizeof(zero));
	case CPNS_KEY_EUK:
		return !memcmp(a->euk.euk, b->euk.euk, CPNS_HASH_LEN) &&
		       !memcmp(a->euk.chain_id, b->euk.chain_id,
			       CPNS_CHAIN_ID_LEN) &&
		       a->euk.epoch == b->euk.epoch &&
		       a->euk.index == b->euk.index && a->euk.n == b->euk.n;
	default:
		return a->len == b->len && !memcmp(a->secret, b->secret, a->len);
	}
}

/* A held state a blob may hold (keys.rst, "Sealed blobs"). */
static bool state_ok(const struct cpns_key_payload *p)
{
	if (p->kind == CPNS_KEY_CHAIN)
		return p->chain.n && p->chain.delivered <= p->chain.n;
	if (p->kind == CPNS_KEY_EUK)
		return p->euk.index && p->euk.index <= p->euk.n;
	return true;
}

/* ->read: the blob, which loads back to the payload it was read from. */
static void op_read(struct in *in)
{
	struct key *key = kshim_slot[u8_of(in) % KSHIM_SLOTS];
	static char text[5 + CPNS_BLOB_TEXT_MAX + 1];
	struct cpns_key_payload *got = NULL;
	const struct cpns_key_payload *p;
	long n, want;
	int rc;

	if (!key)
		return;
	down_read(&key->sem);
	want = cpns_key_type.read(key, NULL, 0);
	p = key->payload.data[0];
	if (!p) {
		assert(want == -EKEYREVOKED);
		up_read(&key->sem);
		return;
	}
	assert(want > 0 && want % 2 == 0 && want <= CPNS_BLOB_TEXT_MAX - 5);
	/* too small a buffer: only the length */
	memset(text, 'x', sizeof(text));
	assert(cpns_key_type.read(key, text + 5, want - 1) == want);
	assert(text[5] == 'x');
	n = cpns_key_type.read(key, text + 5, want);
	if (n < 0) {
		/* no such wrapping key, a short one, a fault */
		assert(n == -ENOKEY || n == -EINVAL || n == -ENOMEM ||
		       n == -EKEYREVOKED);
		up_read(&key->sem);
		return;
	}
	assert(n == want);
	memcpy(text, "load ", 5);
	rc = cpns_blob_load(key->description, text, 5 + n, &got, NULL);
	if (!state_ok(p))
		assert(rc == -EINVAL);	/* keys.rst: n = 0, i = 0, > n */
	else if (!faults())
		assert(rc == 0);
	if (!rc) {
		assert(same_payload(got, p));
		cpns_payload_free(got);
	}
	up_read(&key->sem);
	/* and as a user key's payload: the same key again */
	if (!rc && !cpns_kind_minted(p->kind) && !faults()) {
		struct cpns_key_payload before = *p;

		rc = add_checked(key->description, (const uint8_t *)text,
				 5 + n);
		assert(rc == key->serial);
		assert(same_payload(key->payload.data[0], &before));
	}
}

static void op_wrap(struct in *in)
{
	struct key_type *t = u8_of(in) & 1 ? &key_type_user : &key_type_logon;
	const uint8_t *d, *p;
	size_t dlen, len;
	char desc[64];

	d = lp_of(in, &dlen);
	p = lp_of(in, &len);
	if (dlen >= sizeof(desc))
		dlen = sizeof(desc) - 1;
	memcpy(desc, d, dlen);
	desc[dlen] = '\0';
	kshim_wrap_add(t, desc, p, len);
}

static void op_wrapname(struct in *in)
{
	char name[300];
	const uint8_t *d;
	size_t dlen;

	d = lp_of(in, &dlen);
	if (dlen >= sizeof(name))
		dlen = sizeof(name) - 1;
	memcpy(name, d, dlen);
	name[dlen] = '\0';
	kshim_param_wrap_key->set(name, NULL);
}

static void op_new(struct in *in)
{
	char desc[300];
	const uint8_t *d;
	size_t dlen;

	d = lp_of(in, &dlen);
	if (dlen > 255)
		dlen = 255;
	memcpy(desc, "master:", 7);
	memcpy(desc + 7, d, dlen);
	desc[7 + dlen] = '\0';
	add_checked(desc, (const uint8_t *)"new", 3);
}

/* ->describe: the description, then public metadata only. */
static void op_describe(void)
{
	for (int i = 0; i < KSHIM_SLOTS; i++) {
		struct key *key = kshim_slot[i];
		const struct cpns_key_payload *p;
		static struct seq_file m;
		char want[512];
		size_t dl;

		if (!key)
			continue;
		m.count = 0;
		m.buf[0] = '\0';
		rcu_read_lock();
		cpns_key_type.describe(key, &m);
		rcu_read_unlock();
		dl = strlen(key->description);
		assert(!strncmp(m.buf, key->description, dl));
		p = key->payload.data[0];
		if (!p) {
			assert(m.count == dl);
			continue;
		}
		switch (p->kind) {
		case CPNS_KEY_CHAIN:
		case CPNS_KEY_EUK:
			/* E= i= n= delivered= id=: checked by their shape. */
			assert(!strncmp(m.buf + dl, ": E=", 4));
			break;
		default:
			snprintf(want, sizeof(want), "%s: %u bytes",
				 key->description, p->len);
			assert(!strcmp(m.buf, want));
		}
	}
}

static void op_keyring(struct in *in)
{
	int32_t serial = (int32_t)u8_of(in) - 1;	/* -1 .. 254 */
	bool write = u8_of(in) & 1;
	key_ref_t ref;

	ref = cpns_keyring_get(serial, write);
	if (IS_ERR(ref))
		return;
	assert(key_ref_to_ptr(ref)->type == &key_type_keyring);
	key_ref_put(ref);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (cpns_key_init())
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	int ops = 0;

	if (kshim_param_wrap_key->set("logon:cpns:wrap", NULL))
		abort();

	while (in.len && ops++ < 64) {
		unsigned int op = u8_of(&in) % OP_MAX, b;

		switch (op) {
		case OP_ADD:
			op_add(&in);
			break;
		case OP_UPDATE:
			op_update(&in);
			break;
		case OP_MINT:
			op_mint(&in);
			break;
		case OP_GET:
			op_get(&in);
			break;
		case OP_REVOKE:
			/* a held key has no Write, no Setattr: EACCES */
			b = u8_of(&in) % KSHIM_SLOTS;
			if (kshim_slot[b] && !kshim_held[b])
				kshim_revoke(kshim_slot[b]);
			break;
		case OP_DESCRIBE:
			op_describe();
			break;
		case OP_FAULT:
			b = u8_of(&in);
			kshim_alloc_fail = b & 3;
			kshim_quota_full = b & 4;
			kshim_perm_denied = b & 8;
			break;
		case OP_KEYRING:
			op_keyring(&in);
			break;
		case OP_GRACE:
			rcu_barrier();
			break;
		case OP_UNLINK:
			b = u8_of(&in) % KSHIM_SLOTS;
			if (kshim_slot[b] && !kshim_held[b])
				kshim_unlink(b);
			break;
		case OP_HELD:
			op_held(&in);
			break;
		case OP_RESET:
			op_reset(&in);
			break;
		case OP_READ:
			op_read(&in);
			break;
		case OP_WRAP:
			op_wrap(&in);
			break;
		case OP_WRAPNAME:
			op_wrapname(&in);
			break;
		case OP_NEW:
			op_new(&in);
			break;
		}
		check_keys();
	}
	op_describe();
	kshim_reset();
	return 0;
}
