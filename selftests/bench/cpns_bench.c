// SPDX-License-Identifier: GPL-2.0
/*
 * cpns_bench: what the cpns commands cost, measured side by side in one run
 * inside the test VM (make bench).  Prints absolute numbers (us/op, ops/s,
 * iterations) and ratios to a baseline measured in the same run; asserts
 * nothing about time.
 *
 *   a. chain derivation: GW_DELIVER of index 1 (H^(n-1)) for n = 64, 1024,
 *      65535, and deliveries that walk nothing (i = n)
 *   b. kernel memory per chain: the key quota bytes of a chain, n = 1 vs
 *      n = 65535 (/proc/key-users qnbytes)
 *   c. crypto over the bare netlink round trip: GET_INFO vs GW_REQUEST,
 *      PNE_ACCEPT (repeated: ACCEPT_REPEAT), SRV_SEAL_USER
 *   d. P processes doing PNE_ACCEPT on different entities vs one entity
 *   e. a victim's PNE_ACCEPT latency, alone and while an attacker in its
 *      own user and network namespace replays its own worst case (a
 *      REJECT_LINK delivery at i = 65535 against its own euk: at i = 1,
 *      65534 hashes per call, never accepted, so replayable for ever)
 *
 * The other parties (the server sealing a bundle, the GW sealing a
 * delivery) are played by the reference of lib/ref.h through lib/fixture.h.
 * Iteration counts adapt to the speed of the machine (a time budget per
 * row), so the whole run stays within a couple of minutes under TCG.
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
#include <sys/prctl.h>
#include <sys/wait.h>

#include "fixture.h"
#include "genl.h"
#include "ref.h"
#include "tkeys.h"

#define GW "gw-bench"
#define USER "bench"
#define MASTER "bench"

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

struct meas {
	const char *name;
	long iters;
	double ns;		/* total */
};

static double us_op(const struct meas *m)
{
	return m->ns / m->iters / 1e3;
}

struct op {
	struct meas m;
	int (*fn)(void *);
	void *arg;
	long max_it;		/* in all rounds together */
	long per_round;
};

#define ROUNDS 5

/*
 * Measure ops side by side: ROUNDS rounds, each running every op in turn
 * for about budget_ms / ROUNDS of time, so that a change in the speed of
 * the machine (other VMs on the host, TCG's translation cache) weighs on
 * every op alike.  Each op is first sized by untimed calls (at least 2,
 * or 50 ms) and runs at least once per round.
 */
static void measure(struct op *ops, int nops, double budget_ms)
{
	double t0, el;
	long k, calls;
	int o, r, err;

	for (o = 0; o < nops; o++) {
		t0 = now_ns();
		calls = 0;
		do {
			err = ops[o].fn(ops[o].arg);
			if (err)
				die(ops[o].m.name, err);
			calls++;
			el = now_ns() - t0;
		} while (calls < 2 ||
			 (el < 50e6 && (!ops[o].max_it || calls < 8)));
		ops[o].per_round = (long)(budget_ms * 1e6 / ROUNDS / (el / calls));
		if (ops[o].max_it && ops[o].per_round > ops[o].max_it / ROUNDS)
			ops[o].per_round = ops[o].max_it / ROUNDS;
		if (ops[o].per_round < 1)
			ops[o].per_round = 1;
		ops[o].m.iters = 0;
		ops[o].m.ns = 0;
	}
	for (r = 0; r < ROUNDS; r++)
		for (o = 0; o < nops; o++) {
			t0 = now_ns();
			for (k = 0; k < ops[o].per_round; k++) {
				err = ops[o].fn(ops[o].arg);
				if (err)
					die(ops[o].m.name, err);
			}
			ops[o].m.ns += now_ns() - t0;
			ops[o].m.iters += ops[o].per_round;
		}
}

static void row(const struct meas *m, const struct meas *base)
{
	double u = us_op(m);

	printf("  %-40s %12.1f %10.0f %7ld %9.2f\n", m->name, u, 1e6 / u,
	       m->iters, u / us_op(base));
}

static void header(const char *title, const char *base)
{
	printf("\n## %s\n", title);
	printf("  %-40s %12s %10s %7s %9s\n", "operation", "us/op", "ops/s",
	       "iters", "ratio");
	printf("  %-40s %12s %10s %7s %9s\n", "", "", "", "", base);
}

/* ------------------------------------------------------------ GW side */

