/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/sched/task_stack.h>. */
#ifndef _KSHIM_LINUX_SCHED_TASK_STACK_H
#define _KSHIM_LINUX_SCHED_TASK_STACK_H

#include <stdbool.h>

/* Is @p on the current thread's stack?  (The shim's is its own.) */
bool object_is_on_stack(const void *p);

#endif
