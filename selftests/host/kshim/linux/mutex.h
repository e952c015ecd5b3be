/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/mutex.h>: one thread, checked nesting. */
#ifndef _KSHIM_LINUX_MUTEX_H
#define _KSHIM_LINUX_MUTEX_H

#include <stdio.h>
#include <stdlib.h>

struct mutex {
	int locked;
};

#define DEFINE_MUTEX(m) struct mutex m = { 0 }
#define mutex_init(m) ((m)->locked = 0)

static inline void mutex_lock(struct mutex *m)
{
	if (m->locked++)
		abort();	/* a deadlock in the kernel */
}

static inline void mutex_unlock(struct mutex *m)
{
	if (--m->locked)
		abort();
}

/* key->sem */
struct rw_semaphore {
	int readers;
	int writer;
};

void down_read(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
void down_write(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);

#define lockdep_assert_held(m) do {					\
	if (!(m)->locked) {						\
		fprintf(stderr, "lockdep: %s not held\n", #m);		\
		abort();						\
	}								\
} while (0)
#define lockdep_is_held(s) ((s)->readers || (s)->writer)
#define lockdep_assert_held_write(s) do {				\
	if (!(s)->writer) {						\
		fprintf(stderr, "lockdep: %s not write-held\n", #s);	\
		abort();						\
	}								\
} while (0)

#endif
