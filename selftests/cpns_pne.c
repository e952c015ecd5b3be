// SPDX-License-Identifier: GPL-2.0
/*
 * The PNE acceptance rules (profile 6) and the GW's delivery ordering
 * (profile 5, 7), with the test playing the other side through the
 * independent userspace reference (lib/ref.h): every outcome of profile 6
 * in the order of its rules, asserted with CPNS_A_CODE, CPNS_A_ACCEPT_KIND
 * and CPNS_A_CONFIRM, and the held euk: key read back from /proc/keys after
 * each step; the GW's deliver/confirm state machine; and races (two
 * acceptances, two deliveries, a delivery racing a revoke) whose every
 * round must end in one of the legal outcomes, never a torn state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fixture.h"
#include "tkeys.h"

#define ENT "pne-0001"
#define ENT2 "pne-0002"

/* The held key's /proc/keys metadata, or "none" (the store: any keyring). */
static void held_line(int32_t ring, const char *entity, char *buf, size_t len)
{
	char desc[100];
	int32_t k;

	(void)ring;
	snprintf(desc, sizeof(desc), "euk:%s", entity);
	k = tk_held_search(desc);
	if (k < 0 || tk_proc_keys_line(k, buf, len) < 0)
		snprintf(buf, len, "none");
}

FIXTURE(pne) {
	struct tgenl *t;
	int32_t ring;
	uint8_t tk[32];
	char before[200];
};

FIXTURE_SETUP(pne)
{
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	fx_random(self->tk, sizeof(self->tk));
	ASSERT_LT(0, tk_add("tk:" ENT, self->tk, sizeof(self->tk), self->ring));
}

FIXTURE_TEARDOWN(pne)
{
	if (self->t)
		tgenl_close(self->t);
}

#define ACCEPT(d, a) fx_accept_del(self->t, self->ring, (d), (a))

/* A rejection with exactly this code; the held key is exactly as before. */
#define ASSERT_REJECT(d, want)							\
	do {									\
		struct fx_accept __a;							\
		char __l[200];							\
		held_line(self->ring, ENT, self->before, sizeof(self->before));\
		ACCEPT((d), &__a);						\
		ASSERT_EQ(0, __a.err) TH_LOG("ext: %s", __a.ext);		\
		ASSERT_TRUE(__a.has_code);					\
		ASSERT_EQ((want), __a.code);					\
		ASSERT_FALSE(__a.has_kind);					\
		ASSERT_FALSE(__a.has_confirm);					\
		ASSERT_FALSE(__a.has_serial);					\
		held_line(self->ring, ENT, __l, sizeof(__l));			\
		ASSERT_STREQ(self->before, __l);				\
	} while (0)

/*
 * An acceptance of kind; Confirm equals the reference's over this
 * delivery's challenge; the held key is then "E=e i=i n=n id=<chain c>"
 * (for a repeat: unchanged, which is the same line).
 */
#define ASSERT_ACCEPT(d, c, want_kind)						\
	do {									\
		struct fx_accept __a;							\
		uint8_t __euk[32], __cf[32];					\
		char __l[200], __w[200];					\
		int32_t __k;							\
		held_line(self->ring, ENT, self->before, sizeof(self->before));\
		ACCEPT((d), &__a);						\
		ASSERT_EQ(0, __a.err) TH_LOG("ext: %s", __a.ext);		\
		ASSERT_TRUE(__a.has_code);					\
		ASSERT_EQ(CPNS_ACCEPTED, __a.code);				\
		ASSERT_TRUE(__a.has_kind);					\
		ASSERT_EQ((want_kind), __a.kind);				\
		ASSERT_TRUE(__a.has_confirm);					\
		fx_chain_key((c), (d)->i, __euk);					\
		ref_confirm(__euk, (d)->entity, (d)->e, (d)->i,			\
			    (d)->challenge, __cf);				\
		ASSERT_EQ(0, memcmp(__cf, __a.confirm, 32));			\
		__k = tk_held_search("euk:" ENT);			\
		ASSERT_LT(0, __k);						\
		ASSERT_TRUE(__a.has_serial);					\
		ASSERT_EQ(__k, __a.serial);					\
		held_line(self->ring, ENT, __l, sizeof(__l));			\
		fx_euk_describe((c), (d)->e, (d)->i, (d)->n, __w, sizeof(__w));	\
		ASSERT_STREQ(__w, __l);						\
		if ((want_kind) == CPNS_ACCEPT_REPEAT)				\
			ASSERT_STREQ(self->before, __l);			\
	} while (0)

/* Rule 1: not this PNE's EntityID (no tk: for it). */
TEST_F(pne, reject_entity)
{
	struct fx_del d;
	struct fx_chain c;
	uint8_t other[32];

	fx_chain_random(&c, 1, 8);
	fx_random(other, sizeof(other));
	/* validly sealed for pne-0002, whose TK this PNE does not hold */
	fx_del_make(&d, other, sizeof(other), ENT2, &c, 1);
	ASSERT_REJECT(&d, CPNS_REJECT_ENTITY);
	ASSERT_EQ(-ENOKEY, tk_held_search("euk:" ENT2));
	/* rule 1 before rule 2 and 3 */
	d.i = 0;
	ASSERT_REJECT(&d, CPNS_REJECT_ENTITY);
	d.sealed[20] ^= 1;
	ASSERT_REJECT(&d, CPNS_REJECT_ENTITY);

	/* with a key held for this entity: unchanged */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 2);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_FIRST);
	fx_del_make(&d, other, sizeof(other), ENT2, &c, 3);
	ASSERT_REJECT(&d, CPNS_REJECT_ENTITY);
	ASSERT_EQ(-ENOKEY, tk_held_search("euk:" ENT2));
}

