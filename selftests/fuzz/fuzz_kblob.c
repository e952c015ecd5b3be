// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the sealed-blob loader of kmod/blob.c (included,
 * unchanged; key.c linked), on the host over selftests/host/kshim with
 * AES-256-GCM and HKDF of selftests/lib/ref.c: cpns_blob_load() of
 * "load HEX" (Documentation/keys.rst, "Sealed blobs").
 *
 * Input: u8 mode, u8 options, then the rest.
 *   mode 0  the rest is the blob's bytes, loaded as hex (options bit 2:
 *           uppercase)
 *   mode 1  the rest is a header (8 + W + D bytes, as the blob's), a
 *           nonce (12) and a plaintext: the target seals the plaintext
 *           with the reference under the wrapping key the header names,
 *           as it is in the keyrings (or under a key of zeros if none),
 *           so that the fuzzer reaches the plaintext checks
 *   mode 2  the rest is the text after "load " as it is
 * Options bits 0-1: the load is for the blob's own description (0), for
 * none (1: CPNS_CMD_KEY_LOAD), for another (2: "psk:other"), or for a
 * description from the blob with its last byte changed (3); bits 3-4:
 * the wrapping keys present: logon:cpns:wrap with 00 01 .. 1f (0, the
 * worked example's), none (1), logon:cpns:wrap of 31 bytes (2), and
 * user:cpns:wrap with 00 .. 1f (3).  In mode 2 the load is for none,
 * or for "psk:other" (2).
 *
 * A model written from the table "What a load refuses" computes the
 * errno, the reference opens the blob; they must agree exactly with
 * cpns_blob_load().  A blob it accepts gives the plaintext's fields, and
 * re-seals, by ->read with the same nonce under the same wrapping key
 * name, to the same bytes.
 */
#include <assert.h>
#include <keys/user-type.h>
#include <linux/moduleparam.h>
#include "../../kmod/blob.c"
#include "ref.h"
#include "key_shim.h"

extern const u8 *kshim_seal_nonce;

#define IN_MAX (CPNS_BLOB_MAX + 64)
#define TEXT_MAX (5 + 2 * IN_MAX)

static const u8 salt[] = "CPNS-BLOB-SALT-1";
static const u8 info[] = "CPNS-BLOB-KEY-v1";
static u8 wrap_bytes[32];

/* The wrapping key's payload, as present; its length, or -1 if absent. */
static int wrap_of(const u8 *name, size_t len, unsigned int setup,
		   const u8 **p)
{
	static const char *const names[] = {
		"logon:cpns:wrap", NULL, "logon:cpns:wrap", "user:cpns:wrap",
	};
	const char *n = names[setup];

	*p = wrap_bytes;
	if (!n || strlen(n) != len || memcmp(n, name, len))
		return -1;
	return setup == 2 ? 31 : 32;
}

static bool known_type(const u8 *name, size_t len)
{
	const u8 *colon = memchr(name, ':', len);
	size_t i;

	if (!colon || colon + 1 == name + len)
		return false;
	for (i = colon + 1 - name; i < len; i++)
		if (name[i] <= 0x20 || name[i] >= 0x7f)
			return false;
	return (colon - name == 5 && !memcmp(name, "logon", 5)) ||
	       (colon - name == 4 && !memcmp(name, "user", 4));
}

/* keys.rst: the kind a description names, or -1. */
static int desc_kind(const u8 *d, size_t len)
{
	static const char *const prefix[] = {
		"psk:", "tk:", "master:", "chain:", "euk:",
	};
	char id[CPNS_BLOB_DESC_MAX + 1];

	for (int k = 0; k < 5; k++) {
		size_t pl = strlen(prefix[k]);

		if (len < pl || memcmp(d, prefix[k], pl))
			continue;
		if (memchr(d, 0, len) || len - pl > CPNS_ID_MAX_LEN)
			return -1;
		memcpy(id, d + pl, len - pl);
		id[len - pl] = '\0';
		return ref_id_valid(id) ? k : -1;
	}
	return -1;
}

static void k_blob(const u8 *ikm, size_t len, u8 k[32])
{
	ref_hkdf(ikm, len, salt, 16, info, 16, k);
}

/* The plaintext's length and state, by the table; 0 or -EINVAL. */
static int pt_ok(int kind, const u8 *pt, size_t len)
{
	uint16_t a, b;

	switch (kind) {
	case CPNS_KEY_CHAIN:
		if (len != 88)
			return -EINVAL;
		a = pt[84] << 8 | pt[85];	/* n */
		b = pt[86] << 8 | pt[87];	/* delivered */
		return a && b <= a ? 0 : -EINVAL;
	case CPNS_KEY_EUK:
		if (len != 56)
			return -EINVAL;
		a = pt[52] << 8 | pt[53];	/* i */
		b = pt[54] << 8 | pt[55];	/* n */
		return a && a <= b ? 0 : -EINVAL;
	case CPNS_KEY_TK:
		return len >= 16 && len <= 64 ? 0 : -EINVAL;
	default:
		return len == 32 ? 0 : -EINVAL;
	}
}

/*
 * What loading @b must give, for @given (NULL: none); the plaintext in
 * @pt on 0.  The table does not order its refusals; this follows the
 * doc comment of cpns_blob_load(): everything but the authentication
 * before the wrapping key is looked up.
 */
static int expect(const u8 *b, size_t len, const char *given,
		  unsigned int setup, u8 *pt, size_t *ptlen, int *kind)
{
	size_t w, d, h;
	const u8 *wk;
	int wl;
	u8 k[32];

	if (len < 8 || memcmp(b, "CPNK", 4))
		return -EINVAL;
	if (b[4] != 1)
		return -EPROTONOSUPPORT;
	if (b[5] < 1 || b[5] > 5)
		return -EINVAL;
	w = b[6];
	d = b[7];
	h = 8 + w + d;
	if (!w || !d || d > 71 || len < h + 28)
		return -EINVAL;
	*kind = desc_kind(b + 8 + w, d);
	if (*kind != b[5] - 1)
		return -EINVAL;
	if (given && (strlen(given) != d || memcmp(given, b + 8 + w, d)))
		return -EKEYREJECTED;
	*ptlen = len - h - 28;
	if (*ptlen > CPNS_BLOB_PT_MAX || !known_type(b + 8, w))
		return -EINVAL;
	wl = wrap_of(b + 8, w, setup, &wk);
	if (wl < 0)
		return -ENOKEY;
	if (wl < 32)
		return -EINVAL;
	k_blob(wk, wl, k);
	if (ref_open(k, b, h, b + h, len - h, pt))
		return -EBADMSG;
	return pt_ok(*kind, pt, *ptlen);
}

/* The payload's fields are the plaintext's, big-endian. */
static void check_fields(const struct cpns_key_payload *p, int kind,
			 const u8 *pt, size_t ptlen)
{
	assert((int)p->kind == kind);
	switch (kind) {
	case CPNS_KEY_CHAIN:
		assert(!memcmp(p->chain.top, pt, 32) &&
		       !memcmp(p->chain.kek, pt + 32, 32) &&
		       !memcmp(p->chain.chain_id, pt + 64, 16));
		assert(p->chain.epoch == get_unaligned_be32(pt + 80) &&
		       p->chain.n == get_unaligned_be16(pt + 84) &&
		       p->chain.delivered == get_unaligned_be16(pt + 86));
		break;
	case CPNS_KEY_EUK:
		assert(!memcmp(p->euk.euk, pt, 32) &&
		       !memcmp(p->euk.chain_id, pt + 32, 16));
		assert(p->euk.epoch == get_unaligned_be32(pt + 48) &&
		       p->euk.index == get_unaligned_be16(pt + 52) &&
		       p->euk.n == get_unaligned_be16(pt + 54));
		break;
	default:
		assert(p->len == ptlen && !memcmp(p->secret, pt, ptlen));
	}
}

/* ->read with the blob's nonce, under its wrapping key name: its bytes. */
static void reseal(const u8 *b, size_t len, struct cpns_key_payload *p)
{
	static char hex[2 * CPNS_BLOB_MAX + 1];
	static u8 back[CPNS_BLOB_MAX];
	char name[CPNS_WRAP_NAME_MAX + 1], desc[CPNS_BLOB_DESC_MAX + 1];
	struct key key = { 0 };
	size_t h = 8 + b[6] + b[7];
	long n;

	memcpy(name, b + 8, b[6]);
	name[b[6]] = '\0';
	memcpy(desc, b + 8 + b[6], b[7]);
	desc[b[7]] = '\0';
	assert(kshim_param_wrap_key->set(name, NULL) == 0);
	key.description = desc;
	key.state = KEY_IS_POSITIVE;
	key.payload.data[0] = p;
	kshim_seal_nonce = b + h;
	down_read(&key.sem);
	n = cpns_blob_read(&key, hex, sizeof(hex));
	up_read(&key.sem);
	assert(!kshim_seal_nonce);
	assert(n == (long)(2 * len));
	assert(!hex2bin(back, hex, len));
	assert(!memcmp(back, b, len));
	for (long i = 0; i < n; i++)
		assert(!isupper((unsigned char)hex[i]));
	assert(kshim_param_wrap_key->set("logon:cpns:wrap", NULL) == 0);
}

static void wraps(unsigned int setup)
{
	if (setup == 0)
		kshim_wrap_add(&key_type_logon, "cpns:wrap", wrap_bytes, 32);
	else if (setup == 2)
		kshim_wrap_add(&key_type_logon, "cpns:wrap", wrap_bytes, 31);
	else if (setup == 3)
		kshim_wrap_add(&key_type_user, "cpns:wrap", wrap_bytes, 32);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* keys.rst's worked example: K_blob of 00 01 .. 1f */
	static const u8 want[32] = {
		0x2d, 0x88, 0x34, 0x52, 0x38, 0x8c, 0xdf, 0xd6,
		0x59, 0x48, 0x84, 0x45, 0x54, 0x9d, 0xfd, 0x10,
		0xab, 0x2f, 0xad, 0x72, 0x97, 0x55, 0x62, 0x26,
		0xa7, 0x2e, 0xe7, 0xcc, 0x17, 0xaf, 0x77, 0x69,
	};
	u8 k[32];

	(void)argc;
	(void)argv;
	for (int i = 0; i < 32; i++)
		wrap_bytes[i] = i;
	k_blob(wrap_bytes, 32, k);
	if (memcmp(k, want, 32))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 b[IN_MAX], pt[IN_MAX];
	static char text[TEXT_MAX + 1];
	char given_buf[CPNS_BLOB_DESC_MAX + 2], desc_out[CPNS_BLOB_DESC_MAX + 1];
	struct cpns_key_payload *p = NULL;
	unsigned int mode, opt, setup;
	const char *given = NULL;
	size_t len, tlen, ptlen = 0;
	int rc, want = -EINVAL, kind = -1;

	if (size < 2 || size - 2 > sizeof(b))
		return 0;
	mode = data[0] % 3;
	opt = data[1];
	setup = opt >> 3 & 3;
	len = size - 2;
	memcpy(b, data + 2, len);
	wraps(setup);

	if (mode == 1 && len >= 8 && len >= 8u + b[6] + b[7] + 12) {
		size_t h = 8 + b[6] + b[7], l = len - h - 12;
		const u8 *wk;
		int wl = wrap_of(b + 8, b[6], setup, &wk);
		u8 k[32] = { 0 }, nonce[12];

		/* header || nonce || plaintext -> header || nonce || ct || tag */
		if (h + 28 + l > sizeof(b) || l > sizeof(pt)) {
			kshim_reset();
			return 0;
		}
		if (wl > 0)
			k_blob(wk, wl, k);
		memcpy(nonce, b + h, 12);
		memcpy(pt, b + h + 12, l);
		ref_seal(k, nonce, b, h, pt, l, b + h);
		len = h + 28 + l;
	}

	/* the description the load is for */
	if ((opt & 3) != 1 && len >= 8 && b[7] <= CPNS_BLOB_DESC_MAX &&
	    len >= 8u + b[6] + b[7]) {
		size_t d = b[7];

		memcpy(given_buf, b + 8 + b[6], d);
		given_buf[d] = '\0';
		if ((opt & 3) == 3 && d)
			given_buf[d - 1] ^= 1;
		given = given_buf;
	}
	if ((opt & 3) == 2)
		given = "psk:other";
	if ((opt & 3) != 1 && !given)
		given = "psk:none";
	if (mode == 2 && (opt & 3) != 2)
		given = NULL;	/* the text is not bytes to name one from */

	memcpy(text, "load ", 5);
	if (mode == 2) {
		tlen = 5 + (len < TEXT_MAX - 5 ? len : TEXT_MAX - 5);
		memcpy(text + 5, b, tlen - 5);
	} else {
		bin2hex(text + 5, b, len);
		tlen = 5 + 2 * len;
		if (opt & 4)
			for (size_t i = 5; i < tlen; i++)
				text[i] = toupper((unsigned char)text[i]);
		/* the model, over the bytes; the text layer first */
		if (tlen > 64 && tlen <= CPNS_BLOB_TEXT_MAX)
			want = expect(b, len, given, setup, pt, &ptlen, &kind);
	}

	rc = cpns_blob_load(given, text, tlen, &p, desc_out);
	if (mode != 2)
		assert(rc == want);
	if (rc) {
		assert(!p);
		kshim_reset();
		return 0;
	}
	if (mode == 2) {
		/* the text was hex: the bytes it gives obey the model too */
		assert(tlen % 2 == 1 && tlen > 64);
		len = (tlen - 5) / 2;
		assert(!hex2bin(b, text + 5, len));
		assert(expect(b, len, given, setup, pt, &ptlen, &kind) == 0);
	}
	check_fields(p, kind, pt, ptlen);
	if (!given)
		assert(strlen(desc_out) == b[7] &&
		       !memcmp(desc_out, b + 8 + b[6], b[7]));
	reseal(b, len, p);
	cpns_payload_free(p);
	kshim_reset();
	return 0;
}
