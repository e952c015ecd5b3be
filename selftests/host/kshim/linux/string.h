/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KSHIM_LINUX_STRING_H
#define _KSHIM_LINUX_STRING_H
#include <stddef.h>
#include <string.h>

void memzero_explicit(void *p, size_t len);
#endif