struct deliv {
	const char *entity;
	uint16_t want_i;
	uint16_t i;
	uint8_t challenge[CPNS_CHALLENGE_LEN];
};

static int gw_deliver(void *arg)
{
	struct deliv *d = arg;
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_DELIVER);
	int err;

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, d->entity))
		return -ENOMEM;
	err = fx_call(t, m, tb, NULL);
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

static int gw_confirm(const char *entity, uint16_t i,
		      const uint8_t confirm[REF_HASH_LEN])
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_GW_CONFIRM);
	int err;

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, entity) ||
	    nla_put_u16(m, CPNS_A_INDEX, i) ||
	    nla_put_u8(m, CPNS_A_CODE, CPNS_ACCEPTED) ||
	    nla_put(m, CPNS_A_CONFIRM, REF_HASH_LEN, confirm))
		return -ENOMEM;
	err = fx_call(t, m, tb, NULL);
	if (err)
		return err;
	if (!tb[CPNS_A_DELIVERED] || nla_get_u16(tb[CPNS_A_DELIVERED]) != i)
		return -EPROTO;
	return 0;
}

/* Deliver and confirm 1 .. target - 1, so that the next delivery is target. */
static void advance(struct fx_chain *c, uint16_t target)
{
	uint8_t (*keys)[REF_HASH_LEN] = calloc(c->n + 1, REF_HASH_LEN);
	uint8_t confirm[REF_HASH_LEN];
	struct deliv d = { .entity = c->entity };
	unsigned int i;
	int err;

	if (!keys)
		die("advance", -ENOMEM);
	memcpy(keys[c->n], c->top, REF_HASH_LEN);
	for (i = c->n; i > 1; i--)
		ref_sha256(keys[i], REF_HASH_LEN, keys[i - 1]);
	for (i = 1; i < target; i++) {
		d.want_i = i;
		err = gw_deliver(&d);
		if (err)
			die("advance: GW_DELIVER", err);
		ref_confirm(keys[i], c->entity, c->e, i, d.challenge, confirm);
		err = gw_confirm(c->entity, i, confirm);
		if (err)
			die("advance: GW_CONFIRM", err);
	}
	free(keys);
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

static long make_chain(struct fx_chain *c)
{
	long before = qnbytes();
	int err = fx_make_chain(t, ring, c);

	if (err)
		die("GW_REQUEST + GW_RESPONSE", err);
	return qnbytes() - before;
}

/* ----------------------------------------------------------- commands */

static int get_info(void *arg)
{
	(void)arg;
	return fx_call(t, tgenl_msg(t, CPNS_CMD_GET_INFO), NULL, NULL);
}

static int gw_request(void *arg)
{
	struct fx_req req;

	(void)arg;
	return fx_gw_request(t, ring, GW, USER, "pc-request", NULL, NULL, &req);
}

struct accept {
	const char *entity;
	struct fx_delivery d;
	int want_kind;
};

static int pne_accept_on(struct tgenl *tt, struct accept *a)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(tt, CPNS_CMD_PNE_ACCEPT);
	int err;

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
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
	if (!tb[CPNS_A_CODE] || nla_get_u8(tb[CPNS_A_CODE]) != CPNS_ACCEPTED ||
	    !tb[CPNS_A_ACCEPT_KIND] ||
	    (a->want_kind && nla_get_u8(tb[CPNS_A_ACCEPT_KIND]) != a->want_kind))
		return -EPROTO;
	return 0;
}

/* The attacker's call: a delivery that opens, walks and is REJECT_LINK. */
static int pne_reject_link_on(struct tgenl *tt, struct accept *a)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	struct nl_msg *m = tgenl_msg(tt, CPNS_CMD_PNE_ACCEPT);
	int err;

	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
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

static int pne_accept(void *arg)
{
	return pne_accept_on(t, arg);
}

/* tk:<entity> and a first acceptance of EUKey[2] of an n = 8 chain */
static void accept_setup(struct accept *a, const char *entity)
{
	struct fx_chain c;
	uint8_t euk[REF_HASH_LEN];
	char desc[80];
	int err;

	snprintf(desc, sizeof(desc), "tk:%s", entity);
	err = tk_add(desc, tk, sizeof(tk), ring);
	if (err < 0)
		die("add_key tk:", err);
	chain_init(&c, entity, 8);
	fx_chain_key(&c, 2, euk);
	a->entity = entity;
	fx_seal_delivery(tk, sizeof(tk), entity, c.e, 2, c.n, euk, &a->d);
	a->want_kind = CPNS_ACCEPT_FIRST;
	err = pne_accept(a);
	if (err)
		die("PNE_ACCEPT (first)", err);
	a->want_kind = CPNS_ACCEPT_REPEAT;
}