/* Rule 2: not 1 <= i <= n. */
TEST_F(pne, reject_range)
{
	struct fx_del d;
	struct fx_chain c;
	uint8_t kek[32], euk[32];

	fx_chain_random(&c, 1, 8);
	ref_kek(self->tk, sizeof(self->tk), ENT, 1, kek);
	fx_chain_key(&c, 8, euk);

	/* i = 0, validly sealed for its AAD */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 1);
	d.i = 0;
	fx_del_seal(&d, kek, ENT, euk, 32);
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
	/* i = n + 1, validly sealed */
	d.i = 9;
	fx_del_seal(&d, kek, ENT, euk, 32);
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
	/* rule 2 before rule 3 */
	d.sealed[15] ^= 1;
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
	/* n = 0 */
	d.i = 1;
	d.n = 0;
	fx_del_seal(&d, kek, ENT, euk, 32);
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
	d.i = 0;
	fx_del_seal(&d, kek, ENT, euk, 32);
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
	ASSERT_EQ(-ENOKEY, tk_held_search("euk:" ENT));

	/* with a key held: unchanged */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 3);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_FIRST);
	d.i = 0;
	fx_del_seal(&d, kek, ENT, euk, 32);
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
	d.i = 9;
	fx_del_seal(&d, kek, ENT, euk, 32);
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
	d.e = 2;	/* a would-be new epoch, out of range */
	ASSERT_REJECT(&d, CPNS_REJECT_RANGE);
}

/* Rule 3: OPEN fails, or the plaintext is not 32 bytes. */
static void reject_open_cases(struct __test_metadata *_metadata,
			      FIXTURE_DATA(pne) *self, const struct fx_chain *c)
{
	uint8_t kek[32], wrong_tk[32], pt[33];
	struct fx_del d, d2;
	size_t k;

	ref_kek(self->tk, sizeof(self->tk), ENT, c->e, kek);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, c, 5);
	/* a bit flipped in nonce, ciphertext, tag */
	for (k = 0; k < d.sealed_len; k += 5) {
		d2 = d;
		d2.sealed[k] ^= 0x10;
		ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	}
	/* truncated, extended */
	d2 = d;
	d2.sealed_len--;
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	d2 = d;
	d2.sealed[d2.sealed_len++] = 0;
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	/* under another TK */
	fx_random(wrong_tk, sizeof(wrong_tk));
	fx_del_make(&d2, wrong_tk, sizeof(wrong_tk), ENT, c, 5);
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	/* under KEK_E of this TK but another entity's name */
	fx_del_make(&d2, self->tk, sizeof(self->tk), ENT2, c, 5);
	snprintf(d2.entity, sizeof(d2.entity), ENT);
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	/* the wire's E, i or n differ from the sealed ones */
	d2 = d;
	d2.e = c->e + 1;
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	if (c->e > 1) {
		d2 = d;
		d2.e = c->e - 1;
		ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	}
	d2 = d;
	d2.i = 6;
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	d2 = d;
	d2.n = c->n + 1;
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	/* sealed under the right KEK_E and DelAAD, 31 and 33 bytes, and 0 */
	fx_random(pt, sizeof(pt));
	d2 = d;
	fx_del_seal(&d2, kek, ENT, pt, 31);
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	fx_del_seal(&d2, kek, ENT, pt, 33);
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	fx_del_seal(&d2, kek, ENT, pt, 0);
	ASSERT_REJECT(&d2, CPNS_REJECT_OPEN);
	/* the untampered delivery opens (a control) */
	d2 = d;
	(void)d2;
}

TEST_F(pne, reject_open)
{
	struct fx_del d;
	struct fx_chain c;

	fx_chain_random(&c, 3, 8);
	reject_open_cases(_metadata, self, &c);
	ASSERT_EQ(-ENOKEY, tk_held_search("euk:" ENT));
	/* held E=3 i=2: rule 3 comes before the rollback/link rules */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 2);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_FIRST);
	reject_open_cases(_metadata, self, &c);
	{
		/* a tampered delivery of an older epoch is REJECT_OPEN */
		struct fx_chain old;

		fx_chain_random(&old, 2, 8);
		fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &old, 4);
		d.sealed[30] ^= 4;
		ASSERT_REJECT(&d, CPNS_REJECT_OPEN);
	}
	/* the genuine delivery is still accepted afterwards */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 5);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_RENEWAL);
}

/* Rule 4 (nothing held) and rule 6: renewal and repeat. */
TEST_F(pne, first_renewal_repeat)
{
	struct fx_del d, d2;
	struct fx_chain c;
	struct fx_accept a1, a2;
	uint8_t euk[32], cf[32];
	char l1[200], l2[200];

	fx_chain_random(&c, 1, 8);
	/* first key at any index */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 3);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_FIRST);

	/* lost acknowledgement: the same i again, a new challenge */
	d2 = d;
	fx_random(d2.challenge, 16);
	ASSERT_ACCEPT(&d2, &c, CPNS_ACCEPT_REPEAT);
	/* the very same delivery once more, a third challenge, resealed */
	fx_del_make(&d2, self->tk, sizeof(self->tk), ENT, &c, 3);
	ACCEPT(&d2, &a1);
	ASSERT_EQ(CPNS_ACCEPTED, a1.code);
	ASSERT_EQ(CPNS_ACCEPT_REPEAT, a1.kind);
	fx_chain_key(&c, 3, euk);
	ref_confirm(euk, ENT, 1, 3, d2.challenge, cf);
	ASSERT_EQ(0, memcmp(cf, a1.confirm, 32));
	ref_confirm(euk, ENT, 1, 3, d.challenge, cf);
	ASSERT_NE(0, memcmp(cf, a1.confirm, 32));

	/* renewal by one and by several links */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 4);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_RENEWAL);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 7);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_RENEWAL);
	held_line(self->ring, ENT, l1, sizeof(l1));
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 8);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_RENEWAL);
	/* the repeat of the last key keeps the same key, the same serial */
	ACCEPT(&d, &a1);
	fx_random(d.challenge, 16);
	ACCEPT(&d, &a2);
	ASSERT_EQ(CPNS_ACCEPT_REPEAT, a1.kind);
	ASSERT_EQ(CPNS_ACCEPT_REPEAT, a2.kind);
	ASSERT_EQ(a1.serial, a2.serial);
	ASSERT_NE(0, memcmp(a1.confirm, a2.confirm, 32));
	held_line(self->ring, ENT, l2, sizeof(l2));
	ASSERT_STRNE(l1, l2);
	fx_euk_describe(&c, 1, 8, 8, l1, sizeof(l1));
	ASSERT_STREQ(l1, l2);
}

