// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the wire protocol (userspace/wire.c), KTAP output.
 *
 * The worked example of Documentation/protocol.rst is rebuilt here from
 * the values of the "main" vector of vectors-v1.json and compared with
 * the hex dumps of the document (found at ../Documentation/protocol.rst
 * from userspace/, or $CPNS_PROTOCOL_DOC), so the document and the code
 * cannot drift apart.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "util.h"
#include "wire.h"
#include "ktap.h"


/* The "main" vector of vectors-v1.json. */
#define V_GWID "gw-public"
#define V_ENTITY "pne:public-0001"
#define V_RAND "902c280ea87832571b00e6a5f663f82b9c4fd905193642e70cf4e815a8bc6b11"
#define V_T 1798761606ULL
#define V_REQSEALED "d8df52f0c4f80eeb7287e10adddd2b63ba0d6546c7e1b6f159034897f3b2ce98268a24678595641ea5750cf0afdd796cc61bb7f0c06e1b5a68d50b651bd63181531a6c4bc0766487b3014e117f9bd38fdd19ced7dd9d1c8f28cb28bb628698c248f670e5eee4162b8b288c00537af1baf653671ad75d112733bb2bd0d3"
#define V_RESPSEALED "cf604c0432e48ccb684123bb5f995c73ede52910a815a006794bdd4964ac7ed5bb13a585010a8cb4775c96a858f0f002978028d4a368bc3eedd1ad9664bf664819701a6a8da0e8911d30cf48449d43a4d487546bc11224a63ec8aa6da761482d9ae4"
#define V_FAILSEALED "e7830c36cb0ff87697bb9c7470638a3eb2c45f03a781890eb3b96827"
#define V_E 1
#define V_N 8
#define V_D1_CHALLENGE "0b42a641b3ce6222f3d864dbcc6b730a"
#define V_D1_SEALED "2bee08c89b80f483de71cb6b07e95b324cf0e24d2f83c6c0212a633c8d75f648d73de30dbe304e70e9e28d8517518b75799509214400300dc2722023"
#define V_D1_CONFIRM "250dc321e8e79bb0032f7ae6a807a6fc8ed6571c4ec9e5df504b6bfed41a0800"

static size_t unhex(uint8_t *out, size_t cap, const char *s)
{
	size_t n = strlen(s) / 2, i;

	if (n > cap)
		abort();
	for (i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			abort();
		out[i] = b;
	}
	return n;
}

static void ex_request(struct cpns_wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = CPNS_WIRE_REQUEST;
	m->u.req.gw_id_len = strlen(V_GWID);
	memcpy(m->u.req.gw_id, V_GWID, strlen(V_GWID));
	unhex(m->u.req.rand, sizeof(m->u.req.rand), V_RAND);
	m->u.req.t = V_T;
	m->u.req.sealed_len = unhex(m->u.req.sealed, sizeof(m->u.req.sealed),
				    V_REQSEALED);
}

static void ex_response(struct cpns_wire_msg *m, uint8_t status,
			const char *sealed)
{
	memset(m, 0, sizeof(*m));
	m->type = CPNS_WIRE_RESPONSE;
	m->u.resp.status = status;
	m->u.resp.sealed_len = unhex(m->u.resp.sealed,
				     sizeof(m->u.resp.sealed), sealed);
}

static void ex_delivery(struct cpns_wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = CPNS_WIRE_DELIVERY;
	m->u.del.entity_id_len = strlen(V_ENTITY);
	memcpy(m->u.del.entity_id, V_ENTITY, strlen(V_ENTITY));
	m->u.del.epoch = V_E;
	m->u.del.index = 1;
	m->u.del.n = V_N;
	unhex(m->u.del.challenge, sizeof(m->u.del.challenge), V_D1_CHALLENGE);
	m->u.del.sealed_len = unhex(m->u.del.sealed, sizeof(m->u.del.sealed),
				    V_D1_SEALED);
}

static void ex_ack(struct cpns_wire_msg *m, uint8_t code)
{
	memset(m, 0, sizeof(*m));
	m->type = CPNS_WIRE_ACK;
	m->u.ack.code = code;
	if (code == CPNS_ACCEPTED)
		unhex(m->u.ack.confirm, sizeof(m->u.ack.confirm),
		      V_D1_CONFIRM);
}

static void ex_error(struct cpns_wire_msg *m, uint8_t code, const char *why)
{
	memset(m, 0, sizeof(*m));
	m->type = CPNS_WIRE_ERROR;
	m->u.err.code = code;
	m->u.err.reason_len = strlen(why);
	memcpy(m->u.err.reason, why, strlen(why));
}

/* The frames of the worked example, in the document's order. */
#define N_EXAMPLES 8
static const size_t ex_len[N_EXAMPLES] = { 190, 113, 115, 45, 43, 15, 13, 36 };
static const char *const ex_name[N_EXAMPLES] = {
	"REQUEST", "RESPONSE OK", "DELIVERY i=1", "ACK ACCEPTED",
	"RESPONSE AUTH_FAILED", "RESPONSE STALE", "ACK REJECT_OPEN",
	"ERROR UNSUPPORTED_VERSION",
};

