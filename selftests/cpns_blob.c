// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed blobs (Documentation/keys.rst, "Sealed blobs"): a cpns key reads
 * as its blob, never its secret, sealed under the wrapping key wrap_key
 * names; "load BLOB" (keyctl add, or CPNS_CMD_KEY_LOAD for the held kinds)
 * restores it with all its state, also after modprobe -r / modprobe.  The
 * test opens every blob the kernel writes with the reference AES-GCM and
 * HKDF (lib/ref.c), and rebuilds the worked example of keys.rst byte for
 * byte.  Bad blobs are refused each with its errno, and nothing is made.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "tkeys.h"
#include "ref.h"
#include "fixture.h"

#define GW "gw-blob"
#define USER "alice"
#define ENT "pne-blob"
#define WRAP "logon:cpns:wrap"
#define PARAM "/sys/module/cpns/parameters/wrap_key"
#define TEXT_MAX 1100
#define BLOB_MAX 512

/* keys.rst, "Worked example": psk:gw-1, PSK1 = 0x11 x 32, under logon:cpns:wrap */
static const char example_hex[] =
	"43504e4b01010f086c6f676f6e3a63706e733a7772617070736b3a67772d31"
	"a0a1a2a3a4a5a6a7a8a9aaab"
	"6a2977516d8d22fb0578a0d71036ef4473c1c0c853639ab58e0b85a383b5b1e8"
	"2d657c1c4c344d338960917f66074a05";
static const char example_kblob[] =
	"2d883452388cdfd659488445549dfd10ab2fad7297556226a72ee7cc17af7769";

static int32_t add_other(const char *type, const char *desc, const void *data,
			 size_t len, int32_t ring)
{
	long r = syscall(__NR_add_key, type, desc, data, len, ring);

	return r < 0 ? -errno : (int32_t)r;
}

static int set_wrap(const char *name)
{
	return fx_write_file(PARAM, name);
}

/* K_blob of a wrapping key's payload, by the reference HKDF */
static void kblob(const uint8_t *w, size_t len, uint8_t k[REF_KEY_LEN])
{
	ref_hkdf(w, len, "CPNS-BLOB-SALT-1", 16, "CPNS-BLOB-KEY-v1", 16, k);
}

/* keyctl read of key as "load HEX" into text; its length or -errno */
static long read_load(int32_t key, char *text)
{
	long n;

	memcpy(text, "load ", 5);
	n = tk_read(key, text + 5, TEXT_MAX - 6);
	if (n < 0)
		return n;
	if (n > TEXT_MAX - 6)
		return -E2BIG;
	text[5 + n] = '\0';
	return 5 + n;
}

/* A blob's parts, opened with w; 0 or -1. */
struct opened {
	uint8_t b[BLOB_MAX];
	size_t len, hlen;
	int kind, version;
	char wrap[256], desc[128];
	uint8_t pt[BLOB_MAX];
	size_t ptlen;
};

static int open_text(const char *text, const uint8_t *w, size_t wlen,
		     struct opened *o)
{
	uint8_t k[REF_KEY_LEN];
	long n = ref_unhex(text + 5, o->b, sizeof(o->b));

	if (strncmp(text, "load ", 5) || n < 8 || memcmp(o->b, "CPNK", 4))
		return -1;
	o->len = n;
	o->version = o->b[4];
	o->kind = o->b[5];
	o->hlen = 8 + o->b[6] + o->b[7];
	snprintf(o->wrap, sizeof(o->wrap), "%.*s", o->b[6], (char *)o->b + 8);
	snprintf(o->desc, sizeof(o->desc), "%.*s", o->b[7], (char *)o->b + 8 + o->b[6]);
	if (o->len < o->hlen + REF_SEALED_MIN)
		return -1;
	o->ptlen = o->len - o->hlen - REF_SEALED_MIN;
	kblob(w, wlen, k);
	return ref_open(k, o->b, o->hlen, o->b + o->hlen, o->len - o->hlen, o->pt);
}

