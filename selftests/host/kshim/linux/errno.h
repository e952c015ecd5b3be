/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/errno.h>: the system one (also reached from <errno.h>). */
#include_next <linux/errno.h>