static void example(int k, struct cpns_wire_msg *m)
{
	switch (k) {
	case 0: ex_request(m); break;
	case 1: ex_response(m, CPNS_OK, V_RESPSEALED); break;
	case 2: ex_delivery(m); break;
	case 3: ex_ack(m, CPNS_ACCEPTED); break;
	case 4: ex_response(m, CPNS_AUTH_FAILED, V_FAILSEALED); break;
	case 5: ex_response(m, CPNS_STALE, ""); break;
	case 6: ex_ack(m, CPNS_REJECT_OPEN); break;
	default: ex_error(m, CPNS_WERR_UNSUPPORTED_VERSION,
			  "unsupported version 2"); break;
	}
}

static uint8_t frames[N_EXAMPLES][CPNS_WIRE_FRAME_MAX];
static ssize_t frame_len[N_EXAMPLES];

static void test_encode_examples(void)
{
	struct cpns_wire_msg m;
	bool ok = true;
	int k;

	cur = "encode_examples";
	for (k = 0; k < N_EXAMPLES; k++) {
		example(k, &m);
		frame_len[k] = cpns_wire_encode(&m, frames[k],
						sizeof(frames[k]));
		if (frame_len[k] != (ssize_t)ex_len[k]) {
			printf("# %s: %zd bytes, want %zu\n", ex_name[k],
			       frame_len[k], ex_len[k]);
			ok = false;
		}
	}
	ktap_result(ok, "encode_examples");
}

/* Every hex dump block of the document ("    0000  43 50 ..."). */
static int doc_blocks(uint8_t blocks[][CPNS_WIRE_FRAME_MAX], size_t *lens,
		      int max)
{
	const char *paths[] = { getenv("CPNS_PROTOCOL_DOC"),
				"../Documentation/protocol.rst",
				"Documentation/protocol.rst",
				"../../Documentation/protocol.rst" };
	char line[512];
	FILE *f = NULL;
	int nb = -1, in = 0;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && !f; i++)
		if (paths[i])
			f = fopen(paths[i], "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int off, b;
		char *p;
		int pos;

		if (strncmp(line, "    ", 4) || !isxdigit(line[4]) ||
		    !isxdigit(line[5]) || !isxdigit(line[6]) ||
		    !isxdigit(line[7]) || line[8] != ' ' || line[9] != ' ' ||
		    !isxdigit(line[10]) || !isxdigit(line[11]) ||
		    sscanf(line, "    %4x  %n", &off, &pos) != 1) {
			in = 0;
			continue;
		}
		if (!in) {
			if (off != 0 || ++nb >= max)
				break;
			lens[nb] = 0;
			in = 1;
		}
		if (off != lens[nb])
			break;
		p = line + pos;
		while (sscanf(p, "%2x", &b) == 1 && lens[nb] < CPNS_WIRE_FRAME_MAX) {
			blocks[nb][lens[nb]++] = b;
			p += 2;
			while (*p == ' ')
				p++;
		}
	}
	fclose(f);
	return nb + 1;
}

static void test_doc_agrees(void)
{
	static uint8_t blocks[16][CPNS_WIRE_FRAME_MAX];
	size_t lens[16];
	bool ok = true;
	int nb, k;

	cur = "doc_worked_example";
	nb = doc_blocks(blocks, lens, 16);
	if (nb < 0) {
		ksft_test_result_skip("doc_worked_example: protocol.rst not found\n");
		return;
	}
	if (nb != N_EXAMPLES) {
		printf("# %d hex dumps in the document, want %d\n", nb,
		       N_EXAMPLES);
		ok = false;
	}
	for (k = 0; k < N_EXAMPLES && k < nb; k++) {
		if (lens[k] != (size_t)frame_len[k] ||
		    memcmp(blocks[k], frames[k], lens[k])) {
			printf("# %s: document and encoder differ\n",
			       ex_name[k]);
			ok = false;
		}
	}
	ktap_result(ok, "doc_worked_example");
}