static int key_load(struct tgenl *t, int32_t ring, const char *text,
		    int32_t *serial, struct fx_ack *ack)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_KEY_LOAD);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    nla_put(m, CPNS_A_KEY_BLOB, strlen(text), text))
		return -ENOMEM;
	err = fx_call(t, m, tb, ack);
	if (!err && serial)
		*serial = tb[CPNS_A_KEY_SERIAL] ? nla_get_s32(tb[CPNS_A_KEY_SERIAL]) : 0;
	return err;
}

/* A node: wrapping key, psk:, tk:, master: "new", chain:ENT, euk:ENT at i=1. */
FIXTURE(blob) {
	struct tgenl *t;
	int32_t ring, wrap, psk, tk, master, chain, euk;
	uint8_t w[32], tkb[32];
	struct fx_chain c;
};

FIXTURE_SETUP(blob)
{
	struct fx_chain init = FX_CHAIN_INIT(GW, USER, ENT);
	struct fx_delivery d;
	uint8_t euk[32];
	int code = -1;
	size_t k;

	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	ASSERT_EQ(0, set_wrap(WRAP));
	for (k = 0; k < 32; k++)
		self->w[k] = k;
	self->wrap = add_other("logon", "cpns:wrap", self->w, 32, self->ring);
	ASSERT_LT(0, self->wrap);

	self->c = init;
	self->psk = tk_add("psk:" GW, self->c.psk, 32, self->ring);
	ASSERT_LT(0, self->psk);
	memset(self->tkb, 0xa7, sizeof(self->tkb));
	self->tk = tk_add("tk:" ENT, self->tkb, 32, self->ring);
	ASSERT_LT(0, self->tk);
	self->master = tk_add("master:store", "new", 3, self->ring);
	ASSERT_LT(0, self->master);
	ASSERT_EQ(0, fx_make_chain(self->t, self->ring, &self->c));
	self->chain = self->c.serial;
	fx_chain_key(&self->c, 1, euk);
	fx_seal_delivery(self->tkb, 32, ENT, 1, 1, 8, euk, &d);
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &d, &code, &self->euk));
	ASSERT_EQ(CPNS_ACCEPTED, code);
}

FIXTURE_TEARDOWN(blob)
{
	tgenl_close(self->t);
	set_wrap(WRAP);
}

/* The worked example of keys.rst, rebuilt, loads; the key reads back. */
TEST_F(blob, worked_example)
{
	uint8_t k[REF_KEY_LEN], nonce[12], psk[32], b[BLOB_MAX];
	char hex[2 * BLOB_MAX + 1], text[TEXT_MAX];
	const char *hdr = "CPNK\x01\x01\x0f\x08" WRAP "psk:gw-1";
	struct opened o;
	int32_t key;
	size_t len, k2;

	kblob(self->w, 32, k);
	ref_hex(k, 32, hex);
	EXPECT_STREQ(example_kblob, hex);
	for (k2 = 0; k2 < 12; k2++)
		nonce[k2] = 0xa0 + k2;
	memset(psk, 0x11, 32);
	memcpy(b, hdr, 31);
	len = 31 + ref_seal(k, nonce, b, 31, psk, 32, b + 31);
	ASSERT_EQ(91, len);
	ref_hex(b, len, hex);
	EXPECT_STREQ(example_hex, hex);

	snprintf(text, sizeof(text), "load %s", example_hex);
	key = tk_add("psk:gw-1", text, strlen(text), self->ring);
	ASSERT_LT(0, key);
	ASSERT_EQ(5 + 2 * 91, read_load(key, text));
	ASSERT_EQ(0, open_text(text, self->w, 32, &o));
	EXPECT_EQ(0, memcmp(o.b, hdr, 31));
	EXPECT_EQ(32, o.ptlen);
	EXPECT_EQ(0, memcmp(o.pt, psk, 32));
}

