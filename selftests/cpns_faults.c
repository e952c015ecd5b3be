// SPDX-License-Identifier: GPL-2.0
/*
 * Out of memory in the middle of a command: "on any error nothing has
 * changed".  Each state-changing command runs with the k-th fault-injection
 * point of the calling task failing, for k = 1, 2, ... until a run
 * reaches no injection point at all (fault-injection.rst, "Systematic
 * faults using fail-nth": /proc/self/task/<tid>/fail-nth with failslab's
 * ignore-gfp-wait=N, so every kmalloc/kmem_cache_alloc of the task counts,
 * GFP_KERNEL ones too).  fail-nth, not failslab's interval: interval counts
 * in a global counter that no attribute resets, so "the k-th" would drift
 * from run to run.  failslab's probability stays 0: no other task ever sees
 * a fault.
 *
 * A run injects exactly one fault, somewhere in the request's path:
 *  - in sendmsg, before the family sees the request (ENOBUFS): nothing ran;
 *  - in the command, which then answers an error: it must be ENOMEM and
 *    nothing may have changed (no chain:/euk: key made, the outstanding
 *    request still answerable, the delivered index, the pending delivery
 *    and the held (E, i, n) as before, checked against the key and by
 *    repeating the command without a fault, which must then succeed as it
 *    would have);
 *  - after the command succeeded (its reply arrived; the fault hit the ACK
 *    or a best-effort event): the state must be the new one, complete.
 * SRV_* commands keep no state in the kernel and are not swept.
 *
 * Needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS (make
 * check-debug's kernel); elsewhere every test is a SKIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "tkeys.h"
#include "ref.h"
#include "fixture.h"

#define FAILSLAB "/sys/kernel/debug/failslab"
#define WRAP_PARAM "/sys/module/cpns/parameters/wrap_key"
#define GW "gw-f"
#define USER "alice"
#define K_MAX 400		/* far above any command's allocations */
#define TEXT_MAX 1100

static const uint8_t psk[32] = { [0 ... 31] = 0x11 };	/* FX_CHAIN_INIT's */

static int failslab_set(const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAILSLAB "/%s", attr);
	return fx_write_file(path, val);
}

/* What one faulted request came to. */
struct run {
	int injected;		/* the k-th injection point was reached */
	int send_err;		/* errno of sendmsg, 0 when sent */
	int err;		/* the NLMSG_ERROR's error (0: ACK, 1: none) */
	int recv_err;		/* errno of a recv, 0 when none */
	int replied;		/* the command's reply arrived: it succeeded */
	char msg[256];		/* extack */
	struct nlattr *tb[CPNS_A_MAX + 1];
	uint8_t reply[8192];
};

/* Sweep counters, per command. */
struct tally {
	int refused, unsent, took, clean_k;
};

FIXTURE(faults) {
	struct tgenl *t;
	int32_t ring;
	int nth;		/* /proc/self/task/<tid>/fail-nth */
	char wrap_was[256];
	uint8_t buf[65536];
};

FIXTURE_SETUP(faults)
{
	char path[64];

	if (access(FAILSLAB, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(FAILSLAB, F_OK))
		SKIP(return, "no %s: kernel without CONFIG_FAILSLAB and %s",
		     FAILSLAB, "CONFIG_FAULT_INJECTION_DEBUG_FS (make check-debug has them)");
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	self->nth = open(path, O_RDWR);
	if (self->nth < 0)
		SKIP(return, "no %s: kernel without CONFIG_FAULT_INJECTION", path);
	ASSERT_EQ(0, failslab_set("probability", "0"));
	ASSERT_EQ(0, failslab_set("task-filter", "Y"));
	ASSERT_EQ(0, failslab_set("verbose", "0"));
	ASSERT_EQ(0, failslab_set("ignore-gfp-wait", "N"));
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);
	memset(self->buf, 0, sizeof(self->buf));	/* no page fault later */
}

FIXTURE_TEARDOWN(faults)
{
	if (self->nth > 0) {
		pwrite(self->nth, "0", 1, 0);
		close(self->nth);
	}
	failslab_set("ignore-gfp-wait", "Y");
	if (self->wrap_was[0])
		fx_write_file(WRAP_PARAM, self->wrap_was);
	tgenl_close(self->t);
}

