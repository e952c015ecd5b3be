/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <keys/user-type.h>. */
#ifndef _KSHIM_KEYS_USER_TYPE_H
#define _KSHIM_KEYS_USER_TYPE_H

#include <linux/key.h>
#include <linux/rcupdate.h>

struct user_key_payload {
	struct rcu_head rcu;
	unsigned short datalen;
	char data[];
};

extern struct key_type key_type_logon, key_type_user;

static inline struct user_key_payload *
user_key_payload_locked(const struct key *key)
{
	return key->payload.data[0];
}

#endif
