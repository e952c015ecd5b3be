// SPDX-License-Identifier: GPL-2.0
/*
 * Held keys (Documentation/keys.rst, "Held keys"): the PNE's euk: and the
 * GW's chain: live in the store of their network namespace, a keyring the
 * module owns, and no ordinary key operation drops them: invalidate,
 * revoke, timeout, unlink, clear, setperm and link are each refused with
 * their exact errno, even by root, and afterwards the PNE's rollback floor
 * holds (an old recorded delivery of an earlier epoch stays
 * REJECT_ROLLBACK) and the GW's chain still delivers.  The one way to drop
 * an euk: is CPNS_CMD_PNE_RESET: EPERM without CAP_SYS_ADMIN in the
 * initial user namespace, logged when done.  Each test is a node of its
 * own: its own network namespace (so its own store) and session keyring.
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

#define GW "gw-held"
#define USER "alice"
#define ENT "pne-held"

/* Every /proc/keys keyring whose contents (KEYCTL_READ) list key. */
static int32_t ring_holding(int32_t key, char *desc, size_t desclen)
{
	char line[512];
	int32_t found = -ENOKEY;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return -errno;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		unsigned int serial;
		char type[16], d[256], *end;
		int32_t ids[256];
		long n, k;

		/* "... keyring   <description>: <count>" or ": empty" */
		if (sscanf(line, "%x %*s %*s %*s %*s %*s %*s %15s %255[^\n]",
			   &serial, type, d) != 3 || strcmp(type, "keyring"))
			continue;
		end = strrchr(d, ':');
		if (end)
			*end = '\0';
		n = tk_read((int32_t)serial, ids, sizeof(ids));
		for (k = 0; n > 0 && k < n / 4 && k < 256; k++)
			if (ids[k] == key) {
				found = (int32_t)serial;
				snprintf(desc, desclen, "%s", d);
			}
	}
	fclose(f);
	return found;
}

static long keyctl_clear(int32_t ring)
{
	return syscall(__NR_keyctl, KEYCTL_CLEAR, ring) < 0 ? -errno : 0;
}

static int pne_reset(struct tgenl *t, const char *entity, struct fx_ack *ack)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_PNE_RESET);

	if (!m || fx_put_id(m, CPNS_A_ENTITY_ID, entity))
		return -ENOMEM;
	return fx_call(t, m, NULL, ack);
}

enum held_op {
	OP_INVALIDATE, OP_REVOKE, OP_TIMEOUT, OP_UNLINK_HOLDER, OP_UNLINK_OWN,
	OP_CLEAR_HOLDER, OP_CLEAR_OWN, OP_SETPERM, OP_LINK, OP_OTHER_KEYRING,
};

/* A node: a GW's chain:ENT, a PNE's euk:ENT at E=2 over an E=1 recorded. */
struct node {
	struct tgenl *t;
	int32_t ring, euk;
	uint8_t tk[32];
	struct fx_chain c;
	struct fx_delivery old, cur;
};

static void setup_node(struct __test_metadata *_metadata, struct node *self)
{
	struct fx_chain init = FX_CHAIN_INIT(GW, USER, ENT);
	uint8_t euk[32];
	int32_t serial = 0;
	int code = -1;

	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	memset(self->tk, 0xa7, sizeof(self->tk));
	ASSERT_LT(0, tk_add("tk:" ENT, self->tk, sizeof(self->tk), self->ring));

	/* the GW: chain:ENT */
	self->c = init;
	ASSERT_LT(0, tk_add("psk:" GW, self->c.psk, 32, self->ring));
	ASSERT_EQ(0, fx_make_chain(self->t, self->ring, &self->c));
	ASSERT_LT(0, self->c.serial);

	/* the PNE: a delivery of E=1 recorded, then E=2 accepted over it */
	fx_chain_key(&self->c, 1, euk);
	fx_seal_delivery(self->tk, 32, ENT, 1, 1, 8, euk, &self->old);
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &self->old, &code, NULL));
	ASSERT_EQ(CPNS_ACCEPTED, code);
	euk[0] ^= 0x5a;
	fx_seal_delivery(self->tk, 32, ENT, 2, 1, 8, euk, &self->cur);
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &self->cur, &code,
				   &serial));
	ASSERT_EQ(CPNS_ACCEPTED, code);
	ASSERT_LT(0, serial);
	self->euk = serial;
	code = -1;
	ASSERT_EQ(0, fx_pne_accept(self->t, self->ring, ENT, &self->old, &code, NULL));
	ASSERT_EQ(CPNS_REJECT_ROLLBACK, code);
}

/* Each ordinary operation, as a variant of its own. */
FIXTURE(held) {
	struct node n;
};

FIXTURE_VARIANT(held) {
	enum held_op op;
	int want;		/* the operation's result on euk: and chain: */
};

