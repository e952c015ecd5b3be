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

void json_key(FILE *f, bool pretty, bool *first, const char *key)
{
	if (*first)
		fputs(pretty ? "{\n    " : "{", f);
	else
		fputs(pretty ? ",\n    " : ", ", f);
	*first = false;
	json_str(f, key);
	fputs(": ", f);
}

/* The members json_kv() writes as numbers and as booleans, by name. */
static const char *const json_number_keys[] = {
	"epoch", "index", "n", "key", "psk_key", "delivered", "grace",
	"devices_released", "uid", "count",
};
static const char *const json_bool_keys[] = {
	"verified", "stored", "confirmed",
};

static bool json_key_in(const char *key, const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static bool json_is_int(const char *v)
{
	if (*v == '-')
		v++;
	return *v && strspn(v, "0123456789") == strlen(v) &&
	       (v[0] != '0' || !v[1]);
}

static void json_value(FILE *f, const char *key, const char *v)
{
	if (!strcmp(v, "-"))
		fputs("null", f);
	else if (json_key_in(key, json_number_keys,
			     ARRAY_SIZE(json_number_keys)) && json_is_int(v))
		fputs(v, f);
	else if (json_key_in(key, json_bool_keys, ARRAY_SIZE(json_bool_keys)) &&
		 (!strcmp(v, "true") || !strcmp(v, "false")))
		fputs(v, f);
	else
		json_str(f, v);
}

void json_kv(FILE *f, bool pretty, bool *first, const char *kv)
{
	const char *p = kv, *end, *eq;
	char word[256];
	size_t len;

	for (;;) {
		p += strspn(p, " ");
		if (!*p)
			break;
		end = p + strcspn(p, " ");
		len = (size_t)(end - p);
		if (len >= sizeof(word))
			len = sizeof(word) - 1;
		memcpy(word, p, len);
		word[len] = '\0';
		p = end;
		eq = strchr(word, '=');
		if (!eq) {
			json_key(f, pretty, first, word);
			fputs("true", f);
			continue;
		}
		word[eq - word] = '\0';
		json_key(f, pretty, first, word);
		json_value(f, word, eq + 1);
	}
}

void json_end(FILE *f, bool pretty, bool first)
{
	if (first)
		fputs("{}\n", f);
	else
		fputs(pretty ? "\n}\n" : "}\n", f);
	fflush(f);
}
