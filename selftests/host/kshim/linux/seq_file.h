/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/seq_file.h>: a bounded text buffer. */
#ifndef _KSHIM_LINUX_SEQ_FILE_H
#define _KSHIM_LINUX_SEQ_FILE_H

#include <stddef.h>

struct seq_file {
	char buf[512];
	size_t count;
};

void seq_puts(struct seq_file *m, const char *s);
/* printf's %u %d %s %%, and the kernel's %*phN (hex of n bytes). */
void seq_printf(struct seq_file *m, const char *fmt, ...);

#endif
