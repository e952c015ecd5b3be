/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/slab.h>: kzalloc, kmemdup, kfree_sensitive. */
#ifndef _KSHIM_LINUX_SLAB_H
#define _KSHIM_LINUX_SLAB_H

#include <stddef.h>

#define GFP_KERNEL 0
#define GFP_KERNEL_ACCOUNT 0

/* kshim_alloc_fail: the next allocations fail while it is > 0. */
extern int kshim_alloc_fail;
void *kzalloc(size_t size, int gfp);
#define kmalloc(size, gfp) kzalloc(size, gfp)
void *kmemdup(const void *p, size_t size, int gfp);
void kfree(const void *p);
/* Zeroes the whole allocation, then frees it. */
void kfree_sensitive(const void *p);

#endif