FIXTURE_VARIANT_ADD(held, invalidate) { .op = OP_INVALIDATE, .want = -EPERM };
FIXTURE_VARIANT_ADD(held, revoke) { .op = OP_REVOKE, .want = -EACCES };
FIXTURE_VARIANT_ADD(held, timeout) { .op = OP_TIMEOUT, .want = -EACCES };
FIXTURE_VARIANT_ADD(held, unlink_from_holder) { .op = OP_UNLINK_HOLDER, .want = -EACCES };
FIXTURE_VARIANT_ADD(held, unlink_from_own_keyring) { .op = OP_UNLINK_OWN, .want = -ENOENT };
FIXTURE_VARIANT_ADD(held, clear_holder) { .op = OP_CLEAR_HOLDER, .want = -EACCES };
FIXTURE_VARIANT_ADD(held, clear_own_keyring) { .op = OP_CLEAR_OWN, .want = 0 };
FIXTURE_VARIANT_ADD(held, setperm) { .op = OP_SETPERM, .want = -EACCES };
FIXTURE_VARIANT_ADD(held, link_into_own_keyring) { .op = OP_LINK, .want = -EACCES };
FIXTURE_VARIANT_ADD(held, name_another_keyring) { .op = OP_OTHER_KEYRING, .want = 0 };

FIXTURE_SETUP(held)
{
	setup_node(_metadata, &self->n);
}

FIXTURE_TEARDOWN(held)
{
	tgenl_close(self->n.t);
}

/* The listing and the reset. */
FIXTURE(pne) {
	struct node n;
};

FIXTURE_SETUP(pne)
{
	setup_node(_metadata, &self->n);
}

FIXTURE_TEARDOWN(pne)
{
	tgenl_close(self->n.t);
}

/* One ordinary key operation on key (held by holder); 0 or -errno. */
static long held_op(enum held_op op, int32_t key, int32_t holder, int32_t own)
{
	switch (op) {
	case OP_INVALIDATE:
		return tk_invalidate(key);
	case OP_REVOKE:
		return tk_revoke(key);
	case OP_TIMEOUT:
		return tk_set_timeout(key, 1);
	case OP_UNLINK_HOLDER:
		return tk_unlink(key, holder);
	case OP_UNLINK_OWN:
		return tk_unlink(key, own);
	case OP_CLEAR_HOLDER:
		return keyctl_clear(holder);
	case OP_CLEAR_OWN:
		return keyctl_clear(own);
	case OP_SETPERM:
		return tk_setperm(key, 0x3f3f3f3f);
	case OP_LINK:
		return tk_link(key, own);
	case OP_OTHER_KEYRING:
		return 0;
	}
	return -EINVAL;
}

/*
 * The operation on euk: and on chain: gives its errno; then, garbage
 * collection given time, the old delivery of E=1 is still REJECT_ROLLBACK
 * (also through a fresh keyring holding a copy of tk:), euk: still says
 * E=2 i=1, and chain: still delivers index 1.
 */
TEST_F(held, ordinary_operation_refused_and_floor_holds)
{
	struct node *n = &self->n;
	char line[256], desc[256];
	int32_t holder, ring = n->ring;
	struct fx_gwdel g;
	int code = -1;

	holder = ring_holding(n->euk, desc, sizeof(desc));
	ASSERT_LT(0, holder);
	EXPECT_EQ(variant->want, held_op(variant->op, n->euk, holder, n->ring));
	holder = ring_holding(n->c.serial, desc, sizeof(desc));
	ASSERT_LT(0, holder);
	EXPECT_EQ(variant->want, held_op(variant->op, n->c.serial, holder,
					 n->ring));
	if (variant->op == OP_OTHER_KEYRING) {
		ring = tk_add_keyring("another", KEY_SPEC_SESSION_KEYRING);
		ASSERT_LT(0, ring);
		ASSERT_LT(0, tk_add("tk:" ENT, n->tk, sizeof(n->tk), ring));
		ASSERT_LT(0, tk_add("psk:" GW, n->c.psk, 32, ring));
	}
	if (variant->op == OP_CLEAR_OWN)
		ASSERT_LT(0, tk_add("tk:" ENT, n->tk, sizeof(n->tk), ring));
	usleep(300000);

	ASSERT_EQ(0, fx_pne_accept(n->t, ring, ENT, &n->old, &code, NULL));
	EXPECT_EQ(CPNS_REJECT_ROLLBACK, code);
	ASSERT_EQ(0, tk_proc_keys_line(n->euk, line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line, "E=2 i=1 n=8 ", 12)) TH_LOG("%s", line);
	fx_gw_deliver(n->t, ring, ENT, &g);
	EXPECT_EQ(0, g.err);
	EXPECT_EQ(CPNS_OK, g.status);
	EXPECT_EQ(1, g.d.i);
}

