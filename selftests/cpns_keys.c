// SPDX-License-Identifier: GPL-2.0
/*
 * The "cpns" key type (kmod/key.c, Documentation/keys.rst) as userspace
 * and the netlink commands see it: payload and description validation,
 * no read-back of any kind of key, public-only describe, update, and the
 * module honouring revoke, invalidate, unlink, timeouts and key
 * permissions exactly as keyctl does.  Each test works in its own
 * network namespace and session keyring (tk_fresh_node()).  chain: and
 * euk: are held keys (in the namespace's store, cpns_held.c): the key
 * operations a test applies here to show how the module honours them are
 * refused on those, which these tests check too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "tkeys.h"
#include "ref.h"
#include "fixture.h"

#ifndef KEY_POS_VIEW
#define KEY_POS_VIEW	0x01000000
#define KEY_POS_READ	0x02000000
#define KEY_POS_WRITE	0x04000000
#define KEY_POS_SEARCH	0x08000000
#define KEY_POS_LINK	0x10000000
#define KEY_POS_SETATTR	0x20000000
#endif

#define GW "gw-keys"
#define USER "alice"
#define ENTITY "pne-0001"
#define MASTER "m1"

/* Secrets with no repeated byte, so that their hex cannot hide in metadata. */
static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + 37 * i + (i >> 3));
}

static int proc_line(int32_t key, char *buf, size_t len)
{
	return tk_proc_keys_line(key, buf, len);
}

/* Poll until keyctl search says want (keys' garbage collection is async). */
static int32_t search_until(int32_t ring, const char *desc, int32_t want)
{
	int32_t r = 0;
	int i;

	for (i = 0; i < 50; i++) {
		r = tk_search(ring, desc);
		if (r == want)
			break;
		usleep(100000);
	}
	return r;
}

FIXTURE(keys) {
	struct tgenl *t;
	int32_t ring;
	uint8_t psk[32], master[32], tk[32];
};

FIXTURE_SETUP(keys)
{
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring) TH_LOG("tk_fresh_keyring: %d", self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t) TH_LOG("tgenl_open: %s", strerror(errno));
	fill(self->psk, sizeof(self->psk), 0x11);
	fill(self->master, sizeof(self->master), 0x5a);
	fill(self->tk, sizeof(self->tk), 0xa3);
}

FIXTURE_TEARDOWN(keys)
{
	tgenl_close(self->t);
}

/* CPNS_CMD_GW_REQUEST for GW in ring; the reply in *req when it succeeds. */
static int gw_request(struct tgenl *t, int32_t ring, struct fx_ack *ack,
		      struct fx_req *req)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	err = fx_call(t, fx_gw_request_msg(t, ring, GW, USER, ENTITY, "pw", NULL),
		      tb, ack);
	return err || !req ? err : fx_req_parse(tb, req);
}

/* Does req open under K_req of psk, with GW's ReqAAD? */
static int req_opens(const uint8_t psk[32], const struct fx_req *req)
{
	uint8_t k[32], aad[REF_AAD_MAX], pt[CPNS_SEALED_MAX];
	size_t aadlen = ref_req_aad(aad, GW, req->rand, req->t);

	ref_k_req(psk, req->rand, k);
	return ref_open(k, aad, aadlen, req->sealed, req->sealed_len, pt) == 0;
}

static int srv_seal_user(struct tgenl *t, int32_t ring, struct fx_ack *ack)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_USER);

	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_MASTER, MASTER);
	fx_put_id(m, CPNS_A_USER_ID, USER);
	nla_put(m, CPNS_A_PASSWORD, 6, "secret");
	return fx_call(t, m, NULL, ack);
}

static int gw_deliver(struct tgenl *t, int32_t ring, struct fx_ack *ack)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_DELIVER);

	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_ENTITY_ID, ENTITY);
	return fx_call(t, m, NULL, ack);
}

static int pne_accept(struct tgenl *t, int32_t ring, const struct fx_delivery *d,
		      struct fx_ack *ack)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_PNE_ACCEPT);

	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_ENTITY_ID, ENTITY);
	nla_put_u32(m, CPNS_A_EPOCH, d->e);
	nla_put_u16(m, CPNS_A_INDEX, d->i);
	nla_put_u16(m, CPNS_A_N, d->n);
	nla_put(m, CPNS_A_CHALLENGE, sizeof(d->challenge), d->challenge);
	nla_put(m, CPNS_A_SEALED, sizeof(d->sealed), d->sealed);
	return fx_call(t, m, NULL, ack);
}

