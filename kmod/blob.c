// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed blobs of cpns keys (Documentation/keys.rst, "Sealed blobs").
 *
 * A key's readable form is its blob, never its secret: ->read seals the
 * payload under K_blob = HKDF-SHA-256(wrapping key's payload, salt, info)
 * with AES-256-GCM, the header (magic, version, kind, the wrapping key's
 * name and the key's description) as AAD.  "load HEX" opens it again,
 * for the same kind and description only.  The wrapping key is another
 * type's key named TYPE:DESC, as dm-crypt and encrypted keys name theirs;
 * which one seals is the module parameter wrap_key, which one opens is the
 * name in the blob.
 */

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <keys/user-type.h>
#include <keys/encrypted-type.h>
#include <keys/trusted-type.h>
#include <asm/unaligned.h>
#include "blob.h"
#include "crypto.h"

static const u8 cpns_blob_magic[4] = { 'C', 'P', 'N', 'K' };
static const u8 cpns_blob_salt[] = "CPNS-BLOB-SALT-1";	/* 16 bytes, no NUL */
static const u8 cpns_blob_info[] = "CPNS-BLOB-KEY-v1";
#define CPNS_BLOB_SALT_LEN (sizeof(cpns_blob_salt) - 1)
#define CPNS_BLOB_INFO_LEN (sizeof(cpns_blob_info) - 1)
/* the wrapping key's payload: at least as long as the key it makes */
#define CPNS_WRAP_MIN_LEN CPNS_KEY_LEN

#define CPNS_CHAIN_PT_LEN (2 * CPNS_HASH_LEN + CPNS_CHAIN_ID_LEN + 8)
#define CPNS_EUK_PT_LEN (CPNS_HASH_LEN + CPNS_CHAIN_ID_LEN + 8)

/* Kind codes on the wire: enum cpns_key_kind + 1. */
#define CPNS_BLOB_KIND(k) ((u8)((k) + 1))

static char cpns_wrap_name[CPNS_WRAP_NAME_MAX + 1] = "logon:cpns:wrap";

/* The key type a wrapping key name's TYPE names, or NULL. */
static struct key_type *cpns_wrap_type(const char *name, size_t len,
				       size_t *desc_off)
{
	static const struct { const char *name; struct key_type *type; } t[] = {
		{ "logon", &key_type_logon },
		{ "user", &key_type_user },
#if IS_REACHABLE(CONFIG_ENCRYPTED_KEYS)
		{ "encrypted", &key_type_encrypted },
#endif
#if IS_REACHABLE(CONFIG_TRUSTED_KEYS)
		{ "trusted", &key_type_trusted },
#endif
	};
	const char *colon = strnchr(name, len, ':');
	unsigned int k;
	size_t i;

	if (!colon || len > CPNS_WRAP_NAME_MAX || colon + 1 == name + len)
		return NULL;
	for (i = colon + 1 - name; i < len; i++)
		if (!isgraph(name[i]))
			return NULL;
	for (k = 0; k < ARRAY_SIZE(t); k++) {
		if (strlen(t[k].name) == colon - name &&
		    !memcmp(name, t[k].name, colon - name)) {
			*desc_off = colon + 1 - name;
			return t[k].type;
		}
	}
	return NULL;
}

static int cpns_wrap_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strcspn(val, "\n"), off;

	if (!cpns_wrap_type(val, len, &off))
		return -EINVAL;
	/* under kernel_param_lock(THIS_MODULE), as the readers */
	memcpy(cpns_wrap_name, val, len);
	cpns_wrap_name[len] = '\0';
	return 0;
}

static int cpns_wrap_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n", cpns_wrap_name);
}

static const struct kernel_param_ops cpns_wrap_ops = {
	.set = cpns_wrap_set,
	.get = cpns_wrap_get,
};
module_param_cb(wrap_key, &cpns_wrap_ops, NULL, 0644);
MODULE_PARM_DESC(wrap_key,
		 "the key that seals blobs read from now on, TYPE:DESC (logon:, user:, encrypted:, trusted:)");

