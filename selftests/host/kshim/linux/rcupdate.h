/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/rcupdate.h>: one thread; call_rcu()
 * queues its callback, rcu_barrier() runs every queued one (the grace
 * period ends there), so a payload freed "after a grace period" is still
 * there until then, and a callback never queued is a leak.
 */
#ifndef _KSHIM_LINUX_RCUPDATE_H
#define _KSHIM_LINUX_RCUPDATE_H

#include <linux/compiler.h>

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
void rcu_barrier(void);
extern int kshim_rcu_depth;

#define rcu_read_lock() ((void)kshim_rcu_depth++)
#define rcu_read_unlock() ((void)kshim_rcu_depth--)
#define rcu_assign_pointer(p, v) WRITE_ONCE(p, v)
#define rcu_dereference(p) READ_ONCE(p)
#define rcu_dereference_protected(p, c) ({				\
	if (!(c))							\
		abort();						\
	(p);								\
})

#endif