/* A GW chain for ENTITY in ring, with psk:GW = self->psk. */
static int make_chain(struct tgenl *t, int32_t ring, const uint8_t psk[32],
		      struct fx_chain *c)
{
	int32_t k = tk_add("psk:" GW, psk, 32, ring);

	if (k < 0 && k != -EEXIST)
		return k;
	memset(c, 0, sizeof(*c));
	c->gw = GW;
	c->user = USER;
	c->entity = ENTITY;
	memcpy(c->psk, psk, 32);
	c->n = 8;
	c->e = 1;
	fill(c->top, sizeof(c->top), 0x71);
	fill(c->kek, sizeof(c->kek), 0x93);
	return fx_make_chain(t, ring, c);
}

/* euk:ENTITY holding EUKey[i] of a chain with the given top, from tk:ENTITY. */
static int make_euk(struct tgenl *t, int32_t ring, const uint8_t *tk,
		    size_t tklen, const uint8_t top[32], uint16_t i,
		    int32_t *serial)
{
	struct fx_delivery d;
	uint8_t euk[32];
	int code = -1, err;

	ref_chain_key(top, 8, i, euk);
	fx_seal_delivery(tk, tklen, ENTITY, 1, i, 8, euk, &d);
	err = fx_pne_accept(t, ring, ENTITY, &d, &code, serial);
	if (err)
		return err;
	return code == CPNS_ACCEPTED ? 0 : -EPROTO;
}

TEST_F(keys, user_kinds_created_with_valid_lengths)
{
	static const struct { const char *desc; size_t len; } ok[] = {
		{ "psk:" GW, 32 }, { "master:" MASTER, 32 },
		{ "tk:e16", 16 }, { "tk:e17", 17 }, { "tk:e33", 33 },
		{ "tk:e64", 64 },
		{ "psk:A-z.0_:@x", 32 }, /* every kind of identifier byte */
	};
	uint8_t buf[64];
	size_t k;

	fill(buf, sizeof(buf), 1);
	for (k = 0; k < ARRAY_SIZE(ok); k++) {
		int32_t s = tk_add(ok[k].desc, buf, ok[k].len, self->ring);

		EXPECT_LT(0, s) TH_LOG("%s of %zu bytes: %d", ok[k].desc, ok[k].len, s);
		EXPECT_EQ(s, tk_search(self->ring, ok[k].desc)) TH_LOG("%s", ok[k].desc);
	}
}

TEST_F(keys, user_kinds_refuse_bad_lengths)
{
	static const struct { const char *desc; size_t len; } bad[] = {
		{ "psk:" GW, 31 }, { "psk:" GW, 33 }, { "psk:" GW, 0 },
		{ "psk:" GW, 64 },
		{ "master:" MASTER, 31 }, { "master:" MASTER, 33 },
		{ "master:" MASTER, 0 },
		{ "tk:" ENTITY, 15 }, { "tk:" ENTITY, 65 }, { "tk:" ENTITY, 0 },
		{ "tk:" ENTITY, 1 },
	};
	uint8_t buf[128];
	size_t k;

	fill(buf, sizeof(buf), 2);
	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		int32_t s = tk_add(bad[k].desc, bad[k].len ? buf : NULL,
				   bad[k].len, self->ring);

		EXPECT_EQ(-EINVAL, s) TH_LOG("%s of %zu bytes", bad[k].desc, bad[k].len);
		EXPECT_EQ(-ENOKEY, tk_search(self->ring, bad[k].desc))
			TH_LOG("%s of %zu bytes left a key", bad[k].desc, bad[k].len);
	}
}

TEST_F(keys, bad_descriptions_refused)
{
	char id65[4 + 65 + 1], master65[7 + 65 + 1];
	const char *bad[] = {
		"psk:", "tk:", "master:", "psk:bad id", "foo:x", "psk", "",
		"tk:a/b", "PSK:gw", "psk:gw\t", id65, master65, "psk:é",
	};
	uint8_t buf[32];
	size_t k;

	snprintf(id65, sizeof(id65), "psk:%065d", 0);
	snprintf(master65, sizeof(master65), "master:%065d", 0);
	fill(buf, sizeof(buf), 3);
	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		EXPECT_EQ(-EINVAL, tk_add(bad[k], buf, sizeof(buf), self->ring))
			TH_LOG("description \"%s\"", bad[k]);
		EXPECT_EQ(-ENOKEY, tk_search(self->ring, bad[k]))
			TH_LOG("description \"%s\" left a key", bad[k]);
	}
	/* 64 bytes is the longest identifier */
	id65[strlen(id65) - 1] = '\0';
	EXPECT_LT(0, tk_add(id65, buf, sizeof(buf), self->ring)) TH_LOG("%s", id65);
}

