// SPDX-License-Identifier: GPL-2.0
/*
 * No secret at rest.  A full exchange with the known secrets of the
 * profile's main vectors (PSK1, TK, the chain's EUKey[8] and KEK_E; the
 * server's master key is the vectors' Seed): the GW's chain imported
 * through GW_RESPONSE, EUKey[1] and EUKey[2] delivered by GW_DELIVER,
 * accepted by PNE_ACCEPT and confirmed by GW_CONFIRM, a server store
 * made by cpnsctl server import/add-gw/add-user, and every key saved by
 * cpnsctl into a state directory on the VM's disk (/dev/vda, ext4).
 * Then the disk is unmounted and the whole block device, and every file of
 * the state directory, is scanned for any 8-byte run of PSK1, TK, the
 * master key, KEK_E and each EUKey[1..8], in binary and in hex (either
 * case): none may be there.  The scanner is shown to find a planted run
 * first, so that an empty result means something.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "tkeys.h"
#include "ref.h"
#include "fixture.h"

#define GW "gw-public"
#define USER "alice@public"
#define ENT "pne:public-0001"
#define MNT "/tmp/cpns-atrest-mnt"
#define DIRNAME MNT "/atrest"
#define KEYS DIRNAME "/keys"
#define NSECRETS 12

/* vectors-v1.json, "main" */
static const char v_psk[] = "f37b2994f1135b01bc493a27efed051016805864eed0a82b92e0f9553b59e8fa";
static const char v_tk[] = "a097f8fbc351e5687df242db55ccc05aed6354e8";
static const char v_top[] = "5dd9c298ab5b792260758784f1aa8d47fb8e655e08727b18099c22f4452a82bc";
static const char v_kek[] = "08085a9de58995f4d3e5226d9975541cc82c132b4da2f763b1184bb9561dc124";
static const char v_seed[] = "26fa0d5f93a24be5a8382d82d1b8611667c988fbd5bd590cb5e328afe8b46e21";
static const char v_euk1[] = "6df591d06d95af3142ca9492575c54939ad40e43c14ae99948e95754ecdf9247";

struct secret {
	const char *name;
	uint8_t b[32];
	size_t len;
};

