// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of a device's life, at the netlink level (kmod/admin.c): each
 * command's result checked against the reference (the entity's next
 * record opens under the test's master key to exactly the state it
 * should hold, version 3), and each refusal's exact errno and extack
 * message, with nothing changed.  cpns_lifecycle*.sh test the same over
 * the wire with cpnsctl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "kselftest_harness.h"
#include "fixture.h"
#include "genl.h"
#include "ref.h"
#include "tkeys.h"

#define GW "gw-1"
#define MASTER "m1"
#define ALICE "alice"
#define BOB "bob"
#define PNE1 "pne-0001"
#define PNE2 "pne-0002"
#define CLAIM1 "ABCD-1234-EFGH"
#define CLAIM2 "ZZZZ-9999"

struct rec {
	uint8_t b[CPNS_SEALED_MAX];
	int len;
};

FIXTURE(adm) {
	struct tgenl *t;
	int32_t ring, psk_serial;
	uint8_t psk[32], master[32], tk[32], tk2[32];
	struct rec alice, bob, pne1;
};

static void put_rec(struct nl_msg *m, int attr, const struct rec *r)
{
	nla_put(m, attr, r->len, r->b);
}

static int take_rec(struct nlattr **tb, int attr, struct rec *r)
{
	if (!tb[attr] || nla_len(tb[attr]) > CPNS_SEALED_MAX)
		return -EBADMSG;
	r->len = nla_len(tb[attr]);
	memcpy(r->b, nla_data(tb[attr]), r->len);
	return 0;
}

static int seal_user(struct tgenl *t, int32_t ring, const char *user,
		     struct rec *out)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_USER);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_MASTER, MASTER);
	fx_put_id(m, CPNS_A_USER_ID, user);
	fx_put_id(m, CPNS_A_PASSWORD, "a password");
	err = fx_call(t, m, tb, NULL);
	return err ?: take_rec(tb, CPNS_A_USER_RECORD, out);
}

static int seal_entity(struct tgenl *t, int32_t ring, const char *entity,
		       const uint8_t tk[32], const char *code, struct rec *out)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_ENTITY);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_MASTER, MASTER);
	fx_put_id(m, CPNS_A_ENTITY_ID, entity);
	nla_put(m, CPNS_A_TK, 32, tk);
	fx_put_id(m, CPNS_A_CLAIM_CODE, code);
	err = fx_call(t, m, tb, NULL);
	return err ?: take_rec(tb, CPNS_A_ENTITY_RECORD, out);
}

/* What an entity command is given. */
struct chg {
	const char *master;		/* NULL: MASTER */
	const char *entity;		/* NULL: PNE1 */
	const struct rec *erec;
	const char *owner;		/* the store's column, NULL: none */
	uint32_t epoch;
	const char *user;		/* TRANSFER */
	const struct rec *urec;
	const uint8_t *tk;		/* REINSTATE */
	const char *code;
};

/* What came back. */
struct res {
	struct fx_ack ack;
	struct rec rec;
	uint32_t epoch;
	char owner[CPNS_ID_MAX_LEN + 1];
	bool decommissioned;
};

static int change(FIXTURE_DATA(adm) *self, uint8_t cmd, const struct chg *c,
		  struct res *r)
{
	struct nl_msg *m = tgenl_msg(self->t, cmd);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	memset(r, 0, sizeof(*r));
	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	fx_put_id(m, CPNS_A_MASTER, c->master ?: MASTER);
	fx_put_id(m, CPNS_A_ENTITY_ID, c->entity ?: PNE1);
	put_rec(m, CPNS_A_ENTITY_RECORD, c->erec);
	if (c->owner)
		fx_put_id(m, CPNS_A_OWNER, c->owner);
	nla_put_u32(m, CPNS_A_EPOCH, c->epoch);
	if (c->user) {
		fx_put_id(m, CPNS_A_USER_ID, c->user);
		put_rec(m, CPNS_A_USER_RECORD, c->urec);
	}
	if (c->tk) {
		nla_put(m, CPNS_A_TK, 32, c->tk);
		fx_put_id(m, CPNS_A_CLAIM_CODE, c->code);
	}
	err = fx_call(self->t, m, tb, &r->ack);
	if (err)
		return err;
	if (take_rec(tb, CPNS_A_ENTITY_RECORD, &r->rec) || !tb[CPNS_A_EPOCH])
		return -EBADMSG;
	r->epoch = nla_get_u32(tb[CPNS_A_EPOCH]);
	if (tb[CPNS_A_OWNER]) {
		memcpy(r->owner, nla_data(tb[CPNS_A_OWNER]), nla_len(tb[CPNS_A_OWNER]));
		r->owner[nla_len(tb[CPNS_A_OWNER])] = '\0';
	}
	r->decommissioned = tb[CPNS_A_DECOMMISSIONED] != NULL;
	return 0;
}