/* key.c: chain: and euk: are minted by the module only: EPERM from add_key. */
TEST_F(keys, minted_kinds_refused_from_userspace)
{
	const char *desc[] = { "chain:x", "euk:x", "chain:" ENTITY, "euk:" ENTITY };
	static const size_t lens[] = { 0, 1, 32, 70, 256 };
	uint8_t buf[256];
	size_t k, l;

	fill(buf, sizeof(buf), 4);
	for (k = 0; k < ARRAY_SIZE(desc); k++) {
		for (l = 0; l < ARRAY_SIZE(lens); l++)
			EXPECT_EQ(-EPERM, tk_add(desc[k], lens[l] ? buf : NULL,
						 lens[l], self->ring))
				TH_LOG("%s with %zu bytes", desc[k], lens[l]);
		EXPECT_EQ(-ENOKEY, tk_search(self->ring, desc[k])) TH_LOG("%s", desc[k]);
	}
}

/*
 * keyctl update of a minted key with user bytes: refused, payload kept;
 * EACCES, as a held key grants no Write (the type would say EPERM).
 */
TEST_F(keys, minted_kinds_refuse_user_update)
{
	struct fx_chain c;
	int32_t euk = 0;
	char want[128], line[256];
	uint8_t buf[256];

	ASSERT_EQ(0, make_chain(self->t, self->ring, self->psk, &c));
	fx_chain_describe(&c, 0, want, sizeof(want));
	fill(buf, sizeof(buf), 5);
	EXPECT_EQ(-EACCES, tk_update(c.serial, buf, 32));
	EXPECT_EQ(-EACCES, tk_update(c.serial, buf, sizeof(buf)));
	ASSERT_EQ(0, proc_line(c.serial, line, sizeof(line)));
	EXPECT_STREQ(want, line);

	ASSERT_LT(0, tk_add("tk:" ENTITY, self->tk, sizeof(self->tk), self->ring));
	ASSERT_EQ(0, make_euk(self->t, self->ring, self->tk, sizeof(self->tk),
			      c.top, 3, &euk));
	ASSERT_LT(0, euk);
	EXPECT_EQ(-EACCES, tk_update(euk, buf, 32));
	EXPECT_EQ(0, proc_line(euk, line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line, "E=1 i=3 n=8 id=", 15)) TH_LOG("%s", line);
}

static int leaks(const char *s, const uint8_t *secret, size_t len);

/*
 * keyctl read/print/pipe give the sealed blob (keys.rst, "Sealed blobs"):
 * ENOKEY without the wrapping key, hex with no run of the secret with it.
 */
TEST_F(keys, read_gives_only_the_sealed_blob)
{
	struct fx_chain c;
	int32_t keys[5], euk = 0;
	const char *what[] = { "psk", "tk", "master", "chain", "euk" };
	uint8_t wrap[32], euk1[32];
	char buf[1024];
	long size;
	size_t k;

	keys[0] = tk_add("psk:" GW, self->psk, 32, self->ring);
	keys[1] = tk_add("tk:" ENTITY, self->tk, sizeof(self->tk), self->ring);
	keys[2] = tk_add("master:" MASTER, self->master, 32, self->ring);
	ASSERT_EQ(0, make_chain(self->t, self->ring, self->psk, &c));
	keys[3] = c.serial;
	ASSERT_EQ(0, make_euk(self->t, self->ring, self->tk, sizeof(self->tk),
			      c.top, 1, &euk));
	keys[4] = euk;

	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		ASSERT_LT(0, keys[k]) TH_LOG("%s", what[k]);
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(-ENOKEY, tk_read(keys[k], buf, sizeof(buf)))
			TH_LOG("keyctl read of the %s key, no wrapping key", what[k]);
		/* keyctl print/pipe size the buffer first: that answers */
		EXPECT_LT(0, tk_read(keys[k], NULL, 0))
			TH_LOG("keyctl read (size) of the %s key", what[k]);
	}

	fill(wrap, sizeof(wrap), 0x3c);
	ASSERT_LT(0, syscall(__NR_add_key, "logon", "cpns:wrap", wrap,
			     sizeof(wrap), self->ring));
	ref_chain_key(c.top, 8, 1, euk1);
	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		memset(buf, 0, sizeof(buf));
		size = tk_read(keys[k], buf, sizeof(buf) - 1);
		ASSERT_LT(0, size) TH_LOG("%s", what[k]);
		ASSERT_GT((long)sizeof(buf) - 1, size);
		EXPECT_EQ(size, (long)strspn(buf, "0123456789abcdef")) TH_LOG("%s", what[k]);
		EXPECT_EQ(0, strncmp(buf, "43504e4b01", 10)) TH_LOG("%s: %.16s", what[k], buf);
		EXPECT_FALSE(leaks(buf, self->psk, 32));
		EXPECT_FALSE(leaks(buf, self->tk, sizeof(self->tk)));
		EXPECT_FALSE(leaks(buf, self->master, 32));
		EXPECT_FALSE(leaks(buf, c.top, 32));
		EXPECT_FALSE(leaks(buf, c.kek, 32));
		EXPECT_FALSE(leaks(buf, euk1, 32));
	}
}

