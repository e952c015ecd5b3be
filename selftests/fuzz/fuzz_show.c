// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: how `cpnsctl show' (userspace/show.c) reads what the
 * kernel says of keys: the "type;uid;gid;perm;description" of
 * KEYCTL_DESCRIBE, keyring contents (KEYCTL_READ), the lines of
 * /proc/keys, and the metadata text of the type's ->describe it prints
 * as text and as JSON.  This file includes show.c, unchanged, with its
 * libkeyutils calls (keyctl_describe(), keyctl_read(),
 * keyctl_get_keyring_ID()) and its fopen("/proc/keys") answered from the
 * input.
 *
 * The input is a flags byte, then NUL-separated: descriptions of keys 1,
 * 2, ... k, then the text of /proc/keys.  The root keyring (serial 1000)
 * holds keys 1..k; key s, when its type is "keyring", holds keys s+1..k
 * (so the walk recurses, meets keys twice and stops at its depth limit).
 * With flag 1 the keyrings grow while they are read, as they may between
 * two keyctl() calls: they hold keys 1..k/2 at first and one more key
 * after each KEYCTL_READ (keyctl_read() returns the size of the whole
 * keyring, whatever the size of the buffer it fills).  Every key
 * found must be of type cpns with a terminated description and metadata;
 * the JSON printed must be balanced.  stdout goes to a memory buffer.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <keyutils.h>

#define ROOT 1000
#define MAXKEYS 64

static const char *desc[MAXKEYS + 1];
static size_t ndesc, visible;
static bool growing;
static const char *proc;
static size_t proc_len;

static long fake_keyctl(long nr, ...)
{
	unsigned long a[4];
	va_list ap;
	int cmd, i;
	long serial, n, len;

	va_start(ap, nr);
	cmd = va_arg(ap, int);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	assert(nr == SYS_keyctl);
	serial = (long)(int32_t)a[0];
	switch (cmd) {
	case KEYCTL_READ: {
		int32_t ids[MAXKEYS];
		long first = serial == ROOT ? 1 : serial + 1;

		if (serial != ROOT && (serial < 1 || serial > (long)ndesc)) {
			errno = ENOKEY;
			return -1;
		}
		for (n = 0; first + n <= (long)visible; n++)
			ids[n] = first + n;
		if (growing && visible < ndesc)
			visible++;
		len = n * sizeof(int32_t);
		if (a[1] && a[2])
			memcpy((void *)a[1], ids, (size_t)a[2] < (size_t)len ?
			       (size_t)a[2] : (size_t)len);
		return len;
	}
	case KEYCTL_DESCRIBE:
		if (serial < 1 || serial > (long)ndesc) {
			errno = ENOKEY;
			return -1;
		}
		/* As the kernel: the size with the NUL, copied only if it fits. */
		len = strlen(desc[serial]) + 1;
		if (a[1] && a[2] >= (unsigned long)len)
			memcpy((void *)a[1], desc[serial], len);
		return len;
	case KEYCTL_GET_KEYRING_ID:
		return ROOT;
	default:
		errno = EOPNOTSUPP;
		return -1;
	}
}

static FILE *fake_fopen(const char *path, const char *mode)
{
	(void)mode;
	assert(!strcmp(path, "/proc/keys"));
	return fmemopen((void *)proc, proc_len, "r");
}

static long fake_keyctl_describe(key_serial_t id, char *buf, size_t len)
{
	return fake_keyctl(SYS_keyctl, KEYCTL_DESCRIBE, (unsigned long)id,
			   (unsigned long)buf, (unsigned long)len, 0UL);
}

static long fake_keyctl_read(key_serial_t id, char *buf, size_t len)
{
	return fake_keyctl(SYS_keyctl, KEYCTL_READ, (unsigned long)id,
			   (unsigned long)buf, (unsigned long)len, 0UL);
}

static key_serial_t fake_keyctl_get_keyring_ID(key_serial_t id, int create)
{
	return (key_serial_t)fake_keyctl(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
					 (unsigned long)id,
					 (unsigned long)create, 0UL, 0UL);
}

#define keyctl_describe fake_keyctl_describe
#define keyctl_read fake_keyctl_read
#define keyctl_get_keyring_ID fake_keyctl_get_keyring_ID
#define fopen fake_fopen
#include "show.c"
#undef keyctl_describe
#undef keyctl_read
#undef keyctl_get_keyring_ID
#undef fopen

static char *out;
static size_t out_len;

static void check_json(const char *s, size_t len)
{
	int depth = 0;
	bool str = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				str = false;
			else
				assert((unsigned char)s[i] >= 0x20);
			continue;
		}
		if (s[i] == '"')
			str = true;
		else if (s[i] == '{' || s[i] == '[')
			depth++;
		else if (s[i] == '}' || s[i] == ']')
			assert(--depth >= 0);
	}
	assert(!str && depth == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk w = { 0 };
	char *copy, *p, *end;
	FILE *saved;
	size_t k;

	if (size < 1 || size > 1 << 15)
		return 0;
	growing = data[0] & 1;
	data++;
	size--;
	copy = malloc(size + 1);
	assert(copy);
	memcpy(copy, data, size);
	copy[size] = '\0';
	/* Split: descriptions 1..k, then the /proc/keys text. */
	ndesc = 0;
	for (p = copy, end = copy + size; ; ) {
		char *nul = memchr(p, '\0', end - p);

		if (!nul || ndesc == MAXKEYS) {
			proc = p;
			proc_len = end - p;
			break;
		}
		desc[++ndesc] = p;
		p = nul + 1;
	}

	visible = growing ? ndesc / 2 : ndesc;
	seen(&w, ROOT);
	walk_keyring(&w, ROOT, 0);
	read_proc_keys(&w);

	saved = stdout;
	stdout = open_memstream(&out, &out_len);
	assert(stdout);
	for (k = 0; k < w.nkeys; k++) {
		struct key_info *ki = &w.keys[k];

		assert(memchr(ki->desc, 0, sizeof(ki->desc)));
		assert(memchr(ki->meta, 0, sizeof(ki->meta)));
		assert(ki->serial >= 1 && ki->serial <= (int32_t)ndesc);
		assert(!strncmp(desc[ki->serial], CPNS_KEY_TYPE ";",
				strlen(CPNS_KEY_TYPE) + 1));
		meta_each(ki->meta, meta_text, NULL);
	}
	fclose(stdout);
	free(out);
	stdout = open_memstream(&out, &out_len);
	assert(stdout);
	for (k = 0; k < w.nkeys; k++) {
		struct key_info *ki = &w.keys[k];

		printf("{\"description\": ");
		json_str(stdout, ki->desc);
		print_kind_id(ki->desc, true);
		meta_each(ki->meta, meta_json, NULL);
		printf("}");
	}
	fclose(stdout);
	stdout = saved;
	check_json(out, out_len);
	free(out);
	out = NULL;
	free(w.keys);
	free(w.seen);
	free(copy);
	return 0;
}