/* Each kind reads as its blob: header, kind, wrapping key, its state. */
TEST_F(blob, read_gives_the_blob_of_every_kind)
{
	const int32_t keys[5] = { self->psk, self->tk, self->master, self->chain, self->euk };
	const char *desc[5] = { "psk:" GW, "tk:" ENT, "master:store", "chain:" ENT, "euk:" ENT };
	const size_t ptlen[5] = { 32, 32, 32, 88, 56 };
	char text[TEXT_MAX], text2[TEXT_MAX];
	struct opened o, o2;
	uint8_t euk1[32];
	size_t k;

	for (k = 0; k < 5; k++) {
		ASSERT_LT(0, read_load(keys[k], text)) TH_LOG("%s", desc[k]);
		ASSERT_EQ(0, open_text(text, self->w, 32, &o)) TH_LOG("%s", desc[k]);
		EXPECT_EQ(1, o.version);
		EXPECT_EQ(k + 1, o.kind);
		EXPECT_STREQ(WRAP, o.wrap);
		EXPECT_STREQ(desc[k], o.desc);
		EXPECT_EQ(ptlen[k], o.ptlen) TH_LOG("%s", desc[k]);
		/* a fresh nonce each read, the same plaintext */
		ASSERT_LT(0, read_load(keys[k], text2));
		EXPECT_NE(0, strcmp(text, text2));
		ASSERT_EQ(0, open_text(text2, self->w, 32, &o2));
		EXPECT_EQ(0, memcmp(o.pt, o2.pt, o.ptlen));
	}
	ASSERT_LT(0, read_load(self->psk, text));
	ASSERT_EQ(0, open_text(text, self->w, 32, &o));
	EXPECT_EQ(0, memcmp(o.pt, self->c.psk, 32));
	ASSERT_LT(0, read_load(self->chain, text));
	ASSERT_EQ(0, open_text(text, self->w, 32, &o));
	EXPECT_EQ(0, memcmp(o.pt, self->c.top, 32));
	EXPECT_EQ(0, memcmp(o.pt + 32, self->c.kek, 32));
	EXPECT_EQ(0, memcmp(o.pt + 64, self->c.chain_id, 16));
	EXPECT_EQ(0, memcmp(o.pt + 80, "\0\0\0\x01\0\x08\0\0", 8));
	ASSERT_LT(0, read_load(self->euk, text));
	ASSERT_EQ(0, open_text(text, self->w, 32, &o));
	fx_chain_key(&self->c, 1, euk1);
	EXPECT_EQ(0, memcmp(o.pt, euk1, 32));
	EXPECT_EQ(0, memcmp(o.pt + 32, self->c.chain_id, 16));
	EXPECT_EQ(0, memcmp(o.pt + 48, "\0\0\0\x01\0\x01\0\x08", 8));

	/* no wrapping key: no blob, and still never the secret */
	ASSERT_EQ(0, tk_unlink(self->wrap, self->ring));
	for (k = 0; k < 5; k++)
		EXPECT_EQ(-ENOKEY, read_load(keys[k], text)) TH_LOG("%s", desc[k]);
}

/* "new" makes a random master key; only for master:. */
TEST_F(blob, master_new)
{
	char text[TEXT_MAX];
	struct opened a, b;
	static const uint8_t zero[32];
	int32_t other;

	other = tk_add("master:other", "new", 3, self->ring);
	ASSERT_LT(0, other);
	ASSERT_LT(0, read_load(self->master, text));
	ASSERT_EQ(0, open_text(text, self->w, 32, &a));
	ASSERT_LT(0, read_load(other, text));
	ASSERT_EQ(0, open_text(text, self->w, 32, &b));
	EXPECT_NE(0, memcmp(a.pt, b.pt, 32));
	EXPECT_NE(0, memcmp(a.pt, zero, 32));
	EXPECT_EQ(-EINVAL, tk_add("psk:new-one", "new", 3, self->ring));
	EXPECT_EQ(-EINVAL, tk_add("tk:new-one", "new", 3, self->ring));
	EXPECT_EQ(-ENOKEY, tk_search(self->ring, "psk:new-one"));
}