static int seal_user(void *arg)
{
	struct nl_msg *m = tgenl_msg(t, CPNS_CMD_SRV_SEAL_USER);
	static const char pw[] = "correct horse battery staple";
	struct nlattr *tb[CPNS_A_MAX + 1];
	int err;

	(void)arg;
	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_MASTER, MASTER) ||
	    fx_put_id(m, CPNS_A_USER_ID, USER) ||
	    nla_put(m, CPNS_A_PASSWORD, strlen(pw), pw))
		return -ENOMEM;
	err = fx_call(t, m, tb, NULL);
	if (!err && !tb[CPNS_A_USER_RECORD])
		err = -EPROTO;
	return err;
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

/* ----------------------------------------------------------- attacker */

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
	ring = tk_fresh_keyring();
	if (ring < 0 || tk_add("tk:pa-attacker", atk, sizeof(atk), ring) < 0)
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
		err = pne_accept(v);
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

	accept_setup(&v, "pv-victim");
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
	row(&alone, &alone);
	row(&attacked, &alone);
	row(&hogged, &alone);
	printf("  victim latency ratio (attacked / alone): %.2f\n",
	       us_op(&attacked) / us_op(&alone));
	printf("  control, a CPU hog with no cpns (hog / alone): %.2f: an attacked\n"
	       "  ratio near or under it is CPU sharing, far above it is waiting\n",
	       us_op(&hogged) / us_op(&alone));
}

/* ---------------------------------------------------------------- main */

static struct fx_chain *new_chain(const char *fmt, uint16_t n, long *quota)
{
	struct fx_chain *c = calloc(1, sizeof(*c));
	char name[40];
	long q;

	if (!c)
		die("calloc", -ENOMEM);
	snprintf(name, sizeof(name), fmt, n);
	chain_init(c, strdup(name), n);
	q = make_chain(c);
	if (quota)
		*quota = q;
	return c;
}

static struct op deliver_op(const char *name, struct fx_chain *c, uint16_t i)
{
	struct deliv *d = calloc(1, sizeof(*d));

	if (!d)
		die("calloc", -ENOMEM);
	d->entity = c->entity;
	d->want_i = i;
	return (struct op){ .m.name = name, .fn = gw_deliver, .arg = d };
}

