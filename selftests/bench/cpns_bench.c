// SPDX-License-Identifier: GPL-2.0
/*
 * cpns_bench: what the cpns commands cost, measured side by side in one run
 * inside the test VM (make bench).  Every figure is a ratio to a baseline
 * measured in the same run, in interleaved rounds (each round runs every
 * row of a table in turn), with the spread of the per-round ratios; the
 * absolute numbers are printed for reference.  Nothing about time is
 * asserted.  The figures are those of issue 12:
 *
 *   P1  the module's chain walk (links/s) over the same kernel's bulk
 *       SHA-256 (compressions/s, AF_ALG over 4 MiB), and over a userspace
 *       walker that hashes each link through AF_ALG (libkcapi)
 *   P2  every command over a no-op generic netlink round trip (nlctrl
 *       CTRL_CMD_GETFAMILY), each sent on a raw netlink socket, so that
 *       no library's cost is in any row
 *   P3  latency with 10,000 keys in the keyring over 10 keys; the kernel
 *       memory a chain takes, from the slab caches (/proc/slabinfo), for
 *       n = 1 and n = 65535, beside the quota it declares
 *   d   PNE_ACCEPT (repeat) from P processes, P entities vs one entity
 *   e   a victim's PNE_ACCEPT latency, alone and while an attacker in its
 *       own user and network namespace replays its own worst case (a
 *       REJECT_LINK delivery at i = 65535 against its own euk: at i = 1,
 *       65534 hashes per call, never accepted, so replayable for ever)
 *
 * P4, the daemons end to end, is selftests/bench/cpns_bench_e2e.sh.
 * The other parties (the server sealing a bundle, the GW sealing a
 * delivery) are played by the reference of lib/ref.h.  Iteration counts
 * adapt to the speed of the machine (a time budget per table).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <kcapi.h>

#include "fixture.h"
#include "genl.h"
#include "ref.h"
#include "tkeys.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define GW "gw-bench"
#define USER "bench"
#define MASTER "bench"
#define PASSWORD "password"	/* fx_gw_request()'s HPW for a NULL password */
#define CLAIM "CLAIM-CODE-0001"

static struct tgenl *t;
static int32_t ring;
static uint8_t psk[32] = { [0 ... 31] = 0x11 };
static uint8_t tk[32] = { [0 ... 31] = 0x66 };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	printf("# cpns bench: FAILED: %s: %s\n", what, strerror(-err));
	fflush(stdout);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("calloc", -ENOMEM);
	return p;
}

/* ---------------------------------------------------------- measuring */

#define ROUNDS 5
#define SLICE_NS 20e6

/*
 * One row: fn is timed, call by call; prep (before) and post (after)
 * are not.  ns[r] / it[r] is round r's time per call.
 */
struct op {
	const char *name;
	int (*prep)(void *arg);
	int (*fn)(void *arg);
	int (*post)(void *arg);
	void *arg;
	long per_slice;		/* calls in a row */
	double ns[ROUNDS];
	long it[ROUNDS];
};

static int op_call(struct op *o, double *ns)
{
	double t0;
	int err;

	if (o->prep) {
		err = o->prep(o->arg);
		if (err)
			return err;
	}
	t0 = now_ns();
	err = o->fn(o->arg);
	*ns += now_ns() - t0;
	if (!err && o->post)
		err = o->post(o->arg);
	return err;
}

/* Time per call over every round, in us. */
static double op_us(const struct op *o)
{
	double ns = 0;
	long it = 0;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		ns += o->ns[r];
		it += o->it[r];
	}
	return ns / it / 1e3;
}

static double op_round_us(const struct op *o, int r)
{
	return o->ns[r] / o->it[r] / 1e3;
}

static long op_iters(const struct op *o)
{
	long it = 0;
	int r;

	for (r = 0; r < ROUNDS; r++)
		it += o->it[r];
	return it;
}

/* Size an op: untimed calls (at least 2, or 50 ms), then its per_slice. */
static void op_size(struct op *o)
{
	double t0 = now_ns(), el, spent = 0;
	long calls = 0;
	int err;

	do {
		err = op_call(o, &spent);
		if (err)
			die(o->name, err);
		calls++;
		el = now_ns() - t0;
	} while (calls < 2 || el < 50e6);
	o->per_slice = (long)(SLICE_NS / (el / calls));
	if (o->per_slice < 1)
		o->per_slice = 1;
}

/*
 * ROUNDS rounds of about budget_ms * nops / ROUNDS each.  A round cycles
 * through the ops, each for a slice of about SLICE_NS (at least one
 * call), until its time is up, so that a change in the speed of the
 * machine (other VMs on the host, TCG's translation cache) weighs on
 * every op alike.
 */
static void measure(struct op *ops, int nops, double budget_ms)
{
	double round_ns = budget_ms * 1e6 * nops / ROUNDS, end;
	long k;
	int o, r, err;

	for (o = 0; o < nops; o++)
		op_size(&ops[o]);
	for (r = 0; r < ROUNDS; r++) {
		for (o = 0; o < nops; o++) {
			ops[o].ns[r] = 0;
			ops[o].it[r] = 0;
		}
		end = now_ns() + round_ns;
		do {
			for (o = 0; o < nops; o++)
				for (k = 0; k < ops[o].per_slice; k++) {
					err = op_call(&ops[o], &ops[o].ns[r]);
					if (err)
						die(ops[o].name, err);
					ops[o].it[r]++;
				}
		} while (now_ns() < end);
	}
}

/* min and max over the rounds of f(round) */
struct spread {
	double lo, hi;
};

static void spread_add(struct spread *s, int r, double v)
{
	if (!r || v < s->lo)
		s->lo = v;
	if (!r || v > s->hi)
		s->hi = v;
}

static void header(const char *title, const char *base)
{
	printf("\n## %s\n", title);
	printf("  %-44s %10s %10s %7s %7s %13s\n", "operation", "us/op", "ops/s",
	       "iters", "ratio", "spread");
	printf("  %-44s %10s %10s %7s %7s %13s\n", "", "", "", "", base,
	       "(rounds)");
}

/* A row: its time over base's, overall and per round. */
static void row(const struct op *o, const struct op *base)
{
	struct spread s = { 0, 0 };
	double u = op_us(o);
	char sp[32];
	int r;

	for (r = 0; r < ROUNDS; r++)
		spread_add(&s, r, op_round_us(o, r) / op_round_us(base, r));
	snprintf(sp, sizeof(sp), "%.2f-%.2f", s.lo, s.hi);
	printf("  %-44s %10.1f %10.0f %7ld %7.2f %13s\n", o->name, u, 1e6 / u,
	       op_iters(o), u / op_us(base), sp);
}

/* ---------------------------------------------------- raw netlink */

/*
 * A raw NETLINK_GENERIC socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK,
 * as tgenl's: a request goes out with one send(), its reply and ACK come
 * back with recv(); libnl only builds the messages (untimed) and parses
 * the reply's attributes.
 */
struct raw {
	int fd;
	uint32_t seq;
	uint8_t rx[32768];
	uint8_t reply[8192];	/* the last reply, owner of tb */
	struct nlattr *tb[CPNS_A_MAX + 1];
};

static struct raw *raw;