/* modprobe -r, modprobe, load: every kind back, the PNE and the GW go on. */
TEST_F(blob, reload_restores_every_kind)
{
	static char before[5][TEXT_MAX], text[TEXT_MAX];
	int32_t keys[5] = { self->psk, self->tk, self->master, self->chain, self->euk };
	const char *desc[5] = { "psk:" GW, "tk:" ENT, "master:store", "chain:" ENT, "euk:" ENT };
	struct opened o, o2;
	struct fx_delivery d;
	struct fx_gwdel g;
	struct fx_ack ack;
	uint8_t euk[32], aad[128], pt[32];
	char line[256], want[256];
	int32_t serial = 0;
	size_t k, alen;
	int code = -1;

	for (k = 0; k < 5; k++)
		ASSERT_LT(0, read_load(keys[k], before[k])) TH_LOG("%s", desc[k]);
	tgenl_close(self->t);
	self->t = NULL;
	ASSERT_EQ(0, system("modprobe -r cpns"));
	ASSERT_NE(0, access("/sys/module/cpns", F_OK));
	ASSERT_EQ(0, system("modprobe cpns"));
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	for (k = 0; k < 3; k++)
		EXPECT_EQ(-ENOKEY, tk_search(self->ring, desc[k])) TH_LOG("%s", desc[k]);
	EXPECT_EQ(-ENOKEY, tk_held_search("euk:" ENT));

	for (k = 0; k < 3; k++) {
		keys[k] = tk_add(desc[k], before[k], strlen(before[k]), self->ring);
		ASSERT_LT(0, keys[k]) TH_LOG("%s", desc[k]);
	}
	for (k = 3; k < 5; k++) {
		ASSERT_EQ(0, key_load(self->t, self->ring, before[k], &keys[k], &ack))
			TH_LOG("%s: %s", desc[k], ack.msg);
		EXPECT_EQ(keys[k], tk_held_search(desc[k]));
	}
	for (k = 0; k < 5; k++) {
		ASSERT_LT(0, read_load(keys[k], text));
		ASSERT_EQ(0, open_text(before[k], self->w, 32, &o));
		ASSERT_EQ(0, open_text(text, self->w, 32, &o2));
		EXPECT_EQ(o.ptlen, o2.ptlen);
		EXPECT_EQ(0, memcmp(o.pt, o2.pt, o.ptlen)) TH_LOG("%s", desc[k]);
	}
	ASSERT_EQ(0, tk_proc_keys_line(keys[4], line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line, "E=1 i=1 n=8 ", 12)) TH_LOG("%s", line);
	fx_chain_describe(&self->c, 0, want, sizeof(want));
	ASSERT_EQ(0, tk_proc_keys_line(keys[3], line, sizeof(line)));
	EXPECT_STREQ(want, line);

	/* the PNE: EUKey[2] links by hash to the restored EUKey[1] */
	fx_chain_key(&self->c, 2, euk);
	fx_seal_delivery(self->tkb, 32, ENT, 1, 2, 8, euk, &d);
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &d, &code, &serial));
	EXPECT_EQ(CPNS_ACCEPTED, code);
	EXPECT_EQ(CPNS_ACCEPT_RENEWAL, self->t->tb[CPNS_A_ACCEPT_KIND] ?
		  nla_get_u8(self->t->tb[CPNS_A_ACCEPT_KIND]) : 0);
	EXPECT_EQ(keys[4], serial);
	fx_chain_key(&self->c, 1, euk);
	fx_seal_delivery(self->tkb, 32, ENT, 1, 1, 8, euk, &d);
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &d, &code, NULL));
	EXPECT_EQ(CPNS_REJECT_ROLLBACK, code);

	/* the GW: delivers EUKey[1] from the restored chain under KEK_E */
	fx_gw_deliver(self->t, self->ring, ENT, &g);
	ASSERT_EQ(0, g.err) TH_LOG("%s", g.ext);
	ASSERT_GE(64, g.d.sealed_len);
	EXPECT_EQ(1, g.d.i);
	alen = ref_del_aad(aad, ENT, 1, 1, 8);
	ASSERT_EQ(0, ref_open(self->c.kek, aad, alen, g.d.sealed, g.d.sealed_len, pt));
	EXPECT_EQ(0, memcmp(pt, euk, 32));
}

