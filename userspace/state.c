// SPDX-License-Identifier: GPL-2.0
/*
 * The state directory of cpnsctl (state.h): key files holding sealed
 * blobs, written atomically, and the hook the roles call after each change
 * of a key they cause.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "state.h"
#include "util.h"

#define STATE_FILE_MAX (2 * CPNS_KEY_BLOB_MAX + 1024)
#define WRAP_PARAM "/sys/module/cpns/parameters/wrap_key"

const char *state_dir(void)
{
	const char *d = getenv("CPNS_STATE_DIR");

	return d && *d ? d : STATE_DIR_DEFAULT;
}

const char *state_kind_name(int kind)
{
	static const char *const names[] = {
		[STATE_PSK] = "psk", [STATE_TK] = "tk", [STATE_MASTER] = "master",
		[STATE_CHAIN] = "chain", [STATE_EUK] = "euk",
	};

	return kind >= STATE_PSK && kind <= STATE_EUK ? names[kind] : "?";
}

/* Byte @i of the hex string @h (of @n digits); -1 if absent or not hex. */
static int hexbyte(const char *h, size_t n, size_t i)
{
	int hi, lo;

	if (2 * i + 1 >= n)
		return -1;
	hi = hex_nibble(h[2 * i]);
	lo = hex_nibble(h[2 * i + 1]);
	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

static bool text_ok(const char *s, size_t len, bool desc)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c < 0x21 || c > 0x7e || c == '/' || (desc && c == '.' && !i))
			return false;
	}
	return len > 0;
}

int state_parse_header(struct state_key *k)
{
	static const char *const prefix[] = {
		[STATE_PSK] = "psk:", [STATE_TK] = "tk:",
		[STATE_MASTER] = "master:", [STATE_CHAIN] = "chain:",
		[STATE_EUK] = "euk:",
	};
	const char *h = k->text;
	size_t n, i, w, d;
	int b[8];

	if (!strncmp(h, "load ", 5))
		h += 5;
	n = strlen(h);
	for (i = 0; i < 8; i++) {
		b[i] = hexbyte(h, n, i);
		if (b[i] < 0)
			return -EINVAL;
	}
	if (b[0] != 'C' || b[1] != 'P' || b[2] != 'N' || b[3] != 'K')
		return -EINVAL;
	if (b[4] != 1)
		return -EPROTONOSUPPORT;
	if (b[5] < STATE_PSK || b[5] > STATE_EUK)
		return -EINVAL;
	w = b[6];
	d = b[7];
	if (!w || !d || d > STATE_DESC_MAX || w >= sizeof(k->wrap) ||
	    2 * (8 + w + d) > n)
		return -EINVAL;
	for (i = 0; i < w; i++)
		k->wrap[i] = hexbyte(h, n, 8 + i);
	k->wrap[w] = '\0';
	for (i = 0; i < d; i++)
		k->desc[i] = hexbyte(h, n, 8 + w + i);
	k->desc[d] = '\0';
	if (!text_ok(k->wrap, w, false) || !text_ok(k->desc, d, true) ||
	    strncmp(k->desc, prefix[b[5]], strlen(prefix[b[5]])) ||
	    !cpns_id_valid(k->desc + strlen(prefix[b[5]]),
			   strlen(k->desc + strlen(prefix[b[5]]))))
		return -EINVAL;
	k->kind = b[5];
	return 0;
}

int state_parse(const char *buf, size_t len, struct state_key *k)
{
	const char *p = buf, *end = buf + len;

	memset(k, 0, sizeof(*k));
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t l = (nl ? nl : end) - p;

		if (l > 6 && !strncmp(p, "state ", 6) && l - 6 < sizeof(k->state)) {
			memcpy(k->state, p + 6, l - 6);
			k->state[l - 6] = '\0';
		} else if (l > 5 && !strncmp(p, "load ", 5)) {
			if (l >= sizeof(k->text) || k->text[0])
				return -EINVAL;
			memcpy(k->text, p, l);
			k->text[l] = '\0';
		} else if (l && p[0] != '#') {
			return -EINVAL;
		}
		p += l + 1;
	}
	if (!k->text[0])
		return -EINVAL;
	return state_parse_header(k);
}