/* The record opens (version 3) to exactly E, Flags, owner, TK and code. */
static int rec_is(const uint8_t master[32], const struct rec *r,
		  const char *entity, uint32_t e, uint8_t flags,
		  const char *owner, const uint8_t tk[32], const char *code)
{
	uint8_t aad[REF_AAD_MAX], pt[CPNS_SEALED_MAX], want[CPNS_SEALED_MAX];
	size_t aadlen = ref_record_aad(aad, REF_RECORD_ENTITY,
				       REF_ENTITY_RECORD_VERSION, entity);
	size_t len = ref_entity_record_pt3(want, e, flags, owner, tk, 32, code);

	if (r->len != (int)(len + REF_SEALED_MIN) ||
	    ref_open(master, aad, aadlen, r->b, r->len, pt))
		return -1;
	return memcmp(pt, want, len) ? -1 : 0;
}

FIXTURE_SETUP(adm)
{
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	ASSERT_EQ(32, getrandom(self->psk, 32, 0));
	ASSERT_EQ(32, getrandom(self->master, 32, 0));
	ASSERT_EQ(32, getrandom(self->tk, 32, 0));
	ASSERT_EQ(32, getrandom(self->tk2, 32, 0));
	self->psk_serial = tk_add("psk:" GW, self->psk, 32, self->ring);
	ASSERT_LT(0, self->psk_serial);
	ASSERT_LT(0, tk_add("master:" MASTER, self->master, 32, self->ring));
	ASSERT_EQ(0, seal_user(self->t, self->ring, ALICE, &self->alice));
	ASSERT_EQ(0, seal_user(self->t, self->ring, BOB, &self->bob));
	ASSERT_EQ(0, seal_entity(self->t, self->ring, PNE1, self->tk, CLAIM1,
				 &self->pne1));
}

FIXTURE_TEARDOWN(adm)
{
	tgenl_close(self->t);
}

/* Transfer, release, transfer again: each record exactly the next state, E kept. */
TEST_F(adm, transfer_release_records)
{
	struct chg c = { .erec = &self->pne1, .user = ALICE, .urec = &self->alice };
	struct res r, r2;

	ASSERT_EQ(0, change(self, CPNS_CMD_SRV_TRANSFER, &c, &r)) TH_LOG("%s", r.ack.msg);
	EXPECT_STREQ(ALICE, r.owner);
	EXPECT_EQ(0, r.epoch);
	EXPECT_FALSE(r.decommissioned);
	EXPECT_EQ(0, rec_is(self->master, &r.rec, PNE1, 0, 0, ALICE, self->tk, CLAIM1));

	c = (struct chg){ .erec = &r.rec, .owner = ALICE };
	ASSERT_EQ(0, change(self, CPNS_CMD_SRV_RELEASE, &c, &r2)) TH_LOG("%s", r2.ack.msg);
	EXPECT_STREQ("", r2.owner);
	EXPECT_EQ(0, rec_is(self->master, &r2.rec, PNE1, 0, 0, NULL, self->tk, CLAIM1));

	c = (struct chg){ .erec = &r2.rec, .user = BOB, .urec = &self->bob };
	ASSERT_EQ(0, change(self, CPNS_CMD_SRV_TRANSFER, &c, &r)) TH_LOG("%s", r.ack.msg);
	EXPECT_EQ(0, rec_is(self->master, &r.rec, PNE1, 0, 0, BOB, self->tk, CLAIM1));
}