/* Rule 4: E > held E is a new chain, any i. */
TEST_F(pne, new_epoch)
{
	struct fx_chain c1, c2, c3, c4;
	struct fx_del d;

	fx_chain_random(&c1, 1, 8);
	fx_chain_random(&c2, 2, 16);
	fx_chain_random(&c3, 7, 8);
	fx_chain_random(&c4, 0xffffffff, 65535);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c1, 5);
	ASSERT_ACCEPT(&d, &c1, CPNS_ACCEPT_FIRST);
	/* a lower index, another n */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c2, 2);
	ASSERT_ACCEPT(&d, &c2, CPNS_ACCEPT_NEW_EPOCH);
	/* skipping epochs, the same n as c1 but another chain */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c3, 8);
	ASSERT_ACCEPT(&d, &c3, CPNS_ACCEPT_NEW_EPOCH);
	/* then a renewal in the new chain */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c3, 8);
	ASSERT_ACCEPT(&d, &c3, CPNS_ACCEPT_REPEAT);
	/* the largest E and n, index 1 */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c4, 1);
	ASSERT_ACCEPT(&d, &c4, CPNS_ACCEPT_NEW_EPOCH);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c4, 1000);
	ASSERT_ACCEPT(&d, &c4, CPNS_ACCEPT_RENEWAL);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c4, 65535);
	ASSERT_ACCEPT(&d, &c4, CPNS_ACCEPT_RENEWAL);
}

/* Rule 5: E < held E; same E with another n; i < held i. */
TEST_F(pne, reject_rollback)
{
	struct fx_chain c, old, other_n, same_e;
	struct fx_del d;

	fx_chain_random(&c, 5, 8);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 4);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_FIRST);

	/* an older epoch, valid, at a higher index */
	fx_chain_random(&old, 4, 8);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &old, 8);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);
	old.e = 1;
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &old, 1);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);
	/* epoch 0 */
	old.e = 0;
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &old, 5);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);

	/* the same E with another n (larger and smaller), higher i */
	other_n = c;
	other_n.n = 9;
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &other_n, 9);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);
	other_n.n = 7;
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &other_n, 6);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);

	/* the same chain, a lower index (a genuine old key) */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 3);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 1);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);
	/* another chain of the same E, lower index: rollback before link */
	fx_chain_random(&same_e, 5, 8);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &same_e, 2);
	ASSERT_REJECT(&d, CPNS_REJECT_ROLLBACK);

	/* nothing moved: the next genuine renewal still links */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 6);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_RENEWAL);
}

/* Rule 6 fails: a key of another chain, same E and n, i >= held i. */
TEST_F(pne, reject_link)
{
	struct fx_chain c, other;
	struct fx_del d;

	fx_chain_random(&c, 2, 8);
	fx_chain_random(&other, 2, 8);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 3);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_FIRST);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &other, 5);
	ASSERT_REJECT(&d, CPNS_REJECT_LINK);
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &other, 8);
	ASSERT_REJECT(&d, CPNS_REJECT_LINK);
	/* the same index, another key: not a repeat */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &other, 3);
	ASSERT_REJECT(&d, CPNS_REJECT_LINK);
	/* a key of this chain's index 6 given as index 5: no link */
	{
		uint8_t kek[32], euk[32];

		ref_kek(self->tk, sizeof(self->tk), ENT, 2, kek);
		fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 5);
		fx_chain_key(&c, 6, euk);
		fx_del_seal(&d, kek, ENT, euk, 32);
		ASSERT_REJECT(&d, CPNS_REJECT_LINK);
		/* index 3's own key as index 3 with one bit off */
		d.i = 3;
		fx_chain_key(&c, 3, euk);
		euk[31] ^= 1;
		fx_del_seal(&d, kek, ENT, euk, 32);
		ASSERT_REJECT(&d, CPNS_REJECT_LINK);
	}
	/* the genuine chain still renews */
	fx_del_make(&d, self->tk, sizeof(self->tk), ENT, &c, 5);
	ASSERT_ACCEPT(&d, &c, CPNS_ACCEPT_RENEWAL);
}

/* ------------------------------------------------------------------ GW */

#define GW "gw-1"
#define USER "alice"

/*
 * Make chain:<entity> on the GW (fx_make_chain(), the GW's psk, KEK_E from
 * tk).  Returns the chain key's serial or -errno.
 */
static int32_t gw_make_chain(struct tgenl *t, int32_t ring,
			     const uint8_t psk[32], const char *entity,
			     const uint8_t *tk, size_t tklen,
			     struct fx_chain *c)
{
	int err;

	c->gw = GW;
	c->user = USER;
	c->entity = entity;
	memcpy(c->psk, psk, sizeof(c->psk));
	ref_kek(tk, tklen, entity, c->e, c->kek);
	err = fx_make_chain(t, ring, c);
	return err ? err : c->serial;
}

FIXTURE(gw) {
	struct tgenl *t;
	int32_t ring;
	uint8_t psk[32];
	uint8_t tk[32];
	struct fx_chain c;
	int32_t chain_key;
};

FIXTURE_SETUP(gw)
{
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	fx_random(self->psk, sizeof(self->psk));
	fx_random(self->tk, sizeof(self->tk));
	ASSERT_LT(0, tk_add("psk:" GW, self->psk, sizeof(self->psk), self->ring));
	/* this keyring is both the GW and the PNE */
	ASSERT_LT(0, tk_add("tk:" ENT, self->tk, sizeof(self->tk), self->ring));
	fx_chain_random(&self->c, 3, 5);
	self->chain_key = gw_make_chain(self->t, self->ring, self->psk, ENT,
					self->tk, sizeof(self->tk), &self->c);
	ASSERT_LT(0, self->chain_key);
}

FIXTURE_TEARDOWN(gw)
{
	if (self->t)
		tgenl_close(self->t);
}