static void run_parse(struct run *r, struct nlmsghdr *h, int family)
{
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);
		size_t off = sizeof(*h) + sizeof(*e);
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

		r->err = e->error;
		if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || off >= h->nlmsg_len)
			return;
		if (!nla_parse(tb, NLMSGERR_ATTR_MAX, (void *)((char *)h + off),
			       h->nlmsg_len - off, NULL) && tb[NLMSGERR_ATTR_MSG])
			snprintf(r->msg, sizeof(r->msg), "%s",
				 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	} else if (h->nlmsg_type == family && h->nlmsg_len <= sizeof(r->reply)) {
		struct nlmsghdr *c = (struct nlmsghdr *)r->reply;

		memcpy(r->reply, h, h->nlmsg_len);
		r->replied = 1;
		nla_parse(r->tb, CPNS_A_MAX, genlmsg_attrdata(NLMSG_DATA(c), 0),
			  genlmsg_attrlen(NLMSG_DATA(c), 0), NULL);
	}
}

/*
 * Send m (freed) with the k-th injection point of this task failing; k = 0:
 * none.  Between arming fail-nth and reading it back only sendmsg runs: the
 * family handles the request inside it, so the reply and the ACK (or their
 * loss, ENOBUFS) are queued when it returns, and are read without waiting.
 */
static void faulted(struct __test_metadata *_metadata, struct _test_data_faults *self,
		    struct nl_msg *m, int k, struct run *r)
{
	int fd = nl_socket_get_fd(self->t->sk);
	struct nlmsghdr *h = nlmsg_hdr(m);
	static uint32_t next_seq = 0x7f000000;
	uint32_t seq = next_seq++;
	char num[16];
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->err = 1;
	/* a sequence of its own: libnl's stays as its next call expects it */
	h->nlmsg_seq = seq;
	h->nlmsg_pid = nl_socket_get_local_port(self->t->sk);
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n = snprintf(num, sizeof(num), "%d", k);
	ASSERT_EQ(n, pwrite(self->nth, num, n, 0));
	if (send(fd, h, h->nlmsg_len, 0) < 0)
		r->send_err = errno;
	n = pread(self->nth, num, sizeof(num) - 1, 0);
	ASSERT_EQ(1, pwrite(self->nth, "0", 1, 0));
	nlmsg_free(m);
	ASSERT_LT(0, n);
	num[n] = '\0';
	r->injected = k && atoi(num) == 0;

	for (;;) {
		struct nlmsghdr *p = (struct nlmsghdr *)self->buf;

		n = recv(fd, self->buf, sizeof(self->buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN)
				r->recv_err = errno;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue;
		}
		for (; NLMSG_OK(p, n); p = NLMSG_NEXT(p, n))
			if (p->nlmsg_seq == seq)
				run_parse(r, p, self->t->family);
	}
}

/*
 * The verdict of run r of k: 1 when the command succeeded (reply), 0 when
 * it did not run or refused with ENOMEM (then the caller checks that
 * nothing changed); the sweep stops at a run that reached no injection.
 */
static int verdict(struct __test_metadata *_metadata, const char *what, int k,
		   const struct run *r, struct tally *n)
{
	if (!r->injected) {
		EXPECT_EQ(0, r->send_err);
		EXPECT_EQ(0, r->err) TH_LOG("%s without a fault: %s", what, r->msg);
		EXPECT_TRUE(r->replied);
		n->clean_k = k;
		return 1;
	}
	if (r->send_err) {
		EXPECT_EQ(ENOBUFS, r->send_err) TH_LOG("%s k=%d: sendmsg", what, k);
		n->unsent++;
		return 0;
	}
	if (r->replied || r->err == 0 || (r->err == 1 && r->recv_err == ENOBUFS)) {
		/*
		 * The fault came after the command: only the ACK may be lost.
		 * (One fault a run: an ACK lost with no reply is a success
		 * too, the handler ran without one.)
		 */
		EXPECT_TRUE(r->err == 0 || (r->err == 1 && r->recv_err == ENOBUFS))
			TH_LOG("%s k=%d: reply, then err %d recv %d", what, k,
			       r->err, r->recv_err);
		n->took++;
		return 1;
	}
	EXPECT_EQ(-ENOMEM, r->err)
		TH_LOG("%s k=%d: refused with %d (%s), recv %d", what, k, r->err,
		       r->msg, r->recv_err);
	n->refused++;
	return 0;
}