TEST_F(adm, release_and_transfer_refusals)
{
	struct chg c = { .erec = &self->pne1 };
	struct res r, owned;

	/* a second release (no owner) */
	EXPECT_EQ(-EALREADY, change(self, CPNS_CMD_SRV_RELEASE, &c, &r));
	EXPECT_STREQ("entity has no owner", r.ack.msg);

	c = (struct chg){ .erec = &self->pne1, .user = ALICE, .urec = &self->alice };
	ASSERT_EQ(0, change(self, CPNS_CMD_SRV_TRANSFER, &c, &owned));
	/* to the owner */
	c = (struct chg){ .erec = &owned.rec, .owner = ALICE, .user = ALICE,
			  .urec = &self->alice };
	EXPECT_EQ(-EALREADY, change(self, CPNS_CMD_SRV_TRANSFER, &c, &r));
	EXPECT_STREQ("the user owns the entity already", r.ack.msg);
	/* to a user whose record is another user's (an unknown user) */
	c.user = "carol";
	c.urec = &self->bob;
	EXPECT_EQ(-EBADMSG, change(self, CPNS_CMD_SRV_TRANSFER, &c, &r));
	EXPECT_NE(NULL, strstr(r.ack.msg, "store record refused")) TH_LOG("%s", r.ack.msg);
	/* the store's columns disagree with the record: owner, epoch */
	c = (struct chg){ .erec = &owned.rec };
	EXPECT_EQ(-EBADMSG, change(self, CPNS_CMD_SRV_RELEASE, &c, &r));
	c = (struct chg){ .erec = &owned.rec, .owner = BOB };
	EXPECT_EQ(-EBADMSG, change(self, CPNS_CMD_SRV_RELEASE, &c, &r));
	c = (struct chg){ .erec = &owned.rec, .owner = ALICE, .epoch = 1 };
	EXPECT_EQ(-EBADMSG, change(self, CPNS_CMD_SRV_RELEASE, &c, &r));
	/* another entity's record, an edited byte */
	c = (struct chg){ .erec = &owned.rec, .owner = ALICE, .entity = PNE2 };
	EXPECT_EQ(-EBADMSG, change(self, CPNS_CMD_SRV_RELEASE, &c, &r));
	owned.rec.b[20] ^= 1;
	c = (struct chg){ .erec = &owned.rec, .owner = ALICE };
	EXPECT_EQ(-EBADMSG, change(self, CPNS_CMD_SRV_RELEASE, &c, &r));
	/* no master key of that name */
	c = (struct chg){ .erec = &self->pne1, .master = "m2", .user = ALICE,
			  .urec = &self->alice };
	EXPECT_EQ(-ENOKEY, change(self, CPNS_CMD_SRV_TRANSFER, &c, &r));
	EXPECT_STREQ("master: key not found", r.ack.msg);
	/* required attributes */
	{
		struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_SRV_TRANSFER);

		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		fx_put_id(m, CPNS_A_MASTER, MASTER);
		fx_put_id(m, CPNS_A_ENTITY_ID, PNE1);
		put_rec(m, CPNS_A_ENTITY_RECORD, &self->pne1);
		nla_put_u32(m, CPNS_A_EPOCH, 0);
		EXPECT_EQ(-EINVAL, fx_call(self->t, m, NULL, &r.ack));
		EXPECT_EQ(CPNS_A_USER_ID, r.ack.miss_type);
	}
}

/* Decommission: Flags 1, no owner, E kept; then every other change refused; reinstate. */
TEST_F(adm, decommission_reinstate)
{
	struct chg c = { .erec = &self->pne1, .user = ALICE, .urec = &self->alice };
	struct res owned, d, r;

	ASSERT_EQ(0, change(self, CPNS_CMD_SRV_TRANSFER, &c, &owned));
	c = (struct chg){ .erec = &owned.rec, .owner = ALICE };
	ASSERT_EQ(0, change(self, CPNS_CMD_SRV_DECOMMISSION, &c, &d)) TH_LOG("%s", d.ack.msg);
	EXPECT_TRUE(d.decommissioned);
	EXPECT_STREQ("", d.owner);
	EXPECT_EQ(0, rec_is(self->master, &d.rec, PNE1, 0, 1, NULL, self->tk, CLAIM1));

	c = (struct chg){ .erec = &d.rec };
	EXPECT_EQ(-EALREADY, change(self, CPNS_CMD_SRV_DECOMMISSION, &c, &r));
	EXPECT_STREQ("entity is decommissioned already", r.ack.msg);
	EXPECT_EQ(-ENOENT, change(self, CPNS_CMD_SRV_RELEASE, &c, &r));
	EXPECT_STREQ("entity is decommissioned", r.ack.msg);
	c.user = BOB;
	c.urec = &self->bob;
	EXPECT_EQ(-ENOENT, change(self, CPNS_CMD_SRV_TRANSFER, &c, &r));
	EXPECT_STREQ("entity is decommissioned", r.ack.msg);

	/* back from the list, with the list's (new) TK and claim code */
	c = (struct chg){ .erec = &d.rec, .tk = self->tk2, .code = CLAIM2 };
	ASSERT_EQ(0, change(self, CPNS_CMD_SRV_REINSTATE, &c, &r)) TH_LOG("%s", r.ack.msg);
	EXPECT_FALSE(r.decommissioned);
	EXPECT_EQ(0, rec_is(self->master, &r.rec, PNE1, 0, 0, NULL, self->tk2, CLAIM2));
	/* an entity in service is not reinstated */
	owned = r;
	c.erec = &owned.rec;
	EXPECT_EQ(-EEXIST, change(self, CPNS_CMD_SRV_REINSTATE, &c, &r));
	EXPECT_STREQ("entity is in service: only a decommissioned entity is imported again",
		     r.ack.msg);
}

