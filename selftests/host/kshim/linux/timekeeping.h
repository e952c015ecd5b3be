/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/timekeeping.h>: the test sets the clock. */
#ifndef _KSHIM_LINUX_TIMEKEEPING_H
#define _KSHIM_LINUX_TIMEKEEPING_H

#include <linux/key.h>

time64_t ktime_get_real_seconds(void);

#endif
