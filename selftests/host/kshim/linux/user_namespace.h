/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/user_namespace.h>. */
#ifndef _KSHIM_LINUX_USER_NAMESPACE_H
#define _KSHIM_LINUX_USER_NAMESPACE_H

struct user_namespace {
	int level;
};

extern struct user_namespace init_user_ns;

#endif