/* The delivery g carries EUKey[i] of chain c under KEK_E and DelAAD. */
static void check_delivery(struct __test_metadata *_metadata,
			   const struct fx_gwdel *g, const uint8_t *tk,
			   size_t tklen, const struct fx_chain *c, uint16_t i)
{
	uint8_t kek[32], aad[REF_AAD_MAX], pt[64], euk[32];
	size_t aadlen;

	ASSERT_EQ(0, g->err) TH_LOG("ext: %s", g->ext);
	ASSERT_EQ(CPNS_OK, g->status);
	ASSERT_EQ(6, g->nattrs);
	ASSERT_STREQ(ENT, g->d.entity);
	ASSERT_EQ(c->e, g->d.e);
	ASSERT_EQ(i, g->d.i);
	ASSERT_EQ(c->n, g->d.n);
	ASSERT_EQ(60, g->d.sealed_len);
	ref_kek(tk, tklen, ENT, c->e, kek);
	aadlen = ref_del_aad(aad, ENT, c->e, i, c->n);
	ASSERT_EQ(0, ref_open(kek, aad, aadlen, g->d.sealed, g->d.sealed_len, pt));
	fx_chain_key(c, i, euk);
	ASSERT_EQ(0, memcmp(euk, pt, 32));
}

#define CHAIN_LINE_IS(delivered)						\
	do {									\
		char __l[200], __w[200];					\
		ASSERT_EQ(0, tk_proc_keys_line(self->chain_key, __l,		\
					       sizeof(__l)));			\
		fx_chain_describe(&self->c, (delivered), __w, sizeof(__w));		\
		ASSERT_STREQ(__w, __l);						\
	} while (0)

TEST_F(gw, deliver_repeats_until_confirmed)
{
	struct fx_gwdel g1, g2;
	uint8_t euk[32], cf1[32], cf2[32];
	int code, delivered;

	CHAIN_LINE_IS(0);
	fx_gw_deliver(self->t, self->ring, ENT, &g1);
	check_delivery(_metadata, &g1, self->tk, sizeof(self->tk), &self->c, 1);
	CHAIN_LINE_IS(0);
	/* no confirm: the same index again, a fresh challenge */
	fx_gw_deliver(self->t, self->ring, ENT, &g2);
	check_delivery(_metadata, &g2, self->tk, sizeof(self->tk), &self->c, 1);
	ASSERT_NE(0, memcmp(g1.d.challenge, g2.d.challenge, 16));
	ASSERT_NE(0, memcmp(g1.d.sealed, g2.d.sealed, 12));	/* fresh nonce */

	fx_chain_key(&self->c, 1, euk);
	ref_confirm(euk, ENT, self->c.e, 1, g1.d.challenge, cf1);
	ref_confirm(euk, ENT, self->c.e, 1, g2.d.challenge, cf2);
	/* a Confirm over the superseded challenge does not verify */
	ASSERT_EQ(-EBADMSG, fx_gw_confirm(self->t, self->ring, ENT, 1,
					  CPNS_ACCEPTED, cf1, &code, &delivered));
	CHAIN_LINE_IS(0);
	/* over the pending one it does */
	ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, 1, CPNS_ACCEPTED,
				   cf2, &code, &delivered));
	ASSERT_EQ(CPNS_ACCEPTED, code);
	ASSERT_EQ(1, delivered);
	CHAIN_LINE_IS(1);
	/* confirmed once: not pending any more */
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT, 1,
					 CPNS_ACCEPTED, cf2, &code, &delivered));
	CHAIN_LINE_IS(1);
	/* next index */
	fx_gw_deliver(self->t, self->ring, ENT, &g1);
	check_delivery(_metadata, &g1, self->tk, sizeof(self->tk), &self->c, 2);
}

TEST_F(gw, bad_confirm_records_nothing)
{
	struct fx_gwdel g;
	uint8_t euk[32], cf[32];
	int code, delivered;

	fx_gw_deliver(self->t, self->ring, ENT, &g);
	check_delivery(_metadata, &g, self->tk, sizeof(self->tk), &self->c, 1);
	fx_chain_key(&self->c, 1, euk);
	ref_confirm(euk, ENT, self->c.e, 1, g.d.challenge, cf);
	cf[0] ^= 1;
	ASSERT_EQ(-EBADMSG, fx_gw_confirm(self->t, self->ring, ENT, 1,
					  CPNS_ACCEPTED, cf, &code, &delivered));
	CHAIN_LINE_IS(0);
	/* a Confirm made with index 2's key over the right challenge */
	fx_chain_key(&self->c, 2, euk);
	ref_confirm(euk, ENT, self->c.e, 1, g.d.challenge, cf);
	ASSERT_EQ(-EBADMSG, fx_gw_confirm(self->t, self->ring, ENT, 1,
					  CPNS_ACCEPTED, cf, &code, &delivered));
	CHAIN_LINE_IS(0);
	/* the pending delivery is still the same: its Confirm verifies */
	fx_chain_key(&self->c, 1, euk);
	ref_confirm(euk, ENT, self->c.e, 1, g.d.challenge, cf);
	ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, 1, CPNS_ACCEPTED,
				   cf, &code, &delivered));
	ASSERT_EQ(1, delivered);
	CHAIN_LINE_IS(1);
}

TEST_F(gw, rejection_reported_nothing_recorded)
{
	static const uint8_t codes[] = { CPNS_REJECT_ENTITY, CPNS_REJECT_RANGE,
					 CPNS_REJECT_OPEN, CPNS_REJECT_LINK,
					 CPNS_REJECT_ROLLBACK };
	struct fx_gwdel g;
	int code, delivered;
	size_t k;

	fx_gw_deliver(self->t, self->ring, ENT, &g);
	check_delivery(_metadata, &g, self->tk, sizeof(self->tk), &self->c, 1);
	for (k = 0; k < sizeof(codes); k++) {
		ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, 1, codes[k],
					   NULL, &code, &delivered));
		ASSERT_EQ(codes[k], code);
		ASSERT_EQ(0, delivered);
		CHAIN_LINE_IS(0);
		fx_gw_deliver(self->t, self->ring, ENT, &g);
		check_delivery(_metadata, &g, self->tk, sizeof(self->tk),
			       &self->c, 1);
	}
}