/* Listing: /proc/keys shows the store, ".cpns:net:[<inode>]", holding both. */
TEST_F(pne, store_listed_per_namespace)
{
	struct node *n = &self->n;
	char desc[256], ns[64], want[80];
	ssize_t len;

	len = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	ASSERT_LT(0, len);
	ns[len] = '\0';
	snprintf(want, sizeof(want), ".cpns:%s", ns);
	ASSERT_LT(0, ring_holding(n->euk, desc, sizeof(desc)));
	EXPECT_STREQ(want, desc);
	ASSERT_LT(0, ring_holding(n->c.serial, desc, sizeof(desc)));
	EXPECT_STREQ(want, desc);
	EXPECT_EQ(-ENOKEY, tk_search(n->ring, "euk:" ENT));
	EXPECT_EQ(-ENOKEY, tk_search(n->ring, "chain:" ENT));
}

static int reset_fn(struct tgenl *t, void *arg)
{
	struct fx_ack ack;

	(void)arg;
	return pne_reset(t, ENT, &ack);
}

/* In a child: reset ENT without CAP_SYS_ADMIN (userns: as root of a new one). */
static int reset_in_child(int userns)
{
	return fx_unprivileged_call(userns, reset_fn, NULL);
}

TEST_F(pne, reset_needs_cap_sys_admin)
{
	struct node *n = &self->n;
	char line[256];
	int code = -1;

	EXPECT_EQ(-EPERM, reset_in_child(0)) TH_LOG("CAP_NET_ADMIN, no CAP_SYS_ADMIN");
	EXPECT_EQ(-EPERM, reset_in_child(1)) TH_LOG("root of a new user namespace");
	ASSERT_EQ(0, tk_proc_keys_line(n->euk, line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line, "E=2 i=1 n=8 ", 12)) TH_LOG("%s", line);
	ASSERT_EQ(0, fx_pne_accept(n->t, n->ring, ENT, &n->old, &code, NULL));
	EXPECT_EQ(CPNS_REJECT_ROLLBACK, code);
}

/* The kernel log's lines from fd on that contain what; 1 when found. */
static int kmsg_has(int fd, const char *what, char *out, size_t outlen)
{
	char rec[1024];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		rec[n] = '\0';
		if (strstr(rec, what)) {
			snprintf(out, outlen, "%s", rec);
			return 1;
		}
	}
	return 0;
}

static int hex_in(const char *s, const uint8_t *b, size_t len)
{
	char hex[65];
	size_t i;

	for (i = 0; i < len && i < 32; i++)
		sprintf(hex + 2 * i, "%02x", b[i]);
	return strstr(s, hex) != NULL;
}

/*
 * Root's reset: logged (public values only); the key goes; the old
 * delivery is a first one again; a second reset says ENOKEY.
 */
TEST_F(pne, reset_drops_euk_and_is_logged)
{
	struct node *n = &self->n;
	char rec[1024] = "", want[128];
	uint8_t euk[32];
	struct fx_ack ack;
	int32_t serial = 0;
	int code = -1, fd, i;
	long r = 0;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, lseek(fd, 0, SEEK_END));
	ASSERT_EQ(0, pne_reset(n->t, ENT, &ack)) TH_LOG("%s", ack.msg);
	snprintf(want, sizeof(want), "cpns: PNE reset: euk:" ENT " (E=2 i=1 n=8, key %d)",
		 n->euk);
	EXPECT_EQ(1, kmsg_has(fd, want, rec, sizeof(rec))) TH_LOG("no '%s'", want);
	close(fd);
	fx_chain_key(&n->c, 1, euk);
	EXPECT_EQ(0, hex_in(rec, euk, 32));
	EXPECT_EQ(0, hex_in(rec, n->tk, 32));

	for (i = 0; i < 50; i++) {
		r = tk_describe(n->euk, NULL, 0);
		if (r == -ENOKEY)
			break;
		usleep(100000);
	}
	EXPECT_EQ(-ENOKEY, r);
	ASSERT_EQ(0, fx_pne_accept(n->t, n->ring, ENT, &n->old, &code,
				   &serial));
	EXPECT_EQ(CPNS_ACCEPTED, code);
	EXPECT_NE(n->euk, serial);
	EXPECT_EQ(-ENOKEY, pne_reset(n->t, "pne-none", &ack));
	EXPECT_STREQ("euk: key not found", ack.msg);
	/* the chain: of the GW is not the PNE's reset's business */
	EXPECT_EQ(0, tk_proc_keys_line(n->c.serial, rec, sizeof(rec)));
}

/* cpnsctl pne reset: exit 0 and the floor is gone; again: ENOKEY, exit 1. */
TEST_F(pne, cpnsctl_pne_reset)
{
	struct node *n = &self->n;
	int code = -1, st;

	if (access("/usr/sbin/cpnsctl", X_OK))
		SKIP(return, "no cpnsctl in this VM");
	st = system("cpnsctl pne reset " ENT " >/dev/null 2>&1");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(0, fx_pne_accept(n->t, n->ring, ENT, &n->old, &code, NULL));
	EXPECT_EQ(CPNS_ACCEPTED, code);
	st = system("cpnsctl pne reset pne-none >/dev/null 2>&1");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(1, WEXITSTATUS(st));
	st = system("cpnsctl pne reset 'bad id' >/dev/null 2>&1");
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(2, WEXITSTATUS(st));
}

TEST_HARNESS_MAIN
