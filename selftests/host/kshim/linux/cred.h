/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/cred.h>. */
#ifndef _KSHIM_LINUX_CRED_H
#define _KSHIM_LINUX_CRED_H

typedef struct { unsigned int val; } kuid_t;
typedef struct { unsigned int val; } kgid_t;

struct cred {
	kuid_t fsuid;
	kgid_t fsgid;
};

const struct cred *current_cred(void);

struct user_namespace;
#define current_uid() (current_cred()->fsuid)
static inline unsigned int from_kuid(struct user_namespace *ns, kuid_t uid)
{
	return uid.val;
}

#endif
