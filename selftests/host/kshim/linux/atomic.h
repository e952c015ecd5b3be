/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/atomic.h>: one thread, plain integers. */
#ifndef _KSHIM_LINUX_ATOMIC_H
#define _KSHIM_LINUX_ATOMIC_H
#include <stdint.h>
typedef struct { int64_t counter; } atomic64_t;
typedef struct { int counter; } atomic_t;
#define ATOMIC_INIT(v) { (v) }
static inline int atomic_inc_return(atomic_t *a) { return ++a->counter; }
static inline void atomic_dec(atomic_t *a) { a->counter--; }
static inline int atomic_read(const atomic_t *a) { return a->counter; }
#endif