TEST_F(gw, confirm_not_pending_enoent)
{
	struct fx_gwdel g;
	uint8_t euk[32], cf[32];
	int code, delivered;

	fx_chain_key(&self->c, 1, euk);
	memset(cf, 0, sizeof(cf));
	/* nothing delivered yet */
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT, 1,
					 CPNS_ACCEPTED, cf, &code, &delivered));
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT, 1,
					 CPNS_REJECT_LINK, NULL, &code, &delivered));
	fx_gw_deliver(self->t, self->ring, ENT, &g);
	check_delivery(_metadata, &g, self->tk, sizeof(self->tk), &self->c, 1);
	ref_confirm(euk, ENT, self->c.e, 1, g.d.challenge, cf);
	/* another index than the pending one, even with a valid-looking Confirm */
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT, 2,
					 CPNS_ACCEPTED, cf, &code, &delivered));
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT, 5,
					 CPNS_REJECT_OPEN, NULL, &code, &delivered));
	CHAIN_LINE_IS(0);
	/* no chain at all */
	ASSERT_EQ(-ENOKEY, fx_gw_confirm(self->t, self->ring, ENT2, 1,
					 CPNS_ACCEPTED, cf, &code, &delivered));
	ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, 1, CPNS_ACCEPTED,
				   cf, &code, &delivered));
	ASSERT_EQ(1, delivered);
}

/* GW and PNE end to end, to the end of the chain. */
TEST_F(gw, end_to_end_until_exhausted)
{
	struct fx_gwdel g;
	struct fx_accept a;
	int code, delivered;
	char l[200], w[200];
	uint16_t i;

	for (i = 1; i <= self->c.n; i++) {
		fx_gw_deliver(self->t, self->ring, ENT, &g);
		check_delivery(_metadata, &g, self->tk, sizeof(self->tk),
			       &self->c, i);
		fx_accept_del(self->t, self->ring, &g.d, &a);
		ASSERT_EQ(0, a.err) TH_LOG("ext: %s", a.ext);
		ASSERT_EQ(CPNS_ACCEPTED, a.code);
		ASSERT_EQ(i == 1 ? CPNS_ACCEPT_FIRST : CPNS_ACCEPT_RENEWAL, a.kind);
		/* the acknowledgement is lost: the GW delivers i again */
		fx_gw_deliver(self->t, self->ring, ENT, &g);
		check_delivery(_metadata, &g, self->tk, sizeof(self->tk),
			       &self->c, i);
		fx_accept_del(self->t, self->ring, &g.d, &a);
		ASSERT_EQ(CPNS_ACCEPTED, a.code);
		ASSERT_EQ(CPNS_ACCEPT_REPEAT, a.kind);
		ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, i,
					   CPNS_ACCEPTED, a.confirm, &code,
					   &delivered));
		ASSERT_EQ(CPNS_ACCEPTED, code);
		ASSERT_EQ(i, delivered);
		CHAIN_LINE_IS(i);
		held_line(self->ring, ENT, l, sizeof(l));
		fx_euk_describe(&self->c, self->c.e, i, self->c.n, w, sizeof(w));
		ASSERT_STREQ(w, l);
	}
	/* n confirmed: CHAIN_EXHAUSTED and nothing else, every time */
	for (i = 0; i < 2; i++) {
		fx_gw_deliver(self->t, self->ring, ENT, &g);
		ASSERT_EQ(0, g.err);
		ASSERT_TRUE(g.has_status);
		ASSERT_EQ(CPNS_CHAIN_EXHAUSTED, g.status);
		ASSERT_EQ(0, g.nattrs);
		CHAIN_LINE_IS(self->c.n);
	}
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT, self->c.n,
					 CPNS_ACCEPTED, a.confirm, &code,
					 &delivered));
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT,
					 self->c.n + 1, CPNS_ACCEPTED,
					 a.confirm, &code, &delivered));
}

/* A chain of n = 1 is exhausted after one confirm. */
TEST_F(gw, chain_of_one)
{
	struct fx_chain c1;
	struct fx_gwdel g;
	struct fx_accept a;
	int code, delivered;
	int32_t k;

	fx_chain_random(&c1, 9, 1);
	k = gw_make_chain(self->t, self->ring, self->psk, ENT, self->tk,
			  sizeof(self->tk), &c1);
	ASSERT_LT(0, k);
	fx_gw_deliver(self->t, self->ring, ENT, &g);
	check_delivery(_metadata, &g, self->tk, sizeof(self->tk), &c1, 1);
	fx_accept_del(self->t, self->ring, &g.d, &a);
	ASSERT_EQ(CPNS_ACCEPTED, a.code);
	ASSERT_EQ(CPNS_ACCEPT_FIRST, a.kind);
	ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, 1, CPNS_ACCEPTED,
				   a.confirm, &code, &delivered));
	ASSERT_EQ(1, delivered);
	fx_gw_deliver(self->t, self->ring, ENT, &g);
	ASSERT_EQ(0, g.err);
	ASSERT_EQ(CPNS_CHAIN_EXHAUSTED, g.status);
	ASSERT_EQ(0, g.nattrs);
}

/* A new chain (next epoch) replaces the old one: index 1 again, nothing pending. */
TEST_F(gw, new_chain_restarts_ordering)
{
	struct fx_chain c2;
	struct fx_gwdel g;
	struct fx_accept a;
	int code, delivered;
	uint8_t old_cf[32];
	int32_t k;

	fx_gw_deliver(self->t, self->ring, ENT, &g);
	fx_accept_del(self->t, self->ring, &g.d, &a);
	ASSERT_EQ(CPNS_ACCEPT_FIRST, a.kind);
	ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, 1, CPNS_ACCEPTED,
				   a.confirm, &code, &delivered));
	fx_gw_deliver(self->t, self->ring, ENT, &g);
	check_delivery(_metadata, &g, self->tk, sizeof(self->tk), &self->c, 2);
	fx_accept_del(self->t, self->ring, &g.d, &a);
	ASSERT_EQ(CPNS_ACCEPT_RENEWAL, a.kind);
	memcpy(old_cf, a.confirm, 32);	/* its acknowledgement is late */

	fx_chain_random(&c2, self->c.e + 1, 4);
	k = gw_make_chain(self->t, self->ring, self->psk, ENT, self->tk,
			  sizeof(self->tk), &c2);
	ASSERT_LT(0, k);
	self->c = c2;
	self->chain_key = k;
	CHAIN_LINE_IS(0);
	/* the old chain's pending index 2 is gone */
	ASSERT_EQ(-ENOENT, fx_gw_confirm(self->t, self->ring, ENT, 2,
					 CPNS_ACCEPTED, old_cf, &code, &delivered));
	fx_gw_deliver(self->t, self->ring, ENT, &g);
	check_delivery(_metadata, &g, self->tk, sizeof(self->tk), &c2, 1);
	fx_accept_del(self->t, self->ring, &g.d, &a);
	ASSERT_EQ(CPNS_ACCEPTED, a.code);
	ASSERT_EQ(CPNS_ACCEPT_NEW_EPOCH, a.kind);
	ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ENT, 1, CPNS_ACCEPTED,
				   a.confirm, &code, &delivered));
	ASSERT_EQ(1, delivered);
	CHAIN_LINE_IS(1);
}

