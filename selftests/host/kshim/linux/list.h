/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/list.h>. */
#ifndef _KSHIM_LINUX_LIST_H
#define _KSHIM_LINUX_LIST_H
struct list_head {
	struct list_head *next, *prev;
};
#endif