/* No hex of any secret in s. */
static int leaks(const char *s, const uint8_t *secret, size_t len)
{
	char hex[2 * 64 + 1], half[2 * 8 + 1];
	size_t off;

	ref_hex(secret, len, hex);
	if (strcasestr(s, hex))
		return 1;
	/* nor any 8-byte run of it */
	for (off = 0; off + 8 <= len; off++) {
		ref_hex(secret + off, 8, half);
		if (strcasestr(s, half))
			return 1;
	}
	return 0;
}

TEST_F(keys, describe_shows_public_metadata_only)
{
	uint8_t tk20[20], euk1[32], euk_i[32], chain_id[16];
	char line[512], desc[512], want[256], hex[33];
	struct fx_chain c;
	int32_t psk, tk, master, euk = 0;

	fill(tk20, sizeof(tk20), 0xc4);
	psk = tk_add("psk:" GW, self->psk, 32, self->ring);
	tk = tk_add("tk:" ENTITY, tk20, sizeof(tk20), self->ring);
	master = tk_add("master:" MASTER, self->master, 32, self->ring);
	ASSERT_LT(0, psk);
	ASSERT_LT(0, tk);
	ASSERT_LT(0, master);
	ASSERT_EQ(0, make_chain(self->t, self->ring, self->psk, &c));
	ASSERT_EQ(0, make_euk(self->t, self->ring, tk20, sizeof(tk20), c.top, 2, &euk));
	ASSERT_LT(0, euk);

	ASSERT_EQ(0, proc_line(psk, line, sizeof(line)));
	EXPECT_STREQ("32 bytes", line);
	ASSERT_EQ(0, proc_line(tk, line, sizeof(line)));
	EXPECT_STREQ("20 bytes", line);
	ASSERT_EQ(0, proc_line(master, line, sizeof(line)));
	EXPECT_STREQ("32 bytes", line);
	ASSERT_EQ(0, proc_line(c.serial, line, sizeof(line)));
	fx_chain_describe(&c, 0, want, sizeof(want));
	EXPECT_STREQ(want, line);
	ASSERT_EQ(0, proc_line(euk, line, sizeof(line)));
	ref_chain_key(c.top, 8, 1, euk1);
	ref_chain_id(euk1, chain_id);
	ref_hex(chain_id, 16, hex);
	snprintf(want, sizeof(want), "E=1 i=2 n=8 id=%s", hex);
	EXPECT_STREQ(want, line);

	/* keyctl describe: "cpns;uid;gid;perm;description", nothing more */
	ASSERT_LT(0, tk_describe(psk, desc, sizeof(desc)));
	EXPECT_EQ(0, strncmp(desc, "cpns;", 5)) TH_LOG("%s", desc);
	EXPECT_NE(NULL, strstr(desc, ";psk:" GW)) TH_LOG("%s", desc);
	ASSERT_LT(0, tk_describe(c.serial, desc, sizeof(desc)));
	EXPECT_NE(NULL, strstr(desc, ";chain:" ENTITY)) TH_LOG("%s", desc);

	/* never a key byte, in any of them */
	ref_chain_key(c.top, 8, 2, euk_i);
	{
		const int32_t all[] = { psk, tk, master, c.serial, euk };
		const struct { const uint8_t *p; size_t len; const char *what; } sec[] = {
			{ self->psk, 32, "PSK1" }, { tk20, sizeof(tk20), "TK" },
			{ self->master, 32, "master" }, { c.top, 32, "EUKey[n]" },
			{ c.kek, 32, "KEK_E" }, { euk1, 32, "EUKey[1]" },
			{ euk_i, 32, "EUKey[2]" },
		};
		size_t a, s;

		for (a = 0; a < ARRAY_SIZE(all); a++) {
			ASSERT_EQ(0, proc_line(all[a], line, sizeof(line)));
			ASSERT_LT(0, tk_describe(all[a], desc, sizeof(desc)));
			for (s = 0; s < ARRAY_SIZE(sec); s++) {
				EXPECT_FALSE(leaks(line, sec[s].p, sec[s].len))
					TH_LOG("/proc/keys of %d shows %s: %s",
					       all[a], sec[s].what, line);
				EXPECT_FALSE(leaks(desc, sec[s].p, sec[s].len))
					TH_LOG("describe of %d shows %s: %s",
					       all[a], sec[s].what, desc);
			}
		}
	}
}