static struct raw *raw_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct raw *r = xcalloc(1, sizeof(*r));
	int one = 1;

	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(r->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(r->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		die("raw netlink socket", -errno);
	return r;
}

/*
 * Send the request nlh (sequence number and flags set here) and wait for
 * its ACK.  Returns 0 or the kernel's -errno; r->tb holds the reply's
 * attributes (of the cpns family; all NULL when there was none).
 */
static int raw_call(struct raw *r, struct nlmsghdr *nlh)
{
	struct nlmsghdr *h;
	ssize_t n;

	nlh->nlmsg_seq = ++r->seq;
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	memset(r->tb, 0, sizeof(r->tb));
	if (send(r->fd, nlh, nlh->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(r->fd, r->rx, sizeof(r->rx), 0);
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)r->rx; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_len > sizeof(r->reply))
				return -EMSGSIZE;
			memcpy(r->reply, h, h->nlmsg_len);
			h = (struct nlmsghdr *)r->reply;
			if (h->nlmsg_type >= NLMSG_MIN_TYPE &&
			    genlmsg_parse(h, 0, r->tb, CPNS_A_MAX, NULL))
				return -EBADMSG;
		}
	}
}

/* A prebuilt request, sent again and again. */
struct raw_req {
	struct nl_msg *m;
	int reply_attr;		/* the reply must carry it; 0: none asked */
};

static int raw_req_fn(void *arg)
{
	struct raw_req *q = arg;
	int err = raw_call(raw, nlmsg_hdr(q->m));

	if (!err && q->reply_attr && !raw->tb[q->reply_attr])
		err = -EPROTO;
	return err;
}

static struct raw_req *raw_req(struct nl_msg *m, int reply_attr)
{
	struct raw_req *q = xcalloc(1, sizeof(*q));

	if (!m)
		die("message", -ENOMEM);
	q->m = m;
	q->reply_attr = reply_attr;
	return q;
}

/* nlctrl CTRL_CMD_GETFAMILY "cpns": the no-op round trip. */
static struct nl_msg *getfamily_msg(void)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, 0,
			       CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(m, CTRL_ATTR_FAMILY_NAME, CPNS_GENL_NAME))
		die("GETFAMILY message", -ENOMEM);
	return m;
}

/* ------------------------------------------------------------ GW side */

struct deliv {
	const char *entity;
	uint16_t want_i;
	uint16_t i;
	uint8_t challenge[CPNS_CHALLENGE_LEN];
	int32_t ring;
};

static struct nl_msg *deliver_msg(int32_t r, const char *entity)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_DELIVER);

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, r) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity))
		die("GW_DELIVER message", -ENOMEM);
	return m;
}

/* GW_DELIVER on the raw socket; d->i and d->challenge from the reply. */
static int gw_deliver(void *arg)
{
	struct deliv *d = arg;
	struct nl_msg *m = deliver_msg(d->ring ? d->ring : ring, d->entity);
	struct nlattr **tb = raw->tb;
	int err = raw_call(raw, nlmsg_hdr(m));

	nlmsg_free(m);
	if (err)
		return err;
	if (!tb[CPNS_A_STATUS] || nla_get_u8(tb[CPNS_A_STATUS]) != CPNS_OK ||
	    !tb[CPNS_A_INDEX] || !tb[CPNS_A_CHALLENGE])
		return -EPROTO;
	d->i = nla_get_u16(tb[CPNS_A_INDEX]);
	if (d->want_i && d->i != d->want_i)
		return -EPROTO;
	memcpy(d->challenge, nla_data(tb[CPNS_A_CHALLENGE]), CPNS_CHALLENGE_LEN);
	return 0;
}

static struct nl_msg *confirm_msg(const char *entity, uint16_t i,
				  const uint8_t confirm[REF_HASH_LEN])
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_CONFIRM);

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
	    nla_put_u16(m, CPNS_A_INDEX, i) ||
	    nla_put_u8(m, CPNS_A_CODE, CPNS_ACCEPTED) ||
	    nla_put(m, CPNS_A_CONFIRM, REF_HASH_LEN, confirm))
		die("GW_CONFIRM message", -ENOMEM);
	return m;
}

/* qnbytes of this uid in /proc/key-users */
static long qnbytes(void)
{
	unsigned int uid = getuid(), u;
	long bytes = -1, b;
	char line[256];
	FILE *f = fopen("/proc/key-users", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %u: %*d %*d/%*d %*d/%*d %ld/", &u, &b) == 2 &&
		    u == uid)
			bytes = b;
	fclose(f);
	return bytes;
}

static void chain_init(struct fx_chain *c, const char *entity, uint16_t n)
{
	struct fx_chain init = FX_CHAIN_INIT(GW, USER, entity);

	*c = init;
	memcpy(c->psk, psk, sizeof(psk));
	c->n = n;
	c->top[0] = n;
	c->top[1] = n >> 8;
}

static struct fx_chain *new_chain(int32_t r, const char *fmt, unsigned int k,
				  uint16_t n)
{
	struct fx_chain *c = xcalloc(1, sizeof(*c));
	char name[40];
	int err;

	snprintf(name, sizeof(name), fmt, k);
	chain_init(c, strdup(name), n);
	err = fx_make_chain(t, r, c);
	if (err)
		die("GW_REQUEST + GW_RESPONSE", err);
	return c;
}

/* ------------------------------------------------------------ PNE side */

struct accept {
	const char *entity;
	struct fx_delivery d;
	int want_kind;
	int32_t ring;
};

static struct nl_msg *accept_msg(struct tgenl *tt, const struct accept *a)
{
	struct nl_msg *m = tgenl_msg(tt, CPNS_CMD_PNE_ACCEPT);

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, a->ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, a->entity) ||
	    nla_put_u32(m, CPNS_A_EPOCH, a->d.e) ||
	    nla_put_u16(m, CPNS_A_INDEX, a->d.i) ||
	    nla_put_u16(m, CPNS_A_N, a->d.n) ||
	    nla_put(m, CPNS_A_CHALLENGE, sizeof(a->d.challenge), a->d.challenge) ||
	    nla_put(m, CPNS_A_SEALED, sizeof(a->d.sealed), a->d.sealed))
		die("PNE_ACCEPT message", -ENOMEM);
	return m;
}

static int accept_check(struct nlattr **tb, const struct accept *a)
{
	if (!tb[CPNS_A_CODE] || nla_get_u8(tb[CPNS_A_CODE]) != CPNS_ACCEPTED ||
	    !tb[CPNS_A_ACCEPT_KIND] ||
	    (a->want_kind && nla_get_u8(tb[CPNS_A_ACCEPT_KIND]) != a->want_kind))
		return -EPROTO;
	return 0;
}

/* PNE_ACCEPT through libnl on tt (the parallel rows and set-ups) */
static int pne_accept_on(struct tgenl *tt, struct accept *a)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err = fx_call(tt, accept_msg(tt, a), tb, NULL);

	return err ?: accept_check(tb, a);
}

/* The attacker's call: a delivery that opens, walks and is REJECT_LINK. */
static int pne_reject_link_on(struct tgenl *tt, struct accept *a)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(tt, CPNS_CMD_PNE_ACCEPT);
	int err;

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, a->ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, a->entity) ||
	    nla_put_u32(m, CPNS_A_EPOCH, a->d.e) ||
	    nla_put_u16(m, CPNS_A_INDEX, a->d.i) ||
	    nla_put_u16(m, CPNS_A_N, a->d.n) ||
	    nla_put(m, CPNS_A_CHALLENGE, sizeof(a->d.challenge), a->d.challenge) ||
	    nla_put(m, CPNS_A_SEALED, sizeof(a->d.sealed), a->d.sealed))
		return -ENOMEM;
	err = fx_call(tt, m, tb, NULL);
	if (err)
		return err;
	if (!tb[CPNS_A_CODE] || nla_get_u8(tb[CPNS_A_CODE]) != CPNS_REJECT_LINK)
		return -EPROTO;
	return 0;
}

