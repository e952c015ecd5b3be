/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/init.h>. */
#ifndef _KSHIM_LINUX_INIT_H
#define _KSHIM_LINUX_INIT_H
#define __init
#define __exit
#endif