static void report(struct __test_metadata *_metadata, const char *what,
		   const struct tally *n)
{
	ASSERT_LT(0, n->clean_k) TH_LOG("%s: still a fault at k=%d", what, K_MAX);
	TH_LOG("%s: clean at k=%d; %d refused with ENOMEM and unchanged, %d not sent, %d succeeded",
	       what, n->clean_k, n->refused, n->unsent, n->took);
}

/* ---- the commands and what they change ---- */

static struct nl_msg *entity_msg(struct tgenl *t, uint8_t cmd, int32_t ring,
				 const char *entity)
{
	struct nl_msg *m = tgenl_msg(t, cmd);

	nla_put_s32(m, CPNS_A_KEYRING, ring);
	fx_put_id(m, CPNS_A_ENTITY_ID, entity);
	return m;
}

static struct nl_msg *confirm_msg(struct tgenl *t, int32_t ring,
				  const char *entity, uint16_t i,
				  const uint8_t confirm[REF_HASH_LEN])
{
	struct nl_msg *m = entity_msg(t, CPNS_CMD_GW_CONFIRM, ring, entity);

	nla_put_u16(m, CPNS_A_INDEX, i);
	nla_put_u8(m, CPNS_A_CODE, CPNS_ACCEPTED);
	nla_put(m, CPNS_A_CONFIRM, REF_HASH_LEN, confirm);
	return m;
}

static struct nl_msg *accept_msg(struct tgenl *t, int32_t ring,
				 const char *entity, const struct fx_delivery *d)
{
	struct nl_msg *m = entity_msg(t, CPNS_CMD_PNE_ACCEPT, ring, entity);

	nla_put_u32(m, CPNS_A_EPOCH, d->e);
	nla_put_u16(m, CPNS_A_INDEX, d->i);
	nla_put_u16(m, CPNS_A_N, d->n);
	nla_put(m, CPNS_A_CHALLENGE, sizeof(d->challenge), d->challenge);
	nla_put(m, CPNS_A_SEALED, sizeof(d->sealed), d->sealed);
	return m;
}

/* PNE_RESET takes the EntityID only (no keyring: the store's key) */
static struct nl_msg *reset_msg(struct tgenl *t, const char *entity)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_PNE_RESET);

	fx_put_id(m, CPNS_A_ENTITY_ID, entity);
	return m;
}

/* The /proc/keys metadata of a held key, or "" when none is held. */
static void held_line(const char *desc, char *buf, size_t len)
{
	int32_t key = tk_held_search(desc);

	buf[0] = '\0';
	if (key > 0 && tk_proc_keys_line(key, buf, len))
		buf[0] = '\0';
}

static uint64_t counter(struct __test_metadata *_metadata, struct tgenl *t, int c)
{
	uint64_t v[CPNS_COUNTER_A_MAX + 1];

	EXPECT_EQ(0, fx_counters(t, v));
	return v[c];
}

/* A chain:<entity> E=1 n=8 (psk:GW added by the test). */
static void make_chain(struct __test_metadata *_metadata,
		       struct _test_data_faults *self, const char *entity,
		       struct fx_chain *c)
{
	struct fx_chain init = FX_CHAIN_INIT(GW, USER, NULL);

	*c = init;
	c->entity = entity;
	ASSERT_EQ(0, fx_make_chain(self->t, self->ring, c));
}

/*
 * GW_REQUEST: a refused one leaves no outstanding entry.  Entries are not
 * visible, so they are counted: the REQUESTS counter moves only with a
 * success, and at the end exactly CPNS_OUTSTANDING_MAX minus the successes
 * fit.
 */
