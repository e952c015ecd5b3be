// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers shared by the subcommands (see util.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/cpns.h>

#include "cpnsctl.h"
#include "util.h"

static void vwarn(const char *fmt, va_list ap)
{
	fputs("cpnsctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

int cpnsctl_exit_errno(int err)
{
	if (err == -EPERM || err == -EACCES)
		return CPNSCTL_EXIT_PERM;
	return CPNSCTL_EXIT_FAIL;
}

int cpnsctl_exit_open(int err)
{
	if (err == -EPERM || err == -EACCES)
		return CPNSCTL_EXIT_PERM;
	return CPNSCTL_EXIT_UNAVAILABLE;
}

static bool id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	       c == '@' || c == '-';
}

bool cpns_id_valid(const char *p, size_t len)
{
	size_t i;

	if (!p || len < 1 || len > CPNS_ID_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!id_char(p[i]))
			return false;
	return true;
}

bool cpns_claim_code_valid(const char *s, size_t len)
{
	size_t i;

	if (!s || len < CPNS_CLAIM_CODE_MIN_LEN || len > CPNS_CLAIM_CODE_MAX_LEN)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

char *hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
	return out;
}

int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode_var(uint8_t *out, size_t max, size_t *outlen, const char *s)
{
	size_t n = strlen(s), i;

	if (n % 2)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (hex_nibble(s[i]) < 0)
			return -EINVAL;
	if (n / 2 > max)
		return -ERANGE;
	for (i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(hex_nibble(s[2 * i]) << 4 | hex_nibble(s[2 * i + 1]));
	*outlen = n / 2;
	return 0;
}

int hex_decode(uint8_t *out, size_t len, const char *s)
{
	size_t got;
	int err;

	if (strlen(s) != 2 * len)
		return -EINVAL;
	err = hex_decode_var(out, len, &got, s);
	return err ? -EINVAL : 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}