/* A GW request built before, opened by the server: its status and whether verified. */
static int open_req(FIXTURE_DATA(adm) *self, const struct fx_req *q,
		    bool *verified)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_SRV_OPEN_REQUEST);
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	fx_put_id(m, CPNS_A_GW_ID, GW);
	nla_put(m, CPNS_A_RAND, 32, q->rand);
	nla_put_u64(m, CPNS_A_TIME, q->t);
	nla_put(m, CPNS_A_SEALED, q->sealed_len, q->sealed);
	err = fx_call(self->t, m, tb, NULL);
	if (err)
		return err;
	*verified = tb[CPNS_A_VERIFIED] != NULL;
	return tb[CPNS_A_STATUS] ? nla_get_u8(tb[CPNS_A_STATUS]) : -EBADMSG;
}

static int rotate(FIXTURE_DATA(adm) *self, const char *gw, const uint8_t psk[32],
		  uint32_t grace, struct fx_ack *ack)
{
	struct nl_msg *m = tgenl_msg(self->t, CPNS_CMD_SRV_ROTATE_GW);

	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	fx_put_id(m, CPNS_A_GW_ID, gw);
	nla_put(m, CPNS_A_PSK, 32, psk);
	nla_put_u32(m, CPNS_A_GRACE, grace);
	return fx_call(self->t, m, NULL, ack);
}

/* Rotation: the old PSK1 opens inside the window, not with none. */
TEST_F(adm, rotate_grace)
{
	struct fx_req old1, old2;
	uint8_t psk2[32], psk3[32];
	struct fx_ack ack;
	bool v;

	ASSERT_EQ(32, getrandom(psk2, 32, 0));
	ASSERT_EQ(32, getrandom(psk3, 32, 0));
	/* requests sealed under the PSK1 of now (GW and server share the ring) */
	ASSERT_EQ(0, fx_gw_request(self->t, self->ring, GW, ALICE, PNE1, NULL,
				   NULL, &old1));
	EXPECT_EQ(-EINVAL, rotate(self, GW, self->psk, 60, &ack));
	EXPECT_STREQ("the new PSK1 is the current one", ack.msg);
	EXPECT_EQ(-ERANGE, rotate(self, GW, psk2, CPNS_GRACE_MAX_SECONDS + 1, &ack));
	EXPECT_STREQ("grace window longer than CPNS_GRACE_MAX_SECONDS", ack.msg);
	EXPECT_EQ(-ENOKEY, rotate(self, "gw-none", psk2, 60, &ack));
	EXPECT_STREQ("psk: key not found", ack.msg);
	EXPECT_EQ(CPNS_OK, open_req(self, &old1, &v));	/* nothing rotated yet */

	ASSERT_EQ(0, rotate(self, GW, psk2, 60, &ack)) TH_LOG("%s", ack.msg);
	EXPECT_EQ(self->psk_serial, tk_search(self->ring, "psk:" GW));
	EXPECT_EQ(CPNS_OK, open_req(self, &old1, &v));
	EXPECT_TRUE(v);
	ASSERT_EQ(0, fx_gw_request(self->t, self->ring, GW, ALICE, PNE1, NULL,
				   NULL, &old2));	/* under psk2 */
	EXPECT_EQ(CPNS_OK, open_req(self, &old2, &v));

	/* again with no grace: psk2 opens nothing more, nor psk1 */
	ASSERT_EQ(0, rotate(self, GW, psk3, 0, &ack)) TH_LOG("%s", ack.msg);
	EXPECT_EQ(CPNS_BAD_GW_AUTH, open_req(self, &old2, &v));
	EXPECT_FALSE(v);
	EXPECT_EQ(CPNS_BAD_GW_AUTH, open_req(self, &old1, &v));
	EXPECT_FALSE(v);
}

