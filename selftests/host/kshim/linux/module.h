/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/module.h>. */
#ifndef _KSHIM_LINUX_MODULE_H
#define _KSHIM_LINUX_MODULE_H

#include <stdio.h>

#define THIS_MODULE NULL
#define MODULE_PARM_DESC(name, desc)
#define IS_REACHABLE(option) 0
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define pr_info_ratelimited(...) ((void)0)

#endif