static int unhex(const char *h, uint8_t *out)
{
	size_t i, n = strlen(h) / 2;
	unsigned int v;

	for (i = 0; i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return n;
}

/* ---------------------------------------------------------- the scanner */

#define SLOTS 4096
struct windows {
	uint64_t v[SLOTS];
	uint8_t used[SLOTS];
	const char *who[SLOTS];
};

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static unsigned int slot(uint64_t v)
{
	return (unsigned int)((v * 0x9e3779b97f4a7c15ull) >> 52) & (SLOTS - 1);
}

static void windows_add(struct windows *w, const struct secret *s)
{
	size_t i;

	for (i = 0; i + 8 <= s->len; i++) {
		uint64_t v = load64(s->b + i);
		unsigned int k = slot(v);

		while (w->used[k] && w->v[k] != v)
			k = (k + 1) & (SLOTS - 1);
		w->used[k] = 1;
		w->v[k] = v;
		w->who[k] = s->name;
	}
}

static const char *windows_find(const struct windows *w, uint64_t v)
{
	unsigned int k = slot(v);

	while (w->used[k]) {
		if (w->v[k] == v)
			return w->who[k];
		k = (k + 1) & (SLOTS - 1);
	}
	return NULL;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

struct scan {
	const struct windows *w;
	uint8_t tail[15];	/* the last bytes of the previous chunk */
	size_t tlen;
	uint64_t off;		/* bytes scanned before this chunk */
	int hits;
	char first[160];
};

static void hit(struct scan *sc, uint64_t at, const char *who, const char *form)
{
	if (!sc->hits++)
		snprintf(sc->first, sizeof(sc->first),
			 "%s of %s at byte %llu", form, who, (unsigned long long)at);
}

/* Scan buf (len bytes) as the continuation of what sc has seen. */
static void scan_chunk(struct scan *sc, const uint8_t *buf, size_t len)
{
	uint8_t *b = malloc(sc->tlen + len);
	size_t i, n = sc->tlen + len, run = 0;
	const char *who;

	if (!b)
		return;
	memcpy(b, sc->tail, sc->tlen);
	memcpy(b + sc->tlen, buf, len);
	/*
	 * Only windows that end in the new bytes: those that end in the
	 * tail were seen with the previous chunk.
	 */
	for (i = 0; i < n; i++) {
		uint64_t at = sc->off - sc->tlen + i;

		if (i + 8 <= n && i + 8 > sc->tlen) {
			who = windows_find(sc->w, load64(b + i));
			if (who)
				hit(sc, at, who, "8 bytes");
		}
		if (i + 16 <= n) {
			uint8_t d[8];
			size_t k;

			/* run: how many hex digits from i on, up to 16 */
			while (run < 16 && hexval(b[i + run]) >= 0)
				run++;
			if (run == 16 && i + 16 > sc->tlen) {
				for (k = 0; k < 8; k++)
					d[k] = hexval(b[i + 2 * k]) << 4 | hexval(b[i + 2 * k + 1]);
				who = windows_find(sc->w, load64(d));
				if (who)
					hit(sc, at, who, "16 hex digits");
			}
			if (run)
				run--;
		}
	}
	sc->tlen = n < 15 ? n : 15;
	memcpy(sc->tail, b + n - sc->tlen, sc->tlen);
	sc->off += len;
	free(b);
}

static int scan_fd(struct scan *sc, int fd)
{
	static uint8_t buf[1 << 20];
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		scan_chunk(sc, buf, r);
	return r < 0 ? -errno : 0;
}

/* -------------------------------------------------------------- the node */

static int call(struct tgenl *t, struct nl_msg *m, struct nlattr **tb)
{
	struct fx_ack ack;

	return fx_call(t, m, tb, &ack);
}

/* GW_DELIVER, PNE_ACCEPT of what it sealed, GW_CONFIRM: *index delivered. */
static int exchange(struct tgenl *t, int32_t ring, int *index)
{
	struct nlattr *tb[CPNS_A_MAX + 1];
	uint8_t ch[REF_CHALLENGE_LEN], sealed[256], confirm[32];
	uint32_t e;
	uint16_t i, n;
	size_t slen;
	struct nl_msg *m;
	int err;

	m = tgenl_msg(t, CPNS_CMD_GW_DELIVER);
	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) || fx_put_id(m, CPNS_A_ENTITY_ID, ENT))
		return -ENOMEM;
	err = call(t, m, tb);
	if (err)
		return err;
	if (!tb[CPNS_A_EPOCH] || !tb[CPNS_A_INDEX] || !tb[CPNS_A_N] ||
	    !tb[CPNS_A_CHALLENGE] || !tb[CPNS_A_SEALED] ||
	    nla_len(tb[CPNS_A_SEALED]) > (int)sizeof(sealed))
		return -EBADMSG;
	e = nla_get_u32(tb[CPNS_A_EPOCH]);
	i = nla_get_u16(tb[CPNS_A_INDEX]);
	n = nla_get_u16(tb[CPNS_A_N]);
	memcpy(ch, nla_data(tb[CPNS_A_CHALLENGE]), sizeof(ch));
	slen = nla_len(tb[CPNS_A_SEALED]);
	memcpy(sealed, nla_data(tb[CPNS_A_SEALED]), slen);

	m = tgenl_msg(t, CPNS_CMD_PNE_ACCEPT);
	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, ENT) || nla_put_u32(m, CPNS_A_EPOCH, e) ||
	    nla_put_u16(m, CPNS_A_INDEX, i) || nla_put_u16(m, CPNS_A_N, n) ||
	    nla_put(m, CPNS_A_CHALLENGE, sizeof(ch), ch) ||
	    nla_put(m, CPNS_A_SEALED, slen, sealed))
		return -ENOMEM;
	err = call(t, m, tb);
	if (err)
		return err;
	if (!tb[CPNS_A_CODE] || nla_get_u8(tb[CPNS_A_CODE]) != CPNS_ACCEPTED ||
	    !tb[CPNS_A_CONFIRM])
		return -EKEYREJECTED;
	memcpy(confirm, nla_data(tb[CPNS_A_CONFIRM]), 32);

	m = tgenl_msg(t, CPNS_CMD_GW_CONFIRM);
	if (!m || nla_put_s32(m, CPNS_A_KEYRING, ring) ||
	    fx_put_id(m, CPNS_A_ENTITY_ID, ENT) || nla_put_u16(m, CPNS_A_INDEX, i) ||
	    nla_put_u8(m, CPNS_A_CODE, CPNS_ACCEPTED) ||
	    nla_put(m, CPNS_A_CONFIRM, 32, confirm))
		return -ENOMEM;
	err = call(t, m, tb);
	*index = i;
	return err;
}