/* remove-gw: the key goes; its requests are an unknown GwID's. */
TEST_F(adm, remove_gw)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_ack ack;
	struct fx_req q;
	struct nl_msg *m;
	uint8_t psk2[32];
	bool v;

	ASSERT_EQ(32, getrandom(psk2, 32, 0));
	ASSERT_EQ(0, fx_gw_request(self->t, self->ring, GW, ALICE, PNE1, NULL,
				   NULL, &q));
	ASSERT_EQ(0, rotate(self, GW, psk2, 600, &ack));	/* a grace entry too */
	m = tgenl_msg(self->t, CPNS_CMD_SRV_REMOVE_GW);
	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	fx_put_id(m, CPNS_A_GW_ID, GW);
	ASSERT_EQ(0, fx_call(self->t, m, tb, &ack)) TH_LOG("%s", ack.msg);
	ASSERT_NE(NULL, tb[CPNS_A_KEY_SERIAL]);
	EXPECT_EQ(self->psk_serial, nla_get_s32(tb[CPNS_A_KEY_SERIAL]));
	EXPECT_EQ(-ENOKEY, tk_search(self->ring, "psk:" GW));
	/* the request under the old PSK1 (in its grace window before) */
	EXPECT_EQ(CPNS_BAD_GW_AUTH, open_req(self, &q, &v));
	EXPECT_FALSE(v);

	m = tgenl_msg(self->t, CPNS_CMD_SRV_REMOVE_GW);
	nla_put_s32(m, CPNS_A_KEYRING, self->ring);
	fx_put_id(m, CPNS_A_GW_ID, GW);
	EXPECT_EQ(-ENOKEY, fx_call(self->t, m, NULL, &ack));
	EXPECT_STREQ("psk: key not found", ack.msg);
}

/* gw forget: the chain goes, with its state in the reply; twice ENOKEY. */
TEST_F(adm, gw_forget)
{
	struct fx_chain c = FX_CHAIN_INIT(GW, ALICE, PNE2);
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct fx_ack ack;
	struct nl_msg *m;
	int32_t ring;

	ring = tk_fresh_keyring();
	ASSERT_LT(0, ring);
	ASSERT_LT(0, tk_add("psk:" GW, c.psk, 32, ring));
	ASSERT_EQ(0, fx_make_chain(self->t, ring, &c));
	ASSERT_EQ(c.serial, tk_held_search("chain:" PNE2));

	m = tgenl_msg(self->t, CPNS_CMD_GW_FORGET);
	fx_put_id(m, CPNS_A_ENTITY_ID, PNE2);
	ASSERT_EQ(0, fx_call(self->t, m, tb, &ack)) TH_LOG("%s", ack.msg);
	ASSERT_NE(NULL, tb[CPNS_A_EPOCH]);
	ASSERT_NE(NULL, tb[CPNS_A_DELIVERED]);
	ASSERT_NE(NULL, tb[CPNS_A_N]);
	ASSERT_NE(NULL, tb[CPNS_A_KEY_SERIAL]);
	EXPECT_EQ(1, nla_get_u32(tb[CPNS_A_EPOCH]));
	EXPECT_EQ(0, nla_get_u16(tb[CPNS_A_DELIVERED]));
	EXPECT_EQ(8, nla_get_u16(tb[CPNS_A_N]));
	EXPECT_EQ(c.serial, nla_get_s32(tb[CPNS_A_KEY_SERIAL]));
	EXPECT_EQ(-ENOKEY, tk_held_search("chain:" PNE2));

	m = tgenl_msg(self->t, CPNS_CMD_GW_FORGET);
	fx_put_id(m, CPNS_A_ENTITY_ID, PNE2);
	EXPECT_EQ(-ENOKEY, fx_call(self->t, m, NULL, &ack));
	EXPECT_STREQ("chain: key not found", ack.msg);
}

TEST_HARNESS_MAIN
