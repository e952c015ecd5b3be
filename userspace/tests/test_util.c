// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of util.c: identifiers, claim codes, hex, numbers, JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/cpns.h>

#include "cpnsctl.h"
#include "util.h"
#include "ktap.h"

int main(void)
{
	char id64[CPNS_ID_MAX_LEN + 2], hex[65], *json = NULL;
	uint8_t b[32], big[40];
	size_t n, jlen;
	uint64_t v;
	FILE *f;

	KTAP_BEGIN(14);

	KTAP_CHECK(cpns_id_valid("gw1", strlen("gw1")) && cpns_id_valid("a", strlen("a")) &&
		   cpns_id_valid("Pne-01.example_x:y@z", strlen("Pne-01.example_x:y@z")),
		   "valid identifiers");
	KTAP_CHECK(!cpns_id_valid("", strlen("")) && !cpns_id_valid(NULL, 0) &&
		   !cpns_id_valid("a b", strlen("a b")) && !cpns_id_valid("a/b", strlen("a/b")) &&
		   !cpns_id_valid("é", strlen("é")) && !cpns_id_valid("a\n", strlen("a\n")) &&
		   !cpns_id_valid("a;b", strlen("a;b")),
		   "invalid identifiers: empty, space, slash, non-ASCII, newline");
	memset(id64, 'x', CPNS_ID_MAX_LEN);
	id64[CPNS_ID_MAX_LEN] = '\0';
	KTAP_CHECK(cpns_id_valid(id64, strlen(id64)), "64-byte identifier accepted");
	id64[CPNS_ID_MAX_LEN] = 'x';
	id64[CPNS_ID_MAX_LEN + 1] = '\0';
	KTAP_CHECK(!cpns_id_valid(id64, strlen(id64)), "65-byte identifier refused");

	KTAP_CHECK(cpns_claim_code_valid("ABCD-1234", 9) &&
		   !cpns_claim_code_valid("ABC-123", 7) &&
		   !cpns_claim_code_valid("ABCD_1234", 9) &&
		   !cpns_claim_code_valid("ABCD:1234", 9),
		   "claim codes: 8..64 of [A-Za-z0-9-]");

	for (n = 0; n < sizeof(b); n++)
		b[n] = (uint8_t)(n * 37 + 1);
	hex_encode(hex, b, sizeof(b));
	KTAP_CHECK(strlen(hex) == 64 && !strncmp(hex, "01264b", 6),
		   "hex encode");
	memset(big, 0, sizeof(big));
	KTAP_CHECK(!hex_decode(big, sizeof(b), hex) && !memcmp(big, b, sizeof(b)),
		   "hex round trip");
	KTAP_CHECK(!hex_decode(big, 2, "aBcD") && big[0] == 0xab && big[1] == 0xcd,
		   "hex decode, mixed case");
	KTAP_CHECK(hex_decode(big, 2, "abc") == -EINVAL &&
		   hex_decode(big, 2, "abcdef") == -EINVAL &&
		   hex_decode(big, 2, "abcg") == -EINVAL &&
		   hex_decode(big, 2, "ab cd") == -EINVAL,
		   "hex decode refuses odd, long, non-hex");
	KTAP_CHECK(!hex_decode_var(big, sizeof(big), &n, "00ff10") && n == 3 &&
		   hex_decode_var(big, 2, &n, "00ff10") == -ERANGE &&
		   hex_decode_var(big, 2, &n, "0") == -EINVAL &&
		   !hex_decode_var(big, 2, &n, "") && n == 0,
		   "hex decode of variable length");

	KTAP_CHECK(!parse_u64("42", 1, 100, &v) && v == 42 &&
		   parse_u64("0", 1, 100, &v) == -ERANGE &&
		   parse_u64("101", 1, 100, &v) == -ERANGE &&
		   parse_u64("-1", 0, 100, &v) == -EINVAL &&
		   parse_u64("+1", 0, 100, &v) == -EINVAL &&
		   parse_u64("1x", 0, 100, &v) == -EINVAL &&
		   parse_u64("", 0, 100, &v) == -EINVAL &&
		   parse_u64("99999999999999999999999", 0, UINT64_MAX, &v) == -ERANGE,
		   "parse_u64");

	f = open_memstream(&json, &jlen);
	json_str(f, "a\"b\\c\nd\x01");
	fclose(f);
	KTAP_CHECK(json && !strcmp(json, "\"a\\\"b\\\\c\\nd\\u0001\""),
		   "JSON string escaping");
	free(json);

	KTAP_CHECK(cpnsctl_exit_errno(-EPERM) == CPNSCTL_EXIT_PERM &&
		   cpnsctl_exit_errno(-EACCES) == CPNSCTL_EXIT_PERM &&
		   cpnsctl_exit_errno(-ENOKEY) == CPNSCTL_EXIT_FAIL &&
		   cpnsctl_exit_errno(-EBADMSG) == CPNSCTL_EXIT_FAIL,
		   "exit code of a refused command");
	KTAP_CHECK(cpnsctl_exit_open(-ENOENT) == CPNSCTL_EXIT_UNAVAILABLE &&
		   cpnsctl_exit_open(-EPROTONOSUPPORT) == CPNSCTL_EXIT_UNAVAILABLE &&
		   cpnsctl_exit_open(-EPERM) == CPNSCTL_EXIT_PERM &&
		   CPNSCTL_EXIT_OK == 0 && CPNSCTL_EXIT_FAIL == 1 &&
		   CPNSCTL_EXIT_USAGE == 2 && CPNSCTL_EXIT_UNAVAILABLE == 3 &&
		   CPNSCTL_EXIT_PERM == 4 && CPNSCTL_EXIT_IO == 5 &&
		   CPNSCTL_EXIT_UNREACHABLE == 6,
		   "exit code of a failed open, and the documented values");

	return KTAP_END();
}