/* tk:<entity> in r and a first acceptance of EUKey[2] of an n = 8 chain */
static void accept_setup(struct accept *a, int32_t r, const char *entity)
{
	struct fx_chain c;
	uint8_t euk[REF_HASH_LEN];
	char desc[80];
	int err;

	snprintf(desc, sizeof(desc), "tk:%s", entity);
	err = tk_add(desc, tk, sizeof(tk), r);
	if (err < 0)
		die("add_key tk:", err);
	chain_init(&c, entity, 8);
	fx_chain_key(&c, 2, euk);
	a->entity = entity;
	a->ring = r;
	fx_seal_delivery(tk, sizeof(tk), entity, c.e, 2, c.n, euk, &a->d);
	a->want_kind = CPNS_ACCEPT_FIRST;
	err = pne_accept_on(t, a);
	if (err)
		die("PNE_ACCEPT (first)", err);
	a->want_kind = CPNS_ACCEPT_REPEAT;
}

/* A PNE_ACCEPT (repeat) on the raw socket, its message prebuilt. */
struct accept_op {
	struct accept *a;
	struct nl_msg *m;
};

static int accept_fn(void *arg)
{
	struct accept_op *ao = arg;

	return raw_call(raw, nlmsg_hdr(ao->m)) ?: accept_check(raw->tb, ao->a);
}

static struct op accept_op(const char *name, struct accept *a)
{
	struct accept_op *ao = xcalloc(1, sizeof(*ao));

	ao->a = a;
	ao->m = accept_msg(t, a);
	return (struct op){ .name = name, .fn = accept_fn, .arg = ao };
}

static struct op deliver_op(const char *name, int32_t r, struct fx_chain *c,
			    uint16_t i)
{
	struct deliv *d = xcalloc(1, sizeof(*d));

	d->entity = c->entity;
	d->want_i = i;
	d->ring = r;
	return (struct op){ .name = name, .fn = gw_deliver, .arg = d };
}

/* --------------------------------------------------------------- P1 */

#define BULK_LEN (4u << 20)
#define UWALK_LINKS 256

struct bulk {
	struct kcapi_handle *h;
	uint8_t *buf;
	uint8_t out[32];
};

static int bulk_fn(void *arg)
{
	struct bulk *b = arg;

	return kcapi_md_digest(b->h, b->buf, BULK_LEN, b->out, 32) == 32 ? 0 : -EIO;
}

/* H^UWALK_LINKS in userspace, one AF_ALG digest per link */
static int uwalk_fn(void *arg)
{
	struct bulk *b = arg;
	int k;

	for (k = 0; k < UWALK_LINKS; k++)
		if (kcapi_md_digest(b->h, b->out, 32, b->out, 32) != 32)
			return -EIO;
	return 0;
}

static struct bulk *bulk_new(const char *alg)
{
	struct bulk *b = xcalloc(1, sizeof(*b));

	if (kcapi_md_init(&b->h, alg, 0)) {
		free(b);
		return NULL;
	}
	b->buf = xcalloc(1, BULK_LEN);
	return b;
}

/* The driver /proc/crypto lists first for name alg with the highest priority. */
static void crypto_driver(const char *alg, char *drv, size_t len)
{
	char line[256], name[128] = "", d[128] = "";
	int prio, best = -1;
	FILE *f = fopen("/proc/crypto", "r");

	snprintf(drv, len, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "name : %127s", name) == 1)
			continue;
		if (sscanf(line, "driver : %127s", d) == 1)
			continue;
		if (sscanf(line, "priority : %d", &prio) == 1 &&
		    !strcmp(name, alg) && prio > best) {
			best = prio;
			snprintf(drv, len, "%s", d);
		}
	}
	fclose(f);
}

/*
 * P1.  links/s of the module: GW_DELIVER of index 1 of an n = 65535 chain
 * walks 65534 links, of an n = 1 chain none; the difference over 65534
 * is the time of a link.  Bulk: AF_ALG digests of 4 MiB, 65537
 * compressions each (65536 blocks and the padding block).
 */
static void bench_p1(void)
{
	static const char * const drivers[] = { "sha256-generic", "sha256-ni" };
	struct bulk *bk[ARRAY_SIZE(drivers)], *def, *uw;
	struct fx_chain *c1, *c65535;
	struct op ops[4 + ARRAY_SIZE(drivers)];
	const char *names[ARRAY_SIZE(drivers)];
	char drv[128], *nm;
	unsigned int k, nops = 4, nd = 0;
	int r;

	kcapi_set_verbosity(KCAPI_LOG_NONE);
	crypto_driver("sha256", drv, sizeof(drv));
	def = bulk_new("sha256");
	uw = bulk_new("sha256");
	if (!def || !uw)
		die("AF_ALG sha256", -ENOENT);
	c1 = new_chain(ring, "p1-%05u", 1, 1);
	c65535 = new_chain(ring, "p1-%05u", 65535, 65535);
	ops[0] = deliver_op("GW_DELIVER n=1 i=1 (walk 0)", ring, c1, 1);
	ops[1] = deliver_op("GW_DELIVER n=65535 i=1 (walk 65534)", ring, c65535, 1);
	nm = xcalloc(1, 200);
	snprintf(nm, 200, "AF_ALG sha256 (%s) 4 MiB", drv);
	ops[2] = (struct op){ .name = nm, .fn = bulk_fn, .arg = def };
	ops[3] = (struct op){ .name = "userspace walk, AF_ALG per link (x256)",
			      .fn = uwalk_fn, .arg = uw };
	for (k = 0; k < ARRAY_SIZE(drivers); k++) {
		bk[nd] = bulk_new(drivers[k]);
		if (!bk[nd])
			continue;
		nm = xcalloc(1, 200);
		snprintf(nm, 200, "AF_ALG %s 4 MiB", drivers[k]);
		names[nd] = drivers[k];
		ops[nops++] = (struct op){ .name = nm, .fn = bulk_fn, .arg = bk[nd] };
		nd++;
	}
	measure(ops, nops, 4000);
	header("P1. chain walk vs the kernel's SHA-256", "/ walk 0");
	for (k = 0; k < nops; k++)
		row(&ops[k], &ops[0]);

	printf("\n  %-44s %12s %9s %13s\n", "rate", "per s", "P1", "spread");
	{
		double link = (op_us(&ops[1]) - op_us(&ops[0])) / 65534;
		double lps = 1e6 / link;
		struct spread s = { 0, 0 };
		double v;

		printf("  %-44s %12.0f\n", "module: links (delivery difference / 65534)", lps);
		for (k = 2; k < nops; k++) {
			double rate = (k == 3 ? UWALK_LINKS : 65537) / op_us(&ops[k]) * 1e6;
			char name[200];

			for (r = 0; r < ROUNDS; r++) {
				double l = (op_round_us(&ops[1], r) -
					    op_round_us(&ops[0], r)) / 65534;
				double x = (k == 3 ? UWALK_LINKS : 65537) /
					   op_round_us(&ops[k], r);

				v = (1 / l) / x;
				spread_add(&s, r, v);
			}
			if (k == 2)
				snprintf(name, sizeof(name), "bulk compressions, %s (default)", drv);
			else if (k == 3)
				snprintf(name, sizeof(name), "userspace walker links (AF_ALG)");
			else
				snprintf(name, sizeof(name), "bulk compressions, %s", names[k - 4]);
			printf("  %-44s %12.0f %9.2f %6.2f-%.2f\n", name, rate,
			       lps / rate, s.lo, s.hi);
		}
	}
	{
		double best = 0, lps = 65534 / (op_us(&ops[1]) - op_us(&ops[0])) * 1e6;
		const char *bn = "";

		for (k = 2; k < nops; k++) {
			double rate = 65537 / op_us(&ops[k]) * 1e6;

			if (k != 3 && rate > best) {
				best = rate;
				bn = ops[k].name;
			}
		}
		printf("  P1 = module links/s / that rate; against the fastest (%s): %.2f\n",
		       bn, lps / best);
	}
	printf("  (make module-debug: the module times, at load, a link, a bulk compression and\n"
	       "  the 256-byte wipe sha256_update() does per call; see dmesg)\n");
}