static int write_tmp(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, p, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -EIO;
}

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return r == -1 ? -errno : WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

FIXTURE(atrest) {
	struct tgenl *t;
	int32_t ring;
	struct secret s[NSECRETS];
	struct windows w;
	bool mounted;
};

FIXTURE_SETUP(atrest)
{
	uint8_t wrap[32];
	struct fx_chain c = FX_CHAIN_INIT(GW, USER, ENT);
	size_t k;

	memset(&self->w, 0, sizeof(self->w));
	self->ring = tk_fresh_node();
	ASSERT_LT(0, self->ring);
	self->t = tgenl_open();
	ASSERT_NE(NULL, self->t);

	self->s[0].name = "PSK1";
	self->s[0].len = unhex(v_psk, self->s[0].b);
	self->s[1].name = "TK";
	self->s[1].len = unhex(v_tk, self->s[1].b);
	self->s[2].name = "master";
	self->s[2].len = unhex(v_seed, self->s[2].b);
	self->s[3].name = "KEK_E";
	self->s[3].len = unhex(v_kek, self->s[3].b);
	unhex(v_psk, c.psk);
	unhex(v_top, c.top);
	unhex(v_kek, c.kek);
	for (k = 1; k <= 8; k++) {
		static const char *names[] = { NULL, "EUKey[1]", "EUKey[2]",
			"EUKey[3]", "EUKey[4]", "EUKey[5]", "EUKey[6]",
			"EUKey[7]", "EUKey[8]" };

		self->s[3 + k].name = names[k];
		self->s[3 + k].len = 32;
		fx_chain_key(&c, k, self->s[3 + k].b);
	}
	{
		uint8_t e1[32];

		unhex(v_euk1, e1);
		ASSERT_EQ(0, memcmp(e1, self->s[4].b, 32)) TH_LOG("EUKey[1] of the vectors");
	}
	for (k = 0; k < NSECRETS; k++)
		windows_add(&self->w, &self->s[k]);

	/* a wrapping key from the kernel's CSPRNG, on no disk */
	ASSERT_EQ(32, getrandom(wrap, 32, 0));
	ASSERT_LT(0, syscall(SYS_add_key, "logon", "cpns:wrap", wrap, 32, self->ring));
	explicit_bzero(wrap, sizeof(wrap));
	ASSERT_EQ(0, system("echo logon:cpns:wrap > /sys/module/cpns/parameters/wrap_key"));

	/* the GW's chain, as a server would seal it with the vectors' bundle */
	ASSERT_LT(0, tk_add("psk:" GW, c.psk, 32, self->ring));
	ASSERT_LT(0, tk_add("tk:" ENT, self->s[1].b, self->s[1].len, self->ring));
	ASSERT_LT(0, tk_add("master:store", self->s[2].b, 32, self->ring));
	ASSERT_EQ(0, fx_make_chain(self->t, self->ring, &c));

}

FIXTURE_TEARDOWN(atrest)
{
	if (self->mounted)
		sh("umount " MNT " 2>/dev/null");
	tgenl_close(self->t);
}

/* The scanner finds a planted run, binary and hex, across a chunk edge. */
TEST_F(atrest, scanner_finds_a_planted_run)
{
	static uint8_t buf[4096];
	struct scan sc = { .w = &self->w };
	char hex[17];
	size_t k;

	memset(buf, 0x5a, sizeof(buf));
	memcpy(buf + 1001, self->s[1].b + 3, 8);		/* TK[3..10] */
	scan_chunk(&sc, buf, 1005);
	scan_chunk(&sc, buf + 1005, sizeof(buf) - 1005);
	EXPECT_EQ(1, sc.hits);
	EXPECT_STREQ("8 bytes of TK at byte 1001", sc.first);

	memset(&sc, 0, sizeof(sc));
	sc.w = &self->w;
	memset(buf, 'x', sizeof(buf));
	for (k = 0; k < 8; k++)
		sprintf(hex + 2 * k, "%02X", self->s[9].b[20 + k]);	/* EUKey[6] */
	memcpy(buf + 77, hex, 16);
	scan_chunk(&sc, buf, 80);
	scan_chunk(&sc, buf + 80, sizeof(buf) - 80);
	EXPECT_EQ(1, sc.hits);
	EXPECT_STREQ("16 hex digits of EUKey[6] at byte 77", sc.first);
}