TEST_F(keys, update_psk_takes_effect)
{
	uint8_t newpsk[32], buf[33];
	struct fx_req req;
	struct fx_ack ack;
	char line[128];
	int32_t psk;

	fill(newpsk, sizeof(newpsk), 0xe7);
	psk = tk_add("psk:" GW, self->psk, 32, self->ring);
	ASSERT_LT(0, psk);
	ASSERT_EQ(0, gw_request(self->t, self->ring, &ack, &req)) TH_LOG("%s", ack.msg);
	EXPECT_TRUE(req_opens(self->psk, &req));

	ASSERT_EQ(0, tk_update(psk, newpsk, sizeof(newpsk)));
	ASSERT_EQ(0, proc_line(psk, line, sizeof(line)));
	EXPECT_STREQ("32 bytes", line);
	ASSERT_EQ(0, gw_request(self->t, self->ring, &ack, &req)) TH_LOG("%s", ack.msg);
	EXPECT_TRUE(req_opens(newpsk, &req)) TH_LOG("request not under the new PSK1");
	EXPECT_FALSE(req_opens(self->psk, &req)) TH_LOG("request still under the old PSK1");

	/* a bad update changes nothing */
	fill(buf, sizeof(buf), 0x01);
	EXPECT_EQ(-EINVAL, tk_update(psk, buf, 31));
	EXPECT_EQ(-EINVAL, tk_update(psk, buf, 33));
	EXPECT_EQ(-EINVAL, tk_update(psk, NULL, 0));
	ASSERT_EQ(0, gw_request(self->t, self->ring, &ack, &req)) TH_LOG("%s", ack.msg);
	EXPECT_TRUE(req_opens(newpsk, &req)) TH_LOG("a refused update changed PSK1");
}

TEST_F(keys, update_tk_and_master_lengths)
{
	int32_t tk, master;
	uint8_t buf[65];

	fill(buf, sizeof(buf), 0x21);
	tk = tk_add("tk:" ENTITY, buf, 16, self->ring);
	master = tk_add("master:" MASTER, buf, 32, self->ring);
	ASSERT_LT(0, tk);
	ASSERT_LT(0, master);
	EXPECT_EQ(0, tk_update(tk, buf, 64));
	EXPECT_EQ(-EINVAL, tk_update(tk, buf, 65));
	EXPECT_EQ(-EINVAL, tk_update(tk, buf, 15));
	EXPECT_EQ(0, tk_update(master, buf, 32));
	EXPECT_EQ(-EINVAL, tk_update(master, buf, 16));
	{
		char line[64];

		ASSERT_EQ(0, proc_line(tk, line, sizeof(line)));
		EXPECT_STREQ("64 bytes", line);
	}
}

