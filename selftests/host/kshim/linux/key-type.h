/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/key-type.h>. */
#ifndef _KSHIM_LINUX_KEY_TYPE_H
#define _KSHIM_LINUX_KEY_TYPE_H

#include <linux/key.h>

struct seq_file;

struct key_preparsed_payload {
	const char *orig_description;
	char *description;
	union key_payload payload;
	const void *data;
	size_t datalen;
	size_t quotalen;
	time64_t expiry;
};

struct key_type {
	const char *name;
	size_t def_datalen;
	int (*vet_description)(const char *description);
	int (*preparse)(struct key_preparsed_payload *prep);
	void (*free_preparse)(struct key_preparsed_payload *prep);
	int (*instantiate)(struct key *key, struct key_preparsed_payload *prep);
	int (*update)(struct key *key, struct key_preparsed_payload *prep);
	void (*revoke)(struct key *key);
	void (*destroy)(struct key *key);
	void (*describe)(const struct key *key, struct seq_file *m);
	long (*read)(const struct key *key, char *buffer, size_t buflen);
};

#endif
