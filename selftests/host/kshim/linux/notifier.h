/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/notifier.h>. */
#ifndef _KSHIM_LINUX_NOTIFIER_H
#define _KSHIM_LINUX_NOTIFIER_H

#define NOTIFY_DONE 0

struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long event,
			     void *data);
};

#endif
