/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KSHIM_LINUX_STRING_H
#define _KSHIM_LINUX_STRING_H
#include <stddef.h>
#include <string.h>

void memzero_explicit(void *p, size_t len);
char *strnchr(const char *s, size_t count, int c);
long strscpy(char *dst, const char *src, size_t count);
int hex2bin(unsigned char *dst, const char *src, size_t count);
char *bin2hex(char *dst, const void *src, size_t count);
int scnprintf(char *buf, size_t size, const char *fmt, ...);
#endif
