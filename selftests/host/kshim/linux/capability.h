/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/capability.h>. */
#ifndef _KSHIM_LINUX_CAPABILITY_H
#define _KSHIM_LINUX_CAPABILITY_H
#define CAP_SYS_ADMIN 21
#endif