/* Edit the hex of a blob: byte at off gets v (-1: flip its low bit). */
static void poke(char *text, size_t off, int v)
{
	char *h = text + 5 + 2 * off, tmp[3] = { h[0], h[1], 0 };
	unsigned int b = strtoul(tmp, NULL, 16);

	b = v < 0 ? b ^ 1 : (unsigned int)v;
	snprintf(tmp, sizeof(tmp), "%02x", b);
	h[0] = tmp[0];
	h[1] = tmp[1];
}

/* Each bad blob: its errno, and nothing made. */
TEST_F(blob, bad_blobs_refused)
{
	static char good[TEXT_MAX], t[TEXT_MAX], tkt[TEXT_MAX];
	size_t len, hlen = 8 + strlen(WRAP) + strlen("psk:" GW);
	int32_t other;

	ASSERT_LT(0, read_load(self->psk, good));
	ASSERT_LT(0, read_load(self->tk, tkt));
	len = strlen(good);
	ASSERT_EQ(0, tk_unlink(self->psk, self->ring));
	ASSERT_EQ(-ENOKEY, tk_search(self->ring, "psk:" GW));

	/* the good blob loads: the checks below fail on their edit alone */
	other = tk_add("psk:" GW, good, len, self->ring);
	ASSERT_LT(0, other);
	ASSERT_EQ(0, tk_unlink(other, self->ring));

#define REFUSED(err, what, text) do {					\
	EXPECT_EQ(err, tk_add("psk:" GW, text, strlen(text), self->ring))	\
		TH_LOG("%s", what);					\
	EXPECT_EQ(-ENOKEY, tk_search(self->ring, "psk:" GW)) TH_LOG("%s", what); \
} while (0)

	strcpy(t, good);
	poke(t, hlen + 12 + 3, -1);
	REFUSED(-EBADMSG, "ciphertext tampered", t);
	strcpy(t, good);
	poke(t, (len - 5) / 2 - 3, -1);
	REFUSED(-EBADMSG, "tag tampered", t);
	strcpy(t, good);
	poke(t, 8 + 2, 'G');		/* the wrapping key's name: "loGon:" */
	REFUSED(-EINVAL, "wrapping key of an unknown type", t);
	strcpy(t, good);
	t[len - 2] = '\0';
	REFUSED(-EBADMSG, "truncated by one byte", t);
	strcpy(t, good);
	t[5 + 2 * (hlen + 20)] = '\0';
	REFUSED(-EINVAL, "truncated into the sealed part's minimum", t);
	strcpy(t, good);
	t[len - 1] = '\0';
	REFUSED(-EINVAL, "odd number of hex digits", t);
	strcpy(t, good);
	t[40] = 'z';
	REFUSED(-EINVAL, "not hex", t);
	strcpy(t, good);
	poke(t, 0, 'X');
	REFUSED(-EINVAL, "bad magic", t);
	strcpy(t, good);
	poke(t, 4, 2);
	REFUSED(-EPROTONOSUPPORT, "format version 2", t);
	strcpy(t, good);
	poke(t, 5, 3);			/* kind master:, description psk: */
	REFUSED(-EINVAL, "kind byte disagrees with the description", t);
	REFUSED(-EKEYREJECTED, "a tk: blob loaded as psk:", tkt);
	memset(t, 'a', 200);
	memcpy(t, "load ", 5);
	t[200] = '\0';
	REFUSED(-EINVAL, "garbage", t);

	/* renamed: another description of the same kind, another kind */
	EXPECT_EQ(-EKEYREJECTED, tk_add("psk:gw-other", good, len, self->ring));
	EXPECT_EQ(-ENOKEY, tk_search(self->ring, "psk:gw-other"));
	EXPECT_EQ(-EKEYREJECTED, tk_add("master:" GW, good, len, self->ring));
	EXPECT_EQ(-ENOKEY, tk_search(self->ring, "master:" GW));

	/* another wrapping key under the same name, then none */
	{
		uint8_t w2[32];

		memset(w2, 0x5c, sizeof(w2));
		ASSERT_EQ(0, syscall(__NR_keyctl, KEYCTL_UPDATE, self->wrap, w2, 32));
		REFUSED(-EBADMSG, "another wrapping key", good);
		ASSERT_EQ(0, tk_unlink(self->wrap, self->ring));
		REFUSED(-ENOKEY, "wrapping key absent", good);
	}