/* --------------------------------------------------------------- P2 */

/* A GW_REQUEST then the server's sealed OK answer for it (n, entity). */
struct resp {
	const char *entity;
	uint16_t n;
	struct nl_msg *m;	/* the GW_RESPONSE, built by prep */
	struct fx_req req;	/* GW_REQUEST's reply */
	int raw_request;	/* GW_REQUEST is the timed call */
};

static struct nl_msg *response_msg(struct resp *p)
{
	struct fx_chain c;
	uint8_t sealed[CPNS_SEALED_MAX];
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_RESPONSE);
	size_t len;

	chain_init(&c, p->entity, p->n);
	len = fx_seal_ok_response(psk, GW, USER, p->entity, &p->req, p->n,
				  c.top, c.e, c.kek, sealed);
	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_GW_ID, GW) || fx_put_id(m, CPNS_A_USER_ID, USER) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, p->entity) ||
	    nla_put(m, CPNS_A_RAND, REF_RAND_LEN, p->req.rand) ||
	    nla_put_u64(m, CPNS_A_TIME, p->req.t) ||
	    nla_put_u8(m, CPNS_A_STATUS, CPNS_OK) ||
	    nla_put(m, CPNS_A_SEALED, len, sealed))
		die("GW_RESPONSE message", -ENOMEM);
	return m;
}

static struct nl_msg *request_msg(const char *entity)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_REQUEST);
	uint8_t hpw[REF_HASH_LEN];

	ref_hpw(PASSWORD, strlen(PASSWORD), hpw);
	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_GW_ID, GW) || fx_put_id(m, CPNS_A_USER_ID, USER) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
	    nla_put(m, CPNS_A_HPW, sizeof(hpw), hpw))
		die("GW_REQUEST message", -ENOMEM);
	return m;
}

/* GW_REQUEST on the raw socket, its reply into p->req */
static int request_fn(void *arg)
{
	struct resp *p = arg;
	struct nl_msg *m = p->m;
	struct nlattr **tb = raw->tb;
	int err = raw_call(raw, nlmsg_hdr(m));

	if (err)
		return err;
	if (!tb[CPNS_A_RAND] || !tb[CPNS_A_TIME] || !tb[CPNS_A_SEALED])
		return -EPROTO;
	memcpy(p->req.rand, nla_data(tb[CPNS_A_RAND]), REF_RAND_LEN);
	p->req.t = nla_get_u64(tb[CPNS_A_TIME]);
	return 0;
}

/* GW_RESPONSE of the request just made: the chain, replaced each time */
static int response_fn(void *arg)
{
	struct resp *p = arg;
	int err = raw_call(raw, nlmsg_hdr(p->m));

	nlmsg_free(p->m);
	p->m = NULL;
	if (!err && !raw->tb[CPNS_A_KEY_SERIAL])
		err = -EPROTO;
	return err;
}

static int response_prep(void *arg)
{
	struct resp *p = arg;
	int err = fx_gw_request(t, ring, GW, USER, p->entity, NULL, NULL, &p->req);

	if (!err)
		p->m = response_msg(p);
	return err;
}

/* after a timed GW_REQUEST: answer it, so none stays outstanding */
static int request_post(void *arg)
{
	struct resp *p = arg;
	struct nl_msg *m = response_msg(p);
	int err = fx_call(t, m, NULL, NULL);

	return err;
}

static struct op response_op(const char *name, const char *entity, uint16_t n)
{
	struct resp *p = xcalloc(1, sizeof(*p));

	p->entity = entity;
	p->n = n;
	return (struct op){ .name = name, .prep = response_prep,
			    .fn = response_fn, .arg = p };
}

static struct op request_op(const char *name, const char *entity)
{
	struct resp *p = xcalloc(1, sizeof(*p));

	p->entity = entity;
	p->n = 1;
	p->m = request_msg(entity);
	return (struct op){ .name = name, .fn = request_fn, .post = request_post,
			    .arg = p };
}

/* GW_CONFIRM of index 1 of a fresh n = 1 chain (walk 0) */
struct conf {
	const char *entity;
	struct nl_msg *m;
};

static int confirm_prep(void *arg)
{
	struct conf *p = arg;
	struct fx_chain c;
	struct deliv d = { .entity = p->entity, .want_i = 1 };
	uint8_t confirm[REF_HASH_LEN];
	int err;

	chain_init(&c, p->entity, 1);
	err = fx_make_chain(t, ring, &c) ?: gw_deliver(&d);
	if (err)
		return err;
	ref_confirm(c.top, p->entity, c.e, 1, d.challenge, confirm);
	p->m = confirm_msg(p->entity, 1, confirm);
	return 0;
}

static int confirm_fn(void *arg)
{
	struct conf *p = arg;
	int err = raw_call(raw, nlmsg_hdr(p->m));

	nlmsg_free(p->m);
	p->m = NULL;
	if (!err && (!raw->tb[CPNS_A_DELIVERED] ||
		     nla_get_u16(raw->tb[CPNS_A_DELIVERED]) != 1))
		err = -EPROTO;
	return err;
}

/* The server's inputs: records, a request from GW_REQUEST. */
struct srv {
	uint8_t user_rec[CPNS_SEALED_MAX], entity_rec[CPNS_SEALED_MAX];
	uint8_t owned_rec[CPNS_SEALED_MAX];	/* E 1, owned by USER */
	int user_len, entity_len, owned_len;
	struct fx_req req, req_claim;	/* without and with a ClaimProof */
	const char *entity;
};

static struct nl_msg *seal_user_msg(void)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_USER);

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_MASTER, MASTER) ||
	    fx_put_id(m, CPNS_A_USER_ID, USER) ||
	    nla_put(m, CPNS_A_PASSWORD, strlen(PASSWORD), PASSWORD))
		die("SRV_SEAL_USER message", -ENOMEM);
	return m;
}

static struct nl_msg *seal_entity_msg(const char *entity)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_ENTITY);

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_MASTER, MASTER) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
	    nla_put(m, CPNS_A_TK, sizeof(tk), tk) ||
	    fx_put_id(m, CPNS_A_CLAIM_CODE, CLAIM))
		die("SRV_SEAL_ENTITY message", -ENOMEM);
	return m;
}

static int record_of(struct nl_msg *m, int attr, uint8_t *out)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err = fx_call(t, m, tb, NULL);

	if (err)
		return err;
	if (!tb[attr])
		return -EPROTO;
	memcpy(out, nla_data(tb[attr]), nla_len(tb[attr]));
	return nla_len(tb[attr]);
}

static struct nl_msg *respond_msg(const struct srv *s, uint16_t n, int owned);

static void srv_setup(struct srv *s, const char *entity)
{
	int err;

	s->entity = entity;
	s->user_len = record_of(seal_user_msg(), CPNS_A_USER_RECORD, s->user_rec);
	s->entity_len = record_of(seal_entity_msg(entity), CPNS_A_ENTITY_RECORD,
				  s->entity_rec);
	if (s->user_len < 0 || s->entity_len < 0)
		die("server records", s->user_len < 0 ? s->user_len : s->entity_len);
	err = fx_gw_request(t, ring, GW, USER, entity, NULL, NULL, &s->req) ?:
	      fx_gw_request(t, ring, GW, USER, entity, NULL, CLAIM, &s->req_claim);
	if (err)
		die("GW_REQUEST for the server", err);
	/* the record the owner's renewals present: what a first claim returns */
	s->owned_len = record_of(respond_msg(s, 1, 0), CPNS_A_ENTITY_RECORD,
				 s->owned_rec);
	if (s->owned_len < 0)
		die("SRV_RESPOND (first claim) for the owner's record", s->owned_len);
}

