/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/cred.h>. */
#ifndef _KSHIM_LINUX_CRED_H
#define _KSHIM_LINUX_CRED_H

struct cred;
const struct cred *current_cred(void);

#endif