TEST_F_TIMEOUT(faults, gw_request, 900)
{
	struct tally n = {};
	struct fx_req req;
	struct run r;
	int k, fit = 0, err;

	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;

	ASSERT_LT(0, tk_add("psk:" GW, psk, 32, self->ring));
	for (k = 1; k <= K_MAX; k++) {
		uint64_t before = counter(_metadata, self->t, CPNS_COUNTER_A_REQUESTS);

		faulted(_metadata, self, fx_gw_request_msg(self->t, self->ring, GW, USER, "pne-q", NULL, NULL), k, &r);
		if (verdict(_metadata, "GW_REQUEST", k, &r, &n)) {
			EXPECT_NE(NULL, r.tb[CPNS_A_RAND]);
			EXPECT_EQ(before + 1, counter(_metadata, self->t,
						      CPNS_COUNTER_A_REQUESTS));
		} else {
			EXPECT_EQ(before, counter(_metadata, self->t,
						  CPNS_COUNTER_A_REQUESTS))
				TH_LOG("k=%d: an entry counted after a refusal", k);
		}
		if (!r.injected)
			break;
	}
	report(_metadata, "GW_REQUEST", &n);
	while ((err = fx_gw_request(self->t, self->ring, GW, USER, "pne-q",
				    NULL, NULL, &req)) == 0)
		fit++;
	EXPECT_EQ(-EBUSY, err);
	EXPECT_EQ(CPNS_OUTSTANDING_MAX - n.took - 1, fit)
		TH_LOG("%d entries held by refused requests",
		       CPNS_OUTSTANDING_MAX - n.took - 1 - fit);
}

/*
 * GW_RESPONSE: a refused one makes no chain: key and keeps the request,
 * which a repeat without a fault then takes; one that succeeded made the
 * chain and consumed the request (a repeat is ENOENT).
 */
TEST_F_TIMEOUT(faults, gw_response, 900)
{
	struct tally n = {};
	struct run r;
	int k;

	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;

	ASSERT_LT(0, tk_add("psk:" GW, psk, 32, self->ring));
	for (k = 1; k <= K_MAX; k++) {
		struct fx_chain c = FX_CHAIN_INIT(GW, USER, NULL);
		char ent[32], desc[48];
		struct fx_req req;
		struct fx_ack ack;
		uint64_t chains;
		int ok;

		snprintf(ent, sizeof(ent), "pne-r%d", k);
		snprintf(desc, sizeof(desc), "chain:%s", ent);
		c.entity = ent;
		ASSERT_EQ(0, fx_gw_request(self->t, self->ring, GW, USER, ent,
					   NULL, NULL, &req));
		chains = counter(_metadata, self->t, CPNS_COUNTER_A_CHAINS);
		faulted(_metadata, self, fx_gw_response_msg(self->t, self->ring, &c, &req), k, &r);
		ok = verdict(_metadata, "GW_RESPONSE", k, &r, &n);
		if (ok) {
			ASSERT_NE(NULL, r.tb[CPNS_A_KEY_SERIAL]);
			EXPECT_EQ(nla_get_s32(r.tb[CPNS_A_KEY_SERIAL]),
				  tk_held_search(desc));
			EXPECT_EQ(chains + 1, counter(_metadata, self->t,
						      CPNS_COUNTER_A_CHAINS));
		} else {
			EXPECT_EQ(-ENOKEY, tk_held_search(desc))
				TH_LOG("k=%d: chain: made by a refused response", k);
			EXPECT_EQ(chains, counter(_metadata, self->t,
						  CPNS_COUNTER_A_CHAINS));
		}
		/* the request: still there after a refusal, gone after a success */
		EXPECT_EQ(ok ? -ENOENT : 0,
			  fx_call(self->t, fx_gw_response_msg(self->t, self->ring, &c, &req),
				  NULL, &ack))
			TH_LOG("k=%d: repeat: %s", k, ack.msg);
		EXPECT_LT(0, tk_held_search(desc));
		if (!r.injected)
			break;
	}
	report(_metadata, "GW_RESPONSE", &n);
}

/*
 * GW_DELIVER: a refused one leaves no delivery pending (a Confirm of
 * index 1 is ENOENT, not EBADMSG) and the chain as it was.
 */