/* The secret bytes of a wrapping key, its semaphore held. */
static int cpns_wrap_bytes(struct key *key, const u8 **p, size_t *len)
{
	if (key->type == &key_type_logon || key->type == &key_type_user) {
		const struct user_key_payload *u = user_key_payload_locked(key);

		if (!u)
			return -EKEYREVOKED;
		*p = u->data;
		*len = u->datalen;
		return 0;
	}
#if IS_REACHABLE(CONFIG_ENCRYPTED_KEYS)
	if (key->type == &key_type_encrypted) {
		const struct encrypted_key_payload *e = key->payload.data[0];

		if (!e)
			return -EKEYREVOKED;
		*p = e->decrypted_data;
		*len = e->decrypted_datalen;
		return 0;
	}
#endif
#if IS_REACHABLE(CONFIG_TRUSTED_KEYS)
	if (key->type == &key_type_trusted) {
		const struct trusted_key_payload *t = key->payload.data[0];

		if (!t)
			return -EKEYREVOKED;
		*p = t->key;
		*len = t->key_len;
		return 0;
	}
#endif
	return -EINVAL;
}

/*
 * K_blob from the wrapping key @name (@len bytes, not NUL-terminated),
 * looked up in the caller's keyrings.  -EINVAL for a bad name or a
 * payload shorter than 32 bytes, -ENOKEY when absent, ...
 */
static int cpns_wrap_derive(const char *name, size_t len, u8 out[CPNS_KEY_LEN])
{
	struct cpns_buf info = { cpns_blob_info, CPNS_BLOB_INFO_LEN };
	char desc[CPNS_WRAP_NAME_MAX + 1];
	struct key_type *type;
	struct key *key;
	const u8 *p;
	size_t off, plen;
	int ret;

	type = cpns_wrap_type(name, len, &off);
	if (!type)
		return -EINVAL;
	memcpy(desc, name + off, len - off);
	desc[len - off] = '\0';
	key = request_key(type, desc, NULL);
	if (IS_ERR(key)) {
		pr_info_ratelimited("wrapping key %.*s: error %ld\n", (int)len,
				    name, PTR_ERR(key));
		return PTR_ERR(key);
	}
	down_read(&key->sem);
	ret = key_validate(key) ?: cpns_wrap_bytes(key, &p, &plen);
	if (!ret && plen < CPNS_WRAP_MIN_LEN)
		ret = -EINVAL;
	if (!ret)
		ret = cpns_hkdf(p, plen, cpns_blob_salt, CPNS_BLOB_SALT_LEN,
				&info, 1, out);
	up_read(&key->sem);
	key_put(key);
	return ret;
}

static u8 *cpns_put(u8 *q, const void *p, size_t n)
{
	memcpy(q, p, n);
	return q + n;
}

/* The plaintext of @p: its length, written to @pt (CPNS_BLOB_PT_MAX). */
static size_t cpns_blob_pt(const struct cpns_key_payload *p, u8 *pt)
{
	u8 *q = pt;

	switch (p->kind) {
	case CPNS_KEY_CHAIN:
		q = cpns_put(q, p->chain.top, CPNS_HASH_LEN);
		q = cpns_put(q, p->chain.kek, CPNS_KEY_LEN);
		q = cpns_put(q, p->chain.chain_id, CPNS_CHAIN_ID_LEN);
		put_unaligned_be32(p->chain.epoch, q);
		put_unaligned_be16(p->chain.n, q + 4);
		put_unaligned_be16(p->chain.delivered, q + 6);
		return q + 8 - pt;
	case CPNS_KEY_EUK:
		q = cpns_put(q, p->euk.euk, CPNS_HASH_LEN);
		q = cpns_put(q, p->euk.chain_id, CPNS_CHAIN_ID_LEN);
		put_unaligned_be32(p->euk.epoch, q);
		put_unaligned_be16(p->euk.index, q + 4);
		put_unaligned_be16(p->euk.n, q + 6);
		return q + 8 - pt;
	default:
		memcpy(pt, p->secret, p->len);
		return p->len;
	}
}