int main(void)
{
	struct fx_chain *walk[3], *top[3];
	struct op a[6], c[5];
	struct accept acc[4];
	uint8_t master[32] = { [0 ... 31] = 0x77 };
	long q1, q65535, per_proc;
	double start = now_ns(), est;
	int k, p, r, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# cpns bench\n");
	t = tgenl_open();
	if (!t)
		die("genl family cpns", -errno);
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
	       "# rows are measured interleaved (%d rounds) and ratios are within this run\n",
	       sysconf(_SC_NPROCESSORS_ONLN), ROUNDS);

	/*
	 * a + b: chains walked from index 1, and chains advanced (delivered
	 * and confirmed) up to their last index; the quota bytes of a chain
	 * are measured around the creation of the n = 1 and n = 65535 ones.
	 */
	walk[0] = new_chain("bw-%05u", 64, NULL);
	walk[1] = new_chain("bw-%05u", 1024, NULL);
	walk[2] = new_chain("bw-%05u", 65535, &q65535);
	top[0] = new_chain("bt-%05u", 1, &q1);
	top[1] = new_chain("bt-%05u", 64, NULL);
	top[2] = new_chain("bt-%05u", 1024, NULL);
	advance(top[1], 64);
	advance(top[2], 1024);

	a[0] = deliver_op("deliver n=64 i=1 (H^63)", walk[0], 1);
	a[1] = deliver_op("deliver n=1024 i=1 (H^1023)", walk[1], 1);
	a[2] = deliver_op("deliver n=65535 i=1 (H^65534)", walk[2], 1);
	a[3] = deliver_op("deliver n=1 i=1 (i = n, H^0)", top[0], 1);
	a[4] = deliver_op("deliver n=64 i=64 (i = n, H^0)", top[1], 64);
	a[5] = deliver_op("deliver n=1024 i=1024 (i = n, H^0)", top[2], 1024);
	measure(a, 6, 3000);
	header("a. chain derivation: GW_DELIVER, cost ~ n - i", "/ n=64,i=1");
	for (k = 0; k < 6; k++)
		row(&a[k].m, &a[0].m);
	printf("  %-40s (not measured: reaching i=65535 takes 65534 confirmed\n"
	       "  %-40s  deliveries walking ~2.1e9 hashes in all; the i = n rows\n"
	       "  %-40s  above walk H^0 whatever n)\n",
	       "deliver n=65535 i=65535", "", "");
	est = (us_op(&a[2].m) - us_op(&a[0].m)) / (65534 - 63);
	printf("  per hash of the walk: %.3f us ((n=65535 - n=64) / 65471)\n", est);

	printf("\n## b. kernel memory per chain: key quota bytes (/proc/key-users qnbytes)\n");
	printf("  %-40s %12s %9s\n", "chain (GW_REQUEST + GW_RESPONSE)", "bytes", "ratio");
	printf("  %-40s %12ld %9.2f\n", "n=1", q1, 1.0);
	printf("  %-40s %12ld %9.2f\n", "n=65535", q65535,
	       q1 > 0 ? (double)q65535 / q1 : 0.0);

	accept_setup(&acc[0], "pc-00");
	c[0] = (struct op){ .m.name = "GET_INFO (no crypto, baseline)", .fn = get_info };
	/* at most CPNS_OUTSTANDING_MAX requests may be outstanding */
	c[1] = (struct op){ .m.name = "GW_REQUEST (seal ReqBody)", .fn = gw_request,
			    .max_it = 200 };
	c[2] = (struct op){ .m.name = "PNE_ACCEPT (ACCEPT_REPEAT)", .fn = pne_accept,
			    .arg = &acc[0] };
	c[3] = (struct op){ .m.name = "SRV_SEAL_USER", .fn = seal_user };
	c[4] = deliver_op("GW_DELIVER n=1 i=1 (no walk)", top[0], 1);
	measure(c, 5, 2500);
	header("c. crypto over the bare netlink round trip", "/ GET_INFO");
	for (k = 0; k < 5; k++)
		row(&c[k].m, &c[0].m);

	printf("\n## d. PNE_ACCEPT (repeat) from P processes: P entities vs one entity\n");
	for (k = 1; k < 4; k++) {
		char name[40];

		snprintf(name, sizeof(name), "pd-%02d", k);
		accept_setup(&acc[k], strdup(name));
	}
	/* each process: ~0.4 s of single-process work per run */
	per_proc = (long)(0.4e6 / us_op(&c[2].m));
	if (per_proc < 10)
		per_proc = 10;
	printf("  %-40s %12s %10s %7s %9s\n", "processes (3 runs each, alternated)",
	       "us/op", "ops/s", "ops", "ratio");
	printf("  %-40s %12s %10s %7s %9s\n", "", "(wall)", "(total)", "", "same/diff");
	printf("  %-40s %12.1f %10.0f %7ld\n", "P=1 (PNE_ACCEPT row of c)",
	       us_op(&c[2].m), 1e6 / us_op(&c[2].m), c[2].m.iters);
	for (p = 2; p <= 4; p += 2) {
		struct meas md = { .iters = 0 }, ms = { .iters = 0 };
		char name[60];

		for (r = 0; r < 3; r++) {
			md.ns += parallel(acc, 4, p, per_proc);
			md.iters += per_proc * p;
			ms.ns += parallel(acc, 1, p, per_proc);
			ms.iters += per_proc * p;
		}
		snprintf(name, sizeof(name), "P=%d, %d different entities", p, p);
		printf("  %-40s %12.1f %10.0f %7ld %9s\n", name, us_op(&md),
		       1e6 / us_op(&md), md.iters, "");
		snprintf(name, sizeof(name), "P=%d, one entity", p);
		printf("  %-40s %12.1f %10.0f %7ld %9.2f\n", name, us_op(&ms),
		       1e6 / us_op(&ms), ms.iters, us_op(&ms) / us_op(&md));
	}

	bench_attack();

	tgenl_close(t);
	printf("\n# cpns bench: done in %.1f s (measurements, no thresholds)\n",
	       (now_ns() - start) / 1e9);
	return 0;
}