/* ---------------------------------------------------------- concurrency */

struct accept_arg {
	int32_t ring;
	struct fx_del d;
};

static void racer_accept(struct tgenl *t, void *arg, void *res)
{
	struct accept_arg *a = arg;

	fx_accept_del(t, a->ring, &a->d, res);
}

#define ROUNDS 40

/* Two identical first deliveries at once: exactly one FIRST, one REPEAT. */
TEST_F_TIMEOUT(pne, race_two_first_acceptances, 300)
{
	struct accept_arg a1, a2;
	struct fx_accept r1, r2;
	struct fx_chain c;
	char ent[40], desc[60], l[200], w[200];
	int round;

	for (round = 0; round < ROUNDS; round++) {
		snprintf(ent, sizeof(ent), "pne-r%d", round);
		snprintf(desc, sizeof(desc), "tk:%s", ent);
		ASSERT_LT(0, tk_add(desc, self->tk, sizeof(self->tk), self->ring));
		fx_chain_random(&c, 1, 8);
		a1.ring = a2.ring = self->ring;
		fx_del_make(&a1.d, self->tk, sizeof(self->tk), ent, &c, 2);
		a2.d = a1.d;
		fx_random(a2.d.challenge, 16);
		ASSERT_EQ(0, fx_race2(racer_accept, &a1, &r1, racer_accept, &a2, &r2,
				   sizeof(struct fx_accept)));
		ASSERT_EQ(0, r1.err) TH_LOG("round %d: %s", round, r1.ext);
		ASSERT_EQ(0, r2.err) TH_LOG("round %d: %s", round, r2.ext);
		ASSERT_EQ(CPNS_ACCEPTED, r1.code);
		ASSERT_EQ(CPNS_ACCEPTED, r2.code);
		ASSERT_TRUE((r1.kind == CPNS_ACCEPT_FIRST && r2.kind == CPNS_ACCEPT_REPEAT) ||
			    (r2.kind == CPNS_ACCEPT_FIRST && r1.kind == CPNS_ACCEPT_REPEAT))
			TH_LOG("round %d: kinds %u %u", round, r1.kind, r2.kind);
		ASSERT_EQ(r1.serial, r2.serial);
		snprintf(desc, sizeof(desc), "euk:%s", ent);
		ASSERT_EQ(r1.serial, tk_held_search(desc));
		held_line(self->ring, ent, l, sizeof(l));
		fx_euk_describe(&c, 1, 2, 8, w, sizeof(w));
		ASSERT_STREQ(w, l);
	}
}

/*
 * Two renewals racing (i + 1 and i + 2), then the same renewal twice, then
 * two new epochs: only the serial outcomes are legal.
 */
TEST_F_TIMEOUT(pne, race_two_acceptances, 300)
{
	struct accept_arg a1, a2;
	struct fx_accept r1, r2;
	struct fx_chain c;
	char l[200], w[200];
	uint16_t held = 1;
	int round;

	fx_chain_random(&c, 1, 3 * ROUNDS + 2);
	a1.ring = a2.ring = self->ring;
	fx_del_make(&a1.d, self->tk, sizeof(self->tk), ENT, &c, held);
	ASSERT_ACCEPT(&a1.d, &c, CPNS_ACCEPT_FIRST);

	for (round = 0; round < ROUNDS; round++) {
		/* i + 1 and i + 2 */
		fx_del_make(&a1.d, self->tk, sizeof(self->tk), ENT, &c, held + 1);
		fx_del_make(&a2.d, self->tk, sizeof(self->tk), ENT, &c, held + 2);
		ASSERT_EQ(0, fx_race2(racer_accept, &a1, &r1, racer_accept, &a2, &r2,
				   sizeof(struct fx_accept)));
		ASSERT_EQ(0, r1.err);
		ASSERT_EQ(0, r2.err);
		/* i + 2 is always a renewal; i + 1 a renewal if first, else rollback */
		ASSERT_EQ(CPNS_ACCEPTED, r2.code);
		ASSERT_EQ(CPNS_ACCEPT_RENEWAL, r2.kind);
		ASSERT_TRUE((r1.code == CPNS_ACCEPTED && r1.kind == CPNS_ACCEPT_RENEWAL) ||
			    (r1.code == CPNS_REJECT_ROLLBACK && !r1.has_kind &&
			     !r1.has_confirm))
			TH_LOG("round %d: code %u kind %u", round, r1.code, r1.kind);
		held += 2;
		held_line(self->ring, ENT, l, sizeof(l));
		fx_euk_describe(&c, 1, held, c.n, w, sizeof(w));
		ASSERT_STREQ(w, l);

		/* the same renewal twice: one RENEWAL, one REPEAT */
		fx_del_make(&a1.d, self->tk, sizeof(self->tk), ENT, &c, held + 1);
		a2.d = a1.d;
		fx_random(a2.d.challenge, 16);
		ASSERT_EQ(0, fx_race2(racer_accept, &a1, &r1, racer_accept, &a2, &r2,
				   sizeof(struct fx_accept)));
		ASSERT_EQ(CPNS_ACCEPTED, r1.code);
		ASSERT_EQ(CPNS_ACCEPTED, r2.code);
		ASSERT_TRUE((r1.kind == CPNS_ACCEPT_RENEWAL && r2.kind == CPNS_ACCEPT_REPEAT) ||
			    (r2.kind == CPNS_ACCEPT_RENEWAL && r1.kind == CPNS_ACCEPT_REPEAT))
			TH_LOG("round %d: kinds %u %u", round, r1.kind, r2.kind);
		held += 1;
		held_line(self->ring, ENT, l, sizeof(l));
		fx_euk_describe(&c, 1, held, c.n, w, sizeof(w));
		ASSERT_STREQ(w, l);
	}

	/* two new epochs E + 1 and E + 2, each at its own index */
	for (round = 0; round < ROUNDS; round++) {
		struct fx_chain c1, c2;

		fx_chain_random(&c1, c.e + 1, 16);
		fx_chain_random(&c2, c.e + 2, 16);
		fx_del_make(&a1.d, self->tk, sizeof(self->tk), ENT, &c1, 9);
		fx_del_make(&a2.d, self->tk, sizeof(self->tk), ENT, &c2, 4);
		ASSERT_EQ(0, fx_race2(racer_accept, &a1, &r1, racer_accept, &a2, &r2,
				   sizeof(struct fx_accept)));
		ASSERT_EQ(CPNS_ACCEPTED, r2.code);
		ASSERT_EQ(CPNS_ACCEPT_NEW_EPOCH, r2.kind);
		ASSERT_TRUE((r1.code == CPNS_ACCEPTED && r1.kind == CPNS_ACCEPT_NEW_EPOCH) ||
			    (r1.code == CPNS_REJECT_ROLLBACK && !r1.has_kind))
			TH_LOG("round %d: code %u kind %u", round, r1.code, r1.kind);
		held_line(self->ring, ENT, l, sizeof(l));
		fx_euk_describe(&c2, c2.e, 4, 16, w, sizeof(w));
		ASSERT_STREQ(w, l);
		c = c2;
	}
}