TEST_F_TIMEOUT(faults, gw_deliver, 900)
{
	static const uint8_t zero[REF_HASH_LEN];
	struct tally n = {};
	struct run r;
	int k;

	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;

	ASSERT_LT(0, tk_add("psk:" GW, psk, 32, self->ring));
	for (k = 1; k <= K_MAX; k++) {
		char ent[32], desc[48], was[256], now[256];
		struct fx_chain c;
		struct fx_ack ack;
		int ok;

		snprintf(ent, sizeof(ent), "pne-d%d", k);
		snprintf(desc, sizeof(desc), "chain:%s", ent);
		make_chain(_metadata, self, ent, &c);
		held_line(desc, was, sizeof(was));
		faulted(_metadata, self,
			entity_msg(self->t, CPNS_CMD_GW_DELIVER, self->ring, ent), k, &r);
		ok = verdict(_metadata, "GW_DELIVER", k, &r, &n);
		if (ok) {
			ASSERT_NE(NULL, r.tb[CPNS_A_INDEX]);
			EXPECT_EQ(1, nla_get_u16(r.tb[CPNS_A_INDEX]));
		}
		held_line(desc, now, sizeof(now));
		EXPECT_STREQ(was, now);
		EXPECT_EQ(ok ? -EBADMSG : -ENOENT,
			  fx_call(self->t, confirm_msg(self->t, self->ring, ent, 1, zero),
				  NULL, &ack))
			TH_LOG("k=%d: pending after %s: %s", k,
			       ok ? "a delivery" : "a refusal", ack.msg);
		if (!r.injected)
			break;
	}
	report(_metadata, "GW_DELIVER", &n);
}

/*
 * GW_CONFIRM of a good Confirm: a refused one keeps delivered = 0 and the
 * delivery pending (a repeat without a fault confirms it).
 */
TEST_F_TIMEOUT(faults, gw_confirm, 900)
{
	struct tally n = {};
	struct run r;
	int k;

	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;

	ASSERT_LT(0, tk_add("psk:" GW, psk, 32, self->ring));
	for (k = 1; k <= K_MAX; k++) {
		uint8_t euk[REF_HASH_LEN], confirm[REF_HASH_LEN];
		char ent[32], desc[48], want[256], now[256];
		struct nlattr *tb[CPNS_A_MAX + 1];
		struct fx_chain c;
		struct fx_ack ack;
		int ok;

		snprintf(ent, sizeof(ent), "pne-c%d", k);
		snprintf(desc, sizeof(desc), "chain:%s", ent);
		make_chain(_metadata, self, ent, &c);
		ASSERT_EQ(0, fx_call(self->t, entity_msg(self->t, CPNS_CMD_GW_DELIVER,
							 self->ring, ent), tb, NULL));
		ASSERT_NE(NULL, tb[CPNS_A_CHALLENGE]);
		fx_chain_key(&c, 1, euk);
		ref_confirm(euk, ent, c.e, 1, nla_data(tb[CPNS_A_CHALLENGE]), confirm);

		faulted(_metadata, self, confirm_msg(self->t, self->ring, ent, 1, confirm),
			k, &r);
		ok = verdict(_metadata, "GW_CONFIRM", k, &r, &n);
		if (ok) {
			ASSERT_NE(NULL, r.tb[CPNS_A_DELIVERED]);
			EXPECT_EQ(1, nla_get_u16(r.tb[CPNS_A_DELIVERED]));
		}
		fx_chain_describe(&c, ok ? 1 : 0, want, sizeof(want));
		held_line(desc, now, sizeof(now));
		EXPECT_STREQ(want, now) TH_LOG("k=%d", k);
		EXPECT_EQ(ok ? -ENOENT : 0,
			  fx_call(self->t, confirm_msg(self->t, self->ring, ent, 1, confirm),
				  NULL, &ack))
			TH_LOG("k=%d: repeat: %s", k, ack.msg);
		if (!r.injected)
			break;
	}
	report(_metadata, "GW_CONFIRM", &n);
}

/* PNE_ACCEPT at entity: 0 and *kind, or -errno / -code of a rejection */
static int accept_kind(struct tgenl *t, int32_t ring, const char *ent,
		       const struct fx_delivery *d)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err = fx_call(t, accept_msg(t, ring, ent, d), tb, NULL);

	if (err)
		return err;
	if (!tb[CPNS_A_CODE] || nla_get_u8(tb[CPNS_A_CODE]) != CPNS_ACCEPTED ||
	    !tb[CPNS_A_ACCEPT_KIND])
		return -EPROTO;
	return nla_get_u8(tb[CPNS_A_ACCEPT_KIND]);
}

/*
 * PNE_ACCEPT, a first delivery (i = 1) and, when renew, a renewal (i = 2
 * over i = 1): a refused one leaves the held euk: as it was (none, or
 * E=1 i=1 n=8), and a repeat without a fault is accepted as the same kind.
 */
