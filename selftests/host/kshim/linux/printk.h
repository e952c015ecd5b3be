/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/printk.h>: the module's log is dropped. */
#ifndef _KSHIM_LINUX_PRINTK_H
#define _KSHIM_LINUX_PRINTK_H
#define pr_notice(...) ((void)0)
#define pr_warn_ratelimited(...) ((void)0)
#endif