struct deliver_arg {
	int32_t ring;
	const char *entity;
};

static void racer_deliver(struct tgenl *t, void *arg, void *res)
{
	struct deliver_arg *a = arg;

	fx_gw_deliver(t, a->ring, a->entity, res);
}

/*
 * Two deliveries at once: both carry delivered + 1; exactly one challenge
 * (the last written) is pending, so exactly one of the two Confirms
 * verifies, and the chain records exactly one more index.
 */
TEST_F_TIMEOUT(gw, race_two_deliveries, 300)
{
	struct deliver_arg da = { self->ring, ENT };
	struct fx_gwdel g1, g2;
	struct fx_chain *c = &self->c;
	uint8_t euk[32], cf1[32], cf2[32];
	int code, delivered, e1, e2, round;
	int32_t k;

	fx_chain_random(c, 4, 2 * ROUNDS);
	k = gw_make_chain(self->t, self->ring, self->psk, ENT, self->tk,
			  sizeof(self->tk), c);
	ASSERT_LT(0, k);
	self->chain_key = k;
	for (round = 0; round < ROUNDS; round++) {
		uint16_t i = round + 1;

		ASSERT_EQ(0, fx_race2(racer_deliver, &da, &g1, racer_deliver, &da,
				   &g2, sizeof(struct fx_gwdel)));
		check_delivery(_metadata, &g1, self->tk, sizeof(self->tk), c, i);
		check_delivery(_metadata, &g2, self->tk, sizeof(self->tk), c, i);
		ASSERT_NE(0, memcmp(g1.d.challenge, g2.d.challenge, 16));
		CHAIN_LINE_IS(round);
		fx_chain_key(c, i, euk);
		ref_confirm(euk, ENT, c->e, i, g1.d.challenge, cf1);
		ref_confirm(euk, ENT, c->e, i, g2.d.challenge, cf2);
		e1 = fx_gw_confirm(self->t, self->ring, ENT, i, CPNS_ACCEPTED,
				   cf1, &code, &delivered);
		e2 = fx_gw_confirm(self->t, self->ring, ENT, i, CPNS_ACCEPTED,
				   cf2, &code, &delivered);
		/* one verifies; the other is a bad Confirm, or late (ENOENT) */
		ASSERT_TRUE((e1 == 0 && e2 == -ENOENT) ||
			    (e1 == -EBADMSG && e2 == 0))
			TH_LOG("round %d: %d %d", round, e1, e2);
		CHAIN_LINE_IS(i);
	}
}

struct confirm_arg {
	int32_t ring;
	uint16_t i;
	uint8_t confirm[32];
};

struct confirm_res {
	int err, code, delivered;
};

static void racer_confirm(struct tgenl *t, void *arg, void *res)
{
	struct confirm_arg *a = arg;
	struct confirm_res *r = res;

	r->err = fx_gw_confirm(t, a->ring, ENT, a->i, CPNS_ACCEPTED, a->confirm,
			       &r->code, &r->delivered);
}

/* The same valid Confirm twice at once: one records i, the other ENOENT. */
TEST_F_TIMEOUT(gw, race_two_confirms, 300)
{
	struct confirm_arg ca;
	struct confirm_res r1, r2;
	struct fx_chain *c = &self->c;
	struct fx_gwdel g;
	uint8_t euk[32];
	int round;
	int32_t k;

	fx_chain_random(c, 6, ROUNDS);
	k = gw_make_chain(self->t, self->ring, self->psk, ENT, self->tk,
			  sizeof(self->tk), c);
	ASSERT_LT(0, k);
	self->chain_key = k;
	for (round = 0; round < ROUNDS; round++) {
		uint16_t i = round + 1;

		fx_gw_deliver(self->t, self->ring, ENT, &g);
		check_delivery(_metadata, &g, self->tk, sizeof(self->tk), c, i);
		ca.ring = self->ring;
		ca.i = i;
		fx_chain_key(c, i, euk);
		ref_confirm(euk, ENT, c->e, i, g.d.challenge, ca.confirm);
		ASSERT_EQ(0, fx_race2(racer_confirm, &ca, &r1, racer_confirm, &ca,
				   &r2, sizeof(struct confirm_res)));
		ASSERT_TRUE((r1.err == 0 && r2.err == -ENOENT) ||
			    (r1.err == -ENOENT && r2.err == 0))
			TH_LOG("round %d: %d %d", round, r1.err, r2.err);
		ASSERT_EQ(i, r1.err ? r2.delivered : r1.delivered);
		CHAIN_LINE_IS(i);
	}
	fx_gw_deliver(self->t, self->ring, ENT, &g);
	ASSERT_EQ(CPNS_CHAIN_EXHAUSTED, g.status);
}