static struct nl_msg *open_request_msg(const struct srv *s)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_OPEN_REQUEST);

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_GW_ID, GW) ||
	    nla_put(m, CPNS_A_RAND, REF_RAND_LEN, s->req.rand) ||
	    nla_put_u64(m, CPNS_A_TIME, s->req.t) ||
	    nla_put(m, CPNS_A_SEALED, s->req.sealed_len, s->req.sealed))
		die("SRV_OPEN_REQUEST message", -ENOMEM);
	return m;
}

/* SRV_RESPOND, renewal by the owner (no claim) or a first claim (claim) */
static struct nl_msg *respond_msg(const struct srv *s, uint16_t n, int owned)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_RESPOND);
	const struct fx_req *req = owned ? &s->req : &s->req_claim;

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_MASTER, MASTER) ||
	    fx_put_id(m, CPNS_A_GW_ID, GW) ||
	    nla_put(m, CPNS_A_RAND, REF_RAND_LEN, req->rand) ||
	    nla_put_u64(m, CPNS_A_TIME, req->t) ||
	    nla_put(m, CPNS_A_SEALED, req->sealed_len, req->sealed) ||
	    nla_put_u8(m, CPNS_A_STATUS, CPNS_OK) ||
	    nla_put(m, CPNS_A_USER_RECORD, s->user_len, s->user_rec) ||
	    (owned ? nla_put(m, CPNS_A_ENTITY_RECORD, s->owned_len, s->owned_rec) :
		     nla_put(m, CPNS_A_ENTITY_RECORD, s->entity_len, s->entity_rec)) ||
	    (owned && fx_put_id(m, CPNS_A_OWNER, USER)) ||
	    nla_put_u32(m, CPNS_A_EPOCH, owned ? 1 : 0) ||
	    nla_put_u16(m, CPNS_A_N, n))
		die("SRV_RESPOND message", -ENOMEM);
	return m;
}

/* SRV_RESPOND must answer OK */
static int respond_fn(void *arg)
{
	struct raw_req *q = arg;
	int err = raw_call(raw, nlmsg_hdr(q->m));

	if (!err && (!raw->tb[CPNS_A_STATUS] ||
		     nla_get_u8(raw->tb[CPNS_A_STATUS]) != CPNS_OK ||
		     !raw->tb[CPNS_A_CHAIN_RECORD]))
		err = -EPROTO;
	return err;
}

static int open_request_fn(void *arg)
{
	struct raw_req *q = arg;
	int err = raw_call(raw, nlmsg_hdr(q->m));

	if (!err && (!raw->tb[CPNS_A_STATUS] ||
		     nla_get_u8(raw->tb[CPNS_A_STATUS]) != CPNS_OK))
		err = -EPROTO;
	return err;
}

#define P2_OPS 14

static void bench_profile(struct op *ops, int nops);

/* P2: every command over GETFAMILY, on one raw socket. */
static void bench_p2(void)
{
	struct op ops[P2_OPS];
	struct fx_chain *c1;
	struct accept *acc = xcalloc(1, sizeof(*acc));
	struct srv *s = xcalloc(1, sizeof(*s));
	struct conf *cf = xcalloc(1, sizeof(*cf));
	int k = 0, n;

	c1 = new_chain(ring, "p2-deliver-%u", 1, 1);
	accept_setup(acc, ring, "p2-accept");
	srv_setup(s, "p2-srv");
	cf->entity = "p2-confirm";

	ops[k++] = (struct op){ .name = "nlctrl GETFAMILY (baseline)", .fn = raw_req_fn,
				.arg = raw_req(getfamily_msg(), 0) };
	ops[k++] = (struct op){ .name = "GET_INFO", .fn = raw_req_fn,
				.arg = raw_req(tgenl_msg(t, CPNS_CMD_GET_INFO),
					       CPNS_A_VERSION) };
	ops[k++] = request_op("GW_REQUEST", "p2-request");
	ops[k++] = response_op("GW_RESPONSE n=1 (walk 0)", "p2-response", 1);
	ops[k++] = response_op("GW_RESPONSE n=64 (walk 63)", "p2-response64", 64);
	ops[k++] = deliver_op("GW_DELIVER n=1 i=1 (walk 0)", ring, c1, 1);
	ops[k++] = (struct op){ .name = "GW_CONFIRM n=1 i=1 (walk 0)",
				.prep = confirm_prep, .fn = confirm_fn, .arg = cf };
	ops[k++] = accept_op("PNE_ACCEPT (ACCEPT_REPEAT, walk 0)", acc);
	ops[k++] = (struct op){ .name = "SRV_SEAL_USER", .fn = raw_req_fn,
				.arg = raw_req(seal_user_msg(), CPNS_A_USER_RECORD) };
	ops[k++] = (struct op){ .name = "SRV_SEAL_ENTITY", .fn = raw_req_fn,
				.arg = raw_req(seal_entity_msg("p2-srv"),
					       CPNS_A_ENTITY_RECORD) };
	ops[k++] = (struct op){ .name = "SRV_OPEN_REQUEST", .fn = open_request_fn,
				.arg = raw_req(open_request_msg(s), 0) };
	ops[k++] = (struct op){ .name = "SRV_RESPOND n=1 owner (walk 0)", .fn = respond_fn,
				.arg = raw_req(respond_msg(s, 1, 1), 0) };
	ops[k++] = (struct op){ .name = "SRV_RESPOND n=1 first claim", .fn = respond_fn,
				.arg = raw_req(respond_msg(s, 1, 0), 0) };
	ops[k++] = (struct op){ .name = "SRV_RESPOND n=64 owner (walk 63)", .fn = respond_fn,
				.arg = raw_req(respond_msg(s, 64, 1), 0) };
	n = k;
	measure(ops, n, 4000);
	header("P2. every command over a no-op genl round trip (raw socket)",
	       "/ GETFAM");
	for (k = 0; k < n; k++)
		row(&ops[k], &ops[0]);
	{
		struct op prof[] = { ops[0], ops[2], ops[3], ops[11] };

		bench_profile(prof, ARRAY_SIZE(prof));
	}
}

/* --------------------------------------------------------------- P3 */

/* Bytes held by every slab cache (active objects times their size). */
static long long slab_bytes(char names[][32], long long *per, int max)
{
	char line[512], name[32];
	long long total = 0, act, num, size;
	FILE *f = fopen("/proc/slabinfo", "r");
	int k = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lld %lld %lld", name, &act, &num, &size) != 4)
			continue;
		total += act * size;
		if (k < max) {
			snprintf(names[k], 32, "%s", name);
			per[k++] = act * size;
		}
	}
	fclose(f);
	return total;
}

#define SLAB_MAX 400

struct slab_snap {
	char names[SLAB_MAX][32];
	long long per[SLAB_MAX];
	long long total;
	long quota;
};

static void slab_snap(struct slab_snap *s)
{
	s->total = slab_bytes(s->names, s->per, SLAB_MAX);
	s->quota = qnbytes();
}

static long long slab_of(const struct slab_snap *s, const char *name)
{
	int k;

	for (k = 0; k < SLAB_MAX && s->names[k][0]; k++)
		if (!strcmp(s->names[k], name))
			return s->per[k];
	return 0;
}