/* A payload of @kind from its plaintext; -EINVAL when it does not fit. */
static int cpns_blob_payload(enum cpns_key_kind kind, const u8 *pt, size_t len,
			     struct cpns_key_payload *p)
{
	const u8 *q = pt;

	switch (kind) {
	case CPNS_KEY_CHAIN:
		if (len != CPNS_CHAIN_PT_LEN)
			return -EINVAL;
		memcpy(p->chain.top, q, CPNS_HASH_LEN);
		memcpy(p->chain.kek, q + CPNS_HASH_LEN, CPNS_KEY_LEN);
		q += CPNS_HASH_LEN + CPNS_KEY_LEN;
		memcpy(p->chain.chain_id, q, CPNS_CHAIN_ID_LEN);
		q += CPNS_CHAIN_ID_LEN;
		p->chain.epoch = get_unaligned_be32(q);
		p->chain.n = get_unaligned_be16(q + 4);
		p->chain.delivered = get_unaligned_be16(q + 6);
		if (!p->chain.n || p->chain.delivered > p->chain.n)
			return -EINVAL;
		return 0;
	case CPNS_KEY_EUK:
		if (len != CPNS_EUK_PT_LEN)
			return -EINVAL;
		memcpy(p->euk.euk, q, CPNS_HASH_LEN);
		q += CPNS_HASH_LEN;
		memcpy(p->euk.chain_id, q, CPNS_CHAIN_ID_LEN);
		q += CPNS_CHAIN_ID_LEN;
		p->euk.epoch = get_unaligned_be32(q);
		p->euk.index = get_unaligned_be16(q + 4);
		p->euk.n = get_unaligned_be16(q + 6);
		if (!p->euk.index || p->euk.index > p->euk.n)
			return -EINVAL;
		return 0;
	default:
		if (len > sizeof(p->secret) ||
		    (kind == CPNS_KEY_TK ? len < CPNS_TK_MIN_LEN ||
					   len > CPNS_TK_MAX_LEN :
					   len != CPNS_PSK_LEN))
			return -EINVAL;
		memcpy(p->secret, pt, len);
		p->len = len;
		return 0;
	}
}

/* The header of a blob: magic, version, kind, W, D, name, description. */
static size_t cpns_blob_hdr(u8 *b, enum cpns_key_kind kind, const char *wrap,
			    size_t wlen, const char *desc, size_t dlen)
{
	memcpy(b, cpns_blob_magic, sizeof(cpns_blob_magic));
	b[4] = CPNS_BLOB_VERSION;
	b[5] = CPNS_BLOB_KIND(kind);
	b[6] = wlen;
	b[7] = dlen;
	memcpy(b + CPNS_BLOB_HDR_LEN, wrap, wlen);
	memcpy(b + CPNS_BLOB_HDR_LEN + wlen, desc, dlen);
	return CPNS_BLOB_HDR_LEN + wlen + dlen;
}

/* Seal @p into @b (CPNS_BLOB_MAX bytes); its length or a negative errno. */
static long cpns_blob_seal(const struct key *key, const struct cpns_key_payload *p,
			   const char *wrap, size_t wlen, u8 *b)
{
	size_t dlen = strlen(key->description), hlen, ptlen;
	u8 k[CPNS_KEY_LEN], pt[CPNS_BLOB_PT_MAX];
	int ret;

	if (dlen > CPNS_BLOB_DESC_MAX)
		return -EINVAL;
	hlen = cpns_blob_hdr(b, p->kind, wrap, wlen, key->description, dlen);
	ptlen = cpns_blob_pt(p, pt);
	ret = cpns_wrap_derive(wrap, wlen, k);
	if (!ret)
		ret = cpns_seal(k, b, hlen, pt, ptlen, b + hlen);
	memzero_explicit(k, sizeof(k));
	memzero_explicit(pt, sizeof(pt));
	return ret ?: (long)(hlen + CPNS_SEALED_MIN + ptlen);
}

