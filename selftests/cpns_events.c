// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" multicast group: what a GW and a PNE do is reported, in
 * order, with public values only, and only in the network namespace where
 * it happened, to listeners with CAP_NET_ADMIN over that namespace.
 */

#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/ctrl.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "fixture.h"
#include "ref.h"
#include "tkeys.h"

#define MAX_EVENTS 16

struct events {
	unsigned int n;
	size_t len[MAX_EVENTS];
	uint8_t raw[MAX_EVENTS][512];	/* the genl payload: attributes */
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct events *ev = arg;
	int len = genlmsg_attrlen(g, 0);

	if (g->cmd != CPNS_CMD_EVENT || ev->n >= MAX_EVENTS ||
	    len > (int)sizeof(ev->raw[0]))
		return NL_STOP;
	memcpy(ev->raw[ev->n], genlmsg_attrdata(g, 0), len);
	ev->len[ev->n++] = len;
	return NL_OK;
}

/* A socket in the caller's netns that has joined "events". */
static struct nl_sock *listener(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp;

	if (!sk || genl_connect(sk))
		return NULL;
	grp = genl_ctrl_resolve_grp(sk, CPNS_GENL_NAME, CPNS_GENL_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(sk, grp))
		return NULL;
	nl_socket_disable_seq_check(sk);
	nl_socket_set_nonblocking(sk);
	return sk;
}

/* Everything queued on sk, without waiting. */
static void drain(struct nl_sock *sk, struct events *ev)
{
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, ev);
	while (nl_recvmsgs_default(sk) >= 0)
		;
}

static const int public_attrs[] = {
	CPNS_A_EVENT, CPNS_A_GW_ID, CPNS_A_USER_ID, CPNS_A_ENTITY_ID,
	CPNS_A_EPOCH, CPNS_A_INDEX, CPNS_A_N, CPNS_A_STATUS, CPNS_A_VERIFIED,
	CPNS_A_CODE, CPNS_A_ACCEPT_KIND, CPNS_A_CHAIN_ID, CPNS_A_KEY_SERIAL,
};

static int is_public(int type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(public_attrs); i++)
		if (public_attrs[i] == type)
			return 1;
	return 0;
}

TEST(events_report_gw_and_pne_in_their_netns_only)
{
	struct fx_chain c = FX_CHAIN_INIT("gw-ev", "alice", "pne-ev");
	uint8_t tk[20], euk1[32], kek[32];
	const uint8_t *secrets[] = { c.psk, c.top, c.kek, euk1, tk };
	struct nlattr *tb[CPNS_A_MAX + 1];
	static struct events inner, outer;
	struct nl_sock *out_sk, *in_sk;
	struct fx_delivery d;
	struct tgenl *t;
	struct nl_msg *m;
	int32_t ring;
	unsigned int k, s;
	int code;

	out_sk = listener();
	ASSERT_NE(NULL, out_sk);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	in_sk = listener();
	ASSERT_NE(NULL, in_sk);
	t = tgenl_open();
	ASSERT_NE(NULL, t);
	ring = tk_fresh_keyring();
	ASSERT_LT(0, ring);

	/* Secrets of distinct bytes, so that a leak of any 8 would show. */
	for (k = 0; k < 32; k++) {
		c.psk[k] = 3 + 7 * k;
		c.top[k] = 101 + 13 * k;
		if (k < sizeof(tk))
			tk[k] = 201 + 11 * k;
	}

	/* GW: request, response, chain, one delivery. */
	ASSERT_LT(0, tk_add("psk:gw-ev", c.psk, 32, ring));
	ref_kek(tk, sizeof(tk), "pne-ev", c.e, kek);
	memcpy(c.kek, kek, 32);
	ASSERT_EQ(0, fx_make_chain(t, ring, &c));
	m = tgenl_msg(t, CPNS_CMD_GW_DELIVER);
	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_ENTITY_ID, "pne-ev");
	ASSERT_EQ(0, tgenl_call(t, m, tb, NULL, 0));

	/* PNE: accepts EUKey[1], refuses a tampered copy. */
	fx_chain_key(&c, 1, euk1);
	ASSERT_LT(0, tk_add("tk:pne-ev", tk, sizeof(tk), ring));
	fx_seal_delivery(tk, sizeof(tk), "pne-ev", c.e, 1, c.n, euk1, &d);
	ASSERT_EQ(0, fx_pne_accept(t, ring, "pne-ev", &d, &code, NULL));
	ASSERT_EQ(CPNS_ACCEPTED, code);
	d.sealed[20] ^= 1;
	ASSERT_EQ(0, fx_pne_accept(t, ring, "pne-ev", &d, &code, NULL));
	ASSERT_EQ(CPNS_REJECT_OPEN, code);

	drain(in_sk, &inner);
	drain(out_sk, &outer);
	EXPECT_EQ(0, outer.n) TH_LOG("events leaked into another netns");

	{
		static const struct {
			uint8_t type;
			int attr, value;	/* one attribute to check, -1: none */
		} want[] = {
			{ CPNS_EVENT_REQUEST, -1, 0 },
			{ CPNS_EVENT_CHAIN, CPNS_A_N, 8 },
			{ CPNS_EVENT_RESPONSE, CPNS_A_STATUS, CPNS_OK },
			{ CPNS_EVENT_DELIVERY, CPNS_A_INDEX, 1 },
			{ CPNS_EVENT_ACCEPTED, CPNS_A_ACCEPT_KIND, CPNS_ACCEPT_FIRST },
			{ CPNS_EVENT_REJECTED, CPNS_A_CODE, CPNS_REJECT_OPEN },
		};

		ASSERT_EQ(ARRAY_SIZE(want), inner.n);
		for (k = 0; k < inner.n; k++) {
			struct nlattr *a, *ea[CPNS_A_MAX + 1];
			int rem;

			ASSERT_EQ(0, nla_parse(ea, CPNS_A_MAX, (struct nlattr *)inner.raw[k],
					       inner.len[k], NULL));
			ASSERT_NE(NULL, ea[CPNS_A_EVENT]);
			EXPECT_EQ(want[k].type, nla_get_u8(ea[CPNS_A_EVENT]))
				TH_LOG("event %u", k);
			ASSERT_NE(NULL, ea[CPNS_A_ENTITY_ID]);
			EXPECT_EQ(0, memcmp("pne-ev", nla_data(ea[CPNS_A_ENTITY_ID]), 6));
			if (want[k].attr >= 0) {
				ASSERT_NE(NULL, ea[want[k].attr]);
				EXPECT_EQ(want[k].value,
					  nla_len(ea[want[k].attr]) == 1 ?
					  nla_get_u8(ea[want[k].attr]) :
					  nla_get_u16(ea[want[k].attr]));
			}
			nla_for_each_attr(a, (struct nlattr *)inner.raw[k], inner.len[k], rem)
				EXPECT_TRUE(is_public(nla_type(a)))
					TH_LOG("event %u carries attribute %d", k, nla_type(a));
			/* no 8-byte run of any secret anywhere in the message */
			for (s = 0; s < ARRAY_SIZE(secrets); s++) {
				size_t off;

				for (off = 0; off + 8 <= 20; off++)
					EXPECT_EQ(NULL, memmem(inner.raw[k], inner.len[k],
							       secrets[s] + off, 8));
			}
		}
	}
	nl_socket_free(in_sk);
	nl_socket_free(out_sk);
	tgenl_close(t);
}

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Join "events" by hand: 0 or -errno of NETLINK_ADD_MEMBERSHIP. */
static int join_events(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp, err = 0;

	if (!sk || genl_connect(sk))
		return -1000;
	grp = genl_ctrl_resolve_grp(sk, CPNS_GENL_NAME, CPNS_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		err = -1001;
	} else if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK,
			      NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
		err = -errno;
	}
	nl_socket_free(sk);
	return err;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