/* Per chain: slab and quota deltas; the caches that grew most. */
static void slab_report(const char *what, const struct slab_snap *a,
			const struct slab_snap *b, int chains)
{
	long long d[SLAB_MAX] = { 0 };
	int k, j, top[3] = { -1, -1, -1 };
	char grew[200] = "";

	for (k = 0; k < SLAB_MAX && b->names[k][0]; k++) {
		d[k] = b->per[k] - slab_of(a, b->names[k]);
		for (j = 0; j < 3; j++)
			if (top[j] < 0 || d[k] > d[top[j]]) {
				memmove(&top[j + 1], &top[j], (2 - j) * sizeof(int));
				top[j] = k;
				break;
			}
	}
	for (j = 0; j < 3 && top[j] >= 0; j++) {
		size_t l = strlen(grew);

		snprintf(grew + l, sizeof(grew) - l, "%s%s %+.0f", j ? ", " : "",
			 b->names[top[j]], (double)d[top[j]] / chains);
	}
	printf("  %-30s %7d %12.0f %12.0f   %s\n", what, chains,
	       (double)(b->total - a->total) / chains,
	       (double)(b->quota - a->quota) / chains, grew);
}

/* count tk: keys in r (the PNE side's keys, to fill its keyring) */
static void fill_tks(int32_t r, const char *fmt, int count)
{
	char desc[48];
	int k;

	for (k = 0; k < count; k++) {
		snprintf(desc, sizeof(desc), fmt, k);
		if (tk_add(desc, tk, sizeof(tk), r) < 0)
			die("add_key tk:", -errno);
	}
}

#define P3_SMALL 10
#define P3_LARGE 10000
#define P3_LONG 100

static int32_t new_ring(const char *name)
{
	int32_t r = tk_add_keyring(name, ring);

	if (r < 0)
		die("add_key keyring", r);
	if (tk_add("psk:" GW, psk, sizeof(psk), r) < 0)
		die("add_key psk:", -errno);
	return r;
}

/* P3: 10,000 keys vs 10; slab bytes per chain for n = 1 and n = 65535. */
static void bench_p3(void)
{
	int32_t small = new_ring("p3-small"), large = new_ring("p3-large");
	int32_t longr = new_ring("p3-long");
	struct fx_chain *cs = NULL, *cl = NULL;
	struct accept *as = xcalloc(1, sizeof(*as)), *al = xcalloc(1, sizeof(*al));
	struct slab_snap *s = xcalloc(4, sizeof(*s));
	struct op ops[4];
	double t0 = now_ns();
	int k;

	/*
	 * chain: and euk: are held in one store per network namespace
	 * whatever keyring is named, so the two sets have names of their own
	 * and the chain rows compare keyrings of 10 vs 10,000 tk: keys over
	 * one store of 10 + 10,000 chains.
	 */
	for (k = 0; k < P3_SMALL; k++)
		cs = new_chain(small, "p3s-%05u", k, 1);
	slab_snap(&s[0]);
	for (k = 0; k < P3_LARGE; k++)
		cl = new_chain(large, "p3c-%05u", k, 1);
	slab_snap(&s[1]);
	for (k = 0; k < P3_LONG; k++)
		new_chain(longr, "p3l-%05u", k, 65535);
	slab_snap(&s[2]);
	fill_tks(small, "tk:p3t-%05u", P3_SMALL - 1);
	fill_tks(large, "tk:p3t-%05u", P3_LARGE - 1);
	accept_setup(as, small, "p3-accept-s");
	accept_setup(al, large, "p3-accept-l");
	printf("\n# P3 set-up: %d + %d + %d chains, %d + %d tk: keys (one with its euk:) in %.1f s\n",
	       P3_SMALL, P3_LARGE, P3_LONG, P3_SMALL, P3_LARGE,
	       (now_ns() - t0) / 1e9);

	ops[0] = deliver_op("GW_DELIVER, keyring: 10 chains + 10 tk", small, cs, 1);
	ops[1] = deliver_op("GW_DELIVER, 10,000 chains + 10,000 tk", large, cl, 1);
	ops[2] = accept_op("PNE_ACCEPT (rep), 10 chains + 10 tk", as);
	ops[3] = accept_op("PNE_ACCEPT (rep), 10,000 + 10,000", al);
	printf("\n# P3: the chains of both sets are in this namespace's one store\n");
	measure(ops, 4, 4000);
	header("P3. keyring scale: 10,000 keys vs 10", "/ 10");
	row(&ops[0], &ops[0]);
	row(&ops[1], &ops[0]);
	row(&ops[2], &ops[2]);
	row(&ops[3], &ops[2]);

	printf("\n  kernel memory per chain: slab bytes (/proc/slabinfo, active objects x size)\n");
	printf("  %-30s %7s %12s %12s   %s\n", "chains made (REQUEST+RESPONSE)",
	       "chains", "slab B", "quota B", "caches that grew most, B per chain");
	slab_report("n=1", &s[0], &s[1], P3_LARGE);
	slab_report("n=65535", &s[1], &s[2], P3_LONG);
}

/* ------------------------------------------------------------ profile */

#define TRACEFS "/sys/kernel/tracing"

