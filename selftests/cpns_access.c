// SPDX-License-Identifier: GPL-2.0
/*
 * Keyring permissions as the module checks them, before any work: the
 * commands that may make a key (GW_RESPONSE, PNE_ACCEPT) need Write on
 * CPNS_A_KEYRING, refused with EACCES before anything is opened, counted
 * or decided; a thread or process keyring that does not exist is ENOKEY
 * and is not created.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "fixture.h"
#include "tkeys.h"

/* Possessor and owner: view, read, search; no write, no setattr. */
#define RO_PERM 0x0b0b0000

static const uint8_t psk[32] = { 0x77, 1 };
static const uint8_t tk[20] = { 0x42, 2 };

static int gw_response_garbage(struct tgenl *t, int32_t ring,
			       const struct fx_req *req, struct fx_ack *ack)
{
	uint8_t sealed[CPNS_SEALED_MIN + 2 + 32 + 4 + 32];	/* a bundle's length */
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_RESPONSE);

	memset(sealed, 0xee, sizeof(sealed));
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_GW_ID, "gw-a");
	fx_put_id(m, CPNS_A_USER_ID, "alice");
	fx_put_id(m, CPNS_A_ENTITY_ID, "pne-a");
	nla_put(m, CPNS_A_RAND, 32, req->rand);
	nla_put_u64(m, CPNS_A_TIME, req->t);
	nla_put_u8(m, CPNS_A_STATUS, CPNS_OK);
	nla_put(m, CPNS_A_SEALED, sizeof(sealed), sealed);
	return fx_call(t, m, NULL, ack);
}

/* Write on the keyring is checked before the response is even opened. */
TEST(gw_response_needs_write_first)
{
	struct fx_req req;
	struct fx_ack ack;
	struct tgenl *t;
	int32_t ring;

	ASSERT_EQ(0, system("modprobe cpns"));	/* the key type */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ring = tk_fresh_keyring();
	ASSERT_LT(0, ring);
	ASSERT_LT(0, tk_add("psk:gw-a", psk, sizeof(psk), ring));
	t = tgenl_open();
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, fx_gw_request(t, ring, "gw-a", "alice", "pne-a", NULL, NULL, &req));
	/* writable: the garbage is opened, and refused */
	EXPECT_EQ(-EBADMSG, gw_response_garbage(t, ring, &req, &ack));
	ASSERT_EQ(0, tk_setperm(ring, RO_PERM));
	EXPECT_EQ(-EACCES, gw_response_garbage(t, ring, &req, &ack));
	EXPECT_STREQ("keyring not found, not searchable or not writable", ack.msg);
	EXPECT_EQ(CPNS_A_KEYRING, ack.bad_attr);
	/* building a request needs Search only */
	EXPECT_EQ(0, fx_gw_request(t, ring, "gw-a", "alice", "pne-a", NULL, NULL, &req));
	tgenl_close(t);
}

/* A PNE that could not keep what it accepts decides nothing. */
TEST(pne_accept_needs_write_first)
{
	uint64_t before[CPNS_COUNTER_A_MAX + 1], after[CPNS_COUNTER_A_MAX + 1];
	struct fx_delivery d;
	struct fx_ack ack;
	struct tgenl *t;
	uint8_t euk[32] = { 9 };
	int32_t ring;
	int code = -1;

	ASSERT_EQ(0, system("modprobe cpns"));	/* the key type */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ring = tk_fresh_keyring();
	ASSERT_LT(0, ring);
	ASSERT_LT(0, tk_add("tk:pne-a", tk, sizeof(tk), ring));
	t = tgenl_open();
	ASSERT_NE(NULL, t);
	fx_seal_delivery(tk, sizeof(tk), "pne-a", 1, 1, 8, euk, &d);
	d.sealed[20] ^= 1;
	ASSERT_EQ(0, tk_setperm(ring, RO_PERM));
	ASSERT_EQ(0, fx_counters(t, before));
	EXPECT_EQ(-EACCES, fx_pne_accept(t, ring, "pne-a", &d, &code, NULL));
	EXPECT_EQ(-1, code);
	ASSERT_EQ(0, fx_counters(t, after));
	EXPECT_EQ(before[CPNS_COUNTER_A_REJECTED], after[CPNS_COUNTER_A_REJECTED]);
	EXPECT_EQ(before[CPNS_COUNTER_A_ACCEPTED], after[CPNS_COUNTER_A_ACCEPTED]);
	(void)ack;
	tgenl_close(t);
}

static long keyring_id(int32_t spec)
{
	long r = syscall(__NR_keyctl, KEYCTL_GET_KEYRING_ID, spec, 0);

	return r < 0 ? -errno : r;
}

/* @t and @p are not created by the module: ENOKEY, and still none after. */
TEST(thread_and_process_keyrings_are_not_created)
{
	static const int32_t specs[] = { KEY_SPEC_THREAD_KEYRING,
					 KEY_SPEC_PROCESS_KEYRING };
	struct fx_delivery d;
	struct fx_req req;
	struct tgenl *t;
	uint8_t euk[32] = { 9 };
	unsigned int k;
	int code;

	t = tgenl_open();
	ASSERT_NE(NULL, t);
	fx_seal_delivery(tk, sizeof(tk), "pne-a", 1, 1, 8, euk, &d);
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(-ENOKEY, keyring_id(specs[k]));
		EXPECT_EQ(-ENOKEY, fx_gw_request(t, specs[k], "gw-a", "alice", "pne-a",
						 NULL, NULL, &req));
		EXPECT_EQ(-ENOKEY, fx_pne_accept(t, specs[k], "pne-a", &d, &code, NULL));
		memset(&req, 0, sizeof(req));
		EXPECT_EQ(-ENOKEY, gw_response_garbage(t, specs[k], &req, NULL));
		EXPECT_EQ(-ENOKEY, keyring_id(specs[k]));
	}
	tgenl_close(t);
}

TEST_HARNESS_MAIN