#undef REFUSED
}

struct load_arg {
	int32_t ring;
	const char *text;
};

static int load_fn(struct tgenl *t, void *arg)
{
	struct load_arg *a = arg;
	struct fx_ack ack;

	return key_load(t, a->ring, a->text, NULL, &ack);
}

/* KEY_LOAD of text in a child without CAP_SYS_ADMIN (userns: root of a new one) */
static int load_in_child(int32_t ring, const char *text, int userns)
{
	struct load_arg a = { ring, text };

	return fx_unprivileged_call(userns, load_fn, &a);
}

/* An old euk: blob cannot lower the floor: privileged load only, never over. */
TEST_F(blob, held_load_is_privileged)
{
	static char old[TEXT_MAX], chain[TEXT_MAX], psk[TEXT_MAX];
	struct fx_delivery d;
	struct fx_ack ack;
	char line[256];
	uint8_t euk[32];
	int code = -1;

	ASSERT_LT(0, read_load(self->euk, old));
	ASSERT_LT(0, read_load(self->chain, chain));
	ASSERT_LT(0, read_load(self->psk, psk));
	fx_chain_key(&self->c, 2, euk);
	fx_seal_delivery(self->tkb, 32, ENT, 1, 2, 8, euk, &d);
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &d, &code, NULL));
	ASSERT_EQ(CPNS_ACCEPTED, code);

	EXPECT_EQ(-EPERM, tk_add("euk:" ENT, old, strlen(old), self->ring));
	EXPECT_EQ(-EPERM, tk_add("chain:" ENT, chain, strlen(chain), self->ring));
	EXPECT_EQ(-EPERM, load_in_child(self->ring, old, 0)) TH_LOG("no CAP_SYS_ADMIN");
	EXPECT_EQ(-EPERM, load_in_child(self->ring, old, 1)) TH_LOG("root of a user namespace");
	EXPECT_EQ(-EEXIST, key_load(self->t, self->ring, old, NULL, &ack));
	/* renamed to another entity inside the blob: it does not authenticate */
	{
		static char renamed[TEXT_MAX];
		size_t d = 8 + strlen(WRAP) + strlen("euk:" ENT) - 1;

		strcpy(renamed, old);
		poke(renamed, d, 'c');
		EXPECT_EQ(-EBADMSG, key_load(self->t, self->ring, renamed, NULL, &ack));
		EXPECT_EQ(-ENOKEY, tk_held_search("euk:pne-bloc"));
		strcpy(renamed, chain);
		poke(renamed, 5, 5);	/* kind euk:, description chain: */
		EXPECT_EQ(-EINVAL, key_load(self->t, self->ring, renamed, NULL, &ack));
	}
	EXPECT_EQ(-EEXIST, key_load(self->t, self->ring, chain, NULL, &ack));
	EXPECT_EQ(-EINVAL, key_load(self->t, self->ring, psk, NULL, &ack));
	EXPECT_EQ(self->euk, tk_held_search("euk:" ENT));
	ASSERT_EQ(0, tk_proc_keys_line(self->euk, line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line, "E=1 i=2 n=8 ", 12)) TH_LOG("%s", line);
	fx_chain_key(&self->c, 1, euk);
	fx_seal_delivery(self->tkb, 32, ENT, 1, 1, 8, euk, &d);
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &d, &code, NULL));
	EXPECT_EQ(CPNS_REJECT_ROLLBACK, code);
}

