/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/moduleparam.h>: module_param_cb() names
 * its ops kshim_param_<name>, so that a test can set the parameter. */
#ifndef _KSHIM_LINUX_MODULEPARAM_H
#define _KSHIM_LINUX_MODULEPARAM_H

#define PAGE_SIZE 4096

struct kernel_param;
struct kernel_param_ops {
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buffer, const struct kernel_param *kp);
};

#define module_param_cb(name, ops, arg, perm)				\
	const struct kernel_param_ops *kshim_param_##name = (ops)
#define kernel_param_lock(mod) ((void)(mod))
#define kernel_param_unlock(mod) ((void)(mod))

#endif