static int tr_write(const char *file, const char *val)
{
	char path[128];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	err = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* One node of the call tree under the traced commands. */
struct pnode {
	char name[64];
	int depth, parent;
	double us;
	long calls;
};

#define PNODES 2048

static int pnode_find(struct pnode *p, int *np, int parent, int depth,
		      const char *name)
{
	int k;

	for (k = 0; k < *np; k++)
		if (p[k].parent == parent && p[k].depth == depth &&
		    !strcmp(p[k].name, name))
			return k;
	if (*np == PNODES)
		return -1;
	k = (*np)++;
	snprintf(p[k].name, sizeof(p[k].name), "%s", name);
	p[k].depth = depth;
	p[k].parent = parent;
	p[k].us = 0;
	p[k].calls = 0;
	return k;
}

/*
 * The function_graph trace (funcgraph-tail) as a tree: each line is
 * "CPU) [mark] DURATION us | <2 * depth spaces>name() {", "name();" or
 * "} / * name * /"; durations are on leaves and closing lines.
 */
static void profile_parse(FILE *f, struct pnode *p, int *np)
{
	int stack[32], depth, k;
	char line[512], name[64];
	double us;

	stack[0] = -1;
	while (fgets(line, sizeof(line), f)) {
		char *bar = strchr(line, '|'), *q, *e;

		if (line[0] == '#' || !bar)
			continue;
		us = -1;
		q = strchr(line, ')');		/* after "CPU)" */
		for (q = q && q < bar ? q + 1 : line; q < bar; q++)
			if (*q >= '0' && *q <= '9') {
				us = strtod(q, NULL);
				break;
			}
		for (q = bar + 1, depth = -1; *q == ' '; q++)
			depth++;
		depth /= 2;
		if (depth < 0 || depth > 30)
			continue;
		if (q[0] == '}') {
			q = strstr(q, "/* ");
			if (!q)
				continue;
			q += 3;
		}
		for (e = q; *e && *e != '(' && *e != ' ' && *e != '*'; e++)
			;
		snprintf(name, sizeof(name), "%.*s", (int)(e - q), q);
		if (!name[0])
			continue;
		k = pnode_find(p, np, depth ? stack[depth] : -1, depth, name);
		if (k < 0)
			continue;
		if (strstr(line, "() {")) {		/* entry: children follow */
			stack[depth + 1] = k;
			continue;
		}
		if (us >= 0) {
			p[k].us += us;
			p[k].calls++;
		}
	}
}

/* The tree, without what takes less than 3% of its handler's time. */
static void profile_print(const struct pnode *p, int np, int parent,
			  int maxdepth, double root_us)
{
	int k;

	for (k = 0; k < np; k++) {
		if (p[k].parent != parent || p[k].depth > maxdepth ||
		    (parent >= 0 && p[k].us < 0.03 * root_us))
			continue;
		printf("  %*s%-*s %10.1f %8ld %10.1f\n", 2 * p[k].depth, "",
		       48 - 2 * p[k].depth, p[k].name, p[k].us, p[k].calls,
		       p[k].calls ? p[k].us / p[k].calls : 0);
		profile_print(p, np, k, maxdepth, parent < 0 ? p[k].us : root_us);
	}
}

/*
 * Where the time of the costliest commands goes: ftrace's function_graph
 * tracer (perf is not in the VM), graph functions the genl handlers of
 * GETFAMILY, SRV_RESPOND, GW_RESPONSE and GW_REQUEST, depth 7 (what takes 3% of a handler
 * or more), over a few
 * calls each.  The tracer's own cost inflates every traced call (under
 * TCG by several us), so the figures rank the work; the tables above are
 * the measurements.
 */
static void bench_profile(struct op *ops, int nops)
{
	static const char * const fns[] = { "ctrl_getfamily", "cpns_srv_respond",
					     "cpns_gw_response", "cpns_gw_request" };
	struct pnode *p = xcalloc(PNODES, sizeof(*p));
	double spent = 0;
	int k, o, np = 0;
	FILE *f;

	mount("nodev", TRACEFS, "tracefs", 0, NULL);
	if (tr_write("tracing_on", "0") || tr_write("current_tracer", "nop")) {
		printf("\n# profile: no tracefs at " TRACEFS "\n");
		return;
	}
	tr_write("trace", "");
	tr_write("set_graph_function", "");
	for (k = 0; k < (int)ARRAY_SIZE(fns); k++) {
		f = fopen(TRACEFS "/set_graph_function", "a");
		if (f) {
			fprintf(f, "%s\n", fns[k]);
			fclose(f);	/* EINVAL when not traceable */
		}
	}
	tr_write("max_graph_depth", "7");
	tr_write("options/funcgraph-tail", "1");
	tr_write("options/funcgraph-irqs", "0");
	tr_write("buffer_size_kb", "8192");
	if (tr_write("current_tracer", "function_graph")) {
		printf("\n# profile: no function_graph tracer\n");
		return;
	}
	tr_write("tracing_on", "1");
	for (k = 0; k < 5; k++)
		for (o = 0; o < nops; o++)
			if (op_call(&ops[o], &spent))
				die(ops[o].name, -EIO);
	tr_write("tracing_on", "0");
	f = fopen(TRACEFS "/trace", "r");
	if (f) {
		profile_parse(f, p, &np);
		fclose(f);
	}
	tr_write("current_tracer", "nop");
	printf("\n## profile: function_graph under the handlers, 5 calls each (us, tracer\n"
	       "## included; children taking >= 3%% of their handler)\n");
	printf("  %-48s %10s %8s %10s\n", "function", "total us", "calls", "us/call");
	profile_print(p, np, -1, 6, 0);
}

/* ----------------------------------------------------------- parallel */

/*
 * procs processes, each on its own socket, PNE_ACCEPT (repeat) iters times
 * on a[k % na]; all start together.  Returns the wall time in ns.
 */
static double parallel(struct accept *a, int na, int procs, long iters)
{
	int gate[2], k, status, bad = 0;
	pid_t pids[16];
	double t0;
	char c;

	if (pipe(gate))
		die("pipe", -errno);
	fflush(stdout);
	for (k = 0; k < procs; k++) {
		pids[k] = fork();
		if (pids[k] < 0)
			die("fork", -errno);
		if (!pids[k]) {
			struct tgenl *tt = tgenl_open();
			long j;

			close(gate[1]);
			if (!tt)
				_exit(2);
			if (read(gate[0], &c, 1) < 0)
				_exit(2);
			for (j = 0; j < iters; j++)
				if (pne_accept_on(tt, &a[k % na]))
					_exit(3);
			tgenl_close(tt);
			_exit(0);
		}
	}
	close(gate[0]);
	usleep(200000);		/* every child has its socket */
	t0 = now_ns();
	close(gate[1]);
	for (k = 0; k < procs; k++)
		if (waitpid(pids[k], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad = 1;
	t0 = now_ns() - t0;
	if (bad)
		die("parallel PNE_ACCEPT: a child failed", -EPROTO);
	return t0;
}

static int libnl_accept(void *arg)
{
	return pne_accept_on(t, arg);
}

/* d: P processes, P entities vs one entity (through libnl, as cpnsctl) */
static void bench_parallel(void)
{
	struct accept acc[4];
	struct op one;
	long per_proc;
	int k, p, r;

	for (k = 0; k < 4; k++) {
		char name[40];

		snprintf(name, sizeof(name), "pd-%02d", k);
		accept_setup(&acc[k], ring, strdup(name));
	}
	one = (struct op){ .name = "P=1", .fn = libnl_accept, .arg = &acc[0] };
	measure(&one, 1, 1000);
	/* each process: ~0.4 s of single-process work per run */
	per_proc = (long)(0.4e6 / op_us(&one));
	if (per_proc < 10)
		per_proc = 10;
	printf("\n## d. PNE_ACCEPT (repeat, libnl) from P processes: P entities vs one entity\n");
	printf("  %-44s %10s %10s %7s %7s\n", "processes (3 runs each, alternated)",
	       "us/op", "ops/s", "ops", "ratio");
	printf("  %-44s %10s %10s %7s %7s\n", "", "(wall)", "(total)", "", "same/diff");
	printf("  %-44s %10.1f %10.0f %7ld\n", "P=1", op_us(&one), 1e6 / op_us(&one),
	       op_iters(&one));
	for (p = 2; p <= 4; p += 2) {
		double dns = 0, sns = 0;
		long dit = 0, sit = 0;
		char name[60];

		for (r = 0; r < 3; r++) {
			dns += parallel(acc, 4, p, per_proc);
			dit += per_proc * p;
			sns += parallel(acc, 1, p, per_proc);
			sit += per_proc * p;
		}
		snprintf(name, sizeof(name), "P=%d, %d different entities", p, p);
		printf("  %-44s %10.1f %10.0f %7ld\n", name, dns / dit / 1e3,
		       1e9 * dit / dns, dit);
		snprintf(name, sizeof(name), "P=%d, one entity", p);
		printf("  %-44s %10.1f %10.0f %7ld %7.2f\n", name, sns / sit / 1e3,
		       1e9 * sit / sns, sit, (sns / sit) / (dns / dit));
	}
}

/* ---------------------------------------------------------------- main */

/* ----------------------------------------------------------- attacker */

/* e's latencies: total time over calls, per phase */
struct meas {
	const char *name;
	long iters;
	double ns;		/* total */
};

static double us_op(const struct meas *m)
{
	return m->ns / m->iters / 1e3;
}

static void meas_row(const struct meas *m, const struct meas *base)
{
	double u = us_op(m);

	printf("  %-40s %12.1f %10.0f %7ld %9.2f\n", m->name, u, 1e6 / u,
	       m->iters, u / us_op(base));
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * Become uid 1000 as root of a new user namespace with a network namespace
 * of its own (unshare -Urn as uid 1000), or, when the module does not let
 * such a user in, root in a network namespace of its own.  Returns a
 * description of what the attacker is.
 */
static const char *attacker_namespace(void)
{
	/* dumpable again after the uid change, so that /proc/self/ is ours */
	if (!setresgid(1000, 1000, 1000) && !setresuid(1000, 1000, 1000) &&
	    !prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) && !unshare(CLONE_NEWUSER | CLONE_NEWNET) &&
	    !write_file("/proc/self/setgroups", "deny") &&
	    !write_file("/proc/self/uid_map", "0 1000 1") &&
	    !write_file("/proc/self/gid_map", "0 1000 1"))
		return "uid 1000, own user and network namespace";
	return NULL;
}

/* The attacker's own tk:, its euk: at E=1 i=1 n=65535, the replayed delivery. */
static int attack_setup(struct tgenl **tt, struct accept *a)
{
	static uint8_t atk[32] = { [0 ... 31] = 0x99 };
	uint8_t euk[REF_HASH_LEN] = { [0 ... 31] = 0x5c };

	*tt = tgenl_open();
	if (!*tt)
		return -errno;
	a->ring = tk_fresh_keyring();
	if (a->ring < 0 || tk_add("tk:pa-attacker", atk, sizeof(atk), a->ring) < 0)
		return -EIO;
	a->entity = "pa-attacker";
	fx_seal_delivery(atk, sizeof(atk), a->entity, 1, 1, 65535, euk, &a->d);
	a->want_kind = CPNS_ACCEPT_FIRST;
	if (pne_accept_on(*tt, a))
		return -EPROTO;
	euk[0] ^= 1;	/* not EUKey[65535] of that chain: REJECT_LINK */
	fx_seal_delivery(atk, sizeof(atk), a->entity, 1, 65535, 65535, euk, &a->d);
	return pne_reject_link_on(*tt, a);
}

/* Say what we are on ready, then replay until killed, counting in *calls. */
static void attack_loop(struct tgenl *tt, struct accept *a, int ready,
			char kind, volatile long *calls)
{
	if (write(ready, &kind, 1) != 1)
		_exit(2);
	for (;;) {
		if (pne_reject_link_on(tt, a))
			_exit(3);
		(*calls)++;
	}
}

/*
 * The attacker, in a process group of its own: a child tries uid 1000 in
 * its own user and network namespace (kind 0); if the module refuses it,
 * this process goes on as root in a network namespace of its own (kind 1).
 */
static void attacker(int ready, volatile long *calls)
{
	struct accept a = {};
	struct tgenl *tt;
	char kind = 2;
	int status;
	pid_t pid;

	setpgid(0, 0);
	pid = fork();
	if (!pid) {
		if (attacker_namespace() && !attack_setup(&tt, &a))
			attack_loop(tt, &a, ready, 0, calls);
		_exit(1);
	}
	waitpid(pid, &status, 0);
	if (!unshare(CLONE_NEWNET) && !attack_setup(&tt, &a))
		attack_loop(tt, &a, ready, 1, calls);
	if (write(ready, &kind, 1) != 1)
		_exit(2);
	_exit(1);
}

/* The victim's PNE_ACCEPT (repeat) for about ms milliseconds. */
static void victim_run(struct accept *v, double ms, struct meas *m)
{
	double t0 = now_ns(), t1;
	long k = 0;
	int err;

	do {
		err = pne_accept_on(t, v);
		if (err)
			die("victim PNE_ACCEPT", err);
		k++;
		t1 = now_ns();
	} while (t1 - t0 < ms * 1e6 || k < 3);
	m->iters += k;
	m->ns += t1 - t0;
}

static void bench_attack(void)
{
	static const char *const what[] = {
		"uid 1000, own user and network namespace",
		"root, own network namespace (uid 1000 refused)",
	};
	struct meas alone = { .name = "victim alone" };
	struct meas attacked = { .name = "victim, attacker replaying" };
	struct meas hogged = { .name = "victim, a CPU hog instead (control)" };
	volatile long *calls;
	int ready[2], r, status;
	struct accept v;
	long c0, c1;
	pid_t pid, hog;
	char kind;

	accept_setup(&v, ring, "pv-victim");
	/* the control: as much CPU as the attacker burns, and no cpns at all */
	hog = fork();
	if (hog < 0)
		die("fork", -errno);
	if (!hog) {
		volatile unsigned long spin = 0;

		setpgid(0, 0);
		for (;;)
			spin++;
	}
	setpgid(hog, hog);
	kill(-hog, SIGSTOP);
	calls = mmap(NULL, sizeof(*calls), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (calls == MAP_FAILED || pipe(ready))
		die("mmap/pipe", -errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (!pid) {
		close(ready[0]);
		attacker(ready[1], calls);
	}
	close(ready[1]);
	if (read(ready[0], &kind, 1) != 1 || kind < 0 || kind > 1)
		die("attacker set-up", -EPROTO);

	/* the attacker's own rate, the victim idle */
	c0 = *calls;
	usleep(2000000);
	c1 = *calls;

	printf("\n## e. victim PNE_ACCEPT (repeat) alone vs an attacker in another namespace\n"
	       "##    replaying REJECT_LINK at i = 65535 on its own tk: (%s)\n",
	       what[(int)kind]);
	printf("  attacker alone: %.1f REJECT_LINK calls/s (%.0f us each)\n",
	       (c1 - c0) / 2.0, c1 > c0 ? 2e6 / (c1 - c0) : 0.0);
	printf("  %-40s %12s %10s %7s %9s\n", "phase (3 rounds each, interleaved)",
	       "us/op", "ops/s", "iters", "ratio");
	printf("  %-40s %12s %10s %7s %9s\n", "", "", "", "", "/ alone");
	for (r = 0; r < 3; r++) {
		kill(-pid, SIGSTOP);
		usleep(200000);
		victim_run(&v, 600, &alone);
		kill(-pid, SIGCONT);
		usleep(200000);
		victim_run(&v, 600, &attacked);
		kill(-pid, SIGSTOP);
		kill(-hog, SIGCONT);
		usleep(200000);
		victim_run(&v, 600, &hogged);
		kill(-hog, SIGSTOP);
		kill(-pid, SIGCONT);
	}
	kill(-hog, SIGKILL);
	waitpid(hog, &status, 0);
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("  attacker calls during the run: %ld\n", *calls - c1);
	meas_row(&alone, &alone);
	meas_row(&attacked, &alone);
	meas_row(&hogged, &alone);
	printf("  victim latency ratio (attacked / alone): %.2f\n",
	       us_op(&attacked) / us_op(&alone));
	printf("  control, a CPU hog with no cpns (hog / alone): %.2f: an attacked\n"
	       "  ratio near or under it is CPU sharing, far above it is waiting\n",
	       us_op(&hogged) / us_op(&alone));
}

int main(void)
{
	uint8_t master[32] = { [0 ... 31] = 0x77 };
	double start = now_ns();
	char drv[128];
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# cpns bench\n");
	/*
	 * The drivers udev loads on a real machine for the CPU's features,
	 * before the module (loaded by the first lookup of its family) picks
	 * its transforms.
	 */
	if (system("for m in aesni_intel ghash_clmulni_intel sha256_ssse3; do "
		   "modprobe -q $m 2>/dev/null; done"))
		printf("# modprobe of the CPU's crypto drivers failed\n");
	t = tgenl_open();
	if (!t)
		die("genl family cpns", -errno);
	raw = raw_open();
	ring = tk_fresh_keyring();
	if (ring < 0)
		die("fresh keyring", ring);
	err = tk_add("psk:" GW, psk, sizeof(psk), ring);
	if (err < 0)
		die("add_key psk:", err);
	err = tk_add("master:" MASTER, master, sizeof(master), ring);
	if (err < 0)
		die("add_key master:", err);
	printf("# %ld CPUs online; times from CLOCK_MONOTONIC in this VM; each table's\n"
	       "# rows are measured interleaved (%d rounds), ratios are within this run,\n"
	       "# spread: the lowest and highest per-round ratio\n",
	       sysconf(_SC_NPROCESSORS_ONLN), ROUNDS);

	crypto_driver("gcm(aes)", drv, sizeof(drv));
	printf("# drivers: gcm(aes) %s", drv);
	crypto_driver("sha256", drv, sizeof(drv));
	printf(", sha256 %s\n", drv);
	bench_p1();
	bench_p2();
	bench_p3();
	bench_parallel();
	bench_attack();

	tgenl_close(t);
	printf("\n# cpns bench: done in %.1f s (measurements, no thresholds)\n",
	       (now_ns() - start) / 1e9);
	return 0;
}