static bool msg_eq(const struct cpns_wire_msg *a, const struct cpns_wire_msg *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void test_roundtrip(void)
{
	struct cpns_wire_msg m, d;
	bool ok = true;
	int k;

	cur = "decode_roundtrip";
	for (k = 0; k < N_EXAMPLES; k++) {
		example(k, &m);
		CHECK(cpns_wire_decode(frames[k], frame_len[k], &d) == 0);
		if (!msg_eq(&m, &d)) {
			printf("# %s: decoded differs\n", ex_name[k]);
			ok = false;
		}
	}
	/* Extremes: 64-byte identifiers, 512-byte sealed parts. */
	memset(&m, 0, sizeof(m));
	m.type = CPNS_WIRE_REQUEST;
	m.u.req.gw_id_len = 64;
	memset(m.u.req.gw_id, 'g', 64);
	m.u.req.t = UINT64_MAX;
	m.u.req.sealed_len = 512;
	memset(m.u.req.sealed, 0xa5, 512);
	CHECK(cpns_wire_encode(&m, frames[0], sizeof(frames[0])) == 632);
	CHECK(cpns_wire_decode(frames[0], 632, &d) == 0 && msg_eq(&m, &d));
	memset(&m, 0, sizeof(m));
	m.type = CPNS_WIRE_DELIVERY;
	m.u.del.entity_id_len = 64;
	memset(m.u.del.entity_id, 'e', 64);
	m.u.del.epoch = UINT32_MAX;
	m.u.del.index = 65535;
	m.u.del.n = 65535;
	m.u.del.sealed_len = 28;
	CHECK(cpns_wire_encode(&m, frames[0], sizeof(frames[0])) > 0);
	CHECK(cpns_wire_decode(frames[0], 12 + 2 + 64 + 8 + 16 + 2 + 28, &d) == 0 &&
	      msg_eq(&m, &d));
	memset(&m, 0, sizeof(m));
	m.type = CPNS_WIRE_ERROR;
	m.u.err.code = CPNS_WERR_BUSY;
	CHECK(cpns_wire_encode(&m, frames[0], sizeof(frames[0])) == 15);
	CHECK(cpns_wire_decode(frames[0], 15, &d) == 0 && msg_eq(&m, &d));
	/* Restore the examples for the tests that follow. */
	for (k = 0; k < N_EXAMPLES; k++) {
		example(k, &m);
		frame_len[k] = cpns_wire_encode(&m, frames[k],
						sizeof(frames[k]));
	}
	ktap_result(ok, "decode_roundtrip");
}

static void test_truncated(void)
{
	struct cpns_wire_msg d;
	bool ok = true;
	int k;
	ssize_t l;

	cur = "refuse_truncated";
	for (k = 0; k < N_EXAMPLES; k++)
		for (l = 0; l < frame_len[k]; l++)
			if (cpns_wire_decode(frames[k], l, &d) !=
			    CPNS_WERR_MALFORMED_FRAME) {
				printf("# %s cut to %zd bytes not refused\n",
				       ex_name[k], l);
				ok = false;
			}
	/* A header that announces fewer bytes than the body fields need. */
	for (k = 0; k < N_EXAMPLES; k++) {
		uint8_t f[CPNS_WIRE_FRAME_MAX];

		memcpy(f, frames[k], frame_len[k]);
		f[11]--;
		CHECK(cpns_wire_decode(f, frame_len[k] - 1, &d) ==
		      CPNS_WERR_MALFORMED_FRAME);
	}
	ktap_result(ok, "refuse_truncated");
}

static void test_trailing(void)
{
	uint8_t f[CPNS_WIRE_FRAME_MAX];
	struct cpns_wire_msg d;
	bool ok = true;
	int k;

	cur = "refuse_trailing_garbage";
	for (k = 0; k < N_EXAMPLES; k++) {
		memcpy(f, frames[k], frame_len[k]);
		f[frame_len[k]] = 0;
		/* Bytes after the frame. */
		CHECK(cpns_wire_decode(f, frame_len[k] + 1, &d) ==
		      CPNS_WERR_MALFORMED_FRAME);
		/* A body longer than its fields, length included. */
		f[11]++;
		CHECK(cpns_wire_decode(f, frame_len[k] + 1, &d) ==
		      CPNS_WERR_MALFORMED_FRAME);
	}
	ktap_result(ok, "refuse_trailing_garbage");
}

static void test_header(void)
{
	uint8_t f[CPNS_WIRE_FRAME_MAX + 16];
	struct cpns_wire_msg d;
	uint32_t len;
	uint8_t type;
	bool ok = true;

	cur = "refuse_bad_header";
	memcpy(f, frames[1], frame_len[1]);
	f[0] = 'X';
	CHECK(cpns_wire_decode(f, frame_len[1], &d) == CPNS_WERR_MALFORMED_FRAME);
	memcpy(f, "GET / HTTP/1.0\r\n", 16);
	CHECK(cpns_wire_check_header(f, &type, &len) == CPNS_WERR_MALFORMED_FRAME);
	memcpy(f, frames[1], frame_len[1]);
	f[4] = 2;
	CHECK(cpns_wire_decode(f, frame_len[1], &d) ==
	      CPNS_WERR_UNSUPPORTED_VERSION);
	f[4] = 0;
	CHECK(cpns_wire_decode(f, frame_len[1], &d) ==
	      CPNS_WERR_UNSUPPORTED_VERSION);
	memcpy(f, frames[1], frame_len[1]);
	f[7] = 1;
	CHECK(cpns_wire_decode(f, frame_len[1], &d) == CPNS_WERR_MALFORMED_FRAME);
	memcpy(f, frames[1], frame_len[1]);
	f[5] = 0;
	CHECK(cpns_wire_decode(f, frame_len[1], &d) == CPNS_WERR_UNEXPECTED_TYPE);
	f[5] = 6;
	CHECK(cpns_wire_decode(f, frame_len[1], &d) == CPNS_WERR_UNEXPECTED_TYPE);
	f[5] = 0xff;
	CHECK(cpns_wire_decode(f, frame_len[1], &d) == CPNS_WERR_UNEXPECTED_TYPE);
	/* Oversized: refused from the header alone. */
	memcpy(f, frames[1], 12);
	f[8] = 0; f[9] = 0; f[10] = 0x0f; f[11] = 0xf5;		/* 4085 */
	CHECK(cpns_wire_check_header(f, &type, &len) ==
	      CPNS_WERR_FRAME_TOO_LARGE);
	f[11] = 0xf4;						/* 4084 */
	CHECK(cpns_wire_check_header(f, &type, &len) == 0 && len == 4084);
	f[8] = 0xff;
	CHECK(cpns_wire_check_header(f, &type, &len) ==
	      CPNS_WERR_FRAME_TOO_LARGE);
	ktap_result(ok, "refuse_bad_header");
}

/* Body-level limits: each case a body for @type that must be refused. */
static void test_body_limits(void)
{
	uint8_t b[1024];
	struct cpns_wire_msg d;
	bool ok = true;
	size_t l;

	cur = "refuse_body_out_of_range";
	memset(b, 0, sizeof(b));
	/* REQUEST with lp(GwID) of 0 and of 65 bytes. */
	l = 2 + 0 + 32 + 8 + 2 + 28;
	b[1] = 0; b[2 + 32 + 8 + 1] = 28;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_REQUEST, b, l, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	memset(b, 0, sizeof(b));
	b[1] = 65;
	l = 2 + 65 + 32 + 8 + 2 + 28;
	b[2 + 65 + 32 + 8 + 1] = 28;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_REQUEST, b, l, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	/* 64 bytes is the most, accepted; one byte more is trailing. */
	memset(b, 0, sizeof(b));
	b[1] = 64;
	memset(b + 2, 'g', 64);
	l = 2 + 64 + 32 + 8 + 2 + 28;
	b[2 + 64 + 32 + 8 + 1] = 28;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_REQUEST, b, l, &d) == 0 &&
	      d.u.req.gw_id_len == 64 && d.u.req.sealed_len == 28);
	CHECK(cpns_wire_decode_body(CPNS_WIRE_REQUEST, b, l + 1, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	/* REQUEST sealed of 27 and 513 bytes. */
	memset(b, 0, sizeof(b));
	b[1] = 1; b[2] = 'g';
	b[2 + 1 + 32 + 8 + 1] = 27;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_REQUEST, b, 2 + 1 + 40 + 2 + 27,
				    &d) == CPNS_WERR_MALFORMED_FRAME);
	b[2 + 1 + 32 + 8] = 0x02; b[2 + 1 + 32 + 8 + 1] = 0x01;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_REQUEST, b, 2 + 1 + 40 + 2 + 513,
				    &d) == CPNS_WERR_MALFORMED_FRAME);
	/* RESPONSE sealed of 1..27 bytes; 0 and 28 accepted. */
	memset(b, 0, sizeof(b));
	for (l = 0; l <= 28; l++) {
		int want = (l == 0 || l == 28) ? 0 : CPNS_WERR_MALFORMED_FRAME;

		b[2] = l;
		CHECK(cpns_wire_decode_body(CPNS_WIRE_RESPONSE, b, 3 + l, &d) ==
		      want);
	}
	/* ACK: ACCEPTED needs exactly the Confirm, a rejection nothing. */
	memset(b, 0, sizeof(b));
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ACK, b, 1, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ACK, b, 32, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ACK, b, 34, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	b[0] = CPNS_REJECT_LINK;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ACK, b, 33, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ACK, b, 1, &d) == 0 &&
	      d.u.ack.code == CPNS_REJECT_LINK);
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ACK, b, 0, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	/* ERROR reason over 200 bytes. */
	memset(b, 'x', sizeof(b));
	b[0] = 1; b[1] = 0; b[2] = 201;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ERROR, b, 3 + 201, &d) ==
	      CPNS_WERR_MALFORMED_FRAME);
	b[2] = 200;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_ERROR, b, 3 + 200, &d) == 0 &&
	      d.u.err.reason_len == 200 && d.u.err.reason[200] == '\0');
	/* DELIVERY with an empty identifier. */
	memset(b, 0, sizeof(b));
	b[2 + 8 + 16 + 1] = 28;
	CHECK(cpns_wire_decode_body(CPNS_WIRE_DELIVERY, b, 2 + 8 + 16 + 2 + 28,
				    &d) == CPNS_WERR_MALFORMED_FRAME);
	CHECK(cpns_wire_decode_body(7, b, 0, &d) == CPNS_WERR_UNEXPECTED_TYPE);
	ktap_result(ok, "refuse_body_out_of_range");
}