/* The length of the blob of @p, as cpns_blob_seal() writes it. */
static size_t cpns_blob_len(const struct key *key,
			    const struct cpns_key_payload *p, size_t wlen)
{
	size_t ptlen = p->kind == CPNS_KEY_CHAIN ? CPNS_CHAIN_PT_LEN :
		       p->kind == CPNS_KEY_EUK ? CPNS_EUK_PT_LEN : p->len;

	return CPNS_BLOB_HDR_LEN + wlen + strlen(key->description) +
	       CPNS_SEALED_MIN + ptlen;
}

/**
 * cpns_blob_read() - the ->read of the type: the key's blob, in hex
 * @key: the key, key->sem read-locked by the keyring core
 * @buffer: kernel buffer, or NULL
 * @buflen: its size
 *
 * Sealed under the key that wrap_key names when called, with a fresh
 * nonce each time.  Returns the length of the hex text (written only when
 * it fits), or -ENOKEY (the wrapping key is absent), -EKEYREVOKED, ...
 */
long cpns_blob_read(const struct key *key, char *buffer, size_t buflen)
{
	const struct cpns_key_payload *p;
	char wrap[CPNS_WRAP_NAME_MAX + 1];
	size_t wlen, len;
	long ret;
	u8 *b;

	p = rcu_dereference_protected(key->payload.rcu_data0,
				      lockdep_is_held(&key->sem));
	if (!p)
		return -EKEYREVOKED;
	kernel_param_lock(THIS_MODULE);
	strscpy(wrap, cpns_wrap_name, sizeof(wrap));
	kernel_param_unlock(THIS_MODULE);
	wlen = strlen(wrap);

	len = 2 * cpns_blob_len(key, p, wlen);
	if (!buffer || buflen < len)
		return len;
	b = kzalloc(CPNS_BLOB_MAX, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = cpns_blob_seal(key, p, wrap, wlen, b);
	if (ret > 0) {
		bin2hex(buffer, b, ret);
		ret *= 2;
	}
	kfree_sensitive(b);
	return ret;
}

bool cpns_blob_is_load(const void *data, size_t len)
{
	/* longer than any raw secret: a tk: of "load ..." stays a tk: */
	return data && len > CPNS_TK_MAX_LEN && !memcmp(data, "load ", 5);
}

bool cpns_blob_is_new(const void *data, size_t len)
{
	return data && len == 3 && !memcmp(data, "new", 3);
}

/* Hex text to bytes; -EINVAL unless even, nonempty and all hex digits. */
static int cpns_blob_unhex(const char *hex, size_t len, u8 *b, size_t *blen)
{
	if (!len || len % 2 || len / 2 > CPNS_BLOB_MAX)
		return -EINVAL;
	if (hex2bin(b, hex, len / 2))
		return -EINVAL;
	*blen = len / 2;
	return 0;
}

/* The header's fields, checked; -EINVAL, -EPROTONOSUPPORT. */
struct cpns_blob_view {
	enum cpns_key_kind kind;
	const char *wrap, *desc;
	size_t wlen, dlen, hlen;
};

/* The kind byte and the description's prefix must agree: else -EINVAL. */
static int cpns_blob_desc_kind(const struct cpns_blob_view *v)
{
	char desc[CPNS_BLOB_DESC_MAX + 1];
	enum cpns_key_kind kind;
	struct cpns_id id;

	memcpy(desc, v->desc, v->dlen);
	desc[v->dlen] = '\0';
	if (strlen(desc) != v->dlen || cpns_desc_parse(desc, &kind, &id) ||
	    kind != v->kind)
		return -EINVAL;
	return 0;
}

static int cpns_blob_parse(const u8 *b, size_t len, struct cpns_blob_view *v)
{
	if (len < CPNS_BLOB_HDR_LEN ||
	    memcmp(b, cpns_blob_magic, sizeof(cpns_blob_magic)))
		return -EINVAL;
	if (b[4] != CPNS_BLOB_VERSION)
		return -EPROTONOSUPPORT;
	if (b[5] < CPNS_BLOB_KIND(CPNS_KEY_PSK) ||
	    b[5] > CPNS_BLOB_KIND(CPNS_KEY_EUK))
		return -EINVAL;
	v->kind = b[5] - 1;
	v->wlen = b[6];
	v->dlen = b[7];
	v->hlen = CPNS_BLOB_HDR_LEN + v->wlen + v->dlen;
	if (!v->wlen || !v->dlen || v->dlen > CPNS_BLOB_DESC_MAX ||
	    len < v->hlen + CPNS_SEALED_MIN)
		return -EINVAL;
	v->wrap = (const char *)b + CPNS_BLOB_HDR_LEN;
	v->desc = v->wrap + v->wlen;
	return cpns_blob_desc_kind(v);
}

/* Open the blob @b that @v describes into a new payload. */
static int cpns_blob_unseal(const u8 *b, size_t len,
			    const struct cpns_blob_view *v,
			    struct cpns_key_payload **out)
{
	size_t ctlen = len - v->hlen, ptlen = ctlen - CPNS_SEALED_MIN;
	u8 k[CPNS_KEY_LEN], pt[CPNS_BLOB_PT_MAX];
	struct cpns_key_payload *p;
	int ret;

	if (ptlen > sizeof(pt))
		return -EINVAL;
	p = cpns_payload_alloc(v->kind);
	if (!p)
		return -ENOMEM;
	ret = cpns_wrap_derive(v->wrap, v->wlen, k);
	if (!ret)
		ret = cpns_open(k, b, v->hlen, b + v->hlen, ctlen, pt);
	if (!ret)
		ret = cpns_blob_payload(v->kind, pt, ptlen, p);
	memzero_explicit(k, sizeof(k));
	memzero_explicit(pt, sizeof(pt));
	if (ret) {
		cpns_payload_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

/**
 * cpns_blob_load() - open "load HEX"
 * @desc: the description of the key it is for, or NULL: the blob's own
 * @data: "load " and the hex of the blob
 * @len: its length
 * @out: the payload made
 * @desc_out: when @desc is NULL, the blob's description (NUL-terminated,
 *            CPNS_BLOB_DESC_MAX + 1 bytes)
 *
 * Everything but the authentication is checked before the wrapping key is
 * looked up.  Returns 0 or -EINVAL, -EPROTONOSUPPORT, -EKEYREJECTED,
 * -ENOKEY, -EBADMSG, -ENOMEM, ...
 */
int cpns_blob_load(const char *desc, const void *data, size_t len,
		   struct cpns_key_payload **out, char *desc_out)
{
	struct cpns_blob_view v;
	size_t blen;
	u8 *b;
	int ret;

	BUILD_BUG_ON(CPNS_BLOB_TEXT_MAX > CPNS_KEY_BLOB_MAX);
	BUILD_BUG_ON(CPNS_CHAIN_PT_LEN > CPNS_BLOB_PT_MAX);
	if (!cpns_blob_is_load(data, len) || len > CPNS_BLOB_TEXT_MAX)
		return -EINVAL;
	b = kmalloc(CPNS_BLOB_MAX, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = cpns_blob_unhex((const char *)data + 5, len - 5, b, &blen) ?:
	      cpns_blob_parse(b, blen, &v);
	if (ret)
		goto out;
	if (desc && (strlen(desc) != v.dlen || memcmp(desc, v.desc, v.dlen))) {
		ret = -EKEYREJECTED;
		goto out;
	}
	ret = cpns_blob_unseal(b, blen, &v, out);
	if (!ret && !desc) {
		memcpy(desc_out, v.desc, v.dlen);
		desc_out[v.dlen] = '\0';
	}
out:
	kfree_sensitive(b);
	return ret;
}