static void sweep_accept(struct __test_metadata *_metadata,
			 struct _test_data_faults *self, int renew)
{
	const char *what = renew ? "PNE_ACCEPT (renewal)" : "PNE_ACCEPT (first)";
	uint8_t tk[32], top[REF_HASH_LEN], euk[REF_HASH_LEN];
	struct tally n = {};
	struct run r;
	int k;

	memset(tk, 0xa7, sizeof(tk));
	memset(top, 0x22, sizeof(top));
	for (k = 1; k <= K_MAX; k++) {
		char ent[32], desc[48], tkd[48], was[256], now[256];
		uint8_t want = renew ? CPNS_ACCEPT_RENEWAL : CPNS_ACCEPT_FIRST;
		struct fx_delivery d1, d;
		int ok;

		snprintf(ent, sizeof(ent), "pne-a%d%s", k, renew ? "r" : "");
		snprintf(desc, sizeof(desc), "euk:%s", ent);
		snprintf(tkd, sizeof(tkd), "tk:%s", ent);
		ASSERT_LT(0, tk_add(tkd, tk, sizeof(tk), self->ring));
		ref_chain_key(top, 8, 1, euk);
		fx_seal_delivery(tk, 32, ent, 1, 1, 8, euk, &d1);
		d = d1;
		if (renew) {
			ASSERT_EQ(CPNS_ACCEPT_FIRST,
				  accept_kind(self->t, self->ring, ent, &d1));
			ref_chain_key(top, 8, 2, euk);
			fx_seal_delivery(tk, 32, ent, 1, 2, 8, euk, &d);
		}
		held_line(desc, was, sizeof(was));
		faulted(_metadata, self, accept_msg(self->t, self->ring, ent, &d), k, &r);
		ok = verdict(_metadata, what, k, &r, &n);
		held_line(desc, now, sizeof(now));
		if (ok) {
			ASSERT_NE(NULL, r.tb[CPNS_A_CODE]);
			EXPECT_EQ(CPNS_ACCEPTED, nla_get_u8(r.tb[CPNS_A_CODE]));
			EXPECT_EQ(renew ? 0 : 1, !strncmp(now, "E=1 i=1 n=8 ", 12))
				TH_LOG("k=%d: %s", k, now);
			EXPECT_EQ(renew ? 1 : 0, !strncmp(now, "E=1 i=2 n=8 ", 12))
				TH_LOG("k=%d: %s", k, now);
			want = CPNS_ACCEPT_REPEAT;
		} else {
			EXPECT_STREQ(was, now) TH_LOG("k=%d: held key changed", k);
		}
		EXPECT_EQ(want, accept_kind(self->t, self->ring, ent, &d))
			TH_LOG("k=%d: repeat", k);
		if (!r.injected)
			break;
	}
	report(_metadata, what, &n);
}

TEST_F_TIMEOUT(faults, pne_accept_first, 900)
{
	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;
	sweep_accept(_metadata, self, 0);
}

TEST_F_TIMEOUT(faults, pne_accept_renewal, 900)
{
	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;
	sweep_accept(_metadata, self, 1);
}

/*
 * KEY_LOAD of an euk: blob after a reset: a refused one makes no key, a
 * repeat without a fault loads it.
 */