/* uid 1000 without a capability may not listen (GENL_MCAST_CAP_NET_ADMIN). */
TEST(unprivileged_join_is_eperm)
{
	struct tgenl *t = tgenl_open();
	pid_t pid;

	ASSERT_NE(NULL, t);
	tgenl_close(t);
	EXPECT_EQ(0, join_events());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int err;

		if (tgenl_drop_privileges(1000))
			_exit(100);
		err = join_events();
		if (err != -EPERM) {
			fprintf(stderr, "# uid 1000 joined events: %d, expected %d\n",
				err, -EPERM);
			_exit(1);
		}
		/* all capabilities, but in a user namespace not owning the netns */
		if (unshare(CLONE_NEWUSER))
			_exit(101);
		err = join_events();
		if (err != -EPERM) {
			fprintf(stderr, "# new userns joined init netns events: %d, expected %d\n",
				err, -EPERM);
			_exit(2);
		}
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
}

/*
 * Events seen by uid 1000 owning a user namespace and two network
 * namespaces A and B (userns=1): a request made in A shows in A only;
 * the initial namespace's listener sees nothing.
 */
static int ns_owner_events(void)
{
	static struct events a, b;
	struct nl_sock *a_sk, *b_sk;
	struct fx_req req;
	uint8_t psk[32] = { 7 };
	struct tgenl *t;
	int32_t ring;
	int err;

	if (tgenl_drop_privileges(1000) || unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 100;
	a_sk = listener();
	t = tgenl_open();
	if (!a_sk || !t)
		return 101;
	if (unshare(CLONE_NEWNET))
		return 102;
	b_sk = listener();
	if (!b_sk)
		return 103;
	ring = tk_fresh_keyring();
	if (ring < 0 || tk_add("psk:gw-ns", psk, sizeof(psk), ring) < 0)
		return 104;
	err = fx_gw_request(t, ring, "gw-ns", "alice", "pne-ns", NULL, NULL, &req);
	if (err) {
		fprintf(stderr, "# GW_REQUEST in A: %d\n", err);
		return 105;
	}
	drain(a_sk, &a);
	drain(b_sk, &b);
	if (a.n != 1 || b.n != 0) {
		fprintf(stderr, "# events: %u in A, %u in B; want 1, 0\n", a.n, b.n);
		return 1;
	}
	return 0;
}

TEST(namespace_owner_gets_its_netns_events_only)
{
	static struct events outer;
	struct nl_sock *out_sk;
	pid_t pid;

	ASSERT_EQ(0, tgenl_module_reload("userns=1"));
	out_sk = listener();
	ASSERT_NE(NULL, out_sk);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ns_owner_events());
	EXPECT_EQ(0, wait_child(pid));
	drain(out_sk, &outer);
	EXPECT_EQ(0, outer.n) TH_LOG("a namespace's events reached the initial netns");
	nl_socket_free(out_sk);
	ASSERT_EQ(0, tgenl_module_reload(""));
}

TEST_HARNESS_MAIN
