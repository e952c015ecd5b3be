// SPDX-License-Identifier: GPL-2.0
/* Keyring helpers for the cpns selftests; see tkeys.h. */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tkeys.h"

static long ret_or_errno(long r)
{
	return r < 0 ? -errno : r;
}

int32_t tk_add(const char *desc, const void *data, size_t len, int32_t ring)
{
	return ret_or_errno(syscall(__NR_add_key, "cpns", desc, data, len, ring));
}

int32_t tk_add_keyring(const char *name, int32_t ring)
{
	return ret_or_errno(syscall(__NR_add_key, "keyring", name, NULL, 0, ring));
}

int32_t tk_fresh_keyring(void)
{
	long s = syscall(__NR_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);

	if (s < 0)
		return -errno;
	return tk_add_keyring("cpns-test", KEY_SPEC_SESSION_KEYRING);
}

int32_t tk_fresh_node(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return tk_fresh_keyring();
}

int32_t tk_store(void)
{
	char ns[64], want[96], line[512];
	int32_t r = -ENOKEY;
	ssize_t n;
	FILE *f;

	n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	if (n < 0)
		return -errno;
	ns[n] = '\0';
	/* "<serial> ... keyring   .cpns:net:[N]: <count>" */
	snprintf(want, sizeof(want), " keyring   .cpns:%s: ", ns);
	f = fopen("/proc/keys", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int serial;

		if (strstr(line, want) && sscanf(line, "%x", &serial) == 1) {
			r = (int32_t)serial;
			break;
		}
	}
	fclose(f);
	return r;
}

int32_t tk_held_search(const char *desc)
{
	int32_t store = tk_store();

	return store < 0 ? store : tk_search(store, desc);
}

long tk_update(int32_t key, const void *data, size_t len)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_UPDATE, key, data, len));
}

long tk_read(int32_t key, void *buf, size_t len)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_READ, key, buf, len));
}

long tk_describe(int32_t key, char *buf, size_t len)
{
	long r = syscall(__NR_keyctl, KEYCTL_DESCRIBE, key, buf, len);

	if (r < 0)
		return -errno;
	if (len)
		buf[len - 1] = '\0';
	return r;
}

int32_t tk_search(int32_t ring, const char *desc)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_SEARCH, ring, "cpns",
				    desc, 0));
}

long tk_revoke(int32_t key)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_REVOKE, key));
}

long tk_invalidate(int32_t key)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_INVALIDATE, key));
}

long tk_unlink(int32_t key, int32_t ring)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_UNLINK, key, ring));
}

long tk_link(int32_t key, int32_t ring)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_LINK, key, ring));
}

long tk_setperm(int32_t key, uint32_t perm)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_SETPERM, key, perm));
}

long tk_set_timeout(int32_t key, unsigned int seconds)
{
	return ret_or_errno(syscall(__NR_keyctl, KEYCTL_SET_TIMEOUT, key, seconds));
}

long tk_proc_keys_line(int32_t key, char *buf, size_t len)
{
	char line[512], want[16];
	FILE *f = fopen("/proc/keys", "r");
	long r = -ENOKEY;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "%08x ", (uint32_t)key);
	while (fgets(line, sizeof(line), f)) {
		char *desc;

		if (strncmp(line, want, strlen(want)))
			continue;
		desc = strstr(line, " cpns ");
		if (!desc)
			break;
		line[strcspn(line, "\n")] = '\0';
		/* "... cpns      <description>: <metadata>"; no id has a space */
		desc = strstr(desc + 6, ": ");
		snprintf(buf, len, "%s", desc ? desc + 2 : "");
		r = 0;
		break;
	}
	fclose(f);
	return r;
}