/* Revoked: every command that needs the key says EKEYREVOKED, as keyctl search does. */
TEST_F(keys, revoked_keys_refused)
{
	struct fx_chain c;
	struct fx_delivery d;
	struct fx_ack ack;
	uint8_t euk[32];
	char blob[1024];
	int32_t psk, tk, master, euk_key = 0;

	ASSERT_EQ(0, make_chain(self->t, self->ring, self->psk, &c));
	psk = tk_search(self->ring, "psk:" GW);
	tk = tk_add("tk:" ENTITY, self->tk, sizeof(self->tk), self->ring);
	master = tk_add("master:" MASTER, self->master, 32, self->ring);
	ASSERT_LT(0, psk);
	ASSERT_LT(0, tk);
	ASSERT_LT(0, master);
	ASSERT_EQ(0, make_euk(self->t, self->ring, self->tk, sizeof(self->tk),
			      c.top, 1, &euk_key));

	/* psk: */
	ASSERT_EQ(0, tk_revoke(psk));
	EXPECT_EQ(-EKEYREVOKED, tk_search(self->ring, "psk:" GW));
	EXPECT_EQ(-EKEYREVOKED, gw_request(self->t, self->ring, &ack, NULL));
	EXPECT_STREQ("psk: key revoked", ack.msg);

	/* master: */
	ASSERT_EQ(0, srv_seal_user(self->t, self->ring, &ack)) TH_LOG("%s", ack.msg);
	ASSERT_EQ(0, tk_revoke(master));
	EXPECT_EQ(-EKEYREVOKED, tk_search(self->ring, "master:" MASTER));
	EXPECT_EQ(-EKEYREVOKED, srv_seal_user(self->t, self->ring, &ack));
	EXPECT_STREQ("master: key revoked", ack.msg);

	/* euk: (held key of the PNE) refuses revoke; tk: does not */
	ref_chain_key(c.top, 8, 2, euk);
	fx_seal_delivery(self->tk, sizeof(self->tk), ENTITY, 1, 2, 8, euk, &d);
	EXPECT_EQ(-EACCES, tk_revoke(euk_key));
	EXPECT_EQ(euk_key, tk_held_search("euk:" ENTITY));
	ASSERT_EQ(0, tk_revoke(tk));
	EXPECT_EQ(-EKEYREVOKED, tk_search(self->ring, "tk:" ENTITY));
	EXPECT_EQ(-EKEYREVOKED, pne_accept(self->t, self->ring, &d, &ack));
	EXPECT_STREQ("tk: key revoked", ack.msg);

	/* chain: refuses revoke too, and still delivers; no blob without a wrapping key */
	EXPECT_EQ(-EACCES, tk_revoke(c.serial));
	EXPECT_EQ(c.serial, tk_held_search("chain:" ENTITY));
	EXPECT_EQ(0, gw_deliver(self->t, self->ring, &ack)) TH_LOG("%s", ack.msg);
	EXPECT_EQ(-ENOKEY, tk_read(c.serial, blob, sizeof(blob)));
}

TEST_F(keys, invalidated_key_not_found)
{
	struct fx_chain c;
	struct fx_ack ack;
	int32_t psk;

	ASSERT_EQ(0, make_chain(self->t, self->ring, self->psk, &c));
	psk = tk_search(self->ring, "psk:" GW);
	ASSERT_LT(0, psk);

	ASSERT_EQ(0, tk_invalidate(psk));
	ASSERT_EQ(-ENOKEY, search_until(self->ring, "psk:" GW, -ENOKEY));
	EXPECT_EQ(-ENOKEY, gw_request(self->t, self->ring, &ack, NULL));
	EXPECT_STREQ("psk: key not found", ack.msg);

	/* a held key refuses it (KEY_FLAG_KEEP) and stays */
	EXPECT_EQ(-EPERM, tk_invalidate(c.serial));
	usleep(300000);
	EXPECT_EQ(c.serial, tk_held_search("chain:" ENTITY));
	EXPECT_EQ(0, gw_deliver(self->t, self->ring, &ack)) TH_LOG("%s", ack.msg);
}

TEST_F(keys, unlinked_key_not_found)
{
	struct fx_chain c;
	struct fx_ack ack;
	int32_t psk;

	ASSERT_EQ(0, make_chain(self->t, self->ring, self->psk, &c));
	psk = tk_search(self->ring, "psk:" GW);
	ASSERT_LT(0, psk);

	ASSERT_EQ(0, tk_unlink(psk, self->ring));
	EXPECT_EQ(-ENOKEY, tk_search(self->ring, "psk:" GW));
	EXPECT_EQ(-ENOKEY, gw_request(self->t, self->ring, &ack, NULL));
	EXPECT_STREQ("psk: key not found", ack.msg);

	/* a held key is not linked in the caller's keyring, and stays */
	EXPECT_EQ(-ENOENT, tk_unlink(c.serial, self->ring));
	EXPECT_EQ(c.serial, tk_held_search("chain:" ENTITY));
	EXPECT_EQ(0, gw_deliver(self->t, self->ring, &ack)) TH_LOG("%s", ack.msg);
}