/* Rotation: one write of wrap_key; old blobs still load under their own key. */
TEST_F(blob, rotate_wrapping_key)
{
	static char old[TEXT_MAX], text[TEXT_MAX];
	uint8_t w2[48];
	struct opened o;
	int32_t ring2, key;

	ASSERT_LT(0, read_load(self->psk, old));
	memset(w2, 0x77, sizeof(w2));
	ASSERT_LT(0, add_other("user", "cpns-wrap2", w2, sizeof(w2), self->ring));
	EXPECT_EQ(-EINVAL, set_wrap("nosuchtype:x"));
	EXPECT_EQ(-EINVAL, set_wrap("logon:"));
	ASSERT_EQ(0, set_wrap("user:cpns-wrap2"));
	ASSERT_LT(0, read_load(self->psk, text));
	ASSERT_EQ(0, open_text(text, w2, sizeof(w2), &o));
	EXPECT_STREQ("user:cpns-wrap2", o.wrap);
	EXPECT_EQ(0, memcmp(o.pt, self->c.psk, 32));

	ring2 = tk_add_keyring("second", self->ring);
	ASSERT_LT(0, ring2);
	key = tk_add("psk:" GW, old, strlen(old), ring2);
	EXPECT_LT(0, key) TH_LOG("the old blob, under logon:cpns:wrap");
	ASSERT_EQ(0, tk_unlink(self->wrap, self->ring));
	EXPECT_EQ(-ENOKEY, tk_add("psk:" GW, old, strlen(old), ring2));
	EXPECT_EQ(key, tk_search(ring2, "psk:" GW)) TH_LOG("the refused update kept it");
	key = tk_add("psk:" GW, text, strlen(text), ring2);
	EXPECT_LT(0, key) TH_LOG("the new blob, under user:cpns-wrap2");
	EXPECT_EQ(-EINVAL, set_wrap("nosuchtype:x"));
}

static int pne_reset(struct tgenl *t, const char *entity)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_PNE_RESET);

	if (!m || fx_put_id(m, CPNS_A_ENTITY_ID, entity))
		return -ENOMEM;
	return fx_call(t, m, NULL, NULL);
}

/* An encrypted: key wraps too; a wrapping key under 32 bytes does not. */
TEST_F(blob, encrypted_and_short_wrapping_keys)
{
	static const char enc[] = "new default user:cpns-kmk 32";
	static char text[TEXT_MAX], back[TEXT_MAX];
	uint8_t kmk[32], w16[16];
	char line[256];
	struct opened o;
	int32_t key = 0, ro;

	memset(kmk, 0x42, sizeof(kmk));
	ASSERT_LT(0, add_other("user", "cpns-kmk", kmk, sizeof(kmk), self->ring));
	ASSERT_LT(0, add_other("encrypted", "cpns-kek", enc, strlen(enc), self->ring));
	ASSERT_EQ(0, set_wrap("encrypted:cpns-kek"));
	ASSERT_LT(0, read_load(self->euk, text));
	EXPECT_NE(0, open_text(text, self->w, 32, &o)) TH_LOG("not under the logon key");
	EXPECT_STREQ("encrypted:cpns-kek", o.wrap);
	ASSERT_EQ(0, set_wrap(WRAP));

	/* the operator's reset, then the blob under encrypted: brings it back */
	ASSERT_EQ(0, pne_reset(self->t, ENT));
	ASSERT_EQ(-ENOKEY, tk_held_search("euk:" ENT));
	/* Write on the keyring named is needed, as for a mint */
	ro = tk_add_keyring("no-write", self->ring);
	ASSERT_LT(0, ro);
	ASSERT_EQ(0, tk_setperm(ro, 0x3b000000));	/* all but Write */
	EXPECT_EQ(-EACCES, key_load(self->t, ro, text, &key, NULL));
	EXPECT_EQ(-ENOKEY, tk_held_search("euk:" ENT));
	ASSERT_EQ(0, key_load(self->t, self->ring, text, &key, NULL));
	EXPECT_EQ(key, tk_held_search("euk:" ENT));
	ASSERT_EQ(0, tk_proc_keys_line(key, line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line, "E=1 i=1 n=8 ", 12)) TH_LOG("%s", line);

	memset(w16, 0x24, sizeof(w16));
	ASSERT_LT(0, add_other("user", "cpns-short", w16, sizeof(w16), self->ring));
	ASSERT_EQ(0, set_wrap("user:cpns-short"));
	EXPECT_EQ(-EINVAL, read_load(self->psk, back));
}

TEST_HARNESS_MAIN