int state_read_file(const char *path, struct state_key *k)
{
	char *buf = malloc(STATE_FILE_MAX);
	ssize_t n;
	size_t len = 0;
	int fd, err;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	while ((n = read(fd, buf + len, STATE_FILE_MAX - len)) > 0) {
		len += n;
		if (len == STATE_FILE_MAX)
			break;
	}
	err = n < 0 ? -errno : 0;
	close(fd);
	if (!err)
		err = len == STATE_FILE_MAX ? -EFBIG : state_parse(buf, len, k);
	free(buf);
	return err;
}

int state_proc_keys_desc(const char *line, int32_t *serial, char *desc,
			 size_t len)
{
	const char *d = strstr(line, " cpns ");
	size_t l;

	if (!d)
		return -1;
	d += 6;
	while (*d == ' ')
		d++;
	/* "chain:pne-1: E=1 ..." or, revoked, "chain:pne-1": no id has a space */
	l = strcspn(d, " \n");
	if (l && d[l] == ' ' && d[l - 1] == ':')
		l--;
	if (!l || l >= len)
		return -1;
	memcpy(desc, d, l);
	desc[l] = '\0';
	*serial = (int32_t)strtoul(line, NULL, 16);
	return 0;
}

/* The public metadata /proc/keys shows for @serial ("E=1 n=8 ..."). */
static void proc_keys_meta(int32_t serial, char *buf, size_t len)
{
	char line[512], want[16];
	FILE *f = fopen("/proc/keys", "re");

	buf[0] = '\0';
	if (!f)
		return;
	snprintf(want, sizeof(want), "%08x ", (uint32_t)serial);
	while (fgets(line, sizeof(line), f)) {
		char *d;

		if (strncmp(line, want, strlen(want)))
			continue;
		d = strstr(line, " cpns ");
		d = d ? strstr(d + 6, ": ") : NULL;
		if (d) {
			d[strcspn(d, "\n")] = '\0';
			snprintf(buf, len, "%s", d + 2);
		}
		break;
	}
	fclose(f);
}

int state_read_key(int32_t serial, struct state_key *k)
{
	long n;

	memset(k, 0, sizeof(*k));
	memcpy(k->text, "load ", 5);
	n = syscall(SYS_keyctl, KEYCTL_READ, serial, k->text + 5,
		    sizeof(k->text) - 6);
	if (n < 0)
		return -errno;
	if ((size_t)n > sizeof(k->text) - 6)
		return -EMSGSIZE;
	k->text[5 + n] = '\0';
	proc_keys_meta(serial, k->state, sizeof(k->state));
	return state_parse_header(k) ? -EBADMSG : 0;
}

/*
 * A test point (selftests/cpns_crashlag.sh): with CPNS_STATE_TEST_STOP
 * set to "POINT:FILE", the tool writes its pid into FILE and stops itself
 * (SIGSTOP) at POINT, so that a test can kill it and reset the node there.
 * POINT: "read" (the kernel has changed the key, its blob is not read
 * yet) or "rename" (the new file is written and synced, not renamed).
 */
static void test_point(const char *point)
{
	const char *v = getenv("CPNS_STATE_TEST_STOP");
	size_t l = strlen(point);
	FILE *f;

	if (!v || strncmp(v, point, l) || v[l] != ':')
		return;
	f = fopen(v + l + 1, "we");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	raise(SIGSTOP);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int state_write(const char *dir, const struct state_key *k)
{
	char tmp[4096], dst[4096];
	int fd, dfd, err;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d", dir, k->desc,
		     (int)getpid()) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", dir, k->desc) >= (int)sizeof(dst))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, "# cpns sealed key blob (Documentation/keys.rst); no secret in clear\n", 68);
	if (!err && k->state[0]) {
		err = write_all(fd, "state ", 6);
		if (!err)
			err = write_all(fd, k->state, strlen(k->state));
		if (!err)
			err = write_all(fd, "\n", 1);
	}
	if (!err)
		err = write_all(fd, k->text, strlen(k->text));
	if (!err)
		err = write_all(fd, "\n", 1);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err)
		test_point("rename");
	if (!err && rename(tmp, dst))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	err = fsync(dfd) ? -errno : 0;
	close(dfd);
	return err;
}