TEST_F(keys, expired_key_refused)
{
	struct fx_chain c;
	struct fx_ack ack;
	int32_t psk;

	ASSERT_EQ(0, make_chain(self->t, self->ring, self->psk, &c));
	psk = tk_search(self->ring, "psk:" GW);
	ASSERT_LT(0, psk);
	ASSERT_EQ(0, tk_set_timeout(psk, 1));
	/* a held key grants no Setattr: no timeout, it never expires */
	EXPECT_EQ(-EACCES, tk_set_timeout(c.serial, 1));
	sleep(2);
	EXPECT_EQ(-EKEYEXPIRED, tk_search(self->ring, "psk:" GW));
	EXPECT_EQ(-EKEYEXPIRED, gw_request(self->t, self->ring, &ack, NULL));
	EXPECT_STREQ("psk: key expired", ack.msg);
	EXPECT_EQ(c.serial, tk_held_search("chain:" ENTITY));
	EXPECT_EQ(0, gw_deliver(self->t, self->ring, &ack)) TH_LOG("%s", ack.msg);
}

/*
 * A keyring given by serial that the caller may not search (every
 * permission bit cleared, possessor's too, which binds root as well):
 * keyctl search says EACCES, so does cpns.
 */
TEST_F(keys, unsearchable_keyring_refused_like_keyctl)
{
	struct fx_ack ack;
	int32_t locked;

	locked = tk_add_keyring("locked", self->ring);
	ASSERT_LT(0, locked);
	ASSERT_LT(0, tk_add("psk:" GW, self->psk, 32, locked));
	ASSERT_LT(0, tk_search(locked, "psk:" GW));
	ASSERT_EQ(0, gw_request(self->t, locked, &ack, NULL)) TH_LOG("%s", ack.msg);

	ASSERT_EQ(0, tk_setperm(locked, 0));
	EXPECT_EQ(-EACCES, tk_search(locked, "psk:" GW));
	EXPECT_EQ(-EACCES, gw_request(self->t, locked, &ack, NULL));
	EXPECT_STREQ("keyring not found or not searchable", ack.msg);
	EXPECT_EQ(CPNS_A_KEYRING, ack.bad_attr);
}

/* A searchable keyring linking one that is not: the key inside is not found. */
TEST_F(keys, key_in_unsearchable_nested_keyring_like_keyctl)
{
	struct fx_ack ack;
	int32_t inner, ks;

	inner = tk_add_keyring("inner", self->ring);
	ASSERT_LT(0, inner);
	ASSERT_LT(0, tk_add("psk:" GW, self->psk, 32, inner));
	ASSERT_LT(0, tk_search(self->ring, "psk:" GW));
	ASSERT_EQ(0, gw_request(self->t, self->ring, &ack, NULL)) TH_LOG("%s", ack.msg);

	ASSERT_EQ(0, tk_setperm(inner, KEY_POS_VIEW | KEY_POS_SETATTR));
	ks = tk_search(self->ring, "psk:" GW);
	EXPECT_EQ(-ENOKEY, ks);
	EXPECT_EQ(ks, gw_request(self->t, self->ring, &ack, NULL));
}

/* The key itself without Search permission: EACCES from both. */
TEST_F(keys, unsearchable_key_refused_like_keyctl)
{
	struct fx_ack ack;
	int32_t psk, ks;

	psk = tk_add("psk:" GW, self->psk, 32, self->ring);
	ASSERT_LT(0, psk);
	ASSERT_EQ(0, tk_setperm(psk, KEY_POS_VIEW | KEY_POS_SETATTR));
	ks = tk_search(self->ring, "psk:" GW);
	EXPECT_EQ(-EACCES, ks);
	EXPECT_EQ(ks, gw_request(self->t, self->ring, &ack, NULL));
	EXPECT_NE(0, ack.msg[0]);
}

/*
 * Output keys need Write on the keyring: a response into a keyring the
 * caller may search but not write fails as add_key does (EACCES), and
 * creates nothing; the request stays outstanding.
 */