static void test_encode_limits(void)
{
	struct cpns_wire_msg m;
	uint8_t f[CPNS_WIRE_FRAME_MAX];
	bool ok = true;

	cur = "encode_refuses_out_of_range";
	ex_request(&m);
	m.u.req.gw_id_len = 0;
	CHECK(cpns_wire_encode(&m, f, sizeof(f)) == -EINVAL);
	ex_request(&m);
	m.u.req.sealed_len = 27;
	CHECK(cpns_wire_encode(&m, f, sizeof(f)) == -EINVAL);
	ex_response(&m, CPNS_OK, V_RESPSEALED);
	m.u.resp.sealed_len = 600;
	CHECK(cpns_wire_encode(&m, f, sizeof(f)) == -EINVAL);
	ex_delivery(&m);
	m.u.del.entity_id_len = 65;
	CHECK(cpns_wire_encode(&m, f, sizeof(f)) == -EINVAL);
	ex_error(&m, 1, "x");
	m.u.err.reason_len = 201;
	CHECK(cpns_wire_encode(&m, f, sizeof(f)) == -EINVAL);
	m.type = 9;
	CHECK(cpns_wire_encode(&m, f, sizeof(f)) == -EINVAL);
	ex_request(&m);
	CHECK(cpns_wire_encode(&m, f, 189) == -EMSGSIZE);
	CHECK(cpns_wire_encode(&m, f, 190) == 190);
	ktap_result(ok, "encode_refuses_out_of_range");
}