TEST_F_TIMEOUT(faults, key_load, 900)
{
	static char text[TEXT_MAX];
	uint8_t tk[32], w[32], top[REF_HASH_LEN], euk[REF_HASH_LEN];
	struct fx_delivery d;
	struct tally n = {};
	struct run r;
	int32_t key;
	long len;
	int fd, k;

	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;

	fd = open(WRAP_PARAM, O_RDONLY);
	ASSERT_LE(0, fd);
	len = read(fd, self->wrap_was, sizeof(self->wrap_was) - 1);
	close(fd);
	ASSERT_LT(0, len);
	self->wrap_was[len] = '\0';
	self->wrap_was[strcspn(self->wrap_was, "\n")] = '\0';
	ASSERT_EQ(0, fx_write_file(WRAP_PARAM, "logon:cpns:wrap"));
	memset(w, 0x5c, sizeof(w));
	ASSERT_LT(0, syscall(__NR_add_key, "logon", "cpns:wrap", w, sizeof(w),
			     self->ring));
	memset(tk, 0xa7, sizeof(tk));
	memset(top, 0x22, sizeof(top));
	ASSERT_LT(0, tk_add("tk:pne-l", tk, sizeof(tk), self->ring));
	ref_chain_key(top, 8, 1, euk);
	fx_seal_delivery(tk, 32, "pne-l", 1, 1, 8, euk, &d);
	ASSERT_EQ(CPNS_ACCEPT_FIRST, accept_kind(self->t, self->ring, "pne-l", &d));
	key = tk_held_search("euk:pne-l");
	ASSERT_LT(0, key);
	memcpy(text, "load ", 5);
	len = tk_read(key, text + 5, TEXT_MAX - 6);
	ASSERT_LT(0, len);
	ASSERT_GT(TEXT_MAX - 6, len);
	text[5 + len] = '\0';

	for (k = 1; k <= K_MAX; k++) {
		struct nl_msg *m;
		struct fx_ack ack;
		int ok;

		ASSERT_EQ(0, fx_call(self->t, reset_msg(self->t, "pne-l"), NULL, &ack))
			TH_LOG("reset: %s", ack.msg);
		ASSERT_EQ(-ENOKEY, tk_held_search("euk:pne-l"));
		m = tgenl_msg(self->t, CPNS_CMD_KEY_LOAD);
		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		nla_put(m, CPNS_A_KEY_BLOB, strlen(text), text);
		faulted(_metadata, self, m, k, &r);
		ok = verdict(_metadata, "KEY_LOAD", k, &r, &n);
		if (ok) {
			ASSERT_NE(NULL, r.tb[CPNS_A_KEY_SERIAL]);
			EXPECT_EQ(nla_get_s32(r.tb[CPNS_A_KEY_SERIAL]),
				  tk_held_search("euk:pne-l"));
		} else {
			EXPECT_EQ(-ENOKEY, tk_held_search("euk:pne-l"))
				TH_LOG("k=%d: euk: made by a refused load", k);
		}
		m = tgenl_msg(self->t, CPNS_CMD_KEY_LOAD);
		nla_put_s32(m, CPNS_A_KEYRING, self->ring);
		nla_put(m, CPNS_A_KEY_BLOB, strlen(text), text);
		EXPECT_EQ(ok ? -EEXIST : 0, fx_call(self->t, m, NULL, &ack))
			TH_LOG("k=%d: repeat: %s", k, ack.msg);
		if (!r.injected)
			break;
	}
	report(_metadata, "KEY_LOAD", &n);
}

/*
 * PNE_RESET (no reply, an ACK): a refused one leaves the held euk: as it
 * was; one that succeeded dropped it.
 */
TEST_F_TIMEOUT(faults, pne_reset, 900)
{
	uint8_t tk[32], top[REF_HASH_LEN], euk[REF_HASH_LEN];
	struct fx_delivery d;
	struct tally n = {};
	struct run r;
	int k;

	if (_metadata->skip)	/* SKIP in the setup: the body runs anyway */
		return;

	memset(tk, 0xa7, sizeof(tk));
	memset(top, 0x22, sizeof(top));
	ASSERT_LT(0, tk_add("tk:pne-x", tk, sizeof(tk), self->ring));
	ref_chain_key(top, 8, 1, euk);
	fx_seal_delivery(tk, 32, "pne-x", 1, 1, 8, euk, &d);
	for (k = 1; k <= K_MAX; k++) {
		char was[256], now[256];
		int ok;

		if (tk_held_search("euk:pne-x") < 0)
			ASSERT_EQ(CPNS_ACCEPT_FIRST,
				  accept_kind(self->t, self->ring, "pne-x", &d));
		held_line("euk:pne-x", was, sizeof(was));
		ASSERT_NE(0, was[0]);
		faulted(_metadata, self, reset_msg(self->t, "pne-x"), k, &r);
		r.replied = r.err == 0;		/* its answer is the ACK */
		ok = verdict(_metadata, "PNE_RESET", k, &r, &n);
		held_line("euk:pne-x", now, sizeof(now));
		EXPECT_STREQ(ok ? "" : was, now) TH_LOG("k=%d", k);
		if (!r.injected)
			break;
	}
	report(_metadata, "PNE_RESET", &n);
}

TEST_HARNESS_MAIN