TEST_F(keys, unwritable_keyring_refuses_chain_like_add_key)
{
	uint8_t sealed[CPNS_SEALED_MAX], top[32], kek[32];
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_req req;
	struct fx_ack ack;
	struct nl_msg *m;
	int32_t ro;
	size_t len;
	int pass;

	ro = tk_add_keyring("readonly", self->ring);
	ASSERT_LT(0, ro);
	ASSERT_LT(0, tk_add("psk:" GW, self->psk, 32, ro));
	ASSERT_EQ(0, gw_request(self->t, ro, &ack, &req)) TH_LOG("%s", ack.msg);
	fill(top, 32, 9);
	fill(kek, 32, 10);
	len = fx_seal_ok_response(self->psk, GW, USER, ENTITY, &req, 8, top, 1,
				  kek, sealed);
	ASSERT_EQ(0, tk_setperm(ro, KEY_POS_VIEW | KEY_POS_SEARCH | KEY_POS_SETATTR));
	EXPECT_EQ(-EACCES, tk_add("tk:x", top, 32, ro));

	for (pass = 0; pass < 2; pass++) {
		m = tgenl_msg(self->t, CPNS_CMD_GW_RESPONSE);
		nla_put_s32(m, CPNS_A_KEYRING, ro);
		fx_put_id(m, CPNS_A_GW_ID, GW);
		fx_put_id(m, CPNS_A_USER_ID, USER);
		fx_put_id(m, CPNS_A_ENTITY_ID, ENTITY);
		nla_put(m, CPNS_A_RAND, 32, req.rand);
		nla_put_u64(m, CPNS_A_TIME, req.t);
		nla_put_u8(m, CPNS_A_STATUS, CPNS_OK);
		nla_put(m, CPNS_A_SEALED, len, sealed);
		if (!pass) {
			EXPECT_EQ(-EACCES, fx_call(self->t, m, tb, &ack));
			EXPECT_EQ(-ENOKEY, tk_held_search("chain:" ENTITY));
			/* give Write back: the same response now goes in */
			ASSERT_EQ(0, tk_setperm(ro, KEY_POS_VIEW | KEY_POS_SEARCH |
						KEY_POS_WRITE | KEY_POS_SETATTR));
		} else {
			EXPECT_EQ(0, fx_call(self->t, m, tb, &ack)) TH_LOG("%s", ack.msg);
			EXPECT_LT(0, tk_held_search("chain:" ENTITY));
		}
	}
}

/*
 * Become uid (and gid) 1000 keeping only CAP_NET_ADMIN, in a new session
 * keyring: the cpns commands are open to this process, the keys of root's
 * session are not (it no longer possesses them).  0 or -errno.
 */
static int become_other_user_with_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) ||
	    setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return -errno;
	data[0].effective = data[0].permitted = 1u << CAP_NET_ADMIN;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	if (syscall(__NR_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
		return -errno;
	return 0;
}

/*
 * Another user with CAP_NET_ADMIN: root's keyring, given by serial, is
 * refused by cpns exactly as by keyctl search (EACCES: "other" has no
 * permission on it and the caller does not possess it); the same user's
 * own keyring and psk: work.
 */
TEST_F(keys, other_user_with_net_admin_refused_like_keyctl)
{
	int fds[2], status;
	int32_t res[4] = { 1, 1, 1, 1 };
	pid_t pid;

	ASSERT_LT(0, tk_add("psk:" GW, self->psk, 32, self->ring));
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct tgenl *t;
		struct fx_ack ack;
		int32_t own;

		close(fds[0]);
		res[0] = become_other_user_with_net_admin();
		t = res[0] ? NULL : tgenl_open();
		if (t) {
			res[1] = tk_search(self->ring, "psk:" GW);
			res[2] = gw_request(t, self->ring, &ack, NULL);
			own = tk_fresh_keyring();
			res[3] = own < 0 ? own :
				 tk_add("psk:" GW, self->psk, 32, own) < 0 ? -EIO :
				 gw_request(t, own, &ack, NULL);
			tgenl_close(t);
		} else if (!res[0]) {
			res[0] = -errno;
		}
		if (write(fds[1], res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(res), read(fds[0], res, sizeof(res)));
	close(fds[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, res[0]) TH_LOG("could not become uid 1000 with CAP_NET_ADMIN");
	EXPECT_EQ(-EACCES, res[1]) TH_LOG("keyctl search of root's keyring as uid 1000");
	EXPECT_EQ(res[1], res[2]) TH_LOG("cpns with root's keyring as uid 1000");
	EXPECT_EQ(0, res[3]) TH_LOG("cpns with uid 1000's own keyring");
}

TEST_HARNESS_MAIN