struct revoke_arg {
	int32_t key;
};

static void racer_revoke(struct tgenl *t, void *arg, void *res)
{
	struct revoke_arg *a = arg;
	struct fx_gwdel *g = res;

	(void)t;
	memset(g, 0, sizeof(*g));
	g->err = tk_revoke(a->key);
}

/*
 * A delivery racing a revoke of the chain: key.  The chain: key is held
 * (Documentation/keys.rst, "Held keys"): the revoke is refused (EACCES),
 * the delivery is always a valid delivery of index 1, and the key stays
 * in use.  (Before held keys, the revoke won or lost the race: that is
 * what this test checked; the store made it a test of the refusal.)
 */
TEST_F_TIMEOUT(gw, race_deliver_revoke, 300)
{
	struct fx_gwdel g, rv;
	struct fx_chain c;
	int code, delivered, round, before = 0, after = 0;
	uint8_t cf[32];
	char ent[40];

	for (round = 0; round < ROUNDS; round++) {
		struct deliver_arg da = { self->ring, ent };
		struct revoke_arg ra;

		snprintf(ent, sizeof(ent), "pne-rv%d", round);
		fx_chain_random(&c, 1, 8);
		ra.key = gw_make_chain(self->t, self->ring, self->psk, ent,
				       self->tk, sizeof(self->tk), &c);
		ASSERT_LT(0, ra.key);
		ASSERT_EQ(0, fx_race2(racer_deliver, &da, &g, racer_revoke, &ra,
				   &rv, sizeof(struct fx_gwdel)));
		ASSERT_EQ(-EACCES, rv.err);
		ASSERT_EQ(0, g.err) TH_LOG("round %d", round);
		{
			uint8_t kek[32], aad[REF_AAD_MAX], pt[64], euk[32];
			size_t aadlen;

			before++;
			ASSERT_EQ(CPNS_OK, g.status);
			ASSERT_EQ(1, g.d.i);
			ASSERT_EQ(1, g.d.e);
			ASSERT_EQ(8, g.d.n);
			ref_kek(self->tk, sizeof(self->tk), ent, 1, kek);
			aadlen = ref_del_aad(aad, ent, 1, 1, 8);
			ASSERT_EQ(0, ref_open(kek, aad, aadlen, g.d.sealed,
					      g.d.sealed_len, pt));
			fx_chain_key(&c, 1, euk);
			ASSERT_EQ(0, memcmp(euk, pt, 32));
		}
		/* still in use: index 1 again (not confirmed), then a rejection */
		fx_gw_deliver(self->t, self->ring, ent, &g);
		ASSERT_EQ(0, g.err);
		ASSERT_EQ(CPNS_OK, g.status);
		ASSERT_EQ(1, g.d.i);
		memset(cf, 0, sizeof(cf));
		ASSERT_EQ(0, fx_gw_confirm(self->t, self->ring, ent, 1,
					   CPNS_REJECT_LINK, NULL, &code,
					   &delivered));
		ASSERT_EQ(0, delivered);
	}
	TH_LOG("%d rounds, every revoke refused", before + after);
}

struct reset_arg {
	const char *entity;
};

/* CPNS_CMD_PNE_RESET of a->entity, the one way to drop a held euk:. */
static void racer_reset(struct tgenl *t, void *arg, void *res)
{
	struct reset_arg *a = arg;
	struct fx_accept *r = res;
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_PNE_RESET);

	memset(r, 0, sizeof(*r));
	fx_put_id(m, CPNS_A_ENTITY_ID, a->entity);
	r->err = tgenl_call(t, m, NULL, r->ext, sizeof(r->ext));
}

/*
 * An acceptance racing the operator's reset of the euk: key (held keys
 * cannot be revoked: this test raced a revoke before).  The two are
 * serialised: accepted as a renewal before the reset (and then dropped
 * with the key), or judged after it against nothing held (FIRST); never
 * judged against a key the reset has dropped.  The next delivery tells
 * which: FIRST after the former, RENEWAL after the latter.
 */
TEST_F_TIMEOUT(pne, race_accept_reset, 300)
{
	struct accept_arg a;
	struct fx_accept r, rv;
	struct fx_chain c;
	int round;

	for (round = 0; round < ROUNDS; round++) {
		char ent[40], desc[60];
		struct reset_arg ra = { ent };
		struct fx_accept first;

		snprintf(ent, sizeof(ent), "pne-ra%d", round);
		snprintf(desc, sizeof(desc), "tk:%s", ent);
		ASSERT_LT(0, tk_add(desc, self->tk, sizeof(self->tk), self->ring));
		fx_chain_random(&c, 1, 8);
		a.ring = self->ring;
		fx_del_make(&a.d, self->tk, sizeof(self->tk), ent, &c, 1);
		fx_accept_del(self->t, self->ring, &a.d, &first);
		ASSERT_EQ(CPNS_ACCEPT_FIRST, first.kind);
		fx_del_make(&a.d, self->tk, sizeof(self->tk), ent, &c, 2);
		ASSERT_EQ(0, fx_race2(racer_accept, &a, &r, racer_reset,
				   &ra, &rv, sizeof(struct fx_accept)));
		ASSERT_EQ(0, rv.err) TH_LOG("round %d: %s", round, rv.ext);
		ASSERT_EQ(0, r.err) TH_LOG("round %d: %s", round, r.ext);
		ASSERT_EQ(CPNS_ACCEPTED, r.code);
		ASSERT_TRUE(r.kind == CPNS_ACCEPT_RENEWAL || r.kind == CPNS_ACCEPT_FIRST)
			TH_LOG("round %d: kind %u", round, r.kind);
		fx_del_make(&a.d, self->tk, sizeof(self->tk), ent, &c, 3);
		fx_accept_del(self->t, self->ring, &a.d, &first);
		ASSERT_EQ(0, first.err);
		ASSERT_EQ(CPNS_ACCEPTED, first.code);
		ASSERT_EQ(r.kind == CPNS_ACCEPT_RENEWAL ? CPNS_ACCEPT_FIRST :
			  CPNS_ACCEPT_RENEWAL, first.kind) TH_LOG("round %d", round);
	}
}

TEST_HARNESS_MAIN