int state_dir_prepare(const char *dir)
{
	struct stat st;
	char parent[4096], *slash;

	if (!lstat(dir, &st))
		goto check;
	if (errno != ENOENT)
		return -errno;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) && errno != EEXIST)
			return -errno;
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
check:
	if (!S_ISDIR(st.st_mode)) {
		warn("state directory `%s': not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_mode & 077) {
		warn("state directory `%s': mode %04o, must give group and others nothing (chmod 0700)",
		     dir, st.st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

int32_t state_held_serial(const char *desc)
{
	char line[512], store[64], want[STATE_DESC_MAX + 8];
	int32_t ring = -ENOKEY, keys[1024];
	struct stat st;
	long n, i;
	FILE *f;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	snprintf(store, sizeof(store), " .cpns:net:[%llu]:",
		 (unsigned long long)st.st_ino);
	f = fopen("/proc/keys", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " keyring ") && strstr(line, store)) {
			ring = (int32_t)strtoul(line, NULL, 16);
			break;
		}
	}
	fclose(f);
	if (ring < 0)
		return -ENOKEY;
	n = syscall(SYS_keyctl, KEYCTL_READ, ring, keys, sizeof(keys));
	if (n < 0)
		return -errno;
	n = n > (long)sizeof(keys) ? (long)ARRAY_SIZE(keys) : n / 4;
	snprintf(want, sizeof(want), "cpns;");
	for (i = 0; i < n; i++) {
		char d[512], *p;

		if (syscall(SYS_keyctl, KEYCTL_DESCRIBE, keys[i], d, sizeof(d)) < 0)
			continue;
		d[sizeof(d) - 1] = '\0';
		if (strncmp(d, want, strlen(want)))
			continue;
		/* "cpns;uid;gid;perm;description" */
		p = strrchr(d, ';');
		if (p && !strcmp(p + 1, desc))
			return keys[i];
	}
	return -ENOKEY;
}

const char *state_wrap_key(char *buf, size_t len)
{
	FILE *f = fopen(WRAP_PARAM, "re");

	snprintf(buf, len, "?");
	if (!f)
		return buf;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return buf;
}

int state_save(int32_t serial, const char *prefix, const char *id,
	       size_t idlen)
{
	const char *dir = state_dir();
	struct state_key *k;
	char wrap[256], desc[STATE_DESC_MAX + 1];
	struct stat st;
	int lock, err;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(desc, sizeof(desc), "%s%.*s", prefix, (int)idlen, id);
	k = malloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	{
		char lp[4096];

		snprintf(lp, sizeof(lp), "%s/.lock", dir);
		lock = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	err = lock < 0 ? -errno : 0;
	if (!err && flock(lock, LOCK_EX))
		err = -errno;
	if (!err)
		test_point("read");
	if (!err && serial <= 0) {
		serial = state_held_serial(desc);
		err = serial < 0 ? serial : 0;
	}
	if (!err)
		err = state_read_key(serial, k);
	if (!err)
		err = state_write(dir, k);
	if (lock >= 0)
		close(lock);
	if (err == -ENOKEY)
		warn("state: %s not saved in %s: no such key, or the wrapping key %s is not in this process's keyrings",
		     desc, dir, state_wrap_key(wrap, sizeof(wrap)));
	else if (err)
		warn("state: %s not saved in %s: %s", desc, dir, strerror(-err));
	free(k);
	return err;
}

int state_forget(const char *prefix, const char *id)
{
	const char *dir = state_dir();
	char path[4096];
	int lock, dfd, err = 0;
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/.lock", dir);
	lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_EX))
		err = -errno;
	snprintf(path, sizeof(path), "%s/%s%s", dir, prefix, id);
	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	if (!err) {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = dfd < 0 || fsync(dfd) ? -errno : 0;
		if (dfd >= 0)
			close(dfd);
	}
	if (lock >= 0)
		close(lock);
	if (err)
		warn("state: %s%s not removed from %s: %s", prefix, id, dir,
		     strerror(-err));
	return err;
}