static void test_names_ids(void)
{
	bool ok = true;

	cur = "names_and_identifiers";
	CHECK(!strcmp(cpns_wire_type_name(CPNS_WIRE_ACK), "ACK"));
	CHECK(cpns_wire_type_name(0) == NULL && cpns_wire_type_name(6) == NULL);
	CHECK(!strcmp(cpns_wire_error_name(CPNS_WERR_TIMEOUT), "TIMEOUT"));
	CHECK(cpns_wire_error_name(0) == NULL && cpns_wire_error_name(8) == NULL);
	CHECK(strlen(cpns_wire_error_reason(CPNS_WERR_FRAME_TOO_LARGE)) <=
	      CPNS_WIRE_REASON_MAX);
	CHECK(cpns_wire_error_reason(0) != NULL);
	CHECK(cpns_id_valid("gw-public", 9));
	CHECK(cpns_id_valid("a.b_c:d@e-F9", 12));
	CHECK(!cpns_id_valid("", 0));
	CHECK(!cpns_id_valid("a b", 3));
	CHECK(!cpns_id_valid("a/b", 3));
	CHECK(!cpns_id_valid("a\0b", 3));
	CHECK(cpns_id_valid("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 64));
	CHECK(!cpns_id_valid("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 65));
	ktap_result(ok, "names_and_identifiers");
}

static void test_timeout_setting(void)
{
	bool ok = true;

	cur = "timeout_setting";
	unsetenv(CPNS_WIRE_TIMEOUT_ENV);
	CHECK(cpns_wire_timeout(0) == 10);
	CHECK(cpns_wire_timeout(3) == 3);
	setenv(CPNS_WIRE_TIMEOUT_ENV, "7", 1);
	CHECK(cpns_wire_timeout(0) == 7);
	CHECK(cpns_wire_timeout(2) == 2);
	setenv(CPNS_WIRE_TIMEOUT_ENV, "0", 1);
	CHECK(cpns_wire_timeout(0) == -EINVAL);
	setenv(CPNS_WIRE_TIMEOUT_ENV, "5s", 1);
	CHECK(cpns_wire_timeout(0) == -EINVAL);
	unsetenv(CPNS_WIRE_TIMEOUT_ENV);
	ktap_result(ok, "timeout_setting");
}

/* Socket helpers over a socketpair: the receiving side's verdicts. */
static int recv_after(const uint8_t *bytes, size_t len, bool close_after,
		      int timeout_s, struct cpns_wire_msg *m, int *werr)
{
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	if (len && write(sv[0], bytes, len) != (ssize_t)len)
		return -EIO;
	if (close_after)
		close(sv[0]);
	rc = cpns_wire_recv(sv[1], m, timeout_s, werr);
	if (!close_after)
		close(sv[0]);
	close(sv[1]);
	return rc;
}

static void test_socket_recv(void)
{
	struct cpns_wire_msg m, want;
	uint8_t big[64];
	int64_t t0;
	bool ok = true;
	int werr;

	cur = "socket_recv";
	example(2, &want);
	CHECK(recv_after(frames[2], frame_len[2], true, 2, &m, &werr) == 0 &&
	      werr == 0 && msg_eq(&m, &want));
	/* Closed before any byte. */
	CHECK(recv_after(NULL, 0, true, 2, &m, &werr) == -ENODATA && werr == 0);
	/* Truncated: header only, then half the body. */
	CHECK(recv_after(frames[2], 12, true, 2, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_MALFORMED_FRAME);
	CHECK(recv_after(frames[2], 50, true, 2, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_MALFORMED_FRAME);
	CHECK(recv_after(frames[2], 5, true, 2, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_MALFORMED_FRAME);
	/* Garbage. */
	CHECK(recv_after((const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, true, 2,
			 &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_MALFORMED_FRAME);
	/* Oversized: refused from the header, body never awaited. */
	memcpy(big, frames[2], 12);
	big[8] = 0x7f;
	t0 = cpns_wire_now_ms();
	CHECK(recv_after(big, 12, false, 5, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_FRAME_TOO_LARGE);
	CHECK(cpns_wire_now_ms() - t0 < 1000);
	/* Wrong version. */
	memcpy(big, frames[2], 12);
	big[4] = 9;
	CHECK(recv_after(big, 12, false, 5, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_UNSUPPORTED_VERSION);
	/* Silent peer, and a peer that stops halfway: cut at the deadline. */
	t0 = cpns_wire_now_ms();
	CHECK(recv_after(NULL, 0, false, 1, &m, &werr) == -ETIMEDOUT &&
	      werr == CPNS_WERR_TIMEOUT);
	CHECK(recv_after(frames[2], 40, false, 1, &m, &werr) == -ETIMEDOUT &&
	      werr == CPNS_WERR_TIMEOUT);
	t0 = cpns_wire_now_ms() - t0;
	CHECK(t0 >= 1900 && t0 < 4000);
	ktap_result(ok, "socket_recv");
}

/*
 * Each way a frame fails is named: cpns_wire_last_error() after
 * cpns_wire_recv() says which (a GW used to print "not protocol v1" for
 * all of them).
 */
static void test_diagnostics(void)
{
	static const uint8_t ack5[] = { 'C', 'P', 'N', 'S', 1, 4, 0, 0, 0, 0, 0, 5,
					0x14, 1, 2, 3, 4 };
	uint8_t b[CPNS_WIRE_FRAME_MAX];
	struct cpns_wire_msg m;
	const char *why[4];
	bool ok = true;
	int werr, i, j;

	cur = "diagnostics";
	/* a version-2 frame */
	memcpy(b, frames[1], frame_len[1]);
	b[4] = 2;
	CHECK(recv_after(b, frame_len[1], true, 2, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_UNSUPPORTED_VERSION);
	why[0] = strdup(cpns_wire_last_error());
	CHECK(!strcmp(why[0], "a frame of version 2, not 1"));
	/* an ACK with a 5-byte body */
	CHECK(recv_after(ack5, sizeof(ack5), true, 2, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_MALFORMED_FRAME);
	why[1] = strdup(cpns_wire_last_error());
	CHECK(!strcmp(why[1], "an ACK body of 5 bytes, not 1 (33 with ACCEPTED)"));
	/* a RESPONSE cut off halfway */
	CHECK(recv_after(frames[1], frame_len[1] / 2, true, 2, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_MALFORMED_FRAME);
	why[2] = strdup(cpns_wire_last_error());
	CHECK(!strcmp(why[2], "a RESPONSE cut off after 44 of its 101 body bytes"));
	/* an ERROR whose reason is 201 bytes */
	memcpy(b, "CPNS\x01\x05\0\0\0\0\0\xcc\x01\x00\xc9", 15);
	memset(b + 15, 'r', 201);
	CHECK(recv_after(b, 15 + 201, true, 2, &m, &werr) == -EPROTO &&
	      werr == CPNS_WERR_MALFORMED_FRAME);
	why[3] = strdup(cpns_wire_last_error());
	CHECK(!strcmp(why[3], "an ERROR whose reason is 201 bytes, more than 200"));
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			CHECK(strcmp(why[i], why[j]));
	/* and a truncated header says so */
	CHECK(recv_after(frames[1], 5, true, 2, &m, &werr) == -EPROTO);
	CHECK(!strcmp(cpns_wire_last_error(),
		      "the connection ended after 5 of the 12 header bytes"));
	for (i = 0; i < 4; i++) {
		printf("# %s\n", why[i]);
		free((void *)why[i]);
	}
	ktap_result(ok, "diagnostics");
}

/* A slow peer sending one byte every 300 ms is cut by the frame deadline. */
static void test_slow_peer(void)
{
	struct cpns_wire_msg m;
	int sv[2], werr, rc;
	int64_t t0;
	pid_t pid;
	bool ok = true;

	cur = "slow_peer_deadline";
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		ktap_result(false, "slow_peer_deadline");
		return;
	}
	pid = fork();
	if (pid == 0) {
		ssize_t i;

		close(sv[1]);
		for (i = 0; i < frame_len[2]; i++) {
			if (write(sv[0], &frames[2][i], 1) != 1)
				_exit(0);
			usleep(300000);
		}
		_exit(0);
	}
	close(sv[0]);
	t0 = cpns_wire_now_ms();
	rc = cpns_wire_recv(sv[1], &m, 2, &werr);
	t0 = cpns_wire_now_ms() - t0;
	CHECK(rc == -ETIMEDOUT && werr == CPNS_WERR_TIMEOUT);
	CHECK(t0 >= 1900 && t0 < 3000);
	close(sv[1]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ktap_result(ok, "slow_peer_deadline");
}

/* Over a socketpair, with cpns_wire_recv_rx(); the bytes left unread in *left. */
static int recv_rx_after(const uint8_t *bytes, size_t len,
			 const struct cpns_wire_rx *rx, struct cpns_wire_msg *m,
			 int *werr, size_t *left)
{
	uint8_t rest[CPNS_WIRE_FRAME_MAX];
	int sv[2], rc;
	ssize_t r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	if (len && write(sv[0], bytes, len) != (ssize_t)len)
		return -EIO;
	rc = cpns_wire_recv_rx(sv[1], m, rx, werr);
	r = recv(sv[1], rest, sizeof(rest), MSG_DONTWAIT);
	*left = r > 0 ? (size_t)r : 0;
	close(sv[0]);
	close(sv[1]);
	return rc;
}

/*
 * A known type the receiver does not take is refused from the header:
 * UNEXPECTED_TYPE at once, with its body missing or left unread.
 */
static void test_unaccepted_type(void)
{
	struct cpns_wire_rx rx = {
		.accept = CPNS_WIRE_ACCEPT(CPNS_WIRE_REQUEST),
		.header_timeout_s = 5, .timeout_s = 5,
	};
	struct cpns_wire_msg m, want;
	size_t left;
	int64_t t0;
	bool ok = true;
	int werr;

	cur = "refuse_unaccepted_type_from_header";
	/* A DELIVERY header to a server, its body never sent. */
	t0 = cpns_wire_now_ms();
	CHECK(recv_rx_after(frames[2], 12, &rx, &m, &werr, &left) == -EPROTO &&
	      werr == CPNS_WERR_UNEXPECTED_TYPE &&
	      m.type == CPNS_WIRE_DELIVERY);
	CHECK(cpns_wire_now_ms() - t0 < 1000);
	/* The whole DELIVERY sent: refused, its body not read. */
	CHECK(recv_rx_after(frames[2], frame_len[2], &rx, &m, &werr, &left) ==
	      -EPROTO && werr == CPNS_WERR_UNEXPECTED_TYPE &&
	      left == (size_t)frame_len[2] - 12);
	/* An ERROR or an ACK to a server, a REQUEST to a PNE: the same. */
	CHECK(recv_rx_after(frames[7], 12, &rx, &m, &werr, &left) == -EPROTO &&
	      werr == CPNS_WERR_UNEXPECTED_TYPE && m.type == CPNS_WIRE_ERROR);
	CHECK(recv_rx_after(frames[3], 12, &rx, &m, &werr, &left) == -EPROTO &&
	      werr == CPNS_WERR_UNEXPECTED_TYPE && m.type == CPNS_WIRE_ACK);
	rx.accept = CPNS_WIRE_ACCEPT(CPNS_WIRE_DELIVERY);
	t0 = cpns_wire_now_ms();
	CHECK(recv_rx_after(frames[0], 12, &rx, &m, &werr, &left) == -EPROTO &&
	      werr == CPNS_WERR_UNEXPECTED_TYPE &&
	      m.type == CPNS_WIRE_REQUEST);
	CHECK(cpns_wire_now_ms() - t0 < 1000);
	/* The accepted type is read whole and decoded; nothing left. */
	example(2, &want);
	CHECK(recv_rx_after(frames[2], frame_len[2], &rx, &m, &werr, &left) ==
	      0 && werr == 0 && left == 0 && msg_eq(&m, &want));
	/* An unknown type stays UNEXPECTED_TYPE; a bad version still wins. */
	{
		uint8_t h[12];

		memcpy(h, frames[2], 12);
		h[5] = 9;
		CHECK(recv_rx_after(h, 12, &rx, &m, &werr, &left) == -EPROTO &&
		      werr == CPNS_WERR_UNEXPECTED_TYPE);
		memcpy(h, frames[0], 12);
		h[4] = 2;
		CHECK(recv_rx_after(h, 12, &rx, &m, &werr, &left) == -EPROTO &&
		      werr == CPNS_WERR_UNSUPPORTED_VERSION);
	}
	ktap_result(ok, "refuse_unaccepted_type_from_header");
}

/*
 * The header deadline is shorter than the frame's: a silent peer is cut
 * at it; a header in time leaves the body the rest of the frame's.
 */
static void test_header_deadline(void)
{
	struct cpns_wire_rx rx = { .header_timeout_s = 1, .timeout_s = 4 };
	struct cpns_wire_msg m;
	size_t left;
	int64_t t0;
	bool ok = true;
	int werr;

	cur = "header_deadline";
	t0 = cpns_wire_now_ms();
	CHECK(recv_rx_after(NULL, 0, &rx, &m, &werr, &left) == -ETIMEDOUT &&
	      werr == CPNS_WERR_TIMEOUT);
	t0 = cpns_wire_now_ms() - t0;
	CHECK(t0 >= 900 && t0 < 2500);
	/* Five header bytes only: cut at the header deadline too. */
	t0 = cpns_wire_now_ms();
	CHECK(recv_rx_after(frames[2], 5, &rx, &m, &werr, &left) ==
	      -ETIMEDOUT && werr == CPNS_WERR_TIMEOUT);
	t0 = cpns_wire_now_ms() - t0;
	CHECK(t0 >= 900 && t0 < 2500);
	/* The header, half the body: the frame's deadline, not the header's. */
	rx.timeout_s = 2;
	t0 = cpns_wire_now_ms();
	CHECK(recv_rx_after(frames[2], 50, &rx, &m, &werr, &left) ==
	      -ETIMEDOUT && werr == CPNS_WERR_TIMEOUT);
	t0 = cpns_wire_now_ms() - t0;
	CHECK(t0 >= 1900 && t0 < 3500);
	/* A header deadline longer than the frame's is the frame's. */
	rx.header_timeout_s = 30;
	rx.timeout_s = 1;
	t0 = cpns_wire_now_ms();
	CHECK(recv_rx_after(NULL, 0, &rx, &m, &werr, &left) == -ETIMEDOUT &&
	      werr == CPNS_WERR_TIMEOUT);
	t0 = cpns_wire_now_ms() - t0;
	CHECK(t0 >= 900 && t0 < 2500);
	ktap_result(ok, "header_deadline");
}

/* TCP on 127.0.0.1: listen, connect, exchange, ERROR frame, lingering close. */
static void test_tcp(void)
{
	struct cpns_wire_msg m, want;
	char addr[64];
	int lfd, cfd, afd, werr;
	bool ok = true;
	pid_t pid;
	int status;

	cur = "tcp_exchange";
	lfd = cpns_wire_listen("127.0.0.1:0");
	CHECK(lfd >= 0);
	if (lfd < 0) {
		ktap_result(false, "tcp_exchange");
		return;
	}
	cpns_wire_sockname(lfd, false, addr, sizeof(addr));
	pid = fork();
	if (pid == 0) {
		/* The listening side: one exchange, then an oversized frame. */
		struct cpns_wire_msg r;
		int w;

		afd = accept(lfd, NULL, NULL);
		if (cpns_wire_recv(afd, &r, 5, &w) || r.type != CPNS_WIRE_DELIVERY)
			_exit(1);
		example(3, &r);
		if (cpns_wire_send(afd, &r, 5))
			_exit(2);
		cpns_wire_close(afd);
		afd = accept(lfd, NULL, NULL);
		if (cpns_wire_recv(afd, &r, 5, &w) != -EPROTO ||
		    w != CPNS_WERR_FRAME_TOO_LARGE)
			_exit(3);
		cpns_wire_send_error(afd, w, "frame too large", 5);
		cpns_wire_close(afd);
		_exit(0);
	}
	cfd = cpns_wire_connect(addr, 5);
	CHECK(cfd >= 0);
	example(2, &m);
	CHECK(cpns_wire_send(cfd, &m, 5) == 0);
	example(3, &want);
	CHECK(cpns_wire_recv(cfd, &m, 5, &werr) == 0 && msg_eq(&m, &want));
	close(cfd);
	/* An oversized frame followed by more bytes than the peer reads. */
	cfd = cpns_wire_connect(addr, 5);
	CHECK(cfd >= 0);
	{
		static uint8_t junk[20000];

		memcpy(junk, frames[2], 12);
		junk[9] = 0x01;
		CHECK(cpns_wire_write_all(cfd, junk, sizeof(junk),
					  cpns_wire_now_ms() + 5000) == 0);
	}
	CHECK(cpns_wire_recv(cfd, &m, 5, &werr) == 0 &&
	      m.type == CPNS_WIRE_ERROR &&
	      m.u.err.code == CPNS_WERR_FRAME_TOO_LARGE &&
	      !strcmp(m.u.err.reason, "frame too large"));
	close(cfd);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(lfd);
	/* Bad addresses are refused before any socket. */
	CHECK(cpns_wire_connect("127.0.0.1", 1) == -EINVAL);
	CHECK(cpns_wire_connect("127.0.0.1:99999", 1) == -EINVAL);
	CHECK(cpns_wire_connect("127.0.0.1:", 1) == -EINVAL);
	CHECK(cpns_wire_connect("::1:80", 1) == -EINVAL);
	ktap_result(ok, "tcp_exchange");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	ktap_plan(16, "wire: the TCP framing of Documentation/protocol.rst");
	test_encode_examples();
	test_doc_agrees();
	test_roundtrip();
	test_truncated();
	test_trailing();
	test_header();
	test_body_limits();
	test_encode_limits();
	test_names_ids();
	test_timeout_setting();
	test_socket_recv();
	test_diagnostics();
	test_slow_peer();
	test_unaccepted_type();
	test_header_deadline();
	test_tcp();
	return ktap_finish();
}
