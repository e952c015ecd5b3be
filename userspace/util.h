/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the subcommands.
 */
#ifndef CPNS_UTIL_H
#define CPNS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "cpnsctl: <message>\n" to stderr. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warn() then exit(@code). */
void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * The one identifier check of cpnsctl: @len bytes at @p are an identifier
 * of the profile (GwID, UserID, EntityID, master name), 1..CPNS_ID_MAX_LEN
 * bytes of [A-Za-z0-9._:@-] (so no NUL).  NULL is not one.  For a C
 * string: cpns_id_valid(s, strlen(s)).
 */
bool cpns_id_valid(const char *p, size_t len);
/*
 * A claim code: CPNS_CLAIM_CODE_MIN_LEN..CPNS_CLAIM_CODE_MAX_LEN bytes
 * of [A-Za-z0-9-].
 */
bool cpns_claim_code_valid(const char *s, size_t len);

/*
 * Lower-case hex of @len bytes into @out, which holds 2 * @len + 1 bytes.
 * Returns @out.
 */
char *hex_encode(char *out, const uint8_t *in, size_t len);
/* The value of one hex digit (either case), or -1. */
int hex_nibble(char c);
/*
 * Decode exactly @len bytes from the hex string @s (upper or lower case,
 * no separators, exactly 2 * @len digits).  Returns 0 or -EINVAL.
 */
int hex_decode(uint8_t *out, size_t len, const char *s);
/*
 * Decode a hex string of any even length up to @max bytes; *@outlen gets
 * the number of bytes.  Returns 0, -EINVAL (not hex, odd) or -ERANGE.
 */
int hex_decode_var(uint8_t *out, size_t max, size_t *outlen, const char *s);

/*
 * Parse a decimal unsigned number in [@min, @max], the whole string.
 * Returns 0 or -EINVAL / -ERANGE.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Write @s as a JSON string, quotes included, escaping as needed. */
void json_str(FILE *f, const char *s);

/*
 * The one writer of cpnsctl's one-line JSON objects (-j; -p pretty, one
 * member a line as ip -j -p): *first true before the first member.
 *   json_key()  `"key": ' (opening the object before the first member);
 *   json_kv()   the words of @kv as members: "key=value" null for "-",
 *               a number for the keys that are counts (epoch, index, n,
 *               key, delivered, ...: json_number_keys), true/false for
 *               verified, stored, confirmed, else a string (so an
 *               identifier is always a string); a word without '=' is
 *               "word": true.  These are the same words as the text line;
 *   json_end()  closes the object, a newline, and flushes @f.
 */
void json_key(FILE *f, bool pretty, bool *first, const char *key);
void json_kv(FILE *f, bool pretty, bool *first, const char *kv);
void json_end(FILE *f, bool pretty, bool first);

#endif /* CPNS_UTIL_H */