TEST_F(atrest, no_secret_on_the_disk_or_in_the_state_directory)
{
	struct scan sc = { .w = &self->w };
	char tk[2 * 20 + 1], psk_path[] = "/tmp/cpns-atrest-psk",
	     list_path[] = "/tmp/cpns-atrest-list";
	struct dirent *de;
	int index = 0, files = 0, fd;
	DIR *d;

	if (sh("modprobe virtio_pci; modprobe virtio_blk; modprobe ext4; "
	       "for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done; "
	       "[ -b /dev/vda ]"))
		SKIP(return, "no disk /dev/vda");
	ASSERT_EQ(0, sh("mkdir -p " MNT " && mount -t ext4 /dev/vda " MNT));
	self->mounted = true;
	ASSERT_EQ(0, sh("rm -rf " DIRNAME " && mkdir -m 0700 " DIRNAME " " KEYS));

	/* two deliveries: EUKey[1], EUKey[2], each accepted and confirmed */
	ASSERT_EQ(0, exchange(self->t, self->ring, &index));
	EXPECT_EQ(1, index);
	ASSERT_EQ(0, exchange(self->t, self->ring, &index));
	EXPECT_EQ(2, index);

	/* the server's store on the disk, its inputs in /tmp (tmpfs) only */
	ASSERT_EQ(0, write_tmp(psk_path, self->s[0].b, 32));
	snprintf(tk, sizeof(tk), "%s", v_tk);
	{
		char line[200];

		snprintf(line, sizeof(line), ENT " %s CLAIM-PUBLIC\n", tk);
		ASSERT_EQ(0, write_tmp(list_path, line, strlen(line)));
	}
	ASSERT_EQ(0, sh("cpnsctl server init --db " DIRNAME "/cpns.db >/dev/null"));
	ASSERT_EQ(0, sh("CPNS_STATE_DIR=" KEYS " cpnsctl server import %s --db "
			DIRNAME "/cpns.db --keyring %d >/dev/null", list_path, self->ring));
	ASSERT_EQ(0, sh("CPNS_STATE_DIR=" KEYS " cpnsctl server add-gw " GW
			" --db " DIRNAME "/cpns.db --psk-file %s --keyring %d >/dev/null",
			psk_path, self->ring));
	ASSERT_EQ(0, sh("printf 'correct horse battery staple public' | cpnsctl server add-user "
			USER " --db " DIRNAME "/cpns.db --password-file - --keyring %d >/dev/null",
			self->ring));
	unlink(psk_path);
	unlink(list_path);
	ASSERT_EQ(0, sh("CPNS_STATE_DIR=" KEYS " cpnsctl keys save --keyring %d >/dev/null",
			self->ring));
	ASSERT_EQ(0, sh("grep -q 'state E=1 n=8 delivered=2 ' " KEYS "/chain:" ENT));
	ASSERT_EQ(0, sh("grep -q 'state E=1 i=2 n=8 ' " KEYS "/euk:" ENT));

	/* every file of the state directory */
	d = opendir(KEYS);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		char p[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), KEYS "/%s", de->d_name);
		fd = open(p, O_RDONLY);
		ASSERT_LE(0, fd);
		memset(&sc, 0, sizeof(sc));
		sc.w = &self->w;
		ASSERT_EQ(0, scan_fd(&sc, fd));
		close(fd);
		EXPECT_EQ(0, sc.hits) TH_LOG("%s: %s", p, sc.first);
		files++;
	}
	closedir(d);
	EXPECT_EQ(5, files) TH_LOG("psk:, tk:, master:, chain:, euk:");

	/* the whole disk, once it is written out */
	ASSERT_EQ(0, sh("umount " MNT));
	self->mounted = false;
	ASSERT_EQ(0, sh("sync; echo 3 > /proc/sys/vm/drop_caches"));
	fd = open("/dev/vda", O_RDONLY);
	ASSERT_LE(0, fd);
	memset(&sc, 0, sizeof(sc));
	sc.w = &self->w;
	ASSERT_EQ(0, scan_fd(&sc, fd));
	close(fd);
	EXPECT_LT(1000000, sc.off);
	EXPECT_EQ(0, sc.hits) TH_LOG("/dev/vda: %d hits, first: %s", sc.hits, sc.first);
}

TEST_HARNESS_MAIN
